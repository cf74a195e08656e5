"""Signature values over octets, spelled as XML-DSig and the SAML HTTP-Redirect binding spell them.

One place for the primitive that three callers share: ``verify_enveloped`` (SignatureValue over canonical
SignedInfo), the IdP's Redirect-binding signatures (``SigAlg``/``Signature`` over the query octets) and the
fault re-signer. RSA is PKCS#1 v1.5 (or RSASSA-PSS, RFC 6931, verify only); ECDSA is the raw ``r || s`` of
RFC 4051, each half the curve's byte length. Everything runs in process through ``cryptography`` on key
objects parsed once (``KeyPair`` / ``TrustedKey``); nothing here chooses or loads a key.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ._keys import KeyPair
from ._keys import TrustedKey
from .constants import SignatureMethod
from .errors import AlgorithmForbidden

HASHES: dict[SignatureMethod, type[hashes.HashAlgorithm]] = {
    SignatureMethod.RSA_SHA1: hashes.SHA1,
    SignatureMethod.RSA_SHA256: hashes.SHA256,
    SignatureMethod.RSA_SHA384: hashes.SHA384,
    SignatureMethod.RSA_SHA512: hashes.SHA512,
    SignatureMethod.RSA_PSS_SHA256: hashes.SHA256,
    SignatureMethod.RSA_PSS_SHA384: hashes.SHA384,
    SignatureMethod.RSA_PSS_SHA512: hashes.SHA512,
    SignatureMethod.ECDSA_SHA256: hashes.SHA256,
    SignatureMethod.ECDSA_SHA384: hashes.SHA384,
    SignatureMethod.ECDSA_SHA512: hashes.SHA512,
}
"""The hash of every allow-listed signature method (which methods a caller accepts is its own policy)."""

PSS_METHODS = frozenset(
    {SignatureMethod.RSA_PSS_SHA256, SignatureMethod.RSA_PSS_SHA384, SignatureMethod.RSA_PSS_SHA512}
)
_PKCS1V15 = padding.PKCS1v15()


def sign_value(data: bytes, keys: KeyPair, method: SignatureMethod) -> bytes:
    """The signature value of ``data``; the method must fit the key. RSA-PSS is never produced."""
    private = keys.private_key
    if method in PSS_METHODS or method.is_ec != isinstance(private, ec.EllipticCurvePrivateKey):
        raise AlgorithmForbidden(f"cannot sign with {method.short} and a {keys.kind} key")
    algorithm = HASHES[method]()
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(data, _PKCS1V15, algorithm)
    r, s = decode_dss_signature(private.sign(data, ec.ECDSA(algorithm)))
    size = (private.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def verify_value(data: bytes, signature: bytes, key: TrustedKey, method: SignatureMethod) -> bool:
    """True only when ``signature`` is ``method``'s value of ``data`` under ``key``; any mismatch of key
    type, length or value is False (callers map it to their own error)."""
    public = key.public_key
    algorithm = HASHES[method]()
    try:
        if isinstance(public, rsa.RSAPublicKey) and not method.is_ec:
            if method in PSS_METHODS:
                pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
                public.verify(signature, data, pss, algorithm)
            else:
                public.verify(signature, data, _PKCS1V15, algorithm)
            return True
        if isinstance(public, ec.EllipticCurvePublicKey) and method.is_ec:
            size = (public.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            public.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
