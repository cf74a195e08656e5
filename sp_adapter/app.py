"""The ACS broker (``saml-sp serve``): SP-initiated login, the ACS, and the role exchange, as a starlette app.

Invariants this module owns (SECURITY.md R1, R2, R48, R49, G3, G5, G6; AWS.md section 6):

* Rule 1: the HTTP body of POST /acs is capped at ``MAX_BODY`` before the form is parsed (413); exactly one
  ``SAMLResponse`` is read, from the body only; a query-string one is refused (400).
* Rule 2: request IDs live in the signed session cookie; a response naming an ID this session did not issue is
  refused, and each ID is consumed once (R48). Every response goes through the replay cache (R49).
* Rule 3: the validated assertion stays in server memory under a random handle; the cookie holds the handle
  and a CSRF token, never an assertion or credentials.
* Rule 4: validation and STS calls run in worker threads, at most ``max_concurrency`` at a time (G3).
* Rule 5: every refusal is a page (or JSON) with the error code and a generic message: no traceback, no 500
  for bad input, nothing from the request echoed unescaped.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import threading
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import JSONResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Route

from saml_core import SAMLError
from saml_core import new_id

from ._broker_config import BrokerConfig
from ._broker_pages import error_page
from ._broker_pages import roles_page
from ._broker_protocol import authn_request_xml
from ._broker_protocol import redirect_url
from ._broker_protocol import requested_id
from ._console import console_url
from ._errors import InResponseToMismatch
from ._errors import MalformedMessage
from ._errors import MessageTooLarge
from ._exchange import exchange
from ._result import ValidatedAssertion
from ._validate import validate_response
from .sts import StsError
from .sts import StsRejected

__all__ = ["BrokerConfig", "create_app"]

LOG = logging.getLogger("sp_adapter.broker")
MAX_BODY = 512 * 1024
MAX_OUTSTANDING = 8
MAX_HELD = 10_000
_STATUS = {
    "too_large": 413,
    "malformed_xml": 400,
    "not_a_response": 400,
    "dtd_forbidden": 400,
    "replay_cache_unavailable": 503,
    "console_signin_failed": 502,
}
T = TypeVar("T")


class BrokerRefusal(SAMLError):
    """A broker-level refusal (HTTP status and code), not a validation failure."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code


