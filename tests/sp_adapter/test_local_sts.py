"""The local STS over real HTTP on 127.0.0.1, driven by boto3: good assertions get working credentials, bad
ones get the error code AWS documents (AWS.md section 7), with botocore raising the same ClientError."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from lxml import etree

from sp_adapter import MemoryReplayCache
from sp_adapter import StaticDirectory
from tests.sp_adapter._aws_support import ACCOUNT
from tests.sp_adapter._aws_support import ADMIN
from tests.sp_adapter._aws_support import ASSUMED_READONLY
from tests.sp_adapter._aws_support import IDP_ENTITY
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import metadata
from tests.sp_adapter._aws_support import signed_client
from tests.sp_adapter._aws_support import unsigned_client

SIGNATURE = "Response signature invalid"


@pytest.fixture(scope="module")
def sts() -> Any:
    with local_sts(replay_cache=None) as server:
        yield server


def assume(url: str, b64: str, role: str = READONLY, principal: str = PROVIDER, **extra: Any) -> Any:
    return unsigned_client(url).assume_role_with_saml(
        RoleArn=role, PrincipalArn=principal, SAMLAssertion=b64, **extra
    )


def rejected(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


def test_a_good_assertion_gets_credentials_with_every_documented_member(sts: Any) -> None:
    answer = assume(sts.url, issue().b64)
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]
    assert creds["Expiration"] == NOW + timedelta(hours=1)
    assert answer["AssumedRoleUser"]["Arn"] == ASSUMED_READONLY
    assert answer["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert (answer["Subject"], answer["SubjectType"]) == ("alice", "persistent")
    assert answer["Issuer"] == IDP_ENTITY
    assert answer["Audience"] == "https://signin.aws.amazon.com/saml"
    expected_qualifier = base64.b64encode(
        hashlib.sha1(f"{IDP_ENTITY}{ACCOUNT}/DemoIdP".encode()).digest()  # noqa: S324 - AWS's formula
    ).decode()
    assert answer["NameQualifier"] == expected_qualifier


def test_the_minted_credentials_work_for_get_caller_identity(sts: Any) -> None:
    creds = assume(sts.url, issue().b64)["Credentials"]
    identity = signed_client(sts.url, creds).get_caller_identity()
    assert identity["Arn"] == ASSUMED_READONLY
    assert identity["Account"] == ACCOUNT
    assert identity["UserId"].startswith("AROA") and identity["UserId"].endswith(":alice")


# Each fault of the IdP's catalogue, and what AWS answers for it (AWS.md 7.1-7.3). The positive twin of every
# row is the test above: the same IdP, the same STS, no fault.
FAULTS = [
    ("expired", "ExpiredTokenException", 400, None),
    ("not-yet-valid", "ExpiredTokenException", 400, None),
    ("status-not-success", "IDPRejectedClaim", 403, None),
    ("wrong-audience", "InvalidIdentityToken", 400, None),
    ("wrong-recipient", "InvalidIdentityToken", 400, None),
    ("wrong-issuer", "InvalidIdentityToken", 400, "Issuer not present in specified provider"),
    ("two-subject-confirmations", "InvalidIdentityToken", 400, None),
    ("missing-role", "InvalidIdentityToken", 400, None),
    (
        "missing-role-session-name",
        "InvalidIdentityToken",
        400,
        "RoleSessionName is required in AuthnResponse",
    ),
    (
        "bad-role-session-name",
        "InvalidIdentityToken",
        400,
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    ),
    (
        "bad-source-identity",
        "InvalidIdentityToken",
        400,
        'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
    ),
    ("bad-session-duration", "InvalidIdentityToken", 400, None),
    ("too-many-tags", "InvalidIdentityToken", 400, None),
    ("unsigned", "InvalidIdentityToken", 400, SIGNATURE),
    ("wrong-key", "InvalidIdentityToken", 400, SIGNATURE),
    ("bad-digest", "InvalidIdentityToken", 400, SIGNATURE),
    ("sha1-signature", "InvalidIdentityToken", 400, SIGNATURE),
    ("xsw1", "InvalidIdentityToken", 400, SIGNATURE),
    ("xsw3", "InvalidIdentityToken", 400, None),
    ("comment-in-nameid", "InvalidIdentityToken", 400, None),
    ("doctype-present", "InvalidIdentityToken", 400, None),
]


@pytest.mark.parametrize(("fault", "code", "status", "message"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_bad_assertion_gets_the_aws_error(
    sts: Any, fault: str, code: str, status: int, message: str | None
) -> None:
    b64 = issue(faults=(fault,)).b64
    got_code, got_status, got_message = rejected(lambda: assume(sts.url, b64))
    assert (got_code, got_status) == (code, status)
    if message is not None:
        assert got_message == message


def test_an_assertion_over_100000_characters_is_a_validation_error(sts: Any) -> None:
    b64 = issue(faults=("oversize",)).b64
    assert len(b64) > 100_000
    code, status, message = rejected(lambda: assume(sts.url, b64))
    assert (code, status) == ("ValidationError", 400)
    assert "Member must have length less than or equal to 100000" in message


def test_the_role_pair_must_be_one_the_assertion_offers(sts: Any) -> None:
    assert assume(sts.url, issue().b64)["AssumedRoleUser"]["Arn"] == ASSUMED_READONLY
    b64 = issue().b64
    code, status, message = rejected(lambda: assume(sts.url, b64, role=ADMIN))
    assert (code, status, message) == (
        "AccessDenied",
        403,
        "Not authorized to perform sts:AssumeRoleWithSAML",
    )


def test_the_principal_arn_must_be_the_provider_paired_with_the_role() -> None:
    other = f"arn:aws:iam::{ACCOUNT}:saml-provider/OtherIdP"
    with local_sts({"DemoIdP": metadata(), "OtherIdP": metadata()}) as server:
        b64 = issue().b64
        code, status, _ = rejected(lambda: assume(server.url, b64, principal=other))
        assert (code, status) == ("AccessDenied", 403)
        assert assume(server.url, issue(provider=other).b64, principal=other)["Issuer"] == IDP_ENTITY


def test_an_unknown_provider_does_not_exist(sts: Any) -> None:
    missing = f"arn:aws:iam::{ACCOUNT}:saml-provider/Nobody"
    b64 = issue(provider=missing).b64
    code, status, message = rejected(lambda: assume(sts.url, b64, principal=missing))
    assert (code, status, message) == ("InvalidIdentityToken", 400, "Specified provider doesn't exist.")


def test_a_role_of_another_account_is_denied(sts: Any) -> None:
    foreign_role = "arn:aws:iam::222222222222:role/ReadOnly"
    b64 = issue().b64
    code, status, _ = rejected(lambda: assume(sts.url, b64, role=foreign_role))
    assert (code, status) == ("AccessDenied", 403)


def test_duration_over_the_roles_maximum_is_refused_and_the_maximum_is_granted(sts: Any) -> None:
    b64 = issue().b64
    code, status, message = rejected(lambda: assume(sts.url, b64, DurationSeconds=7200))
    assert (code, status) == ("ValidationError", 400)
    assert "MaxSessionDuration" in message
    answer = assume(sts.url, issue().b64, DurationSeconds=3600)
    assert answer["Credentials"]["Expiration"] == NOW + timedelta(seconds=3600)


def test_duration_over_43200_is_a_model_validation_error() -> None:
    with local_sts(max_session_duration=43200) as server:
        b64 = issue().b64
        code, _, message = rejected(lambda: assume(server.url, b64, DurationSeconds=43201))
        assert code == "ValidationError"
        assert "Member must have value less than or equal to 43200" in message
        answer = assume(server.url, issue().b64, DurationSeconds=43200)
        assert answer["Credentials"]["Expiration"] == NOW + timedelta(seconds=43200)


def test_session_duration_attribute_shortens_the_api_session(sts: Any) -> None:
    answer = assume(sts.url, issue(session_duration=900).b64)
    assert answer["Credentials"]["Expiration"] == NOW + timedelta(seconds=900)


def test_a_replayed_assertion_is_refused_by_default() -> None:
    with local_sts(replay_cache=MemoryReplayCache()) as server:
        b64 = issue().b64
        assert assume(server.url, b64)["Subject"] == "alice"
        code, status, _ = rejected(lambda: assume(server.url, b64))
        assert (code, status) == ("InvalidIdentityToken", 400)
        assert assume(server.url, issue().b64)["Subject"] == "alice"  # a fresh assertion still works


def test_without_a_replay_cache_the_same_assertion_is_accepted_twice(sts: Any) -> None:
    b64 = issue().b64
    assert assume(sts.url, b64)["Subject"] == assume(sts.url, b64)["Subject"] == "alice"


def test_a_session_policy_must_be_json_and_counts_towards_the_packed_size(sts: Any) -> None:
    b64 = issue().b64
    code, status, _ = rejected(lambda: assume(sts.url, b64, Policy="{not json"))
    assert (code, status) == ("MalformedPolicyDocument", 400)
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    answer = assume(sts.url, issue().b64, Policy=policy)
    assert answer["PackedPolicySize"] == -(-len(policy) * 100 // 2048)


def test_source_identity_is_echoed(sts: Any) -> None:
    assert assume(sts.url, issue(source_identity="alice-si").b64)["SourceIdentity"] == "alice-si"


# ---------------------------------------------------------------------------------- the wire, by hand


def post(url: str, **params: str) -> httpx.Response:
    return httpx.post(url + "/", data=params, timeout=10)


def error_of(answer: httpx.Response) -> tuple[int, str, str]:
    root = etree.fromstring(answer.content)
    ns = {"s": "https://sts.amazonaws.com/doc/2011-06-15/"}
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse"
    assert root.findtext("s:RequestId", namespaces=ns)
    assert root.findtext("s:Error/s:Type", namespaces=ns) in ("Sender", "Receiver")
    return (
        answer.status_code,
        root.findtext("s:Error/s:Code", namespaces=ns) or "",
        root.findtext("s:Error/s:Message", namespaces=ns) or "",
    )


def test_wire_model_validation_of_missing_and_short_parameters(sts: Any) -> None:
    base = {"Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "PrincipalArn": PROVIDER}
    status, code, message = error_of(post(sts.url, **base, SAMLAssertion=issue().b64))
    assert (status, code) == (400, "ValidationError") and "roleArn" in message and "null" in message
    status, code, message = error_of(post(sts.url, **base, RoleArn=READONLY, SAMLAssertion="abc"))
    assert (status, code) == (400, "ValidationError") and "greater than or equal to 4" in message
    ok = post(sts.url, **base, RoleArn=READONLY, SAMLAssertion=issue().b64)
    assert ok.status_code == 200 and b"<AssumeRoleWithSAMLResult>" in ok.content


def test_wire_unknown_action_wrong_version_and_repeated_parameters(sts: Any) -> None:
    assert error_of(post(sts.url, Action="AssumeRole", Version="2011-06-15"))[:2] == (400, "InvalidAction")
    assert error_of(post(sts.url, Action="GetCallerIdentity", Version="2099-01-01"))[:2] == (
        400,
        "InvalidAction",
    )
    repeated = httpx.post(
        sts.url + "/",
        content=b"Action=GetCallerIdentity&Action=AssumeRoleWithSAML&Version=2011-06-15",
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert error_of(repeated)[:2] == (400, "InvalidParameterValue")


def test_wire_control_characters_in_a_quoted_parameter_get_a_400_not_a_500(sts: Any) -> None:
    # found by tests/fuzz/test_web_requests.py: the InvalidAction message quotes Action, and lxml refuses to
    # put \x08 into the error document, which used to end as a 500 with no body
    status, code, message = error_of(post(sts.url, Action="Assume\x08Role\x00", Version="2011-06-15"))
    assert (status, code) == (400, "InvalidAction")
    assert "Assume\ufffdRole\ufffd" in message


def test_wire_get_caller_identity_without_a_signature(sts: Any) -> None:
    status, code, _ = error_of(post(sts.url, Action="GetCallerIdentity", Version="2011-06-15"))
    assert (status, code) == (403, "MissingAuthenticationToken")


# ------------------------------------------------------------------------------ GetCallerIdentity checks


def test_a_wrong_secret_fails_the_sigv4_check(sts: Any) -> None:
    creds = dict(assume(sts.url, issue().b64)["Credentials"])
    good = signed_client(sts.url, creds).get_caller_identity()["Arn"]
    assert good == ASSUMED_READONLY
    creds["SecretAccessKey"] = "A" + creds["SecretAccessKey"][1:]
    code, status, _ = rejected(lambda: signed_client(sts.url, creds).get_caller_identity())
    assert (code, status) == ("SignatureDoesNotMatch", 403)


def test_an_unknown_key_or_a_wrong_token_is_an_invalid_client_token(sts: Any) -> None:
    creds = dict(assume(sts.url, issue().b64)["Credentials"])
    unknown = {**creds, "AccessKeyId": "ASIA" + "Z" * 16}
    code, status, _ = rejected(lambda: signed_client(sts.url, unknown).get_caller_identity())
    assert (code, status) == ("InvalidClientTokenId", 403)
    wrong_token = {**creds, "SessionToken": creds["SessionToken"] + "x"}
    code, status, _ = rejected(lambda: signed_client(sts.url, wrong_token).get_caller_identity())
    assert (code, status) == ("InvalidClientTokenId", 403)


def test_expired_credentials_and_stale_signatures_are_refused() -> None:
    clock = {"now": NOW}
    with local_sts(clock=lambda: clock["now"]) as server:
        creds = assume(server.url, issue().b64)["Credentials"]
        assert signed_client(server.url, creds).get_caller_identity()["Arn"] == ASSUMED_READONLY
        clock["now"] = NOW + timedelta(minutes=20)  # the request's X-Amz-Date is now 20 minutes old
        code, status, message = rejected(lambda: signed_client(server.url, creds).get_caller_identity())
        assert (code, status) == ("SignatureDoesNotMatch", 403) and "Signature expired" in message
        clock["now"] = NOW + timedelta(hours=1)
        code, status, _ = rejected(lambda: signed_client(server.url, creds).get_caller_identity())
        assert (code, status) == ("ExpiredToken", 400)


def test_a_provider_whose_metadata_cannot_be_used_answers_invalid_identity_token() -> None:
    with local_sts({"DemoIdP": b"<not-metadata/>"}) as server:
        b64 = issue().b64
        code, status, message = rejected(lambda: assume(server.url, b64))
        assert (code, status, message) == ("InvalidIdentityToken", 400, "Could not parse metadata.")


def test_static_directory_rejects_bad_configuration() -> None:
    from saml_core.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        StaticDirectory({"DemoIdP": b""}, account="12345")
    assert info.value.code == "config_error"
    with pytest.raises(ConfigError):
        StaticDirectory.from_specs(["no-equals-sign"])
    assert StaticDirectory({"DemoIdP": b"x"}).provider(PROVIDER) is not None
