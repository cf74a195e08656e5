"""Gates 1-6 and 10 of SECURITY.md 1.0, one test per rule, each negative next to its accepted twin.

Fixture mode (mutate, then sign) isolates the semantic check; attacker mode (sign, then mutate) shows the
digest catching the same change.
"""

from __future__ import annotations

import base64
import zlib

import pytest
from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from sp_adapter import MemoryReplayCache
from sp_adapter import Policy
from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from tests.sp_adapter import _fixtures as fx


def validate(data: bytes | str, **kwargs: object) -> ValidatedAssertion:
    return fx.validate(data, **{"decrypt_keys": [fx.sp_keys()], **kwargs})


def code(data: bytes | str, **kwargs: object) -> str:
    return fx.rejected(data, **{"decrypt_keys": [fx.sp_keys()], **kwargs}).code


def signed_then(variant: str, mutate: object) -> bytes:
    """Attacker mode: sign F0, then apply ``mutate(tree)``."""
    tree = fx.parse(fx.f0(variant))
    mutate(tree)  # type: ignore[operator]
    return fx.serialize(tree)


# ------------------------------------------------------------------------------------ gate 1: R1, R2


def test_r1_size_is_checked_before_decoding() -> None:
    b64 = fx.f0_b64("RA")
    assert validate(b64, policy=fx.generic_policy(max_size=len(b64))).name_id == fx.NAME_ID
    assert code(b64, policy=fx.generic_policy(max_size=len(b64) - 1)) == "too_large"


def test_r1_aws_limit_is_100000_characters() -> None:
    # not base64 at all: only the size gate can tell them apart
    assert code("!" * 100_001) == "too_large"
    assert code("!" * 100_000) == "malformed_xml"
    assert code(b"!" * 100_001) == "too_large"


def test_r1_raw_xml_counts_as_its_base64_length() -> None:
    xml = fx.f0("RA")
    limit = len(base64.b64encode(xml))
    assert validate(xml, policy=fx.generic_policy(max_size=limit)).name_id == fx.NAME_ID
    assert code(xml, policy=fx.generic_policy(max_size=limit - 1)) == "too_large"


def test_r1_generic_limit_is_256_kib() -> None:
    assert Policy(audiences=["a"], recipients=["r"]).max_size == 256 * 1024
    assert code("A" * (256 * 1024 + 1), policy=fx.generic_policy()) == "too_large"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda b: b[:100] + "!" + b[100:], id="non-alphabet"),
        pytest.param(lambda b: b.replace("+", "-").replace("/", "_"), id="url-safe"),
        pytest.param(lambda b: b.rstrip("="), id="no-padding"),
        pytest.param(lambda b: base64.b64encode(b.encode()).decode(), id="double-base64"),
        pytest.param(
            lambda b: base64.b64encode(zlib.compress(base64.b64decode(b))[2:-4]).decode(), id="deflate"
        ),
        pytest.param(lambda b: b + "====", id="extra-padding"),
        pytest.param(lambda b: b[:50] + "\u00e9" + b[50:], id="non-ascii"),
        pytest.param(lambda b: b[:50] + "\t\v" + b[50:], id="vertical-tab"),
        pytest.param(lambda b: "", id="empty"),
    ],
)
def test_r2_only_strict_base64_is_decoded(mangle: object) -> None:
    b64 = fx.f0_b64("RA")
    if not b64.endswith("="):  # make sure the padding cases have padding to lose
        b64 = fx.f0_b64("RA", name_id="alice@attacker.exampl")
    assert b64.endswith("=")
    assert validate(b64).name_id  # twin: the clean form is accepted
    assert code(mangle(b64)) == "malformed_xml"  # type: ignore[operator]


def test_r2_xml_text_is_not_base64() -> None:
    with pytest.raises(ValidationError) as info:
        validate(fx.f0("RA").decode())
    assert info.value.code == "malformed_xml"
    assert "bytes" in str(info.value)


def test_replay_cache_failure_fails_closed_with_its_code() -> None:
    from sp_adapter import ReplayCacheError

    class Broken:
        def check_and_set(self, key: str, expires_at: object, now: object) -> bool:
            raise ReplayCacheError("redis is unreachable")

    with pytest.raises(ValidationError) as info:
        validate(fx.f0("RA"), replay_cache=Broken())
    assert info.value.code == "replay_cache_unavailable"
    assert "unreachable" in str(info.value)


