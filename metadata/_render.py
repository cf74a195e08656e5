"""model -> element -> bytes, and the builders other packages call: build_idp/sp_metadata.

Element order follows saml-schema-metadata-2.0.xsd exactly, so every rendered document passes
``validate_schema(root, "metadata")`` (the tests check it). Pure: IDs and instants come in as arguments.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from saml_core import NS
from saml_core import IdSource
from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import format_instant
from saml_core import new_id
from saml_core._xml import check_xml_text
from saml_core.constants import Binding
from saml_core.constants import NameIDFormat

from ._duration import format_duration
from ._errors import MetadataError
from ._model import ContactPerson
from ._model import Endpoint
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import IDPSSODescriptor
from ._model import KeyDescriptor
from ._model import Metadata
from ._model import Organization
from ._model import SPSSODescriptor
from ._model import _RoleDescriptor
from ._xmlutil import MD_NSMAP
from ._xmlutil import Element
from ._xmlutil import sub

CertSource = bytes | TrustedKey | KeyPair
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DEFAULT_IDP_NAME_ID_FORMATS = (NameIDFormat.PERSISTENT, NameIDFormat.TRANSIENT, NameIDFormat.EMAIL)


def render(model: Metadata, *, pretty: bool = True) -> bytes:
    """UTF-8 bytes with an XML declaration and no BOM (IAM refuses a BOM: AWS.md section 4)."""
    body = etree.tostring(build_element(model), encoding="UTF-8", xml_declaration=False, pretty_print=pretty)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def build_element(model: Metadata) -> Element:
    """The md:EntityDescriptor or md:EntitiesDescriptor element for ``model``."""
    if isinstance(model, EntitiesDescriptor):
        root = etree.Element(NS.md("EntitiesDescriptor"), nsmap=MD_NSMAP)
        _set(root, ID=model.id, Name=model.name)
        _validity(root, model.valid_until, model.cache_duration)
        for entity in model.entities:
            _entity_into(etree.SubElement(root, NS.md("EntityDescriptor")), entity)
        return root
    root = etree.Element(NS.md("EntityDescriptor"), nsmap=MD_NSMAP)
    _entity_into(root, model)
    return root


def _entity_into(node: Element, entity: EntityDescriptor) -> None:
    _set(node, entityID=entity.entity_id, ID=entity.id)
    _validity(node, entity.valid_until, entity.cache_duration)
    if entity.idp is not None:
        _idp_into(sub(node, NS.md("IDPSSODescriptor")), entity.idp)
    if entity.sp is not None:
        _sp_into(sub(node, NS.md("SPSSODescriptor")), entity.sp)
    if entity.idp is None and entity.sp is None:
        raise MetadataError("an EntityDescriptor needs at least one role (IdP or SP) to render")
    if entity.organization is not None:
        _organization_into(sub(node, NS.md("Organization")), entity.organization)
    for contact in entity.contacts:
        _contact_into(sub(node, NS.md("ContactPerson")), contact)


def _role_start(node: Element, role: _RoleDescriptor) -> None:
    _set(node, protocolSupportEnumeration=" ".join(role.protocol_support), errorURL=role.error_url)
    _validity(node, role.valid_until, role.cache_duration)
    for kd in role.keys:
        _key_descriptor_into(sub(node, NS.md("KeyDescriptor"), use=kd.use), kd)


def _idp_into(node: Element, idp: IDPSSODescriptor) -> None:
    if idp.want_authn_requests_signed:
        node.set("WantAuthnRequestsSigned", "true")
    _role_start(node, idp)
    _endpoints_into(node, "ArtifactResolutionService", idp.artifact_resolution_services)
    _endpoints_into(node, "SingleLogoutService", idp.single_logout_services)
    for fmt in idp.name_id_formats:
        sub(node, NS.md("NameIDFormat"), fmt)
    if not idp.single_sign_on_services:
        raise MetadataError("an IDPSSODescriptor needs at least one SingleSignOnService")
    _endpoints_into(node, "SingleSignOnService", idp.single_sign_on_services)
    for name in idp.attribute_names:
        sub(node, NS.saml("Attribute"), Name=name)


def _sp_into(node: Element, sp: SPSSODescriptor) -> None:
    _set(
        node,
        AuthnRequestsSigned=_xs_bool(sp.authn_requests_signed),
        WantAssertionsSigned=_xs_bool(sp.want_assertions_signed),
    )
    _role_start(node, sp)
    _endpoints_into(node, "SingleLogoutService", sp.single_logout_services)
    for fmt in sp.name_id_formats:
        sub(node, NS.md("NameIDFormat"), fmt)
    if not sp.assertion_consumer_services:
        raise MetadataError("an SPSSODescriptor needs at least one AssertionConsumerService")
    _endpoints_into(node, "AssertionConsumerService", sp.assertion_consumer_services)
    for service in sp.attribute_consuming_services:
        acs = sub(
            node,
            NS.md("AttributeConsumingService"),
            index=str(service.index),
            isDefault=_xs_bool(service.is_default),
        )
        for name in service.service_names:
            sub(acs, NS.md("ServiceName"), name, attrib={_XML_LANG: "en"})
        for attr in service.requested_attributes:
            sub(
                acs,
                NS.md("RequestedAttribute"),
                Name=attr.name,
                NameFormat=attr.name_format,
                FriendlyName=attr.friendly_name,
                isRequired="true" if attr.is_required else None,
            )


def _endpoints_into(node: Element, local: str, endpoints: Sequence[Endpoint]) -> None:
    for e in endpoints:
        sub(
            node,
            NS.md(local),
            Binding=e.binding,
            Location=e.location,
            ResponseLocation=e.response_location,
            index=None if e.index is None else str(e.index),
            isDefault=_xs_bool(e.is_default),
        )


def _key_descriptor_into(node: Element, kd: KeyDescriptor) -> None:
    key_info = sub(node, NS.ds("KeyInfo"))
    if kd.key.cert_der is not None:
        data = sub(key_info, NS.ds("X509Data"))
        sub(data, NS.ds("X509Certificate"), base64.b64encode(kd.key.cert_der).decode("ascii"))
    elif isinstance(kd.key.public_key, rsa.RSAPublicKey):
        numbers = kd.key.public_key.public_numbers()
        rsa_value = sub(sub(key_info, NS.ds("KeyValue")), NS.ds("RSAKeyValue"))
        sub(rsa_value, NS.ds("Modulus"), _b64_int(numbers.n))
        sub(rsa_value, NS.ds("Exponent"), _b64_int(numbers.e))
    else:
        raise MetadataError("a bare EC key cannot be rendered; give its certificate")
    for algorithm in kd.encryption_methods:
        sub(node, NS.md("EncryptionMethod"), Algorithm=algorithm)


def _organization_into(node: Element, org: Organization) -> None:
    lang = {_XML_LANG: org.lang}
    sub(node, NS.md("OrganizationName"), org.name, attrib=lang)
    sub(node, NS.md("OrganizationDisplayName"), org.display_name, attrib=lang)
    sub(node, NS.md("OrganizationURL"), org.url, attrib=lang)


def _contact_into(node: Element, contact: ContactPerson) -> None:
    node.set("contactType", check_xml_text(contact.contact_type, "contactType"))
    for local, value in (
        ("Company", contact.company),
        ("GivenName", contact.given_name),
        ("SurName", contact.surname),
    ):
        if value is not None:
            sub(node, NS.md(local), value)
    for email in contact.emails:
        sub(node, NS.md("EmailAddress"), email)
    for phone in contact.telephones:
        sub(node, NS.md("TelephoneNumber"), phone)


def _validity(node: Element, valid_until: datetime | None, cache_duration: timedelta | None) -> None:
    _set(
        node,
        validUntil=format_instant(valid_until) if valid_until is not None else None,
        cacheDuration=format_duration(cache_duration) if cache_duration is not None else None,
    )


def _set(node: Element, **attrs: str | None) -> None:
    for name, value in attrs.items():
        if value is not None:
            node.set(name, check_xml_text(value, name))


def _xs_bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _b64_int(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode("ascii")


# ------------------------------------------------------------------------------------------ builders


def as_trusted(cert: CertSource) -> TrustedKey:
    """A PEM/DER certificate, a TrustedKey or a KeyPair (its certificate) as the key metadata publishes."""
    if isinstance(cert, KeyPair):
        return cert.trusted
    if isinstance(cert, TrustedKey):
        return cert
    return TrustedKey.from_pem(cert)


def _keys(signing: Sequence[CertSource], encryption: CertSource | None) -> tuple[KeyDescriptor, ...]:
    found = [KeyDescriptor(use="signing", key=as_trusted(c)) for c in signing]
    if encryption is not None:
        found.append(KeyDescriptor(use="encryption", key=as_trusted(encryption)))
    return tuple(found)


def build_idp_metadata(
    *,
    entity_id: str,
    sso_url: str,
    slo_url: str | None = None,
    signing_certs: Sequence[CertSource],
    encryption_cert: CertSource | None = None,
    valid_until: datetime | None = None,
    cache_duration: timedelta | None = None,
    name_id_formats: Sequence[NameIDFormat | str] = DEFAULT_IDP_NAME_ID_FORMATS,
    want_authn_requests_signed: bool = False,
    organization: Organization | None = None,
    contacts: Sequence[ContactPerson] = (),
    id_source: IdSource = new_id,
) -> bytes:
    """IdP metadata: a signing KeyDescriptor per certificate (oldest..newest), SSO over Redirect and POST.

    Several ``signing_certs`` publish old and new keys together, as IAM needs in a rollover (AWS.md 4).
    """
    if not signing_certs:
        raise MetadataError("IdP metadata needs at least one signing certificate")
    slo = tuple(
        Endpoint(binding=b.value, location=slo_url)
        for b in (Binding.HTTP_REDIRECT, Binding.HTTP_POST)
        if slo_url
    )
    idp = IDPSSODescriptor(
        keys=_keys(signing_certs, encryption_cert),
        name_id_formats=tuple(f.value if isinstance(f, NameIDFormat) else f for f in name_id_formats),
        single_logout_services=slo,
        single_sign_on_services=tuple(
            Endpoint(binding=b.value, location=sso_url) for b in (Binding.HTTP_REDIRECT, Binding.HTTP_POST)
        ),
        want_authn_requests_signed=want_authn_requests_signed,
    )
    return render(
        EntityDescriptor(
            entity_id=entity_id,
            id=id_source(),
            valid_until=valid_until,
            cache_duration=cache_duration,
            idp=idp,
            organization=organization,
            contacts=tuple(contacts),
        )
    )


def build_sp_metadata(
    *,
    entity_id: str,
    acs_url: str | Sequence[str],
    slo_url: str | None = None,
    signing_cert: CertSource | None = None,
    encryption_cert: CertSource | None = None,
    want_assertions_signed: bool = True,
    authn_requests_signed: bool = False,
    name_id_formats: Sequence[NameIDFormat | str] = (),
    valid_until: datetime | None = None,
    cache_duration: timedelta | None = None,
    organization: Organization | None = None,
    contacts: Sequence[ContactPerson] = (),
    id_source: IdSource = new_id,
) -> bytes:
    """SP metadata: HTTP-POST AssertionConsumerService(s), index 0.. in order (the first is the default)."""
    urls = [acs_url] if isinstance(acs_url, str) else list(acs_url)
    if not urls:
        raise MetadataError("SP metadata needs at least one AssertionConsumerService URL")
    sp = SPSSODescriptor(
        keys=_keys([signing_cert] if signing_cert is not None else [], encryption_cert),
        name_id_formats=tuple(f.value if isinstance(f, NameIDFormat) else f for f in name_id_formats),
        single_logout_services=(Endpoint(binding=Binding.HTTP_POST.value, location=slo_url),)
        if slo_url
        else (),
        assertion_consumer_services=tuple(
            Endpoint(
                binding=Binding.HTTP_POST.value, location=url, index=i, is_default=True if i == 0 else None
            )
            for i, url in enumerate(urls)
        ),
        authn_requests_signed=authn_requests_signed,
        want_assertions_signed=want_assertions_signed,
    )
    return render(
        EntityDescriptor(
            entity_id=entity_id,
            id=id_source(),
            valid_until=valid_until,
            cache_duration=cache_duration,
            sp=sp,
            organization=organization,
            contacts=tuple(contacts),
        )
    )
