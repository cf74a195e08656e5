"""SAML 2.0, XML-DSig and XML-Enc names: namespaces, and URI-valued enums.

Every enum's value is the URI itself; looking up an unknown URI raises ``MalformedXML`` (never a
bare ``ValueError``), so code switches on members, never on strings.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from typing import Self

from .errors import AlgorithmForbidden
from .errors import MalformedXML


class NS:
    """Namespace URIs, and Clark-notation helpers (``NS.saml("Issuer")`` -> ``{urn:...}Issuer``)."""

    SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
    SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
    MD = "urn:oasis:names:tc:SAML:2.0:metadata"
    DS = "http://www.w3.org/2000/09/xmldsig#"
    DS11 = "http://www.w3.org/2009/xmldsig11#"
    XENC = "http://www.w3.org/2001/04/xmlenc#"
    XENC11 = "http://www.w3.org/2009/xmlenc11#"
    EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
    XSI = "http://www.w3.org/2001/XMLSchema-instance"
    XS = "http://www.w3.org/2001/XMLSchema"
    XML = "http://www.w3.org/XML/1998/namespace"
    SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
    MDRPI = "urn:oasis:names:tc:SAML:metadata:rpi"
    MDUI = "urn:oasis:names:tc:SAML:metadata:ui"

    @staticmethod
    def saml(local: str) -> str:
        return "{urn:oasis:names:tc:SAML:2.0:assertion}" + local

    @staticmethod
    def samlp(local: str) -> str:
        return "{urn:oasis:names:tc:SAML:2.0:protocol}" + local

    @staticmethod
    def md(local: str) -> str:
        return "{urn:oasis:names:tc:SAML:2.0:metadata}" + local

    @staticmethod
    def ds(local: str) -> str:
        return "{http://www.w3.org/2000/09/xmldsig#}" + local

    @staticmethod
    def xenc(local: str) -> str:
        return "{http://www.w3.org/2001/04/xmlenc#}" + local


#: the prefixes our own documents use
NSMAP = {
    "samlp": NS.SAMLP,
    "saml": NS.SAML,
    "md": NS.MD,
    "ds": NS.DS,
    "xenc": NS.XENC,
    "xs": NS.XS,
    "xsi": NS.XSI,
}


class _UriEnum(Enum):
    @classmethod
    def _missing_(cls, value: Any) -> Any:
        raise MalformedXML(f"unknown {cls.__name__} {str(value)[:200]!r}")

    @classmethod
    def from_uri(cls, value: str) -> Self:
        """``cls(value)`` without the enum call machinery on the hot path; an unknown URI still goes through
        ``cls(value)`` and raises that enum's own error (``_missing_``)."""
        member = cls._value2member_map_.get(value)
        return member if member is not None else cls(value)  # type: ignore[return-value]


class SignatureMethod(_UriEnum):
    RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
    RSA_PSS_SHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
    RSA_PSS_SHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
    ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

    @classmethod
    def _missing_(cls, value: Any) -> Any:
        # HMAC, DSA, MD5, RIPEMD-160 and anything unknown are never allowed (R21)
        raise AlgorithmForbidden(f"signature method {str(value)[:200]!r} is not allowed")

    @property
    def is_ec(self) -> bool:
        return self.name.startswith("ECDSA")

    @property
    def is_sha1(self) -> bool:
        return self is SignatureMethod.RSA_SHA1

    @property
    def short(self) -> str:
        return self.name.lower().replace("_", "-")


class DigestMethod(_UriEnum):
    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

    @classmethod
    def _missing_(cls, value: Any) -> Any:
        raise AlgorithmForbidden(f"digest method {str(value)[:200]!r} is not allowed")

    @property
    def hashlib_name(self) -> str:
        return self.name.lower()


class Transform(_UriEnum):
    ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    C14N11 = "http://www.w3.org/2006/12/xml-c14n11"


#: the canonicalisation methods without comments that R19/R20 allow
C14N_METHODS = (Transform.EXC_C14N, Transform.C14N, Transform.C14N11)


class KeyTransport(_UriEnum):
    RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
    RSA_OAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
    RSA_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"


class BlockCipher(_UriEnum):
    AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
    AES192_GCM = "http://www.w3.org/2009/xmlenc11#aes192-gcm"
    AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    AES192_CBC = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
    AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
    TRIPLEDES_CBC = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"

    @property
    def is_gcm(self) -> bool:
        return self.name.endswith("GCM")

    @property
    def key_size(self) -> int:
        return {"128": 16, "192": 24, "256": 32}.get(self.name[3:6], 24)


class NameIDFormat(_UriEnum):
    UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
    PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"


class StatusCode(_UriEnum):
    SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
    REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
    RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
    VERSION_MISMATCH = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
    AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
    NO_PASSIVE = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
    REQUEST_DENIED = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
    PARTIAL_LOGOUT = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"


class Binding(_UriEnum):
    HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    HTTP_ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"


class ConfirmationMethod(_UriEnum):
    BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    HOLDER_OF_KEY = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
    SENDER_VOUCHES = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"


class AuthnContextClass(_UriEnum):
    PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"  # noqa: S105
    PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"  # noqa: S105
    UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"


class AttrNameFormat(_UriEnum):
    URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
    UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"


#: AWS attribute names (AWS.md section 1); exact and case-sensitive
AWS_ATTR_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
AWS_ROLE = AWS_ATTR_PREFIX + "Role"
AWS_ROLE_SESSION_NAME = AWS_ATTR_PREFIX + "RoleSessionName"
AWS_SESSION_DURATION = AWS_ATTR_PREFIX + "SessionDuration"
AWS_SOURCE_IDENTITY = AWS_ATTR_PREFIX + "SourceIdentity"
AWS_PRINCIPAL_TAG_PREFIX = AWS_ATTR_PREFIX + "PrincipalTag:"
AWS_TRANSITIVE_TAG_KEYS = AWS_ATTR_PREFIX + "TransitiveTagKeys"
