"""The error tree shared by every package.

    SAMLError                        code, aws_error, message; the root
     +-- MalformedXML (ValueError)   malformed_xml
     +-- DTDForbidden                dtd_forbidden
     +-- TooLarge                    too_large
     +-- NotAResponse                not_a_response
     +-- UnsignedContent             unsigned_content
     +-- SignatureMissing            signature_missing
     +-- SignatureInvalid            signature_invalid (also cryptography's InvalidSignature)
     |    +-- UntrustedKey           untrusted_key
     +-- SignatureProfileViolation   signature_profile_violation
     +-- AlgorithmForbidden          algorithm_forbidden
     +-- WeakKey                     weak_key
     +-- DecryptionFailed            decryption_failed
     +-- KeyLoadError (ValueError)   key_invalid (a key or certificate that cannot be loaded)
     +-- ConfigError (ValueError)    config_error (the CLI exits 2)

Packages add one child each: ``sp_adapter.ValidationError``, ``idp.IdPError``,
``metadata.MetadataError``. Every class carries a stable snake_case ``code`` (the
list in INTERFACES.md) and the ``aws_error`` that STS would return for the same input (AWS.md section 7.3).

The message is meant for operators: it says what to fix and never contains key material. Signature and
decryption failures keep their detail in ``detail`` (for logs) and show a generic message.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature

INVALID_IDENTITY_TOKEN = "InvalidIdentityToken"  # noqa: S105 - an STS error code, not a secret


class SAMLError(Exception):
    """Root of every error this project raises on purpose."""

    code: str = "saml_error"
    aws_error: str | None = INVALID_IDENTITY_TOKEN
    #: shown instead of the detail when the class hides its cause from outsiders (R40, R60)
    generic_message: str | None = None

    def __init__(self, message: str = "", *, detail: str | None = None) -> None:
        self.detail = detail if detail is not None else message
        public = self.generic_message if self.generic_message is not None else message
        super().__init__(public or self.code)

    @property
    def message(self) -> str:
        return str(self)

    def to_json(self) -> dict[str, str | None]:
        """The one JSON object the command-line tools print on stderr."""
        return {"error": self.code, "aws_error": self.aws_error, "message": self.message}


class MalformedXML(SAMLError, ValueError):
    """Input is not the well-formed, schema-valid, strictly encoded XML the profile requires."""

    code = "malformed_xml"


class DTDForbidden(SAMLError):
    """A DOCTYPE or an entity reference was found (R5, R6)."""

    code = "dtd_forbidden"


class TooLarge(SAMLError):
    """A size or structure cap was exceeded (R1, R7)."""

    code = "too_large"
    aws_error = "ValidationError"


class NotAResponse(SAMLError):
    """The document element is not the expected one (R11)."""

    code = "not_a_response"


class UnsignedContent(SAMLError):
    """Content that a signature does not cover was found or would have been read (R8, R30, R31)."""

    code = "unsigned_content"


class SignatureMissing(SAMLError):
    """No signature covers the content (R15)."""

    code = "signature_missing"
    generic_message = "Response signature invalid"


class SignatureInvalid(SAMLError, InvalidSignature):
    """A signature or digest does not verify with any trusted key (R25, R29)."""

    code = "signature_invalid"
    generic_message = "Response signature invalid"


class UntrustedKey(SignatureInvalid):
    """KeyInfo names a certificate that is not pinned and no pinned key verifies (R25, R26)."""

    code = "untrusted_key"


class SignatureProfileViolation(SAMLError):
    """A ds:Signature breaks the SAML XML-DSig profile (R12, R14, R16-R20, R28)."""

    code = "signature_profile_violation"


class AlgorithmForbidden(SAMLError):
    """An algorithm outside the allow-list, or a key that does not fit the method (R21, R22)."""

    code = "algorithm_forbidden"


class WeakKey(SAMLError):
    """A trusted key is smaller than the policy's floor (R22: RSA under min_rsa_bits)."""

    code = "weak_key"


class DecryptionFailed(SAMLError):
    """Any failure after the ciphertext is reached; one generic message outside (R36-R41)."""

    code = "decryption_failed"
    generic_message = "The encrypted assertion could not be decrypted"


class KeyLoadError(SAMLError, ValueError):
    """A key or certificate could not be loaded or does not fit its use."""

    code = "key_invalid"
    aws_error = None


class ConfigError(SAMLError, ValueError):
    """A configuration value is wrong; the CLI exits 2."""

    code = "config_error"
    aws_error = None
