"""AWS facts as data, and AWS's SAML attribute rules (SECURITY.md R51-R58, AWS.md sections 1 and 2).

Invariants this module owns:

* Rule 1: every AWS attribute is read by its exact, case-sensitive Name; no two Attributes share a Name.
* Rule 2: a Role value is exactly two ARNs joined by one comma, in either order; the result is always
  normalised to (role, provider) and duplicates are collapsed.
* Rule 3: the values checked here are the ones returned; nothing is trimmed or folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

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
from ._errors import AwsRoleNotAllowed
from ._result import AwsAttributes
from ._result import AwsRolePair


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsPartition:
    """Sign-in facts for one AWS partition (AWS.md section 2)."""

    name: str
    """Partition id as in ARNs: aws, aws-cn, aws-us-gov, ..."""
    regions: tuple[str, ...]
    """Every region of the partition (botocore partitions.json)."""
    global_recipient: str
    """The sign-in ACS without a region code."""
    regional_host: str | None
    """Host template for regional ACS URLs (``{region}``), None when the partition has none."""
    audiences: tuple[str, ...]
    """AudienceRestriction values AWS accepts."""
    default_region: str


PARTITIONS: Mapping[str, AwsPartition] = MappingProxyType(
    {
        name: AwsPartition(
            name=name,
            regions=fact.regions,
            global_recipient=f"https://{fact.signin_host}/saml",
            regional_host="{region}." + fact.signin_host if fact.regional_signin else None,
            audiences=fact.audiences,
            default_region=fact.default_region,
        )
        for name, fact in AWS_PARTITIONS.items()
        if fact.signin_host is not None
    }
)


def aws_recipients(
    partition: AwsPartition, regions: Sequence[str], provider_uuid: str | None, encryption_required: bool
) -> tuple[str, ...]:
    """Recipient/Destination values for these regions (AWS.md 2.1); ``/saml/acs/{IdP-ID}`` forms when asked.

    With ``encryption_required`` only the ``/acs/{IdP-ID}`` forms are returned (R58).
    """
    hosts: list[str] = []
    if partition.default_region in regions or partition.regional_host is None:
        hosts.append(partition.global_recipient.removesuffix("/saml"))
    if partition.regional_host is not None:
        hosts.extend("https://" + partition.regional_host.format(region=region) for region in regions)
    plain = tuple(host + "/saml" for host in hosts)
    if provider_uuid is None:
        return plain
    # the /acs/ form is regional for every region, us-east-1 included (AWS.md 2.1): the one our IdP emits
    acs = tuple(dict.fromkeys(signin_recipient(partition.name, region, provider_uuid) for region in regions))
    return acs if encryption_required else plain + acs


# ---------------------------------------------------------------------------------------- attribute rules

_SESSION_NAME = re.compile(r"[a-zA-Z_0-9+=,.@-]{2,64}", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,6}", re.ASCII)
_ROLE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role/(?:[!-+\--.0-~]+/)*[A-Za-z0-9_+=.@-]{1,64}",
    re.ASCII,
)
_PROVIDER_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):saml-provider/[A-Za-z0-9_.-]{1,128}", re.ASCII
)
_TAG_EXTRA = frozenset("_.:/=+-@")
MAX_TAGS = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsRules:
    """The parts of a policy the AWS attribute rules need."""

    partition: str | None
    """Both ARNs of every Role pair must be in this partition; None accepts any (generic policy)."""
    require_session_name: bool
    require_same_account: bool = True
    allowed_roles: tuple[frozenset[str], ...] = ()
    """Allow-lists of role ARNs or 'role,provider' pairs; a pair must be on every list (R57)."""
    provider_arns: frozenset[str] | None = None
    """SAML provider ARNs allowed in Role pairs; None allows any."""


def check_aws_attributes(attributes: Mapping[str, tuple[str, ...]], rules: AwsRules) -> AwsAttributes | None:
    """R52-R57 over already-unique attributes (R51). None when there is no Role and none is required."""
    roles_raw = attributes.get(AWS_ROLE)
    if roles_raw is None:
        if rules.require_session_name:
            raise AwsAttributeInvalid(  # AWS.md 7.2/7.3: AWS's own words for a missing Role, then the cause
                "Your request included an invalid SAML response. To logout, click here."
                f" (The assertion has no {AWS_ROLE} attribute.)",
                attribute=AWS_ROLE,
            )
        return None
    roles = _allowed(_parse_roles(roles_raw, rules), rules)
    tags = _principal_tags(attributes)
    return AwsAttributes(
        roles=roles,
        role_session_name=_session_name(attributes.get(AWS_ROLE_SESSION_NAME), rules.require_session_name),
        session_duration=_session_duration(attributes.get(AWS_SESSION_DURATION)),
        source_identity=_source_identity(attributes.get(AWS_SOURCE_IDENTITY)),
        principal_tags=MappingProxyType(tags),
        transitive_tag_keys=_transitive_keys(attributes.get(AWS_TRANSITIVE_TAG_KEYS, ()), tags),
    )


def _single(values: tuple[str, ...], name: str) -> str:
    """R51: every AWS attribute except Role and TransitiveTagKeys has exactly one AttributeValue."""
    if len(values) != 1:
        raise AwsAttributeInvalid(
            f"{name} must have exactly one AttributeValue, found {len(values)}", attribute=name
        )
    return values[0]


def parse_role_pair(value: str, partition: str | None = None) -> AwsRolePair:
    """R52: 'role,provider' or 'provider,role', exactly one comma, no whitespace; same partition; each ARN at
    most 2048 characters (STS arnType, AWS.md section 3)."""
    parts = value.split(",")
    if len(parts) != 2:
        raise AwsAttributeInvalid(
            f"Role value {value[:200]!r} must be a role ARN and a saml-provider ARN separated by one comma",
            attribute=AWS_ROLE,
        )
    first, second = parts
    role, provider = (first, second) if _ROLE_ARN.fullmatch(first) else (second, first)
    role_match, provider_match = _ROLE_ARN.fullmatch(role), _PROVIDER_ARN.fullmatch(provider)
    if role_match is None or provider_match is None:
        raise AwsAttributeInvalid(
            f"Role value {value[:200]!r} is not a role ARN and a saml-provider ARN", attribute=AWS_ROLE
        )
    for arn, what in ((role, "role ARN"), (provider, "saml-provider ARN")):
        if problem := arn_length_problem(arn, what):  # STS arnType, AWS.md section 3
            raise AwsAttributeInvalid(f"Role value {value[:100]!r}...: {problem}", attribute=AWS_ROLE)
    if role_match["partition"] != provider_match["partition"]:
        raise AwsAttributeInvalid(f"Role value {value[:200]!r} mixes partitions", attribute=AWS_ROLE)
    if partition is not None and role_match["partition"] != partition:
        raise AwsAttributeInvalid(
            f"Role value {value[:200]!r} is not in partition {partition!r}", attribute=AWS_ROLE
        )
    return AwsRolePair(role, provider)


def _parse_roles(values: tuple[str, ...], rules: AwsRules) -> tuple[AwsRolePair, ...]:
    if not values:
        raise AwsAttributeInvalid("the Role attribute has no value", attribute=AWS_ROLE)
    pairs: list[AwsRolePair] = []
    for value in values:
        pair = parse_role_pair(value, rules.partition)
        if rules.require_same_account and pair.role_arn.split(":")[4] != pair.principal_arn.split(":")[4]:
            raise AwsAttributeInvalid(
                f"Role value {value[:200]!r}: the role and the provider are in different accounts",
                attribute=AWS_ROLE,
            )
        if pair not in pairs:
            pairs.append(pair)
    return tuple(pairs)


def _allowed(pairs: tuple[AwsRolePair, ...], rules: AwsRules) -> tuple[AwsRolePair, ...]:
    """R57: the roles offered are the assertion's roles intersected with the allow-lists."""
    kept = [
        pair
        for pair in pairs
        if (rules.provider_arns is None or pair.principal_arn in rules.provider_arns)
        and all(
            pair.role_arn in allowed or f"{pair.role_arn},{pair.principal_arn}" in allowed
            for allowed in rules.allowed_roles
        )
    ]
    if not kept:
        offered = tuple(pair.role_arn for pair in pairs)
        raise AwsRoleNotAllowed(
            f"none of the assertion's roles {list(offered)[:8]} is allowed for this IdP", roles=offered
        )
    return tuple(kept)


