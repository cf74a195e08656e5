"""The ACS broker end to end, with real components on 127.0.0.1: the served IdP (``idp.testing.IdPServer``),
the broker, the local STS (``sp_adapter.LocalSTS``) and a stand-in federation endpoint for the console URL."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from idp.testing import IdPServer
from idp.testing import service_provider
from saml_core import utcnow
from sp_adapter import LocalSTS
from sp_adapter import MemoryReplayCache
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import replay_cache_from_url
from sp_adapter._broker_config import BrokerConfig
from sp_adapter.app import create_app
from tests.conftest import free_port
from tests.sp_adapter._aws_support import ADMIN
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import signed_client
from tests.sp_adapter.test_broker import code_of
from tests.sp_adapter.test_broker import csrf_of
from tests.sp_adapter.test_broker import make_config
from tests.sp_adapter.test_console import Federation
from tests.sp_adapter.test_console import server  # noqa: F401 - the stand-in federation endpoint fixture

SECRET = "t" * 40


@pytest.fixture(scope="module")
def sts() -> Iterator[LocalSTS]:
    with local_sts() as running:
        yield running


def broker(sts_url: str, federation_url: str | None = None, **changes: Any) -> TestClient:
    config = make_config(sts_endpoint_url=sts_url, federation_url=federation_url, **changes)
    return TestClient(create_app(config), base_url="https://broker.test", follow_redirects=False)


def signed_in(client: TestClient, roles: tuple[str, ...] = (READONLY, ADMIN)) -> str:
    answer = client.post("/acs", data={"SAMLResponse": issue(roles=roles, now=None).b64})
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


# ------------------------------------------------------------------------------------------ /acs/role


def test_role_choice_returns_credentials_from_sts(sts: LocalSTS) -> None:
    with broker(sts.url) as client:
        csrf = signed_in(client)
        answer = client.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": csrf})
    assert answer.status_code == 200, answer.text
    creds = answer.json()
    assert creds["RoleArn"] == READONLY
    assert creds["AssumedRoleArn"] == "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"
    assert answer.headers["cache-control"] == "no-store"
    assert "saml_broker" in answer.headers.get("set-cookie", "")
    assert creds["SecretAccessKey"] not in answer.headers.get("set-cookie", "")


def test_role_choice_needs_the_session_csrf_token(sts: LocalSTS) -> None:
    with broker(sts.url) as client:
        csrf = signed_in(client)
        seen = sts.requests_seen
        refused = client.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": "x" * 43})
        assert (refused.status_code, refused.json()["error"]) == (403, "csrf_failed")
        missing = client.post("/acs/role?format=json", data={"role": READONLY})
        assert (missing.status_code, missing.json()["error"]) == (403, "csrf_failed")
        assert sts.requests_seen == seen
        accepted = client.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": csrf})
        assert accepted.status_code == 200


def test_role_choice_refuses_a_role_the_assertion_does_not_grant(sts: LocalSTS) -> None:
    with broker(sts.url) as client:
        csrf = signed_in(client, roles=(READONLY,))
        refused = client.post("/acs/role?format=json", data={"role": ADMIN, "csrf_token": csrf})
    assert (refused.status_code, refused.json()["error"]) == (403, "aws_role_not_allowed")


def test_role_choice_refuses_a_role_outside_the_broker_allow_list(sts: LocalSTS) -> None:
    policy = Policy.aws(allowed_roles=frozenset({READONLY}))
    with broker(sts.url, policy=policy) as client:
        csrf = signed_in(client)
        refused = client.post("/acs/role", data={"role": ADMIN, "csrf_token": csrf})
        assert (refused.status_code, code_of(refused.text)) == (403, "aws_role_not_allowed")


def test_each_assertion_is_exchanged_once(sts: LocalSTS) -> None:
    with broker(sts.url) as client:
        csrf = signed_in(client)
        before = dict(client.cookies.items())  # the browser replays the cookie it had before the exchange
        assert (
            client.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": csrf}).status_code
            == 200
        )
        client.cookies.clear()
        client.cookies.update(before)
        again = client.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": csrf})
    assert (again.status_code, again.json()["error"]) == (401, "no_assertion")


def test_role_choice_without_a_signed_in_assertion_is_401(sts: LocalSTS) -> None:
    """A session whose held assertion is gone (another worker, a restart) must sign in again."""
    with broker(sts.url) as client:
        csrf = signed_in(client)
        other = broker(sts.url)  # same secret: the cookie is valid there, but the assertion is not held there
        other.cookies = client.cookies
        answer = other.post("/acs/role?format=json", data={"role": READONLY, "csrf_token": csrf})
    assert (answer.status_code, answer.json()["error"]) == (401, "no_assertion")


def test_role_choice_redirects_to_the_console(sts: LocalSTS, server: Federation) -> None:  # noqa: F811
    server.requests.clear()
    server.answer = JSONResponse({"SigninToken": "TOKEN-BROKER"})
    try:
        with broker(sts.url, federation_url=server.url) as client:
            csrf = signed_in(client)
            answer = client.post("/acs/role", data={"role": READONLY, "csrf_token": csrf})
    finally:
        server.answer = None
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert answer.headers["location"].startswith(server.url + "?")
    params = parse_qs(location.query)
    assert params["Action"] == ["login"] and params["SigninToken"] == ["TOKEN-BROKER"]
    assert params["Destination"] == ["https://console.aws.amazon.com/"]
    session = json.loads(server.requests[-1]["Session"][0])
    assert session["sessionId"].startswith("ASIA")


def test_sts_unreachable_is_a_502_page_not_a_500() -> None:
    with broker("http://127.0.0.1:9") as client:
        csrf = signed_in(client)
        answer = client.post("/acs/role", data={"role": READONLY, "csrf_token": csrf})
    assert answer.status_code == 502
    assert "Traceback" not in answer.text


# -------------------------------------------------------------------- the served IdP, end to end


def _hidden(page: str) -> dict[str, str]:
    return {
        html.unescape(m.group(1)): html.unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }


def _idp_sign_in(idp: httpx.Client, pending: str = "") -> httpx.Response:
    csrf = _hidden(idp.get("/login").text)["csrf_token"]
    return idp.post("/login", data={"csrf_token": csrf, "username": "alice", "password": "pw", "t": pending})


def test_served_idp_to_broker_to_local_sts(saml_idp_server: IdPServer) -> None:
    saml_idp_server.add_user("alice", "pw", roles=[READONLY], session_name="alice")
    trust = Trust.from_metadata(saml_idp_server.metadata())
    with (
        local_sts({"DemoIdP": saml_idp_server.metadata()}, clock=utcnow) as sts,
        httpx.Client(base_url=saml_idp_server.url, follow_redirects=False) as idp,
        broker(sts.url, trust=trust) as client,
    ):
        assert _idp_sign_in(idp).status_code == 303
        csrf = _hidden(idp.get("/portal").text)["csrf_token"]
        form = _hidden(idp.post("/sso/aws", data={"csrf_token": csrf, "role": READONLY}).text)
        page = client.post("/acs", data={"SAMLResponse": form["SAMLResponse"]})
        assert page.status_code == 200, page.text
        replayed = client.post("/acs", data={"SAMLResponse": form["SAMLResponse"]})
        assert (replayed.status_code, code_of(replayed.text)) == (403, "replayed")
        answer = client.post(
            "/acs/role",
            data={"role": READONLY, "csrf_token": csrf_of(page.text)},
            headers={"accept": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        creds = answer.json()
        identity = signed_client(sts.url, creds).get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"


def test_served_idp_sp_initiated_flow_matches_in_response_to(saml_idp_server: IdPServer) -> None:
    acs = "https://broker.test/acs"
    saml_idp_server.add_sp(service_provider(entity_id="https://broker.test/", acs_url=acs), name="broker")
    saml_idp_server.add_user("alice", "pw", roles=[READONLY])
    policy = Policy(audiences=("https://broker.test/",), recipients=(acs,), allow_unsolicited=False)
    config = BrokerConfig(
        trust=Trust.from_metadata(saml_idp_server.metadata()),
        policy=policy,
        acs_url=acs,
        entity_id="https://broker.test/",
        sso_url=saml_idp_server.url + "/sso",
        replay_cache=MemoryReplayCache(),
        session_secret=SECRET,
        relay_state_paths=frozenset({"/app"}),
    )
    with (
        httpx.Client(base_url=saml_idp_server.url, follow_redirects=False) as idp,
        TestClient(create_app(config), base_url="https://broker.test", follow_redirects=False) as client,
    ):
        to_idp = client.get("/login?next=/app").headers["location"]
        pending = idp.get(to_idp).headers["location"]  # /sso/continue?t=...
        token = parse_qs(urlsplit(pending).query)["t"][0]
        assert _idp_sign_in(idp, token).status_code == 303
        form = _hidden(idp.get(pending).text)
        assert form["RelayState"] == "/app"
        page = client.post(
            "/acs", data={"SAMLResponse": form["SAMLResponse"], "RelayState": form["RelayState"]}
        )
        assert page.status_code == 200, page.text
        assert '<a href="/app">Continue</a>' in page.text
        # the request ID was consumed: the same response cannot answer it again
        second = client.post("/acs", data={"SAMLResponse": form["SAMLResponse"]})
        assert (second.status_code, code_of(second.text)) == (403, "in_response_to_mismatch")


def test_two_brokers_sharing_a_redis_replay_cache_accept_a_response_once(redis_url: str) -> None:
    issued = issue(now=None)
    first, second = (
        TestClient(
            create_app(make_config(replay_cache=replay_cache_from_url(redis_url))), base_url="https://b.test"
        )
        for _ in range(2)
    )
    with first, second:
        assert first.post("/acs", data={"SAMLResponse": issued.b64}).status_code == 200
        replayed = second.post("/acs", data={"SAMLResponse": issued.b64})
        assert (replayed.status_code, code_of(replayed.text)) == (403, "replayed")
        fresh = second.post("/acs", data={"SAMLResponse": issue(now=None).b64})
        assert fresh.status_code == 200


def test_an_unreachable_replay_cache_fails_closed() -> None:
    cache = replay_cache_from_url(f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(make_config(replay_cache=cache)), base_url="https://b.test") as client:
        answer = client.post("/acs", data={"SAMLResponse": issue(now=None).b64})
    assert (answer.status_code, code_of(answer.text)) == (503, "replay_cache_unavailable")


def test_odd_role_forms_are_refused_with_a_code_not_a_500() -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with broker("http://127.0.0.1:9") as client:
        csrf = signed_in(client)
        unicode_token = client.post("/acs/role", content=f"role={READONLY}&csrf_token=%C3%A9", headers=form)
        assert (unicode_token.status_code, code_of(unicode_token.text)) == (403, "csrf_failed")
        bad_utf8 = client.post("/acs/role", content=f"role=%FF&csrf_token={csrf}", headers=form)
        assert (bad_utf8.status_code, code_of(bad_utf8.text)) == (400, "malformed_xml")
        many = "&".join(f"f{i}=x" for i in range(20))
        too_many = client.post("/acs/role", content=f"{many}&csrf_token={csrf}", headers=form)
        assert (too_many.status_code, code_of(too_many.text)) == (400, "malformed_xml")
        not_ascii = client.post("/acs", content="SAMLResponse=\xe9".encode("latin-1"), headers=form)
        assert (not_ascii.status_code, code_of(not_ascii.text)) == (400, "malformed_xml")
