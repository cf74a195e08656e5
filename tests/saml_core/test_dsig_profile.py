"""The XML-DSig profile gate, one attack per test (SECURITY.md R12, R15-R28; catalogue C, D1-D14, E1-E10).

Fixture mode unless said otherwise: ``manual_sign`` produces a cryptographically VALID signature with the
hostile shape, so only the rule under test can reject it; each test asserts the exact code, and each attack
has a positive twin (``*_control_*``). ``no_crypto`` proves a rule fired before xmlsec ran.

CVEs guarded: xml-crypto CVE-2025-29774/29775 (SAMLStorm), CVE-2024-32962 (KeyInfo trusted); pysaml2
CVE-2021-21239 (KeyValue), CVE-2020-5390; ruby-saml CVE-2024-45409, CVE-2025-66567; goxmldsig CVE-2020-15216;
xmlseclibs CVE-2019-3465; CVE-2009-0217 (HMAC truncation); Keycloak CVE-2024-8698.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from saml_core import KeyPair
from saml_core import SignaturePolicy
from saml_core import VerifiedElement
from saml_core import check_signature_profile
from saml_core import parse_xml
from saml_core.constants import NS
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from saml_core.constants import Transform
from saml_core.errors import SAMLError
from tests.saml_core.builders import EVIL_NAME_ID
from tests.saml_core.builders import HMAC_SHA1
from tests.saml_core.builders import HMAC_SHA256
from tests.saml_core.builders import NAME_ID
from tests.saml_core.builders import Profile
from tests.saml_core.builders import assertion_of
from tests.saml_core.builders import evil
from tests.saml_core.builders import keypair_for
from tests.saml_core.builders import manual_sign
from tests.saml_core.builders import name_id_of
from tests.saml_core.builders import response
from tests.saml_core.builders import signature_of
from tests.saml_core.builders import signed_response
from tests.saml_core.builders import tamper
from tests.saml_core.builders import to_bytes
from tests.saml_core.builders import verify_assertion
from tests.saml_core.builders import verify_root

ENV = Transform.ENVELOPED.value
EXC = Transform.EXC_C14N.value
C14N = Transform.C14N.value
C14N11 = Transform.C14N11.value
SHA1_POLICY = SignaturePolicy(allow_sha1=True)
Edit = Callable[[etree._Element], object]


def f0_a(keys: KeyPair, profile: Profile = Profile(), *, before: Edit | None = None) -> bytes:
    """F0-A signed by ``manual_sign``; ``before`` edits the document before signing (fixture mode)."""
    root = response()
    if before is not None:
        before(root)
    manual_sign(assertion_of(root), keys, profile)
    return to_bytes(root)


def rejected(data: bytes, keys: KeyPair, code: str, policy: SignaturePolicy = SignaturePolicy()) -> SAMLError:
    with pytest.raises(SAMLError) as info:
        verify_assertion(data, [keys.trusted], policy)
    assert info.value.code == code, f"{info.value.code}: {info.value.detail}"
    return info.value


def accepted(data: bytes, keys: KeyPair, policy: SignaturePolicy = SignaturePolicy()) -> VerifiedElement:
    verified = verify_assertion(data, [keys.trusted], policy)
    assert name_id_of(verified.element) == NAME_ID
    return verified


def ds(local: str, **attrs: str) -> etree._Element:
    return etree.Element(NS.ds(local), nsmap={"ds": NS.DS}, **attrs)


def first(node: etree._Element, local: str) -> etree._Element:
    found = node.find(f".//{NS.ds(local)}")
    assert found is not None, local
    return found


# -------------------------------------------------------------------------------- the control (F0-A)


def test_control_f0_assertion_signature_verifies(idp_keys: KeyPair) -> None:
    verified = accepted(f0_a(idp_keys), idp_keys)
    assert verified.element.tag == NS.saml("Assertion")
    assert verified.element.find(NS.ds("Signature")) is None  # the enveloped transform removed it
    assert verified.key.same_key(idp_keys.trusted)


def test_control_signature_info_reads_the_profile(idp_keys: KeyPair) -> None:
    root = parse_xml(f0_a(idp_keys, Profile(ref_prefixes=("xs",), c14n_prefixes=("saml",))))
    info = check_signature_profile(signature_of(assertion_of(root)), assertion_of(root))
    assert (info.method, info.digest, info.c14n, info.ref_c14n) == (
        SignatureMethod.RSA_SHA256,
        DigestMethod.SHA256,
        Transform.EXC_C14N,
        Transform.EXC_C14N,
    )
    assert (info.c14n_prefixes, info.ref_prefixes) == (("saml",), ("xs",))
    assert info.keyinfo_certs == (idp_keys.cert_der,)


# ------------------------------------------------------------------------- R15, R16, D13: which Signature


def test_c1_unsigned_element_is_signature_missing(idp_keys: KeyPair) -> None:
    rejected(to_bytes(response()), idp_keys, "signature_missing")


def test_d13_signature_without_namespace_is_unsigned(idp_keys: KeyPair) -> None:
    def strip_namespace(root: etree._Element) -> None:
        for node in signature_of(assertion_of(root)).iter():
            node.tag = etree.QName(node).localname

    rejected(tamper(f0_a(idp_keys), strip_namespace), idp_keys, "signature_missing")


def test_d13_signature_in_a_lookalike_namespace_is_unsigned(idp_keys: KeyPair) -> None:
    data = f0_a(idp_keys, Profile(prefix="fake")).replace(
        b'xmlns:fake="http://www.w3.org/2000/09/xmldsig#"', b'xmlns:fake="http://evil.invalid/"'
    )
    rejected(data, idp_keys, "signature_missing")


def test_d13_control_default_namespace_ds_verifies(idp_keys: KeyPair) -> None:
    data = f0_a(idp_keys, Profile(prefix=None))
    assert b"<Signature xmlns=" in data
    accepted(data, idp_keys)


def test_r16_signature_inside_the_assertion_does_not_sign_the_response(idp_keys: KeyPair) -> None:
    with pytest.raises(SAMLError) as info:
        verify_root(f0_a(idp_keys), [idp_keys.trusted])
    assert info.value.code == "signature_missing"


def test_r16_profile_gate_refuses_a_signature_checked_against_another_parent(idp_keys: KeyPair) -> None:
    """A10/A11: a Signature sitting in the Assertion but naming the Response is not the Response's."""
    root = parse_xml(f0_a(idp_keys, Profile(uri="#_R")))
    with pytest.raises(SAMLError) as info:
        check_signature_profile(signature_of(assertion_of(root)), root)
    assert info.value.code == "signature_profile_violation"
    moved = parse_xml(f0_a(idp_keys, Profile(uri="#_R")))
    signature = signature_of(assertion_of(moved))
    moved.insert(1, signature)  # the twin: where the Response's signature belongs, the gate passes
    assert check_signature_profile(signature, moved).method is SignatureMethod.RSA_SHA256


