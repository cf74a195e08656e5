"""``exchange``: role choice (R57), DurationSeconds and the retry at the role's maximum, the exact base64 sent
(R59), the cross-check of STS's answer (R59) and the ClientError table, against botocore's Stubber."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.stub import ANY
from botocore.stub import Stubber

from saml_core.errors import ConfigError
from sp_adapter import AwsRoleNotAllowed
from sp_adapter import NotCovered
from sp_adapter import StsError
from sp_adapter import StsRejected
from sp_adapter import StsUnavailable
from sp_adapter import choose_role
from sp_adapter import exchange
from sp_adapter import sts as sts_module
from sp_adapter._exchange import check_duration
from sp_adapter.sts import CLIENT_ERRORS
from sp_adapter.sts import StsConfigError
from sp_adapter.sts import sts_client
from tests.sp_adapter._aws_support import ADMIN
from tests.sp_adapter._aws_support import ASSUMED_READONLY
from tests.sp_adapter._aws_support import IDP_ENTITY
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import validated

OTHER_PROVIDER = "arn:aws:iam::111111111111:saml-provider/OtherIdP"


def answer(**changes: Any) -> dict[str, Any]:
    """What STS answers for alice/ReadOnly; ``changes`` override top-level members."""
    body: dict[str, Any] = {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE12",
            "SecretAccessKey": "s" * 40,
            "SessionToken": "token",
            "Expiration": NOW + timedelta(hours=1),
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:alice", "Arn": ASSUMED_READONLY},
        "Subject": "alice",
        "SubjectType": "persistent",
        "Issuer": IDP_ENTITY,
        "Audience": "https://signin.aws.amazon.com/saml",
        "NameQualifier": "q",
    }
    body.update(changes)
    return body


@pytest.fixture
def stubbed() -> Any:
    client = sts_client(region="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_the_exact_base64_received_goes_to_sts_and_credentials_come_back(stubbed: Any) -> None:
    client, stub = stubbed
    issued = issue()
    assertion = validated(issued)
    expected = {"RoleArn": READONLY, "PrincipalArn": PROVIDER, "SAMLAssertion": issued.b64}
    stub.add_response("assume_role_with_saml", answer(), expected)
    result = exchange(assertion, client=client)
    assert result.credentials.access_key_id == "ASIAEXAMPLEEXAMPLE12"
    assert result.credentials.assumed_role_arn == ASSUMED_READONLY
    assert (result.role.role_arn, result.role.principal_arn) == (READONLY, PROVIDER)
    assert result.region == "us-east-1" and result.retried is False
    assert "s" * 40 not in repr(result.credentials)  # secrets never in repr


def test_the_request_is_unsigned_and_regional() -> None:
    client = sts_client(region="eu-west-1")
    assert client.meta.endpoint_url == "https://sts.eu-west-1.amazonaws.com"
    assert client.meta.config.signature_version is UNSIGNED
    assert client.meta.config.retries["total_max_attempts"] == 1


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_a_legacy_sts_setting_does_not_send_calls_to_the_global_endpoint(
    monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """AWS.md section 8: tokens from the global endpoint are limited, so STS is always called regionally."""
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    sts_module._session.cache_clear()
    try:
        assert sts_client(region=region).meta.endpoint_url == f"https://sts.{region}.amazonaws.com"
        # the twin: a plain botocore client under the same setting does go global (what this guards against)
        legacy = boto3.session.Session().client("sts", region_name=region)
        assert legacy.meta.endpoint_url == "https://sts.amazonaws.com"
    finally:
        sts_module._session.cache_clear()


# ------------------------------------------------------------------------------------------ role choice


def test_one_role_is_chosen_without_asking() -> None:
    assert choose_role(validated(issue())).role_arn == READONLY


def test_several_roles_need_role_arn_or_a_chooser() -> None:
    assertion = validated(issue(roles=(READONLY, ADMIN)))
    with pytest.raises(ConfigError) as info:
        choose_role(assertion)
    assert info.value.code == "config_error" and "--role-arn" in str(info.value)
    assert choose_role(assertion, ADMIN).role_arn == ADMIN
    assert choose_role(assertion, chooser=lambda roles: roles[1]).role_arn == ADMIN


def test_a_role_the_assertion_does_not_offer_is_not_allowed() -> None:
    assertion = validated(issue())
    with pytest.raises(AwsRoleNotAllowed) as info:
        choose_role(assertion, ADMIN)
    assert (info.value.code, info.value.aws_error) == ("aws_role_not_allowed", "AccessDenied")
    assert choose_role(assertion, READONLY).principal_arn == PROVIDER


def test_principal_arn_must_be_the_provider_paired_with_the_role() -> None:
    assertion = validated(issue())
    with pytest.raises(AwsRoleNotAllowed) as info:
        choose_role(assertion, READONLY, OTHER_PROVIDER)
    assert info.value.code == "aws_role_not_allowed"
    with pytest.raises(AwsRoleNotAllowed):
        choose_role(assertion, None, OTHER_PROVIDER)
    assert choose_role(assertion, READONLY, PROVIDER).role_arn == READONLY


def test_a_chooser_cannot_pick_a_role_outside_the_assertion() -> None:
    from sp_adapter import AwsRolePair

    assertion = validated(issue(roles=(READONLY, ADMIN)))
    evil = AwsRolePair("arn:aws:iam::111111111111:role/Root", PROVIDER)
    with pytest.raises(AwsRoleNotAllowed):
        choose_role(assertion, chooser=lambda roles: evil)


def test_a_rejected_role_never_reaches_sts(stubbed: Any) -> None:
    client, _ = stubbed  # no response queued: any call would raise a StubResponseError
    with pytest.raises(AwsRoleNotAllowed):
        exchange(validated(issue()), role_arn=ADMIN, client=client)


# ------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize("seconds", [0, 899, 43201])
def test_duration_outside_900_43200_is_a_usage_error(seconds: int) -> None:
    with pytest.raises(ConfigError):
        check_duration(seconds)
    assert check_duration(900) == 900 and check_duration(43200) == 43200 and check_duration(None) is None


def test_over_the_roles_maximum_is_retried_once_at_the_documented_floor(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "assume_role_with_saml",
        service_error_code="ValidationError",
        service_message="The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        http_status_code=400,
        expected_params={
            "RoleArn": READONLY,
            "PrincipalArn": PROVIDER,
            "SAMLAssertion": ANY,
            "DurationSeconds": 7200,
        },
    )
    stub.add_response(
        "assume_role_with_saml",
        answer(),
        {"RoleArn": READONLY, "PrincipalArn": PROVIDER, "SAMLAssertion": ANY, "DurationSeconds": 3600},
    )
    result = exchange(validated(issue()), duration=7200, client=client)
    assert result.retried is True and result.duration_seconds == 3600


def test_the_retry_uses_the_maximum_sts_reports(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "assume_role_with_saml",
        service_error_code="ValidationError",
        service_message="1 validation error detected: Member must have value less than or equal to 7200",
        http_status_code=400,
    )
    stub.add_response("assume_role_with_saml", answer())
    result = exchange(validated(issue()), duration=10800, client=client)
    assert result.duration_seconds == 7200 and result.retried


def test_only_one_retry(stubbed: Any) -> None:
    client, stub = stubbed
    for _ in range(2):
        stub.add_client_error(
            "assume_role_with_saml",
            service_error_code="ValidationError",
            service_message="The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            http_status_code=400,
        )
    with pytest.raises(StsRejected) as info:
        exchange(validated(issue()), duration=7200, client=client)
    assert (info.value.code, info.value.aws_error) == ("sts_rejected", "ValidationError")


def test_other_rejections_are_not_retried(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "assume_role_with_saml",
        service_error_code="InvalidIdentityToken",
        service_message="Response signature invalid",
        http_status_code=400,
    )
    with pytest.raises(StsRejected) as info:
        exchange(validated(issue()), duration=7200, client=client)
    assert info.value.aws_error == "InvalidIdentityToken" and str(info.value) == "Response signature invalid"


# ----------------------------------------------------------------------------------------- R59 checks


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("Issuer", "https://evil.example.test/"),
        ("Audience", "https://eu-west-1.signin.aws.amazon.com/saml"),
        ("Subject", "admin"),
        ("SubjectType", "transient"),
        (
            "AssumedRoleUser",
            {"AssumedRoleId": "AROA:alice", "Arn": "arn:aws:sts::111111111111:assumed-role/Admin/a"},
        ),
    ],
)
def test_sts_reading_the_assertion_differently_discards_the_credentials(
    stubbed: Any, member: str, value: Any
) -> None:
    client, stub = stubbed
    stub.add_response("assume_role_with_saml", answer(**{member: value}))
    with pytest.raises(NotCovered) as info:
        exchange(validated(issue()), client=client)
    assert info.value.code == "unsigned_content"
    assert member in str(info.value)
    assert "ASIAEXAMPLE" not in str(info.value)


def test_the_cross_check_can_be_skipped_only_explicitly(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_response("assume_role_with_saml", answer(Issuer="http://localhost:3000/"))
    result = exchange(validated(issue()), client=client, verify_answer=False)
    assert result.answer.issuer == "http://localhost:3000/"


def test_transient_name_ids_compare_by_their_short_type(stubbed: Any) -> None:
    client, stub = stubbed
    stub.add_response("assume_role_with_saml", answer(SubjectType="transient"))
    fmt = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    assert exchange(validated(issue(name_id_format=fmt)), client=client).answer.subject_type == "transient"


# ------------------------------------------------------------------------------------- ClientError table


@pytest.mark.parametrize(
    ("aws_code", "cls", "code"),
    [
        ("InvalidIdentityToken", StsRejected, "sts_rejected"),
        ("IDPRejectedClaim", StsRejected, "sts_rejected"),
        ("ExpiredTokenException", StsRejected, "sts_rejected"),
        ("AccessDenied", StsRejected, "sts_rejected"),
        ("PackedPolicyTooLarge", StsRejected, "sts_rejected"),
        ("RegionDisabledException", StsConfigError, "sts_config_error"),
        ("Throttling", StsUnavailable, "sts_unavailable"),
        ("SomethingNew", StsError, "sts_error"),
    ],
)
def test_client_errors_map_through_one_table(stubbed: Any, aws_code: str, cls: type, code: str) -> None:
    client, stub = stubbed
    stub.add_client_error("assume_role_with_saml", service_error_code=aws_code, service_message="m\nx")
    with pytest.raises(StsError) as info:
        exchange(validated(issue()), client=client)
    assert type(info.value) is cls
    assert (info.value.code, info.value.aws_error, str(info.value)) == (code, aws_code, "m x")
    assert CLIENT_ERRORS.get(aws_code, StsError) is cls


def test_an_unreachable_endpoint_is_sts_unavailable() -> None:
    from tests.conftest import free_port

    with pytest.raises(StsUnavailable) as info:
        exchange(validated(issue()), endpoint_url=f"http://127.0.0.1:{free_port()}")
    assert info.value.code == "sts_unavailable"
