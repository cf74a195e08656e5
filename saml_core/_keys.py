"""Keys and certificates: ``KeyPair`` (ours, signs and decrypts) and ``TrustedKey`` (theirs, verifies).

Parsing a PEM key costs tens of milliseconds, so both types parse once at construction and keep the
parsed objects; the xmlsec handles that ``_dsig`` derives from them are cached on the instance too.
"""

from __future__ import annotations

import base64
import hashlib
import warnings
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from functools import cached_property
from typing import Any
from typing import Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from ._bounded import read_file
from ._time import utcnow
from .constants import SignatureMethod
from .errors import KeyLoadError

KeyAlgorithm = Literal["rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_CURVES: dict[str, ec.EllipticCurve] = {
    "ec-p256": ec.SECP256R1(),
    "ec-p384": ec.SECP384R1(),
    "ec-p521": ec.SECP521R1(),
}
_EC_CURVES_ALLOWED = ("secp256r1", "secp384r1", "secp521r1")


def _describe(public: PublicKey) -> tuple[str, int]:
    if isinstance(public, rsa.RSAPublicKey):
        return "rsa", public.key_size
    return "ec", public.curve.key_size


@dataclass(frozen=True, eq=False)
class KeyPair:
    """A private key with its certificate: what our IdP signs with and what an SP decrypts with."""

    key_pem: bytes = field(repr=False)  # never in a repr, a log line or a traceback
    cert_pem: bytes = field(repr=False)
    private_key: PrivateKey = field(repr=False)
    certificate: x509.Certificate = field(repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def generate(
        cls,
        algorithm: KeyAlgorithm = "rsa-2048",
        *,
        common_name: str = "saml-aws-toolkit",
        days: int = 3650,
        now: datetime | None = None,
    ) -> KeyPair:
        """A fresh key and a self-signed certificate (SAML pins keys; the CA plays no part: R27)."""
        private: PrivateKey
        if algorithm.startswith("rsa-"):
            private = rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
        elif algorithm in _CURVES:
            private = ec.generate_private_key(_CURVES[algorithm])
        else:
            raise KeyLoadError(
                f"unknown key algorithm {algorithm!r}; use rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384 "
                "or ec-p521"
            )
        cert = _self_signed(private, common_name, days, now or utcnow())
        key_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(key_pem, cert.public_bytes(serialization.Encoding.PEM), private, cert)

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes, password: bytes | None = None) -> KeyPair:
        """Load a PEM private key (PKCS#1, PKCS#8 or SEC1) and its PEM certificate; they must match."""
        try:
            private = serialization.load_pem_private_key(key_pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyLoadError(_private_key_problem(exc)) from None
        if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError("only RSA and EC private keys are supported")
        cert = load_certificate(cert_pem)
        if _spki(cert.public_key()) != _spki(private.public_key()):
            raise KeyLoadError("the certificate does not belong to the private key")
        if password is not None:
            key_pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        return cls(key_pem, cert.public_bytes(serialization.Encoding.PEM), private, cert)

    @classmethod
    def from_private_pem(cls, key_pem: bytes, *, common_name: str = "decryption key") -> KeyPair:
        """A private key that comes without its certificate, as IAM's AddPrivateKey takes an SP decryption
        key; a self-signed certificate is made for it (decryption never looks at the certificate)."""
        try:
            private = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyLoadError(_private_key_problem(exc)) from None
        if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyLoadError("only RSA and EC private keys are supported")
        cert = _self_signed(private, common_name, 3650, utcnow())
        return cls(key_pem, cert.public_bytes(serialization.Encoding.PEM), private, cert)

    @classmethod
    def from_files(cls, key_path: str, cert_path: str) -> KeyPair:
        try:
            key_pem = read_file(key_path, too_large=KeyLoadError)
            cert_pem = read_file(cert_path, too_large=KeyLoadError)
        except OSError as exc:
            raise KeyLoadError(f"cannot read key files: {exc}") from None
        return cls.from_pem(key_pem, cert_pem)

    @cached_property
    def trusted(self) -> TrustedKey:
        """The public half, as a verifier would pin it."""
        return TrustedKey.from_certificate(self.certificate)

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @cached_property
    def cert_b64(self) -> str:
        """The certificate body as it appears in ds:X509Certificate."""
        return base64.b64encode(self.cert_der).decode("ascii")

    @cached_property
    def kind(self) -> str:
        return _describe(self.private_key.public_key())[0]

    @cached_property
    def key_size(self) -> int:
        return _describe(self.private_key.public_key())[1]

    @cached_property
    def default_signature_method(self) -> SignatureMethod:
        if self.kind == "rsa":
            return SignatureMethod.RSA_SHA256
        return {256: SignatureMethod.ECDSA_SHA256, 384: SignatureMethod.ECDSA_SHA384}.get(
            self.key_size, SignatureMethod.ECDSA_SHA512
        )


@dataclass(frozen=True, eq=False)
class TrustedKey:
    """A pinned verification key from trust configuration, never from a message's KeyInfo (R25)."""

    public_key: PublicKey = field(repr=False)
    cert_der: bytes | None = field(default=None, repr=False)
    label: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_certificate(cls, cert: x509.Certificate, label: str = "") -> TrustedKey:
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise KeyLoadError("only RSA and EC certificates are supported")
        der = cert.public_bytes(serialization.Encoding.DER)
        return cls(public, der, label or cert.subject.rfc4514_string())

    @classmethod
    def from_pem(cls, data: bytes, label: str = "") -> TrustedKey:
        """A PEM certificate, or a PEM public key: SubjectPublicKeyInfo or PKCS#1 ``RSA PUBLIC KEY``."""
        if b"-----BEGIN PUBLIC KEY-----" in data or b"-----BEGIN RSA PUBLIC KEY-----" in data:
            try:
                public = serialization.load_pem_public_key(data)
            except (ValueError, UnsupportedAlgorithm) as exc:
                raise KeyLoadError(f"cannot load the public key: {exc}") from None
            if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
                raise KeyLoadError("only RSA and EC public keys are supported")
            return cls(public, None, label or "public key")
        return cls.from_certificate(load_certificate(data), label)

    @classmethod
    def from_der_b64(cls, text: str, label: str = "") -> TrustedKey:
        """The body of a metadata ds:X509Certificate."""
        try:
            der = base64.b64decode("".join(text.split()), validate=True)
        except ValueError as exc:
            raise KeyLoadError(f"cannot load the certificate: {exc}") from None
        return cls.from_certificate(load_certificate(der), label)

    @cached_property
    def kind(self) -> str:
        return _describe(self.public_key)[0]

    @cached_property
    def key_size(self) -> int:
        return _describe(self.public_key)[1]

    @cached_property
    def curve_allowed(self) -> bool:
        return isinstance(self.public_key, ec.EllipticCurvePublicKey) and (
            self.public_key.curve.name in _EC_CURVES_ALLOWED
        )

    @cached_property
    def spki_der(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def fingerprint_sha256(self) -> str:
        """SHA-256 of the certificate DER (or of the SPKI for a bare key), colon-separated hex."""
        digest = hashlib.sha256(self.cert_der or self.spki_der).hexdigest().upper()
        return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))

    def same_key(self, other: TrustedKey) -> bool:
        return self.spki_der == other.spki_der