def test_d9h_two_signatures_on_one_element_rejected(idp_keys: KeyPair) -> None:
    def duplicate(root: etree._Element) -> None:
        signature = signature_of(assertion_of(root))
        signature.addnext(copy.deepcopy(signature))

    root = parse_xml(tamper(f0_a(idp_keys), lambda r: None))
    assert len(root.findall(f"{NS.saml('Assertion')}/{NS.ds('Signature')}")) == 1
    rejected(tamper(f0_a(idp_keys), duplicate), idp_keys, "signature_profile_violation")


def test_d9h_nested_signature_copy_is_not_stripped(idp_keys: KeyPair) -> None:
    """A naive enveloped transform strips the first Signature found; ours strips only the verified one."""

    def nest(root: etree._Element) -> None:
        subject = assertion_of(root).find(NS.saml("Subject"))
        assert subject is not None
        subject.append(copy.deepcopy(signature_of(assertion_of(root))))

    rejected(tamper(f0_a(idp_keys), nest), idp_keys, "signature_invalid")


# ------------------------------------------------------------------------------ R17: the exact shape


def _add_reference_to_response(signed_info: etree._Element) -> None:
    extra = copy.deepcopy(signed_info.find(NS.ds("Reference")))
    assert extra is not None
    extra.set("URI", "#_R")
    signed_info.append(extra)


def test_d4_two_references_rejected(idp_keys: KeyPair) -> None:
    rejected(
        f0_a(idp_keys, Profile(edit_signed_info=_add_reference_to_response)),
        idp_keys,
        "signature_profile_violation",
    )


def test_d4_second_reference_added_by_attacker_rejected(idp_keys: KeyPair) -> None:
    data = tamper(f0_a(idp_keys), lambda r: _add_reference_to_response(first(assertion_of(r), "SignedInfo")))
    rejected(data, idp_keys, "signature_profile_violation")


def test_d4_control_single_reference_verifies(idp_keys: KeyPair) -> None:
    root = parse_xml(f0_a(idp_keys))
    assert len(first(assertion_of(root), "SignedInfo").findall(NS.ds("Reference"))) == 1
    accepted(to_bytes(root), idp_keys)


def _evil_signed_info(position: str) -> Edit:
    """D5: a second SignedInfo whose DigestValue is the digest of the EVIL Assertion."""

    def edit(root: etree._Element) -> None:
        a = assertion_of(root)
        signature = signature_of(a)
        forged = copy.deepcopy(signature[0])
        evil(root)
        body = copy.deepcopy(a)
        body.remove(body.find(NS.ds("Signature")))
        digest = hashlib.sha256(etree.tostring(body, method="c14n", exclusive=True)).digest()
        first(forged, "DigestValue").text = base64.b64encode(digest).decode()
        if position == "wrapped":
            wrapper = ds("Object")
            wrapper.append(signature[0])
            signature.insert(0, forged)
            signature.append(wrapper)
        else:
            signature.insert(0 if position == "before" else 1, forged)

    return edit


@pytest.mark.parametrize("position", ["before", "after", "wrapped"])
def test_d5_second_signed_info_rejected(idp_keys: KeyPair, position: str) -> None:
    rejected(tamper(f0_a(idp_keys), _evil_signed_info(position)), idp_keys, "signature_profile_violation")


def test_d5_two_signature_values_rejected(idp_keys: KeyPair) -> None:
    def twice(root: etree._Element) -> None:
        value = first(assertion_of(root), "SignatureValue")
        value.addnext(copy.deepcopy(value))

    rejected(tamper(f0_a(idp_keys), twice), idp_keys, "signature_profile_violation")


def test_d5_control_signature_with_one_of_each_verifies(idp_keys: KeyPair) -> None:
    signature = signature_of(assertion_of(parse_xml(f0_a(idp_keys))))
    assert [etree.QName(c).localname for c in signature] == ["SignedInfo", "SignatureValue", "KeyInfo"]
    accepted(f0_a(idp_keys), idp_keys)


