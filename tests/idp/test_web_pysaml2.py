"""pysaml2's SP as a real client of the web IdP (served by uvicorn on 127.0.0.1).

pysaml2 builds the AuthnRequest (HTTP-Redirect and HTTP-POST, signed and unsigned), the IdP answers over
HTTP, and pysaml2 parses and accepts the response. The IdP knows the SP only from the metadata pysaml2
generates. pysaml2 verifies with the xmlsec1 binary; it needs its key as files (tmp_path).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from idp.testing import IdPServer
from idp.testing import post_form
from idp.testing import sign_in
from saml_core import KeyPair

saml2 = pytest.importorskip("saml2")
from saml2 import BINDING_HTTP_POST  # noqa: E402
from saml2 import BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import entity_descriptor  # noqa: E402

SP_ENTITY = "https://pysaml2-sp.example.test/metadata"
SP_ACS = "https://pysaml2-sp.example.test/acs"
SP_SLO = "https://pysaml2-sp.example.test/slo"
MAIL_OID = "urn:oid:0.9.2342.19200300.100.1.3"  # pysaml2's URI attribute map names it "mail"


@pytest.fixture(scope="module")
def idp() -> Iterator[IdPServer]:
    with IdPServer() as server:
        server.add_user(
            "alice", "alice-pw", attributes={MAIL_OID: ["alice@example.test"]}, name_id="alice@example.test"
        )
        yield server


def _client(idp: IdPServer, tmp_path: Path, *, signed: bool) -> Saml2Client:
    keys = KeyPair.generate()
    (tmp_path / "sp.key").write_bytes(keys.key_pem)
    (tmp_path / "sp.crt").write_bytes(keys.cert_pem)
    (tmp_path / "idp.xml").write_bytes(idp.metadata())
    config: dict[str, Any] = {
        "entityid": SP_ENTITY + ("/signed" if signed else ""),
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": str(tmp_path / "sp.key"),
        "cert_file": str(tmp_path / "sp.crt"),
        "metadata": {"local": [str(tmp_path / "idp.xml")]},
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(SP_ACS, BINDING_HTTP_POST)],
                    "single_logout_service": [(SP_SLO, BINDING_HTTP_REDIRECT)],
                },
                "logout_requests_signed": True,
                "authn_requests_signed": signed,
                "want_response_signed": True,
                "want_assertions_signed": True,
                "allow_unsolicited": False,
                "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            }
        },
        "accepted_time_diff": 60,
    }
    sp_config = SPConfig()
    sp_config.load(config)
    client = Saml2Client(sp_config)
    # the IdP learns about the SP from pysaml2's own metadata (keys, ACS, AuthnRequestsSigned)
    idp.add_sp(str(entity_descriptor(sp_config)).encode(), name="pysaml2" + ("-signed" if signed else ""))
    return client


def _sign_in_and_collect(
    idp: IdPServer, first: httpx.Request, browser: httpx.Client | None = None
) -> tuple[str, dict[str, str]]:
    """The browser: send the SP's request to the IdP, log in, return the auto-POST form."""
    with browser or httpx.Client(base_url=idp.url, timeout=10, follow_redirects=False) as browser:
        answer = browser.send(first)
        assert answer.status_code == 303, answer.text
        login = browser.get(answer.headers["location"])
        token = login.headers["location"].split("t=", 1)[1]
        answer = sign_in(browser, "alice", "alice-pw", pending=token)
        return post_form(browser.get(answer.headers["location"]).text)


def _request_from(info: dict[str, Any], binding: str) -> httpx.Request:
    if binding == BINDING_HTTP_REDIRECT:
        location = dict(info["headers"])["Location"]
        return httpx.Request("GET", location)
    form = info["data"]
    action = unescape(re.search(r'action="([^"]+)"', form).group(1))  # type: ignore[union-attr]
    fields = {unescape(m[0]): unescape(m[1]) for m in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}
    return httpx.Request("POST", action, data=fields)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("binding", [BINDING_HTTP_REDIRECT, BINDING_HTTP_POST], ids=["redirect", "post"])
