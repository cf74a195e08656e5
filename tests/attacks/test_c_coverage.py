"""Family C: signature presence, coverage and placement (SECURITY.md Part 2, C1-C8).

Guards: FusionAuth CVE-2020-12676; pac4j PR #503/#504 and #1321; OpenAM openam-jp#287; Keycloak
CVE-2026-16443 and CVE-2024-8698; pysaml2 CVE-2021-21238; xml-crypto CVE-2025-29774; node-saml
response.root-signed.assertion-invalidly-signed; ruby-saml invalids/invalid_signature_position;
quangdang46/openproxy#449.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saml_core import NS
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


@pytest.mark.parametrize("variant", ["RA", "R", "A"])
def test_c1_signature_stripping(variant: str) -> None:
    tree = k.signed(variant)
    k.strip_signature(tree)
    k.strip_signature(k.assertion(tree))
    k.evil(tree)
    k.reject(k.dump(tree), k.SIG_MISSING)


def test_c1_signature_stripping_encrypted() -> None:
    # F0-EA with the inner signature stripped before encryption: nothing authenticates the assertion
    tree = k.unsigned()
    k.evil(tree)
    fx.encrypt_assertion(tree)
    k.reject(k.dump(tree), k.SIG_MISSING)


def test_c2_second_evil_assertion_under_response_signature() -> None:
    tree = k.signed("R")
    clone = k.evil(k.pristine(k.assertion(tree)))
    clone.set("ID", "_A_evil")
    tree.append(clone)
    k.reject(k.dump(tree), k.COUNT)


def test_c2_assertion_replaced_under_response_signature() -> None:
    tree = k.signed("R")
    original = k.assertion(tree)
    tree.replace(original, k.evil(copy.deepcopy(original)))
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_c2_response_signature_wrapped() -> None:
    # (c) = A1/A2 on F0-R: the Reference #_R resolves inside the Signature
    tree = k.signed("R")
    clone = k.pristine(tree)
    k.evil(tree)
    tree.set("ID", "_evil_response_ID")
    k.assertion(tree).set("ID", "_evil_assertion_ID")
    k.signature(tree).addprevious(clone)
    k.reject(k.dump(tree), k.COUNT)


# --------------------------------------------------------------------------------------------- C3


def test_c3_unsigned_response_destination_tampered() -> None:
    tree = k.signed("A")
    tree.set("Destination", "https://eu-west-1.signin.aws.amazon.com/saml")  # allowed, but not the Recipient
    k.reject(k.dump(tree), k.DESTINATION)


def test_c3_unsigned_response_in_response_to_tampered() -> None:
    tree = k.signed("A")
    tree.set("InResponseTo", "_OTHER")
    k.reject(k.dump(tree), k.IN_RESPONSE_TO)


def test_c3_unsigned_response_in_response_to_tampered_unsolicited() -> None:
    tree = k.signed("A")
    tree.set("InResponseTo", "_OTHER")
    k.reject(k.dump(tree), k.IN_RESPONSE_TO, request_id=None)


def test_c3_unsigned_response_status_tampered() -> None:
    tree = k.signed("A")
    k.path(tree, NS.samlp("Status"), NS.samlp("StatusCode")).set(
        "Value", "urn:oasis:names:tc:SAML:2.0:status:Responder"
    )
    k.reject(k.dump(tree), k.STATUS)


def test_c3_unsigned_response_issuer_tampered() -> None:
    tree = k.signed("A")
    k.child(tree, NS.saml("Issuer")).text = "https://evil.example/"
    k.reject(k.dump(tree), k.ISSUER)


def test_c3_valid_values_change_nothing() -> None:
    # the twin: removing the unauthenticated Response fields, or restating them, is harmless
    tree = k.signed("A")
    del tree.attrib["Destination"]
    del tree.attrib["InResponseTo"]
    tree.remove(k.child(tree, NS.saml("Issuer")))
    result = k.accept(k.dump(tree))
    assert result.recipient == fx.ACS
    assert result.in_response_to == fx.REQUEST_ID


# --------------------------------------------------------------------------------------------- C4


def test_c4_response_signature_value_flipped() -> None:
    tree = k.signed("RA")
    k.flip_base64_text(k.child(k.signature(tree), k.ds("SignatureValue")))
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_c4_assertion_signature_value_flipped() -> None:
    # the Response signature covers the Assertion's SignatureValue too; so make the Response signature
    # valid again (fixture mode) and leave only the Assertion signature bad
    tree = k.unsigned()
    from saml_core import sign_enveloped

    sign_enveloped(k.assertion(tree), fx.idp_keys())
    k.flip_base64_text(k.child(k.signature(k.assertion(tree)), k.ds("SignatureValue")))
    sign_enveloped(tree, fx.idp_keys())
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_c4_assertion_digest_flipped_under_valid_response_signature() -> None:
    tree = k.unsigned()
    from saml_core import sign_enveloped

    sign_enveloped(k.assertion(tree), fx.idp_keys())
    reference = k.path(k.signature(k.assertion(tree)), k.ds("SignedInfo"), k.ds("Reference"))
    k.flip_base64_text(k.child(reference, k.ds("DigestValue")), index=3)
    sign_enveloped(tree, fx.idp_keys())
    k.reject(k.dump(tree), k.SIG_INVALID)


# --------------------------------------------------------------------------------------------- C5


def _signature_copy() -> etree._Element:
    return copy.deepcopy(k.signature(k.assertion(k.signed("A"))))


@pytest.mark.parametrize("where", ["extensions", "status", "status-detail", "subject", "attribute-value"])
def test_c5_extra_signature_elsewhere(where: str) -> None:
    tree = k.signed("RA")
    extra = _signature_copy()
    if where == "extensions":
        holder = etree.Element(NS.samlp("Extensions"))
        holder.append(extra)
        k.signature(tree).addnext(holder)
    elif where == "status":
        k.child(tree, NS.samlp("Status")).append(extra)
    elif where == "status-detail":
        detail = etree.SubElement(k.child(tree, NS.samlp("Status")), NS.samlp("StatusDetail"))
        detail.append(extra)
    elif where == "subject":
        k.child(k.assertion(tree), NS.saml("Subject")).append(extra)
    else:
        k.child(k.attribute(tree), NS.saml("AttributeValue")).append(extra)
    k.reject(k.dump(tree), k.PROFILE)


def test_c5_signature_inside_signature() -> None:
    tree = k.signed("RA")
    k.signature(tree).append(_signature_copy())
    k.reject(k.dump(tree), k.PROFILE)


# --------------------------------------------------------------------------------------------- C6


def test_c6_assertion_signature_after_subject() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    k.child(original, NS.saml("Subject")).addnext(k.signature(original))
    k.reject(k.dump(tree), k.PROFILE)


def test_c6_response_signature_after_status() -> None:
    tree = k.signed("R")
    k.child(tree, NS.samlp("Status")).addnext(k.signature(tree))
    k.reject(k.dump(tree), k.PROFILE)


def test_c6_signature_before_issuer() -> None:
    tree = k.signed("A")
    original = k.assertion(tree)
    original.insert(0, k.signature(original))
    # R14 and R10 both refuse it in gate 3; the validator takes a leading Signature for "placed" (as when
    # there is no Issuer) and the schema, which wants Issuer first, decides
    k.reject(k.dump(tree), k.MALFORMED)


def test_c6_signature_first_when_the_response_has_no_issuer_is_a_control() -> None:
    # R14: "immediately after its saml:Issuer (or first, if the Response has no Issuer)"
    tree = k.unsigned(response_issuer=False)
    k.accept(k.sign(tree, "R"))


# --------------------------------------------------------------------------------------------- C7


def test_c7_soap_envelope_wrapper() -> None:
    envelope = etree.Element("{http://schemas.xmlsoap.org/soap/envelope/}Envelope", nsmap={"soap": NS.SOAP})
    body = etree.SubElement(envelope, "{http://schemas.xmlsoap.org/soap/envelope/}Body")
    body.append(k.signed("R"))
    k.reject(k.dump(envelope), k.NOT_A_RESPONSE)


def test_c7_artifact_response_wrapper() -> None:
    wrapper = etree.Element(NS.samlp("ArtifactResponse"), nsmap={"samlp": NS.SAMLP, "saml": NS.SAML})
    for name, value in (("ID", "_AR"), ("Version", "2.0"), ("IssueInstant", "2026-03-01T12:00:00Z")):
        wrapper.set(name, value)
    etree.SubElement(wrapper, NS.saml("Issuer")).text = fx.IDP
    status = etree.SubElement(wrapper, NS.samlp("Status"))
    etree.SubElement(status, NS.samlp("StatusCode"), Value=SUCCESS)
    wrapper.append(k.signed("RA"))
    k.reject(k.dump(wrapper), k.NOT_A_RESPONSE)


def test_c7_bare_assertion() -> None:
    k.reject(k.dump(k.assertion(k.signed("A"))), k.NOT_A_RESPONSE)


# --------------------------------------------------------------------------------------------- C8


XPATH_FILTER = "http://www.w3.org/TR/1999/REC-xpath-19991116"


def _xpath_signed(tree: etree._Element) -> etree._Element:
    """Fixture mode: the IdP signs the Assertion with an XPath transform excluding AttributeStatement."""
    from saml_core import sign_enveloped

    target = k.assertion(tree)
    sig = sign_enveloped(target, fx.idp_keys())
    transforms = k.path(sig, k.ds("SignedInfo"), k.ds("Reference"), k.ds("Transforms"))
    xpath_transform = etree.Element(k.ds("Transform"), Algorithm=XPATH_FILTER)
    etree.SubElement(xpath_transform, k.ds("XPath")).text = "not(ancestor-or-self::saml:AttributeStatement)"
    transforms[0].addnext(xpath_transform)
    filtered = copy.deepcopy(target)
    k.strip_signature(filtered)
    filtered.remove(k.child(filtered, NS.saml("AttributeStatement")))
    k.resign(sig, digest_of=k.canonical(filtered))
    return tree


def test_c8_xpath_transform_leaves_attributes_unsigned() -> None:
    tree = _xpath_signed(k.unsigned())
    k.child(k.attribute(tree), NS.saml("AttributeValue")).text = fx.EVIL_ROLE
    k.reject(k.dump(tree), k.PROFILE)


def test_c8_xpath_transform_even_untampered() -> None:
    k.reject(k.dump(_xpath_signed(k.unsigned())), k.PROFILE)