@pytest.mark.parametrize("manifest", [False, True], ids=["object", "object-with-manifest"])
def test_d10_object_in_signature_rejected(idp_keys: KeyPair, manifest: bool) -> None:
    def add_object(root: etree._Element) -> None:
        obj = ds("Object")
        if manifest:
            reference = etree.SubElement(
                etree.SubElement(obj, NS.ds("Manifest")), NS.ds("Reference"), URI="#_R"
            )
            etree.SubElement(reference, NS.ds("DigestMethod"), Algorithm=DigestMethod.SHA256.value)
            etree.SubElement(reference, NS.ds("DigestValue")).text = "AAAA"
        signature_of(assertion_of(root)).append(obj)

    rejected(tamper(f0_a(idp_keys), add_object), idp_keys, "signature_profile_violation")


def test_r17_keyinfo_before_signature_value_rejected(idp_keys: KeyPair) -> None:
    def swap(root: etree._Element) -> None:
        signature = signature_of(assertion_of(root))
        signature.insert(1, signature[2])

    rejected(tamper(f0_a(idp_keys), swap), idp_keys, "signature_profile_violation")


def test_r17_text_inside_signed_info_rejected(idp_keys: KeyPair) -> None:
    def add_text(signed_info: etree._Element) -> None:
        signed_info[0].tail = "admin@victim.example"

    rejected(f0_a(idp_keys, Profile(edit_signed_info=add_text)), idp_keys, "signature_profile_violation")


def test_r17_unexpected_reference_attribute_rejected(idp_keys: KeyPair) -> None:
    def add_attribute(signed_info: etree._Element) -> None:
        first(signed_info, "Reference").set("Foo", "bar")

    rejected(f0_a(idp_keys, Profile(edit_signed_info=add_attribute)), idp_keys, "signature_profile_violation")


def test_r17_control_reference_id_and_type_attributes_verify(idp_keys: KeyPair) -> None:
    def add_attributes(signed_info: etree._Element) -> None:
        first(signed_info, "Reference").set("Id", "ref1")
        first(signed_info, "Reference").set("Type", "http://www.w3.org/2000/09/xmldsig#Object")

    accepted(f0_a(idp_keys, Profile(edit_signed_info=add_attributes)), idp_keys)


# ------------------------------------------------------------------------------ R18: the Reference URI


@pytest.mark.parametrize("uri", ["", None], ids=["empty", "absent"])
def test_d1_whole_document_reference_rejected(idp_keys: KeyPair, uri: str | None, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(uri=uri)), idp_keys, "signature_profile_violation")


def test_d1_control_fragment_reference_verifies(idp_keys: KeyPair) -> None:
    assert b'URI="#_A"' in f0_a(idp_keys)
    accepted(f0_a(idp_keys), idp_keys)


@pytest.mark.parametrize(
    "uri",
    [
        "http://attacker.invalid/x",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "foo.xml",
        "#_A?x",
        "#_A#x",
        "#%5FA",
        " #_A",
        "#_A ",
        "#_a",
    ],
)
def test_d2_external_or_mangled_reference_rejected_before_xmlsec(
    idp_keys: KeyPair, uri: str, no_crypto: None
) -> None:
    rejected(f0_a(idp_keys, Profile(uri=uri)), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize("uri", ["#xpointer(/)", "#xpointer(id('_A'))", "#xpointer(//*[@ID='_A'])"])
def test_d3_xpointer_reference_rejected(idp_keys: KeyPair, uri: str, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(uri=uri)), idp_keys, "signature_profile_violation")


def test_a10_reference_to_another_element_rejected(idp_keys: KeyPair) -> None:
    rejected(f0_a(idp_keys, Profile(uri="#_R")), idp_keys, "signature_profile_violation")


# ------------------------------------------------------------------------- R19/R20 and D9: transforms


def _transforms(*algorithms: str) -> Profile:
    return Profile(transforms=algorithms)


@pytest.mark.parametrize(
    "transforms",
    [(EXC,), (ENV, ENV, EXC), (EXC, ENV), (ENV, EXC, EXC), ()],
    ids=["d9a-missing-enveloped", "d9b-too-many", "d9b-wrong-order", "d9b-two-c14n", "no-transform"],
)
def test_d9ab_transform_list_rejected(
    idp_keys: KeyPair, transforms: tuple[str, ...], no_crypto: None
) -> None:
    rejected(f0_a(idp_keys, _transforms(*transforms)), idp_keys, "signature_profile_violation")