def test_r2_non_canonical_trailing_bits_are_refused() -> None:
    b64 = fx.f0_b64("RA", name_id="alice@attacker.exampl")
    assert b64.endswith("=")
    last = b64.rstrip("=")[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twisted = b64.rstrip("=")[:-1] + alphabet[alphabet.index(last) + 1] + b64[len(b64.rstrip("=")) :]
    assert base64.b64decode(twisted) == base64.b64decode(b64)  # a lenient decoder sees the same bytes
    assert code(twisted) == "malformed_xml"


# ------------------------------------------------------------------------------- gate 2: R3-R8


def test_r3_utf16_is_refused() -> None:
    xml = fx.f0("RA")
    assert code(b"\xff\xfe" + xml.decode().encode("utf-16-le")) == "malformed_xml"


def test_r3_declared_non_utf8_encoding_is_refused() -> None:
    xml = fx.f0("RA")
    assert validate(b'<?xml version="1.0" encoding="utf-8"?>' + xml).name_id == fx.NAME_ID
    assert code(b'<?xml version="1.0" encoding="ISO-8859-1"?>' + xml) == "malformed_xml"


def test_r5_doctype_is_refused() -> None:
    xml = fx.f0("RA")
    assert code(b"<!DOCTYPE samlp:Response>" + xml) == "dtd_forbidden"


def test_r8_comment_inside_signed_nameid_is_refused() -> None:
    # B1: c14n drops the comment, so the digest still holds; the parser gate must refuse it
    xml = fx.f0("A", name_id="admin@victim.example.attacker.example")
    assert validate(xml).name_id == "admin@victim.example.attacker.example"
    attacked = xml.replace(b"admin@victim.example.attacker", b"admin@victim.example<!---->.attacker")
    assert code(attacked) == "unsigned_content"


def test_r8_processing_instruction_and_cdata_are_refused() -> None:
    xml = fx.f0("A")
    assert code(xml.replace(b"alice@attacker", b"alice<?x y?>@attacker")) == "unsigned_content"
    assert (
        code(xml.replace(b"alice@attacker.example", b"alice@<![CDATA[attacker.example]]>"))
        == "unsigned_content"
    )


# ---------------------------------------------------------------------------- gate 3: R10-R16


def test_r11_root_must_be_a_response() -> None:
    response = fx.sign_assertion(fx.build_response())
    assertion = fx.assertion_of(response)
    assert code(fx.serialize(assertion)) == "not_a_response"
    envelope = etree.Element(f"{{{NS.SOAP}}}Envelope")
    etree.SubElement(envelope, f"{{{NS.SOAP}}}Body").append(response)
    assert code(fx.serialize(envelope)) == "not_a_response"


def test_r12_duplicate_ids_are_refused() -> None:
    def add_decoy(tree: etree._Element) -> None:
        extensions = etree.Element(NS.samlp("Extensions"))
        etree.SubElement(extensions, "{urn:x}Decoy", ID="_A")
        tree.insert(1, extensions)

    assert code(signed_then("A", add_decoy)) == "signature_profile_violation"


def test_r12_namespaced_id_attribute_is_refused() -> None:
    def pollute(tree: etree._Element) -> None:
        fx.assertion_of(tree).set("{urn:foo}ID", "_evil")

    assert code(signed_then("A", pollute)) == "signature_profile_violation"


def test_r13_two_assertions_are_refused() -> None:
    def add_evil(tree: etree._Element) -> None:
        clone = fx.evil(fx.clone(fx.assertion_of(tree)))
        clone.set("ID", "_A_attack")
        signature = clone.find(NS.ds("Signature"))
        if signature is not None:
            clone.remove(signature)
        tree.append(clone)

    assert code(signed_then("A", add_evil)) == "assertion_count"


def test_r13_advice_is_refused_even_when_signed() -> None:
    response = fx.build_response()
    assertion = fx.assertion_of(response)
    conditions = assertion.find(NS.saml("Conditions"))
    assert conditions is not None
    conditions.addnext(etree.Element(NS.saml("Advice")))
    fx.sign_variant(response, "RA")
    assert code(fx.serialize(response)) == "assertion_count"


_PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def _with_generic_statement(xsi_type: str) -> etree._Element:
    """F0 plus ``<saml:Statement xsi:type=...>`` in the Assertion; for AttributeStatementType it carries
    the EVIL Role, which a reader that unmarshals by xsi:type (OpenSAML; AWS STS may) sees and we do not."""
    response = fx.build_response()
    statement = etree.SubElement(fx.assertion_of(response), NS.saml("Statement"))
    statement.set(f"{{{NS.XSI}}}type", xsi_type)
    if xsi_type == "saml:AttributeStatementType":
        fx.add_attribute(statement, "https://aws.amazon.com/SAML/Attributes/Role", [fx.EVIL_ROLE])
    else:
        statement.set("AuthnInstant", fx.assertion_of(response).get("IssueInstant", ""))
        context = etree.SubElement(statement, NS.saml("AuthnContext"))
        etree.SubElement(context, NS.saml("AuthnContextClassRef")).text = _PASSWORD_CLASS
    return response


@pytest.mark.parametrize("xsi_type", ["saml:AttributeStatementType", "saml:AuthnStatementType"])
@pytest.mark.parametrize("variant", ["A", "RA", "ERA"])
def test_r10_statement_smuggled_by_xsi_type_is_refused(xsi_type: str, variant: str) -> None:
    from saml_core import validate_schema

    response = _with_generic_statement(xsi_type)
    validate_schema(response, "protocol")  # schema-valid: only our own rule can refuse it
    fx.sign_variant(response, variant)
    with pytest.raises(ValidationError) as caught:
        validate(fx.serialize(response))
    # inside an EncryptedAssertion every plaintext fault is decryption_failed (R39), with the reason in detail
    assert caught.value.code == ("decryption_failed" if "E" in variant else "malformed_xml")
    assert "generic saml:Statement" in caught.value.detail
    # the twin: the same response without the generic Statement is accepted
    assert validate(fx.f0(variant)).aws.roles


def test_r14_signature_outside_the_two_places_is_refused() -> None:
    def copy_signature_into_status(tree: etree._Element) -> None:
        signature = fx.assertion_of(tree).find(NS.ds("Signature"))
        assert signature is not None
        status = tree.find(NS.samlp("Status"))
        assert status is not None
        detail = etree.SubElement(status, NS.samlp("StatusDetail"))
        detail.append(fx.clone(signature))

    assert code(signed_then("RA", copy_signature_into_status)) == "signature_profile_violation"


def test_r14_signature_in_the_wrong_slot_is_refused() -> None:
    def move_after_subject(tree: etree._Element) -> None:
        assertion = fx.assertion_of(tree)
        signature = assertion.find(NS.ds("Signature"))
        subject = assertion.find(NS.saml("Subject"))
        assert signature is not None and subject is not None
        subject.addnext(signature)

    assert code(signed_then("A", move_after_subject)) == "signature_profile_violation"


def test_r10_schema_invalid_content_is_refused() -> None:
    response = fx.build_response()
    etree.SubElement(fx.assertion_of(response), NS.saml("Unknown"))
    fx.sign_variant(response, "RA")
    assert code(fx.serialize(response)) == "malformed_xml"


def test_r10_version_must_be_2_0() -> None:
    response = fx.build_response()
    fx.assertion_of(response).set("Version", "1.1")
    fx.sign_variant(response, "RA")
    assert code(fx.serialize(response)) == "malformed_xml"


def test_r15_unsigned_response_is_refused() -> None:
    xml = fx.serialize(fx.build_response())
    assert code(xml) == "signature_missing"


def test_r15_stripped_signatures_are_refused() -> None:
    def strip(tree: etree._Element) -> None:
        for signature in list(tree.iter(NS.ds("Signature"))):
            parent = signature.getparent()
            assert parent is not None
            parent.remove(signature)
        fx.evil(tree)

    assert code(signed_then("RA", strip)) == "signature_missing"


def test_r15_require_signed_assertion() -> None:
    policy = fx.aws_policy(require_signed_assertion=True)
    assert validate(fx.f0("RA"), policy=policy).name_id == fx.NAME_ID
    assert code(fx.f0("R"), policy=policy) == "signature_missing"
    assert code(fx.f0("ER"), policy=policy) == "signature_missing"


def test_signature_missing_shows_a_generic_message() -> None:
    with pytest.raises(ValidationError) as info:
        validate(fx.serialize(fx.build_response()))
    assert str(info.value) == "Response signature invalid"
    assert "neither" in (info.value.detail or "")


# ------------------------------------------------------------------------------ gates 4-5: R17-R28


def test_r18_empty_reference_uri_is_refused() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), uri="")
    assert code(fx.serialize(response)) == "signature_profile_violation"


