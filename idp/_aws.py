"""AWS's rules for what an IdP may put in a response (AWS.md sections 1 and 2), enforced at issue time.

Invariants this module owns:

* Rule 1: every AWS attribute value is checked before any XML is built; a value AWS would refuse raises
  ``AwsAttributeInvalid`` with a message that quotes AWS's rule (and AWS's own text where AWS.md 7.2 has it).
* Rule 2: a Role value is always emitted role ARN first, provider ARN second (the User Guide's order), and the
  provider is in the same partition and account as the role.
* Rule 3: Recipient/Destination and Audience come from one table per partition (AWS.md 2.1, 2.2).

Pure: strings in, frozen values out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from saml_core.aws import AWS_PARTITIONS
from saml_core.aws import arn_length_problem
from saml_core.aws import signin_recipient
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_SESSION_DURATION
from saml_core.constants import AWS_SOURCE_IDENTITY
from saml_core.constants import AWS_TRANSITIVE_TAG_KEYS

from ._errors import AwsAttributeInvalid
from ._errors import IdPError

# ------------------------------------------------------------------------------------------- partitions


@dataclass(frozen=True, slots=True, kw_only=True)
class Partition:
    """Sign-in facts for one AWS partition (AWS.md 2.1, 2.2)."""

    name: str
    """As in ARNs: aws, aws-cn, aws-us-gov."""
    audience: str
    """The AudienceRestriction value we emit."""


#: the partitions our IdP issues for (SAML sign-in documented), from the shared AWS table
PARTITIONS: Mapping[str, Partition] = {
    name: Partition(name=name, audience=fact.audiences[0])
    for name, fact in AWS_PARTITIONS.items()
    if name in ("aws", "aws-cn", "aws-us-gov") and fact.signin_host is not None
}


def partition_info(name: str) -> Partition:
    try:
        return PARTITIONS[name]
    except KeyError:
        raise IdPError(f"unknown partition {name!r}; use one of {', '.join(PARTITIONS)}") from None


def aws_recipient(partition: str = "aws", region: str | None = None, provider_uuid: str | None = None) -> str:
    """The Recipient and Destination AWS expects (AWS.md 2.1; ``saml_core.aws.signin_recipient``).

    ``https://signin.aws.amazon.com/saml`` for us-east-1 (or no region), ``https://{region}.signin...``
    otherwise, and ``https://{region}.signin.../saml/acs/{IdP-ID}`` when the assertion is encrypted for AWS.
    """
    partition_info(partition)
    try:
        return signin_recipient(partition, region, provider_uuid)
    except ValueError as exc:
        raise IdPError(str(exc)) from None


def aws_audience(partition: str = "aws") -> str:
    """The AudienceRestriction value for the partition (AWS.md 2.2)."""
    return partition_info(partition).audience


# ------------------------------------------------------------------------------------------------- ARNs

# IAM allows ',' in role names and paths, but a Role value is ROLE_ARN,PROVIDER_ARN joined by its one comma
# (AWS.md section 1), so such a role cannot be sent: the patterns leave ',' out and check_role says why
_ROLE_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>[0-9]{12}):role/(?P<path>(?:[!-+\--.0-~]+/)*)"
    r"(?P<name>[A-Za-z0-9_+=.@-]{1,64})",
    re.ASCII,
)
_PROVIDER_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):iam::(?P<account>[0-9]{12}):saml-provider/(?P<name>[A-Za-z0-9_.-]{1,128})",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class AwsRole:
    """One Role attribute value: the role to assume and the SAML provider ARN that vouches for it."""

    role_arn: str
    """``arn:{partition}:iam::{account}:role/{path}{name}``."""
    provider_arn: str
    """``arn:{partition}:iam::{account}:saml-provider/{name}``: same partition and account as the role."""

    @classmethod
    def parse(cls, value: str) -> AwsRole:
        """``ROLE_ARN,PROVIDER_ARN`` (either order, as AWS accepts), e.g. from ``--role`` or a config file."""
        parts = value.split(",")
        if len(parts) != 2:
            why = (
                "; a role or provider ARN with a comma cannot be sent in a Role attribute, whose value is"
                " the two ARNs joined by its one comma"
                if len(parts) > 2
                else ""
            )
            raise AwsAttributeInvalid(
                f"a role is 'ROLE_ARN,PROVIDER_ARN' (two ARNs, one comma), got {value[:200]!r}{why}",
                attribute=AWS_ROLE,
            )
        first, second = (part.strip() for part in parts)
        if ":saml-provider/" in first and ":role/" in second:
            first, second = second, first
        return cls(first, second)

    @property
    def value(self) -> str:
        """The attribute value: role first (AWS.md section 1)."""
        return f"{self.role_arn},{self.provider_arn}"

    @property
    def partition(self) -> str:
        return self.role_arn.split(":", 2)[1]


@lru_cache(maxsize=1024)
def check_role(role: AwsRole, partition: str) -> None:
    """Both ARNs well formed, without a comma, 20-2048 characters (STS arnType, AWS.md section 3); provider
    in the role's partition and account; the partition we issue for."""
    for arn, what in ((role.role_arn, "role ARN"), (role.provider_arn, "provider ARN")):
        if "," in arn:
            raise AwsAttributeInvalid(
                f"{what} {arn[:200]!r} contains a comma: IAM allows one in a role name, but the Role"
                " attribute value is ROLE_ARN,PROVIDER_ARN joined by its one comma, so AWS cannot read it;"
                " use a role whose name and path have no comma",
                attribute=AWS_ROLE,
            )
    if not (match := _ROLE_ARN.fullmatch(role.role_arn)):
        raise AwsAttributeInvalid(
            f"role ARN {role.role_arn[:200]!r} is not arn:PARTITION:iam::ACCOUNT:role/NAME",
            attribute=AWS_ROLE,
        )
    provider = _PROVIDER_ARN.fullmatch(role.provider_arn)
    if provider is None:
        raise AwsAttributeInvalid(
            f"provider ARN {role.provider_arn[:200]!r} is not arn:PARTITION:iam::ACCOUNT:saml-provider/NAME",
            attribute=AWS_ROLE,
        )
    for arn, what in ((role.role_arn, "role ARN"), (role.provider_arn, "provider ARN")):
        # the patterns need more than 20 characters, so only the maximum can be missed here
        if problem := arn_length_problem(arn, what):
            raise AwsAttributeInvalid(f"{what} {arn[:100]!r}...: {problem}", attribute=AWS_ROLE)
    if match["partition"] != provider["partition"] or match["account"] != provider["account"]:
        raise AwsAttributeInvalid(
            f"the provider {role.provider_arn} is not in the same partition and account"
            f" as the role {role.role_arn}",
            attribute=AWS_ROLE,
        )
    if match["partition"] != partition:
        raise AwsAttributeInvalid(
            f"the role {role.role_arn} is in partition {match['partition']}, not {partition}",
            attribute=AWS_ROLE,
        )


