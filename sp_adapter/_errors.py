"""Validation errors: one class per cause, each with a stable ``code`` and the ``aws_error`` STS would return.

    saml_core.SAMLError
     +-- ValidationError                      every rejection by ``validate_response``
          +-- MalformedMessage (ValueError)   malformed_xml
          +-- DoctypeForbidden                dtd_forbidden
          +-- MessageTooLarge                 too_large               aws_error ValidationError
          +-- NotAResponse                    not_a_response
          +-- StatusNotSuccess                status_not_success      aws_error IDPRejectedClaim
          +-- IssuerMismatch                  issuer_mismatch
          +-- SignatureRequired               signature_missing       (generic message)
          +-- BadSignature (InvalidSignature) signature_invalid       (generic message)
          |    +-- KeyNotTrusted              untrusted_key           (generic message)
          +-- ProfileViolation                signature_profile_violation
          +-- ForbiddenAlgorithm              algorithm_forbidden
          +-- KeyTooWeak                      weak_key
          +-- AssertionCount                  assertion_count
          +-- NotCovered                      unsigned_content
          +-- AudienceMismatch                audience_mismatch
          +-- RecipientMismatch               recipient_mismatch
          +-- DestinationMismatch             destination_mismatch
          +-- Expired                         expired                 aws_error ExpiredTokenException
          +-- NotYetValid                     not_yet_valid           aws_error ExpiredTokenException
          +-- InResponseToMismatch            in_response_to_mismatch
          +-- Replayed                        replayed
          +-- SubjectConfirmationInvalid      subject_confirmation_invalid
          +-- DecryptionError                 decryption_failed       (generic message)
          |    +-- EncryptionRequired         decryption_failed       (policy: plain assertion refused)
          +-- ConditionUnsupported            condition_unsupported
          +-- AwsAttributeInvalid             aws_attribute_invalid
          +-- AwsRoleNotAllowed               aws_role_not_allowed    aws_error AccessDenied

The mapping to ``aws_error`` is AWS.md section 7.3. Messages tell an operator what to fix ("Audience 'x' is
not one of ['y']"); signature and decryption failures show one generic message and keep the cause in
``detail`` for logs (SECURITY.md R40, R60). Any ``saml_core`` error met during validation is converted by
``as_validation_error`` into the class with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography.exceptions import InvalidSignature

from saml_core import SAMLError
from saml_core import format_instant

EXPIRED_TOKEN = "ExpiredTokenException"  # noqa: S105 - an STS error code, not a secret


def _shown(values: Sequence[str], limit: int = 8) -> str:
    """A bounded, quoted list for messages."""
    items = [repr(v[:200]) for v in values[:limit]]
    more = f", ... ({len(values) - limit} more)" if len(values) > limit else ""
    return "[" + ", ".join(items) + more + "]"


class ValidationError(SAMLError):
    """The response was rejected; ``code`` says why (INTERFACES.md), ``aws_error`` what STS would say."""

    code = "validation_error"


class MalformedMessage(ValidationError, ValueError):
    """Not the strictly encoded, well-formed, schema-valid XML the profile requires (R2-R4, R9, R10, R33)."""

    code = "malformed_xml"


class DoctypeForbidden(ValidationError):
    """A DOCTYPE or an entity reference (R5, R6)."""

    code = "dtd_forbidden"


class MessageTooLarge(ValidationError):
    """A size or structure cap was exceeded (R1, R7)."""

    code = "too_large"
    aws_error = "ValidationError"


class NotAResponse(ValidationError):
    """The document element is not samlp:Response (R11)."""

    code = "not_a_response"


class StatusNotSuccess(ValidationError):
    """The IdP reported a failure (R42)."""

    code = "status_not_success"
    aws_error = "IDPRejectedClaim"

    def __init__(self, message: str, *, status: str | None = None) -> None:
        super().__init__(message)
        self.status = status


class IssuerMismatch(ValidationError):
    """The Issuer is not the entity whose key verified, or Response and Assertion disagree (R43, R32)."""

    code = "issuer_mismatch"

    def __init__(self, message: str, *, expected: tuple[str, ...] = (), actual: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class SignatureRequired(ValidationError):
    """No signature covers the assertion (R15)."""

    code = "signature_missing"
    generic_message = "Response signature invalid"


class BadSignature(ValidationError, InvalidSignature):
    """A signature or digest does not verify with any key trusted for the issuer (R25, R29)."""

    code = "signature_invalid"
    generic_message = "Response signature invalid"


class KeyNotTrusted(BadSignature):
    """KeyInfo names a certificate that is not pinned and no pinned key verifies (R25, R26)."""

    code = "untrusted_key"


class ProfileViolation(ValidationError):
    """A ds:Signature or an ID breaks the SAML signature profile (R12, R14, R16-R20, R28)."""

    code = "signature_profile_violation"


class ForbiddenAlgorithm(ValidationError):
    """An algorithm outside the allow-list, or a key that does not fit the method (R21, R22)."""

    code = "algorithm_forbidden"


class KeyTooWeak(ValidationError):
    """The trusted RSA key is under the policy's floor (R22)."""

    code = "weak_key"


