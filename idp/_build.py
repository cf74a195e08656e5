"""Build the unsigned ``samlp:Response`` from a frozen ``ResponseSpec`` with lxml element APIs only (J1).

The layout is SECURITY.md 2.0 F0, in schema order::

    samlp:Response ID Version IssueInstant Destination [InResponseTo]
      saml:Issuer
      (ds:Signature goes here when the Response is signed)
      samlp:Status/samlp:StatusCode
      saml:Assertion ID Version IssueInstant
        saml:Issuer
        (ds:Signature goes here when the Assertion is signed)
        saml:Subject: NameID, one bearer SubjectConfirmation (Recipient, NotOnOrAfter[, InResponseTo])
        saml:Conditions NotBefore NotOnOrAfter / AudienceRestriction / Audience
        saml:AuthnStatement AuthnInstant SessionIndex / AuthnContext / AuthnContextClassRef
        saml:AttributeStatement (only when there are attributes)

Every user-supplied value lands in ``.text`` or an attribute value, where lxml escapes it; no string is ever
parsed as markup. Pure: no clock, no randomness (IDs and instants are in the spec).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from saml_core import format_instant
from saml_core.constants import NS
from saml_core.constants import AttrNameFormat
from saml_core.constants import AuthnContextClass
from saml_core.constants import ConfirmationMethod
from saml_core.constants import StatusCode

Element = etree._Element

_RESPONSE_NSMAP = {"samlp": NS.SAMLP, "saml": NS.SAML}
_ASSERTION_NSMAP = {"saml": NS.SAML}


@dataclass(frozen=True, slots=True)
class Attribute:
    """One saml:Attribute: its Name, NameFormat and values, in order."""

    name: str
    values: tuple[str, ...]
    name_format: str | None = AttrNameFormat.URI.value


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseSpec:
    """Every value of one Response, resolved: the builder makes no decisions."""

    response_id: str
    assertion_id: str
    issuer: str
    """Entity ID in both Issuer elements."""
    response_issuer: str | None = None
    """Response-level Issuer when it must differ from the assertion's (a fault); None = ``issuer``."""
    issue_instant: datetime
    not_before: datetime
    not_on_or_after: datetime
    """Conditions/@NotOnOrAfter and SubjectConfirmationData/@NotOnOrAfter."""
    authn_instant: datetime
    destination: str | None
    """Response/@Destination; None leaves it out."""
    recipient: str
    audiences: tuple[str, ...]
    """One AudienceRestriction with these Audience values; empty leaves the restriction out."""
    name_id: str
    name_id_format: str | None
    in_response_to: str | None = None
    session_index: str
    authn_context: str = AuthnContextClass.PASSWORD_PROTECTED.value
    attributes: tuple[Attribute, ...] = ()
    status: str = StatusCode.SUCCESS.value
    confirmations: int = 1
    """How many bearer SubjectConfirmation elements (AWS requires exactly one; more is a fault)."""
    confirmation_method: str = ConfirmationMethod.BEARER.value
    session_not_on_or_after: datetime | None = None


def _sub(parent: Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> Element:
    node = etree.SubElement(parent, tag, attrib or {})
    if text is not None:
        node.text = text
    return node


def build_response(spec: ResponseSpec) -> tuple[Element, Element]:
    """The unsigned Response and its Assertion (a child of the Response)."""
    attrib = {"ID": spec.response_id, "Version": "2.0", "IssueInstant": format_instant(spec.issue_instant)}
    if spec.destination is not None:
        attrib["Destination"] = spec.destination
    if spec.in_response_to is not None:
        attrib["InResponseTo"] = spec.in_response_to
    response = etree.Element(NS.samlp("Response"), attrib, nsmap=_RESPONSE_NSMAP)
    _issuer(response, spec.response_issuer or spec.issuer)
    status = _sub(response, NS.samlp("Status"))
    _sub(status, NS.samlp("StatusCode"), {"Value": spec.status})
    return response, build_assertion(spec, response)


def build_assertion(spec: ResponseSpec, parent: Element | None = None) -> Element:
    """The Assertion, as the last child of ``parent`` or standalone (declaring ``saml`` itself)."""
    attrib = {"ID": spec.assertion_id, "Version": "2.0", "IssueInstant": format_instant(spec.issue_instant)}
    if parent is None:
        assertion = etree.Element(NS.saml("Assertion"), attrib, nsmap=_ASSERTION_NSMAP)
    else:
        assertion = etree.SubElement(parent, NS.saml("Assertion"), attrib)
    _issuer(assertion, spec.issuer)
    _subject(assertion, spec)
    _conditions(assertion, spec)
    _authn_statement(assertion, spec)
    if spec.attributes:
        _attribute_statement(assertion, spec.attributes)
    return assertion


def _issuer(parent: Element, entity_id: str) -> None:
    _sub(parent, NS.saml("Issuer"), {"Format": "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"}, entity_id)


def _subject(assertion: Element, spec: ResponseSpec) -> None:
    subject = _sub(assertion, NS.saml("Subject"))
    _sub(
        subject,
        NS.saml("NameID"),
        {"Format": spec.name_id_format} if spec.name_id_format else {},
        spec.name_id,
    )
    data = {"NotOnOrAfter": format_instant(spec.not_on_or_after), "Recipient": spec.recipient}
    if spec.in_response_to is not None:
        data["InResponseTo"] = spec.in_response_to
    for _ in range(spec.confirmations):
        confirmation = _sub(subject, NS.saml("SubjectConfirmation"), {"Method": spec.confirmation_method})
        _sub(confirmation, NS.saml("SubjectConfirmationData"), data)


def _conditions(assertion: Element, spec: ResponseSpec) -> None:
    conditions = _sub(
        assertion,
        NS.saml("Conditions"),
        {"NotBefore": format_instant(spec.not_before), "NotOnOrAfter": format_instant(spec.not_on_or_after)},
    )
    if spec.audiences:
        restriction = _sub(conditions, NS.saml("AudienceRestriction"))
        for audience in spec.audiences:
            _sub(restriction, NS.saml("Audience"), None, audience)


def _authn_statement(assertion: Element, spec: ResponseSpec) -> None:
    attrib = {"AuthnInstant": format_instant(spec.authn_instant), "SessionIndex": spec.session_index}
    if spec.session_not_on_or_after is not None:
        attrib["SessionNotOnOrAfter"] = format_instant(spec.session_not_on_or_after)
    statement = _sub(assertion, NS.saml("AuthnStatement"), attrib)
    context = _sub(statement, NS.saml("AuthnContext"))
    _sub(context, NS.saml("AuthnContextClassRef"), None, spec.authn_context)


def _attribute_statement(assertion: Element, attributes: Sequence[Attribute]) -> None:
    statement = _sub(assertion, NS.saml("AttributeStatement"))
    for attribute in attributes:
        attrib = {"Name": attribute.name}
        if attribute.name_format:
            attrib["NameFormat"] = attribute.name_format
        node = _sub(statement, NS.saml("Attribute"), attrib)
        for value in attribute.values:
            _sub(node, NS.saml("AttributeValue"), None, value)


def name_format_for(name: str) -> str:
    """uri for names that look like URIs (``https://...``, ``urn:...``), basic for the rest."""
    if ":" in name:
        return AttrNameFormat.URI.value
    return AttrNameFormat.BASIC.value
