"""The broker's HTML pages. Every value that came from a message or a request goes through ``html.escape``.

Error pages show the stable error code and a generic sentence, never the detail (which may quote input).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ._result import AwsRolePair
from ._result import ValidatedAssertion

_STYLE = "body{font-family:sans-serif;max-width:44em;margin:2em auto}code{background:#eee;padding:0 .2em}"

GENERIC = {
    400: "The request was not a well-formed SAML message for this service.",
    403: "The sign-in response was refused.",
    404: "There is no page at this address.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    502: "The AWS service could not complete the request.",
    503: "The service is busy or unavailable; try again later.",
}


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def error_page(status: int, code: str) -> str:
    """A 4xx/5xx page: the code and a generic message only."""
    message = GENERIC.get(status, "The request was refused.")
    return _page(
        "Sign-in failed",
        f"<p>{escape(message)}</p><p>Error code: <code>{escape(code)}</code></p>"
        '<p><a href="/login">Sign in again</a></p>',
    )


def _role_form(pair: AwsRolePair, csrf: str) -> str:
    return (
        '<li><form method="post" action="/acs/role">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        f'<input type="hidden" name="role" value="{escape(pair.role_arn)}">'
        f'<button type="submit">{escape(pair.role_arn)}</button></form></li>'
    )


def roles_page(
    assertion: ValidatedAssertion, roles: Sequence[AwsRolePair], csrf: str, next_path: str | None
) -> str:
    """The verified identity and its allowed roles, one form per role."""
    who, issuer = escape(assertion.name_id), escape(assertion.issuer)
    body = f"<p>Signed in as <code>{who}</code> by <code>{issuer}</code>.</p>"
    if roles:
        items = "".join(_role_form(pair, csrf) for pair in roles)
        body += f"<p>Choose a role:</p><ul>{items}</ul>"
    else:
        body += "<p>The assertion grants no AWS role this broker allows.</p>"
    if next_path is not None:
        body += f'<p><a href="{escape(next_path)}">Continue</a></p>'
    return _page("Signed in", body)
