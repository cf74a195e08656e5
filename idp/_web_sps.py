"""The service providers the web IdP serves, as the web layer needs them (endpoints and keys from metadata).

Invariant this module owns (SECURITY.md J2): an ACS URL is only ever one of ``ServiceProvider.acs``, which
comes from the SP's metadata or the operator's configuration, never from a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from saml_core import TrustedKey
from saml_core.constants import Binding
from saml_core.errors import ConfigError

from ._aws import aws_audience
from ._aws import aws_recipient
from ._web_errors import RequestRejected

if TYPE_CHECKING:
    from ._issue import SignMode


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An md:AssertionConsumerService or md:SingleLogoutService entry."""

    binding: Binding
    location: str
    index: int | None = None
    is_default: bool = False
    response_location: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceProvider:
    """One relying party: an SP from metadata, or AWS sign-in (``aws=True``)."""

    name: str
    """Short name from the configuration (``aws``, ``wiki``...)."""
    entity_id: str
    """The SP's entityID: the Audience of what we issue, the Issuer of what it sends."""
    acs: tuple[Endpoint, ...] = ()
    """Assertion consumer services from metadata; the only places a response is ever sent (J2)."""
    slo: tuple[Endpoint, ...] = ()
    """Single logout services from metadata."""
    signing_keys: tuple[TrustedKey, ...] = ()
    """Keys that verify the SP's requests (use="signing" or unspecified; never "encryption": R26)."""
    authn_requests_signed: bool = False
    """``AuthnRequestsSigned`` from metadata: unsigned AuthnRequests are then refused."""
    encrypt_to: TrustedKey | None = None
    """Encrypt assertions to this key (the SP's use="encryption" certificate, or configured)."""
    aws: bool = False
    """AWS sign-in: IdP-initiated only; ``acs`` holds the one sign-in URL (Recipient and Destination) and
    ``entity_id`` the partition's Audience."""
    partition: str = "aws"
    region: str | None = None
    sign: SignMode = "both"
    """What to sign: "both", "response", "assertion" (or "none", for negative tests)."""
    name_id_format: str | None = None
    """The NameID Format to assert; None: the request's NameIDPolicy, else the issuer's default."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for endpoint in (*self.acs, *self.slo):
            for url in (endpoint.location, endpoint.response_location):
                if url is not None and urlsplit(url).scheme not in ("http", "https"):
                    raise ConfigError(f"SP {self.name!r}: endpoint {url[:120]!r} is not an http(s) URL")

    def resolve_acs(self, *, url: str | None, index: int | None, binding: str | None) -> str:
        """saml-core section 3.4.1: the ACS a response goes to; J2: only from metadata."""
        if binding is not None and binding != Binding.HTTP_POST.value:
            raise RequestRejected(
                "binding_unsupported", "only the HTTP-POST binding is supported for responses"
            )
        posts = [e for e in self.acs if e.binding is Binding.HTTP_POST]
        if url is not None and index is not None:
            raise RequestRejected(
                "request_invalid",
                "AssertionConsumerServiceURL and AssertionConsumerServiceIndex are exclusive",
            )
        if url is not None:
            if url not in {e.location for e in posts}:
                raise RequestRejected(
                    "acs_not_registered",
                    f"AssertionConsumerServiceURL {url[:200]!r} is not in the metadata of {self.entity_id}",
                )
            return url
        if index is not None:
            for endpoint in posts:
                if endpoint.index == index:
                    return endpoint.location
            raise RequestRejected(
                "acs_not_registered", f"no HTTP-POST ACS with index {index} in the metadata"
            )
        return self.default_acs()

    def default_acs(self) -> str:
        posts = [e for e in self.acs if e.binding is Binding.HTTP_POST]
        if not posts:
            raise RequestRejected(
                "acs_not_registered", f"{self.entity_id} has no HTTP-POST ACS in its metadata"
            )
        for endpoint in posts:
            if endpoint.is_default:
                return endpoint.location
        indexed = sorted((e for e in posts if e.index is not None), key=lambda e: e.index or 0)
        return (indexed or posts)[0].location

    def slo_endpoint(self, preferred: Binding) -> Endpoint:
        """The SingleLogoutService to answer on: the binding the request came over, else any we speak."""
        usable = [e for e in self.slo if e.binding in (Binding.HTTP_REDIRECT, Binding.HTTP_POST)]
        for endpoint in usable:
            if endpoint.binding is preferred:
                return endpoint
        if not usable:
            raise RequestRejected(
                "slo_unavailable", f"{self.entity_id} has no SingleLogoutService in its metadata"
            )
        return usable[0]


def _endpoints(items: Iterable[Any], *, indexed: bool) -> tuple[Endpoint, ...]:
    """Metadata endpoints in the bindings we speak; others (SOAP, Artifact, PAOS...) are left out."""
    out = []
    for item in items:
        if item.binding not in _SPOKEN:
            continue
        out.append(
            Endpoint(
                Binding(item.binding),
                item.location,
                index=item.index if indexed else None,
                is_default=bool(item.is_default),
                response_location=item.response_location,
            )
        )
    return tuple(out)


_SPOKEN = frozenset({Binding.HTTP_POST.value, Binding.HTTP_REDIRECT.value})


def sp_from_entity(
    name: str,
    entity: Any,
    *,
    sign: SignMode = "both",
    encrypt_to: TrustedKey | None = None,
    name_id_format: str | None = None,
) -> ServiceProvider:
    """A ``metadata.EntityDescriptor`` with an SPSSODescriptor as the web IdP uses it."""
    sp = entity.sp
    if sp is None:
        raise ConfigError(f"SP {name!r}: the metadata of {entity.entity_id} has no SPSSODescriptor")
    return ServiceProvider(
        name=name,
        entity_id=entity.entity_id,
        acs=_endpoints(sp.assertion_consumer_services, indexed=True),
        slo=_endpoints(sp.single_logout_services, indexed=False),
        signing_keys=tuple(sp.signing_keys()),
        authn_requests_signed=bool(sp.authn_requests_signed),
        encrypt_to=encrypt_to,
        sign=sign,
        name_id_format=name_id_format,
    )


def sp_from_metadata(
    name: str, xml: bytes, *, sign: SignMode = "both", encrypt: bool = False
) -> ServiceProvider:
    """Parse SP metadata (``metadata.parse``); ``encrypt`` encrypts assertions to its encryption key."""
    from metadata import parse_entities

    entity = next((e for e in parse_entities(xml) if e.sp is not None), None)
    if entity is None:
        raise ConfigError(f"SP {name!r}: the metadata has no SPSSODescriptor")
    keys = entity.sp.encryption_keys() if encrypt and entity.sp is not None else ()
    return sp_from_entity(name, entity, sign=sign, encrypt_to=keys[0] if keys else None)


def aws_service_provider(
    *,
    partition: str = "aws",
    region: str | None = None,
    acs_url: str | None = None,
    provider_uuid: str | None = None,
    name: str = "aws",
    sign: SignMode = "both",
    encrypt_to: TrustedKey | None = None,
) -> ServiceProvider:
    """AWS sign-in as an SP (IdP-initiated only). ``acs_url`` replaces the partition's sign-in URL as
    Recipient, Destination and form target: a local endpoint for tests and the offline demo."""
    url = acs_url or aws_recipient(partition, region, provider_uuid)
    return ServiceProvider(
        name=name,
        entity_id=aws_audience(partition),
        acs=(Endpoint(Binding.HTTP_POST, url),),
        aws=True,
        partition=partition,
        region=region,
        sign=sign,
        encrypt_to=encrypt_to,
    )


def _same(a: ServiceProvider, b: ServiceProvider) -> bool:
    return a.name == b.name if a.aws and b.aws else (not a.aws and not b.aws and a.entity_id == b.entity_id)


class Registry:
    """Service providers by entity ID and by name; AWS entries are found by partition."""

    def __init__(self, sps: Iterable[ServiceProvider] = ()) -> None:
        self._by_entity: dict[str, ServiceProvider] = {}
        self._order: list[ServiceProvider] = []
        for sp in sps:
            self.add(sp)

    def add(self, sp: ServiceProvider, *, replace: bool = False) -> None:
        """Register ``sp``; with ``replace`` an SP of the same entity ID (or AWS name) gives way."""
        if replace:
            self._order = [o for o in self._order if not _same(o, sp)]
            self._by_entity.pop(sp.entity_id, None)
        if not sp.aws:
            if sp.entity_id in self._by_entity:
                raise ConfigError(f"two service providers have the entity ID {sp.entity_id!r}")
            self._by_entity[sp.entity_id] = sp
        self._order.append(sp)

    def by_entity_id(self, entity_id: str) -> ServiceProvider:
        sp = self._by_entity.get(entity_id)
        if sp is None:
            raise RequestRejected("unknown_sp", f"{entity_id[:200]!r} is not a service provider of this IdP")
        return sp

    def aws_for(self, partition: str, name: str | None = None) -> ServiceProvider:
        """The AWS sign-in entry for a role's partition (or the one named)."""
        for sp in self._order:
            if sp.aws and (sp.name == name if name else sp.partition == partition):
                return sp
        raise RequestRejected("unknown_sp", f"AWS ({partition}) is not registered as a service provider")

    @property
    def all(self) -> Sequence[ServiceProvider]:
        return tuple(self._order)
