"""What STS checks in ``AssumeRoleWithSAML`` beyond the assertion itself, as pure functions (AWS.md 3, 5, 7).

Invariants this module owns:

* Rule 1: request parameters are checked against the STS model before anything else (lengths, ranges,
  AWS's model-validation messages): RoleArn 20-2048, PrincipalArn 20-2048, SAMLAssertion 4-100,000,
  DurationSeconds 900-43200, Policy 1-2048, at most 10 PolicyArns.
* Rule 2: the (RoleArn, PrincipalArn) pair passed must be one of the assertion's Role pairs, and the role's
  trust policy must allow ``sts:AssumeRoleWithSAML`` for that provider (plus ``sts:TagSession`` when tags are
  sent and ``sts:SetSourceIdentity`` when a SourceIdentity is), else ``AccessDenied``.
* Rule 3: every ``ValidationError`` becomes the ``aws_error`` AWS.md section 7.3 gives it, with AWS's message
  where AWS documents one (signature failures say only "Response signature invalid").
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from saml_core.aws import ARN_MAX_CHARS
from saml_core.aws import ARN_MIN_CHARS

from ._errors import ValidationError
from ._local_sts_wire import StsFault
from ._local_sts_wire import validation_error
from ._result import ValidatedAssertion

DEFAULT_DURATION = 3600
_NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
_SIGNATURE_CODES = frozenset(
    {
        "signature_missing",
        "signature_invalid",
        "untrusted_key",
        "signature_profile_violation",
        "algorithm_forbidden",
        "weak_key",
    }
)
NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML"
MAX_DURATION_MESSAGE = "Requested DurationSeconds exceeds MaxSessionDuration set for this role."
"""AWS.md 7.2, verbatim."""
_POLICY_CHARACTERS = re.compile("[\u0009\u000a\u000d\u0020-\u00ff]+")
"""The STS model's pattern for ``Policy`` (AWS.md section 3)."""
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssumeParams:
    """The parameters of one AssumeRoleWithSAML request, model-checked (Rule 1)."""

    role_arn: str
    principal_arn: str
    saml_assertion: str = field(repr=False)
    duration_seconds: int | None
    policy: str | None
    policy_arns: tuple[str, ...]