def _session_name(values: tuple[str, ...] | None, required: bool) -> str | None:
    """R53, with AWS's own message texts (AWS.md 7.2)."""
    if values is None:
        if required:
            raise AwsAttributeInvalid(
                "RoleSessionName is required in AuthnResponse", attribute=AWS_ROLE_SESSION_NAME
            )
        return None
    value = _single(values, AWS_ROLE_SESSION_NAME)
    if _SESSION_NAME.fullmatch(value) is None:
        raise AwsAttributeInvalid(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
            attribute=AWS_ROLE_SESSION_NAME,
        )
    return value


def _session_duration(values: tuple[str, ...] | None) -> int | None:
    """R54: one decimal integer from 900 to 43200."""
    if values is None:
        return None
    value = _single(values, AWS_SESSION_DURATION)
    if _DECIMAL.fullmatch(value) is None or not 900 <= int(value) <= 43200:
        raise AwsAttributeInvalid(
            f"SessionDuration {value[:40]!r} must be an integer from 900 to 43200",
            attribute=AWS_SESSION_DURATION,
        )
    return int(value)


def _source_identity(values: tuple[str, ...] | None) -> str | None:
    """R55: 2-64 characters of [a-zA-Z_0-9+=,.@-], not starting with aws:."""
    if values is None:
        return None
    value = _single(values, AWS_SOURCE_IDENTITY)
    if _SESSION_NAME.fullmatch(value) is None or value.lower().startswith("aws:"):
        raise AwsAttributeInvalid(
            'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
            attribute=AWS_SOURCE_IDENTITY,
        )
    return value


