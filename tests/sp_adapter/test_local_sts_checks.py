"""The local STS's pure checks against AWS.md: session length, the Policy model, Identity Center roles,
and the trust-policy condition keys and set operators of AWS.md section 5."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from saml_core import NS
from saml_core import format_instant
from sp_adapter import ValidatedAssertion
from sp_adapter._local_sts_checks import MAX_DURATION_MESSAGE
from sp_adapter._local_sts_checks import check_role_pair
from sp_adapter._local_sts_checks import check_trust_policy
from sp_adapter._local_sts_checks import parse_assume_params
from sp_adapter._local_sts_checks import saml_context
from sp_adapter._local_sts_checks import session_seconds
from sp_adapter._local_sts_wire import StsFault
from sp_adapter._result import AwsRolePair
from tests.sp_adapter import _fixtures as fx

PROVIDER = "arn:aws:iam::111111111111:saml-provider/IdP"
ROLE = "arn:aws:iam::111111111111:role/ReadOnly"


def _with_session_end(minutes: int) -> ValidatedAssertion:
    response = fx.build_response()
    statement = next(response.iter(NS.saml("AuthnStatement")))
    statement.set("SessionNotOnOrAfter", format_instant(fx.NOW + timedelta(minutes=minutes)))
    fx.sign_assertion(response)
    return fx.validate(fx.serialize(response))


# ------------------------------------------------------------------------ session length (AWS.md 1, 3)


def test_session_not_on_or_after_caps_the_session() -> None:
    assertion = _with_session_end(20)
    assert assertion.session_not_on_or_after == fx.NOW + timedelta(minutes=20)
    assert assertion.to_json()["session_not_on_or_after"] == format_instant(fx.NOW + timedelta(minutes=20))
    assert session_seconds(None, assertion, fx.NOW) == 1200  # min(3600 default, 20 minutes)
    assert session_seconds(900, assertion, fx.NOW) == 900  # the lesser wins either way
    # the twin: without SessionNotOnOrAfter the default hour stands
    plain = fx.validate(fx.f0("A"))
    assert plain.session_not_on_or_after is None
    assert session_seconds(None, plain, fx.NOW) == 3600


def test_max_duration_message_is_aws_md_verbatim() -> None:
    assert MAX_DURATION_MESSAGE == "Requested DurationSeconds exceeds MaxSessionDuration set for this role."


# ------------------------------------------------------------------------------- the Policy parameter


def _params(**extra: str) -> dict[str, str]:
    values = {"RoleArn": ROLE, "PrincipalArn": PROVIDER, "SAMLAssertion": "PHNhbWxwOlJlc3BvbnNlLz4="}
    values.update(extra)
    return values


def test_policy_outside_the_models_character_set_is_a_validation_error() -> None:
    with pytest.raises(StsFault) as caught:
        parse_assume_params(_params(Policy='{"Sid": "\u0100"}'))
    assert caught.value.code == "ValidationError"
    assert "regular expression pattern" in caught.value.message
    # the twin: U+00FF, tab and newline are inside [\u0009\u000A\u000D\u0020-\u00FF]
    assert parse_assume_params(_params(Policy='{"Sid":\t"\u00ff"}\n')).policy == '{"Sid":\t"\u00ff"}\n'


# ----------------------------------------------------------------------------- Identity Center roles


def _assertion(**aws: Any) -> ValidatedAssertion:
    base = fx.validate(fx.f0("A"))
    assert base.aws is not None
    return dataclasses.replace(base, aws=dataclasses.replace(base.aws, **aws))


def test_an_identity_center_role_cannot_be_assumed_with_saml() -> None:
    sso = (
        "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
    )
    assertion = _assertion(roles=(AwsRolePair(role_arn=sso, principal_arn=PROVIDER),))
    with pytest.raises(StsFault) as caught:
        check_role_pair(assertion, sso, PROVIDER)
    assert caught.value.code == "AccessDenied"
    assert "IAM Identity Center" in caught.value.message
    # the twin: an ordinary role offered by the assertion passes
    check_role_pair(_assertion(roles=(AwsRolePair(role_arn=ROLE, principal_arn=PROVIDER),)), ROLE, PROVIDER)


# ----------------------------------------------------------------- trust-policy conditions (AWS.md 5)


def _policy(actions: list[str], condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": actions,
                "Condition": condition,
            }
        ],
    }


def _tagged() -> ValidatedAssertion:
    return _assertion(principal_tags={"Dept": "eng", "Team": "core"}, transitive_tag_keys=("Dept",))


ACTIONS = ("sts:AssumeRoleWithSAML", "sts:TagSession")


def _allowed(condition: dict[str, Any], assertion: ValidatedAssertion | None = None) -> bool:
    context = saml_context(assertion or _tagged(), "111111111111", "IdP")
    try:
        check_trust_policy(_policy(list(ACTIONS), condition), PROVIDER, ACTIONS, context)
    except StsFault as fault:
        assert fault.code == "AccessDenied"
        return False
    return True


def test_request_tags_tag_keys_and_transitive_keys_are_in_the_context() -> None:
    context = saml_context(_tagged(), "111111111111", "IdP")
    assert context["aws:requesttag/dept"] == ["eng"]
    assert context["aws:tagkeys"] == ["Dept", "Team"]
    assert context["sts:transitivetagkeys"] == ["Dept"]
    untagged = saml_context(_assertion(principal_tags={}, transitive_tag_keys=()), "111111111111", "IdP")
    assert "aws:tagkeys" not in untagged and "sts:transitivetagkeys" not in untagged


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        ({"StringEquals": {"aws:RequestTag/Dept": "eng"}}, True),
        ({"StringEquals": {"aws:RequestTag/Dept": "ops"}}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["Dept", "Team", "Cost"]}}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["Dept"]}}, False),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["Team"]}}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["Cost"]}}, False),
        ({"ForAnyValue:StringLike": {"sts:TransitiveTagKeys": ["De*"]}}, True),
        ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["Secret"]}}, True),
        ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["Team"]}}, False),
        ({"ForSomeValues:StringEquals": {"aws:TagKeys": ["Team"]}}, False),  # unknown qualifier: closed
    ],
)
def test_tag_conditions_and_set_operators(condition: dict[str, Any], allowed: bool) -> None:
    assert _allowed(condition) is allowed


def test_set_operators_on_an_absent_key_follow_iam() -> None:
    untagged = _assertion(principal_tags={}, transitive_tag_keys=())
    only_assume = ("sts:AssumeRoleWithSAML",)
    context = saml_context(untagged, "111111111111", "IdP")
    # ForAllValues over no values is true (IAM's documented pitfall); ForAnyValue is false
    check_trust_policy(
        _policy(list(only_assume), {"ForAllValues:StringEquals": {"aws:TagKeys": ["Dept"]}}),
        PROVIDER,
        only_assume,
        context,
    )
    with pytest.raises(StsFault):
        check_trust_policy(
            _policy(list(only_assume), {"ForAnyValue:StringEquals": {"aws:TagKeys": ["Dept"]}}),
            PROVIDER,
            only_assume,
            context,
        )