def test_d9c_xslt_transform_rejected_before_xmlsec(idp_keys: KeyPair, no_crypto: None) -> None:
    def stylesheet(signed_info: etree._Element) -> None:
        transform = first(signed_info, "Transforms")[1]
        xsl = etree.SubElement(transform, "{http://www.w3.org/1999/XSL/Transform}stylesheet", version="2.0")
        etree.SubElement(
            xsl, "{http://www.w3.org/1999/XSL/Transform}value-of", select="unparsed-text('/etc/passwd')"
        )

    profile = Profile(
        transforms=(ENV, "http://www.w3.org/TR/1999/REC-xslt-19991116"), edit_signed_info=stylesheet
    )
    rejected(f0_a(idp_keys, profile), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize(
    ("algorithm", "child"),
    [
        ("http://www.w3.org/TR/1999/REC-xpath-19991116", NS.ds("XPath")),
        ("http://www.w3.org/2002/06/xmldsig-filter2", "{http://www.w3.org/2002/06/xmldsig-filter2}XPath"),
    ],
    ids=["xpath", "xpath-filter2"],
)
def test_d9d_xpath_transform_rejected(idp_keys: KeyPair, algorithm: str, child: str, no_crypto: None) -> None:
    def expression(signed_info: etree._Element) -> None:
        node = etree.SubElement(first(signed_info, "Transforms")[1], child, Filter="subtract")
        node.text = "not(ancestor-or-self::saml:AttributeStatement)"

    rejected(
        f0_a(idp_keys, Profile(transforms=(ENV, algorithm), edit_signed_info=expression)),
        idp_keys,
        "signature_profile_violation",
    )


@pytest.mark.parametrize(
    "algorithm",
    [
        EXC + "WithComments",
        C14N + "#WithComments",
        C14N11 + "#WithComments",
        "http://www.w3.org/2000/09/xmldsig#base64",
    ],
)
def test_d9e_other_reference_c14n_rejected(idp_keys: KeyPair, algorithm: str, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, _transforms(ENV, algorithm)), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize("algorithm", [EXC + "WithComments", C14N + "#WithComments", ENV, ""])
def test_d9e_other_signed_info_c14n_rejected(idp_keys: KeyPair, algorithm: str, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(c14n=algorithm)), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize(
    ("transforms", "c14n"),
    [((ENV, C14N), C14N), ((ENV, C14N11), C14N11), ((ENV,), EXC), ((ENV, EXC), C14N11)],
    ids=["c14n10", "c14n11", "enveloped-only", "mixed"],
)
def test_d9e_control_inclusive_c14n_without_comments_verifies(
    idp_keys: KeyPair, transforms: tuple[str, ...], c14n: str
) -> None:
    accepted(f0_a(idp_keys, Profile(transforms=transforms, c14n=c14n)), idp_keys)


@pytest.mark.parametrize("algorithm", ["", "urn:x", "http://www.w3.org/2000/09/xmldsig#enveloped-signature "])
def test_d9f_unknown_or_empty_transform_rejected(idp_keys: KeyPair, algorithm: str, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, _transforms(ENV, algorithm)), idp_keys, "signature_profile_violation")


def test_d9f_transform_without_algorithm_rejected(idp_keys: KeyPair, no_crypto: None) -> None:
    def drop(signed_info: etree._Element) -> None:
        del first(signed_info, "Transforms")[1].attrib["Algorithm"]

    rejected(f0_a(idp_keys, Profile(edit_signed_info=drop)), idp_keys, "signature_profile_violation")


def test_d9g_prefix_list_tampered_rejected(idp_keys: KeyPair) -> None:
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    root = response(root_nsmap=xs)  # xs declared on the Response, outside the signed Assertion
    manual_sign(assertion_of(root), idp_keys, Profile(ref_prefixes=("xs",)))
    data = to_bytes(root)
    accepted(data, idp_keys)  # the twin: PrefixList honoured with an ancestor's declaration

    def drop_prefix(r: etree._Element) -> None:
        first(assertion_of(r), "Transforms")[1][0].set("PrefixList", "saml")

    rejected(tamper(data, drop_prefix), idp_keys, "signature_invalid")


