"""Gate 8: protocol rules R32-R34 and R42-R50 in fixture mode (a valid signature over the wrong meaning).

Every negative has its accepted twin; each test asserts the exact code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from lxml import etree

from saml_core import NS
from saml_core import format_instant
from sp_adapter import MemoryReplayCache
from tests.sp_adapter import _fixtures as fx

Mutation = Callable[[etree._Element], None]
REGIONAL = "https://eu-west-1.signin.aws.amazon.com/saml"


def signed(mutate: Mutation | None = None, variant: str = "RA", **fields: object) -> bytes:
    """Fixture mode: build F0 with ``fields``, apply ``mutate``, then sign."""
    tree = fx.build_response(**fields)  # type: ignore[arg-type]
    if mutate is not None:
        mutate(tree)
    return fx.serialize(fx.sign_variant(tree, variant))


validate = fx.validate
error = fx.rejected


def code(data: bytes, **kwargs: object) -> str:
    return fx.rejected(data, **kwargs).code


def assertion(tree: etree._Element) -> etree._Element:
    return fx.assertion_of(tree)


def find(tree: etree._Element, tag: str) -> etree._Element:
    node = next(tree.iter(tag), None)
    assert node is not None, tag
    return node


# -------------------------------------------------------------------------------------- R42 Status


def test_r42_non_success_status_is_refused() -> None:
    def responder(tree: etree._Element) -> None:
        find(tree, NS.samlp("StatusCode")).set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")

    failure = error(signed(responder))
    assert (failure.code, failure.aws_error) == ("status_not_success", "IDPRejectedClaim")
    assert "Responder" in str(failure)
    assert validate(signed()).name_id == fx.NAME_ID


def test_r42_nested_status_code_under_success_is_refused() -> None:
    def nested(tree: etree._Element) -> None:
        etree.SubElement(
            find(tree, NS.samlp("StatusCode")),
            NS.samlp("StatusCode"),
            Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed",
        )

    assert code(signed(nested)) == "status_not_success"


# -------------------------------------------------------------------------------------- R43 Issuer


def test_r43_assertion_issuer_must_be_the_verifying_entity() -> None:
    other = "https://other-idp.example.test/"

    def other_assertion_issuer(tree: etree._Element) -> None:
        find(assertion(tree), NS.saml("Issuer")).text = other

    # Response signed by IDP's key; the assertion claims another trusted IdP
    both = fx.trust() | fx.trust(fx.idp_keys_2(), issuer=other)
    failure = error(signed(other_assertion_issuer, "R"), trust=both)
    assert failure.code == "issuer_mismatch"
    assert other in str(failure)
    assert validate(signed(None, "R"), trust=both).issuer == fx.IDP


def test_r43_issuer_format_must_be_entity() -> None:
    def email_format(tree: etree._Element) -> None:
        find(assertion(tree), NS.saml("Issuer")).set(
            "Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        )

    assert code(signed(email_format)) == "issuer_mismatch"


def test_r43_issuer_without_format_is_accepted() -> None:
    def no_format(tree: etree._Element) -> None:
        for issuer in tree.iter(NS.saml("Issuer")):
            del issuer.attrib["Format"]

    assert validate(signed(no_format)).issuer == fx.IDP


def test_r43_response_issuer_is_optional() -> None:
    assert validate(signed(response_issuer=False)).issuer == fx.IDP


def test_r32_unsigned_response_issuer_must_match_the_signed_one() -> None:
    # C3: only the assertion is signed; the Response Issuer was changed in transit
    tree = fx.parse(fx.f0("A"))
    find(tree, NS.saml("Issuer")).text = "https://attacker.example/"
    assert code(fx.serialize(tree)) == "issuer_mismatch"


def test_r34_issuer_is_compared_exactly() -> None:
    assert code(signed(issuer=fx.IDP.rstrip("/")), trust=fx.trust()) == "issuer_mismatch"

    def padded(tree: etree._Element) -> None:
        for issuer in tree.iter(NS.saml("Issuer")):
            issuer.text = f"  {fx.IDP}\n"

    # xs:anyURI collapses surrounding whitespace, nothing else
    assert validate(signed(padded)).issuer == fx.IDP


# --------------------------------------------------------------------------------- R44 Destination


def test_r44_destination_must_be_allowed() -> None:
    failure = error(signed(destination="https://signin.aws.amazon.com/saml/"))
    assert failure.code == "destination_mismatch"
    assert "https://signin.aws.amazon.com/saml/" in str(failure)
    assert validate(signed(destination=REGIONAL, recipient=REGIONAL)).recipient == REGIONAL


def test_r44_signed_response_must_carry_a_destination() -> None:
    assert code(signed(destination=None)) == "destination_mismatch"
    assert validate(signed(variant="A", destination=None)).name_id == fx.NAME_ID


def test_r32_unsigned_destination_must_equal_the_signed_recipient() -> None:
    tree = fx.parse(fx.f0("A"))
    tree.set("Destination", REGIONAL)  # allowed in general, but not what the IdP signed
    assert code(fx.serialize(tree)) == "destination_mismatch"


def test_destinations_can_differ_from_recipients_in_a_generic_policy() -> None:
    other = "https://sp.example.test/acs"
    xml = signed(destination=other)
    assert code(xml, policy=fx.generic_policy()) == "destination_mismatch"
    assert validate(xml, policy=fx.generic_policy(destinations=(other,))).recipient == fx.ACS


# ----------------------------------------------------------------------------- R45 Subject / bearer


def test_r45_recipient_must_be_allowed() -> None:
    failure = error(signed(recipient="https://sp.example.test/acs"))
    assert (failure.code, failure.aws_error) == ("recipient_mismatch", "InvalidIdentityToken")


def test_r45_recipient_is_required() -> None:
    assert code(signed(recipient=None)) == "subject_confirmation_invalid"


def test_r45_bearer_data_must_not_carry_not_before() -> None:
    def not_before(tree: etree._Element) -> None:
        find(tree, NS.saml("SubjectConfirmationData")).set("NotBefore", format_instant(fx.NOW))

    assert code(signed(not_before)) == "subject_confirmation_invalid"


def test_r45_method_must_be_bearer() -> None:
    def holder_of_key(tree: etree._Element) -> None:
        find(tree, NS.saml("SubjectConfirmation")).set(
            "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
        )

    assert code(signed(holder_of_key)) == "subject_confirmation_invalid"


def test_r45_exactly_one_subject_confirmation() -> None:
    def second(tree: etree._Element) -> None:
        confirmation = find(tree, NS.saml("SubjectConfirmation"))
        confirmation.addnext(fx.clone(confirmation))

    assert code(signed(second)) == "subject_confirmation_invalid"


def test_r45_not_on_or_after_is_required() -> None:
    def drop(tree: etree._Element) -> None:
        del find(tree, NS.saml("SubjectConfirmationData")).attrib["NotOnOrAfter"]

    assert code(signed(drop)) == "subject_confirmation_invalid"


def test_r45_subject_confirmation_data_expiry() -> None:
    def short(tree: etree._Element) -> None:
        find(tree, NS.saml("SubjectConfirmationData")).set("NotOnOrAfter", format_instant(fx.NOW))

    xml = signed(short)
    assert validate(xml, now=fx.NOW + timedelta(seconds=179)).name_id == fx.NAME_ID
    failure = error(xml, now=fx.NOW + timedelta(seconds=180))
    assert (failure.code, failure.aws_error) == ("expired", "ExpiredTokenException")


def test_r45_name_id_must_be_present_and_non_empty() -> None:
    def remove(tree: etree._Element) -> None:
        name_id = find(tree, NS.saml("NameID"))
        parent = name_id.getparent()
        assert parent is not None
        parent.remove(name_id)

    assert code(signed(remove)) == "subject_confirmation_invalid"
    assert code(signed(name_id="")) == "subject_confirmation_invalid"


def test_h15_sp_name_qualifier_must_name_our_audience() -> None:
    def qualify(tree: etree._Element, value: str) -> None:
        find(tree, NS.saml("NameID")).set("SPNameQualifier", value)

    assert code(signed(lambda t: qualify(t, "https://other-sp.example/"))) == "subject_confirmation_invalid"
    assert validate(signed(lambda t: qualify(t, fx.AUDIENCE))).name_id == fx.NAME_ID


def test_r34_name_id_is_returned_verbatim() -> None:
    for value in ("Alice@Example.test ", "alice\u00a0@example.test", "ａlice"):
        assert validate(signed(name_id=value)).name_id == value


def test_r33_name_id_with_a_child_element_is_refused() -> None:
    def child(tree: etree._Element) -> None:
        etree.SubElement(find(tree, NS.saml("NameID")), "{urn:x}x")

    assert code(signed(child)) == "malformed_xml"


# ---------------------------------------------------------------------------- R46 Conditions


def test_r46_audience_must_be_allowed() -> None:
    failure = error(signed(audiences=("https://sp.other.example/",)))
    assert failure.code == "audience_mismatch"
    assert "https://sp.other.example/" in str(failure) and "urn:amazon:webservices" in str(failure)
    assert validate(signed(audiences=("https://signin.aws.amazon.com/saml",))).audiences == (
        "https://signin.aws.amazon.com/saml",
    )


def test_r46_one_matching_audience_in_a_restriction_is_enough() -> None:
    result = validate(signed(audiences=("https://sp.other.example/", fx.AUDIENCE)))
    assert result.audiences == ("https://sp.other.example/", fx.AUDIENCE)


def test_r46_every_restriction_must_match() -> None:
    def second_restriction(tree: etree._Element, audience: str) -> None:
        restriction = etree.SubElement(find(tree, NS.saml("Conditions")), NS.saml("AudienceRestriction"))
        etree.SubElement(restriction, NS.saml("Audience")).text = audience

    assert code(signed(lambda t: second_restriction(t, "https://sp.other.example/"))) == "audience_mismatch"
    assert validate(signed(lambda t: second_restriction(t, "https://signin.aws.amazon.com/saml"))).name_id


def test_r46_audience_restriction_is_required() -> None:
    def drop(tree: etree._Element) -> None:
        conditions = find(tree, NS.saml("Conditions"))
        conditions.remove(find(conditions, NS.saml("AudienceRestriction")))

    assert code(signed(drop)) == "audience_mismatch"


def test_r46_conditions_are_required() -> None:
    def drop(tree: etree._Element) -> None:
        assertion(tree).remove(find(tree, NS.saml("Conditions")))

    assert code(signed(drop)) == "audience_mismatch"


def test_r34_audience_with_a_trailing_slash_is_another_audience() -> None:
    assert code(signed(audiences=("urn:amazon:webservices/",))) == "audience_mismatch"


def test_r46_conditions_window() -> None:
    def window(tree: etree._Element, not_before: int, not_after: int) -> None:
        conditions = find(tree, NS.saml("Conditions"))
        conditions.set("NotBefore", format_instant(fx.NOW + timedelta(seconds=not_before)))
        conditions.set("NotOnOrAfter", format_instant(fx.NOW + timedelta(seconds=not_after)))

    assert code(signed(lambda t: window(t, 181, 600))) == "not_yet_valid"
    assert validate(signed(lambda t: window(t, 180, 600))).name_id
    assert code(signed(lambda t: window(t, -600, -180))) == "expired"
    assert validate(signed(lambda t: window(t, -600, -179))).name_id


def test_r46_one_time_use_needs_a_replay_cache() -> None:
    def one_time(tree: etree._Element) -> None:
        etree.SubElement(find(tree, NS.saml("Conditions")), NS.saml("OneTimeUse"))

    xml = signed(one_time)
    failure = error(xml)
    assert (failure.code, failure.aws_error) == ("condition_unsupported", "InvalidIdentityToken")
    cache = MemoryReplayCache()
    assert validate(xml, replay_cache=cache).replay_checked is True
    assert code(xml, replay_cache=cache) == "replayed"


def test_r46_proxy_restriction_is_ignored() -> None:
    def proxy(tree: etree._Element) -> None:
        restriction = etree.SubElement(
            find(tree, NS.saml("Conditions")), NS.saml("ProxyRestriction"), Count="0"
        )
        etree.SubElement(restriction, NS.saml("Audience")).text = "https://proxy.example/"

    assert validate(signed(proxy)).name_id == fx.NAME_ID


def test_r46_unknown_condition_is_refused() -> None:
    def custom(tree: etree._Element, xsi_type: str) -> None:
        condition = etree.SubElement(find(tree, NS.saml("Conditions")), NS.saml("Condition"))
        condition.set(f"{{{NS.XSI}}}type", xsi_type)

    # schema-valid, but a generic saml:Condition we do not interpret
    assert code(signed(lambda t: custom(t, "saml:OneTimeUseType"))) == "condition_unsupported"
    # a type the schema does not know never gets that far
    assert code(signed(lambda t: custom(t, "saml:NoSuchType"))) == "malformed_xml"


# ---------------------------------------------------------------------------------- R47 time


def test_r47_issue_instant_in_the_future_is_refused() -> None:
    def future(tree: etree._Element, seconds: int) -> None:
        assertion(tree).set("IssueInstant", format_instant(fx.NOW + timedelta(seconds=seconds)))

    assert code(signed(lambda t: future(t, 181))) == "not_yet_valid"
    assert validate(signed(lambda t: future(t, 180))).name_id


def test_r47_response_issue_instant_in_the_future_is_refused() -> None:
    def future(tree: etree._Element) -> None:
        tree.set("IssueInstant", format_instant(fx.NOW + timedelta(minutes=10)))

    assert code(signed(future)) == "not_yet_valid"


def test_r47_max_age() -> None:
    xml = signed()
    later = fx.NOW + timedelta(seconds=100)
    assert validate(xml, now=later, policy=fx.aws_policy(max_age=300)).name_id
    assert code(xml, now=later, policy=fx.aws_policy(max_age=60, clock_skew=0)) == "expired"


def test_r47_session_not_on_or_after_must_lie_ahead() -> None:
    def session_end(tree: etree._Element, seconds: int) -> None:
        find(tree, NS.saml("AuthnStatement")).set(
            "SessionNotOnOrAfter", format_instant(fx.NOW + timedelta(seconds=seconds))
        )

    assert code(signed(lambda t: session_end(t, -181))) == "expired"
    assert validate(signed(lambda t: session_end(t, 3600))).name_id


def test_r47_clock_skew_zero_is_exact() -> None:
    xml = signed(lifetime=60)
    policy = fx.aws_policy(clock_skew=0)
    assert validate(xml, now=fx.NOW + timedelta(seconds=59), policy=policy).name_id
    assert code(xml, now=fx.NOW + timedelta(seconds=60), policy=policy) == "expired"


def test_r47_timestamps_with_offsets_are_understood() -> None:
    def offset(tree: etree._Element) -> None:
        # the same instant, written as +14:00
        tree.set("IssueInstant", (fx.NOW + timedelta(hours=14)).strftime("%Y-%m-%dT%H:%M:%S+14:00"))

    assert validate(signed(offset)).name_id


def test_r47_unparseable_timestamp_is_malformed() -> None:
    def bad(tree: etree._Element) -> None:
        find(tree, NS.saml("SubjectConfirmationData")).set("NotOnOrAfter", "2026-03-01T12:05:00")

    assert code(signed(bad)) == "malformed_xml"


# ------------------------------------------------------------------------------ R48 InResponseTo


def test_r48_request_id_must_match() -> None:
    xml = signed()
    assert validate(xml, request_id=fx.REQUEST_ID).in_response_to == fx.REQUEST_ID
    failure = error(xml, request_id="_OTHER")
    assert (failure.code, failure.aws_error) == ("in_response_to_mismatch", "InvalidIdentityToken")


def test_r48_solicited_response_must_carry_in_response_to() -> None:
    assert code(signed(in_response_to=None), request_id=fx.REQUEST_ID) == "in_response_to_mismatch"


def test_r48_response_and_subject_values_must_agree() -> None:
    def differ(tree: etree._Element) -> None:
        tree.set("InResponseTo", "_OTHER")

    assert code(signed(differ)) == "in_response_to_mismatch"
    assert code(signed(differ), request_id=fx.REQUEST_ID) == "in_response_to_mismatch"


def test_r48_unsolicited_needs_the_policy() -> None:
    xml = signed(in_response_to=None)
    assert validate(xml).in_response_to is None
    assert code(xml, policy=fx.aws_policy(allow_unsolicited=False)) == "in_response_to_mismatch"
    assert validate(signed(), policy=fx.aws_policy(allow_unsolicited=False), request_id=fx.REQUEST_ID).name_id


def test_r32_unsigned_in_response_to_tampering_is_refused() -> None:
    tree = fx.parse(fx.f0("A"))
    tree.set("InResponseTo", "_EVIL")
    assert code(fx.serialize(tree)) == "in_response_to_mismatch"


# --------------------------------------------------------------------------- R50 AuthnStatement


def test_r50_authn_statement_is_required() -> None:
    def drop(tree: etree._Element) -> None:
        assertion(tree).remove(find(tree, NS.saml("AuthnStatement")))

    assert code(signed(drop)) == "malformed_xml"


def test_two_authn_statements_are_accepted() -> None:
    def second(tree: etree._Element) -> None:
        statement = find(tree, NS.saml("AuthnStatement"))
        statement.addnext(fx.clone(statement))

    assert validate(signed(second)).session_index == "_S1"


# --------------------------------------------------------------------------------- R41 encryption


def test_r41_encrypted_attribute_is_refused() -> None:
    def encrypted_attribute(tree: etree._Element) -> None:
        statement = find(tree, NS.saml("AttributeStatement"))
        holder = etree.SubElement(statement, NS.saml("EncryptedAttribute"))
        data = etree.SubElement(holder, NS.xenc("EncryptedData"))
        etree.SubElement(etree.SubElement(data, NS.xenc("CipherData")), NS.xenc("CipherValue")).text = "AAAA"

    assert code(signed(encrypted_attribute)) == "decryption_failed"


def test_r41_encrypted_name_id_is_decrypted() -> None:
    from saml_core import encrypt_element

    def encrypt_name_id(tree: etree._Element) -> None:
        name_id = find(tree, NS.saml("NameID"))
        wrapper = etree.Element(NS.saml("EncryptedID"))
        wrapper.append(encrypt_element(name_id, fx.sp_keys().trusted))
        name_id.getparent().replace(name_id, wrapper)  # type: ignore[union-attr]

    xml = signed(encrypt_name_id)
    assert b"EncryptedID" in xml and fx.NAME_ID.encode() not in xml
    assert validate(xml, decrypt_keys=[fx.sp_keys()]).name_id == fx.NAME_ID
    assert code(xml) == "decryption_failed"


@pytest.mark.parametrize("cipher", ["AES128_CBC", "AES256_CBC"])
def test_r37_encrypted_name_id_obeys_the_cbc_switch(cipher: str) -> None:
    """R37/R41: an EncryptedID decrypts under the policy's algorithms, as an EncryptedAssertion does; a
    decryption that ignored Policy(allow_aes_cbc=False) accepted a CBC EncryptedID (red-team finding F1)."""
    from saml_core import encrypt_element
    from saml_core.constants import BlockCipher

    def encrypt_name_id(tree: etree._Element) -> None:
        name_id = find(tree, NS.saml("NameID"))
        wrapper = etree.Element(NS.saml("EncryptedID"))
        wrapper.append(encrypt_element(name_id, fx.sp_keys().trusted, cipher=BlockCipher[cipher]))
        name_id.getparent().replace(name_id, wrapper)  # type: ignore[union-attr]

    xml = signed(encrypt_name_id)
    keys = [fx.sp_keys()]
    assert (
        validate(xml, decrypt_keys=keys).name_id == fx.NAME_ID
    )  # CBC is allowed by default (AWS decrypts it)
    refused = fx.rejected(xml, decrypt_keys=keys, policy=fx.aws_policy(allow_aes_cbc=False))
    assert refused.code == "decryption_failed"
    assert "EncryptedID" in (refused.detail or "") and "CBC" in (refused.detail or "")
