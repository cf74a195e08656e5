"""A real browser signs in at the web IdP: Chromium (the Debian package) driven by Playwright, headless.

alice logs in, picks a role on the portal, and the auto-POST form carries the response to a local ACS
(a stdlib HTTP server on 127.0.0.1) standing in for AWS sign-in. The ACS hands what it received to our
validator (``sp_adapter.validate_response``) and to python3-saml; both must accept it. A second run with
JavaScript off presses the visible button instead. Screenshots of the login and portal pages are saved
under test-artifacts/.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from idp.testing import IdPServer
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import validate_response

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
READONLY = "arn:aws:iam::111111111111:role/ReadOnly"
ADMIN = "arn:aws:iam::111111111111:role/Admin"


class _Acs(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("content-length", "0"))
        self.received.append(parse_qs(self.rfile.read(length).decode("ascii")))
        body = b"<!doctype html><title>ACS</title><h1>ACS received the SAML response</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def acs() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    received: list[dict[str, list[str]]] = []
    handler = type("Acs", (_Acs,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/acs", received
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def idp(acs: tuple[str, list[dict[str, list[str]]]]) -> Iterator[IdPServer]:
    with IdPServer(aws_acs_url=acs[0]) as server:
        server.add_user(
            "alice",
            "alice-password",
            roles=[READONLY, ADMIN],
            name_id="alice@example.test",
            tags={"Department": "Engineering"},
        )
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("chromium is not installed; run ./dev setup")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _python3_saml_accepts(saml_response: str, acs_url: str, idp: IdPServer) -> Any:
    from onelogin.saml2.auth import OneLogin_Saml2_Auth

    host = acs_url.split("//", 1)[1].split("/", 1)[0]
    settings = {
        "strict": True,
        "sp": {
            "entityId": "urn:amazon:webservices",
            "assertionConsumerService": {
                "url": acs_url,
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            },
        },
        "idp": {
            "entityId": idp.provider.entity_id,
            "singleSignOnService": {"url": idp.url + "/sso"},
            "x509cert": idp.provider.signing_key.cert_b64,
        },
        "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True},
    }
    request = {
        "https": "off",
        "http_host": host,
        "script_name": "/acs",
        "post_data": {"SAMLResponse": saml_response},
    }
    auth = OneLogin_Saml2_Auth(request, settings)
    auth.process_response()
    return auth


def _sign_in_and_pick(page: Any, idp: IdPServer, role: str, shots: bool) -> None:
    page.goto(idp.url + "/login")
    if shots:
        page.screenshot(path=str(ARTIFACTS / "idp-login.png"), full_page=True)
    page.fill("#username", "alice")
    page.fill("#password", "alice-password")
    page.click("button[type=submit]")
    page.wait_for_url(idp.url + "/portal")
    if shots:
        page.screenshot(path=str(ARTIFACTS / "idp-portal.png"), full_page=True)
    page.locator("form", has=page.locator(f"input[name=role][value='{role}']")).locator("button").click()


def test_browser_sign_in_lands_on_the_acs_with_a_response_both_validators_accept(
    browser: Any, idp: IdPServer, acs: tuple[str, list[dict[str, list[str]]]]
) -> None:
    acs_url, received = acs
    received.clear()
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1000, "height": 720})
    page = context.new_page()
    _sign_in_and_pick(page, idp, READONLY, shots=True)
    page.wait_for_url(acs_url)
    assert "ACS received the SAML response" in page.content()
    context.close()
    (posted,) = received
    saml_response = posted["SAMLResponse"][0]
    assertion = validate_response(
        saml_response, trust=Trust.from_metadata(idp.metadata()), policy=Policy.aws(recipients=[acs_url])
    )
    assert assertion.aws is not None
    assert [r.role_arn for r in assertion.aws.roles] == [READONLY]
    assert assertion.aws.principal_tags == {"Department": "Engineering"}
    auth = _python3_saml_accepts(saml_response, acs_url, idp)
    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert auth.is_authenticated()
    assert auth.get_nameid() == "alice@example.test"
    assert auth.get_attribute("https://aws.amazon.com/SAML/Attributes/Role") == [
        READONLY + ",arn:aws:iam::111111111111:saml-provider/DemoIdP"
    ]
    assert (ARTIFACTS / "idp-login.png").stat().st_size > 5000
    assert (ARTIFACTS / "idp-portal.png").stat().st_size > 5000


def test_python3_saml_rejects_a_tampered_response(
    idp: IdPServer, acs: tuple[str, list[dict[str, list[str]]]]
) -> None:
    """Control: python3-saml is really verifying what the browser delivered."""
    import base64

    from idp import AwsRole

    role = AwsRole(READONLY, "arn:aws:iam::111111111111:saml-provider/DemoIdP")
    issued = idp.provider.issue_aws(name_id="alice", roles=[role], session_name="alice", recipient=acs[0])
    tampered = base64.b64encode(issued.xml.replace(b">alice<", b">admin<")).decode()
    auth = _python3_saml_accepts(tampered, acs[0], idp)
    assert not auth.is_authenticated()
    assert auth.get_errors() != []


def test_browser_without_javascript_uses_the_visible_button(
    browser: Any, idp: IdPServer, acs: tuple[str, list[dict[str, list[str]]]]
) -> None:
    acs_url, received = acs
    received.clear()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in_and_pick(page, idp, ADMIN, shots=False)
    button = page.get_by_role("button", name="Continue to AWS")
    button.wait_for(timeout=10_000)
    assert received == []  # nothing posted itself: the form waits for the button
    button.click()
    page.wait_for_url(acs_url)
    context.close()
    (posted,) = received
    assertion = validate_response(
        posted["SAMLResponse"][0],
        trust=Trust.from_metadata(idp.metadata()),
        policy=Policy.aws(recipients=[acs_url]),
    )
    assert assertion.aws is not None and [r.role_arn for r in assertion.aws.roles] == [ADMIN]