# ---------------------------------------------------------------------------------------- value rules

_SESSION_NAME = re.compile(r"[a-zA-Z_0-9+=,.@-]{2,64}", re.ASCII)
_TAG_EXTRA = frozenset("_.:/=+-@")
MAX_TAGS = 50
MIN_SESSION_DURATION = 900
MAX_SESSION_DURATION = 43200


def check_session_name(value: str) -> str:
    """STS roleSessionNameType: 2-64 of [\\w+=,.@-] (AWS.md section 1; the message is AWS's own)."""
    if not _SESSION_NAME.fullmatch(value):
        raise AwsAttributeInvalid(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
            attribute=AWS_ROLE_SESSION_NAME,
        )
    return value


def check_source_identity(value: str) -> str:
    """STS sourceIdentityType, and not starting with ``aws:`` (AWS.md section 1 and 7.2)."""
    if not _SESSION_NAME.fullmatch(value) or value.lower().startswith("aws:"):
        raise AwsAttributeInvalid(
            'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
            attribute=AWS_SOURCE_IDENTITY,
        )
    return value


def check_session_duration(value: int) -> int:
    """An integer number of seconds, 900-43200 (AWS.md section 1)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (MIN_SESSION_DURATION <= value <= MAX_SESSION_DURATION)
    ):
        raise AwsAttributeInvalid(
            f"SessionDuration must be an integer from {MIN_SESSION_DURATION} to {MAX_SESSION_DURATION}"
            " seconds,"
            f" got {value!r}",
            attribute=AWS_SESSION_DURATION,
        )
    return value


@lru_cache(maxsize=4096)
def _tag_chars_ok(text: str) -> bool:
    """[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] for every character (STS tagKeyType / tagValueType)."""
    return all(ch in _TAG_EXTRA or unicodedata.category(ch)[0] in "LZN" for ch in text)


def check_tags(tags: Mapping[str, str], transitive: Sequence[str]) -> None:
    """PrincipalTag and TransitiveTagKeys rules (AWS.md section 1, SECURITY.md R56)."""
    if len(tags) > MAX_TAGS:
        raise AwsAttributeInvalid(
            f"at most {MAX_TAGS} session tags are allowed, got {len(tags)}",
            attribute=AWS_PRINCIPAL_TAG_PREFIX,
        )
    folded: set[str] = set()
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not _tag_chars_ok(key):
            raise AwsAttributeInvalid(
                f"PrincipalTag key {key[:200]!r} must be 1-128 characters of letters, digits, spaces"
                " and _.:/=+-@",
                attribute=AWS_PRINCIPAL_TAG_PREFIX + key,
            )
        if key.lower().startswith("aws:"):
            raise AwsAttributeInvalid(
                f"PrincipalTag key {key!r} must not begin with 'aws:'",
                attribute=AWS_PRINCIPAL_TAG_PREFIX + key,
            )
        if key.lower() in folded:
            raise AwsAttributeInvalid(
                f"PrincipalTag key {key!r} repeats another key (tag keys are case-insensitive)",
                attribute=AWS_PRINCIPAL_TAG_PREFIX + key,
            )
        folded.add(key.lower())
        if not isinstance(value, str) or len(value) > 256 or not _tag_chars_ok(value):
            raise AwsAttributeInvalid(
                f"PrincipalTag:{key} value must be 0-256 characters of letters, digits, spaces and _.:/=+-@",
                attribute=AWS_PRINCIPAL_TAG_PREFIX + key,
            )
    check_transitive(tags, transitive)


def check_transitive(tags: Mapping[str, str], transitive: Sequence[str]) -> None:
    """Each TransitiveTagKeys value names a PrincipalTag of the assertion, once (SECURITY.md R56).

    Tag keys are case-insensitive with case preserved (AWS.md section 1): ``dept`` names the tag ``Dept``, and
    ``Dept`` and ``dept`` are the same key twice. The values are emitted as given.
    """
    if len(transitive) > MAX_TAGS:
        raise AwsAttributeInvalid(
            f"at most {MAX_TAGS} transitive tag keys are allowed, got {len(transitive)}",
            attribute=AWS_TRANSITIVE_TAG_KEYS,
        )
    if not all(isinstance(key, str) for key in transitive):
        raise AwsAttributeInvalid(
            "TransitiveTagKeys values must be strings", attribute=AWS_TRANSITIVE_TAG_KEYS
        )
    if len({key.lower() for key in transitive}) != len(transitive):
        raise AwsAttributeInvalid(
            "TransitiveTagKeys lists a key twice (tag keys are case-insensitive)",
            attribute=AWS_TRANSITIVE_TAG_KEYS,
        )
    present = {key.lower() for key in tags}
    missing = [key for key in transitive if key.lower() not in present]
    if missing:
        raise AwsAttributeInvalid(
            f"TransitiveTagKeys {missing[0]!r} names no PrincipalTag of this assertion",
            attribute=AWS_TRANSITIVE_TAG_KEYS,
        )


# ----------------------------------------------------------------------------------- the attribute set


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsClaims:
    """Everything AWS reads from the AttributeStatement, already checked."""

    roles: tuple[AwsRole, ...]
    session_name: str
    session_duration: int | None = None
    source_identity: str | None = None
    principal_tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()

    def attributes(self) -> list[tuple[str, tuple[str, ...]]]:
        """(Name, values) in the order we emit them (AWS.md section 1)."""
        out: list[tuple[str, tuple[str, ...]]] = [
            (AWS_ROLE, tuple(role.value for role in self.roles)),
            (AWS_ROLE_SESSION_NAME, (self.session_name,)),
        ]
        if self.session_duration is not None:
            out.append((AWS_SESSION_DURATION, (str(self.session_duration),)))
        if self.source_identity is not None:
            out.append((AWS_SOURCE_IDENTITY, (self.source_identity,)))
        out.extend((AWS_PRINCIPAL_TAG_PREFIX + key, (value,)) for key, value in self.principal_tags)
        if self.transitive_tag_keys:
            out.append((AWS_TRANSITIVE_TAG_KEYS, self.transitive_tag_keys))
        return out


def aws_claims(
    *,
    roles: Sequence[AwsRole],
    session_name: str,
    partition: str,
    session_duration: int | None = None,
    source_identity: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] = (),
) -> AwsClaims:
    """Check every AWS value (Rule 1) and return them in emission order; duplicate role pairs collapse."""
    partition_info(partition)
    if not roles:
        raise AwsAttributeInvalid("at least one role is required (the Role attribute)", attribute=AWS_ROLE)
    unique: list[AwsRole] = []
    for role in roles:
        if not isinstance(role, AwsRole):
            raise AwsAttributeInvalid(
                f"roles must be AwsRole values, got {type(role).__name__}", attribute=AWS_ROLE
            )
        check_role(role, partition)
        if role not in unique:
            unique.append(role)
    tags = dict(principal_tags or {})
    check_tags(tags, list(transitive_tag_keys))
    return AwsClaims(
        roles=tuple(unique),
        session_name=check_session_name(session_name),
        session_duration=None if session_duration is None else check_session_duration(session_duration),
        source_identity=None if source_identity is None else check_source_identity(source_identity),
        principal_tags=tuple(tags.items()),
        transitive_tag_keys=tuple(transitive_tag_keys),
    )
