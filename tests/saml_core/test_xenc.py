"""XML-Enc for one element (SECURITY.md R36-R41, catalogue I1-I9): round trips and refusals.

``build()`` is an independent XML-Enc encryptor (``cryptography`` + lxml) so that every hostile variant
(RSA-1.5, relabelled algorithms, RetrievalMethod, hostile plaintext) is a well-formed ciphertext and only
the rule under test rejects it. Every failure after the ciphertext is reached must look the same (R40).
"""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from saml_core import DecryptionPolicy
from saml_core import KeyPair
from saml_core import XMLLimits
from saml_core import decrypt_element
from saml_core import encrypt_element
from saml_core import parse_xml
from saml_core.constants import NS
from saml_core.constants import BlockCipher
from saml_core.constants import KeyTransport
from saml_core.errors import DecryptionFailed
from saml_core.errors import SAMLError
from tests.saml_core.builders import NAME_ID
from tests.saml_core.builders import assertion
from tests.saml_core.builders import name_id_of

XENC = NS.XENC
ELEMENT = "http://www.w3.org/2001/04/xmlenc#Element"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
MGF1_SHA256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256"
PLAINTEXT = etree.tostring(assertion())
DECRYPTION_FAILED = "decryption_failed"
COMMENTED = PLAINTEXT.replace(NAME_ID.encode(), b"admin@victim.example<!---->.attacker.example")


def x(local: str) -> str:
    return NS.xenc(local)


def wrap_key(sp: KeyPair, content_key: bytes, transport: str, digest: str, mgf: str | None) -> bytes:
    public = sp.private_key.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    if transport == KeyTransport.RSA_1_5.value:
        return public.encrypt(content_key, padding.PKCS1v15())
    algorithm = {SHA1: hashes.SHA1, SHA256: hashes.SHA256}[digest]()
    mgf_algorithm = hashes.SHA256() if mgf == MGF1_SHA256 else hashes.SHA1()
    return public.encrypt(
        content_key, padding.OAEP(mgf=padding.MGF1(mgf_algorithm), algorithm=algorithm, label=None)
    )


def seal(plaintext: bytes, cipher: str, content_key: bytes, *, xmlenc_padding: bool = False) -> bytes:
    if "gcm" in cipher:
        nonce = os.urandom(12)
        return nonce + AESGCM(content_key).encrypt(nonce, plaintext, None)
    iv = os.urandom(16)
    pad = 16 - len(plaintext) % 16
    filler = (
        os.urandom(pad - 1) if xmlenc_padding else bytes([pad]) * (pad - 1)
    )  # XML-Enc: only the last byte
    encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(plaintext + filler + bytes([pad])) + encryptor.finalize()


def cipher_data(parent: etree._Element, value: bytes) -> None:
    data = etree.SubElement(parent, x("CipherData"))
    etree.SubElement(data, x("CipherValue")).text = base64.b64encode(value).decode()


def build(
    sp: KeyPair,
    plaintext: bytes = PLAINTEXT,
    *,
    cipher: str = BlockCipher.AES256_GCM.value,
    transport: str = KeyTransport.RSA_OAEP_MGF1P.value,
    digest: str = SHA1,
    mgf: str | None = None,
    retrieval: bool = False,
    key_size: int | None = None,
    xmlenc_padding: bool = False,
) -> etree._Element:
    """A saml:EncryptedAssertion holding ``plaintext``, encrypted to ``sp``."""
    content_key = os.urandom(key_size or BlockCipher(cipher).key_size)
    container = etree.Element(
        NS.saml("EncryptedAssertion"), nsmap={"saml": NS.SAML, "xenc": XENC, "ds": NS.DS}
    )
    data = etree.SubElement(container, x("EncryptedData"), Type=ELEMENT)
    etree.SubElement(data, x("EncryptionMethod"), Algorithm=cipher)
    key_info = etree.SubElement(data, NS.ds("KeyInfo"))
    if retrieval:
        etree.SubElement(key_info, NS.ds("RetrievalMethod"), URI="#_k1", Type=XENC + "EncryptedKey")
        encrypted_key = etree.SubElement(container, x("EncryptedKey"), Id="_k1")
    else:
        encrypted_key = etree.SubElement(key_info, x("EncryptedKey"))
    method = etree.SubElement(encrypted_key, x("EncryptionMethod"), Algorithm=transport)
    if transport != KeyTransport.RSA_1_5.value:
        etree.SubElement(method, NS.ds("DigestMethod"), Algorithm=digest)
    if mgf is not None:
        etree.SubElement(method, "{http://www.w3.org/2009/xmlenc11#}MGF", Algorithm=mgf)
    cipher_data(encrypted_key, wrap_key(sp, content_key, transport, digest, mgf))
    cipher_data(data, seal(plaintext, cipher, content_key, xmlenc_padding=xmlenc_padding))
    return parse_xml(etree.tostring(container), limits=XMLLimits(max_bytes=10**7, max_text=10**7))


