"""XML-Enc for one element: AES-GCM (or AES-CBC on decrypt, by policy) with RSA-OAEP key transport.

Invariants this module owns (SECURITY.md R36-R41):

* Rule 1: the structure is checked before any key is used: exactly one EncryptedData of Type Element (or
  none), exactly one EncryptedKey, reached directly in KeyInfo or through one same-document
  ``RetrievalMethod URI="#id"``; no AgreementMethod, no external references.
* Rule 2: the plaintext is handed back as bytes and parsed by ``parse_xml`` only, so every parser rule
  applies again (R39); no other parser ever sees it.
* Rule 3: every failure after the ciphertext is reached (plaintext parsing included, DTDs excepted)
  raises the same ``DecryptionFailed`` message; the cause is kept in ``detail`` for logs (R40).

The symmetric and RSA operations run in-process through ``cryptography``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from ._encoding import decode_base64_strict
from ._keys import KeyPair
from ._keys import TrustedKey
from ._xml import DEFAULT_LIMITS
from ._xml import Element
from ._xml import XMLLimits
from ._xml import parse_xml
from .constants import NS
from .constants import BlockCipher
from .constants import KeyTransport
from .errors import DecryptionFailed
from .errors import DTDForbidden
from .errors import SAMLError

_ENCRYPTED_DATA = NS.xenc("EncryptedData")
_ENCRYPTED_KEY = NS.xenc("EncryptedKey")
_ENCRYPTION_METHOD = NS.xenc("EncryptionMethod")
_CIPHER_DATA = NS.xenc("CipherData")
_CIPHER_VALUE = NS.xenc("CipherValue")
_KEY_INFO = NS.ds("KeyInfo")
_RETRIEVAL_METHOD = NS.ds("RetrievalMethod")
_DIGEST_METHOD = NS.ds("DigestMethod")
_MGF = "{http://www.w3.org/2009/xmlenc11#}MGF"
_TYPE_ELEMENT = "http://www.w3.org/2001/04/xmlenc#Element"
_TYPE_ENCRYPTED_KEY = "http://www.w3.org/2001/04/xmlenc#EncryptedKey"
_OAEP_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
_MGF_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2009/xmlenc11#mgf1sha1": hashes.SHA1,
    "http://www.w3.org/2009/xmlenc11#mgf1sha256": hashes.SHA256,
    "http://www.w3.org/2009/xmlenc11#mgf1sha384": hashes.SHA384,
    "http://www.w3.org/2009/xmlenc11#mgf1sha512": hashes.SHA512,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DecryptionPolicy:
    """Which XML-Enc algorithms a decrypting SP accepts (R36, R37)."""

    allow_cbc: bool = True
    """Accept AES-CBC content encryption (9 of 10 real encrypted samples use it; AWS decrypts it too)."""
    allow_rsa_1_5: bool = False
    """Accept RSA-PKCS#1 v1.5 key transport (Bleichenbacher-prone; explicit per-IdP opt-in only)."""
    ciphers: frozenset[BlockCipher] | None = None
    """Pin the content-encryption algorithms; None means every AES mode the flags above allow."""


DEFAULT_DECRYPTION_POLICY = DecryptionPolicy()


# ------------------------------------------------------------------------------------------ encryption


def encrypt_element(
    element: Element,
    recipient: TrustedKey,
    *,
    cipher: BlockCipher = BlockCipher.AES256_GCM,
    key_transport: KeyTransport = KeyTransport.RSA_OAEP_MGF1P,
    include_certificate: bool = True,
) -> Element:
    """Encrypt ``element`` (serialised as is) to ``recipient``'s RSA key; returns a new xenc:EncryptedData."""
    public = recipient.public_key
    if not isinstance(public, rsa.RSAPublicKey):
        raise DecryptionFailed("the recipient key must be RSA", detail="encryption needs an RSA certificate")
    if cipher is BlockCipher.TRIPLEDES_CBC or key_transport is KeyTransport.RSA_1_5:
        detail = f"{cipher.value} {key_transport.value}"
        raise DecryptionFailed("refusing a deprecated algorithm", detail=detail)
    plaintext = etree.tostring(element, encoding="UTF-8", xml_declaration=False)
    content_key = os.urandom(cipher.key_size)
    if cipher.is_gcm:
        nonce = os.urandom(12)
        payload = nonce + AESGCM(content_key).encrypt(nonce, plaintext, None)
    else:
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
        payload = iv + encryptor.update(plaintext + bytes([pad]) * pad) + encryptor.finalize()
    wrapped = public.encrypt(content_key, _oaep(hashes.SHA1, hashes.SHA1))
    cert = recipient if include_certificate else None
    return _build_encrypted_data(cipher, key_transport, wrapped, payload, cert)