def _tag_text_ok(text: str) -> bool:
    """[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]: letters, separators, numbers and seven symbols (STS tagKeyType)."""
    return all(c in _TAG_EXTRA or unicodedata.category(c)[0] in "LZN" for c in text)


def _principal_tags(attributes: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """R56: keys 1-128, values 0-256, the STS character class, no aws: keys, at most 50, unique (any case)."""
    tags: dict[str, str] = {}
    folded: set[str] = set()
    for name, values in attributes.items():
        if not name.startswith(AWS_PRINCIPAL_TAG_PREFIX):
            continue
        key = name[len(AWS_PRINCIPAL_TAG_PREFIX) :]
        value = _single(values, name)
        if not 1 <= len(key) <= 128 or not _tag_text_ok(key) or key.lower().startswith("aws:"):
            raise AwsAttributeInvalid(
                f"PrincipalTag key {key[:130]!r} is not a valid tag key", attribute=name
            )
        if len(value) > 256 or not _tag_text_ok(value):
            raise AwsAttributeInvalid(
                f"the value of PrincipalTag {key!r} is not a valid tag value", attribute=name
            )
        if key.lower() in folded:
            raise AwsAttributeInvalid(
                f"PrincipalTag {key!r} repeats another key (keys ignore case)", attribute=name
            )
        folded.add(key.lower())
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise AwsAttributeInvalid(
            f"{len(tags)} session tags; AWS allows at most {MAX_TAGS}", attribute="PrincipalTag"
        )
    return tags


def _transitive_keys(values: tuple[str, ...], tags: Mapping[str, str]) -> tuple[str, ...]:
    """R56: each TransitiveTagKeys value names a PrincipalTag of the same assertion, once."""
    if len(values) > MAX_TAGS:
        raise AwsAttributeInvalid(
            f"more than {MAX_TAGS} TransitiveTagKeys", attribute=AWS_TRANSITIVE_TAG_KEYS
        )
    present = {key.lower() for key in tags}
    seen: set[str] = set()
    for value in values:
        if value.lower() not in present:
            raise AwsAttributeInvalid(
                f"TransitiveTagKeys names {value[:130]!r}, which is not a PrincipalTag of this assertion",
                attribute=AWS_TRANSITIVE_TAG_KEYS,
            )
        if value.lower() in seen:
            raise AwsAttributeInvalid(
                f"TransitiveTagKeys repeats {value[:130]!r}", attribute=AWS_TRANSITIVE_TAG_KEYS
            )
        seen.add(value.lower())
    return values