def failure(
    container: etree._Element, keys: list[KeyPair], policy: DecryptionPolicy = DecryptionPolicy()
) -> SAMLError:
    with pytest.raises(SAMLError) as info:
        decrypt_element(container, keys, policy=policy)
    return info.value


def refused(
    container: etree._Element, keys: list[KeyPair], policy: DecryptionPolicy = DecryptionPolicy()
) -> str:
    error = failure(container, keys, policy)
    assert error.code == "decryption_failed", error.detail
    return error.detail


def wrap(encrypted_data: etree._Element) -> etree._Element:
    container = etree.Element(NS.saml("EncryptedAssertion"), nsmap={"saml": NS.SAML})
    container.append(encrypted_data)
    return parse_xml(etree.tostring(container))


# -------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "cipher", [c for c in BlockCipher if c is not BlockCipher.TRIPLEDES_CBC], ids=lambda c: c.name
)
def test_round_trip_every_aes_mode(sp_keys: KeyPair, cipher: BlockCipher) -> None:
    original = assertion()
    decrypted = decrypt_element(wrap(encrypt_element(original, sp_keys.trusted, cipher=cipher)), [sp_keys])
    assert decrypted.tag == NS.saml("Assertion")
    assert name_id_of(decrypted) == NAME_ID
    assert etree.tostring(decrypted, method="c14n") == etree.tostring(original, method="c14n")


def test_default_is_aes256_gcm_with_rsa_oaep(sp_keys: KeyPair) -> None:
    data = encrypt_element(assertion(), sp_keys.trusted)
    methods = [m.get("Algorithm") for m in data.iter(x("EncryptionMethod"))]
    assert methods == [BlockCipher.AES256_GCM.value, KeyTransport.RSA_OAEP_MGF1P.value]
    cert = data.find(f".//{NS.ds('X509Certificate')}")
    assert cert is not None and base64.b64decode(cert.text or "") == sp_keys.cert_der
    bare = encrypt_element(assertion(), sp_keys.trusted, include_certificate=False)
    assert bare.find(f".//{NS.ds('X509Certificate')}") is None


def test_independent_encryptor_round_trip_gcm(sp_keys: KeyPair) -> None:
    assert name_id_of(decrypt_element(build(sp_keys), [sp_keys])) == NAME_ID


@pytest.mark.parametrize("cipher", [BlockCipher.AES128_CBC, BlockCipher.AES256_CBC], ids=lambda c: c.name)
def test_aes_cbc_decrypts_with_xmlenc_padding(sp_keys: KeyPair, cipher: BlockCipher) -> None:
    """XML-Enc padding: only the last byte counts (9 of 10 interop samples use CBC)."""
    container = build(sp_keys, cipher=cipher.value, xmlenc_padding=True)
    assert name_id_of(decrypt_element(container, [sp_keys])) == NAME_ID


def test_aes_cbc_refused_when_the_policy_says_so(sp_keys: KeyPair) -> None:
    container = build(sp_keys, cipher=BlockCipher.AES256_CBC.value)
    assert "CBC" in refused(container, [sp_keys], DecryptionPolicy(allow_cbc=False))
    assert decrypt_element(container, [sp_keys]).tag == NS.saml("Assertion")  # the twin: default policy


