"""Raw python-xmlsec as an independent oracle (STYLE.md 7), and R4's ``collect_ids=False``.

* Our signatures verify in a bare xmlsec context given only the certificate.
* Signatures xmlsec makes with the other c14n methods (inclusive 1.0/1.1, exc-c14n with a PrefixList), in
  documents whose ancestors carry extra namespaces and xml:* attributes, verify with ``verify_enveloped``:
  our own digest check must canonicalise exactly like libxml2 does inside xmlsec.
"""

from __future__ import annotations

import pytest
import xmlsec
from lxml import etree

from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import sign_enveloped
from saml_core import verify_enveloped
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from saml_core.errors import SAMLError
from tests.saml_core.builders import NAME_ID
from tests.saml_core.builders import assertion_of
from tests.saml_core.builders import name_id_of
from tests.saml_core.builders import response
from tests.saml_core.builders import to_bytes

HOSTILE_CONTEXT = (
    b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:foo="urn:foo"'
    b' xmlns:xs="http://www.w3.org/2001/XMLSchema"%s ID="_R"><saml:Assertion'
    b' xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_A"><saml:Issuer>https://idp.example.test/'
    b"</saml:Issuer><saml:Subject><saml:NameID>alice@attacker.example</saml:NameID></saml:Subject>"
    b"</saml:Assertion></samlp:Response>"
)


def xmlsec_verifies(element: etree._Element, keys: KeyPair) -> bool:
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(keys.cert_pem, xmlsec.constants.KeyDataFormatCertPem)
    ctx.register_id(element, "ID")
    try:
        ctx.verify(element.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    except xmlsec.Error:
        return False
    return True


def xmlsec_sign(element: etree._Element, keys: KeyPair, c14n: object, prefixes: str | None = None) -> None:
    signature = xmlsec.template.create(element, c14n, xmlsec.constants.TransformRsaSha256, ns="ds")
    element[0].addnext(signature)
    ref = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri="#" + element.get("ID")
    )
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    transform = xmlsec.template.add_transform(ref, c14n)
    if prefixes is not None:
        xmlsec.template.transform_add_c14n_inclusive_namespaces(transform, prefixes)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(keys.key_pem, xmlsec.constants.KeyDataFormatPem)
    ctx.register_id(element, "ID")
    ctx.sign(signature)


@pytest.mark.parametrize(
    ("key_name", "method", "digest"),
    [
        ("idp_keys", SignatureMethod.RSA_SHA256, DigestMethod.SHA256),
        ("idp_keys", SignatureMethod.RSA_SHA512, DigestMethod.SHA384),
        ("ec_keys", SignatureMethod.ECDSA_SHA256, DigestMethod.SHA256),
        ("ec384_keys", SignatureMethod.ECDSA_SHA384, DigestMethod.SHA512),
    ],
)
def test_our_signatures_verify_in_raw_xmlsec(
    request: pytest.FixtureRequest, key_name: str, method: SignatureMethod, digest: DigestMethod
) -> None:
    keys: KeyPair = request.getfixturevalue(key_name)
    root = response()
    sign_enveloped(assertion_of(root), keys, method=method, digest=digest)
    parsed = parse_xml(to_bytes(root))
    assert xmlsec_verifies(assertion_of(parsed), keys)
    assertion_of(parsed).set("Version", "2.1")  # and the oracle does notice tampering
    assert not xmlsec_verifies(assertion_of(parsed), keys)


@pytest.mark.parametrize(
    "c14n",
    [
        xmlsec.constants.TransformInclC14N,
        xmlsec.constants.TransformInclC14N11,
        xmlsec.constants.TransformExclC14N,
    ],
    ids=["c14n10", "c14n11", "exc-c14n"],
)
@pytest.mark.parametrize(
    "xml_attrs", [b"", b' xml:lang="en" xml:space="preserve"'], ids=["plain", "xml-lang"]
)
def test_xmlsec_signatures_in_a_namespace_rich_context_verify(
    idp_keys: KeyPair, c14n: object, xml_attrs: bytes
) -> None:
    root = parse_xml(HOSTILE_CONTEXT % xml_attrs)
    xmlsec_sign(assertion_of(root), idp_keys, c14n)
    verified = verify_enveloped(assertion_of(parse_xml(to_bytes(root))), [idp_keys.trusted])
    assert name_id_of(verified.element) == NAME_ID
    if c14n is not xmlsec.constants.TransformExclC14N:
        assert (
            b'xmlns:foo="urn:foo"' in verified.canonical
        )  # inclusive c14n renders the ancestor's namespaces
    if xml_attrs and c14n is not xmlsec.constants.TransformExclC14N:
        assert b'xml:lang="en"' in verified.canonical  # ... and imports its xml:* attributes


def test_xmlsec_exc_c14n_with_prefix_list_verifies(idp_keys: KeyPair) -> None:
    root = parse_xml(HOSTILE_CONTEXT % b"")
    xmlsec_sign(assertion_of(root), idp_keys, xmlsec.constants.TransformExclC14N, prefixes="xs foo")
    verified = verify_enveloped(assertion_of(parse_xml(to_bytes(root))), [idp_keys.trusted])
    assert b'xmlns:foo="urn:foo"' in verified.canonical
    assert b'xmlns:xs="http://www.w3.org/2001/XMLSchema"' in verified.canonical


def test_c14n11_xml_base_fixup_fails_closed(idp_keys: KeyPair) -> None:
    """xml:base fix-up of c14n 1.1 is not emulated: such a document is rejected, never misread."""
    root = parse_xml(HOSTILE_CONTEXT % b' xml:base="http://a.example/b/"')
    xmlsec_sign(assertion_of(root), idp_keys, xmlsec.constants.TransformInclC14N11)
    with pytest.raises(SAMLError) as info:
        verify_enveloped(assertion_of(parse_xml(to_bytes(root))), [idp_keys.trusted])
    assert info.value.code == "signature_invalid"


# ---------------------------------------------------------------------------- R4: collect_ids=False


def _sign_reference(root: etree._Element, keys: KeyPair, uri: str, register: bool) -> bool:
    signature = xmlsec.template.create(
        root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256
    )
    root.insert(0, signature)
    ref = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri=uri)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(keys.key_pem, xmlsec.constants.KeyDataFormatPem)
    if register:
        ctx.register_id(root, "ID")
    try:
        ctx.sign(signature)
    except xmlsec.Error:
        return False
    return True


DOC = b'<a xml:id="x" ID="_A"><b/></a>'


def test_r4_hardened_parser_registers_no_id_by_itself(idp_keys: KeyPair) -> None:
    assert not _sign_reference(parse_xml(DOC), idp_keys, "#x", register=False)  # xml:id not in the ID table
    assert not _sign_reference(parse_xml(DOC), idp_keys, "#_A", register=False)
    assert _sign_reference(etree.fromstring(DOC), idp_keys, "#x", register=False)  # lxml's default would


def test_r4_xmlsec_still_resolves_the_one_id_we_register(idp_keys: KeyPair) -> None:
    assert _sign_reference(parse_xml(DOC), idp_keys, "#_A", register=True)
    assert not _sign_reference(parse_xml(DOC), idp_keys, "#x", register=True)
