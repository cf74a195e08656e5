"""Family E: keys, certificates and algorithms (SECURITY.md Part 2, E1-E10).

Guards: xml-crypto CVE-2024-32962 (KeyInfo certificate trusted); nevisAuth CVE-2015-5372; pysaml2
CVE-2021-21239 (KeyValue trusted); Apache Santuario CVE-2021-40690; xml-crypto GHSA-c27r-x354-4m68 and
xmlseclibs GHSA-m5mw-mr39-66vp (HMAC key confusion); CVE-2009-0217 / VU#466161 (HMAC truncation); Java
CVE-2022-21449 ("psychic signatures"); goxmldsig v2 TestCertCrypto_* cases; crewjam #623 (signing vs
encryption keys).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import hmac
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from saml_core import KeyPair
from saml_core import sign_enveloped
from saml_core.constants import SignatureMethod
from sp_adapter import MemoryReplayCache
from sp_adapter import Trust
from tests.attacks import _kit as k
from tests.attacks.conftest import Canary
from tests.sp_adapter import _fixtures as fx

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P521_ORDER = int(  # SEC 2, secp521r1 n; the P-521 test checks it by malleating a signature with it
    "01FF" + "FFFFFFFF" * 7 + "FFFFFFFA" + "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
    16,
)


def _cert(
    subject_key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    *,
    subject: x509.Name,
    issuer: x509.Name,
    serial: int,
    ca: bool = False,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before or fx.NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or fx.NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _keypair(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> KeyPair:
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair.from_pem(key_pem, cert.public_bytes(serialization.Encoding.PEM))


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def _ca_issued() -> KeyPair:
    ca_key, leaf_key = _rsa(), _rsa()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Trusted Looking CA")])
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "f0-idp")])
    _cert(ca_key, ca_key, subject=ca_name, issuer=ca_name, serial=1, ca=True)
    return _keypair(leaf_key, _cert(leaf_key, ca_key, subject=leaf_name, issuer=ca_name, serial=2))


@cache
def _every_field_copied() -> KeyPair:
    genuine = x509.load_pem_x509_certificate(fx.idp_keys().cert_pem)
    key = _rsa()
    cert = _cert(
        key,
        key,
        subject=genuine.subject,
        issuer=genuine.issuer,
        serial=genuine.serial_number,
        not_before=genuine.not_valid_before_utc,
        not_after=genuine.not_valid_after_utc,
    )
    return _keypair(key, cert)


ATTACKERS = {
    "self-signed-same-dn": fx.attacker_keys,
    "ca-issued": _ca_issued,
    "every-field-but-the-key": _every_field_copied,
}


@pytest.mark.parametrize("variant", ["RA", "R", "A"])
@pytest.mark.parametrize("attacker", sorted(ATTACKERS))
def test_e1_keyinfo_certificate_trusted(variant: str, attacker: str) -> None:
    data = k.sign(k.evil(k.unsigned()), variant, keys=ATTACKERS[attacker]())
    k.reject(data, k.UNTRUSTED)


def test_e1_positive_twin_pinned_key_verifies() -> None:
    k.accept(k.sign(k.unsigned(), "RA"))


def _rsa_key_value(public: rsa.RSAPublicKey) -> etree._Element:
    numbers = public.public_numbers()

    def b64int(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()

    key_value = etree.Element(k.ds("KeyValue"))
    rsa_value = etree.SubElement(key_value, k.ds("RSAKeyValue"))
    etree.SubElement(rsa_value, k.ds("Modulus")).text = b64int(numbers.n)
    etree.SubElement(rsa_value, k.ds("Exponent")).text = b64int(numbers.e)
    return key_value


def test_e2_raw_public_key_in_key_value() -> None:
    attacker = fx.attacker_keys()
    tree = k.evil(k.unsigned())
    sig = sign_enveloped(k.assertion(tree), attacker, include_certificate=False)
    key_info = etree.SubElement(sig, k.ds("KeyInfo"))
    public = attacker.trusted.public_key
    assert isinstance(public, rsa.RSAPublicKey)
    key_info.append(_rsa_key_value(public))
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_e2_key_value_of_the_pinned_key_with_a_genuine_signature_is_a_control() -> None:
    # KeyInfo plays no part in trust: a KeyValue next to a genuine signature changes nothing
    tree = k.signed("A")
    public = fx.idp_keys().trusted.public_key
    assert isinstance(public, rsa.RSAPublicKey)
    k.child(k.signature(k.assertion(tree)), k.ds("KeyInfo")).append(_rsa_key_value(public))
    k.accept(k.dump(tree))


def test_e3_attacker_certificate_listed_before_the_pinned_one() -> None:
    # the attacker's signature with two X509Certificates, the attacker's first and the IdP's second
    attacker = fx.attacker_keys()
    tree = k.evil(k.unsigned())
    sig = sign_enveloped(k.assertion(tree), attacker)
    x509_data = k.path(sig, k.ds("KeyInfo"), k.ds("X509Data"))
    etree.SubElement(x509_data, k.ds("X509Certificate")).text = fx.idp_keys().cert_b64
    k.reject(k.dump(tree), k.SIG_INVALID)


def test_e3_genuine_signature_with_attacker_certificate_first_is_a_control() -> None:
    tree = k.signed("A")
    x509_data = k.path(k.signature(k.assertion(tree)), k.ds("KeyInfo"), k.ds("X509Data"))
    first = etree.Element(k.ds("X509Certificate"))
    first.text = fx.attacker_keys().cert_b64
    x509_data.insert(0, first)
    k.accept(k.dump(tree))


@pytest.mark.parametrize(
    "fingerprint",
    [
        hashlib.sha1(fx.idp_keys().cert_der).hexdigest(),  # noqa: S324 - the fingerprint form E3 attacks
        ":".join(f"{b:02X}" for b in hashlib.sha1(fx.idp_keys().cert_der).digest()),  # noqa: S324
    ],
    ids=["hex", "colons"],
)
def test_e3_fingerprint_trust_is_not_offered(fingerprint: str) -> None:
    from saml_core.errors import SAMLError

    with pytest.raises(SAMLError) as info:
        Trust.from_certificates(fx.IDP, [fingerprint])
    assert info.value.code in {"key_invalid", "config_error"}


@pytest.mark.parametrize("uri", ["{url}", "#evilKey", "{file}"], ids=["http", "same-doc", "file"])
def test_e4_retrieval_method(uri: str, canary: Canary) -> None:
    uri = uri.format(url=canary.url, file=canary.file_url)
    tree = k.evil(k.unsigned())
    sig = sign_enveloped(k.assertion(tree), fx.attacker_keys(), include_certificate=False)
    key_info = etree.SubElement(sig, k.ds("KeyInfo"))
    etree.SubElement(
        key_info, k.ds("RetrievalMethod"), URI=uri, Type="http://www.w3.org/2000/09/xmldsig#X509Data"
    )
    k.reject(k.dump(tree), k.PROFILE)


def test_e4_recursive_retrieval_method() -> None:
    tree = k.signed("A")
    key_info = k.child(k.signature(k.assertion(tree)), k.ds("KeyInfo"))
    key_info.set("Id", "_ki")
    etree.SubElement(key_info, k.ds("RetrievalMethod"), URI="#_ki")
    k.reject(k.dump(tree), k.PROFILE)


def test_e4_key_name_of_the_idp() -> None:
    tree = k.evil(k.unsigned())
    sig = sign_enveloped(k.assertion(tree), fx.attacker_keys(), include_certificate=False)
    etree.SubElement(etree.SubElement(sig, k.ds("KeyInfo")), k.ds("KeyName")).text = "f0-idp"
    k.reject(k.dump(tree), k.SIG_INVALID)


OTHER_IDP = "https://other-idp.example.test/"


def test_e4_key_name_resolved_across_trust_entries() -> None:
    """Both IdPs are trusted; the other IdP's key holder signs as the F0 IdP and names its own key in KeyName
    (and puts its certificate in KeyInfo). A verifier that resolved KeyInfo against every trusted key would
    accept; the key must come from the entry of the Issuer the assertion claims (R26, R27, R43)."""
    other = fx.attacker_keys()
    both = fx.trust() | fx.trust(other, issuer=OTHER_IDP)
    tree = k.evil(k.unsigned())
    sig = sign_enveloped(k.assertion(tree), other)
    key_info = k.child(sig, k.ds("KeyInfo"))
    etree.SubElement(key_info, k.ds("KeyName")).text = OTHER_IDP
    error = k.reject(k.dump(tree), k.UNTRUSTED, trust=both)
    assert "not trusted for this issuer" in error.detail
    # the twin: the same key signing as its own issuer is accepted, as that issuer
    own = k.unsigned(issuer=OTHER_IDP)
    sign_enveloped(k.assertion(own), other)
    assert k.accept(k.dump(own), issuer=OTHER_IDP, trust=both).issuer == OTHER_IDP


# ----------------------------------------------------------------------------------------- E5-E7

HMAC_METHODS = {
    "hmac-sha1": ("http://www.w3.org/2000/09/xmldsig#hmac-sha1", hashlib.sha1),
    "hmac-sha256": ("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", hashlib.sha256),
}


def _hmac_keys() -> dict[str, bytes]:
    keys = fx.idp_keys()
    public = keys.trusted.public_key
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        "cert-pem": keys.cert_pem,
        "cert-der": keys.cert_der,
        "cert-b64": keys.cert_b64.encode(),
        "spki-der": public.public_bytes(serialization.Encoding.DER, spki),
        "spki-pem": public.public_bytes(serialization.Encoding.PEM, spki),
    }


@pytest.mark.parametrize("secret", sorted(_hmac_keys()))
@pytest.mark.parametrize("method", sorted(HMAC_METHODS))
def test_e5_hmac_with_the_public_key_as_secret(method: str, secret: str) -> None:
    tree = k.signed("A")
    k.evil(k.assertion(tree))
    sig = k.signature(k.assertion(tree))
    uri, digest = HMAC_METHODS[method]
    signed_info = k.child(sig, k.ds("SignedInfo"))
    k.child(signed_info, k.ds("SignatureMethod")).set("Algorithm", uri)
    k.child(k.child(signed_info, k.ds("Reference")), k.ds("DigestValue")).text = base64.b64encode(
        hashlib.sha256(k.canonical(k.assertion(tree))).digest()
    ).decode()
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    value = hmac.new(_hmac_keys()[secret], canonical, digest).digest()
    k.child(sig, k.ds("SignatureValue")).text = base64.b64encode(value).decode()
    k.reject(k.dump(tree), k.ALGORITHM)


@pytest.mark.parametrize("length", ["0", "1", "8", "79", "80", "160"])
def test_e6_hmac_output_length_truncation(length: str) -> None:
    tree = k.signed("A")
    sig = k.signature(k.assertion(tree))
    method = k.path(sig, k.ds("SignedInfo"), k.ds("SignatureMethod"))
    method.set("Algorithm", HMAC_METHODS["hmac-sha1"][0])
    etree.SubElement(method, k.ds("HMACOutputLength")).text = length
    k.child(sig, k.ds("SignatureValue")).text = base64.b64encode(b"\x00").decode()
    k.reject(k.dump(tree), k.ALGORITHM)


def test_e6_output_length_under_an_allowed_method() -> None:
    tree = k.signed("A")
    method = k.path(k.signature(k.assertion(tree)), k.ds("SignedInfo"), k.ds("SignatureMethod"))
    etree.SubElement(method, k.ds("HMACOutputLength")).text = "80"
    k.reject(k.dump(tree), k.PROFILE)


def test_e7_rsa_sha1_fixture_mode_needs_the_opt_in() -> None:
    from saml_core.constants import DigestMethod

    data = k.sign(k.unsigned(), "RA", method=SignatureMethod.RSA_SHA1, digest=DigestMethod.SHA1)
    k.reject(data, k.ALGORITHM)
    k.accept(data, policy=fx.aws_policy(allow_sha1=True))  # the explicit opt-in (R21)
    k.accept(data, trust=fx.trust(allow_sha1=True))  # or per IdP


def test_e7_sha1_digest_under_rsa_sha256() -> None:
    from saml_core.constants import DigestMethod

    data = k.sign(k.unsigned(), "A", digest=DigestMethod.SHA1)
    k.reject(data, k.ALGORITHM)


WEAK_METHODS = {
    "rsa-md5": ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"),
    "dsa-sha1": ("SignatureMethod", "http://www.w3.org/2000/09/xmldsig#dsa-sha1"),
    "rsa-ripemd160": ("SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa-ripemd160"),
    "md5-digest": ("DigestMethod", "http://www.w3.org/2001/04/xmldsig-more#md5"),
    "ripemd160-digest": ("DigestMethod", "http://www.w3.org/2001/04/xmlenc#ripemd160"),
    "rsa-sha1-uri-only": ("SignatureMethod", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"),
}


@pytest.mark.parametrize("name", sorted(WEAK_METHODS))
def test_e7_weak_algorithm_downgrade(name: str) -> None:
    where, uri = WEAK_METHODS[name]
    tree = k.signed("A")
    sig = k.signature(k.assertion(tree))
    node = next(n for n in sig.iter(k.ds(where)))
    node.set("Algorithm", uri)
    k.reject(k.dump(tree), k.ALGORITHM)
    if name != "rsa-sha1-uri-only":
        # even with SHA-1 allowed, these stay forbidden
        k.reject(k.dump(tree), k.ALGORITHM, policy=fx.aws_policy(allow_sha1=True))


def test_e7_rsa_sha1_uri_only_with_opt_in_fails_on_crypto() -> None:
    tree = k.signed("A")
    method = next(k.signature(k.assertion(tree)).iter(k.ds("SignatureMethod")))
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    k.reject(k.dump(tree), k.SIG_INVALID, policy=fx.aws_policy(allow_sha1=True))


# ----------------------------------------------------------------------------------------- E8-E10


@cache
def _ec_keys() -> KeyPair:
    return KeyPair.generate("ec-p256", common_name="f0-idp-ec", now=fx.NOW)


def test_e8_ecdsa_method_with_the_rsa_key() -> None:
    tree = k.signed("A")
    method = next(k.signature(k.assertion(tree)).iter(k.ds("SignatureMethod")))
    method.set("Algorithm", SignatureMethod.ECDSA_SHA256.value)
    k.reject(k.dump(tree), k.ALGORITHM)


def test_e8_rsa_method_with_an_ec_key() -> None:
    ec_keys = _ec_keys()
    data = k.sign(k.unsigned(), "A", keys=ec_keys)
    k.accept(data, trust=fx.trust(ec_keys))  # the positive twin: ECDSA P-256 (SECURITY.md 3.1)
    tree = fx.parse(data)
    method = next(k.signature(k.assertion(tree)).iter(k.ds("SignatureMethod")))
    method.set("Algorithm", SignatureMethod.RSA_SHA256.value)
    k.reject(k.dump(tree), k.ALGORITHM, trust=fx.trust(ec_keys))


def test_e8_pss_uri_with_a_pkcs1_value() -> None:
    # the key fits (RSA), only the padding differs: no pinned key verifies the value (R22, R23)
    tree = k.signed("A")
    method = next(k.signature(k.assertion(tree)).iter(k.ds("SignatureMethod")))
    method.set("Algorithm", SignatureMethod.RSA_PSS_SHA256.value)
    k.reject(k.dump(tree), k.SIG_INVALID)


def _pss_sign(target: etree._Element) -> None:
    """RSASSA-PSS (RFC 6931 sha256-rsa-MGF1, salt = hash length), which sign_enveloped does not emit."""
    from cryptography.hazmat.primitives.asymmetric import padding

    sig = sign_enveloped(target, fx.idp_keys())
    signed_info = k.child(sig, k.ds("SignedInfo"))
    k.child(signed_info, k.ds("SignatureMethod")).set("Algorithm", SignatureMethod.RSA_PSS_SHA256.value)
    private = serialization.load_pem_private_key(fx.idp_keys().key_pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    data = etree.tostring(signed_info, method="c14n", exclusive=True)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    value = private.sign(data, pss, hashes.SHA256())
    k.child(sig, k.ds("SignatureValue")).text = base64.b64encode(value).decode()


def test_e8_pss_signature_is_a_control() -> None:
    tree = k.unsigned()
    _pss_sign(k.assertion(tree))
    _pss_sign(tree)
    k.accept(k.dump(tree))


def _ec_signed() -> tuple[KeyPair, etree._Element]:
    ec_keys = _ec_keys()
    return ec_keys, fx.parse(k.sign(k.unsigned(), "A", keys=ec_keys))


def _set_rs(tree: etree._Element, value: bytes) -> bytes:
    k.child(k.signature(k.assertion(tree)), k.ds("SignatureValue")).text = base64.b64encode(value).decode()
    return k.dump(tree)


def _rs(tree: etree._Element) -> tuple[int, int]:
    raw = base64.b64decode(
        "".join((k.child(k.signature(k.assertion(tree)), k.ds("SignatureValue")).text or "").split())
    )
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


@pytest.mark.parametrize("edit", ["zero", "r-is-n", "s-is-n", "short", "long", "der"])
def test_e9_ecdsa_edge_cases(edit: str) -> None:
    ec_keys, tree = _ec_signed()
    r, s = _rs(tree)
    value = {
        "zero": bytes(64),
        "r-is-n": P256_ORDER.to_bytes(32, "big") + s.to_bytes(32, "big"),
        "s-is-n": r.to_bytes(32, "big") + P256_ORDER.to_bytes(32, "big"),
        "short": (r.to_bytes(32, "big") + s.to_bytes(32, "big"))[:-1],
        "long": b"\x00" + r.to_bytes(32, "big") + s.to_bytes(32, "big"),
        "der": encode_dss_signature(r, s),
    }[edit]
    k.reject(_set_rs(tree, value), k.SIG_INVALID, trust=fx.trust(ec_keys))


@cache
def _p521_keys() -> KeyPair:
    return KeyPair.generate("ec-p521", common_name="f0-idp-p521", now=fx.NOW)


def test_e9_s_plus_n_is_refused_though_congruent() -> None:
    """s + n is the same s modulo n, so a verifier that reduces instead of range-checking would accept it.

    On P-256 s + n almost never fits the 32-byte field; on P-521 (66-byte fields, 521-bit n) it always does,
    so this is where the overflow form can actually be sent.
    """
    keys = _p521_keys()
    tree = fx.parse(k.sign(k.unsigned(), "A", keys=keys))
    original = k.dump(tree)
    raw = base64.b64decode(
        "".join((k.child(k.signature(k.assertion(tree)), k.ds("SignatureValue")).text or "").split())
    )
    assert len(raw) == 132
    r, s = int.from_bytes(raw[:66], "big"), int.from_bytes(raw[66:], "big")
    overflowed = s + P521_ORDER
    assert overflowed < 2 ** (66 * 8) and overflowed % P521_ORDER == s
    k.reject(
        _set_rs(tree, r.to_bytes(66, "big") + overflowed.to_bytes(66, "big")),
        k.SIG_INVALID,
        trust=fx.trust(keys),
    )
    k.accept(original, trust=fx.trust(keys))  # the twin: the untouched P-521 signature


def test_e9_high_s_malleated_signature_is_a_control_and_replay_keys_on_the_id() -> None:
    ec_keys, tree = _ec_signed()
    original = k.dump(tree)
    r, s = _rs(tree)
    malleated = _set_rs(tree, r.to_bytes(32, "big") + (P256_ORDER - s).to_bytes(32, "big"))
    assert malleated != original
    cache = MemoryReplayCache()
    k.accept(original, trust=fx.trust(ec_keys), replay_cache=cache)
    k.reject(malleated, k.REPLAYED, trust=fx.trust(ec_keys), replay_cache=cache)
    k.accept(malleated, trust=fx.trust(ec_keys))  # ACCEPT(orig) on its own


def test_e9_der_value_is_what_a_naive_signer_emits() -> None:
    # sanity for the case above: the DER form decodes to the same (r, s)
    ec_keys, tree = _ec_signed()
    r, s = _rs(tree)
    assert decode_dss_signature(encode_dss_signature(r, s)) == (r, s)
    assert isinstance(ec_keys.trusted.public_key, ec.EllipticCurvePublicKey)


def test_e10_rsa_1024_idp_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "f0-idp-1024")])
    weak = _keypair(key, _cert(key, key, subject=name, issuer=name, serial=7))
    data = k.sign(k.unsigned(), "RA", keys=weak)
    # SECURITY.md R22 says algorithm_forbidden; INTERFACES.md has the dedicated weak_key, which saml_core uses
    k.reject(data, k.WEAK_KEY, trust=fx.trust(weak))
    k.accept(data, trust=fx.trust(weak, min_rsa_bits=1024))  # the explicit 1024 floor (R22)


def test_e10_encryption_key_never_verifies() -> None:
    from metadata import build_idp_metadata

    metadata = build_idp_metadata(
        entity_id=fx.IDP,
        sso_url="https://idp.example.test/sso",
        signing_certs=[fx.idp_keys_2().cert_pem],
        encryption_cert=fx.idp_keys().cert_pem,
    )
    trust = Trust.from_metadata(metadata)
    data = fx.f0("RA")
    k.reject(data, k.UNTRUSTED, trust=trust)
    k.accept(k.sign(k.unsigned(), "RA", keys=fx.idp_keys_2()), trust=trust)


def test_e10_expired_certificate_is_a_control() -> None:
    key = _rsa()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "f0-idp-expired")])
    expired = _keypair(
        key,
        _cert(
            key,
            key,
            subject=name,
            issuer=name,
            serial=9,
            not_before=fx.NOW - dt.timedelta(days=400),
            not_after=fx.NOW - dt.timedelta(days=35),
        ),
    )
    k.accept(k.sign(k.unsigned(), "RA", keys=expired), trust=fx.trust(expired))


def test_e10_rollover_second_pinned_key_is_a_control() -> None:
    trust = fx.trust(fx.idp_keys(), fx.idp_keys_2())
    k.accept(k.sign(k.unsigned(), "RA", keys=fx.idp_keys_2()), trust=trust)
    k.accept(fx.f0("RA"), trust=trust)
    k.reject(k.sign(k.evil(k.unsigned()), "RA", keys=fx.attacker_keys()), k.UNTRUSTED, trust=trust)


def test_e10_keyinfo_copy_is_ignored_in_favour_of_the_pinned_key() -> None:
    tree = k.signed("A")
    cert = k.path(k.signature(k.assertion(tree)), k.ds("KeyInfo"), k.ds("X509Data"), k.ds("X509Certificate"))
    cert.text = copy.copy(fx.attacker_keys().cert_b64)
    k.accept(k.dump(tree))