def test_pinned_cipher_refuses_the_others(sp_keys: KeyPair) -> None:
    pinned = DecryptionPolicy(ciphers=frozenset({BlockCipher.AES256_GCM}))
    refused(build(sp_keys, cipher=BlockCipher.AES128_GCM.value), [sp_keys], pinned)
    assert decrypt_element(build(sp_keys), [sp_keys], policy=pinned).tag == NS.saml("Assertion")


def test_retrieval_method_form(sp_keys: KeyPair) -> None:
    """Okta's shape: the EncryptedKey is a sibling, referenced by RetrievalMethod URI="#id" (R38)."""
    container = build(sp_keys, retrieval=True)
    assert container.find(x("EncryptedKey")) is not None
    assert name_id_of(decrypt_element(container, [sp_keys])) == NAME_ID


@pytest.mark.parametrize(
    "edit",
    [
        "other-id",
        "external-uri",
        "wrong-type",
        "with-transforms",
        "plus-inline-key",
        "two-siblings",
        "no-retrieval",
    ],
)
def test_retrieval_method_variants_refused(sp_keys: KeyPair, edit: str) -> None:
    container = build(sp_keys, retrieval=True)
    method = container.find(f"{x('EncryptedData')}/{NS.ds('KeyInfo')}/{NS.ds('RetrievalMethod')}")
    key = container.find(x("EncryptedKey"))
    assert method is not None and key is not None
    if edit == "other-id":
        method.set("URI", "#_other")
    elif edit == "external-uri":
        method.set("URI", "http://attacker.invalid/key.xml")
    elif edit == "wrong-type":
        method.set("Type", "http://www.w3.org/2000/09/xmldsig#X509Data")
    elif edit == "with-transforms":
        etree.SubElement(method, NS.ds("Transforms"))
    elif edit == "plus-inline-key":
        method.addnext(etree.fromstring(etree.tostring(key)))
    elif edit == "two-siblings":
        container.append(etree.fromstring(etree.tostring(key)))
    else:
        method.getparent().remove(method)
    refused(container, [sp_keys])


def test_sp_decryption_key_rollover(sp_keys: KeyPair, new_idp_keys: KeyPair) -> None:
    assert decrypt_element(build(sp_keys), [new_idp_keys, sp_keys]).tag == NS.saml("Assertion")


@pytest.mark.parametrize(
    ("transport", "digest", "mgf"),
    [
        (KeyTransport.RSA_OAEP_MGF1P.value, SHA256, None),
        (KeyTransport.RSA_OAEP.value, SHA256, MGF1_SHA256),
        (KeyTransport.RSA_OAEP.value, SHA256, None),
    ],
    ids=["mgf1p-sha256", "oaep11-sha256-mgf256", "oaep11-sha256-mgf1"],
)
def test_oaep_parameter_variants(sp_keys: KeyPair, transport: str, digest: str, mgf: str | None) -> None:
    container = build(sp_keys, transport=transport, digest=digest, mgf=mgf)
    assert decrypt_element(container, [sp_keys]).tag == NS.saml("Assertion")


# ------------------------------------------------------------------------------ R36/R37: algorithms


def test_i3_rsa_1_5_key_transport_refused(sp_keys: KeyPair) -> None:
    container = build(sp_keys, transport=KeyTransport.RSA_1_5.value)
    assert "RSA-1.5" in refused(container, [sp_keys])
    allowed = DecryptionPolicy(allow_rsa_1_5=True)  # the twin: an explicit per-IdP opt-in
    assert decrypt_element(container, [sp_keys], policy=allowed).tag == NS.saml("Assertion")


def test_r36_xenc11_oaep_with_sha1_refused(sp_keys: KeyPair) -> None:
    refused(build(sp_keys, transport=KeyTransport.RSA_OAEP.value, digest=SHA1), [sp_keys])