class AssertionCount(ValidationError):
    """Not exactly one assertion, or an assertion or Advice in the wrong place (R13)."""

    code = "assertion_count"

    def __init__(self, message: str, *, found: int | None = None) -> None:
        super().__init__(message)
        self.found = found


class NotCovered(ValidationError):
    """Content no verified signature covers was found or would have been read (R8, R30, R31)."""

    code = "unsigned_content"


class _Mismatch(ValidationError):
    def __init__(self, message: str, *, expected: tuple[str, ...] = (), actual: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class AudienceMismatch(_Mismatch):
    """An AudienceRestriction names none of the policy's audiences, or there is none (R46, R58)."""

    code = "audience_mismatch"


class RecipientMismatch(_Mismatch):
    """SubjectConfirmationData/@Recipient is not an allowed recipient (R45, R58)."""

    code = "recipient_mismatch"


class DestinationMismatch(_Mismatch):
    """Response/@Destination is missing on a signed Response, or not allowed (R44, R32)."""

    code = "destination_mismatch"


class Expired(ValidationError):
    """A NotOnOrAfter (or SessionNotOnOrAfter, or max_age) has passed, skew included (R45-R47)."""

    code = "expired"
    aws_error = EXPIRED_TOKEN

    def __init__(self, what: str, *, not_on_or_after: datetime, now: datetime, skew: int) -> None:
        super().__init__(
            f"{what} {format_instant(not_on_or_after)} has passed (now {format_instant(now)}, skew {skew} s)"
        )
        self.not_on_or_after = not_on_or_after
        self.now = now


class NotYetValid(ValidationError):
    """A NotBefore or IssueInstant lies beyond now + skew (R46, R47)."""

    code = "not_yet_valid"
    aws_error = EXPIRED_TOKEN

    def __init__(self, what: str, *, not_before: datetime, now: datetime, skew: int) -> None:
        super().__init__(
            f"{what} {format_instant(not_before)} is in the future (now {format_instant(now)}, skew {skew} s)"
        )
        self.not_before = not_before
        self.now = now


class InResponseToMismatch(ValidationError):
    """InResponseTo differs from the outstanding request, or an unsolicited response is not allowed (R48)."""

    code = "in_response_to_mismatch"

    def __init__(self, message: str, *, expected: str | None = None, actual: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class Replayed(ValidationError):
    """The assertion (or response) ID was already used (R49)."""

    code = "replayed"

    def __init__(self, message: str, *, assertion_id: str) -> None:
        super().__init__(message)
        self.assertion_id = assertion_id


class SubjectConfirmationInvalid(ValidationError):
    """Subject, NameID or the bearer SubjectConfirmation breaks the profile (R45)."""

    code = "subject_confirmation_invalid"


class DecryptionError(ValidationError):
    """Any failure once the ciphertext is reached; one generic message outside (R36-R41)."""

    code = "decryption_failed"
    generic_message = "The encrypted assertion could not be decrypted"


class EncryptionRequired(DecryptionError):
    """The policy requires an EncryptedAssertion and the assertion arrived in the clear (R58)."""

    generic_message = "The policy requires an encrypted assertion"


class ConditionUnsupported(ValidationError):
    """A Condition we cannot honour: an unknown one, or OneTimeUse without a replay cache (R46)."""

    code = "condition_unsupported"

    def __init__(self, message: str, *, condition: str) -> None:
        super().__init__(message)
        self.condition = condition


class AwsAttributeInvalid(ValidationError):
    """An AWS SAML attribute breaks AWS's rules (R51-R56, AWS.md section 1)."""

    code = "aws_attribute_invalid"

    def __init__(self, message: str, *, attribute: str) -> None:
        super().__init__(message)
        self.attribute = attribute


class AwsRoleNotAllowed(ValidationError):
    """No role of the assertion is on the allow-list (R57)."""

    code = "aws_role_not_allowed"
    aws_error = "AccessDenied"

    def __init__(self, message: str, *, roles: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.roles = roles


_BY_CODE: dict[str, type[ValidationError]] = {
    cls.code: cls
    for cls in (
        MalformedMessage,
        DoctypeForbidden,
        MessageTooLarge,
        NotAResponse,
        SignatureRequired,
        BadSignature,
        KeyNotTrusted,
        ProfileViolation,
        ForbiddenAlgorithm,
        KeyTooWeak,
        NotCovered,
        DecryptionError,
    )
}


def as_validation_error(error: SAMLError) -> ValidationError:
    """Convert a ``saml_core`` error into the ValidationError with the same code (detail preserved)."""
    if isinstance(error, ValidationError):
        return error
    cls = _BY_CODE.get(error.code)
    if cls is not None:
        return cls(error.detail, detail=error.detail)
    converted = ValidationError(error.message, detail=error.detail)
    converted.code, converted.aws_error = error.code, error.aws_error  # e.g. replay_cache_unavailable
    return converted


def mismatch_message(what: str, actual: str, allowed: Sequence[str]) -> str:
    return f"{what} {actual[:200]!r} is not one of {_shown(allowed)}"