def test_r19_xpath_transform_is_refused_before_crypto() -> None:
    response = fx.build_response()
    xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116"
    fx.manual_sign(fx.assertion_of(response), transforms=(fx.ENVELOPED, xpath))
    assert code(fx.serialize(response)) == "signature_profile_violation"


def test_r19_missing_enveloped_transform_is_refused() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), transforms=("http://www.w3.org/2001/10/xml-exc-c14n#",))
    assert code(fx.serialize(response)) == "signature_profile_violation"


def test_r19_inclusive_c14n_without_comments_is_accepted() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), c14n="c14n")
    assert validate(fx.serialize(response)).name_id == fx.NAME_ID


def test_r21_sha1_needs_the_opt_in() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), method=SignatureMethod.RSA_SHA1, digest=DigestMethod.SHA1)
    xml = fx.serialize(response)
    assert code(xml) == "algorithm_forbidden"
    assert validate(xml, policy=fx.aws_policy(allow_sha1=True)).name_id == fx.NAME_ID
    assert validate(xml, trust=fx.trust(allow_sha1=True)).name_id == fx.NAME_ID


def test_r21_sha1_digest_under_sha256_signature_needs_the_opt_in() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), digest=DigestMethod.SHA1)
    xml = fx.serialize(response)
    assert code(xml) == "algorithm_forbidden"
    assert validate(xml, policy=fx.aws_policy(allow_sha1=True)).name_id == fx.NAME_ID


