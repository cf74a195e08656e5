"""The typed model of SAML 2.0 metadata (saml-metadata-2.0-os): frozen values, no XML in sight.

Invariants this module owns:

* Rule 1: a ``KeyDescriptor`` with ``use="encryption"`` never appears in ``signing_keys()`` (SECURITY.md R26);
  a descriptor without ``use`` serves both purposes, as saml-metadata section 2.4.1.1 says.
* Rule 2: every instant is an aware UTC ``datetime``; every duration a ``timedelta``.
* Rule 3: URIs the project switches on are enums (``NameIDFormat``); bindings stay strings, because real
  metadata carries bindings outside the SAML 2.0 set (SAML 1.1, Shibboleth, PAOS) that must still round-trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Literal

from saml_core import TrustedKey
from saml_core.constants import Binding

KeyUse = Literal["signing", "encryption"]
ContactType = Literal["technical", "support", "administrative", "billing", "other"]
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class KeyDescriptor:
    """md:KeyDescriptor: one key and what it may be used for."""

    use: KeyUse | None
    """``signing``, ``encryption``, or None (both: saml-metadata section 2.4.1.1)."""
    key: TrustedKey
    """The key, from ds:X509Certificate (or ds:RSAKeyValue when the metadata has no certificate)."""
    encryption_methods: tuple[str, ...] = ()
    """md:EncryptionMethod Algorithm URIs, in document order."""

    def _identity(self) -> tuple[object, ...]:
        return (self.use, self.key.cert_der or self.key.spki_der, self.encryption_methods)

    def __eq__(self, other: object) -> bool:
        """Equal use, certificate (or bare key) and methods; TrustedKey itself compares by identity."""
        if not isinstance(other, KeyDescriptor):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    @property
    def for_signing(self) -> bool:
        return self.use != "encryption"

    @property
    def for_encryption(self) -> bool:
        return self.use != "signing"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """md:EndpointType / md:IndexedEndpointType."""

    binding: str
    """Binding URI; compare with ``saml_core.constants.Binding`` values."""
    location: str
    response_location: str | None = None
    index: int | None = None
    """Only on indexed endpoints (AssertionConsumerService, ArtifactResolutionService)."""
    is_default: bool | None = None

    @property
    def is_post(self) -> bool:
        return self.binding == Binding.HTTP_POST.value


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestedAttribute:
    """md:RequestedAttribute inside md:AttributeConsumingService."""

    name: str
    name_format: str | None = None
    friendly_name: str | None = None
    is_required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributeConsumingService:
    index: int
    service_names: tuple[str, ...]
    requested_attributes: tuple[RequestedAttribute, ...]
    is_default: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization:
    """md:Organization; the model keeps one language (the first one, or ``lang``)."""

    name: str
    display_name: str
    url: str
    lang: str = "en"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPerson:
    contact_type: ContactType
    company: str | None = None
    given_name: str | None = None
    surname: str | None = None
    emails: tuple[str, ...] = ()
    telephones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class _RoleDescriptor:
    keys: tuple[KeyDescriptor, ...] = ()
    """Every md:KeyDescriptor, in document order."""
    name_id_formats: tuple[str, ...] = ()
    """md:NameIDFormat values (URIs; ``saml_core.constants.NameIDFormat`` has the common ones)."""
    single_logout_services: tuple[Endpoint, ...] = ()
    protocol_support: tuple[str, ...] = (SAML2_PROTOCOL,)
    """protocolSupportEnumeration, split on whitespace."""
    valid_until: datetime | None = None
    cache_duration: timedelta | None = None
    error_url: str | None = None

    def signing_keys(self) -> tuple[TrustedKey, ...]:
        """Keys that may verify this role's signatures: ``use="signing"`` or none; never encryption (R26)."""
        return tuple(kd.key for kd in self.keys if kd.for_signing)

    def encryption_keys(self) -> tuple[TrustedKey, ...]:
        """Keys to encrypt to: ``use="encryption"`` or no ``use``."""
        return tuple(kd.key for kd in self.keys if kd.for_encryption)

    @property
    def supports_saml2(self) -> bool:
        return SAML2_PROTOCOL in self.protocol_support


@dataclass(frozen=True, slots=True, kw_only=True)
class IDPSSODescriptor(_RoleDescriptor):
    """md:IDPSSODescriptor (saml-metadata section 2.4.3)."""

    single_sign_on_services: tuple[Endpoint, ...] = ()
    artifact_resolution_services: tuple[Endpoint, ...] = ()
    want_authn_requests_signed: bool = False
    attribute_names: tuple[str, ...] = ()
    """Names of the saml:Attribute elements the IdP advertises."""

    def sso_location(self, binding: Binding = Binding.HTTP_REDIRECT) -> str | None:
        return next((e.location for e in self.single_sign_on_services if e.binding == binding.value), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class SPSSODescriptor(_RoleDescriptor):
    """md:SPSSODescriptor (saml-metadata section 2.4.4)."""

    assertion_consumer_services: tuple[Endpoint, ...] = ()
    authn_requests_signed: bool | None = None
    want_assertions_signed: bool | None = None
    attribute_consuming_services: tuple[AttributeConsumingService, ...] = ()

    def default_acs(self) -> Endpoint | None:
        """saml-metadata 2.2.3: isDefault="true", else the first without isDefault, else the first."""
        acs = self.assertion_consumer_services
        explicit = next((e for e in acs if e.is_default), None)
        if explicit is not None:
            return explicit
        return next((e for e in acs if e.is_default is None), acs[0] if acs else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityDescriptor:
    """md:EntityDescriptor: one entity, with at most one IdP and one SP role (the ones SAML web SSO uses)."""

    entity_id: str
    id: str | None = None
    """The ID attribute (what a signature references)."""
    valid_until: datetime | None = None
    cache_duration: timedelta | None = None
    idp: IDPSSODescriptor | None = None
    sp: SPSSODescriptor | None = None
    organization: Organization | None = None
    contacts: tuple[ContactPerson, ...] = ()
    other_roles: tuple[str, ...] = ()
    """Clark names of role descriptors the model does not describe (AttributeAuthorityDescriptor, ...)."""
    signed: bool = False
    """True when the element carries a ds:Signature (parse does not verify it; ``verify`` does)."""

    def signing_keys(self) -> tuple[TrustedKey, ...]:
        """The IdP role's signing keys (R26), or () when the entity is no IdP."""
        return self.idp.signing_keys() if self.idp is not None else ()

    def effective_valid_until(self) -> datetime | None:
        """The earliest validUntil on the entity or its roles."""
        stamps = [s for s in (self.valid_until, _vu(self.idp), _vu(self.sp)) if s is not None]
        return min(stamps) if stamps else None


def _vu(role: _RoleDescriptor | None) -> datetime | None:
    return role.valid_until if role is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class EntitiesDescriptor:
    """md:EntitiesDescriptor: an aggregate; nested aggregates are flattened into ``entities``."""

    entities: tuple[EntityDescriptor, ...] = field(default_factory=tuple)
    name: str | None = None
    id: str | None = None
    valid_until: datetime | None = None
    cache_duration: timedelta | None = None
    signed: bool = False

    def __iter__(self) -> Iterator[EntityDescriptor]:
        return iter(self.entities)

    def find(self, entity_id: str) -> EntityDescriptor | None:
        return next((e for e in self.entities if e.entity_id == entity_id), None)


Metadata = EntityDescriptor | EntitiesDescriptor
