"""The web IdP: a starlette application (``create_app``) served by uvicorn through ``saml-idp serve``.

Endpoints::

    GET  /                 -> /portal when signed in, else /login
    GET  /login            login form (CSRF token bound to the session)
    POST /login            username, password, csrf_token[, t]: sign in, then continue a pending SSO request
    POST /logout           csrf_token: end the session
    GET  /portal           the signed-in user's AWS roles, grouped by account
    POST /sso/aws          role, csrf_token[, sp]: IdP-initiated sign-in to AWS (auto-POST form)
    GET  /sso              SP-initiated SSO, HTTP-Redirect (SAMLRequest, RelayState, SigAlg, Signature)
    POST /sso              SP-initiated SSO, HTTP-POST binding
    GET  /sso/continue     t: a verified request waiting for the login (ForceAuthn, IsPassive honoured here)
    GET  /slo, POST /slo   Single Logout: a signed LogoutRequest from an SP; answered with a LogoutResponse
    GET  /metadata         the IdP's metadata

Edges only (STYLE.md section 1): requests become bytes and strings, the pure modules decide, this module
renders. Every refusal is a 4xx page that names its code; nothing from a request is echoed unescaped
(``_web_pages``); an unexpected failure is a plain 500 page without a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from saml_core import SAMLError
from saml_core import utcnow

from . import _web_sso as sso
from ._web_config import WebSettings
from ._web_config import role_account
from ._web_config import role_name
from ._web_http import SESSION_COOKIE
from ._web_http import Site
from ._web_http import continue_url
from ._web_http import log
from ._web_http import one_field
from ._web_http import read_form
from ._web_http import redirect
from ._web_pages import error_page
from ._web_pages import login_page
from ._web_pages import message_page
from ._web_pages import portal_page
from ._web_session import check_csrf
from ._web_session import csrf_token
from ._web_session import current_user
from ._web_session import sign_in
from ._web_session import sign_out

Handler = Callable[[Site, Request], Awaitable[Response]]

# ------------------------------------------------------------------------------------- handlers


async def home(site: Site, request: Request) -> Response:
    signed_in = current_user(request.session, utcnow())
    return redirect("/portal" if signed_in else "/login")


async def login_form(site: Site, request: Request) -> Response:
    now = utcnow()
    pending = request.query_params.get("t", "")
    if current_user(request.session, now) is not None and not pending:
        return redirect("/portal")
    notice = ""
    if pending:
        request_ = site.pending.loads(pending)
        notice = f"Sign in to continue to {request_.sp}."
    return site.page(
        login_page(idp_name=site.name, csrf=csrf_token(request.session), pending=pending, notice=notice)
    )


async def login_submit(site: Site, request: Request) -> Response:
    fields = await read_form(request)
    check_csrf(request.session, one_field(fields, "csrf_token", required=False, limit=256))
    username = one_field(fields, "username", limit=256).strip()
    password = one_field(fields, "password", limit=1024)
    pending = one_field(fields, "t", required=False)
    if pending:
        site.pending.loads(pending)  # refuse a forged or stale token before checking the password
    # scrypt runs in a thread, off the event loop
    user = await run_in_threadpool(site.settings.users.authenticate, username, password)
    if user is None:
        log.info("login failed for %r", username[:64])
        page = login_page(
            idp_name=site.name,
            csrf=csrf_token(request.session),
            pending=pending,
            username=username,
            error="Wrong username or password.",
        )
        return site.page(page)
    sign_in(request.session, user.name, now=utcnow(), lifetime=site.settings.session_lifetime)
    log.info("login: %s", user.name)
    return redirect(continue_url(pending) if pending else "/portal")


async def logout(site: Site, request: Request) -> Response:
    fields = await read_form(request)
    check_csrf(request.session, one_field(fields, "csrf_token", required=False, limit=256))
    sign_out(request.session)
    return site.page(
        message_page(idp_name=site.name, title="Signed out", message="You are signed out of the IdP.")
    )


async def portal(site: Site, request: Request) -> Response:
    signed_in = current_user(request.session, utcnow())
    if signed_in is None:
        return redirect("/login")
    user = site.settings.users.get(signed_in.user)
    if user is None:
        sign_out(request.session)
        return redirect("/login")
    accounts: dict[str, list[tuple[str, str]]] = {}
    for role in sorted(user.roles, key=lambda r: (role_account(r), role_name(r))):
        accounts.setdefault(role_account(role), []).append((role_name(role), role.role_arn))
    page = portal_page(
        idp_name=site.name, user=user.name, csrf=csrf_token(request.session), accounts=accounts
    )
    return site.page(page)


async def metadata(site: Site, request: Request) -> Response:
    return Response(
        site.metadata(),
        media_type="application/samlmetadata+xml",
        headers={"Cache-Control": "public, max-age=300"},
    )


# ---------------------------------------------------------------------------------------- wiring


def _bind(site: Site, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(site, request)
        except SAMLError as error:
            return site.error(error)

    endpoint.__name__ = handler.__name__
    return endpoint


def create_app(config: WebSettings) -> Starlette:
    """The ASGI application for one IdP. Session cookies are signed with ``config.session_secret``."""
    site = Site(config)
    table: list[tuple[str, Handler, list[str]]] = [
        ("/", home, ["GET"]),
        ("/login", login_form, ["GET"]),
        ("/login", login_submit, ["POST"]),
        ("/logout", logout, ["POST"]),
        ("/portal", portal, ["GET"]),
        ("/metadata", metadata, ["GET"]),
        ("/sso/aws", sso.aws_sign_in, ["POST"]),
        ("/sso", sso.sso_redirect, ["GET"]),
        ("/sso", sso.sso_post, ["POST"]),
        ("/sso/continue", sso.sso_continue, ["GET"]),
        ("/slo", sso.slo_redirect, ["GET"]),
        ("/slo", sso.slo_post, ["POST"]),
    ]
    routes = [Route(path, _bind(site, handler), methods=methods) for path, handler, methods in table]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        message = {404: "There is no page at this address.", 405: "This address does not accept that method."}
        page = error_page(
            idp_name=site.name, status=status, code=code, message=message.get(status, "HTTP error")
        )
        return site.page(page)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        page = error_page(
            idp_name=site.name, status=500, code="internal_error", message="The IdP failed; see its log."
        )
        return site.page(page)

    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=config.session_secret,
            session_cookie=SESSION_COOKIE,
            max_age=config.session_lifetime,
            same_site="lax",
            https_only=config.base_url.startswith("https://"),
        )
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.site = site
    return app
