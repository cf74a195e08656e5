"""HTML pages of the web IdP: small templates, every value escaped unless it is an ``Html`` fragment we built.

Invariant this module owns: nothing from a request reaches a page unescaped. ``render`` escapes every
substitution with ``html.escape(quote=True)``; only ``Html`` values (fragments assembled here from escaped
parts, and our own stylesheet) pass through as they are. Pages work without JavaScript.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template


class Html(str):
    """Markup that is already safe: built by this module from escaped parts."""


_EMPTY = Html("")


def esc(value: object) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=True)


@cache
def _template(name: str) -> Template:
    return Template((resources.files("idp") / "templates" / name).read_text("utf-8"))


@cache
def _style() -> Html:
    return Html((resources.files("idp") / "static" / "style.css").read_text("utf-8"))


def render(name: str, **values: object) -> Html:
    """Fill ``templates/<name>``; a missing value is an error, not an empty string."""
    return Html(_template(name).substitute({key: esc(value) for key, value in values.items()}))


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered page and its status; ``nonce`` is set when the page runs its one inline script."""

    body: str
    status: int = 200
    nonce: str | None = None
    form_target: str | None = None


def layout(
    title: str,
    content: Html,
    *,
    idp_name: str,
    nav: Html = _EMPTY,
    wide: bool = False,
    script: Html = _EMPTY,
) -> str:
    return render(
        "base.html",
        title=title,
        idp_name=idp_name,
        style=_style(),
        nav=nav,
        content=content,
        main_class="wide" if wide else "",
        script=script,
    )


def signed_in_nav(user: str, csrf: str) -> Html:
    return Html(
        f'<form method="post" action="/logout"><span class="muted">{esc(user)}</span> '
        f'<input type="hidden" name="csrf_token" value="{esc(csrf)}">'
        '<button type="submit">Sign out</button></form>'
    )


def login_page(
    *, idp_name: str, csrf: str, pending: str = "", username: str = "", notice: str = "", error: str = ""
) -> Page:
    parts = []
    if error:
        parts.append(f'<p class="error">{esc(error)}</p>')
    if notice:
        parts.append(f'<p class="notice">{esc(notice)}</p>')
    content = render("login.html", notice=Html("".join(parts)), csrf=csrf, pending=pending, username=username)
    return Page(layout("Sign in", content, idp_name=idp_name), 401 if error else 200)


def portal_page(
    *, idp_name: str, user: str, csrf: str, accounts: Mapping[str, Iterable[tuple[str, str]]]
) -> Page:
    """Roles grouped by account: one form per role (POST /sso/aws with the role ARN and the CSRF token)."""
    blocks = []
    for account, roles in accounts.items():
        items = "".join(
            f'<li><form method="post" action="/sso/aws">'
            f'<input type="hidden" name="csrf_token" value="{esc(csrf)}">'
            f'<input type="hidden" name="role" value="{esc(arn)}">'
            f'<span><span class="role-name">{esc(name)}</span><span class="arn">{esc(arn)}</span></span>'
            f'<button type="submit">Sign in</button></form></li>'
            for name, arn in roles
        )
        blocks.append(f'<h2 class="account">Account {esc(account)}</h2><ul class="roles">{items}</ul>')
    if not blocks:
        blocks.append('<p class="notice">No AWS roles are assigned to you.</p>')
    content = render("portal.html", user=user, accounts=Html("".join(blocks)))
    nav = signed_in_nav(user, csrf)
    return Page(layout("AWS roles", content, idp_name=idp_name, nav=nav, wide=True))


def post_form_page(
    *,
    idp_name: str,
    action: str,
    param: str,
    message: str,
    relay_state: str | None,
    target: str,
    nonce: str,
    heading: str = "Signing you in",
    explanation: str = "Sending your sign-in to the service.",
) -> Page:
    """The auto-POST form of the HTTP-POST binding: a visible button, and one script that presses it."""
    relay = (
        Html(f'<input type="hidden" name="RelayState" value="{esc(relay_state)}">')
        if relay_state is not None
        else Html("")
    )
    content = render(
        "post_form.html",
        heading=heading,
        explanation=explanation,
        action=action,
        param=param,
        message=message,
        relay=relay,
        target=target,
    )
    script = Html(f'<script nonce="{esc(nonce)}">document.getElementById("saml-post").submit();</script>')
    return Page(layout(heading, content, idp_name=idp_name, script=script), nonce=nonce, form_target=action)


def error_page(*, idp_name: str, status: int, code: str, message: str, title: str = "") -> Page:
    title = title or ("This request cannot be served" if status < 500 else "Something went wrong")
    content = render("error.html", title=title, message=message, code=code)
    return Page(layout(title, content, idp_name=idp_name), status)


def message_page(*, idp_name: str, title: str, message: str) -> Page:
    return Page(layout(title, render("message.html", title=title, message=message), idp_name=idp_name))
