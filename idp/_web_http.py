"""HTTP plumbing shared by the web IdP's handlers: the ``Site`` (settings + page rendering with security
headers), a capped form reader, and redirects. No protocol decisions here.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import RedirectResponse

from saml_core import SAMLError
from saml_core.errors import MalformedXML
from saml_core.errors import TooLarge

from ._web_config import WebSettings
from ._web_errors import RequestRejected
from ._web_errors import http_status
from ._web_pages import Page
from ._web_pages import error_page
from ._web_session import PendingCodec

log = logging.getLogger("idp.web")

MAX_FORM_BYTES = 512 * 1024
"""Largest form body read (SECURITY.md R1: the whole body is capped before it is parsed)."""
MAX_FORM_FIELDS = 32
SESSION_COOKIE = "saml_idp_session"


class Site:
    """The running IdP: settings plus the helpers every handler shares."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.pending = PendingCodec(settings.session_secret)
        self._metadata: bytes | None = None

    def metadata(self) -> bytes:
        """The IdP's metadata, built once: the same bytes (and ID) for every request of this process."""
        if self._metadata is None:
            self._metadata = self.settings.provider.metadata()
        return self._metadata

    @property
    def name(self) -> str:
        return self.settings.name

    def page(self, page: Page, *, headers: dict[str, str] | None = None) -> HTMLResponse:
        """An HTML response with the security headers; the CSP allows its one script and form target."""
        form_action = "'self'"
        if page.form_target is not None:
            target = urlsplit(page.form_target)
            form_action += f" {target.scheme}://{target.netloc}"
        script = f"'nonce-{page.nonce}'" if page.nonce else "'none'"
        csp = (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src {script}; form-action {form_action}; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        all_headers = {
            "Content-Security-Policy": csp,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            **(headers or {}),
        }
        return HTMLResponse(page.body, status_code=page.status, headers=all_headers)

    def error(self, error: SAMLError) -> HTMLResponse:
        status = http_status(error)
        log.info("refused: %s: %s", error.code, error.detail)
        return self.page(
            error_page(idp_name=self.name, status=status, code=error.code, message=error.message)
        )


async def read_form(request: Request) -> dict[str, list[str]]:
    """A urlencoded form, the body capped at ``MAX_FORM_BYTES`` before parsing (R1); duplicates kept."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise RequestRejected("request_invalid", "expected an HTML form (application/x-www-form-urlencoded)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise TooLarge(f"the request body is larger than {MAX_FORM_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise TooLarge(f"the request body is larger than {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise MalformedXML("the form body is not valid") from None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


def one_field(fields: dict[str, list[str]], name: str, *, required: bool = True, limit: int = 4096) -> str:
    """Exactly one value (or none, when not required); a duplicated field is refused."""
    values = fields.get(name, [])
    if len(values) > 1:
        raise RequestRejected("request_invalid", f"the form field {name!r} is repeated")
    if not values:
        if required:
            raise RequestRejected("request_invalid", f"the form field {name!r} is missing")
        return ""
    if len(values[0]) > limit:
        raise RequestRejected("request_invalid", f"the form field {name!r} is too long")
    return values[0]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def continue_url(token: str) -> str:
    return "/sso/continue?t=" + quote(token, safe="")


def login_url(token: str) -> str:
    return "/login?t=" + quote(token, safe="")