@pytest.mark.parametrize("where", ["transform", "c14n-method"])
def test_r19_r20_inclusive_namespaces_only_under_exc_c14n(
    idp_keys: KeyPair, where: str, no_crypto: None
) -> None:
    def add(signed_info: etree._Element) -> None:
        target = first(signed_info, "Transforms")[1] if where == "transform" else signed_info[0]
        etree.SubElement(
            target, "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces", PrefixList="xs"
        )

    profile = Profile(transforms=(ENV, C14N), c14n=C14N, edit_signed_info=add)
    rejected(f0_a(idp_keys, profile), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize("extra", ["second-prefix-list", "foreign-child", "nested-child"])
def test_r19_only_one_plain_inclusive_namespaces_child(
    idp_keys: KeyPair, extra: str, no_crypto: None
) -> None:
    def add(signed_info: etree._Element) -> None:
        transform = first(signed_info, "Transforms")[1]
        prefix_list = transform[0]
        if extra == "second-prefix-list":
            transform.append(copy.deepcopy(prefix_list))
        elif extra == "foreign-child":
            etree.SubElement(transform, NS.ds("XPath")).text = "1"
        else:
            etree.SubElement(prefix_list, NS.ds("XPath")).text = "1"

    rejected(
        f0_a(idp_keys, Profile(ref_prefixes=("xs",), edit_signed_info=add)),
        idp_keys,
        "signature_profile_violation",
    )


def test_r19_enveloped_transform_with_content_rejected(idp_keys: KeyPair, no_crypto: None) -> None:
    def add(signed_info: etree._Element) -> None:
        etree.SubElement(first(signed_info, "Transforms")[0], NS.ds("XPath")).text = "1"

    rejected(f0_a(idp_keys, Profile(edit_signed_info=add)), idp_keys, "signature_profile_violation")


# ------------------------------------------------------------- D6-D8: digests read from the wrong place


def test_d6_decoy_reference_in_a_rebound_ds_prefix_rejected(idp_keys: KeyPair) -> None:
    """A prefix-based reader sees the decoy ``ds:Reference`` (ds rebound to another namespace) first."""

    def decoy(signed_info: etree._Element) -> None:
        fake = etree.Element("{urn:evil}Reference", nsmap={"ds": "urn:evil"}, URI="#_evil")
        signed_info.insert(2, fake)

    rejected(f0_a(idp_keys, Profile(edit_signed_info=decoy)), idp_keys, "signature_profile_violation")


def test_d6_control_any_prefix_for_the_ds_namespace_verifies(idp_keys: KeyPair) -> None:
    data = f0_a(idp_keys, Profile(prefix="dsig"))
    assert b"<dsig:Reference" in data
    accepted(data, idp_keys)


def test_d7_comment_in_digest_value_rejected(idp_keys: KeyPair) -> None:
    """SAMLStorm (CVE-2025-29775): <!--digest of EVIL-->original; the comment must never be read."""
    data = f0_a(idp_keys)
    root = parse_xml(data)
    original = first(assertion_of(root), "DigestValue").text or ""
    evil(root)
    body = copy.deepcopy(assertion_of(root))
    body.remove(body.find(NS.ds("Signature")))
    forged = base64.b64encode(hashlib.sha256(etree.tostring(body, method="c14n", exclusive=True)).digest())
    hostile = to_bytes(root).replace(original.encode(), b"<!--" + forged + b"-->" + original.encode())
    rejected(hostile, idp_keys, "unsigned_content")


@pytest.mark.parametrize("insert", [b"<?x y?>", b"<!---->"], ids=["pi", "comment-after"])
def test_d7_markup_in_digest_value_rejected(idp_keys: KeyPair, insert: bytes) -> None:
    data = f0_a(idp_keys).replace(b"</ds:DigestValue>", insert + b"</ds:DigestValue>")
    rejected(data, idp_keys, "unsigned_content")


def test_d7_control_whitespace_around_digest_value_verifies(idp_keys: KeyPair) -> None:
    data = (
        f0_a(idp_keys)
        .replace(b"<ds:DigestValue>", b"<ds:DigestValue>\n  ")
        .replace(b"</ds:DigestValue>", b"\n</ds:DigestValue>")
    )
    rejected(data, idp_keys, "signature_invalid")  # SignedInfo changed: the signature no longer covers it
    accepted(f0_a(idp_keys, Profile(wrap_base64=True)), idp_keys)  # signed that way: fine (R23)


def test_d8_digest_value_outside_the_reference_is_never_read(idp_keys: KeyPair) -> None:
    """ruby-saml CVE-2024-45409: a DigestValue planted in Extensions for the EVIL Assertion."""

    def plant(root: etree._Element) -> None:
        evil(root)
        body = copy.deepcopy(assertion_of(root))
        body.remove(body.find(NS.ds("Signature")))
        extensions = etree.Element(NS.samlp("Extensions"))
        value = etree.SubElement(extensions, NS.ds("DigestValue"))
        value.text = base64.b64encode(
            hashlib.sha256(etree.tostring(body, method="c14n", exclusive=True)).digest()
        )
        root.insert(1, extensions)

    rejected(tamper(f0_a(idp_keys), plant), idp_keys, "signature_invalid")


def test_d8_control_unrelated_response_extensions_leave_the_assertion_signature_intact(
    idp_keys: KeyPair,
) -> None:
    def extend(root: etree._Element) -> None:
        root.insert(1, etree.Element(NS.samlp("Extensions")))

    accepted(tamper(f0_a(idp_keys), extend), idp_keys)


# ------------------------------------------------------------------------ R21: algorithms (E5-E7)


@pytest.mark.parametrize("method", [HMAC_SHA1, HMAC_SHA256])
def test_e5_hmac_rejected(idp_keys: KeyPair, method: str, no_crypto: None) -> None:
    """The IdP's public certificate used as an HMAC key (xml-crypto < 2.0.0, xmlseclibs < 4.0)."""
    data = f0_a(idp_keys, Profile(method=method))
    rejected(data, idp_keys, "algorithm_forbidden")
    rejected(data, idp_keys, "algorithm_forbidden", SignaturePolicy(allow_sha1=True, min_rsa_bits=1024))


@pytest.mark.parametrize("length", ["0", "1", "80", "160"])
def test_e6_hmac_output_length_rejected(idp_keys: KeyPair, length: str, no_crypto: None) -> None:
    def truncate(signed_info: etree._Element) -> None:
        etree.SubElement(signed_info[1], NS.ds("HMACOutputLength")).text = length

    data = f0_a(idp_keys, Profile(method=HMAC_SHA1, edit_signed_info=truncate, value=lambda v: v[:1]))
    rejected(data, idp_keys, "algorithm_forbidden")


def test_e6_any_child_of_signature_method_rejected(idp_keys: KeyPair) -> None:
    def add(signed_info: etree._Element) -> None:
        etree.SubElement(signed_info[1], NS.ds("HMACOutputLength")).text = "160"

    rejected(f0_a(idp_keys, Profile(edit_signed_info=add)), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize(
    "method",
    [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-ripemd160",
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
        "",
        "urn:x",
    ],
)
def test_e7_weak_or_unknown_signature_method_rejected(
    idp_keys: KeyPair, method: str, no_crypto: None
) -> None:
    rejected(f0_a(idp_keys, Profile(method=method)), idp_keys, "algorithm_forbidden", SHA1_POLICY)


@pytest.mark.parametrize(
    "digest",
    [
        "http://www.w3.org/2001/04/xmldsig-more#md5",
        "http://www.w3.org/2001/04/xmlenc#ripemd160",
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
        "http://www.w3.org/2001/04/xmlenc#sha384",
        "",
    ],
)
def test_e7_weak_or_unknown_digest_rejected(idp_keys: KeyPair, digest: str, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(digest=digest)), idp_keys, "algorithm_forbidden", SHA1_POLICY)


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA1.value, DigestMethod.SHA1.value),
        (SignatureMethod.RSA_SHA256.value, DigestMethod.SHA1.value),
        (SignatureMethod.RSA_SHA1.value, DigestMethod.SHA256.value),
    ],
    ids=["rsa-sha1", "sha1-digest", "rsa-sha1-sha256-digest"],
)
def test_e7_sha1_needs_the_opt_in(idp_keys: KeyPair, method: str, digest: str) -> None:
    data = f0_a(idp_keys, Profile(method=method, digest=digest))
    rejected(data, idp_keys, "algorithm_forbidden")
    accepted(data, idp_keys, SHA1_POLICY)  # the twin: --allow-sha1


