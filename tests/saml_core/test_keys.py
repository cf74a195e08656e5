"""KeyPair (ours: signs, decrypts) and TrustedKey (theirs: verifies), loaded once."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import load_certificate
from saml_core.constants import SignatureMethod
from saml_core.errors import KeyLoadError
from saml_core.errors import SAMLError
from tests.saml_core.builders import NOW


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(SAMLError) as info:
        call()
    return info.value.code


@pytest.mark.parametrize(
    ("algorithm", "kind", "size", "method"),
    [
        ("rsa-2048", "rsa", 2048, SignatureMethod.RSA_SHA256),
        ("ec-p256", "ec", 256, SignatureMethod.ECDSA_SHA256),
        ("ec-p384", "ec", 384, SignatureMethod.ECDSA_SHA384),
        ("ec-p521", "ec", 521, SignatureMethod.ECDSA_SHA512),
    ],
)
def test_generate(algorithm: str, kind: str, size: int, method: SignatureMethod) -> None:
    keys = KeyPair.generate(algorithm, common_name="idp.example.test", days=30, now=NOW)  # type: ignore[arg-type]
    assert (keys.kind, keys.key_size, keys.default_signature_method) == (kind, size, method)
    cert = keys.certificate
    assert cert.subject == cert.issuer  # self-signed: SAML pins keys, no CA (R27)
    assert cert.subject.rfc4514_string() == "CN=idp.example.test"
    assert cert.not_valid_before_utc < NOW < cert.not_valid_after_utc
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30
    assert keys.trusted.same_key(TrustedKey.from_pem(keys.cert_pem))


def test_generate_rsa_3072(rsa3072_keys: KeyPair) -> None:
    assert (rsa3072_keys.kind, rsa3072_keys.key_size) == ("rsa", 3072)


def test_generate_unknown_algorithm_refused() -> None:
    assert code_of(lambda: KeyPair.generate("dsa-1024")) == "key_invalid"  # type: ignore[arg-type]


def test_from_pem_round_trip(idp_keys: KeyPair) -> None:
    again = KeyPair.from_pem(idp_keys.key_pem, idp_keys.cert_pem)
    assert again.cert_der == idp_keys.cert_der
    assert again.trusted.fingerprint_sha256 == idp_keys.trusted.fingerprint_sha256


def test_from_pem_traditional_and_encrypted_keys(idp_keys: KeyPair) -> None:
    private = idp_keys.private_key
    pkcs1 = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert KeyPair.from_pem(pkcs1, idp_keys.cert_pem).cert_der == idp_keys.cert_der
    locked = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    opened = KeyPair.from_pem(locked, idp_keys.cert_pem, password=b"secret")
    assert b"ENCRYPTED" not in opened.key_pem  # kept decrypted in memory, parsed once
    assert code_of(lambda: KeyPair.from_pem(locked, idp_keys.cert_pem)) == "key_invalid"


def test_from_pem_refuses_a_certificate_of_another_key(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    assert code_of(lambda: KeyPair.from_pem(idp_keys.key_pem, attacker_keys.cert_pem)) == "key_invalid"


@pytest.mark.parametrize(
    "key_pem", [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]
)
def test_from_pem_refuses_garbage(idp_keys: KeyPair, key_pem: bytes) -> None:
    assert code_of(lambda: KeyPair.from_pem(key_pem, idp_keys.cert_pem)) == "key_invalid"
    assert code_of(lambda: KeyPair.from_pem(idp_keys.key_pem, key_pem)) == "key_invalid"


def test_from_files(tmp_path: Path, idp_keys: KeyPair) -> None:
    key, cert = tmp_path / "idp.key", tmp_path / "idp.crt"
    key.write_bytes(idp_keys.key_pem)
    cert.write_bytes(idp_keys.cert_pem)
    assert KeyPair.from_files(str(key), str(cert)).cert_der == idp_keys.cert_der
    assert code_of(lambda: KeyPair.from_files(str(key), str(tmp_path / "missing.crt"))) == "key_invalid"


def test_trusted_key_from_every_public_form(idp_keys: KeyPair) -> None:
    public = idp_keys.private_key.public_key()
    spki = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    assert b"BEGIN RSA PUBLIC KEY" in pkcs1  # the onelogin-03 trust anchor's form
    forms = [
        TrustedKey.from_pem(idp_keys.cert_pem),
        TrustedKey.from_pem(spki),
        TrustedKey.from_pem(pkcs1),
        TrustedKey.from_der_b64(idp_keys.cert_b64),
        TrustedKey.from_der_b64("\n".join(idp_keys.cert_b64[i : i + 64] for i in range(0, 3000, 64))),
        TrustedKey.from_certificate(idp_keys.certificate),
    ]
    assert all(form.same_key(idp_keys.trusted) for form in forms)
    assert forms[1].cert_der is None and forms[0].cert_der == idp_keys.cert_der


def test_trusted_key_fingerprint_is_sha256_of_the_certificate(idp_keys: KeyPair) -> None:
    import hashlib

    expected = hashlib.sha256(idp_keys.cert_der).hexdigest().upper()
    fingerprint = idp_keys.trusted.fingerprint_sha256
    assert fingerprint.replace(":", "") == expected
    assert len(fingerprint.split(":")) == 32


@pytest.mark.parametrize("text", ["", "!!!!", base64.b64encode(b"not a certificate").decode()])
def test_trusted_key_refuses_garbage(text: str) -> None:
    assert code_of(lambda: TrustedKey.from_der_b64(text)) == "key_invalid"
    assert code_of(lambda: TrustedKey.from_pem(text.encode())) == "key_invalid"


def test_trusted_key_refuses_unsupported_key_types() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert code_of(lambda: TrustedKey.from_pem(pem)) == "key_invalid"


def test_load_certificate_accepts_pem_der_and_bare_base64(idp_keys: KeyPair) -> None:
    for data in (idp_keys.cert_pem, idp_keys.cert_der, idp_keys.cert_b64.encode()):
        assert load_certificate(data).serial_number == idp_keys.certificate.serial_number


def test_kinds_and_sizes(idp_keys: KeyPair, ec_keys: KeyPair) -> None:
    assert isinstance(idp_keys.private_key, rsa.RSAPrivateKey)
    assert isinstance(ec_keys.private_key, ec.EllipticCurvePrivateKey)
    assert (ec_keys.trusted.kind, ec_keys.trusted.key_size, ec_keys.trusted.curve_allowed) == (
        "ec",
        256,
        True,
    )
    assert (idp_keys.trusted.kind, idp_keys.trusted.curve_allowed) == ("rsa", False)


def test_key_material_stays_out_of_repr(idp_keys: KeyPair) -> None:
    text = repr(idp_keys) + repr(idp_keys.trusted) + str(idp_keys)
    assert "PRIVATE" not in text and "BEGIN" not in text and "xmlsec" not in text


def test_load_certificate_refuses_a_non_certificate_with_a_readable_message() -> None:
    # a base64 SAMLResponse passed where a certificate belongs: the message says what was expected,
    # not cryptography's Rust parser debug text
    with pytest.raises(KeyLoadError) as caught:
        load_certificate(base64.b64encode(b"<samlp:Response/>"))
    message = str(caught.value)
    assert "expected PEM, DER or a base64 DER body" in message and "ParseError" not in message


def test_a_non_key_gets_what_was_expected_not_the_libraries_faq_link(idp_keys: KeyPair) -> None:
    for not_a_key in (b"not pem", idp_keys.cert_pem):  # the certificate passed as the key: a common slip
        with pytest.raises(KeyLoadError) as caught:
            KeyPair.from_pem(not_a_key, idp_keys.cert_pem)
        assert caught.value.message == "cannot load the private key (expected PEM: PKCS#1, PKCS#8 or SEC1)"
        with pytest.raises(KeyLoadError) as caught:
            KeyPair.from_private_pem(not_a_key)
        assert "https://" not in caught.value.message and "PKCS#8" in caught.value.message


def test_an_encrypted_key_says_it_needs_its_password() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8, locking = serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
    locked = private.private_bytes(serialization.Encoding.PEM, pkcs8, locking)
    with pytest.raises(KeyLoadError, match="private key is encrypted"):
        KeyPair.from_private_pem(locked)
