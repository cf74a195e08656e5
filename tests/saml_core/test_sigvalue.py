"""saml_core.sign_value / verify_value: the signature-value primitive of XML-DSig and the Redirect binding."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from saml_core import KeyPair
from saml_core import sign_value
from saml_core import verify_value
from saml_core.constants import SignatureMethod
from saml_core.errors import AlgorithmForbidden

DATA = b"<ds:SignedInfo>octets</ds:SignedInfo>"


@pytest.mark.parametrize("method", [SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512])
def test_rsa_value_verifies_and_a_changed_byte_does_not(idp_keys: KeyPair, method: SignatureMethod) -> None:
    value = sign_value(DATA, idp_keys, method)
    assert len(value) == idp_keys.key_size // 8
    assert verify_value(DATA, value, idp_keys.trusted, method)
    assert not verify_value(DATA + b" ", value, idp_keys.trusted, method)
    assert not verify_value(DATA, value[:-1] + bytes([value[-1] ^ 1]), idp_keys.trusted, method)


def test_ecdsa_value_is_raw_r_s_and_verifies(ec_keys: KeyPair) -> None:
    value = sign_value(DATA, ec_keys, SignatureMethod.ECDSA_SHA256)
    assert len(value) == 64  # P-256: 32-byte r and s, not DER
    assert verify_value(DATA, value, ec_keys.trusted, SignatureMethod.ECDSA_SHA256)
    assert not verify_value(DATA, value[:-1], ec_keys.trusted, SignatureMethod.ECDSA_SHA256)
    assert not verify_value(DATA, b"\x00" * 64, ec_keys.trusted, SignatureMethod.ECDSA_SHA256)
    # r || 0x00 || s reads the same integers when split by length alone: one spelling per value (R23)
    padded = value[:32] + b"\x00" + value[32:]
    assert not verify_value(DATA, padded, ec_keys.trusted, SignatureMethod.ECDSA_SHA256)


def test_method_must_fit_the_key(idp_keys: KeyPair, ec_keys: KeyPair) -> None:
    rsa_value = sign_value(DATA, idp_keys, SignatureMethod.RSA_SHA256)
    assert not verify_value(DATA, rsa_value, idp_keys.trusted, SignatureMethod.ECDSA_SHA256)
    ec_value = sign_value(DATA, ec_keys, SignatureMethod.ECDSA_SHA256)
    assert not verify_value(DATA, ec_value, ec_keys.trusted, SignatureMethod.RSA_SHA256)
    with pytest.raises(AlgorithmForbidden):
        sign_value(DATA, idp_keys, SignatureMethod.ECDSA_SHA256)
    with pytest.raises(AlgorithmForbidden):
        sign_value(DATA, ec_keys, SignatureMethod.RSA_SHA256)


def test_pss_is_verified_but_never_produced(idp_keys: KeyPair) -> None:
    with pytest.raises(AlgorithmForbidden):
        sign_value(DATA, idp_keys, SignatureMethod.RSA_PSS_SHA256)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    value = idp_keys.private_key.sign(DATA, pss, hashes.SHA256())  # type: ignore[call-arg, arg-type]
    assert verify_value(DATA, value, idp_keys.trusted, SignatureMethod.RSA_PSS_SHA256)
    assert not verify_value(DATA, value, idp_keys.trusted, SignatureMethod.RSA_SHA256)


def test_another_key_does_not_verify(idp_keys: KeyPair) -> None:
    other = KeyPair.generate("rsa-2048", common_name="other")
    value = sign_value(DATA, other, SignatureMethod.RSA_SHA256)
    assert not verify_value(DATA, value, idp_keys.trusted, SignatureMethod.RSA_SHA256)