# ----------------------------------------------------------------------- R22: key fits method (E8-E10)


def test_e8_ecdsa_method_with_rsa_key_rejected(idp_keys: KeyPair) -> None:
    rejected(
        f0_a(idp_keys, Profile(method=SignatureMethod.ECDSA_SHA256.value)), idp_keys, "algorithm_forbidden"
    )


def test_e8_rsa_method_with_ec_key_rejected(ec_keys: KeyPair) -> None:
    data = f0_a(ec_keys, Profile(method=SignatureMethod.ECDSA_SHA256.value)).replace(
        SignatureMethod.ECDSA_SHA256.value.encode(), SignatureMethod.RSA_SHA256.value.encode()
    )
    rejected(data, ec_keys, "algorithm_forbidden")


def test_e8_control_ecdsa_with_ec_key_verifies(ec_keys: KeyPair) -> None:
    accepted(f0_a(ec_keys, Profile(method=SignatureMethod.ECDSA_SHA256.value)), ec_keys)


def test_e8_pss_uri_with_pkcs1_value_rejected(idp_keys: KeyPair) -> None:
    data = f0_a(idp_keys).replace(
        SignatureMethod.RSA_SHA256.value.encode(), SignatureMethod.RSA_PSS_SHA256.value.encode()
    )
    rejected(data, idp_keys, "signature_invalid")


def test_e8_control_pss_value_with_pss_uri_verifies(idp_keys: KeyPair) -> None:
    accepted(f0_a(idp_keys, Profile(method=SignatureMethod.RSA_PSS_SHA256.value)), idp_keys)


def _ecdsa_value(
    edit: Callable[[int, int, int], tuple[int, int]] | None = None, der: bool = False
) -> Callable[[bytes], bytes]:
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

    def rewrite(value: bytes) -> bytes:
        r, s = int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big")
        if edit is not None:
            r, s = edit(r, s, order)
        if der:
            return encode_dss_signature(r, s)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return rewrite


@pytest.mark.parametrize(
    "value",
    [
        _ecdsa_value(lambda r, s, n: (0, 0)),
        _ecdsa_value(lambda r, s, n: (r + n, s) if r + n < 2**256 else (n, s)),
        _ecdsa_value(lambda r, s, n: (r, n)),
        _ecdsa_value(der=True),
        lambda v: v[:-1],
        lambda v: b"\x00" + v,
    ],
    ids=["r-s-zero", "r-at-least-n", "s-equals-n", "der-encoded", "short", "left-padded"],
)
def test_e9_ecdsa_value_edge_cases_rejected(
    ec_keys: KeyPair, value: Callable[[bytes], bytes], no_xmlsec: None
) -> None:
    rejected(
        f0_a(ec_keys, Profile(method=SignatureMethod.ECDSA_SHA256.value, value=value)),
        ec_keys,
        "signature_invalid",
    )


def test_e9_control_high_s_malleated_signature_verifies(ec_keys: KeyPair) -> None:
    profile = Profile(
        method=SignatureMethod.ECDSA_SHA256.value, value=_ecdsa_value(lambda r, s, n: (r, n - s))
    )
    accepted(f0_a(ec_keys, profile), ec_keys)


def test_r22_ec_key_on_a_curve_outside_the_list_rejected() -> None:
    k1 = keypair_for(ec.generate_private_key(ec.SECP256K1()))
    rejected(f0_a(k1, Profile(method=SignatureMethod.ECDSA_SHA256.value)), k1, "algorithm_forbidden")


def test_r22_control_p521_verifies() -> None:
    p521 = keypair_for(ec.generate_private_key(ec.SECP521R1()))
    data = f0_a(p521, Profile(method=SignatureMethod.ECDSA_SHA512.value, digest=DigestMethod.SHA512.value))
    accepted(data, p521)


def test_e10_rsa_1024_idp_key_rejected(weak_keys: KeyPair) -> None:
    rejected(f0_a(weak_keys), weak_keys, "weak_key")
    accepted(f0_a(weak_keys), weak_keys, SignaturePolicy(min_rsa_bits=1024))  # the twin: an explicit floor


def test_e10_control_expired_certificate_still_verifies() -> None:
    """R27: pinned keys are trusted as keys; certificate dates are not an input."""
    from datetime import UTC
    from datetime import datetime

    expired = keypair_for(
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        start=datetime(2000, 1, 1, tzinfo=UTC),
        days=30,
    )
    assert expired.certificate.not_valid_after_utc.year == 2000
    accepted(f0_a(expired), expired)


# ------------------------------------------------------------------------ R23: value encoding (D12)


@pytest.mark.parametrize(
    "value",
    [lambda v: v[:-1], lambda v: b"\x00" + v, lambda v: b"", lambda v: v + b"\x00"],
    ids=["truncated", "left-padded", "empty", "right-padded"],
)
def test_d12_rsa_signature_value_of_wrong_length_rejected(
    idp_keys: KeyPair, value: Callable[[bytes], bytes], no_xmlsec: None
) -> None:
    rejected(f0_a(idp_keys, Profile(value=value)), idp_keys, "signature_invalid")


