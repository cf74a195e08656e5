"""XSD validation against the vendored schemas (R10; catalogue A4, A9, C6, F14, H17), offline."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import sign_enveloped
from saml_core import validate_schema
from saml_core.constants import NS
from saml_core.errors import SAMLError
from tests.saml_core.builders import assertion
from tests.saml_core.builders import assertion_of
from tests.saml_core.builders import response
from tests.saml_core.builders import signature_of


def schema_error(root: etree._Element, name: str = "protocol") -> str:
    with pytest.raises(SAMLError) as info:
        validate_schema(root, name)  # type: ignore[arg-type]
    assert info.value.code == "malformed_xml"
    return info.value.detail


def test_control_f0_is_schema_valid(idp_keys: KeyPair) -> None:
    root = response()
    sign_enveloped(assertion_of(root), idp_keys)
    sign_enveloped(root, idp_keys)
    validate_schema(root, "protocol")
    validate_schema(assertion_of(root), "assertion")


def test_a4_assertion_inside_assertion_rejected() -> None:
    root = response()
    inner = assertion_of(root)
    outer = assertion(assertion_id="_evil")
    root.replace(inner, outer)
    outer.append(inner)
    assert "line" in schema_error(root)


def test_c6_signature_in_the_wrong_slot_rejected(idp_keys: KeyPair) -> None:
    root = response()
    a = assertion_of(root)
    sign_enveloped(a, idp_keys)
    signature = signature_of(a)
    a.remove(signature)
    a[1].addnext(signature)  # after Subject
    assert [etree.QName(c).localname for c in a][:3] == ["Issuer", "Subject", "Signature"]
    schema_error(root)


@pytest.mark.parametrize(
    "edit", ["two-conditions", "no-issuer", "version", "not-a-datetime", "unknown-child"]
)
def test_f14_schema_invalid_but_well_formed_rejected(edit: str) -> None:
    root = response()
    a = assertion_of(root)
    if edit == "two-conditions":
        conditions = a.find(NS.saml("Conditions"))
        assert conditions is not None
        conditions.addnext(copy.deepcopy(conditions))
    elif edit == "no-issuer":
        a.remove(a[0])
    elif edit == "version":
        del a.attrib["Version"]
    elif edit == "not-a-datetime":
        a.set("IssueInstant", "yesterday")
    else:
        etree.SubElement(a, NS.saml("Evil"))
    schema_error(root)


def test_h17_id_that_is_not_an_xs_id_rejected() -> None:
    root = parse_xml(etree.tostring(response()).replace(b'ID="_A"', b'ID="1-not-an-ncname"'))
    assert "xs:ID" in schema_error(root)


def test_metadata_schema() -> None:
    good = parse_xml(
        b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test/">'
        b'<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        b'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        b' Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )
    validate_schema(good, "metadata")
    bad = parse_xml(etree.tostring(good).replace(b' entityID="https://idp.example.test/"', b""))
    schema_error(bad, "metadata")


def test_schema_validation_is_offline_and_cached() -> None:
    from saml_core import _schema

    first = _schema._schema("protocol")
    assert _schema._schema("protocol") is first  # compiled once per process, from package data
