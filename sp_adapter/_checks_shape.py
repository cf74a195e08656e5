"""Gate 3: the shape of the response before any signature is looked at (SECURITY.md R7, R10-R16).

Order inside the gate: root (R11), IDs (R12), exactly one assertion and no Advice (R13), no generic
saml:Statement (R10), signature positions (R14, R16), SAML-level caps (R7), schema and Version (R10), a
signature is present (R15).
The whole-document scans here (``iter``) can only reject; nothing read here is trusted later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from saml_core import NS
from saml_core import check_unique_ids
from saml_core import validate_schema
from saml_core._xml import Element

from ._errors import AssertionCount
from ._errors import DecryptionError
from ._errors import MalformedMessage
from ._errors import MessageTooLarge
from ._errors import NotAResponse
from ._errors import ProfileViolation
from ._errors import SignatureRequired

RESPONSE = NS.samlp("Response")
ASSERTION = NS.saml("Assertion")
ENCRYPTED_ASSERTION = NS.saml("EncryptedAssertion")
ADVICE = NS.saml("Advice")
STATEMENT = NS.saml("Statement")
ISSUER = NS.saml("Issuer")
SIGNATURE = NS.ds("Signature")
ATTRIBUTE = NS.saml("Attribute")
ATTRIBUTE_VALUE = NS.saml("AttributeValue")
AUDIENCE = NS.saml("Audience")
XSI_TYPE = f"{{{NS.XSI}}}type"

MAX_ATTRIBUTES = 256
MAX_ATTRIBUTE_VALUES = 1000
MAX_AUDIENCES = 64


@dataclass(frozen=True, slots=True)
class Shape:
    """Where things are in the received tree; positions only, never identity."""

    root: Element
    ids: frozenset[str]
    id_map: Mapping[str, Element]
    """check_unique_ids of the received document, handed to verify_enveloped so it is computed once."""
    assertion: Element | None
    """The plain saml:Assertion child, or None when it is encrypted."""
    encrypted: Element | None
    """The saml:EncryptedAssertion child, or None."""
    response_signature: Element | None
    assertion_signature: Element | None


def check_shape(root: Element, *, require_signed_assertion: bool) -> Shape:
    """R11, R12, R13, R14/R16, R7, R10, R15 on the received document."""
    if root.tag != RESPONSE:
        raise NotAResponse(f"the document element is {_name(root)}, not samlp:Response")
    id_map = check_unique_ids(root, refuse_schema_hints=True)
    ids = frozenset(id_map)
    found = _StructuralNodes(root)
    single = _single_assertion(root, found)
    _no_generic_statements(found.statements)
    response_signature = _placed_signature(root)
    is_plain = single.tag == ASSERTION
    assertion_signature = _placed_signature(single) if is_plain else None
    _check_signature_positions(found.signatures, (response_signature, assertion_signature))
    _check_saml_caps(found.attributes, found.audiences)
    validate_schema(root, "protocol")
    _check_versions(root, single if is_plain else None)
    if is_plain and assertion_signature is None:
        if response_signature is None:
            raise SignatureRequired("neither the Response nor the Assertion is signed")
        if require_signed_assertion:
            raise SignatureRequired("the policy requires a signed Assertion and it is not signed")
    return Shape(
        root=root,
        ids=ids,
        id_map=id_map,
        assertion=single if is_plain else None,
        encrypted=None if is_plain else single,
        response_signature=response_signature,
        assertion_signature=assertion_signature,
    )


class _StructuralNodes:
    """Every Assertion, EncryptedAssertion, Advice, generic Statement, ds:Signature, Attribute and Audience in
    a document, found by one C-level walk (lxml filters the tags), in document order. Positions only, never
    identity."""

    __slots__ = ("advice", "assertions", "attributes", "audiences", "signatures", "statements")

    def __init__(self, root: Element) -> None:
        self.assertions: list[Element] = []
        self.advice: list[Element] = []
        self.signatures: list[Element] = []
        self.attributes: list[Element] = []
        self.statements: list[Element] = []
        self.audiences = 0
        for node in root.iter(
            ASSERTION, ENCRYPTED_ASSERTION, ADVICE, STATEMENT, SIGNATURE, ATTRIBUTE, AUDIENCE
        ):
            tag = node.tag
            if tag == SIGNATURE:
                self.signatures.append(node)
            elif tag == ATTRIBUTE:
                self.attributes.append(node)
            elif tag == AUDIENCE:
                self.audiences += 1
            elif tag == ADVICE:
                self.advice.append(node)
            elif tag == STATEMENT:
                self.statements.append(node)
            else:
                self.assertions.append(node)


def check_decrypted_shape(assertion: Element, outer_ids: frozenset[str]) -> Element | None:
    """R39: the plaintext's root is one saml:Assertion; R12-R14 again, IDs unique across both documents.

    Returns the Assertion's ds:Signature, if any.
    """
    if assertion.tag != ASSERTION:
        raise DecryptionError(detail=f"the decrypted root is {_name(assertion)}, not saml:Assertion")
    ids = check_unique_ids(assertion, refuse_schema_hints=True)
    clash = outer_ids.intersection(ids)
    if clash:
        raise ProfileViolation(
            f"duplicate ID {sorted(clash)[0][:80]!r} across the response and the assertion"
        )
    _no_nested_assertions(assertion)
    _no_generic_statements(list(assertion.iter(STATEMENT)))
    signature = _placed_signature(assertion)
    _check_signature_positions(list(assertion.iter(SIGNATURE)), (signature,))
    check_saml_caps(assertion)
    validate_schema(assertion, "assertion")
    _check_versions(None, assertion)
    return signature


def _single_assertion(root: Element, found: _StructuralNodes) -> Element:
    """R13: exactly one Assertion or EncryptedAssertion, a direct child of the root; no Advice anywhere."""
    assertions = found.assertions
    if len(assertions) != 1 or assertions[0].getparent() is not root:
        raise AssertionCount(
            f"the response must carry exactly one assertion as a child of Response; found {len(assertions)}",
            found=len(assertions),
        )
    if found.advice:
        raise AssertionCount("saml:Advice is not accepted (it can smuggle assertions)", found=1)
    return assertions[0]


def _no_generic_statements(statements: list[Element]) -> None:
    """R10: a generic saml:Statement is schema-valid only through its xsi:type, which this validator never
    interprets; a reader that unmarshals by xsi:type (OpenSAML does; AWS STS may) would take
    ``<saml:Statement xsi:type="saml:AttributeStatementType">`` for an AttributeStatement whose Roles we never
    saw. Refused, like Advice, so the two readings cannot differ."""
    if statements:
        kind = statements[0].get(XSI_TYPE) or "no xsi:type"
        raise MalformedMessage(
            f"a generic saml:Statement ({kind[:120]!r}) is not accepted; an IdP must write the statement's"
            " own element (saml:AuthnStatement, saml:AttributeStatement)"
        )


def _no_nested_assertions(assertion: Element) -> None:
    for node in assertion.iter(ASSERTION, ENCRYPTED_ASSERTION, ADVICE):
        if node is not assertion:
            raise AssertionCount(f"{_name(node)} inside the decrypted assertion is not accepted")


def _placed_signature(parent: Element) -> Element | None:
    """R14: the ds:Signature directly after the parent's Issuer (or first when it has none), if any."""
    first = parent[0] if len(parent) else None
    candidate = first
    if first is not None and first.tag == ISSUER:
        candidate = first.getnext()
    if candidate is not None and candidate.tag == SIGNATURE:
        return candidate
    return None