def test_r21_hmac_is_never_allowed() -> None:
    def relabel(tree: etree._Element) -> None:
        method = next(fx.assertion_of(tree).iter(NS.ds("SignatureMethod")))
        method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")

    assert code(signed_then("A", relabel), policy=fx.aws_policy(allow_sha1=True)) == "algorithm_forbidden"


def test_r22_rsa_1024_needs_the_lowered_floor() -> None:
    weak = KeyPair.generate("rsa-1024", now=fx.NOW)  # type: ignore[arg-type]
    xml = fx.f0("RA", keys=weak)
    assert code(xml, trust=fx.trust(weak)) == "weak_key"
    assert validate(xml, trust=fx.trust(weak, min_rsa_bits=1024)).name_id == fx.NAME_ID
    assert validate(xml, trust=fx.trust(weak), policy=fx.aws_policy(min_rsa_bits=1024)).name_id == fx.NAME_ID


def test_r22_ecdsa_method_with_an_rsa_key_is_refused() -> None:
    ec_keys = KeyPair.generate("ec-p256", now=fx.NOW)
    xml = fx.f0("A", keys=ec_keys)
    assert validate(xml, trust=fx.trust(ec_keys)).name_id == fx.NAME_ID
    assert code(xml, trust=fx.trust(fx.idp_keys())) == "algorithm_forbidden"


def test_r25_keyinfo_certificate_is_not_trusted() -> None:
    # E1: EVIL and re-signed with the attacker's key and certificate in KeyInfo
    response = fx.evil(fx.build_response())
    fx.sign_variant(response, "RA", fx.attacker_keys())
    assert code(fx.serialize(response)) == "untrusted_key"


def test_r25_attacker_key_without_keyinfo_is_a_bad_signature() -> None:
    response = fx.evil(fx.build_response())
    fx.manual_sign(fx.assertion_of(response), fx.attacker_keys(), include_certificate=False)
    assert code(fx.serialize(response)) == "signature_invalid"