@pytest.mark.parametrize(
    "uri",
    [
        "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        "http://www.w3.org/2001/04/xmlenc#kw-aes256",
        "http://www.w3.org/2009/xmlenc11#ConcatKDF",
        "",
    ],
)
def test_i4_content_algorithm_relabelled_or_unknown_refused(sp_keys: KeyPair, uri: str) -> None:
    container = build(sp_keys)
    method = container.find(f"{x('EncryptedData')}/{x('EncryptionMethod')}")
    assert method is not None
    method.set("Algorithm", uri)
    refused(container, [sp_keys])


def test_i4_gcm_relabelled_as_cbc_refused(sp_keys: KeyPair) -> None:
    container = build(sp_keys)
    method = container.find(f"{x('EncryptedData')}/{x('EncryptionMethod')}")
    assert method is not None
    method.set("Algorithm", BlockCipher.AES256_CBC.value)
    refused(container, [sp_keys])


def test_i4_key_transport_relabelled_as_rsa_1_5_refused(sp_keys: KeyPair) -> None:
    container = build(sp_keys)
    method = container.find(f".//{x('EncryptedKey')}/{x('EncryptionMethod')}")
    assert method is not None
    method.set("Algorithm", KeyTransport.RSA_1_5.value)
    refused(container, [sp_keys], DecryptionPolicy(allow_rsa_1_5=True))


def test_encrypt_refuses_deprecated_algorithms(sp_keys: KeyPair, ec_keys: KeyPair) -> None:
    for call in (
        lambda: encrypt_element(assertion(), sp_keys.trusted, cipher=BlockCipher.TRIPLEDES_CBC),
        lambda: encrypt_element(assertion(), sp_keys.trusted, key_transport=KeyTransport.RSA_1_5),
        lambda: encrypt_element(assertion(), ec_keys.trusted),
    ):
        with pytest.raises(SAMLError) as info:
            call()
        assert info.value.code == "decryption_failed"


def test_content_key_of_the_wrong_length_refused(sp_keys: KeyPair) -> None:
    assert "length" in refused(build(sp_keys, key_size=16), [sp_keys])  # AES-128 key under an aes256 label


# --------------------------------------------------------------------------- R38: structure (I5, I9)


def _edit_structure(container: etree._Element, edit: str) -> None:
    data = container.find(x("EncryptedData"))
    assert data is not None
    key_info = data.find(NS.ds("KeyInfo"))
    assert key_info is not None
    if edit == "two-encrypted-data":
        container.append(etree.fromstring(etree.tostring(data)))
    elif edit == "type-content":
        data.set("Type", "http://www.w3.org/2001/04/xmlenc#Content")
    elif edit == "no-encryption-method":
        data.remove(data.find(x("EncryptionMethod")))
    elif edit == "no-key-info":
        data.remove(key_info)
    elif edit == "agreement-method":
        etree.SubElement(key_info, x("AgreementMethod"), Algorithm="http://www.w3.org/2009/xmlenc11#ECDH-ES")
    elif edit == "two-inline-keys":
        key_info.append(etree.fromstring(etree.tostring(key_info[0])))
    elif edit == "foreign-sibling":
        etree.SubElement(container, NS.saml("Assertion"), ID="_evil")
    elif edit == "two-cipher-values":
        etree.SubElement(data.find(x("CipherData")), x("CipherValue")).text = "AAAA"
    elif edit == "key-name-only":
        key_info.remove(key_info[0])
        etree.SubElement(key_info, NS.ds("KeyName")).text = "sp"


@pytest.mark.parametrize(
    "edit",
    [
        "two-encrypted-data",
        "type-content",
        "no-encryption-method",
        "no-key-info",
        "agreement-method",
        "two-inline-keys",
        "foreign-sibling",
        "two-cipher-values",
        "key-name-only",
    ],
)
def test_i5_malformed_structure_refused(sp_keys: KeyPair, edit: str) -> None:
    container = build(sp_keys)
    _edit_structure(container, edit)
    refused(container, [sp_keys])