@pytest.mark.parametrize(
    "text",
    ["!!!!", "QUJD=", "QUJDRA", "QUJD RA=", "-_-_", "QUJDRB==", "QUJD=QUJD"],
    ids=[
        "alphabet",
        "excess-padding",
        "no-padding",
        "space-pad",
        "urlsafe",
        "non-canonical-bits",
        "inner-padding",
    ],
)
def test_d12_signature_value_not_strict_base64_rejected(
    idp_keys: KeyPair, text: str, no_crypto: None
) -> None:
    def replace(root: etree._Element) -> None:
        first(assertion_of(root), "SignatureValue").text = text

    rejected(tamper(f0_a(idp_keys), replace), idp_keys, "signature_invalid")


@pytest.mark.parametrize("text", ["", "!!!!", "AAAA"], ids=["empty", "alphabet", "wrong-length"])
def test_d12_digest_value_malformed_rejected(idp_keys: KeyPair, text: str, no_crypto: None) -> None:
    def replace(signed_info: etree._Element) -> None:
        first(signed_info, "DigestValue").text = text

    rejected(f0_a(idp_keys, Profile(edit_signed_info=replace)), idp_keys, "signature_invalid")


def test_d12_control_line_wrapped_values_verify(idp_keys: KeyPair) -> None:
    data = f0_a(idp_keys, Profile(wrap_base64=True))
    assert b"\n" in first(assertion_of(parse_xml(data)), "SignatureValue").text.encode()  # type: ignore[union-attr]
    accepted(data, idp_keys)


# --------------------------------------------------------------------- R25/R28: keys only from trust (E1-E4)