def _length(params: Mapping[str, str], name: str, low: int, high: int) -> str:
    value = params.get(name)
    member = name[0].lower() + name[1:] if name != "SAMLAssertion" else name
    if value is None:
        raise validation_error(member, None, "Member must not be null")
    if len(value) < low:
        raise validation_error(member, value, f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        raise validation_error(member, "...", f"Member must have length less than or equal to {high}")
    return value


def _duration(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise StsFault(
            "InvalidParameterValue", f"Value ({raw[:20]}) for parameter DurationSeconds is invalid"
        )
    value = int(raw)
    if value < 900:
        raise validation_error(
            "durationSeconds", value, "Member must have value greater than or equal to 900"
        )
    if value > 43200:
        raise validation_error("durationSeconds", value, "Member must have value less than or equal to 43200")
    return value


def parse_assume_params(params: Mapping[str, str]) -> AssumeParams:
    """Rule 1."""
    role_arn = _length(params, "RoleArn", ARN_MIN_CHARS, ARN_MAX_CHARS)
    principal_arn = _length(params, "PrincipalArn", ARN_MIN_CHARS, ARN_MAX_CHARS)
    assertion = _length(params, "SAMLAssertion", 4, 100_000)
    duration = _duration(params.get("DurationSeconds"))
    policy = params.get("Policy")
    if policy is not None:
        _length(params, "Policy", 1, 2048)
        if not _POLICY_CHARACTERS.fullmatch(policy):
            raise validation_error(
                "policy",
                "...",
                r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+",
            )
        try:
            json.loads(policy)
        except ValueError as error:
            raise StsFault(
                "MalformedPolicyDocument", "The policy is not in the valid JSON format."
            ) from error
    arns = tuple(
        v for k, v in sorted(params.items()) if k.startswith("PolicyArns.member.") and k.endswith(".arn")
    )
    if len(arns) > 10:
        raise validation_error("policyArns", len(arns), "Member must have length less than or equal to 10")
    return AssumeParams(
        role_arn=role_arn,
        principal_arn=principal_arn,
        saml_assertion=assertion,
        duration_seconds=duration,
        policy=policy,
        policy_arns=arns,
    )


def fault_for(error: ValidationError) -> StsFault:
    """Rule 3: our verdict as the STS error AWS.md section 7.3 maps it to."""
    code = error.aws_error or "InvalidIdentityToken"
    if error.code in _SIGNATURE_CODES:
        return StsFault(code, "Response signature invalid")
    if error.code == "issuer_mismatch":
        return StsFault(code, "Issuer not present in specified provider")
    if error.code == "aws_role_not_allowed":
        return StsFault("AccessDenied", NOT_AUTHORIZED)
    return StsFault(code, error.message)


def check_role_pair(assertion: ValidatedAssertion, role_arn: str, principal_arn: str) -> None:
    """Rule 2, first half: the pair passed must be offered by the assertion, and not be an IAM Identity
    Center role (AWS.md section 3: the operation does not work for ``AWSReservedSSO_*`` roles)."""
    if role_arn.rsplit("/", 1)[-1].startswith("AWSReservedSSO_"):
        raise StsFault(
            "AccessDenied", f"{NOT_AUTHORIZED}; IAM Identity Center roles cannot be assumed with SAML"
        )
    roles = assertion.aws.roles if assertion.aws is not None else ()
    if not any(p.role_arn == role_arn and p.principal_arn == principal_arn for p in roles):
        raise StsFault("AccessDenied", NOT_AUTHORIZED)


def session_seconds(requested: int | None, assertion: ValidatedAssertion, now: datetime) -> int:
    """DurationSeconds (default 3600), shortened by a SessionDuration attribute and by the AuthnStatement's
    SessionNotOnOrAfter (AWS.md sections 1 and 3: the lesser wins). At least one second."""
    seconds = requested if requested is not None else DEFAULT_DURATION
    attribute = assertion.aws.session_duration if assertion.aws is not None else None
    if attribute is not None:
        seconds = min(seconds, attribute)
    if assertion.session_not_on_or_after is not None:
        left = int((assertion.session_not_on_or_after - now).total_seconds())
        seconds = min(seconds, max(left, 1))
    return seconds


def subject_type(name_id_format: str | None) -> str:
    """SubjectType: the Format with AWS's prefix stripped (AWS.md section 3); ``unspecified`` without one."""
    return name_id_format.removeprefix(_NAMEID_PREFIX) if name_id_format else "unspecified"


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """``BASE64(SHA1(Issuer + AccountID + "/" + providerFriendlyName))`` (AWS.md section 3)."""
    digest = hashlib.sha1((issuer + account + "/" + provider_name).encode("utf-8"), usedforsecurity=False)
    return base64.b64encode(digest.digest()).decode("ascii")


def packed_policy_size(assertion: ValidatedAssertion, policy: str | None) -> int | None:
    """A stand-in for AWS's opaque packed size: percent of 2,048 characters of tags and session policy."""
    tags = assertion.aws.principal_tags if assertion.aws is not None else {}
    size = len(policy or "") + sum(len(k) + len(v) for k, v in tags.items())
    if not size:
        return None
    percent = -(-size * 100 // 2048)
    if percent > 100:
        raise StsFault(
            "PackedPolicyTooLarge", f"Packed size of session policies and tags is {percent}% of limit"
        )
    return percent


def _token(random_bytes: Callable[[int], bytes], count: int) -> str:
    return "".join(_BASE32[b % 32] for b in random_bytes(count))


def mint_keys(random_bytes: Callable[[int], bytes]) -> tuple[str, str, str]:
    """(ASIA access key id, 40-character secret, session token) from an injected random source."""
    access_key_id = "ASIA" + _token(random_bytes, 16)
    secret = base64.b64encode(random_bytes(30)).decode("ascii")
    token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(random_bytes(180)).decode("ascii")
    return access_key_id, secret, token


def role_id_for(role_arn: str) -> str:
    """A stable ``AROA...`` role ID for a role IAM does not know (file-configured providers)."""
    digest = hashlib.sha256(role_arn.encode("utf-8")).digest()
    return "AROA" + "".join(_BASE32[b % 32] for b in digest[:17])


def assumed_role_arn(role_arn: str, session_name: str) -> str:
    """``arn:{partition}:sts::{account}:assumed-role/{role-name}/{role-session-name}`` (AWS.md 7.4)."""
    _, part, _, _, account, resource = role_arn.split(":", 5)
    return f"arn:{part}:sts::{account}:assumed-role/{resource.rsplit('/', 1)[-1]}/{session_name}"


# ------------------------------------------------------------------------------------- trust policies


def saml_context(assertion: ValidatedAssertion, account: str, provider_name: str) -> dict[str, list[str]]:
    """The ``saml:*`` and ``sts:*`` condition keys of AWS.md section 5, lower-cased."""
    aws = assertion.aws
    context = {
        "saml:aud": [assertion.recipient],
        "saml:iss": [assertion.issuer],
        "saml:sub": [assertion.name_id],
        "saml:sub_type": [subject_type(assertion.name_id_format)],
        "saml:namequalifier": [name_qualifier(assertion.issuer, account, provider_name)],
        "saml:doc": [f"{account}/{provider_name}"],
    }
    if aws is not None and aws.role_session_name is not None:
        context["sts:rolesessionname"] = [aws.role_session_name]
    if aws is not None and aws.source_identity is not None:
        context["sts:sourceidentity"] = [aws.source_identity]
    if aws is not None and aws.principal_tags:
        for key, value in aws.principal_tags.items():
            context[f"aws:requesttag/{key.lower()}"] = [value]
        context["aws:tagkeys"] = list(aws.principal_tags)
    if aws is not None and aws.transitive_tag_keys:
        context["sts:transitivetagkeys"] = list(aws.transitive_tag_keys)
    return context


def _values(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    return [str(item) for item in items]


def _condition_holds(
    operator: str, key: str, expected: list[str], context: Mapping[str, list[str]], unknown: bool
) -> bool:
    """One condition; an operator we do not implement answers ``unknown`` (fail closed: False for an Allow,
    True for a Deny). ``ForAnyValue:`` / ``ForAllValues:`` work as IAM's set operators on multivalued keys
    (``aws:TagKeys``, ``sts:TransitiveTagKeys``): any value matches / every value matches, the latter also
    true when the key is absent, as in IAM."""
    qualifier, _, operator = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return unknown
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    actual = context.get(key.lower())
    if actual is None:
        if qualifier:
            return qualifier == "ForAllValues"
        return if_exists or base in ("StringNotEquals", "StringNotLike")
    tests: dict[str, Callable[[str, str], bool]] = {
        "StringEquals": lambda a, e: a == e,
        "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
        "StringLike": lambda a, e: fnmatch.fnmatchcase(a, e),
    }
    negated = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike"}
    if base in tests:
        matches = [any(tests[base](a, e) for e in expected) for a in actual]
        return any(matches) if qualifier == "ForAnyValue" else all(matches)
    if base in negated:
        misses = [not any(tests[negated[base]](a, e) for e in expected) for a in actual]
        return any(misses) if qualifier == "ForAnyValue" else all(misses)
    return unknown


def _statement_applies(
    statement: Mapping[str, Any], action: str, principal_arn: str, context: Mapping[str, list[str]]
) -> bool:
    principal = statement.get("Principal")
    federated = (
        _values(principal.get("Federated", [])) if isinstance(principal, Mapping) else _values(principal)
    )
    if principal_arn not in federated and "*" not in federated:
        return False
    actions = [a.lower() for a in _values(statement.get("Action", []))]
    if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in actions):
        return False
    conditions = statement.get("Condition", {})
    unknown = statement.get("Effect") != "Allow"
    if not isinstance(conditions, Mapping):
        return unknown
    return all(
        isinstance(block, Mapping)
        and all(_condition_holds(op, key, _values(value), context, unknown) for key, value in block.items())
        for op, block in conditions.items()
    )


def check_trust_policy(
    policy: Mapping[str, Any], principal_arn: str, actions: tuple[str, ...], context: Mapping[str, list[str]]
) -> None:
    """Rule 2, second half: every action allowed by some statement, denied by none (IAM evaluation logic)."""
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    for action in actions:
        allowed = denied = False
        for statement in statements:
            if not isinstance(statement, Mapping):
                continue
            if _statement_applies(statement, action, principal_arn, context):
                allowed |= statement.get("Effect") == "Allow"
                denied |= statement.get("Effect") == "Deny"
        if denied or not allowed:
            raise StsFault(
                "AccessDenied",
                NOT_AUTHORIZED
                if action == "sts:AssumeRoleWithSAML"
                else f"{NOT_AUTHORIZED}; the trust policy does not allow {action}",
            )


def required_actions(assertion: ValidatedAssertion) -> tuple[str, ...]:
    """sts:AssumeRoleWithSAML, plus TagSession / SetSourceIdentity when the assertion uses them."""
    aws = assertion.aws
    actions = ["sts:AssumeRoleWithSAML"]
    if aws is not None and aws.principal_tags:
        actions.append("sts:TagSession")
    if aws is not None and aws.source_identity is not None:
        actions.append("sts:SetSourceIdentity")
    return tuple(actions)
