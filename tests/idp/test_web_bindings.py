"""HTTP-Redirect / HTTP-POST decoding at the IdP (SECURITY.md R1, R2, G2, G5, J3)."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import quote

import pytest

from idp._web_bindings import MAX_INFLATED
from idp._web_bindings import decode_post
from idp._web_bindings import decode_redirect
from idp._web_bindings import deflate
from idp._web_bindings import encode_redirect
from idp._web_bindings import inflate_capped
from idp._web_bindings import sign_octets
from idp._web_bindings import verify_redirect_signature
from saml_core import KeyPair
from saml_core import SAMLError
from saml_core.constants import SignatureMethod

XML = b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0"/>'


@pytest.fixture(scope="module")
def rsa_keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def ec_keys() -> KeyPair:
    return KeyPair.generate("ec-p256")


def _code(exc: pytest.ExceptionInfo[SAMLError]) -> str:
    return exc.value.code


# ------------------------------------------------------------------------------------------ inflate


def test_inflate_round_trip() -> None:
    assert inflate_capped(deflate(XML)) == XML


def test_g2_deflate_bomb_stops_at_the_cap() -> None:
    bomb = deflate(b"A" * (50 * 1024 * 1024))  # 50 MiB of output from ~50 KiB of input
    assert len(bomb) < 100_000
    with pytest.raises(SAMLError) as exc:
        inflate_capped(bomb)
    assert _code(exc) == "too_large"


def test_inflate_exactly_at_the_cap_is_accepted() -> None:
    data = b"A" * MAX_INFLATED
    assert inflate_capped(deflate(data)) == data


def test_inflate_one_byte_over_the_cap_is_refused() -> None:
    with pytest.raises(SAMLError) as exc:
        inflate_capped(deflate(b"A" * (MAX_INFLATED + 1)))
    assert _code(exc) == "too_large"


@pytest.mark.parametrize(
    "data",
    [b"not deflate at all \xff\xff", deflate(XML)[:-4], deflate(XML) + b"trailing", zlib.compress(XML)],
    ids=["garbage", "truncated", "trailing-data", "zlib-header"],
)
def test_inflate_refuses_broken_streams(data: bytes) -> None:
    with pytest.raises(SAMLError) as exc:
        inflate_capped(data)
    assert _code(exc) == "malformed_xml"


# ---------------------------------------------------------------------------------------- redirect


def _query(xml: bytes = XML, **extra: str) -> bytes:
    query = "SAMLRequest=" + quote(base64.b64encode(deflate(xml)).decode(), safe="")
    for name, value in extra.items():
        query += f"&{name}={quote(value, safe='')}"
    return query.encode()


def test_redirect_decodes_message_and_relay_state() -> None:
    message = decode_redirect(_query(RelayState="/next?x=1"), "SAMLRequest")
    assert message.xml == XML
    assert message.relay_state == "/next?x=1"
    assert message.signature is None


def test_redirect_without_the_parameter_names_what_it_got() -> None:
    query = _query().replace(b"SAMLRequest=", b"SAMLResponse=")
    with pytest.raises(SAMLError) as exc:
        decode_redirect(query, "SAMLRequest")
    assert _code(exc) == "malformed_xml"
    assert "expects SAMLRequest" in str(exc.value)


def test_f9_duplicate_saml_request_is_refused() -> None:
    query = _query() + b"&" + _query()
    with pytest.raises(SAMLError) as exc:
        decode_redirect(query, "SAMLRequest")
    assert _code(exc) == "malformed_xml"


@pytest.mark.parametrize(
    "encoded", ["@@@@", "QUJD", "QUJ", "QU JD-_"], ids=["alphabet", "not-deflate", "padding", "urlsafe"]
)
def test_r2_non_strict_base64_or_non_deflate_is_refused(encoded: str) -> None:
    with pytest.raises(SAMLError) as exc:
        decode_redirect(f"SAMLRequest={quote(encoded)}".encode(), "SAMLRequest")
    assert _code(exc) == "malformed_xml"


def test_g5_relay_state_over_80_bytes_is_refused() -> None:
    with pytest.raises(SAMLError) as exc:
        decode_redirect(_query(RelayState="x" * 81), "SAMLRequest")
    assert _code(exc) == "relay_state_invalid"


def test_relay_state_of_80_bytes_is_accepted() -> None:
    assert decode_redirect(_query(RelayState="x" * 80), "SAMLRequest").relay_state == "x" * 80


def test_relay_state_counts_bytes_not_characters() -> None:
    with pytest.raises(SAMLError) as exc:
        decode_redirect(_query(RelayState="é" * 41), "SAMLRequest")  # 41 characters, 82 bytes
    assert _code(exc) == "relay_state_invalid"


def test_relay_state_with_control_characters_is_refused() -> None:
    with pytest.raises(SAMLError) as exc:
        decode_redirect(_query(RelayState="a\nb"), "SAMLRequest")
    assert _code(exc) == "relay_state_invalid"


# ------------------------------------------------------------------------------- query signature


@pytest.mark.parametrize("which", ["rsa", "ec"])
def test_j3_signed_redirect_verifies(which: str, rsa_keys: KeyPair, ec_keys: KeyPair) -> None:
    keys = rsa_keys if which == "rsa" else ec_keys
    query = encode_redirect(XML, "SAMLRequest", relay_state="rs", keys=keys)
    message = decode_redirect(query.encode(), "SAMLRequest")
    assert verify_redirect_signature(message, [keys.trusted]).same_key(keys.trusted)


def test_j3_verification_uses_the_octets_as_received(rsa_keys: KeyPair) -> None:
    """Sign over lowercase percent-escapes; a re-encoding verifier would produce uppercase and fail."""
    value = base64.b64encode(deflate(XML)).decode()
    raw = "SAMLRequest=" + quote(value, safe="").replace("%2B", "%2b").replace("%2F", "%2f").replace(
        "%3D", "%3d"
    )
    raw += "&SigAlg=" + quote(SignatureMethod.RSA_SHA256.value, safe="").lower()
    signature = sign_octets(raw.encode(), rsa_keys, SignatureMethod.RSA_SHA256)
    raw += "&Signature=" + quote(base64.b64encode(signature).decode(), safe="")
    message = decode_redirect(raw.encode(), "SAMLRequest")
    assert verify_redirect_signature(message, [rsa_keys.trusted])


def test_j3_relay_state_is_covered_by_the_signature(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", relay_state="good", keys=rsa_keys)
    tampered = query.replace("RelayState=good", "RelayState=evil")
    message = decode_redirect(tampered.encode(), "SAMLRequest")
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(message, [rsa_keys.trusted])
    assert _code(exc) == "signature_invalid"


def test_j3_relay_state_dropped_from_signed_query_fails(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", relay_state="good", keys=rsa_keys)
    stripped = query.replace("&RelayState=good", "")
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(stripped.encode(), "SAMLRequest"), [rsa_keys.trusted])
    assert _code(exc) == "signature_invalid"


def test_j3_signature_by_another_key_fails(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", keys=KeyPair.generate())
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(query.encode(), "SAMLRequest"), [rsa_keys.trusted])
    assert _code(exc) == "signature_invalid"


@pytest.mark.parametrize(
    "sig_alg",
    [
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
        "urn:unknown",
    ],
    ids=["rsa-sha1", "dsa", "hmac", "pss", "unknown"],
)
def test_j3_sig_alg_outside_the_allow_list_is_refused(sig_alg: str, rsa_keys: KeyPair) -> None:
    raw = _query().decode() + "&SigAlg=" + quote(sig_alg, safe="")
    raw += "&Signature=" + quote(
        base64.b64encode(sign_octets(raw.encode(), rsa_keys, SignatureMethod.RSA_SHA256)).decode()
    )
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(raw.encode(), "SAMLRequest"), [rsa_keys.trusted])
    assert _code(exc) == "algorithm_forbidden"


def test_j3_sig_alg_downgrade_to_another_allowed_alg_fails(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", keys=rsa_keys)
    swapped = query.replace(
        quote(SignatureMethod.RSA_SHA256.value, safe=""), quote(SignatureMethod.RSA_SHA512.value, safe="")
    )
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(swapped.encode(), "SAMLRequest"), [rsa_keys.trusted])
    assert _code(exc) == "signature_invalid"


def test_signature_without_sig_alg_is_refused(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", keys=rsa_keys)
    no_alg = "&".join(p for p in query.split("&") if not p.startswith("SigAlg="))
    with pytest.raises(SAMLError) as exc:
        decode_redirect(no_alg.encode(), "SAMLRequest")
    assert _code(exc) == "signature_invalid"


def test_unsigned_message_reports_signature_missing(rsa_keys: KeyPair) -> None:
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(_query(), "SAMLRequest"), [rsa_keys.trusted])
    assert _code(exc) == "signature_missing"


def test_no_trusted_keys_is_untrusted_key(rsa_keys: KeyPair) -> None:
    query = encode_redirect(XML, "SAMLRequest", keys=rsa_keys)
    with pytest.raises(SAMLError) as exc:
        verify_redirect_signature(decode_redirect(query.encode(), "SAMLRequest"), [])
    assert _code(exc) == "untrusted_key"


# -------------------------------------------------------------------------------------------- POST


def test_post_decodes_without_inflating() -> None:
    message = decode_post(
        {"SAMLRequest": [base64.b64encode(XML).decode()], "RelayState": ["r"]}, "SAMLRequest"
    )
    assert (message.xml, message.relay_state) == (XML, "r")


def test_r2_post_never_inflates() -> None:
    deflated = base64.b64encode(deflate(XML)).decode()
    assert decode_post({"SAMLRequest": [deflated]}, "SAMLRequest").xml == deflate(XML)


@pytest.mark.parametrize(
    "fields",
    [{}, {"SAMLRequest": ["QUJD", "QUJD"]}, {"SAMLRequest": ["QUJD"], "RelayState": ["a", "b"]}],
    ids=["missing", "twice", "relay-twice"],
)
def test_f9_post_needs_exactly_one_field(fields: dict[str, list[str]]) -> None:
    with pytest.raises(SAMLError) as exc:
        decode_post(fields, "SAMLRequest")
    assert _code(exc) == "malformed_xml"


def test_r1_oversized_post_value_is_refused_before_decoding() -> None:
    with pytest.raises(SAMLError) as exc:
        decode_post({"SAMLRequest": ["A" * (256 * 1024 + 4)]}, "SAMLRequest")
    assert _code(exc) == "too_large"
