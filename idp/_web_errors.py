"""Why the web IdP refuses a request: one exception type with a stable code, and the HTTP status for it.

Every refusal the web layer makes on its own (as opposed to a ``saml_core`` verdict on the message itself)
raises ``RequestRejected``; the app renders it as a 4xx page that shows the code and an escaped message.
"""

from __future__ import annotations

from saml_core import SAMLError

#: code -> HTTP status for the refusals below; every other SAMLError is a 400, except these saml_core codes
STATUS_BY_CODE = {
    "unknown_sp": 403,
    "csrf_failed": 403,
    "role_not_allowed": 403,
    "not_signed_in": 401,
    "too_large": 413,
    "signature_missing": 403,
    "signature_invalid": 403,
    "untrusted_key": 403,
    "algorithm_forbidden": 403,
    "weak_key": 403,
}


class RequestRejected(SAMLError):
    """A request the IdP will not serve: unknown SP, unregistered ACS, stale request, failed CSRF check...

    Codes: ``unknown_sp``, ``acs_not_registered``, ``binding_unsupported``, ``destination_mismatch``,
    ``request_expired``, ``relay_state_invalid``, ``csrf_failed``, ``not_signed_in``, ``role_not_allowed``,
    ``no_pending_request``, ``slo_unavailable``, ``request_invalid``.
    """

    aws_error = None

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def http_status(error: SAMLError) -> int:
    return STATUS_BY_CODE.get(error.code, 400)