def _check_signature_positions(signatures: list[Element], allowed: tuple[Element | None, ...]) -> None:
    """R14, R16: every ds:Signature in the document is one of the allowed, placed ones."""
    for signature in signatures:
        if not any(signature is placed for placed in allowed):
            parent = signature.getparent()
            where = _name(parent) if parent is not None else "the document"
            raise ProfileViolation(f"a ds:Signature inside {where} is not in an allowed position")


def check_saml_caps(root: Element) -> None:
    """R7, the SAML-level caps: Attributes, AttributeValues per Attribute, Audiences."""
    _check_saml_caps(list(root.iter(ATTRIBUTE)), sum(1 for _ in root.iter(AUDIENCE)))


def _check_saml_caps(attributes: list[Element], audiences: int) -> None:
    if len(attributes) > MAX_ATTRIBUTES:
        raise MessageTooLarge(f"more than {MAX_ATTRIBUTES} saml:Attribute elements")
    for attribute in attributes:
        if len(attribute) > MAX_ATTRIBUTE_VALUES and (
            sum(1 for child in attribute if child.tag == ATTRIBUTE_VALUE) > MAX_ATTRIBUTE_VALUES
        ):
            raise MessageTooLarge(
                f"more than {MAX_ATTRIBUTE_VALUES} AttributeValue elements in one Attribute"
            )
    if audiences > MAX_AUDIENCES:
        raise MessageTooLarge(f"more than {MAX_AUDIENCES} Audience elements")


def _check_versions(response: Element | None, assertion: Element | None) -> None:
    """R10: Version is exactly 2.0 (the schema only says 'a string')."""
    for node in (response, assertion):
        if node is not None and node.get("Version") != "2.0":
            raise MalformedMessage(
                f"{_name(node)} Version must be '2.0', not {node.get('Version', '')[:20]!r}"
            )


def _name(node: Element) -> str:
    tag = str(node.tag)
    for prefix, uri in (("samlp", NS.SAMLP), ("saml", NS.SAML), ("ds", NS.DS), ("xenc", NS.XENC)):
        tag = tag.replace("{" + uri + "}", prefix + ":")
    return tag