def test_pysaml2_sp_accepts_our_response(idp: IdPServer, tmp_path: Path, binding: str, signed: bool) -> None:
    client = _client(idp, tmp_path, signed=signed)
    request_id, info = client.prepare_for_authenticate(
        entityid=idp.provider.entity_id, relay_state="/after", binding=binding
    )
    action, fields = _sign_in_and_collect(idp, _request_from(info, binding))
    assert action == SP_ACS
    assert fields["RelayState"] == "/after"
    response = client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/after"}
    )
    assert response is not None
    assert response.in_response_to == request_id
    assert response.name_id.text == "alice@example.test"
    assert response.ava["mail"] == ["alice@example.test"]


def test_pysaml2_signed_sp_request_with_the_signature_stripped_is_refused(
    idp: IdPServer, tmp_path: Path
) -> None:
    client = _client(idp, tmp_path, signed=True)
    _, info = client.prepare_for_authenticate(entityid=idp.provider.entity_id, binding=BINDING_HTTP_REDIRECT)
    location = dict(info["headers"])["Location"]
    stripped = "&".join(p for p in location.split("&") if not p.startswith(("Signature=", "SigAlg=")))
    answer = httpx.get(stripped, timeout=10, follow_redirects=False)
    assert answer.status_code == 403
    assert "signature_missing" in answer.text


def test_pysaml2_rejects_a_response_for_another_request(idp: IdPServer, tmp_path: Path) -> None:
    """Control for the test above: pysaml2 is really checking (InResponseTo must be outstanding)."""
    client = _client(idp, tmp_path, signed=False)
    _, info = client.prepare_for_authenticate(entityid=idp.provider.entity_id, binding=BINDING_HTTP_REDIRECT)
    _, fields = _sign_in_and_collect(idp, _request_from(info, BINDING_HTTP_REDIRECT))
    from saml2.response import UnsolicitedResponse

    with pytest.raises(UnsolicitedResponse):
        client.parse_authn_request_response(
            fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={"_other": "/"}
        )
    assert base64.b64decode(fields["SAMLResponse"]).startswith(b"<samlp:Response")


def test_pysaml2_single_logout(idp: IdPServer, tmp_path: Path) -> None:
    """pysaml2 signs in, then sends a signed LogoutRequest; the IdP ends the session and pysaml2 accepts the
    signed LogoutResponse that comes back on its SLO endpoint."""
    client = _client(idp, tmp_path, signed=True)
    request_id, info = client.prepare_for_authenticate(
        entityid=idp.provider.entity_id, binding=BINDING_HTTP_REDIRECT
    )
    browser = httpx.Client(base_url=idp.url, timeout=10, follow_redirects=False)
    _, fields = _sign_in_and_collect(idp, _request_from(info, BINDING_HTTP_REDIRECT), browser=_Keep(browser))
    response = client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"}
    )
    assert browser.get("/portal").status_code == 200
    ((binding, http_info),) = client.global_logout(response.name_id).values()
    request = _request_from(http_info, binding)
    answer = browser.request(request.method, request.url, content=request.read(), headers=request.headers)
    if binding == BINDING_HTTP_REDIRECT:
        location = answer.headers["location"]
        assert location.startswith(SP_SLO + "?")
        saml_response = location.split("SAMLResponse=", 1)[1].split("&", 1)[0]
        from urllib.parse import unquote

        logout = client.parse_logout_request_response(unquote(saml_response), binding)
    else:
        _, form = post_form(answer.text)
        logout = client.parse_logout_request_response(form["SAMLResponse"], binding)
    assert logout is not None
    assert logout.response.status.status_code.value.endswith(":Success")
    assert browser.get("/portal").headers["location"] == "/login"
    browser.close()


class _Keep:
    """Lets ``_sign_in_and_collect`` use a client without closing it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __enter__(self) -> httpx.Client:
        return self.client

    def __exit__(self, *exc: object) -> None:
        pass
