"""Family D: XML-DSig profile violations (SECURITY.md Part 2, D1-D14).

Guards: xmlseclibs/SimpleSAMLphp CVE-2019-3465; xml-crypto CVE-2025-29774 and CVE-2025-29775 (SAMLStorm);
goxmldsig CVE-2020-15216; simplesamlphp/xml-security CVE-2023-49087; ruby-saml CVE-2024-45409, CVE-2025-66568
and CVE-2025-66567 ("The Fragile Lock"); xmlseclibs GHSA-7mf5-fjj8-mvjc; pysaml2 4.6.0 SSRF fix; OpenSAML
SAMLSignatureProfileValidator cases (BadTransform, MissingEnvelopedTransform, TooManyTransforms,
TooManyReferences); B. Hill 2007 "Command Injection in XML Signatures and Encryption".
"""

from __future__ import annotations

import base64
import copy
import hashlib

import pytest
from lxml import etree

from saml_core import NS
from saml_core import sign_enveloped
from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.attacks import _kit as k
from tests.attacks.conftest import Canary
from tests.sp_adapter import _fixtures as fx

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def _assertion_signature(tree: etree._Element) -> etree._Element:
    return k.signature(k.assertion(tree))


def _reference(sig: etree._Element) -> etree._Element:
    return k.path(sig, k.ds("SignedInfo"), k.ds("Reference"))


def _transforms(sig: etree._Element) -> etree._Element:
    return k.child(_reference(sig), k.ds("Transforms"))


def _evil_digest(tree: etree._Element) -> str:
    """b64(sha256(exc-c14n(EVIL assertion without its Signature))), what SAMLStorm smuggles."""
    evil_copy = k.evil(copy.deepcopy(k.assertion(tree)))
    return base64.b64encode(hashlib.sha256(k.canonical(evil_copy)).digest()).decode()


# ------------------------------------------------------------------------------------------ D1-D3


def test_d1_empty_reference_uri_fixture_mode() -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    _reference(sig).set("URI", "")
    k.resign(sig, digest_of=k.canonical(tree))
    k.reject(k.dump(tree), k.PROFILE)


def test_d1_absent_reference_uri_fixture_mode() -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    del _reference(sig).attrib["URI"]
    k.resign(sig, digest_of=k.canonical(tree))
    k.reject(k.dump(tree), k.PROFILE)


def test_d1_empty_uri_document_wrapped_attacker_mode() -> None:
    tree = k.signed("R")
    _reference(k.signature(tree)).set("URI", "")
    k.resign(k.signature(tree), digest_of=k.canonical(tree))
    wrapper = etree.Element("{urn:evil}Wrapper")
    wrapper.append(k.evil(k.pristine(tree)))
    wrapper.append(tree)
    k.reject(k.dump(wrapper), k.NOT_A_RESPONSE)


EXTERNAL_URIS = [  # {url} and {file} are the canary's: a fetch or a read fails the test
    "{url}",
    "{file}",
    "http://attacker.test/x",
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "foo.xml",
    "#_A?x",
    "#_A#x",
    "#%5FA",
    " #_A",
    "#_A ",
]


@pytest.mark.parametrize("uri", EXTERNAL_URIS)
def test_d2_external_or_non_fragment_uri(uri: str, canary: Canary) -> None:
    uri = uri.format(url=canary.url, file=canary.file_url)
    tree = k.signed("A")
    _reference(_assertion_signature(tree)).set("URI", uri)
    # '#_A#x' is not even an xs:anyURI: the schema (R10, gate 3) refuses it before the profile gate
    k.reject(k.dump(tree), k.MALFORMED if uri == "#_A#x" else k.PROFILE)


@pytest.mark.parametrize("uri", ["#xpointer(/)", "#xpointer(id('_A'))", "#xpointer(//*[@ID='_A'])"])
def test_d3_xpointer_uri(uri: str) -> None:
    tree = k.signed("A")
    _reference(_assertion_signature(tree)).set("URI", uri)
    k.reject(k.dump(tree), k.PROFILE)


