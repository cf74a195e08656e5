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

import copy
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


def _make_skeleton() -> Element:
    """The fixed element structure, with no attribute and no text: deep-copied for every response.

    Copying one small tree in C is several times faster than creating its 17 elements one by one, and
    keeps the signature the dominant cost of issuing (bench/bench_idp.py).
    """
    response = etree.Element(NS.samlp("Response"), nsmap=_RESPONSE_NSMAP)
    etree.SubElement(response, NS.saml("Issuer"))
    etree.SubElement(etree.SubElement(response, NS.samlp("Status")), NS.samlp("StatusCode"))
    assertion = etree.SubElement(response, NS.saml("Assertion"))
    etree.SubElement(assertion, NS.saml("Issuer"))
    subject = etree.SubElement(assertion, NS.saml("Subject"))
    etree.SubElement(subject, NS.saml("NameID"))
    etree.SubElement(
        etree.SubElement(subject, NS.saml("SubjectConfirmation")), NS.saml("SubjectConfirmationData")
    )
    conditions = etree.SubElement(assertion, NS.saml("Conditions"))
    etree.SubElement(etree.SubElement(conditions, NS.saml("AudienceRestriction")), NS.saml("Audience"))
    statement = etree.SubElement(assertion, NS.saml("AuthnStatement"))
    etree.SubElement(etree.SubElement(statement, NS.saml("AuthnContext")), NS.saml("AuthnContextClassRef"))
    return response


_SKELETON = _make_skeleton()
_ENTITY_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
_ATTRIBUTE_STATEMENT = NS.saml("AttributeStatement")
_ATTRIBUTE = NS.saml("Attribute")
_ATTRIBUTE_VALUE = NS.saml("AttributeValue")


def build_response(spec: ResponseSpec) -> tuple[Element, Element]:
    """The unsigned Response and its Assertion (the Response's last child)."""
    response = copy.deepcopy(_SKELETON)
    issuer, status, assertion = response
    instant = format_instant(spec.issue_instant)
    until = format_instant(spec.not_on_or_after)
    response.set("ID", spec.response_id)
    response.set("Version", "2.0")
    response.set("IssueInstant", instant)
    if spec.destination is not None:
        response.set("Destination", spec.destination)
    if spec.in_response_to is not None:
        response.set("InResponseTo", spec.in_response_to)
    _issuer(issuer, spec.response_issuer or spec.issuer)
    status[0].set("Value", spec.status)
    assertion.set("ID", spec.assertion_id)
    assertion.set("Version", "2.0")
    assertion.set("IssueInstant", instant)
    a_issuer, subject, conditions, statement = assertion
    _issuer(a_issuer, spec.issuer)
    _subject(subject, spec, until)
    _conditions(conditions, spec, until)
    authn = instant if spec.authn_instant == spec.issue_instant else format_instant(spec.authn_instant)
    _authn_statement(statement, spec, authn)
    if spec.attributes:
        _attribute_statement(assertion, spec.attributes)
    return response, assertion


def _issuer(node: Element, entity_id: str) -> None:
    node.set("Format", _ENTITY_FORMAT)
    node.text = entity_id


def _subject(subject: Element, spec: ResponseSpec, until: str) -> None:
    name_id, confirmation = subject
    if spec.name_id_format:
        name_id.set("Format", spec.name_id_format)
    name_id.text = spec.name_id
    confirmation.set("Method", spec.confirmation_method)
    data = confirmation[0]
    data.set("NotOnOrAfter", until)
    data.set("Recipient", spec.recipient)
    if spec.in_response_to is not None:
        data.set("InResponseTo", spec.in_response_to)
    for _ in range(spec.confirmations - 1):
        subject.append(copy.deepcopy(confirmation))


def _conditions(conditions: Element, spec: ResponseSpec, until: str) -> None:
    conditions.set("NotBefore", format_instant(spec.not_before))
    conditions.set("NotOnOrAfter", until)
    restriction = conditions[0]
    if not spec.audiences:
        conditions.remove(restriction)
        return
    restriction[0].text = spec.audiences[0]
    for audience in spec.audiences[1:]:
        _sub(restriction, NS.saml("Audience"), None, audience)


def _authn_statement(statement: Element, spec: ResponseSpec, authn_instant: str) -> None:
    statement.set("AuthnInstant", authn_instant)
    statement.set("SessionIndex", spec.session_index)
    if spec.session_not_on_or_after is not None:
        statement.set("SessionNotOnOrAfter", format_instant(spec.session_not_on_or_after))
    statement[0][0].text = spec.authn_context


def _attribute_statement(assertion: Element, attributes: Sequence[Attribute]) -> None:
    statement = etree.SubElement(assertion, _ATTRIBUTE_STATEMENT)
    for attribute in attributes:
        attrib = {"Name": attribute.name}
        if attribute.name_format:
            attrib["NameFormat"] = attribute.name_format
        node = etree.SubElement(statement, _ATTRIBUTE, attrib)
        for value in attribute.values:
            etree.SubElement(node, _ATTRIBUTE_VALUE).text = value


def name_format_for(name: str) -> str:
    """uri for names that look like URIs (``https://...``, ``urn:...``), basic for the rest."""
    if ":" in name:
        return AttrNameFormat.URI.value
    return AttrNameFormat.BASIC.value
