"""Sign-in sessions, CSRF tokens and pending SSO requests, all carried by the browser and signed by us.

Invariants this module owns:

* Rule 1: the server keeps no session state. The session lives in starlette's signed session cookie
  (itsdangerous, HMAC with the configured secret), so any worker or host that has the secret can serve the
  user. A session carries its own expiry (``exp``) and is dropped once past it, however fresh the cookie.
* Rule 2: every state-changing form carries a CSRF token bound to the session (``csrf``), compared in
  constant time. Signing in replaces the whole session, token included (no fixation).
* Rule 3: an SSO request waiting for a login travels as a signed, time-limited token in the URL
  (``PendingRequest``), verified before use; it holds only values that were checked against metadata.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from ._web_errors import RequestRejected

Session = MutableMapping[str, Any]

PENDING_MAX_AGE = 600
"""Seconds a pending SSO request stays usable (the user's time to log in)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The signed-in user, as the session cookie says."""

    user: str
    auth_at: float
    """Epoch seconds of the password check (AuthnInstant), with sub-second precision for ForceAuthn."""
    expires_at: int
    session_index: str


def current_user(session: Session, now: datetime) -> SignedIn | None:
    """The session's user, or None when nobody is signed in or the session lifetime has passed."""
    user = session.get("user")
    if not isinstance(user, str):
        return None
    try:
        state = SignedIn(user, float(session["auth_at"]), int(session["exp"]), str(session["sid"]))
    except (KeyError, TypeError, ValueError):
        session.clear()
        return None
    if now.timestamp() >= state.expires_at:
        session.clear()
        return None
    return state


def sign_in(session: Session, user: str, *, now: datetime, lifetime: int) -> SignedIn:
    """Start a fresh session (Rule 2: nothing survives from before the login, not even the CSRF token)."""
    session.clear()
    auth_at = now.timestamp()
    state = SignedIn(user, auth_at, int(auth_at) + lifetime, "_" + secrets.token_hex(16))
    session.update(
        user=state.user,
        auth_at=state.auth_at,
        exp=state.expires_at,
        sid=state.session_index,
        csrf=secrets.token_urlsafe(32),
    )
    return state


def sign_out(session: Session) -> None:
    session.clear()


def csrf_token(session: Session) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf(session: Session, submitted: str | None) -> None:
    """Rule 2: the form's token must equal the session's; both must exist."""
    expected = session.get("csrf")
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
    ):
        raise RequestRejected(
            "csrf_failed",
            "the form has expired or did not come from this site; reload the page and try again",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingRequest:
    """A verified AuthnRequest waiting for the user (Rule 3)."""

    sp: str
    request_id: str
    acs_url: str
    relay_state: str | None
    force_authn: bool
    is_passive: bool
    name_id_format: str | None
    received_at: float
    """Epoch seconds; with ForceAuthn, only a login after this instant counts."""


class PendingCodec:
    """Signs and opens ``PendingRequest`` tokens (itsdangerous, salted apart from the session cookie)."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="saml-idp.pending-authn")

    def dumps(self, pending: PendingRequest) -> str:
        return str(self._serializer.dumps(asdict(pending)))

    def loads(self, token: str | None) -> PendingRequest:
        if not token:
            raise RequestRejected("no_pending_request", "there is no sign-in request to continue")
        try:
            data = self._serializer.loads(token, max_age=PENDING_MAX_AGE)
            return PendingRequest(**data)
        except (BadSignature, TypeError, ValueError):
            raise RequestRejected(
                "no_pending_request",
                "the sign-in request has expired or is invalid; start again at the service",
            ) from None