def test_unknown_issuer_selects_no_keys() -> None:
    xml = fx.f0("RA", issuer="https://attacker.example/")
    assert code(xml) == "issuer_mismatch"
    assert (
        validate(xml, trust=fx.trust(issuer="https://attacker.example/")).issuer
        == "https://attacker.example/"
    )


# --------------------------------------------------------------------------- gates 5-6: R29, R30


@pytest.mark.parametrize("variant", ["A", "R", "RA"])
def test_evil_after_signing_breaks_the_digest(variant: str) -> None:
    assert code(signed_then(variant, fx.evil)) == "signature_invalid"


@pytest.mark.parametrize("which", ["response", "assertion"])
def test_r29_every_present_signature_must_verify(which: str) -> None:
    def flip(tree: etree._Element) -> None:
        owner = tree if which == "response" else fx.assertion_of(tree)
        value = owner.find(NS.ds("Signature"))
        assert value is not None
        node = value.find(NS.ds("SignatureValue"))
        assert node is not None and node.text
        raw = bytearray(base64.b64decode(node.text))
        raw[10] ^= 1
        node.text = base64.b64encode(bytes(raw)).decode()

    assert code(signed_then("RA", flip)) == "signature_invalid"


def test_r43_response_and_assertion_signed_by_two_trusted_entities_are_refused() -> None:
    other = "https://other-idp.example.test/"
    response = fx.build_response()
    fx.sign_assertion(response, fx.idp_keys_2())
    issuer = response.find(NS.saml("Issuer"))
    assert issuer is not None
    issuer.text = other
    fx.sign_response(response, fx.idp_keys())
    both = fx.trust(fx.idp_keys_2()) | fx.trust(fx.idp_keys(), issuer=other)
    assert code(fx.serialize(response), trust=both) == "issuer_mismatch"


# ------------------------------------------------------------------------- encryption: R35-R41


def test_encrypted_assertion_without_a_key_is_refused() -> None:
    assert code(fx.f0("EA"), decrypt_keys=[]) == "decryption_failed"
    assert code(fx.f0("EA"), decrypt_keys=[fx.attacker_keys()]) == "decryption_failed"


def test_encrypted_unsigned_everywhere_is_refused() -> None:
    response = fx.encrypt_assertion(fx.build_response())
    assert code(fx.serialize(response)) == "signature_missing"


def test_r35_response_signature_fails_before_decryption() -> None:
    # I7: a flipped ciphertext byte under a signed Response never reaches the decryptor
    def flip_ciphertext(tree: etree._Element) -> None:
        value = list(fx.assertion_of(tree).iter(NS.xenc("CipherValue")))[-1]
        raw = bytearray(base64.b64decode(value.text or ""))
        raw[20] ^= 1
        value.text = base64.b64encode(bytes(raw)).decode()

    assert code(signed_then("ERA", flip_ciphertext)) == "signature_invalid"
    assert code(signed_then("EA", flip_ciphertext)) == "decryption_failed"


def test_i1_swapped_encrypted_assertion_under_a_signed_response_is_refused() -> None:
    # I1b: the attacker encrypts their own assertion to our public key and swaps it in
    forged = fx.encrypt_assertion(fx.evil(fx.build_response()))

    def swap(tree: etree._Element) -> None:
        tree.replace(fx.assertion_of(tree), fx.clone(fx.assertion_of(forged)))

    assert code(signed_then("ER", swap)) == "signature_invalid"


def test_encryption_required_refuses_a_plain_assertion() -> None:
    uuid = "A" * 22
    recipient = f"https://us-east-1.signin.aws.amazon.com/saml/acs/{uuid}"
    policy = fx.aws_policy(provider_uuid=uuid, encryption_required=True)
    xml = fx.f0("ERA", destination=recipient, recipient=recipient)
    assert validate(xml, policy=policy).recipient == recipient
    error_code = code(fx.f0("RA", destination=recipient, recipient=recipient), policy=policy)
    assert error_code == "decryption_failed"