def _build_encrypted_data(
    cipher: BlockCipher, transport: KeyTransport, wrapped: bytes, payload: bytes, cert: TrustedKey | None
) -> Element:
    nsmap = {"xenc": NS.XENC, "ds": NS.DS}
    data = etree.Element(_ENCRYPTED_DATA, Type=_TYPE_ELEMENT, nsmap=nsmap)
    etree.SubElement(data, _ENCRYPTION_METHOD, Algorithm=cipher.value)
    key_info = etree.SubElement(data, _KEY_INFO)
    encrypted_key = etree.SubElement(key_info, _ENCRYPTED_KEY)
    method = etree.SubElement(encrypted_key, _ENCRYPTION_METHOD, Algorithm=transport.value)
    etree.SubElement(method, _DIGEST_METHOD, Algorithm="http://www.w3.org/2000/09/xmldsig#sha1")
    if cert is not None and cert.cert_der is not None:
        x509 = etree.SubElement(etree.SubElement(encrypted_key, _KEY_INFO), NS.ds("X509Data"))
        etree.SubElement(x509, NS.ds("X509Certificate")).text = base64.b64encode(cert.cert_der).decode()
    _cipher_value(encrypted_key, wrapped)
    _cipher_value(data, payload)
    return data


def _cipher_value(parent: Element, value: bytes) -> None:
    cipher_data = etree.SubElement(parent, _CIPHER_DATA)
    etree.SubElement(cipher_data, _CIPHER_VALUE).text = base64.b64encode(value).decode("ascii")


def _oaep(digest: type[hashes.HashAlgorithm], mgf_digest: type[hashes.HashAlgorithm]) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(mgf_digest()), algorithm=digest(), label=None)


# ------------------------------------------------------------------------------------------ decryption


def decrypt_element(
    container: Element,
    keys: Sequence[KeyPair],
    *,
    policy: DecryptionPolicy = DEFAULT_DECRYPTION_POLICY,
    limits: XMLLimits = DEFAULT_LIMITS,
) -> Element:
    """Decrypt a saml:EncryptedAssertion / EncryptedID and return the plaintext's root, hardened-parsed.

    Raises ``DecryptionFailed`` for every failure after the ciphertext is reached, including a plaintext
    the hardened parser refuses (R40: with CBC, "bad padding" vs "bad XML" is the Jager-Somorovsky oracle);
    only a plaintext carrying a DTD keeps ``dtd_forbidden`` (R39).
    """
    if not keys:
        raise DecryptionFailed(
            "no decryption key", detail="an encrypted element arrived but no key is configured"
        )
    try:
        encrypted_data, encrypted_key = _locate(container)
        cipher = _content_cipher(encrypted_data, policy)
        content_key = _unwrap(encrypted_key, keys, policy, cipher)
        plaintext = _decrypt_content(encrypted_data, cipher, content_key)
    except _Fail as fail:
        raise DecryptionFailed(detail=str(fail)) from None
    try:
        return parse_xml(plaintext, limits=limits)
    except DTDForbidden:
        raise
    except SAMLError as exc:
        raise DecryptionFailed(detail=f"the plaintext is refused: {exc.code}: {exc.detail}") from None


class _Fail(Exception):
    """Internal: any decryption failure; turned into one DecryptionFailed at the boundary (R40)."""


def _locate(container: Element) -> tuple[Element, Element]:
    """R38: one EncryptedData; one EncryptedKey in its KeyInfo or as a #id-referenced sibling."""
    data_nodes = [c for c in container if c.tag == _ENCRYPTED_DATA]
    sibling_keys = [c for c in container if c.tag == _ENCRYPTED_KEY]
    if len(data_nodes) != 1 or len(container) != 1 + len(sibling_keys):
        raise _Fail("the container must hold exactly one EncryptedData and optional EncryptedKey siblings")
    data = data_nodes[0]
    if data.get("Type") not in (None, _TYPE_ELEMENT):
        raise _Fail(f"EncryptedData Type {data.get('Type')!r} is not Element")
    key_infos = [c for c in data if c.tag == _KEY_INFO]
    if len(key_infos) != 1:
        raise _Fail("EncryptedData needs exactly one KeyInfo")
    inner_keys = [c for c in key_infos[0] if c.tag == _ENCRYPTED_KEY]
    retrievals = [c for c in key_infos[0] if c.tag == _RETRIEVAL_METHOD]
    others = [c for c in key_infos[0] if c.tag not in (_ENCRYPTED_KEY, _RETRIEVAL_METHOD)]
    if others or len(inner_keys) + len(sibling_keys) != 1:
        raise _Fail("exactly one EncryptedKey is allowed, and nothing else in KeyInfo")
    if inner_keys:
        if retrievals:
            raise _Fail("RetrievalMethod next to an inline EncryptedKey")
        return data, inner_keys[0]
    if len(retrievals) != 1:
        raise _Fail("a sibling EncryptedKey must be referenced by one RetrievalMethod")
    uri = retrievals[0].get("URI", "")
    if retrievals[0].get("Type", _TYPE_ENCRYPTED_KEY) != _TYPE_ENCRYPTED_KEY or len(retrievals[0]):
        raise _Fail("RetrievalMethod must point at an EncryptedKey, without transforms")
    if not uri.startswith("#") or sibling_keys[0].get("Id") != uri[1:]:
        raise _Fail("RetrievalMethod must be '#' + the sibling EncryptedKey's Id")
    return data, sibling_keys[0]