# ------------------------------------------------------------------------------------------ D4-D8


def test_d4_two_references_fixture_mode() -> None:
    tree = k.signed("RA")
    sig = k.signature(tree)
    second = copy.deepcopy(_reference(_assertion_signature(tree)))
    _reference(sig).addnext(second)
    k.resign(sig)
    k.reject(k.dump(tree), k.PROFILE)


def test_d4_second_reference_attacker_mode() -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    extra = copy.deepcopy(_reference(sig))
    extra.set("URI", "#_R")
    _reference(sig).addnext(extra)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("where", ["before", "after"])
def test_d5_second_signed_info_with_evil_digest(where: str) -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    genuine = k.child(sig, k.ds("SignedInfo"))
    forged = copy.deepcopy(genuine)
    k.child(k.child(forged, k.ds("Reference")), k.ds("DigestValue")).text = _evil_digest(tree)
    (genuine.addprevious if where == "before" else genuine.addnext)(forged)
    k.evil(k.assertion(tree))
    # R17 and the xmldsig schema (R10) agree; the schema runs in gate 3, before the profile gate
    k.reject(k.dump(tree), k.MALFORMED)


def test_d5_genuine_signed_info_wrapped() -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    genuine = k.child(sig, k.ds("SignedInfo"))
    wrapper = etree.Element(k.ds("Object"))
    genuine.addprevious(wrapper)
    wrapper.append(genuine)
    k.reject(k.dump(tree), k.MALFORMED)  # schema (gate 3): SignedInfo must come first


def test_d5_two_signature_values() -> None:
    tree = k.signed("A")
    value = k.child(_assertion_signature(tree), k.ds("SignatureValue"))
    value.addnext(copy.deepcopy(value))
    k.reject(k.dump(tree), k.MALFORMED)  # schema (gate 3): one SignatureValue


def test_d5_second_signed_info_inside_object() -> None:
    # the schema allows anything inside ds:Object; the profile gate (R17: no Object) refuses it
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    forged = copy.deepcopy(k.child(sig, k.ds("SignedInfo")))
    k.child(k.child(forged, k.ds("Reference")), k.ds("DigestValue")).text = _evil_digest(tree)
    etree.SubElement(sig, k.ds("Object")).append(forged)
    k.evil(k.assertion(tree))
    k.reject(k.dump(tree), k.PROFILE)


def test_d6_reference_under_rebound_prefix() -> None:
    # a prefix-based reader that looked for "ds:Reference" would see this one; it is not in the dsig namespace
    tree = k.signed("A")
    signed_info = k.child(_assertion_signature(tree), k.ds("SignedInfo"))
    decoy = etree.SubElement(signed_info, "{urn:evil}Reference", nsmap={"ds": "urn:evil"})
    decoy.set("URI", "#_evil")
    k.reject(k.dump(tree), k.MALFORMED)  # not a ds:Reference: the xmldsig schema refuses it (R9, R10)


@pytest.mark.parametrize("form", ["comment-before", "comment-after", "pi"])
def test_d7_comment_inside_digest_value_samlstorm(form: str) -> None:
    tree = k.signed("A")
    evil_digest = _evil_digest(tree)
    data = k.dump(tree)
    genuine = k.child(_reference(_assertion_signature(tree)), k.ds("DigestValue")).text or ""
    smuggled = {
        "comment-before": f"<!--{evil_digest}-->{genuine}",
        "comment-after": f"{genuine}<!--{evil_digest}-->",
        "pi": f"<?x {evil_digest}?>{genuine}",
    }[form].encode()
    data = k.replace_bytes(data, genuine.encode(), smuggled)
    k.reject(data, k.UNSIGNED)


def test_d7_whitespace_before_digest_value_with_evil_content() -> None:
    # whitespace is legal in base64 (a CONTROL in D12), so the EVIL assertion meets the genuine digest
    tree = k.signed("A")
    value = k.child(_reference(_assertion_signature(tree)), k.ds("DigestValue"))
    value.text = "\n  " + (value.text or "")
    k.evil(k.assertion(tree))
    k.reject(k.dump(tree), k.SIG_INVALID)