def _spki(public: object) -> bytes:
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise KeyLoadError("only RSA and EC keys are supported")
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _self_signed(private: PrivateKey, common_name: str, days: int, now: datetime) -> x509.Certificate:
    start = now - timedelta(minutes=5)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )


def _private_key_problem(exc: Exception) -> str:
    """What to fix, in our words: cryptography's text names its FAQ URL or its parser's internals."""
    text = str(exc)
    if "encrypted" in text.lower() or "password" in text.lower():
        return f"cannot load the private key: {text}"  # its own words say what to do (give / drop a password)
    if isinstance(exc, UnsupportedAlgorithm):
        return "cannot load the private key: its algorithm is not supported (use RSA or EC)"
    return "cannot load the private key (expected PEM: PKCS#1, PKCS#8 or SEC1)"


def load_certificate(data: bytes) -> x509.Certificate:
    """A PEM certificate, or DER, or a bare base64 body; raises KeyLoadError.

    A certificate is only a container for a pinned key here (R27), so cryptography's deprecation warning
    about non-positive serial numbers (real IdP certificates have them: simplesamlphp-06) is silenced.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            if b"-----BEGIN" in data:
                return x509.load_pem_x509_certificate(data)
            stripped = b"".join(data.split())
            if stripped[:1] == b"0":  # DER starts with SEQUENCE (0x30 = '0')
                return x509.load_der_x509_certificate(data)
            return x509.load_der_x509_certificate(base64.b64decode(stripped, validate=True))
    except ValueError as exc:
        # cryptography's DER errors are Rust debug text ("ParseError { kind: ... }"): say what was expected
        reason = str(exc) if "{" not in str(exc) else "the bytes are not an X.509 certificate"
        raise KeyLoadError(
            f"cannot load the certificate (expected PEM, DER or a base64 DER body): {reason[:200]}"
        ) from None