@dataclass
class _State:
    config: BrokerConfig
    gate: asyncio.Semaphore
    http: httpx.Client
    held: dict[str, ValidatedAssertion] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold(self, assertion: ValidatedAssertion) -> str:
        """Rule 3: keep the assertion in memory until it expires; return its random handle."""
        handle = secrets.token_urlsafe(32)
        now = self.config.clock()
        with self.lock:
            for key in [k for k, v in self.held.items() if v.not_on_or_after <= now]:
                del self.held[key]
            if len(self.held) >= MAX_HELD:
                raise BrokerRefusal(503, "busy", "too many sign-ins in progress")
            self.held[handle] = assertion
        return handle

    def take(self, handle: str) -> ValidatedAssertion | None:
        """The held assertion, removed (each is exchanged at most once), or None when unknown or expired."""
        with self.lock:
            assertion = self.held.pop(handle, None)
        if assertion is None or assertion.not_on_or_after <= self.config.clock():
            return None
        return assertion

    async def bounded(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Rule 4: run blocking work in a thread, at most ``max_concurrency`` at once."""
        async with self.gate:
            return await run_in_threadpool(function, *args, **kwargs)


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json" or "application/json" in request.headers.get(
        "accept", ""
    )


def _refusal(request: Request, error: SAMLError) -> Response:
    status = error.status if isinstance(error, BrokerRefusal) else _STATUS.get(error.code, 403)
    LOG.info("refused %s %s: %s (%s)", request.method, request.url.path, error.code, error.detail)
    if _wants_json(request):
        return JSONResponse({"error": error.code, "message": "refused"}, status_code=status)
    return HTMLResponse(error_page(status, error.code), status_code=status)


Handler = Callable[[_State, Request], Awaitable[Response]]


def _bind(state: _State, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            response = await handler(state, request)
        except SAMLError as error:
            response = _refusal(request, error)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    endpoint.__name__ = handler.__name__
    return endpoint


# --------------------------------------------------------------------------------------------- /login


def _relay_state(config: BrokerConfig, value: str | None) -> str | None:
    """G5: only a relative path on the allow-list."""
    if value is None:
        return None
    if value not in config.relay_state_paths:
        raise BrokerRefusal(400, "relay_state_forbidden", "RelayState is not an allowed path")
    return value


async def login(state: _State, request: Request) -> Response:
    """GET /login: an AuthnRequest over HTTP-Redirect; its ID is remembered in the session."""
    config = state.config
    if config.sso_url is None:
        raise BrokerRefusal(404, "no_sso_endpoint", "the IdP metadata has no HTTP-Redirect SSO endpoint")
    relay = _relay_state(config, request.query_params.get("next"))
    request_id = new_id()
    xml = authn_request_xml(
        request_id=request_id,
        issuer=config.entity_id,
        destination=config.sso_url,
        acs_url=config.acs_url,
        now=config.clock(),
    )
    outstanding = [i for i in request.session.get("requests", []) if isinstance(i, str)]
    request.session["requests"] = [*outstanding, request_id][-MAX_OUTSTANDING:]
    return RedirectResponse(redirect_url(config.sso_url, xml, relay), status_code=302)


# ----------------------------------------------------------------------------------------------- /acs


async def _read_capped(request: Request) -> bytes:
    """Rule 1: refuse a body over MAX_BODY, by its Content-Length and while reading it."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise MessageTooLarge(f"the request body is over {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise MessageTooLarge(f"the request body is over {MAX_BODY} bytes")
    return bytes(body)


def _form_fields(body: bytes) -> dict[str, list[str]]:
    """An ASCII url-encoded body, at most 16 fields; MalformedMessage otherwise."""
    try:
        return parse_qs(body.decode("ascii"), keep_blank_values=True, max_num_fields=16, errors="strict")
    except (UnicodeError, ValueError):
        raise MalformedMessage("the form is not ASCII url-encoded") from None


def _one(fields: dict[str, list[str]], name: str, *, required: bool) -> str | None:
    values = fields.get(name, [])
    if len(values) > 1 or (required and not values):
        raise MalformedMessage(f"exactly one {name} field is required")
    return values[0] if values else None


async def _acs_form(request: Request) -> tuple[str, str | None]:
    """Rule 1 and R2: (SAMLResponse, RelayState) from a capped url-encoded body, never the query string."""
    if "SAMLResponse" in request.query_params or "RelayState" in request.query_params:
        raise MalformedMessage("SAMLResponse must arrive in the POST body, not the query string")
    body = await _read_capped(request)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise MalformedMessage("the ACS accepts only an application/x-www-form-urlencoded form")
    fields = _form_fields(body)
    saml_response = _one(fields, "SAMLResponse", required=True)
    assert saml_response is not None
    return saml_response, _one(fields, "RelayState", required=False)


def _validate(
    config: BrokerConfig, data: str, request_id: str | None, outstanding: list[str]
) -> ValidatedAssertion:
    """R48 and R49: validate against the request this session issued (if the response names one)."""
    assertion = validate_response(
        data,
        trust=config.trust,
        policy=config.policy,
        now=config.clock(),
        request_id=request_id,
        replay_cache=config.replay_cache,
        decrypt_keys=config.decrypt_keys,
    )
    # the signed assertion names a request the unsigned Response element did not: it must be one of ours
    if (
        request_id is None
        and assertion.in_response_to is not None
        and assertion.in_response_to not in outstanding
    ):
        raise InResponseToMismatch(
            "the response answers a request this broker session did not issue",
            actual=assertion.in_response_to[:200],
        )
    return assertion


async def acs(state: _State, request: Request) -> Response:
    """POST /acs: validate the posted response; show the verified identity and the allowed roles."""
    data, relay = await _acs_form(request)
    relay = _relay_state(state.config, relay)
    outstanding = [i for i in request.session.get("requests", []) if isinstance(i, str)]
    request_id = await state.bounded(requested_id, data, outstanding, state.config.policy.max_size)
    assertion = await state.bounded(_validate, state.config, data, request_id, outstanding)
    used = request_id or assertion.in_response_to
    if used is not None:  # R48: each request ID is consumed once
        request.session["requests"] = [i for i in outstanding if i != used]
    roles = assertion.aws.roles if assertion.aws is not None else ()
    csrf = secrets.token_urlsafe(32)
    request.session["handle"] = state.hold(assertion)
    request.session["csrf"] = csrf
    if _wants_json(request):
        return JSONResponse({"assertion": assertion.to_json(), "csrf_token": csrf})
    return HTMLResponse(roles_page(assertion, roles, csrf, relay))


# ------------------------------------------------------------------------------------------ /acs/role


async def choose_role(state: _State, request: Request) -> Response:
    """POST /acs/role: AssumeRoleWithSAML for the chosen role; 302 to the console, or the credentials JSON."""
    fields = _form_fields(await _read_capped(request))
    expected = request.session.get("csrf")
    submitted = _one(fields, "csrf_token", required=False)
    if (
        not isinstance(expected, str)
        or submitted is None
        or not hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
    ):
        raise BrokerRefusal(403, "csrf_failed", "the form did not come from this broker session")
    role = _one(fields, "role", required=True)
    handle = request.session.pop("handle", None)
    request.session.pop("csrf", None)
    assertion = state.take(handle) if isinstance(handle, str) else None
    if assertion is None:
        raise BrokerRefusal(401, "no_assertion", "no signed-in assertion in this session; sign in again")
    config = state.config
    try:
        result = await state.bounded(
            exchange, assertion, role_arn=role, duration=config.duration, endpoint_url=config.sts_endpoint_url
        )
    except StsRejected as error:
        raise BrokerRefusal(403, error.code, "STS refused the assertion") from None
    except StsError as error:
        raise BrokerRefusal(502, error.code, "STS is unavailable") from None
    if _wants_json(request):
        return JSONResponse(result.credentials.to_json())
    url = await state.bounded(
        console_url, result.credentials, http=state.http, federation_url=config.federation_url
    )
    return RedirectResponse(url, status_code=302)


# ------------------------------------------------------------------------------------------------ app


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    return _refusal(request, BrokerRefusal(status, code))


def create_app(config: BrokerConfig) -> Starlette:
    """The broker as an ASGI app; ``config`` is frozen and shared by every request."""
    state = _State(
        config=config, gate=asyncio.Semaphore(config.max_concurrency), http=httpx.Client(timeout=10)
    )
    routes = [
        Route("/login", _bind(state, login), methods=["GET"]),
        Route("/acs", _bind(state, acs), methods=["POST"]),
        Route("/acs/role", _bind(state, choose_role), methods=["POST"]),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=config.session_secret,
            session_cookie="saml_broker",
            max_age=3600,
            same_site="none" if config.https_only else "lax",
            https_only=config.https_only,
        )
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error})
