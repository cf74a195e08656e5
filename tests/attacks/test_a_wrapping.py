"""Family A: signature wrapping, the signed node is not the node that is read (SECURITY.md Part 2, A1-A17).

Guards: USENIX Security 2012 "On Breaking SAML" (11 of 14 frameworks); ruby-saml CVE-2016-5697;
passport-wsfed-saml2 CVE-2025-46572; samlify CVE-2025-47949; GitHub Enterprise Server CVE-2024-6800;
php-saml CVE-2016-1000253; Spring Security SAML CVE-2020-5407; HaloITSM CVE-2024-6202; TOPdesk CVE-2023-34923;
Aviatrix CVE-2020-13415; pysaml2 CVE-2021-21238 and CVE-2020-5390; Keycloak CVE-2024-8698;
crewjam/saml CVE-2022-41912; Grafana GHSA-5hcf-rqj9-xh96; ruby-saml CVE-2024-45409; node-saml CVE-2022-39300,
CVE-2025-54369, CVE-2025-54419; passport-saml CVE-2022-39299; ruby-saml CVE-2025-25291/25292.

A1-A8 follow SAML Raider's XSWHelpers permutations; ``Extensions``/``Object`` are generated both with no
namespace (SAML Raider) and as ``samlp:Extensions``/``ds:Object`` (the paper). A3-A8 also run from F0-RA with
the Response signature kept (it breaks) and stripped (the realistic attack). Every case applies EVIL, so an
acceptance would hand out admin@victim.example / role Admin.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saml_core import NS
from saml_core import sign_enveloped
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx

#: A3-A8 start points: F0-A, and F0-RA with the Response signature kept or stripped
BASES = ("A", "RA-keep", "RA-strip")


def _base(name: str) -> etree._Element:
    tree = k.signed("A" if name == "A" else "RA")
    if name == "RA-strip":
        k.strip_signature(tree)
    return tree


def _extensions(namespaced: bool) -> etree._Element:
    return etree.Element(NS.samlp("Extensions") if namespaced else "Extensions")


def _object(namespaced: bool) -> etree._Element:
    return etree.Element(NS.ds("Object") if namespaced else "Object")


# ------------------------------------------------------------------------------------- A1-A8: XSW


def test_a0_controls_f0_variants_accepted() -> None:
    for variant in ("RA", "R", "A"):
        k.accept(fx.f0(variant))


def _xsw1(tree: etree._Element) -> bytes:
    clone = k.pristine(tree)
    k.evil(tree)
    tree.set("ID", "_evil_response_ID")
    k.signature(tree).append(clone)
    return k.dump(tree)


def test_a1_xsw1_clone_in_signature() -> None:
    # the evil root's own Assertion and the clone's both carry ID _A: R12 decides first (gate 3)
    k.reject(_xsw1(k.signed("R")), k.PROFILE)


def test_a1_xsw1_clone_in_signature_unique_ids() -> None:
    # the same with the evil root's assertion renamed, so R12 cannot fire: the clone puts a second
    # Assertion inside ds:Signature (R13)
    tree = k.signed("R")
    clone = k.pristine(tree)
    k.evil(tree)
    tree.set("ID", "_evil_response_ID")
    k.assertion(tree).set("ID", "_evil_assertion_ID")
    k.signature(tree).append(clone)
    k.reject(k.dump(tree), k.COUNT)


def test_a2_xsw2_clone_before_signature() -> None:
    tree = k.signed("R")
    clone = k.pristine(tree)
    k.evil(tree)
    tree.set("ID", "_evil_response_ID")
    k.signature(tree).addprevious(clone)
    k.reject(k.dump(tree), k.PROFILE)


def test_a2_xsw2_clone_before_signature_unique_ids() -> None:
    tree = k.signed("R")
    clone = k.pristine(tree)
    k.evil(tree)
    tree.set("ID", "_evil_response_ID")
    k.assertion(tree).set("ID", "_evil_assertion_ID")
    k.signature(tree).addprevious(clone)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("base", BASES)
def test_a3_xsw3_evil_assertion_before_original(base: str) -> None:
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.evil(k.pristine(original))
    clone.set("ID", "_evil_assertion_ID")
    original.addprevious(clone)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("base", BASES)
def test_a4_xsw4_original_inside_evil_assertion(base: str) -> None:
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.evil(k.pristine(original))
    clone.set("ID", "_evil_assertion_ID")
    tree.append(clone)
    clone.append(original)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("base", BASES)
def test_a5_xsw5_evil_in_place_pristine_clone_appended(base: str) -> None:
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.pristine(original)
    k.evil(original)
    original.set("ID", "_evil_assertion_ID")
    tree.append(clone)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("base", BASES)
def test_a6_xsw6_pristine_clone_inside_signature(base: str) -> None:
    # verdict column: R17, R18; the clone is also a second Assertion (R13, gate 3), which fires first
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.pristine(original)
    k.evil(original)
    original.set("ID", "_evil_assertion_ID")
    k.signature(original).append(clone)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("namespaced", [True, False], ids=["samlp-Extensions", "bare-Extensions"])
@pytest.mark.parametrize("base", BASES)
def test_a7_xsw7_evil_clone_in_extensions(base: str, namespaced: bool) -> None:
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.evil(k.pristine(original))
    extensions = _extensions(namespaced)
    extensions.append(clone)
    original.addprevious(extensions)
    # both keep ID _A: R12 (gate 3, before the assertion count)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("namespaced", [True, False], ids=["ds-Object", "bare-Object"])
@pytest.mark.parametrize("base", BASES)
def test_a8_xsw8_pristine_clone_in_signature_object(base: str, namespaced: bool) -> None:
    tree = _base(base)
    original = k.assertion(tree)
    clone = k.pristine(original)
    k.evil(original)
    holder = _object(namespaced)
    holder.append(clone)
    k.signature(original).append(holder)
    k.reject(k.dump(tree), k.PROFILE)


# ------------------------------------------------------------------------------------------ A9-A17


def _fake_signature(reference: str) -> etree._Element:
    """A profile-shaped ds:Signature with garbage digest and value."""
    template = k.signed("A")
    sig = copy.deepcopy(k.signature(k.assertion(template)))
    reference_node = k.path(sig, k.ds("SignedInfo"), k.ds("Reference"))
    reference_node.set("URI", reference)
    k.flip_base64_text(k.child(reference_node, k.ds("DigestValue")))
    k.flip_base64_text(k.child(sig, k.ds("SignatureValue")))
    return sig


def test_a9_assertion_wraps_signed_assertion_first_signature() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    wrapper = k.evil(k.pristine(original))
    wrapper.set("ID", "attack-assertion-id")
    k.child(wrapper, NS.saml("Issuer")).addnext(_fake_signature("#attack-assertion-id"))
    tree.replace(original, wrapper)
    wrapper.insert(0, original)  # the untouched _A as A_evil's first child, before its Issuer
    k.reject(k.dump(tree), k.COUNT)


def test_a9_response_wraps_signed_response() -> None:
    inner = k.signed("R")
    outer = k.evil(k.signed("R", response_id="attack-response-id", assertion_id="_A_evil"))
    k.strip_signature(outer)
    outer.insert(0, inner)
    k.reject(k.dump(outer), k.COUNT)


def test_a10_signature_in_evil_assertion_references_moved_original() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    moved = k.pristine(original)
    sig = k.signature(original)
    evil_assertion = k.evil(k.pristine(original))
    evil_assertion.set("ID", "_evil_assertion_ID")
    k.child(evil_assertion, NS.saml("Issuer")).addnext(sig)
    extensions = _extensions(True)
    extensions.append(moved)
    k.child(tree, NS.saml("Issuer")).addnext(extensions)
    tree.replace(original, evil_assertion)
    # a second Assertion under Extensions (R13) is met before the Reference (R18)
    k.reject(k.dump(tree), k.COUNT)


def test_a10_signature_reference_only_mismatch() -> None:
    # the pure R18 case: one EVIL assertion carrying a genuine signature whose Reference names #_A
    tree = k.signed("A")
    original = k.assertion(tree)
    k.evil(original)
    original.set("ID", "_evil_assertion_ID")
    k.reject(k.dump(tree), k.PROFILE)


def test_a10_assertion_signature_referencing_response() -> None:
    tree = k.signed("R")
    sig = k.signature(tree)
    k.evil(tree)
    k.child(k.assertion(tree), NS.saml("Issuer")).addnext(sig)  # moves it into the Assertion
    k.reject(k.dump(tree), k.PROFILE)


def test_a11_assertion_signature_moved_to_response() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    sig = k.signature(original)
    k.child(tree, NS.saml("Issuer")).addnext(sig)  # now placed like a Response signature, URI #_A
    evil_assertion = k.evil(k.pristine(original))
    evil_assertion.set("ID", "_evil_assertion_ID")
    tree.append(evil_assertion)
    k.reject(k.dump(tree), k.COUNT)


def test_a11_assertion_signature_moved_to_response_single_assertion() -> None:
    # without the second assertion: the Response signature's URI is #_A, not #_R (R18)
    tree = k.signed("A")
    original = k.assertion(tree)
    sig = k.signature(original)
    k.child(tree, NS.saml("Issuer")).addnext(sig)
    k.evil(original)
    k.reject(k.dump(tree), k.PROFILE)


@pytest.mark.parametrize("where", ["last", "first"])
def test_a12_second_unsigned_evil_assertion(where: str) -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    clone = k.evil(k.pristine(original))
    clone.set("ID", "_A_attack")
    if where == "last":
        tree.append(clone)
    else:
        original.addprevious(clone)
    k.reject(k.dump(tree), k.COUNT)


def test_a12_two_validly_signed_assertions() -> None:
    tree = k.signed("A")
    other = k.assertion(k.evil(k.signed("A", assertion_id="_A2", name_id=fx.EVIL_NAME_ID)))
    tree.append(other)
    k.reject(k.dump(tree), k.COUNT)


def test_a12_assertion_plus_encrypted_assertion() -> None:
    tree = k.signed("A")
    encrypted = k.child(k.signed("EA", assertion_id="_A2"), NS.saml("EncryptedAssertion"))
    tree.append(encrypted)
    k.reject(k.dump(tree), k.COUNT)


def test_a12_two_encrypted_assertions() -> None:
    tree = k.signed("EA")
    encrypted = k.child(k.signed("EA", assertion_id="_A2"), NS.saml("EncryptedAssertion"))
    tree.append(encrypted)
    k.reject(k.dump(tree), k.COUNT)


def _advice_with(tree: etree._Element, *assertions: etree._Element) -> None:
    advice = etree.Element(NS.saml("Advice"))
    for item in assertions:
        advice.append(item)
    k.conditions(tree).addnext(advice)


@pytest.mark.parametrize("content", ["unsigned", "signed", "two"])
def test_a13_assertion_smuggled_in_advice_fixture_mode(content: str) -> None:
    tree = k.unsigned()
    evil_unsigned = k.evil(k.pristine(k.assertion(k.unsigned(assertion_id="_E1"))))
    evil_signed = k.assertion(k.evil(k.signed("A", assertion_id="_E2", name_id=fx.EVIL_NAME_ID)))
    chosen = {"unsigned": [evil_unsigned], "signed": [evil_signed], "two": [evil_unsigned, evil_signed]}
    _advice_with(tree, *chosen[content])
    k.reject(k.sign(tree, "A"), k.COUNT)


def test_a13_assertion_smuggled_in_advice_attacker_mode() -> None:
    tree = k.signed("A")
    _advice_with(tree, k.evil(k.pristine(k.assertion(k.unsigned(assertion_id="_E1")))))
    k.reject(k.dump(tree), k.COUNT)


def test_a13_empty_advice_is_refused_too() -> None:
    tree = k.unsigned()
    _advice_with(tree)
    k.reject(k.sign(tree, "A"), k.COUNT)


def _signed_metadata() -> etree._Element:
    """The IdP's public signed metadata (Cap-any): what GHES CVE-2024-6800 was exploited with."""
    from metadata import build_idp_metadata

    xml = build_idp_metadata(
        entity_id=fx.IDP, sso_url="https://idp.example.test/sso", signing_certs=[fx.idp_keys().cert_pem]
    )
    entity = fx.parse(xml)
    entity.set("ID", "_metadata")
    sign_enveloped(entity, fx.idp_keys(), after=None)
    return entity