def test_e1_keyinfo_certificate_not_trusted(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    """Cap-key: EVIL, re-signed by the attacker with their own (same-subject) certificate in KeyInfo."""
    data = f0_a(attacker_keys, before=evil)
    rejected(data, idp_keys, "untrusted_key")
    verified = verify_assertion(data, [attacker_keys.trusted])  # it IS a good signature, by the wrong key
    assert name_id_of(verified.element) == EVIL_NAME_ID


def test_e1_control_idp_certificate_in_keyinfo_verifies(idp_keys: KeyPair) -> None:
    accepted(f0_a(idp_keys), idp_keys)


def test_e1_attacker_signature_without_keyinfo_rejected(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    rejected(f0_a(attacker_keys, Profile(key_info="none"), before=evil), idp_keys, "signature_invalid")


def test_e1_attacker_signature_naming_the_idp_certificate_rejected(
    idp_keys: KeyPair, attacker_keys: KeyPair
) -> None:
    profile = Profile(key_info_cert=idp_keys)
    rejected(f0_a(attacker_keys, profile, before=evil), idp_keys, "signature_invalid")


def test_e1_control_no_keyinfo_verifies_with_the_pinned_key(idp_keys: KeyPair) -> None:
    accepted(f0_a(idp_keys, Profile(key_info="none")), idp_keys)


def _with_keyinfo_certificate_text(data: bytes, text: str) -> bytes:
    """KeyInfo is outside SignedInfo, so rewriting its certificate text keeps the signature valid."""
    root = parse_xml(data)
    first(signature_of(assertion_of(root)), "X509Certificate").text = text
    return to_bytes(root)


@pytest.mark.parametrize("text", ["!!!!", "QUJDRB==", "not base64 at all"])
def test_r23_keyinfo_certificate_that_is_not_strict_base64_rejected(
    idp_keys: KeyPair, text: str, no_crypto: None
) -> None:
    rejected(_with_keyinfo_certificate_text(f0_a(idp_keys), text), idp_keys, "signature_profile_violation")


def test_r23_control_line_wrapped_keyinfo_certificate_verifies(idp_keys: KeyPair) -> None:
    wrapped = "\n".join(idp_keys.cert_b64[i : i + 64] for i in range(0, len(idp_keys.cert_b64), 64))
    accepted(_with_keyinfo_certificate_text(f0_a(idp_keys), wrapped), idp_keys)


def test_e2_keyvalue_is_never_used(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    """pysaml2 CVE-2021-21239: a raw RSAKeyValue in KeyInfo."""
    rejected(f0_a(attacker_keys, Profile(key_info="keyvalue"), before=evil), idp_keys, "signature_invalid")


def test_e2_control_idp_keyvalue_verifies_with_the_pinned_key(idp_keys: KeyPair) -> None:
    accepted(f0_a(idp_keys, Profile(key_info="keyvalue")), idp_keys)


def test_e2_der_encoded_key_value_rejected(idp_keys: KeyPair, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(key_info="der-keyvalue")), idp_keys, "signature_profile_violation")


def test_e3_attacker_certificate_listed_before_the_idp_one_rejected(
    idp_keys: KeyPair, attacker_keys: KeyPair
) -> None:
    profile = Profile(key_info="two-certs", key_info_cert=idp_keys)
    rejected(f0_a(attacker_keys, profile, before=evil), idp_keys, "signature_invalid")


def test_e3_control_keyinfo_only_reorders_pinned_keys(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    profile = Profile(key_info="two-certs", key_info_cert=idp_keys)  # attacker cert first, IdP second
    data = f0_a(idp_keys, profile)
    verified = verify_assertion(data, [attacker_keys.trusted, idp_keys.trusted])
    assert verified.key.same_key(idp_keys.trusted)


def test_e4_retrieval_method_rejected(idp_keys: KeyPair, no_crypto: None) -> None:
    rejected(f0_a(idp_keys, Profile(key_info="retrieval")), idp_keys, "signature_profile_violation")


def test_e4_key_name_never_resolves_a_key(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    rejected(f0_a(attacker_keys, Profile(key_info="keyname"), before=evil), idp_keys, "signature_invalid")


@pytest.mark.parametrize(
    "child", [f"{{{NS.DS11}}}KeyInfoReference", NS.ds("PGPData"), NS.ds("SPKIData"), NS.ds("MgmtData")]
)
def test_e4_other_keyinfo_children_rejected(idp_keys: KeyPair, child: str, no_crypto: None) -> None:
    def add(root: etree._Element) -> None:
        etree.SubElement(first(assertion_of(root), "KeyInfo"), child, URI="#k")

    rejected(tamper(f0_a(idp_keys), add), idp_keys, "signature_profile_violation")


@pytest.mark.parametrize("child", ["X509CRL", "X509URL", "X509Digest"])
def test_e4_x509data_indirection_rejected(idp_keys: KeyPair, child: str, no_crypto: None) -> None:
    def add(root: etree._Element) -> None:
        etree.SubElement(
            first(assertion_of(root), "X509Data"), NS.ds(child)
        ).text = "http://attacker.invalid/"

    rejected(tamper(f0_a(idp_keys), add), idp_keys, "signature_profile_violation")


def test_e4_control_x509_subject_and_issuer_serial_verify(idp_keys: KeyPair) -> None:
    def add(root: etree._Element) -> None:
        data = first(assertion_of(root), "X509Data")
        etree.SubElement(data, NS.ds("X509SubjectName")).text = "CN=idp.example.test"

    accepted(tamper(f0_a(idp_keys), add), idp_keys)


def test_r25_no_trusted_key_configured(idp_keys: KeyPair) -> None:
    with pytest.raises(SAMLError) as info:
        verify_assertion(f0_a(idp_keys), [])
    assert info.value.code == "untrusted_key"


# -------------------------------------------------------------- R12 at verification time (A7, A15, D14, F8)


def test_d14_namespaced_id_on_the_signed_element_rejected(idp_keys: KeyPair) -> None:
    def pollute(root: etree._Element) -> None:
        assertion_of(root).set("{urn:x}ID", "_B")

    rejected(f0_a(idp_keys, before=pollute), idp_keys, "signature_profile_violation")


def test_d14_control_unrelated_namespaced_attribute_verifies(idp_keys: KeyPair) -> None:
    accepted(f0_a(idp_keys, before=lambda r: assertion_of(r).set("{urn:x}Other", "_B")), idp_keys)


def test_f8_xml_id_before_the_assertion_rejected(idp_keys: KeyPair) -> None:
    def decoy(root: etree._Element) -> None:
        root[1].set("{http://www.w3.org/XML/1998/namespace}id", "_A")  # on samlp:Status

    rejected(tamper(f0_a(idp_keys), decoy), idp_keys, "signature_profile_violation")


def test_f8_control_distinct_xml_id_verifies(idp_keys: KeyPair) -> None:
    accepted(
        tamper(f0_a(idp_keys), lambda r: r[1].set("{http://www.w3.org/XML/1998/namespace}id", "_S")), idp_keys
    )


def _clone_into_extensions(new_id: str) -> Edit:
    def edit(root: etree._Element) -> None:
        clone = copy.deepcopy(assertion_of(root))
        clone.remove(clone.find(NS.ds("Signature")))
        clone.set("ID", new_id)
        evil(clone)
        extensions = etree.Element(NS.samlp("Extensions"))
        extensions.append(clone)
        root.insert(1, extensions)

    return edit


def test_a7_evil_clone_with_the_same_id_rejected(idp_keys: KeyPair) -> None:
    rejected(tamper(f0_a(idp_keys), _clone_into_extensions("_A")), idp_keys, "signature_profile_violation")


def test_a7_control_clone_with_another_id_leaves_the_signed_assertion_verifiable(idp_keys: KeyPair) -> None:
    accepted(tamper(f0_a(idp_keys), _clone_into_extensions("_B")), idp_keys)


def test_a8_pristine_clone_in_signature_object_rejected(idp_keys: KeyPair) -> None:
    def edit(root: etree._Element) -> None:
        clone = copy.deepcopy(assertion_of(root))
        clone.remove(clone.find(NS.ds("Signature")))
        obj = ds("Object")
        obj.append(clone)
        signature_of(assertion_of(root)).append(obj)
        evil(root)

    rejected(tamper(f0_a(idp_keys), edit), idp_keys, "signature_profile_violation")


def test_a1_xsw1_response_clone_inside_signature_rejected(idp_keys: KeyPair) -> None:
    def edit(root: etree._Element) -> None:
        clone = copy.deepcopy(root)
        clone.remove(signature_of(clone))
        signature_of(root).append(clone)
        evil(root)
        root.set("ID", "_evil_response_ID")

    with pytest.raises(SAMLError) as info:
        verify_root(tamper(signed_response(idp_keys), edit), [idp_keys.trusted])
    assert info.value.code == "signature_profile_violation"


def test_c4_both_signed_one_signature_bad(idp_keys: KeyPair) -> None:
    def flip(root: etree._Element) -> None:
        value = first(assertion_of(root), "SignatureValue")
        raw = bytearray(base64.b64decode(value.text or ""))
        raw[10] ^= 1
        value.text = base64.b64encode(bytes(raw)).decode()

    data = tamper(signed_response(idp_keys, both=True), flip)
    rejected(data, idp_keys, "signature_invalid")
    with pytest.raises(SAMLError) as info:
        verify_root(data, [idp_keys.trusted])  # the Response signature covers the Assertion's too
    assert info.value.code == "signature_invalid"
    untouched = signed_response(idp_keys, both=True)
    accepted(untouched, idp_keys)
    assert verify_root(untouched, [idp_keys.trusted]).element.tag == NS.samlp("Response")
