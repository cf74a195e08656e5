"""The metadata package's errors: one child of ``SAMLError`` and one class per cause.

    SAMLError (saml_core)
     +-- MetadataError                 metadata_invalid; also carries any saml_core code it wraps
          +-- NotMetadata              not_metadata: the document element is not md:EntityDescriptor(s)
          +-- EntityNotFound           entity_not_found: the wanted entityID is not in the document
          +-- MetadataExpired          metadata_expired: validUntil is in the past
          +-- MetadataStale            metadata_stale: the copy is older than its cacheDuration allows
          +-- IAMWouldRefuse           iam_would_refuse: IAM's metadata rules (AWS.md section 4) say no
          +-- AbruptRollover           abrupt_rollover: an update would drop every certificate IAM trusts now
          +-- FetchFailed              fetch_failed: the remote metadata could not be fetched
          +-- AWSCallFailed            aws_call_failed: an IAM or STS call failed
          +-- TrustPolicyMismatch      trust_policy_mismatch: a role's trust policy misses what the IdP needs

None of these maps to an STS outcome, so ``aws_error`` is None throughout.
"""

from __future__ import annotations

from saml_core import SAMLError


class MetadataError(SAMLError):
    """Root of the metadata package's errors. ``wrap`` keeps the code of a saml_core error."""

    code = "metadata_invalid"
    aws_error = None

    @classmethod
    def wrap(cls, error: SAMLError) -> MetadataError:
        """The same failure as a MetadataError, keeping the original code (malformed_xml, ...)."""
        if isinstance(error, MetadataError):
            return error
        message = error.message
        if error.generic_message is not None and error.code.startswith(("signature", "untrusted")):
            message = "the metadata signature does not verify with the pinned certificate(s)"
        wrapped = MetadataError(message, detail=error.detail)
        wrapped.code = error.code
        return wrapped


class NotMetadata(MetadataError):
    """The document element is not md:EntityDescriptor or md:EntitiesDescriptor."""

    code = "not_metadata"


class EntityNotFound(MetadataError):
    """The entity the caller asked for is not described by the document."""

    code = "entity_not_found"

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        super().__init__(f"entity {entity_id[:200]!r} is not in the metadata")


class MetadataExpired(MetadataError):
    """saml-metadata section 2.3.1: validUntil is the time after which the metadata MUST NOT be used."""

    code = "metadata_expired"


class MetadataStale(MetadataError):
    """saml-metadata section 2.3.1: cacheDuration is the longest a consumer may cache the document."""

    code = "metadata_stale"


class IAMWouldRefuse(MetadataError):
    """IAM would answer "Unable to parse metadata" or InvalidInput (AWS.md section 4); checked first."""

    code = "iam_would_refuse"


class AbruptRollover(MetadataError):
    """The new metadata shares no signing certificate with what IAM holds: sign-ins would break at once."""

    code = "abrupt_rollover"


class FetchFailed(MetadataError):
    """The HTTP(S) request failed or answered with an error status."""

    code = "fetch_failed"


class AWSCallFailed(MetadataError):
    """An AWS API call failed; ``aws_code`` is the service's error code (AccessDenied, Throttling...)."""

    code = "aws_call_failed"

    def __init__(self, message: str, *, aws_code: str = "") -> None:
        self.aws_code = aws_code
        super().__init__(message)


class TrustPolicyMismatch(MetadataError):
    """The role's trust policy lacks actions or SAML:aud values the IdP needs (AWS.md section 5)."""

    code = "trust_policy_mismatch"
