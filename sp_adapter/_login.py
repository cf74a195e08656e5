"""Headless sign-in at an IdP of this project (``saml-sp login``): the browser's steps, over one HTTP session.

The web IdP (``idp/app.py``) serves ``GET /login`` (a form with a ``csrf_token`` hidden field),
``POST /login`` (username, password, csrf_token; a cookie session; 303 to ``/portal``), ``GET /portal`` (the
user's roles, one form per role carrying the CSRF token) and ``POST /sso/aws`` (role, csrf_token) answering
the HTTP-POST binding's auto-submit form with ``SAMLResponse``.

Invariants this module owns:

* Rule 1: the password goes only to the IdP URL given, over https (plain http only on a loopback address), and
  redirects are never followed to another origin.
* Rule 2: what comes back is only the ``SAMLResponse`` string; it is trusted for nothing until
  ``validate_response`` has checked it (the caller's job).

The HTML readers are pure; ``sign_in`` does the HTTP through an injected ``httpx.Client``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin
from urllib.parse import urlsplit

import httpx

from saml_core import SAMLError
from saml_core._bounded import read_chunks
from saml_core.errors import ConfigError

from ._console import check_endpoint

MAX_PAGE = 1024 * 1024


class LoginFailed(SAMLError):
    """The IdP refused the sign-in (wrong username or password, or a role that is not the user's)."""

    code = "login_failed"
    aws_error = None


class IdPUnreachable(ConfigError):
    """The IdP URL does not answer like an IdP of this project."""

    code = "idp_unreachable"


@dataclass(frozen=True, slots=True)
class _Form:
    action: str | None
    fields: dict[str, str]


class _FormReader(HTMLParser):
    """Collects every <form> with its action and its <input name value> pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(_Form(values.get("action"), {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1].fields.setdefault(values["name"], values.get("value", ""))


def read_forms(html: str) -> list[_Form]:
    """Every form of a page."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def read_csrf_token(html: str) -> str:
    """The ``csrf_token`` hidden field of the first form carrying one."""
    for form in read_forms(html):
        token = form.fields.get("csrf_token")
        if token:
            return token
    raise IdPUnreachable("the IdP page carries no csrf_token; is --idp-url an IdP of this project?")


def read_saml_response(html: str) -> tuple[str, str]:
    """(form action, SAMLResponse) from the HTTP-POST binding's auto-submit page."""
    for form in read_forms(html):
        value = form.fields.get("SAMLResponse")
        if value:
            return form.action or "", value
    raise LoginFailed("the IdP answered no SAMLResponse")


def _page(http: httpx.Client, method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response:
    """One request; the body is streamed and refused past ``MAX_PAGE`` before it is all in memory."""
    try:
        with http.stream(method, url, data=data, follow_redirects=False) as answer:
            body = read_chunks(
                answer.iter_bytes(),
                limit=MAX_PAGE,
                what=f"the IdP's page {url[:200]}",
                too_large=IdPUnreachable,
            )
    except httpx.HTTPError as error:
        raise IdPUnreachable(f"cannot reach the IdP at {url[:200]}: {type(error).__name__}") from error
    # iter_bytes already undid any Content-Encoding (so MAX_PAGE bounds the decoded page): the rebuilt
    # response must not carry the headers that would make httpx decode the body a second time
    headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in _BODY_FRAMING]
    return httpx.Response(answer.status_code, headers=headers, content=body, request=answer.request)


_BODY_FRAMING = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _same_origin(base: str, location: str) -> str:
    target = urljoin(base, location)
    if urlsplit(target)[:2] != urlsplit(base)[:2]:
        raise IdPUnreachable(f"the IdP redirected to another origin ({target[:200]}); not following")
    return target


def sign_in(
    http: httpx.Client, idp_url: str, username: str, password: str, role_arn: str | None = None
) -> str:
    """Sign in as ``username`` and return the base64 SAMLResponse the IdP issues for AWS (Rules 1-2).

    With ``role_arn`` the IdP is asked for that role only; without, for all of the user's roles.
    """
    base = check_endpoint(idp_url.rstrip("/")) + "/"
    form = _page(http, "GET", urljoin(base, "login"))
    if form.status_code != 200:
        raise IdPUnreachable(f"GET /login answered HTTP {form.status_code}")
    fields = {"username": username, "password": password, "csrf_token": read_csrf_token(form.text)}
    answer = _page(http, "POST", urljoin(base, "login"), fields)
    if answer.status_code not in (302, 303):
        raise LoginFailed("the IdP refused the sign-in: wrong username or password")
    portal = _page(http, "GET", _same_origin(base, answer.headers.get("location", "portal")))
    if portal.status_code != 200:
        raise LoginFailed(f"the IdP's portal answered HTTP {portal.status_code} after signing in")
    request = {"csrf_token": read_csrf_token(portal.text)}
    if role_arn is not None:
        request["role"] = role_arn
    issued = _page(http, "POST", urljoin(base, "sso/aws"), request)
    if issued.status_code != 200:
        raise LoginFailed(f"the IdP refused to issue a response for AWS (HTTP {issued.status_code})")
    return read_saml_response(issued.text)[1]


def fetch_metadata(http: httpx.Client, idp_url: str) -> bytes:
    """The IdP's metadata from ``{idp_url}/metadata`` (when no --idp-metadata is given)."""
    url = urljoin(check_endpoint(idp_url.rstrip("/")) + "/", "metadata")
    answer = _page(http, "GET", url)
    if answer.status_code != 200:
        raise IdPUnreachable(f"GET {url[:200]} answered HTTP {answer.status_code}")
    return answer.content
