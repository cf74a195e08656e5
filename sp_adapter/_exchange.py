"""Turn a validated assertion into temporary AWS credentials (SECURITY.md gate 11, R57, R59).

Invariants this module owns:

* Rule 1: only a ``ValidatedAssertion`` reaches STS: the input is the validator's output, so a response the
  validator rejects never leaves the machine; what is sent is its ``saml_response_b64``, the base64 exactly as
  received (R59).
* Rule 2: the role is one of the validated (allow-listed) roles; ``principal_arn`` is the provider paired with
  it in the same Role value, and an explicit ``principal_arn`` must equal that (R57).
* Rule 3: STS's view is cross-checked: ``Issuer``, ``Audience`` (= our Recipient), ``Subject`` and
  ``SubjectType`` must equal the validated values, and the assumed role must be the one asked for; on any
  difference the credentials are dropped and ``unsigned_content`` is raised (R59).
* Rule 4: ``DurationSeconds`` is 900-43200 (AWS.md section 3); when STS says it exceeds the role's maximum,
  the call is retried once, at the maximum STS reports (or 3600, the floor of every role's maximum).

The STS client is injected (``client``) or built by ``sts.sts_client``; nothing here reads files or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from saml_core import format_instant
from saml_core import parse_instant
from saml_core.errors import ConfigError
from saml_core.errors import SAMLError

from ._errors import AwsRoleNotAllowed
from ._errors import NotCovered
from ._partitions import partition_of_arn
from ._partitions import resolve_region
from ._result import AwsRolePair
from ._result import ValidatedAssertion
from .sts import AssumeRoleWithSAMLAnswer
from .sts import AssumeRoleWithSAMLRequest
from .sts import StsError
from .sts import assume_role_with_saml
from .sts import sts_client

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

MIN_DURATION = 900
MAX_DURATION = 43200
ROLE_MAX_FLOOR = 3600
"""Every role's MaxSessionDuration is at least one hour (AWS.md section 4), so 3600 is always allowed."""
_NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
_UNSPECIFIED = ("unspecified", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
_AT_MOST = re.compile(r"less than or equal to ([0-9]{3,6})")

RoleChooser = Callable[[Sequence[AwsRolePair]], AwsRolePair]


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsCredentials:
    """Temporary credentials for one assumed role; the secrets never appear in ``repr``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    role_arn: str
    principal_arn: str | None = None
    assumed_role_arn: str | None = None
    region: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` object: AWS's Credentials members plus where they came from."""
        data: dict[str, Any] = {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": format_instant(self.expiration),
            "RoleArn": self.role_arn,
        }
        optional = {
            "PrincipalArn": self.principal_arn,
            "AssumedRoleArn": self.assumed_role_arn,
            "Region": self.region,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AwsCredentials:
        """Read ``to_json`` output or a credential-process object (``Version`` 1); ConfigError if unusable."""
        try:
            expiration = parse_instant(str(data["Expiration"]))
            values = {k: data[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
        except (KeyError, TypeError, SAMLError) as error:
            raise ConfigError(f"not a credentials object: {error}") from error
        if not all(isinstance(v, str) and v for v in values.values()):
            raise ConfigError(
                "not a credentials object: AccessKeyId, SecretAccessKey and SessionToken are strings"
            )
        extra = {k: data.get(k) for k in ("RoleArn", "PrincipalArn", "AssumedRoleArn", "Region")}
        if not all(v is None or isinstance(v, str) for v in extra.values()):
            raise ConfigError(
                "not a credentials object: RoleArn, PrincipalArn, AssumedRoleArn, Region are strings"
            )
        return cls(
            access_key_id=values["AccessKeyId"],
            secret_access_key=values["SecretAccessKey"],
            session_token=values["SessionToken"],
            expiration=expiration,
            role_arn=extra["RoleArn"] or "",
            principal_arn=extra["PrincipalArn"],
            assumed_role_arn=extra["AssumedRoleArn"],
            region=extra["Region"],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeResult:
    """What one exchange produced: the credentials and STS's (cross-checked) view of the assertion."""

    credentials: AwsCredentials
    role: AwsRolePair
    region: str
    endpoint_url: str | None
    duration_seconds: int | None
    """The DurationSeconds finally sent (None: STS's default, 3600)."""
    retried: bool
    """True when the first call was refused for exceeding the role's maximum and retried (Rule 4)."""
    answer: AssumeRoleWithSAMLAnswer = field(repr=False)


def check_duration(seconds: int | None) -> int | None:
    """DurationSeconds must be 900-43200 (AWS.md section 3); None lets STS use its default."""
    if seconds is not None and not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ConfigError(f"--duration must be {MIN_DURATION} to {MAX_DURATION} seconds, not {seconds}")
    return seconds


def choose_role(
    assertion: ValidatedAssertion,
    role_arn: str | None = None,
    principal_arn: str | None = None,
    chooser: RoleChooser | None = None,
) -> AwsRolePair:
    """The Role pair to assume (Rule 2, R57): by ``role_arn``, the only one, or the ``chooser``'s pick."""
    roles = assertion.aws.roles if assertion.aws is not None else ()
    if not roles:
        raise AwsRoleNotAllowed("the assertion offers no AWS role")
    if role_arn is not None:
        matching = [pair for pair in roles if pair.role_arn == role_arn]
        if principal_arn is not None:
            matching = [pair for pair in matching if pair.principal_arn == principal_arn]
        if not matching:
            offered = ", ".join(f"{p.role_arn},{p.principal_arn}" for p in roles)
            wanted = role_arn if principal_arn is None else f"{role_arn},{principal_arn}"
            raise AwsRoleNotAllowed(
                f"{wanted} is not offered by the assertion (offered: {offered})",
                roles=tuple(p.role_arn for p in roles),
            )
        if len(matching) > 1:
            raise ConfigError(f"{role_arn} is paired with several providers; pass --principal-arn")
        return matching[0]
    if len(roles) == 1:
        return _check_principal(roles[0], principal_arn)
    if chooser is None:
        raise ConfigError(
            "the assertion offers several roles; pass --role-arn with one of: "
            + ", ".join(pair.role_arn for pair in roles)
        )
    picked = chooser(roles)
    if picked not in roles:
        raise AwsRoleNotAllowed("the chosen role is not one the assertion offers")
    return _check_principal(picked, principal_arn)


def _check_principal(pair: AwsRolePair, principal_arn: str | None) -> AwsRolePair:
    if principal_arn is not None and principal_arn != pair.principal_arn:
        raise AwsRoleNotAllowed(
            f"{pair.role_arn} is paired with {pair.principal_arn}, not {principal_arn}",
            roles=(pair.role_arn,),
        )
    return pair


def expected_subject_types(name_id_format: str | None) -> tuple[str | None, ...]:
    """What STS may answer as SubjectType: the Format minus AWS's prefix (AWS.md section 3).

    For a NameID without Format AWS documents nothing; ``unspecified`` (short or full) is accepted then.
    """
    if name_id_format is None:
        return (None, "", *_UNSPECIFIED)
    return (name_id_format.removeprefix(_NAMEID_PREFIX),)


def assumed_role_prefix(role_arn: str) -> str:
    """``arn:{p}:sts::{account}:assumed-role/{role name}/``: how STS names a session of ``role_arn``."""
    _, part, _, _, account, resource = (role_arn.split(":", 5) + [""] * 6)[:6]
    return f"arn:{part}:sts::{account}:assumed-role/{resource.rsplit('/', 1)[-1]}/"


def cross_check(answer: AssumeRoleWithSAMLAnswer, assertion: ValidatedAssertion, role: AwsRolePair) -> None:
    """Rule 3 (R59): STS must have read what we validated; otherwise the credentials are not returned."""
    differences = [
        name
        for name, ok in (
            ("Issuer", answer.issuer == assertion.issuer),
            ("Audience", answer.audience == assertion.recipient),
            ("Subject", answer.subject == assertion.name_id),
            ("SubjectType", answer.subject_type in expected_subject_types(assertion.name_id_format)),
            ("AssumedRoleUser", answer.assumed_role_arn.startswith(assumed_role_prefix(role.role_arn))),
        )
        if not ok
    ]
    if differences:
        raise NotCovered(
            "STS read the assertion differently from the validator ("
            + ", ".join(differences)
            + "); the credentials were discarded",
            detail=f"STS answer differs in {differences}: issuer={answer.issuer!r} "
            f"audience={answer.audience!r} subject={answer.subject!r} subject_type={answer.subject_type!r} "
            f"assumed_role={answer.assumed_role_arn!r}",
        )


def max_duration_hint(error: StsError, requested: int | None) -> int | None:
    """Rule 4: the duration to retry at when STS refused ``requested`` as over the role's maximum."""
    if requested is None or error.aws_error != "ValidationError":
        return None
    message = str(error)
    found = _AT_MOST.search(message)
    if found is not None:
        limit = int(found.group(1))
    elif "MaxSessionDuration" in message:
        limit = ROLE_MAX_FLOOR
    else:
        return None
    return limit if MIN_DURATION <= limit < requested else None


def exchange(
    assertion: ValidatedAssertion,
    *,
    role_arn: str | None = None,
    principal_arn: str | None = None,
    duration: int | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    chooser: RoleChooser | None = None,
    client: STSClient | None = None,
    verify_answer: bool = True,
) -> ExchangeResult:
    """AssumeRoleWithSAML with a validated assertion; returns the cross-checked credentials (Rules 1-4).

    ``verify_answer=False`` skips Rule 3; it exists only for stand-ins such as moto's STS, which answers
    fixed Issuer/Subject values, and the CLI allows it only together with an explicit ``--endpoint-url``.
    """
    role = choose_role(assertion, role_arn, principal_arn, chooser)
    partition_of_arn(role.role_arn)
    chosen_region = resolve_region(role.role_arn, region, assertion.recipient)
    if client is None:
        client = sts_client(region=chosen_region, endpoint_url=endpoint_url)
    request = AssumeRoleWithSAMLRequest(
        role_arn=role.role_arn,
        principal_arn=role.principal_arn,
        saml_assertion=assertion.saml_response_b64,
        duration_seconds=check_duration(duration),
    )
    answer, sent = _assume_with_one_retry(client, request)
    if verify_answer:
        cross_check(answer, assertion, role)
    credentials = AwsCredentials(
        access_key_id=answer.access_key_id,
        secret_access_key=answer.secret_access_key,
        session_token=answer.session_token,
        expiration=answer.expiration,
        role_arn=role.role_arn,
        principal_arn=role.principal_arn,
        assumed_role_arn=answer.assumed_role_arn,
        region=chosen_region,
    )
    return ExchangeResult(
        credentials=credentials,
        role=role,
        region=chosen_region,
        endpoint_url=endpoint_url,
        duration_seconds=sent.duration_seconds,
        retried=sent is not request,
        answer=answer,
    )


def _assume_with_one_retry(
    client: STSClient, request: AssumeRoleWithSAMLRequest
) -> tuple[AssumeRoleWithSAMLAnswer, AssumeRoleWithSAMLRequest]:
    """Rule 4: one call, and one more at the maximum STS reports when the duration was over the role's."""
    try:
        return assume_role_with_saml(client, request), request
    except StsError as error:
        limit = max_duration_hint(error, request.duration_seconds)
        if limit is None:
            raise
    retry = replace(request, duration_seconds=limit)
    return assume_role_with_saml(client, retry), retry