@pytest.mark.parametrize("where", ["extensions", "object", "signature"])
def test_a14_metadata_signature_reused_in_response(where: str) -> None:
    entity = _signed_metadata()
    meta_sig = k.signature(entity)
    tree = k.unsigned()
    k.evil(tree)
    k.child(tree, NS.saml("Issuer")).addnext(meta_sig)
    if where == "extensions":
        holder = _extensions(True)
        holder.append(entity)
        meta_sig.addnext(holder)
    elif where == "object":
        holder = _object(True)
        holder.append(entity)
        meta_sig.append(holder)
    else:
        meta_sig.append(entity)
    # the Reference names the EntityDescriptor's ID, not #_R (R16/R18); inside the Signature the schema
    # (R10, gate 3) refuses the EntityDescriptor before the profile gate looks at the Reference
    k.reject(k.dump(tree), k.MALFORMED if where == "signature" else k.PROFILE)


def test_a14_logout_response_signature_reused() -> None:
    # a signed samlp:LogoutResponse from the same IdP: its signature moved onto an EVIL Response
    logout = etree.Element(NS.samlp("LogoutResponse"), nsmap={"samlp": NS.SAMLP, "saml": NS.SAML})
    for name, value in (("ID", "_LO"), ("Version", "2.0"), ("IssueInstant", "2026-03-01T12:00:00Z")):
        logout.set(name, value)
    etree.SubElement(logout, NS.saml("Issuer")).text = fx.IDP
    status = etree.SubElement(logout, NS.samlp("Status"))
    etree.SubElement(status, NS.samlp("StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    sign_enveloped(logout, fx.idp_keys())
    tree = k.evil(k.unsigned())
    k.child(tree, NS.saml("Issuer")).addnext(k.signature(logout))
    k.reject(k.dump(tree), k.PROFILE)


def test_a14_response_for_another_sp() -> None:
    # genuine and intact, but issued to another SP: the audience and recipient say so
    other = fx.f0(
        "RA",
        destination="https://other-sp.example/acs",
        recipient="https://other-sp.example/acs",
        audiences=("https://other-sp.example/",),
    )
    k.reject(other, k.RECIPIENT)


def test_a14_response_from_another_idp_with_its_own_key() -> None:
    other = fx.f0("RA", issuer="https://other-idp.example/", keys=fx.attacker_keys())
    k.reject(other, k.ISSUER)


@pytest.mark.parametrize(
    "attribute",
    ["{http://www.w3.org/XML/1998/namespace}id", "Id", "id"],
    ids=["xml-id", "Id", "id"],
)
def test_a15_confusable_id_attribute_on_evil_element(attribute: str) -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    decoy = k.evil(k.pristine(original))
    del decoy.attrib["ID"]
    decoy.set(attribute, "_A")
    extensions = _extensions(True)
    extensions.append(decoy)
    k.child(tree, NS.saml("Issuer")).addnext(extensions)
    k.reject(k.dump(tree), k.PROFILE)


def test_a15_confusable_id_attribute_alone_is_still_a_duplicate() -> None:
    # xml:id="_A" on an element that is not an assertion: R12 alone
    tree = k.signed("A")
    status = k.child(tree, NS.samlp("Status"))
    status.set("{http://www.w3.org/XML/1998/namespace}id", "_A")
    k.reject(k.dump(tree), k.PROFILE)


def test_a15_attlist_id_declaration() -> None:
    data = k.dump(k.signed("A"))
    prolog = b"<!DOCTYPE samlp:Response [<!ATTLIST Evil foo ID #IMPLIED>]>"
    k.reject(prolog + data.replace(b"<samlp:Status>", b'<samlp:Status><Evil foo="_A"/>', 1), k.DTD)


@pytest.mark.parametrize("value", [" _A", "_A ", "_A\n"], ids=["leading", "trailing", "newline"])
def test_a15_id_with_whitespace(value: str) -> None:
    tree = k.signed("A")
    k.assertion(tree).set("ID", value)
    k.reject(k.dump(tree), k.PROFILE)


def test_a15_ids_differing_only_in_case() -> None:
    # _a and _A are different IDs (xs:ID is case-sensitive): the Reference #_A still names only _A, but the
    # EVIL copy with _a is a second assertion
    tree = k.signed("A")
    decoy = k.evil(k.pristine(k.assertion(tree)))
    decoy.set("ID", "_a")
    tree.append(decoy)
    k.reject(k.dump(tree), k.COUNT)


@pytest.mark.parametrize("where", ["append", "prepend", "garbage"])
def test_a16_multiple_roots_or_trailing_content(where: str) -> None:
    data = fx.f0("RA")
    evil_doc = k.dump(k.evil(k.signed("RA", response_id="_R2", assertion_id="_A2")))
    case = {
        "append": data + evil_doc,
        "prepend": evil_doc + data,
        "garbage": data + b"garbage",
    }[where]
    k.reject(case, k.MALFORMED)


def test_a16_trailing_whitespace_is_a_control() -> None:
    k.accept(fx.f0("RA") + b"\n  \n")


def test_a17_identity_only_from_the_signed_tree() -> None:
    # CONTROL: differences c14n removes and every reader agrees on (a character reference, quote style,
    # whitespace inside a tag) still verify, and the identity read is the signed one
    data = fx.f0("A")
    data = k.replace_bytes(data, b">alice@attacker.example<", b">&#97;lice@attacker.example<")
    data = k.replace_bytes(data, b"<saml:NameID Format=", b"<saml:NameID   Format=")
    data = k.replace_bytes(data, b'SessionIndex="_S1"', b"SessionIndex='_S1'")
    k.accept(data)


def test_a17_comment_split_identity_is_rejected() -> None:
    # the naive-reader case (family B): .text would read only the first text node
    data = fx.f0("RA").replace(b"alice@attacker.example", b"alice@attacker.example<!---->.evil", 1)
    k.reject(data, k.UNSIGNED)
