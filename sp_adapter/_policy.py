"""``Policy``: what the relying party accepts, frozen and secure by default (INTERFACES.md, STYLE.md 3).

Clock skew defaults to 180 s as INTERFACES.md fixes it (SECURITY.md R47 says 120 s; the interface wins).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from saml_core import DecryptionPolicy
from saml_core.aws import valid_provider_uuid
from saml_core.errors import ConfigError

from ._aws_rules import PARTITIONS
from ._aws_rules import AwsRules
from ._aws_rules import aws_recipients

GENERIC_MAX_SIZE = 256 * 1024
AWS_MAX_SIZE = 100_000
MAX_CLOCK_SKEW = 600
MAX_AGE_LIMIT = 100 * 365 * 24 * 3600
"""The largest ``max_age`` (a century, the headroom every "now" has: no date arithmetic can overflow)."""


def _whole(value: object) -> bool:
    """An int, not a bool: a float, a NaN or True would pass a range check and break date arithmetic."""
    return isinstance(value, int) and not isinstance(value, bool)


@functools.lru_cache(maxsize=4)
def _decryption_policy(allow_cbc: bool, allow_rsa_1_5: bool) -> DecryptionPolicy:
    return DecryptionPolicy(allow_cbc=allow_cbc, allow_rsa_1_5=allow_rsa_1_5)


def _strings(value: Iterable[str] | str | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{what} must be strings")
    return items


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The relying party's acceptance rules: ``Policy.aws()`` for AWS sign-in, ``Policy(...)`` generic."""

    audiences: tuple[str, ...]
    """Allowed Audience values; every AudienceRestriction must name one of them (R46)."""
    recipients: tuple[str, ...]
    """Allowed SubjectConfirmationData/@Recipient values (R45)."""
    destinations: tuple[str, ...] | None = None
    """Allowed Response/@Destination values; None means the same as ``recipients`` (R44)."""
    allow_unsolicited: bool = True
    """Accept a response when no ``request_id`` is given (IdP-initiated; R48)."""
    allow_sha1: bool = False
    """Accept rsa-sha1 / sha1 (explicit opt-in; R21)."""
    min_rsa_bits: int = 2048
    """Smallest RSA key accepted (1024 only by explicit opt-in; R22)."""
    clock_skew: int = 180
    """Seconds of tolerance in every time comparison, 0 to 600 (R47)."""
    require_signed_assertion: bool = False
    """Require the Assertion's own signature, not only the Response's (R15, want_assertions_signed)."""
    allow_aes_cbc: bool = True
    """Accept AES-CBC content encryption (R37)."""
    allow_rsa_1_5: bool = False
    """Accept RSA-PKCS#1 v1.5 key transport (explicit opt-in; R36)."""
    require_encryption: bool = False
    """Refuse plain assertions (AWS AssertionEncryptionMode=Required; R58)."""
    max_age: int | None = None
    """Largest age of IssueInstant in seconds; None (the default) does not bound it (R47)."""
    max_size: int = GENERIC_MAX_SIZE
    """Largest SAMLResponse in base64 characters (R1): 256 KiB generic, 100,000 under AWS."""
    aws_attributes: bool = False
    """Apply AWS's attribute rules and require Role and RoleSessionName (R51-R58); set by ``Policy.aws``."""
    partition: str | None = None
    """Role ARNs must be in this partition (set by ``Policy.aws``)."""
    allowed_roles: frozenset[str] | None = None
    """Role ARNs (or 'role,provider' pairs) allowed; None allows every role (R57)."""
    provider_arns: frozenset[str] | None = None
    """SAML provider ARNs allowed in Role pairs; None allows any (R57)."""
    require_same_account: bool = True
    """Both ARNs of a Role pair must be in one account (R52)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "audiences", _strings(self.audiences, "audiences"))
        object.__setattr__(self, "recipients", _strings(self.recipients, "recipients"))
        if self.destinations is not None:
            object.__setattr__(self, "destinations", _strings(self.destinations, "destinations"))
        for name in ("allowed_roles", "provider_arns"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, frozenset(_strings(value, name)))
        if not self.audiences:
            raise ConfigError("the policy needs at least one audience (--audience or --aws)")
        if not self.recipients:
            raise ConfigError("the policy needs at least one recipient (--recipient or --aws)")
        if not _whole(self.clock_skew) or not 0 <= self.clock_skew <= MAX_CLOCK_SKEW:
            raise ConfigError(f"clock skew must be 0 to {MAX_CLOCK_SKEW} seconds, not {self.clock_skew!r}")
        if not _whole(self.min_rsa_bits) or not 1024 <= self.min_rsa_bits <= 16384:
            raise ConfigError(f"min_rsa_bits must be 1024 to 16384, not {self.min_rsa_bits!r}")
        if self.max_age is not None and (not _whole(self.max_age) or not 0 < self.max_age <= MAX_AGE_LIMIT):
            raise ConfigError(f"max_age must be 1 to {MAX_AGE_LIMIT} seconds, not {self.max_age!r}")
        if not _whole(self.max_size) or self.max_size <= 0:
            raise ConfigError(f"max_size must be a positive number of characters, not {self.max_size!r}")

    def decryption_policy(self) -> DecryptionPolicy:
        """R36, R37 for every decryption under this policy: EncryptedAssertion and EncryptedID alike."""
        return _decryption_policy(self.allow_aes_cbc, self.allow_rsa_1_5)

    @classmethod
    def aws(
        cls,
        partition: str = "aws",
        regions: Iterable[str] | None = None,
        provider_uuid: str | None = None,
        encryption_required: bool = False,
        **overrides: Any,
    ) -> Policy:
        """AWS sign-in: the partition's audiences, its global and regional recipients, AWS's attribute rules.

        ``regions=None`` accepts every region of the partition. With ``provider_uuid`` the
        ``/saml/acs/{IdP-ID}`` recipients are accepted too; with ``encryption_required`` only those, and the
        assertion must arrive encrypted (AWS.md section 2.1, R58).
        """
        info = PARTITIONS.get(partition)
        if info is None:
            raise ConfigError(f"unknown partition {partition!r}; use one of {sorted(PARTITIONS)}")
        chosen = info.regions if regions is None else _strings(regions, "regions")
        unknown = [region for region in chosen if region not in info.regions]
        if unknown or not chosen:
            raise ConfigError(f"unknown region(s) {unknown} for partition {partition!r}")
        if provider_uuid is not None and not valid_provider_uuid(provider_uuid):
            raise ConfigError("provider_uuid must be 22-64 characters of A-Z and 0-9 (GetSAMLProvider)")
        if encryption_required and provider_uuid is None:
            raise ConfigError("encryption_required needs provider_uuid (the /saml/acs/{IdP-ID} recipient)")
        recipients = aws_recipients(info, chosen, provider_uuid, encryption_required)
        values: dict[str, Any] = {
            "audiences": info.audiences,
            "recipients": recipients,
            "allow_unsolicited": True,
            "max_size": AWS_MAX_SIZE,
            "aws_attributes": True,
            "partition": partition,
            "require_encryption": encryption_required,
        }
        unknown_fields = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown_fields:
            raise ConfigError(f"unknown policy setting(s): {sorted(unknown_fields)}")
        values.update(overrides)
        return cls(**values)

    @property
    def allowed_destinations(self) -> tuple[str, ...]:
        return self.destinations if self.destinations is not None else self.recipients

    def attribute_rules(self, trusted_roles: frozenset[str] | None) -> AwsRules:
        """The attribute rules for this policy; the trust entry's role allow-list narrows the policy's."""
        allowed = tuple(roles for roles in (self.allowed_roles, trusted_roles) if roles is not None)
        return AwsRules(
            partition=self.partition if self.aws_attributes else None,
            require_session_name=self.aws_attributes,
            require_same_account=self.require_same_account,
            allowed_roles=allowed,
            provider_arns=self.provider_arns,
        )