def test_i5_control_type_may_be_absent(sp_keys: KeyPair) -> None:
    container = build(sp_keys)
    del container[0].attrib["Type"]
    assert decrypt_element(container, [sp_keys]).tag == NS.saml("Assertion")


def test_i9_no_key_wrong_key_or_ec_key_refused(
    sp_keys: KeyPair, attacker_keys: KeyPair, ec_keys: KeyPair
) -> None:
    container = build(sp_keys)
    refused(container, [])
    refused(container, [attacker_keys])
    refused(container, [ec_keys])


# ------------------------------------------------------------------------ R40: one generic failure


def test_r40_every_failure_shows_the_same_message(sp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    def flipped(container: etree._Element) -> etree._Element:
        value = container.find(f"{x('EncryptedData')}/{x('CipherData')}/{x('CipherValue')}")
        assert value is not None
        raw = bytearray(base64.b64decode(value.text or ""))
        raw[-20] ^= 1
        value.text = base64.b64encode(bytes(raw)).decode()
        return container

    def not_base64(container: etree._Element) -> etree._Element:
        value = container.find(f"{x('EncryptedData')}/{x('CipherData')}/{x('CipherValue')}")
        assert value is not None
        value.text = "!!!!"
        return container

    cases = [
        (flipped(build(sp_keys)), [sp_keys]),  # I2: GCM tag
        (flipped(build(sp_keys, cipher=BlockCipher.AES128_CBC.value)), [sp_keys]),  # CBC padding/plaintext
        (build(sp_keys), [attacker_keys]),  # key transport
        (not_base64(build(sp_keys)), [sp_keys]),
        (build(sp_keys, transport=KeyTransport.RSA_1_5.value), [sp_keys]),
    ]
    errors = [failure(container, keys) for container, keys in cases]
    assert {e.code for e in errors} == {"decryption_failed"}
    assert {str(e) for e in errors} == {DecryptionFailed.generic_message}
    assert len({e.detail for e in errors}) == len(errors)  # the cause stays in the log detail
    assert all(e.to_json()["message"] == DecryptionFailed.generic_message for e in errors)


# ------------------------------------------------------------- R39/I6: the plaintext is untrusted XML


@pytest.mark.parametrize(
    ("plaintext", "code", "cause"),
    [
        (b'<!DOCTYPE a [<!ENTITY e "victim">]>' + PLAINTEXT, "dtd_forbidden", ""),
        (b"<!DOCTYPE Assertion>" + PLAINTEXT, "dtd_forbidden", ""),
        (COMMENTED, DECRYPTION_FAILED, "unsigned_content"),
        (PLAINTEXT + PLAINTEXT, DECRYPTION_FAILED, "malformed_xml"),
        (PLAINTEXT + b"<?x y?>", DECRYPTION_FAILED, "unsigned_content"),
        (PLAINTEXT[:-10], DECRYPTION_FAILED, "malformed_xml"),
        ("<a>\u00e9</a>".encode("latin-1"), DECRYPTION_FAILED, "malformed_xml"),
        (b"<a>" + b"x" * (300 * 1024) + b"</a>", DECRYPTION_FAILED, "too_large"),
    ],
    ids=["entity", "doctype", "comment", "two-roots", "pi", "truncated", "latin1", "oversize"],
)
def test_i6_hostile_plaintext_meets_the_hardened_parser(
    sp_keys: KeyPair, plaintext: bytes, code: str, cause: str
) -> None:
    """R39: every parser rule applies again; R40: its verdict is no oracle (only a DTD keeps its code)."""
    error = failure(build(sp_keys, plaintext), [sp_keys])
    assert error.code == code
    if cause:
        assert str(error) == DecryptionFailed.generic_message
        assert error.detail.startswith(f"the plaintext is refused: {cause}: ")


def test_i6_control_plaintext_is_parsed_into_a_fresh_tree(sp_keys: KeyPair) -> None:
    container = build(sp_keys)
    decrypted = decrypt_element(container, [sp_keys])
    assert decrypted.getparent() is None
    assert decrypted.getroottree() is not container.getroottree()
