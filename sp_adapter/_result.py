"""What a successful validation returns: frozen values read only from verified elements (R31, R60)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from saml_core import format_instant

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AwsRolePair:
    """One value of the AWS Role attribute, normalised to (role, SAML provider) whatever the order (R52)."""

    role_arn: str
    principal_arn: str

    def to_json(self) -> dict[str, str]:
        return {"role_arn": self.role_arn, "principal_arn": self.principal_arn}


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsAttributes:
    """The AWS SAML attributes of an assertion, checked against AWS's rules (AWS.md section 1)."""

    roles: tuple[AwsRolePair, ...]
    """Role pairs, duplicates collapsed, in document order; intersected with the allow-lists (R57)."""
    role_session_name: str | None
    """RoleSessionName (required under ``Policy.aws()``)."""
    session_duration: int | None = None
    """SessionDuration in seconds (900-43200), when present."""
    source_identity: str | None = None
    """SourceIdentity, when present."""
    principal_tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """PrincipalTag:{Key} attributes as key -> value."""
    transitive_tag_keys: tuple[str, ...] = ()
    """TransitiveTagKeys values."""

    def to_json(self) -> dict[str, Any]:
        return {
            "roles": [role.to_json() for role in self.roles],
            "role_session_name": self.role_session_name,
            "session_duration": self.session_duration,
            "source_identity": self.source_identity,
            "principal_tags": dict(self.principal_tags),
            "transitive_tag_keys": list(self.transitive_tag_keys),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatedAssertion:
    """A response that passed every gate of SECURITY.md section 1.0. Every value came from a verified node,
    except ``response_id`` when only the Assertion is signed (see there) and ``saml_response_b64``."""

    issuer: str
    """The Assertion Issuer: the trusted entity whose key verified."""
    name_id: str
    """Subject/NameID, verbatim (never folded or normalised: R34)."""
    name_id_format: str | None
    """NameID/@Format, when present."""
    session_index: str | None
    """The first AuthnStatement/@SessionIndex, when present."""
    not_on_or_after: datetime
    """The earliest of Conditions/@NotOnOrAfter and SubjectConfirmationData/@NotOnOrAfter."""
    audiences: tuple[str, ...]
    """Every Audience of every AudienceRestriction, in document order, duplicates removed."""
    recipient: str
    """SubjectConfirmationData/@Recipient (AWS's ``saml:aud``)."""
    in_response_to: str | None
    """SubjectConfirmationData/@InResponseTo, when present."""
    attributes: Mapping[str, tuple[str, ...]]
    """Attribute Name -> values, from every AttributeStatement."""
    aws: AwsAttributes | None
    """The AWS attributes; None when the assertion carries no AWS Role attribute."""
    assertion_id: str
    """Assertion/@ID (signed: the Assertion's signature always covers it)."""
    response_id: str
    """Response/@ID. Signed only when the Response is signed: with only the Assertion signed, the Response
    envelope is unauthenticated (R32) and so is this value. The replay cache records it after the signed
    Assertion ID; never treat it as evidence of anything."""
    saml_response_b64: str
    """The base64 as received (or of the exact raw bytes): what goes to STS, never re-serialised (R59)."""
    replay_checked: bool
    """True when a replay cache recorded the IDs (R49); False for stateless validation."""
    session_not_on_or_after: datetime | None = None
    """The earliest AuthnStatement/@SessionNotOnOrAfter, when present: AWS ends the session there at the
    latest (AWS.md section 3: min(DurationSeconds, SessionNotOnOrAfter))."""

    def to_json(self) -> dict[str, Any]:
        """The validated-assertion JSON of INTERFACES.md, plus IDs, ``replay_checked`` and
        ``session_not_on_or_after``."""
        return {
            "issuer": self.issuer,
            "name_id": self.name_id,
            "name_id_format": self.name_id_format,
            "session_index": self.session_index,
            "not_on_or_after": format_instant(self.not_on_or_after),
            "audiences": list(self.audiences),
            "recipient": self.recipient,
            "in_response_to": self.in_response_to,
            "attributes": {name: list(values) for name, values in self.attributes.items()},
            "aws": self.aws.to_json() if self.aws is not None else None,
            "assertion_id": self.assertion_id,
            "response_id": self.response_id,
            "replay_checked": self.replay_checked,
            "session_not_on_or_after": (
                format_instant(self.session_not_on_or_after) if self.session_not_on_or_after else None
            ),
        }