def _place(tree: etree._Element, holder: str, element: etree._Element) -> None:
    if holder == "extensions":
        extensions = etree.Element(NS.samlp("Extensions"))
        extensions.append(element)
        k.child(tree, NS.saml("Issuer")).addnext(extensions)
    else:
        detail = etree.SubElement(k.child(tree, NS.samlp("Status")), NS.samlp("StatusDetail"))
        detail.append(element)


def _poison(decoy: str) -> etree._Element:
    """A decoy that makes a genuine response fail if it is ever read instead of the Reference's own part."""
    element = etree.Element(k.ds(decoy))
    if decoy == "DigestValue":
        element.text = base64.b64encode(bytes(32)).decode()  # a digest nothing has
    elif decoy == "Transforms":
        xslt = etree.SubElement(
            element, k.ds("Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"
        )
        xslt.text = "x"  # a transform the profile forbids (R20)
    else:
        element.set("Algorithm", "http://www.w3.org/2006/12/xml-c14n11#WithComments")  # forbidden (R19)
    return element


@pytest.mark.parametrize("holder", ["extensions", "status-detail"])
@pytest.mark.parametrize("decoy", ["DigestValue", "Transforms", "CanonicalizationMethod"])
def test_d8_dsig_parts_outside_the_reference_are_never_read(holder: str, decoy: str) -> None:
    # CVE-2024-45409: a DigestValue (or Transforms / CanonicalizationMethod) read from anywhere. F0-A: the
    # Response is unsigned, so a poisonous decoy there rejects the genuine message if the validator reads it;
    # reading only the Reference's own parts (R9), it accepts the original identity
    tree = k.signed("A")
    _place(tree, holder, _poison(decoy))
    k.accept(k.dump(tree))
    # the poison is real: the same element in the Reference's (or SignedInfo's) own place is rejected
    placed = k.signed("A")
    sig = _assertion_signature(placed)
    if decoy == "DigestValue":
        genuine = k.child(_reference(sig), k.ds("DigestValue"))
    elif decoy == "Transforms":
        genuine = _transforms(sig)
    else:
        genuine = k.child(k.child(sig, k.ds("SignedInfo")), k.ds("CanonicalizationMethod"))
    genuine.getparent().replace(genuine, _poison(decoy))
    with pytest.raises(ValidationError):
        validate_response(k.dump(placed), **k.options())


@pytest.mark.parametrize("holder", ["extensions", "status-detail"])
@pytest.mark.parametrize("decoy", ["DigestValue", "Transforms"])
def test_d8_decoy_that_would_make_evil_verify(holder: str, decoy: str) -> None:
    # the exploit form: a decoy a naive reader would use to make EVIL content meet the genuine signature
    tree = k.signed("A")
    assertion = k.assertion(tree)
    if decoy == "DigestValue":
        element = etree.Element(k.ds(decoy))
        element.text = _evil_digest(tree)  # the digest of the EVIL assertion, as SAMLStorm smuggles
        k.evil(assertion)
    else:
        # EVIL adds an Attribute; a decoy XPath filter that drops it leaves the genuine digest intact
        statement = next(assertion.iter(NS.saml("AttributeStatement")))
        extra = etree.SubElement(statement, NS.saml("Attribute"), Name="urn:evil:admin")
        etree.SubElement(extra, NS.saml("AttributeValue")).text = "true"
        element = etree.Element(k.ds(decoy))
        etree.SubElement(element, k.ds("Transform"), Algorithm=ENVELOPED)
        xpath = etree.SubElement(
            element, k.ds("Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
        )
        etree.SubElement(xpath, k.ds("XPath")).text = "not(ancestor-or-self::*[@Name='urn:evil:admin'])"
        etree.SubElement(element, k.ds("Transform"), Algorithm=EXC_C14N)
    _place(tree, holder, element)
    k.reject(k.dump(tree), k.SIG_INVALID)


# ------------------------------------------------------------------------------------------ D9


def test_d9a_enveloped_transform_missing() -> None:
    tree = k.signed("A")
    transforms = _transforms(_assertion_signature(tree))
    transforms.remove(transforms[0])
    k.reject(k.dump(tree), k.PROFILE)


def test_d9b_too_many_transforms() -> None:
    tree = k.signed("A")
    transforms = _transforms(_assertion_signature(tree))
    transforms.insert(0, copy.deepcopy(transforms[0]))
    k.reject(k.dump(tree), k.PROFILE)


XSLT = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:template match="/"><xsl:copy-of select="document('{file}')"/><xsl:copy-of select="document('{url}')"/>
</xsl:template></xsl:stylesheet>"""


def test_d9c_xslt_transform(canary: Canary) -> None:
    tree = k.signed("A")
    transforms = _transforms(_assertion_signature(tree))
    xslt = etree.Element(k.ds("Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116")
    stylesheet = XSLT.replace("{file}", canary.file_url).replace("{url}", canary.url)
    xslt.append(etree.fromstring(stylesheet))  # noqa: S320 - our own constant
    transforms.insert(1, xslt)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize(
    ("algorithm", "expression"),
    [
        ("http://www.w3.org/TR/1999/REC-xpath-19991116", "not(ancestor-or-self::saml:AttributeStatement)"),
        ("http://www.w3.org/TR/1999/REC-xpath-19991116", "count(//. | //@* | //namespace::*) > 0" * 20),
        ("http://www.w3.org/2002/06/xmldsig-filter2", "//saml:AttributeStatement"),
    ],
    ids=["xpath", "xpath-pathological", "xpath-filter2"],
)
def test_d9d_xpath_transform(algorithm: str, expression: str) -> None:
    tree = k.signed("A")
    transforms = _transforms(_assertion_signature(tree))
    transform = etree.Element(k.ds("Transform"), Algorithm=algorithm)
    etree.SubElement(transform, k.ds("XPath")).text = expression
    transforms.insert(1, transform)
    transforms.remove(transforms[2])
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize(
    "algorithm",
    [
        "http://www.w3.org/2000/09/xmldsig#base64",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    ],
    ids=["base64", "exc-with-comments", "c14n10-with-comments", "c14n11-with-comments"],
)
def test_d9e_other_c14n_transform(algorithm: str) -> None:
    tree = k.signed("A")
    _transforms(_assertion_signature(tree))[1].set("Algorithm", algorithm)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("algorithm", [EXC_C14N + "WithComments", C14N10 + "#WithComments", ""])
def test_d9e_signed_info_c14n_with_comments(algorithm: str) -> None:
    tree = k.signed("A")
    sig = _assertion_signature(tree)
    k.path(sig, k.ds("SignedInfo"), k.ds("CanonicalizationMethod")).set("Algorithm", algorithm)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("method", [C14N10, C14N11])
def test_d9e_inclusive_c14n_without_comments_is_a_control(method: str) -> None:
    # fixture mode: the IdP signs with inclusive c14n 1.0 / 1.1 for the Reference; allowed by R19
    tree = k.unsigned()
    sig = sign_enveloped(k.assertion(tree), fx.idp_keys())
    _transforms(sig)[1].set("Algorithm", method)
    k.resign(sig, digest_of=k.canonical(k.assertion(tree), exclusive=False))
    k.accept(k.dump(tree))


@pytest.mark.parametrize("algorithm", ["", "urn:x"])
def test_d9f_unknown_or_empty_transform_algorithm(algorithm: str) -> None:
    tree = k.signed("A")
    _transforms(_assertion_signature(tree))[1].set("Algorithm", algorithm)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("change", ["add", "remove"])
def test_d9g_inclusive_namespaces_prefix_list_tampered(change: str) -> None:
    tree = k.unsigned()
    data = k.sign_parts(tree, "A", inclusive_prefixes=["xs"] if change == "remove" else ["saml"])
    tree = fx.parse(data)
    k.accept(data)  # the positive twin: <ec:InclusiveNamespaces PrefixList=...> as signed
    prefix_list = next(_transforms(_assertion_signature(tree))[1].iter())
    inclusive = [node for node in prefix_list.iter() if node.tag.endswith("InclusiveNamespaces")][0]
    inclusive.set("PrefixList", "xs samlp" if change == "add" else "")
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_d9h_nested_signature_for_a_naive_enveloped_transform() -> None:
    tree = k.signed("RA")
    k.signature(k.assertion(tree)).append(copy.deepcopy(k.signature(tree)))
    k.reject(k.dump(tree), k.PROFILE)


# ------------------------------------------------------------------------------------------ D10-D14


@pytest.mark.parametrize("manifest", [False, True], ids=["object", "object-with-manifest"])
def test_d10_ds_object_or_manifest(manifest: bool) -> None:
    tree = k.signed("A")
    holder = etree.SubElement(_assertion_signature(tree), k.ds("Object"))
    if manifest:
        listing = etree.SubElement(holder, k.ds("Manifest"))
        reference = copy.deepcopy(_reference(_assertion_signature(tree)))
        reference.set("URI", "#_evil")
        listing.append(reference)
        evil_part = k.evil(k.pristine(k.assertion(tree)))
        evil_part.set("ID", "_evil")
        holder.append(evil_part)
    k.reject(k.dump(tree), k.COUNT if manifest else k.PROFILE)


def test_d10_signature_properties() -> None:
    tree = k.signed("A")
    holder = etree.SubElement(_assertion_signature(tree), k.ds("Object"))
    properties = etree.SubElement(holder, k.ds("SignatureProperties"))
    prop = etree.SubElement(properties, k.ds("SignatureProperty"), Target="#_A")
    etree.SubElement(prop, "{urn:x}Info")
    k.reject(k.dump(tree), k.PROFILE)


def _void_c14n_case(with_doctype: bool) -> bytes:
    """SAML Raider CVE_2025_25292.java, regenerated: the genuine signature moved into StatusDetail as a
    prefix-less Signature, a new Assertion Signature digesting the empty string, and a non-ASCII namespace."""
    tree = k.signed("RA")
    genuine = k.signature(k.assertion(tree))
    k.strip_signature(tree)
    k.strip_signature(k.assertion(tree))
    k.evil(k.assertion(tree))
    forged = copy.deepcopy(genuine)
    empty_digest = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    k.child(_reference(forged), k.ds("DigestValue")).text = empty_digest
    k.child(k.assertion(tree), NS.saml("Issuer")).addnext(forged)
    detail = etree.SubElement(k.child(tree, NS.samlp("Status")), NS.samlp("StatusDetail"))
    moved = etree.SubElement(detail, "Signature")
    for part in list(genuine):
        moved.append(part)
    data = k.dump(tree).replace(
        b"<saml:Assertion ", b'<saml:Assertion xmlns:example="http://example.com\xc2\x80" ', 1
    )
    if with_doctype:
        dtd = (
            b"<!DOCTYPE Response [<!ATTLIST Signature xmlns CDATA #FIXED "
            b'"http://www.w3.org/2000/09/xmldsig#">]>'
        )
        data = dtd + data
    return data


def test_d11_void_canonicalisation_full_recipe() -> None:
    k.reject(_void_c14n_case(with_doctype=True), k.DTD)


def test_d11_void_canonicalisation_without_dtd() -> None:
    """R24's trigger (a namespace URI outside printable ASCII) is refused by the parser, gate 2, before any
    signature is looked at; the first failing gate decides the code (SECURITY.md 1.0), so it is malformed_xml
    rather than the signature_invalid R24 names for the same input reaching gate 4."""
    k.reject(_void_c14n_case(with_doctype=False), k.MALFORMED)


def _signature_value(tree: etree._Element) -> etree._Element:
    return k.child(_assertion_signature(tree), k.ds("SignatureValue"))


@pytest.mark.parametrize("edit", ["truncated", "zero-padded", "not-base64", "empty", "der-prefixed"])
def test_d12_signature_value_encoding(edit: str) -> None:
    tree = k.signed("A")
    node = _signature_value(tree)
    raw = base64.b64decode("".join((node.text or "").split()))
    node.text = {
        "truncated": base64.b64encode(raw[:-1]).decode(),
        "zero-padded": base64.b64encode(b"\x00" + raw).decode(),
        "not-base64": "!!" + (node.text or ""),
        "empty": "",
        "der-prefixed": base64.b64encode(b"\x30\x82\x01\x04" + raw).decode(),
    }[edit]
    k.reject(k.dump(tree), k.SIG_INVALID)


def _wrap_values(sig: etree._Element) -> None:
    digest = k.child(_reference(sig), k.ds("DigestValue"))
    text = digest.text or ""
    digest.text = text[:8] + "\n " + text[8:20] + "\t" + text[20:]
    k.resign(sig)
    value = k.child(sig, k.ds("SignatureValue"))
    compact = "".join((value.text or "").split())
    value.text = "\n".join(compact[i : i + 64] for i in range(0, len(compact), 64))


def test_d12_whitespace_inside_values_is_a_control() -> None:
    # fixture mode: an IdP that emits whitespace inside DigestValue and line-wrapped SignatureValues
    tree = k.unsigned()
    _wrap_values(sign_enveloped(k.assertion(tree), fx.idp_keys()))
    _wrap_values(sign_enveloped(tree, fx.idp_keys()))
    k.accept(k.dump(tree))


def _signature_namespace(tree: etree._Element, form: str) -> None:
    """Move the Assertion's Signature subtree out of the xmldsig namespace; every element and value stays."""
    sig = _assertion_signature(tree)
    target = {
        "no-namespace": None,
        "fake-namespace": "http://evil/",
        "lookalike-namespace": "http://www.w3.org/2000/09/xmldsig",
        "ds-rebound-on-the-assertion": "http://evil/",
    }[form]
    for element in sig.iter(etree.Element):
        local = etree.QName(element).localname
        element.tag = local if target is None else f"{{{target}}}{local}"
    etree.cleanup_namespaces(tree)


@pytest.mark.parametrize(
    "form", ["no-namespace", "fake-namespace", "lookalike-namespace", "ds-rebound-on-the-assertion"]
)
def test_d13_signature_in_another_namespace(form: str) -> None:
    tree = k.signed("A")
    _signature_namespace(tree, form)
    data = k.dump(tree)
    if form == "ds-rebound-on-the-assertion":
        # the ds: prefix itself now names another namespace, declared on the Assertion
        data = data.replace(b'xmlns:ns0="http://evil/"', b'xmlns:ds="http://evil/"').replace(b"ns0:", b"ds:")
        assert b"<ds:Signature" in data and b'xmlns:ds="http://evil/"' in data
    data = data.replace(b">alice@attacker.example<", b">admin@victim.example<")
    # a well-formed document (never the parser's undeclared-prefix error): the schema (R10, gate 3) finds an
    # element it does not allow where the Signature was, and no xmldsig Signature covers the assertion
    error = k.reject(data, k.MALFORMED)
    assert "prefix" not in error.detail and "schema" in error.detail.lower()
    # the twin: the same tree with its Signature left in the xmldsig namespace is accepted
    assert k.accept(k.dump(k.signed("A"))).name_id == fx.NAME_ID


def test_d13_default_dsig_namespace_on_another_element_is_a_control() -> None:
    dsig_default = b'<saml:Issuer xmlns="http://www.w3.org/2000/09/xmldsig#" '
    data = k.replace_bytes(fx.f0("RA"), b"<saml:Issuer ", dsig_default)
    k.accept(data)


def test_d14_id_in_another_namespace() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    k.evil(original)
    original.set("ID", "_evil")
    original.set("{urn:x}ID", "_A")
    k.reject(k.dump(tree), k.PROFILE)


def test_d14_id_alongside_xml_id() -> None:
    tree = k.signed("A")
    k.assertion(tree).set("{http://www.w3.org/XML/1998/namespace}ID", "_A2")
    k.reject(k.dump(tree), k.PROFILE)
