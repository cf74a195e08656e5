"""The local STS reading providers and roles from an IAM endpoint (moto's server over HTTP): the metadata
IAM holds verifies the signature, and the role's trust policy and MaxSessionDuration are enforced."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sp_adapter import IamDirectory
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import metadata
from tests.sp_adapter._aws_support import unsigned_client

MOTO_ACCOUNT = "123456789012"
PROVIDER = f"arn:aws:iam::{MOTO_ACCOUNT}:saml-provider/DemoIdP"
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/ReadOnly"
AUD = "https://signin.aws.amazon.com/saml"


def trust_policy(actions: list[str], aud: str = AUD, principal: str = PROVIDER) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": principal},
                    "Action": actions,
                    "Condition": {"StringEquals": {"SAML:aud": aud}},
                }
            ],
        }
    )


@pytest.fixture
def iam(moto_reset: str) -> Any:
    client = boto3.client("iam", endpoint_url=moto_reset, region_name="us-east-1")
    client.create_saml_provider(Name="DemoIdP", SAMLMetadataDocument=metadata().decode())
    return client


def make_role(iam: Any, policy: str, max_session: int = 3600, name: str = "ReadOnly") -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy, MaxSessionDuration=max_session)


def assume(url: str, b64: str, role: str = ROLE, **extra: Any) -> Any:
    return unsigned_client(url).assume_role_with_saml(
        RoleArn=role, PrincipalArn=PROVIDER, SAMLAssertion=b64, **extra
    )


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def test_provider_and_role_from_iam_with_an_allowing_trust_policy(iam: Any, moto_reset: str) -> None:
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML"]), max_session=7200)
    role_id = iam.get_role(RoleName="ReadOnly")["Role"]["RoleId"]
    with local_sts(directory=IamDirectory.from_endpoint(moto_reset)) as sts:
        answer = assume(sts.url, issue(roles=(ROLE,), provider=PROVIDER).b64, DurationSeconds=7200)
        assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role_id}:alice"
        assert answer["Credentials"]["Expiration"] == NOW + timedelta(seconds=7200)
        # the role's own MaxSessionDuration (7200) is the limit, not the default
        b64 = issue(roles=(ROLE,), provider=PROVIDER).b64
        assert code_of(lambda: assume(sts.url, b64, DurationSeconds=10800)) == "ValidationError"


def test_a_trust_policy_whose_saml_aud_does_not_match_denies(iam: Any, moto_reset: str) -> None:
    make_role(
        iam, trust_policy(["sts:AssumeRoleWithSAML"], aud="https://eu-west-1.signin.aws.amazon.com/saml")
    )
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML"]), name="Other")
    other = f"arn:aws:iam::{MOTO_ACCOUNT}:role/Other"
    with local_sts(directory=IamDirectory.from_endpoint(moto_reset)) as sts:
        b64 = issue(roles=(ROLE,), provider=PROVIDER).b64
        assert code_of(lambda: assume(sts.url, b64)) == "AccessDenied"
        assert assume(sts.url, issue(roles=(other,), provider=PROVIDER).b64, role=other)["Subject"] == "alice"


def test_tags_need_sts_tag_session_in_the_trust_policy(iam: Any, moto_reset: str) -> None:
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML"]))
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML", "sts:TagSession"]), name="Tagged")
    tagged = f"arn:aws:iam::{MOTO_ACCOUNT}:role/Tagged"
    tags = {"Department": "Engineering"}
    with local_sts(directory=IamDirectory.from_endpoint(moto_reset)) as sts:
        b64 = issue(roles=(ROLE,), provider=PROVIDER, principal_tags=tags).b64
        assert code_of(lambda: assume(sts.url, b64)) == "AccessDenied"
        ok = assume(sts.url, issue(roles=(tagged,), provider=PROVIDER, principal_tags=tags).b64, role=tagged)
        assert ok["PackedPolicySize"] >= 1


def test_a_role_iam_does_not_have_is_denied(iam: Any, moto_reset: str) -> None:
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML"]))
    missing = f"arn:aws:iam::{MOTO_ACCOUNT}:role/Missing"
    with local_sts(directory=IamDirectory.from_endpoint(moto_reset)) as sts:
        b64 = issue(roles=(missing,), provider=PROVIDER).b64
        assert code_of(lambda: assume(sts.url, b64, role=missing)) == "AccessDenied"
        assert assume(sts.url, issue(roles=(ROLE,), provider=PROVIDER).b64)["Subject"] == "alice"


def test_a_provider_iam_does_not_have_does_not_exist(iam: Any, moto_reset: str) -> None:
    make_role(iam, trust_policy(["sts:AssumeRoleWithSAML"]))
    iam.delete_saml_provider(SAMLProviderArn=PROVIDER)
    with local_sts(directory=IamDirectory.from_endpoint(moto_reset)) as sts:
        b64 = issue(roles=(ROLE,), provider=PROVIDER).b64
        assert code_of(lambda: assume(sts.url, b64)) == "InvalidIdentityToken"
