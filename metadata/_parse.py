"""bytes -> model: ``parse``, ``parse_entities`` and ``parse_element`` (saml-metadata-2.0-os).

Steps: strip comments (metadata files carry them; exclusive c14n ignores them, so signatures are unaffected),
the hardened ``saml_core.parse_xml`` with metadata-sized limits, the metadata XSD, then a direct-child walk.
Nothing here verifies a signature: ``verify`` (in ``_sign``) does, and reads only the verified tree.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from typing import TypedDict
from typing import TypeVar
from typing import cast

from cryptography.hazmat.primitives.asymmetric import rsa

from saml_core import NS
from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core import XMLLimits
from saml_core import children
from saml_core import optional_child
from saml_core import parse_instant
from saml_core import parse_xml
from saml_core import text_of
from saml_core import validate_schema
from saml_core.aws import IAM_METADATA_MAX_CHARS

from ._duration import parse_duration
from ._errors import MetadataError
from ._errors import NotMetadata
from ._model import AttributeConsumingService
from ._model import ContactPerson
from ._model import ContactType
from ._model import Endpoint
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import IDPSSODescriptor
from ._model import KeyDescriptor
from ._model import KeyUse
from ._model import Metadata
from ._model import Organization
from ._model import RequestedAttribute
from ._model import SPSSODescriptor
from ._xmlutil import Element

#: metadata is trust configuration, larger than a message: IAM takes up to 10,000,000 characters
METADATA_LIMITS = XMLLimits(
    max_bytes=IAM_METADATA_MAX_CHARS,
    max_depth=32,
    max_elements=500_000,
    max_attributes=32,
    max_namespaces=48,
    max_text=256 * 1024,
)

_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ENTITY = NS.md("EntityDescriptor")
_ENTITIES = NS.md("EntitiesDescriptor")
_IDP = NS.md("IDPSSODescriptor")
_SP = NS.md("SPSSODescriptor")
_KNOWN_ROLES = {_IDP, _SP}
_ROLE_TAGS = {
    NS.md(t)
    for t in (
        "RoleDescriptor",
        "AuthnAuthorityDescriptor",
        "AttributeAuthorityDescriptor",
        "PDPDescriptor",
        "AffiliationDescriptor",
    )
}
_CONTACT_TYPES = ("technical", "support", "administrative", "billing", "other")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
T = TypeVar("T")


def strip_comments(data: bytes) -> bytes:
    """Drop XML comments. CDATA (where ``<!--`` could hide) is left alone; ``parse_xml`` refuses it anyway."""
    if b"<!--" not in data or b"<![CDATA[" in data:
        return data
    return _COMMENT.sub(b"", data)


def parse_tree(data: bytes, *, limits: XMLLimits = METADATA_LIMITS, schema: bool = True) -> Element:
    """The hardened parse plus the metadata schema; saml_core errors come out as MetadataError."""
    try:
        root = parse_xml(strip_comments(data), limits=limits)
        if root.tag not in (_ENTITY, _ENTITIES):
            raise NotMetadata(f"the document element is {_local(root.tag)}, not md:EntityDescriptor(s)")
        if schema:
            validate_schema(root, "metadata")
    except SAMLError as error:
        raise MetadataError.wrap(error) from None
    return root


def parse(data: bytes, *, limits: XMLLimits = METADATA_LIMITS, schema: bool = True) -> Metadata:
    """Parse an EntityDescriptor or EntitiesDescriptor document. Raises MetadataError (stable ``code``)."""
    return parse_element(parse_tree(data, limits=limits, schema=schema))


def parse_entities(
    data: bytes, *, limits: XMLLimits = METADATA_LIMITS, schema: bool = True
) -> list[EntityDescriptor]:
    """Every EntityDescriptor in the document, aggregates flattened, in document order."""
    model = parse(data, limits=limits, schema=schema)
    return list(model.entities) if isinstance(model, EntitiesDescriptor) else [model]


def parse_element(root: Element) -> Metadata:
    """Model an already parsed (and, when it matters, verified) md:EntityDescriptor(s) element."""
    try:
        if root.tag == _ENTITIES:
            return _entities(root)
        if root.tag == _ENTITY:
            return _entity(root)
    except SAMLError as error:
        raise MetadataError.wrap(error) from None
    raise NotMetadata(f"the document element is {_local(root.tag)}, not md:EntityDescriptor(s)")


# ------------------------------------------------------------------------------------------ documents


def _entities(node: Element) -> EntitiesDescriptor:
    found: list[EntityDescriptor] = []
    for child in node:
        if child.tag == _ENTITY:
            found.append(_entity(child))
        elif child.tag == _ENTITIES:
            found.extend(_entities(child).entities)
    return EntitiesDescriptor(
        entities=tuple(found),
        name=node.get("Name"),
        id=node.get("ID"),
        valid_until=_instant(node),
        cache_duration=_duration(node),
        signed=optional_child(node, NS.ds("Signature")) is not None,
    )


def _entity(node: Element) -> EntityDescriptor:
    entity_id = node.get("entityID", "")
    if not entity_id or len(entity_id) > 1024:
        raise MetadataError("entityID must be a URI of 1 to 1024 characters (saml-metadata section 2.3.2)")
    idps = children(node, _IDP)
    sps = children(node, _SP)
    if len(idps) > 1 or len(sps) > 1:
        raise MetadataError(
            f"entity {entity_id[:200]!r} has more than one IDPSSODescriptor or SPSSODescriptor"
        )
    org = optional_child(node, NS.md("Organization"))
    return EntityDescriptor(
        entity_id=entity_id,
        id=node.get("ID"),
        valid_until=_instant(node),
        cache_duration=_duration(node),
        idp=_idp(idps[0]) if idps else None,
        sp=_sp(sps[0]) if sps else None,
        organization=_organization(org) if org is not None else None,
        contacts=tuple(_contact(c) for c in children(node, NS.md("ContactPerson"))),
        other_roles=tuple(str(c.tag) for c in node if c.tag in _ROLE_TAGS),
        signed=optional_child(node, NS.ds("Signature")) is not None,
    )


# --------------------------------------------------------------------------------------------- roles


class _Common(TypedDict):
    keys: tuple[KeyDescriptor, ...]
    name_id_formats: tuple[str, ...]
    single_logout_services: tuple[Endpoint, ...]
    protocol_support: tuple[str, ...]
    valid_until: datetime | None
    cache_duration: timedelta | None
    error_url: str | None


def _role_common(node: Element) -> _Common:
    return {
        "keys": tuple(_key_descriptor(k) for k in children(node, NS.md("KeyDescriptor"))),
        "name_id_formats": tuple(_text(f) for f in children(node, NS.md("NameIDFormat"))),
        "single_logout_services": _endpoints(node, "SingleLogoutService"),
        "protocol_support": tuple(node.get("protocolSupportEnumeration", "").split()),
        "valid_until": _instant(node),
        "cache_duration": _duration(node),
        "error_url": node.get("errorURL"),
    }


def _idp(node: Element) -> IDPSSODescriptor:
    return IDPSSODescriptor(
        **_role_common(node),
        single_sign_on_services=_endpoints(node, "SingleSignOnService"),
        artifact_resolution_services=_endpoints(node, "ArtifactResolutionService", indexed=True),
        want_authn_requests_signed=_bool(node, "WantAuthnRequestsSigned") or False,
        attribute_names=tuple(a.get("Name", "") for a in children(node, NS.saml("Attribute"))),
    )


def _sp(node: Element) -> SPSSODescriptor:
    return SPSSODescriptor(
        **_role_common(node),
        assertion_consumer_services=_endpoints(node, "AssertionConsumerService", indexed=True),
        authn_requests_signed=_bool(node, "AuthnRequestsSigned"),
        want_assertions_signed=_bool(node, "WantAssertionsSigned"),
        attribute_consuming_services=tuple(
            _consuming(s) for s in children(node, NS.md("AttributeConsumingService"))
        ),
    )


def _endpoints(node: Element, local: str, *, indexed: bool = False) -> tuple[Endpoint, ...]:
    found = []
    for item in children(node, NS.md(local)):
        binding, location = item.get("Binding", ""), item.get("Location", "")
        if not binding or not location:
            raise MetadataError(f"md:{local} needs Binding and Location")
        found.append(
            Endpoint(
                binding=binding,
                location=location,
                response_location=item.get("ResponseLocation"),
                index=_int(item, "index") if indexed else None,
                is_default=_bool(item, "isDefault") if indexed else None,
            )
        )
    return tuple(found)


def _consuming(node: Element) -> AttributeConsumingService:
    return AttributeConsumingService(
        index=_int(node, "index") or 0,
        is_default=_bool(node, "isDefault"),
        service_names=tuple(_text(n) for n in children(node, NS.md("ServiceName"))),
        requested_attributes=tuple(
            RequestedAttribute(
                name=a.get("Name", ""),
                name_format=a.get("NameFormat"),
                friendly_name=a.get("FriendlyName"),
                is_required=_bool(a, "isRequired") or False,
            )
            for a in children(node, NS.md("RequestedAttribute"))
        ),
    )


# ---------------------------------------------------------------------------------------------- keys


def _key_descriptor(node: Element) -> KeyDescriptor:
    use = node.get("use")
    if use not in (None, "signing", "encryption"):
        raise MetadataError(f"KeyDescriptor use={use[:40]!r} is neither signing nor encryption")
    key_info = optional_child(node, NS.ds("KeyInfo"))
    if key_info is None:
        raise MetadataError("KeyDescriptor without ds:KeyInfo")
    return KeyDescriptor(
        use=cast(KeyUse | None, use),
        key=_key(key_info),
        encryption_methods=tuple(m.get("Algorithm", "") for m in children(node, NS.md("EncryptionMethod"))),
    )


def _key(key_info: Element) -> TrustedKey:
    """The first X509Certificate; else an RSAKeyValue. A KeyDescriptor names one key (section 2.4.1.1)."""
    certs = [c for d in children(key_info, NS.ds("X509Data")) for c in children(d, NS.ds("X509Certificate"))]
    if certs:
        return TrustedKey.from_der_b64(_text(certs[0]))
    for value in children(key_info, NS.ds("KeyValue")):
        rsa_value = optional_child(value, NS.ds("RSAKeyValue"))
        if rsa_value is not None:
            return _rsa_key_value(rsa_value)
    raise MetadataError("KeyInfo holds neither an X509Certificate nor an RSAKeyValue")


def _rsa_key_value(node: Element) -> TrustedKey:
    try:
        modulus = base64.b64decode("".join(_text(_one(node, "Modulus")).split()), validate=True)
        exponent = base64.b64decode("".join(_text(_one(node, "Exponent")).split()), validate=True)
        numbers = rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))
        public = numbers.public_key()
    except (binascii.Error, ValueError) as exc:
        raise MetadataError(f"RSAKeyValue is not a valid RSA key: {exc}") from None
    return TrustedKey(public, None, "RSAKeyValue")


def _one(node: Element, local: str) -> Element:
    found = optional_child(node, NS.ds(local))
    if found is None:
        raise MetadataError(f"RSAKeyValue without ds:{local}")
    return found


# ------------------------------------------------------------------------------------ organization


def _organization(node: Element) -> Organization:
    def first(local: str) -> tuple[str, str]:
        items = children(node, NS.md(local))
        if not items:
            raise MetadataError(f"md:Organization without md:{local}")
        chosen = next((i for i in items if i.get(_XML_LANG) == "en"), items[0])
        return _text(chosen), chosen.get(_XML_LANG, "en")

    name, lang = first("OrganizationName")
    return Organization(
        name=name,
        display_name=first("OrganizationDisplayName")[0],
        url=first("OrganizationURL")[0],
        lang=lang,
    )


def _contact(node: Element) -> ContactPerson:
    kind = node.get("contactType", "")
    if kind not in _CONTACT_TYPES:
        raise MetadataError(f"contactType {kind[:40]!r} is not one of {', '.join(_CONTACT_TYPES)}")

    def opt(local: str) -> str | None:
        found = optional_child(node, NS.md(local))
        return _text(found) if found is not None else None

    return ContactPerson(
        contact_type=cast(ContactType, kind),
        company=opt("Company"),
        given_name=opt("GivenName"),
        surname=opt("SurName"),
        emails=tuple(_text(e) for e in children(node, NS.md("EmailAddress"))),
        telephones=tuple(_text(t) for t in children(node, NS.md("TelephoneNumber"))),
    )


# ----------------------------------------------------------------------------------------- values


def _text(node: Element) -> str:
    return text_of(node).strip()


def _attr(node: Element, name: str, convert: Callable[[str], T]) -> T | None:
    value = node.get(name)
    if value is None:
        return None
    try:
        return convert(value)
    except (ValueError, SAMLError) as exc:
        raise MetadataError(f"{name}={value[:64]!r} on md:{_local(node.tag)} is invalid: {exc}") from None


def _instant(node: Element) -> datetime | None:
    return _attr(node, "validUntil", parse_instant)


def _duration(node: Element) -> timedelta | None:
    return _attr(node, "cacheDuration", parse_duration)


def _int(node: Element, name: str) -> int | None:
    return _attr(node, name, int)


def _bool(node: Element, name: str) -> bool | None:
    return _attr(node, name, _xs_boolean)


def _xs_boolean(value: str) -> bool:
    text = value.strip()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("not an xs:boolean")


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]