def test_decrypted_plaintext_with_a_duplicate_outer_id_is_refused() -> None:
    """R39/R40: IDs are unique across the combined document, and the failure is decryption_failed."""
    response = fx.build_response(assertion_id="_R2")
    fx.sign_assertion(response)
    fx.encrypt_assertion(response)
    response.set("ID", "_R2")
    fx.sign_response(response)
    with pytest.raises(ValidationError) as caught:
        validate(fx.serialize(response))
    assert caught.value.code == "decryption_failed"
    assert "duplicate ID '_R2'" in caught.value.detail
    # the twin: the same construction with distinct IDs is accepted
    twin = fx.build_response(assertion_id="_A2")
    fx.sign_assertion(twin)
    fx.encrypt_assertion(twin)
    fx.sign_response(twin)
    assert validate(fx.serialize(twin)).assertion_id == "_A2"


# ---------------------------------------------------------------------------------- gate 10: R49


def test_r49_second_use_is_refused() -> None:
    cache = MemoryReplayCache()
    first = validate(fx.f0("RA"), replay_cache=cache)
    assert first.replay_checked is True
    with pytest.raises(ValidationError) as info:
        validate(fx.f0("RA"), replay_cache=cache)
    assert info.value.code == "replayed"


def test_r49_same_assertion_in_a_new_response_is_refused() -> None:
    cache = MemoryReplayCache()
    validate(fx.f0("RA"), replay_cache=cache)
    assert code(fx.f0("RA", response_id="_R_new"), replay_cache=cache) == "replayed"
    assert code(fx.f0("RA", assertion_id="_A_new"), replay_cache=cache) == "replayed"
    assert validate(fx.f0("RA", assertion_id="_A2", response_id="_R2"), replay_cache=cache).replay_checked


def test_r49_a_rejected_message_does_not_burn_the_id() -> None:
    cache = MemoryReplayCache()
    assert (
        code(fx.f0("RA", audiences=("https://elsewhere.example/",)), replay_cache=cache)
        == "audience_mismatch"
    )
    assert validate(fx.f0("RA"), replay_cache=cache).replay_checked is True


def test_r49_far_future_not_on_or_after_saturates() -> None:
    from saml_core import format_instant

    tree = fx.build_response()
    for node in tree.iter(NS.saml("Conditions"), NS.saml("SubjectConfirmationData")):
        node.set("NotOnOrAfter", "9999-12-31T23:59:59Z")
    xml = fx.serialize(fx.sign_variant(tree, "RA"))
    cache = MemoryReplayCache()
    assert format_instant(validate(xml, replay_cache=cache).not_on_or_after) == "9999-12-31T23:59:59Z"
    assert code(xml, replay_cache=cache) == "replayed"


def test_r49_entries_live_until_the_latest_end_plus_skew() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.calls: list[tuple[str, object]] = []

        def check_and_set(self, key: str, expires_at: object, now: object) -> bool:
            self.calls.append((key, expires_at))
            return True

    recorder = Recorder()
    validate(fx.f0("RA"), replay_cache=recorder)
    from datetime import timedelta

    assert [key for key, _ in recorder.calls] == [f"assertion:{fx.IDP}#_A", f"response:{fx.IDP}#_R"]
    assert {expires for _, expires in recorder.calls} == {fx.NOW + timedelta(minutes=5, seconds=180)}


@pytest.mark.parametrize("raw", [b"ABC", b"ABCD", b"ABCDE", b"<x/>" * 100, b"<x/>" * 100 + b"!"])
def test_r2_every_padding_length_refuses_set_unused_bits(raw: bytes) -> None:
    from sp_adapter._checks_transport import strict_b64decode

    good = base64.b64encode(raw)
    assert strict_b64decode(good) == raw
    assert strict_b64decode(good[:-4] + b"\r\n" + good[-4:] + b"\n") == raw  # line breaks are not bits
    pad = len(good) - len(good.rstrip(b"="))
    if pad == 0:
        return  # a full last quantum has no unused bits
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = good[-pad - 1]
    twisted = good[: -pad - 1] + bytes([alphabet[alphabet.index(last) + 1]]) + good[-pad:]
    assert base64.b64decode(twisted) == raw  # a lenient decoder reads the same bytes
    with pytest.raises(ValidationError) as info:
        strict_b64decode(twisted)
    assert info.value.code == "malformed_xml"