def _method(node: Element) -> Element:
    methods = [c for c in node if c.tag == _ENCRYPTION_METHOD]
    if len(methods) != 1:
        raise _Fail("exactly one EncryptionMethod is required")
    return methods[0]


def _content_cipher(data: Element, policy: DecryptionPolicy) -> BlockCipher:
    try:
        cipher = BlockCipher(_method(data).get("Algorithm", ""))
    except SAMLError as exc:
        raise _Fail(str(exc)) from None
    if cipher is BlockCipher.TRIPLEDES_CBC:
        raise _Fail("3DES is not allowed")
    if not cipher.is_gcm and not policy.allow_cbc:
        raise _Fail("AES-CBC is refused by policy")
    if policy.ciphers is not None and cipher not in policy.ciphers:
        raise _Fail(f"{cipher.value} is not the pinned algorithm")
    return cipher


def _unwrap(
    encrypted_key: Element, keys: Sequence[KeyPair], policy: DecryptionPolicy, cipher: BlockCipher
) -> bytes:
    """R36: RSA-OAEP (mgf1p, or xenc11 rsa-oaep with SHA-256+), RSA-1.5 only by opt-in."""
    method = _method(encrypted_key)
    try:
        transport = KeyTransport(method.get("Algorithm", ""))
    except SAMLError as exc:
        raise _Fail(str(exc)) from None
    pad: padding.AsymmetricPadding
    if transport is KeyTransport.RSA_1_5:
        if not policy.allow_rsa_1_5:
            raise _Fail("RSA-1.5 key transport is refused")
        pad = padding.PKCS1v15()
    else:
        pad = _oaep_from(method, transport)
    wrapped = _cipher_bytes(encrypted_key)
    for key in keys:
        private = key.private_key
        if not isinstance(private, rsa.RSAPrivateKey):
            continue
        try:
            content_key = private.decrypt(wrapped, pad)
        except ValueError:
            continue
        if len(content_key) != cipher.key_size:
            raise _Fail("the content key has the wrong length")
        return content_key
    raise _Fail("no decryption key unwraps the EncryptedKey")


def _oaep_from(method: Element, transport: KeyTransport) -> padding.OAEP:
    digest_uri = "http://www.w3.org/2000/09/xmldsig#sha1"
    mgf_uri = "http://www.w3.org/2009/xmlenc11#mgf1sha1"
    for child in method:
        if child.tag == _DIGEST_METHOD:
            digest_uri = child.get("Algorithm", "")
        elif child.tag == _MGF and transport is KeyTransport.RSA_OAEP:
            mgf_uri = child.get("Algorithm", "")
        elif child.tag != NS.xenc("OAEPparams"):
            raise _Fail("unexpected element in the key transport method")
    if digest_uri not in _OAEP_DIGESTS or mgf_uri not in _MGF_DIGESTS:
        raise _Fail("unsupported OAEP digest or MGF")
    digest = _OAEP_DIGESTS[digest_uri]
    if transport is KeyTransport.RSA_OAEP and digest is hashes.SHA1:
        raise _Fail("xenc11 rsa-oaep needs SHA-256 or stronger")
    return _oaep(digest, hashes.SHA1 if transport is KeyTransport.RSA_OAEP_MGF1P else _MGF_DIGESTS[mgf_uri])


def _cipher_bytes(node: Element) -> bytes:
    datas = [c for c in node if c.tag == _CIPHER_DATA]
    if len(datas) != 1 or len(datas[0]) != 1 or datas[0][0].tag != _CIPHER_VALUE or len(datas[0][0]):
        raise _Fail("CipherData must hold one CipherValue")
    try:
        return decode_base64_strict(datas[0][0].text or "")
    except ValueError:
        raise _Fail("CipherValue is not base64") from None


def _decrypt_content(data: Element, cipher: BlockCipher, content_key: bytes) -> bytes:
    payload = _cipher_bytes(data)
    if cipher.is_gcm:
        if len(payload) < 12 + 16:
            raise _Fail("GCM payload too short")
        try:
            return AESGCM(content_key).decrypt(payload[:12], payload[12:], None)
        except InvalidTag:
            raise _Fail("GCM authentication tag mismatch") from None
    if len(payload) < 32 or len(payload) % 16:
        raise _Fail("CBC payload has a bad length")
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(payload[:16])).decryptor()
    padded = decryptor.update(payload[16:]) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= 16:
        raise _Fail("CBC padding")
    return padded[:-pad]
