"""The public testing helpers (STYLE.md section 4) do what their docstrings say."""

from __future__ import annotations

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from idp import AwsRole
from idp import IdentityProvider
from saml_core.testing import FIXED_NOW
from saml_core.testing import fixed_clock
from saml_core.testing import throwaway_keys
from sp_adapter.testing import local_sts_for

ROLE = AwsRole("arn:aws:iam::111111111111:role/ReadOnly", "arn:aws:iam::111111111111:saml-provider/DemoIdP")


def test_throwaway_keys_are_generated_once_per_name() -> None:
    assert throwaway_keys("a") is throwaway_keys("a")
    assert throwaway_keys("a") is not throwaway_keys("b")
    assert throwaway_keys("ec", "ec-p256").kind == "ec"


def test_fixed_clock_answers_one_instant_and_refuses_naive_times() -> None:
    assert fixed_clock()() == FIXED_NOW
    with pytest.raises(ValueError):
        fixed_clock(FIXED_NOW.replace(tzinfo=None))


def test_local_sts_for_checks_like_aws() -> None:
    provider = IdentityProvider("https://idp.example.test/", throwaway_keys("testing-module"))
    issued = provider.issue_aws(name_id="alice", roles=[ROLE], session_name="alice", now=FIXED_NOW)
    stranger = IdentityProvider("https://idp.example.test/", throwaway_keys("stranger"))
    forged = stranger.issue_aws(name_id="alice", roles=[ROLE], session_name="alice", now=FIXED_NOW)
    with local_sts_for(provider.metadata(), clock=fixed_clock()) as sts:
        client = boto3.client(
            "sts", endpoint_url=sts.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
        )
        answer = client.assume_role_with_saml(
            RoleArn=ROLE.role_arn, PrincipalArn=ROLE.provider_arn, SAMLAssertion=issued.b64
        )
        assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"
        with pytest.raises(ClientError) as info:
            client.assume_role_with_saml(
                RoleArn=ROLE.role_arn, PrincipalArn=ROLE.provider_arn, SAMLAssertion=forged.b64
            )
        assert info.value.response["Error"]["Code"] == "InvalidIdentityToken"
