"""SP-initiated SSO (Redirect and POST bindings) and Single Logout through starlette's TestClient.

Every refusal is asserted by its code and HTTP status; every refusal has a positive twin next to it.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from lxml import etree
from starlette.testclient import TestClient

from idp import AwsRole
from idp import IdentityProvider
from idp._web_bindings import decode_redirect
from idp._web_bindings import deflate
from idp._web_bindings import verify_redirect_signature
from idp._web_config import Directory
from idp._web_config import WebSettings
from idp._web_sps import Registry
from idp._web_sps import aws_service_provider
from idp.app import create_app
from idp.testing import authn_request
from idp.testing import logout_request
from idp.testing import make_user
from idp.testing import post_form
from idp.testing import redirect_query
from idp.testing import service_provider
from idp.testing import sign_in
from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import verify_enveloped
from saml_core.constants import NS
from saml_core.constants import Binding
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import validate_response

BASE = "http://testserver"
SSO = BASE + "/sso"
SLO = BASE + "/slo"
SP = "https://sp.example.test/"
SP_ACS = "https://sp.example.test/acs"
SIGNED = "https://signed.example.test/"
SIGNED_ACS = "https://signed.example.test/acs"
ROLE = AwsRole("arn:aws:iam::111111111111:role/ReadOnly", "arn:aws:iam::111111111111:saml-provider/DemoIdP")


@pytest.fixture(scope="module")
def idp_keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def sp_keys() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def provider(idp_keys: KeyPair) -> IdentityProvider:
    return IdentityProvider("https://idp.example.test/", idp_keys, sso_url=SSO, slo_url=SLO)


@pytest.fixture
def client(provider: IdentityProvider, idp_keys: KeyPair, sp_keys: KeyPair) -> TestClient:
    sps = Registry(
        [
            aws_service_provider(),
            service_provider(entity_id=SP, acs_url=SP_ACS, slo_url=SP + "slo", keys=sp_keys, name="plain"),
            service_provider(
                entity_id=SIGNED,
                acs_url=SIGNED_ACS,
                slo_url=SIGNED + "slo",
                slo_binding=Binding.HTTP_POST,
                keys=sp_keys,
                authn_requests_signed=True,
                name="signed",
            ),
        ]
    )
    users = Directory(
        [make_user("alice", "alice-pw", [ROLE], {"email": "a@example.test"}, name_id="alice@x.test")]
    )
    settings = WebSettings(
        provider=provider,
        keys=[idp_keys],
        base_url=BASE,
        users=users,
        service_providers=sps,
        session_secret="sso-test-secret",
    )
    return TestClient(create_app(settings), follow_redirects=False)


def _redirect(
    client: TestClient, xml: bytes, *, relay_state: str | None = None, sign_with: KeyPair | None = None
):  # type: ignore[no-untyped-def]
    return client.get("/sso?" + redirect_query(xml, relay_state=relay_state, sign_with=sign_with))


def _post(client: TestClient, xml: bytes, relay_state: str | None = None, path: str = "/sso"):  # type: ignore[no-untyped-def]
    data = {"SAMLRequest": base64.b64encode(xml).decode()} | (
        {"RelayState": relay_state} if relay_state else {}
    )
    return client.post(path, data=data)


def _follow(client: TestClient, answer, password: str = "alice-pw"):  # type: ignore[no-untyped-def]
    """Follow /sso -> /sso/continue -> (/login -> POST /login -> /sso/continue) -> the auto-POST page."""
    assert answer.status_code == 303, answer.text
    answer = client.get(answer.headers["location"])
    if answer.status_code == 303 and answer.headers["location"].startswith("/login"):
        token = parse_qs(urlsplit(answer.headers["location"]).query)["t"][0]
        answer = sign_in(client, "alice", password, pending=quote(token, safe=""))
        assert answer.status_code == 303, answer.text
        answer = client.get(answer.headers["location"])
    return answer


def _validate(
    form_fields: dict[str, str], provider: IdentityProvider, *, audience: str, acs: str, request_id: str
):  # type: ignore[no-untyped-def]
    policy = Policy(audiences=[audience], recipients=[acs])
    return validate_response(
        form_fields["SAMLResponse"],
        trust=Trust.from_metadata(provider.metadata()),
        policy=policy,
        request_id=request_id,
    )


# ---------------------------------------------------------------------------------- the happy paths


def test_redirect_binding_unsigned_request_signs_in_and_posts_to_the_metadata_acs(
    client: TestClient, provider: IdentityProvider
) -> None:
    request = authn_request(issuer=SP, destination=SSO, request_id="_req1")
    page = _follow(client, _redirect(client, request, relay_state="/app?x=1"))
    action, fields = post_form(page.text)
    assert action == SP_ACS
    assert fields["RelayState"] == "/app?x=1"
    assertion = _validate(fields, provider, audience=SP, acs=SP_ACS, request_id="_req1")
    assert (assertion.in_response_to, assertion.name_id) == ("_req1", "alice@x.test")
    assert assertion.attributes["email"] == ("a@example.test",)


def test_login_page_names_the_sp_waiting_for_the_login(client: TestClient) -> None:
    answer = client.get(_redirect(client, authn_request(issuer=SP, destination=SSO)).headers["location"])
    page = client.get(answer.headers["location"])
    assert f"Sign in to continue to {SP}" in page.text


def test_post_binding_unsigned_request(client: TestClient, provider: IdentityProvider) -> None:
    page = _follow(client, _post(client, authn_request(issuer=SP, destination=SSO, request_id="_req2")))
    _, fields = post_form(page.text)
    assert _validate(fields, provider, audience=SP, acs=SP_ACS, request_id="_req2").in_response_to == "_req2"


def test_signed_redirect_request_for_an_sp_that_signs(client: TestClient, sp_keys: KeyPair) -> None:
    request = authn_request(issuer=SIGNED, destination=SSO, request_id="_r3")
    action, _ = post_form(
        _follow(client, _redirect(client, request, relay_state="rs", sign_with=sp_keys)).text
    )
    assert action == SIGNED_ACS


def test_signed_post_request_for_an_sp_that_signs(client: TestClient, sp_keys: KeyPair) -> None:
    request = authn_request(issuer=SIGNED, destination=SSO, sign_with=sp_keys)
    action, _ = post_form(_follow(client, _post(client, request)).text)
    assert action == SIGNED_ACS


def test_existing_session_answers_without_a_login(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = client.get(_redirect(client, authn_request(issuer=SP, destination=SSO)).headers["location"])
    assert answer.status_code == 200
    assert post_form(answer.text)[0] == SP_ACS


# ------------------------------------------------------------------------- signatures (J3, profile)


def test_unsigned_request_for_an_sp_that_signs_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer=SIGNED, destination=SSO))
    assert answer.status_code == 403
    assert "signature_missing" in answer.text


def test_unsigned_post_request_for_an_sp_that_signs_is_refused(client: TestClient) -> None:
    answer = _post(client, authn_request(issuer=SIGNED, destination=SSO))
    assert answer.status_code == 403
    assert "signature_missing" in answer.text


def test_redirect_request_signed_by_another_key_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer=SIGNED, destination=SSO), sign_with=KeyPair.generate())
    assert answer.status_code == 403
    assert "signature_invalid" in answer.text


def test_post_request_signed_by_another_key_is_refused(client: TestClient) -> None:
    answer = _post(client, authn_request(issuer=SIGNED, destination=SSO, sign_with=KeyPair.generate()))
    assert answer.status_code == 403
    assert "untrusted_key" in answer.text  # the KeyInfo certificate is not the one in the SP's metadata


def test_post_request_altered_after_signing_is_refused(client: TestClient, sp_keys: KeyPair) -> None:
    request = authn_request(issuer=SIGNED, destination=SSO, sign_with=sp_keys)
    answer = _post(client, request.replace(b'Version="2.0"', b'Version="2.0" ForceAuthn="false"'))
    assert answer.status_code == 403
    assert "signature_invalid" in answer.text


def test_signed_request_without_destination_is_refused(client: TestClient, sp_keys: KeyPair) -> None:
    answer = _redirect(client, authn_request(issuer=SIGNED), sign_with=sp_keys)
    assert answer.status_code == 400
    assert "destination_mismatch" in answer.text


def test_request_for_another_destination_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer=SP, destination="https://other-idp.example.test/sso"))
    assert answer.status_code == 400
    assert "destination_mismatch" in answer.text


# ------------------------------------------------------------------------------------ who and where


def test_unknown_sp_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer="https://evil.example.test/", destination=SSO))
    assert answer.status_code == 403
    assert "unknown_sp" in answer.text


@pytest.mark.parametrize(
    "acs",
    ["https://evil.example.test/acs", "javascript:alert(1)", SP_ACS + "/", "https://sp.example.test/acs?x=1"],
)
def test_j2_acs_url_not_in_metadata_is_refused(client: TestClient, acs: str) -> None:
    answer = _redirect(client, authn_request(issuer=SP, destination=SSO, acs_url=acs))
    assert answer.status_code == 400
    assert "acs_not_registered" in answer.text


def test_j2_acs_url_from_metadata_is_used(client: TestClient) -> None:
    page = _follow(client, _redirect(client, authn_request(issuer=SP, destination=SSO, acs_url=SP_ACS)))
    assert post_form(page.text)[0] == SP_ACS


def test_acs_index_from_metadata_is_used(client: TestClient) -> None:
    page = _follow(client, _redirect(client, authn_request(issuer=SP, destination=SSO, acs_index=0)))
    assert post_form(page.text)[0] == SP_ACS


def test_acs_index_not_in_metadata_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer=SP, destination=SSO, acs_index=7))
    assert answer.status_code == 400
    assert "acs_not_registered" in answer.text


def test_g5_relay_state_longer_than_80_bytes_is_refused(client: TestClient) -> None:
    answer = _redirect(client, authn_request(issuer=SP, destination=SSO), relay_state="r" * 81)
    assert answer.status_code == 400
    assert "relay_state_invalid" in answer.text


def test_relay_state_is_escaped_in_the_form(client: TestClient) -> None:
    evil = '"><script>alert(1)</script>'
    page = _follow(client, _redirect(client, authn_request(issuer=SP, destination=SSO), relay_state=evil))
    assert "<script>alert(1)" not in page.text
    assert post_form(page.text)[1]["RelayState"] == evil


# ----------------------------------------------------------------------------- malformed requests


def test_malformed_base64_is_refused(client: TestClient) -> None:
    answer = client.get("/sso?SAMLRequest=%40%40%40%40")
    assert answer.status_code == 400
    assert "malformed_xml" in answer.text


def test_dtd_in_a_request_is_refused(client: TestClient) -> None:
    xml = b'<!DOCTYPE x [<!ENTITY e "x">]>' + authn_request(issuer=SP, destination=SSO)
    answer = _redirect(client, xml)
    assert answer.status_code == 400
    assert "dtd_forbidden" in answer.text


def test_g2_deflate_bomb_is_refused(client: TestClient) -> None:
    bomb = quote(base64.b64encode(deflate(b" " * (20 * 1024 * 1024))).decode(), safe="")
    answer = client.post(
        "/sso", data={"SAMLRequest": base64.b64encode(b"<x/>").decode()}
    )  # control: POST never inflates
    assert answer.status_code == 400
    answer = client.get("/sso?SAMLRequest=" + bomb)
    assert answer.status_code == 413
    assert "too_large" in answer.text


def test_a_logout_request_sent_to_sso_is_refused(client: TestClient) -> None:
    answer = _redirect(client, logout_request(name_id="alice@x.test", issuer=SP, destination=SSO))
    assert answer.status_code == 400
    assert "not_a_response" in answer.text


def test_stale_request_is_refused(client: TestClient) -> None:
    from datetime import UTC
    from datetime import datetime

    answer = _redirect(
        client, authn_request(issuer=SP, destination=SSO, now=datetime(2020, 1, 1, tzinfo=UTC))
    )
    assert answer.status_code == 400
    assert "request_expired" in answer.text


def test_tampered_pending_token_is_refused(client: TestClient) -> None:
    location = _redirect(client, authn_request(issuer=SP, destination=SSO)).headers["location"]
    answer = client.get(location[:-3] + ("AAA" if not location.endswith("AAA") else "BBB"))
    assert answer.status_code == 400
    assert "no_pending_request" in answer.text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "SAMLRequest=",
        "SAMLRequest=%ZZ",
        "SAMLRequest=QUJD&SAMLRequest=QUJD",
        "SAMLRequest=" + "A" * 20000,
        "SAMLRequest=QUJD&SigAlg=x",
        "t=%FF%FE",
        "SAMLRequest=%C3%28",
    ],
)
@pytest.mark.parametrize("path", ["/sso", "/slo", "/sso/continue"])
def test_f16_garbage_gets_a_4xx_page_never_a_500(client: TestClient, path: str, query: str) -> None:
    answer = client.get(f"{path}?{query}")
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text


# --------------------------------------------------------------------------- ForceAuthn / IsPassive


def test_force_authn_asks_for_the_password_again(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = client.get(
        _redirect(client, authn_request(issuer=SP, destination=SSO, force_authn=True)).headers["location"]
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?t=")


def test_force_authn_is_satisfied_by_the_new_login(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    page = _follow(client, _redirect(client, authn_request(issuer=SP, destination=SSO, force_authn=True)))
    assert post_form(page.text)[0] == SP_ACS


def test_is_passive_without_a_session_answers_no_passive(
    client: TestClient, provider: IdentityProvider, idp_keys: KeyPair
) -> None:
    first = _redirect(client, authn_request(issuer=SP, destination=SSO, is_passive=True, request_id="_p1"))
    page = client.get(first.headers["location"])
    action, fields = post_form(page.text)
    assert action == SP_ACS
    xml = base64.b64decode(fields["SAMLResponse"])
    verified = verify_enveloped(parse_xml(xml), [idp_keys.trusted]).element
    codes = [e.get("Value") for e in verified.iter(NS.samlp("StatusCode"))]
    assert codes == [
        "urn:oasis:names:tc:SAML:2.0:status:Responder",
        "urn:oasis:names:tc:SAML:2.0:status:NoPassive",
    ]
    assert verified.get("InResponseTo") == "_p1"
    assert verified.find(NS.saml("Assertion")) is None


def test_is_passive_with_a_session_signs_in(client: TestClient, provider: IdentityProvider) -> None:
    sign_in(client, "alice", "alice-pw")
    first = _redirect(client, authn_request(issuer=SP, destination=SSO, is_passive=True, request_id="_p2"))
    _, fields = post_form(client.get(first.headers["location"]).text)
    assert _validate(fields, provider, audience=SP, acs=SP_ACS, request_id="_p2").in_response_to == "_p2"


# ---------------------------------------------------------------------------------- Single Logout


def _logout_query(xml: bytes, sign_with: KeyPair | None, relay_state: str | None = None) -> str:
    return "/slo?" + redirect_query(xml, relay_state=relay_state, sign_with=sign_with)


def test_slo_redirect_ends_the_session_and_answers_signed(
    client: TestClient, sp_keys: KeyPair, idp_keys: KeyPair
) -> None:
    sign_in(client, "alice", "alice-pw")
    request = logout_request(name_id="alice@x.test", issuer=SP, destination=SLO, request_id="_lo1")
    answer = client.get(_logout_query(request, sp_keys, relay_state="bye"))
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == SP + "slo"
    message = decode_redirect(target.query.encode(), "SAMLResponse")
    verify_redirect_signature(message, [idp_keys.trusted])
    assert message.relay_state == "bye"
    root = etree.fromstring(message.xml)
    assert (root.tag, root.get("InResponseTo")) == (NS.samlp("LogoutResponse"), "_lo1")
    assert root.find(f"{NS.samlp('Status')}/{NS.samlp('StatusCode')}").get("Value").endswith(":Success")
    assert client.get("/portal").headers["location"] == "/login"


def test_j4_unsigned_logout_request_is_refused_and_the_session_kept(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = client.get(
        _logout_query(logout_request(name_id="alice@x.test", issuer=SP, destination=SLO), None)
    )
    assert answer.status_code == 403
    assert "signature_missing" in answer.text
    assert client.get("/portal").status_code == 200


def test_j4_logout_request_signed_by_another_key_is_refused(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    request = logout_request(name_id="alice@x.test", issuer=SP, destination=SLO)
    assert client.get(_logout_query(request, KeyPair.generate())).status_code == 403
    assert client.get("/portal").status_code == 200


def test_logout_request_for_another_user_keeps_the_session(client: TestClient, sp_keys: KeyPair) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = client.get(
        _logout_query(logout_request(name_id="bob@x.test", issuer=SP, destination=SLO), sp_keys)
    )
    message = decode_redirect(urlsplit(answer.headers["location"]).query.encode(), "SAMLResponse")
    assert b"status:RequestDenied" in message.xml
    assert client.get("/portal").status_code == 200


def test_slo_post_binding_answers_with_a_signed_post(
    client: TestClient, sp_keys: KeyPair, idp_keys: KeyPair
) -> None:
    sign_in(client, "alice", "alice-pw")
    request = logout_request(
        name_id="alice@x.test", issuer=SIGNED, destination=SLO, sign_with=sp_keys, request_id="_lo2"
    )
    answer = _post(client, request, path="/slo")
    action, fields = post_form(answer.text)
    assert action == SIGNED + "slo"
    verified = verify_enveloped(parse_xml(base64.b64decode(fields["SAMLResponse"])), [idp_keys.trusted])
    assert verified.element.get("InResponseTo") == "_lo2"
    assert client.get("/portal").headers["location"] == "/login"


def test_slo_endpoint_refuses_a_logout_response(client: TestClient) -> None:
    answer = client.get("/slo?SAMLResponse=" + quote(base64.b64encode(deflate(b"<x/>")).decode(), safe=""))
    assert answer.status_code == 400
    assert "expects SAMLRequest" in answer.text
