"""The ACS broker (``sp_adapter.app``) through starlette's TestClient: every refusal with its status and code,
each next to the accepted twin it differs from by one thing."""

from __future__ import annotations

import asyncio
import base64
import re
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import quote
from urllib.parse import urlsplit

import httpx
import pytest
from lxml import etree
from starlette.testclient import TestClient

from saml_core import NS
from saml_core import KeyPair
from sp_adapter import InResponseToMismatch
from sp_adapter import MemoryReplayCache
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter._broker_config import BrokerConfig
from sp_adapter.app import MAX_BODY
from sp_adapter.app import _State
from sp_adapter.app import _validate
from sp_adapter.app import create_app
from tests.sp_adapter._aws_support import ADMIN
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import metadata

ACS = "https://signin.aws.amazon.com/saml"
SECRET = "s" * 40


def make_config(**changes: Any) -> BrokerConfig:
    config = BrokerConfig(
        trust=Trust.from_metadata(metadata()),
        policy=Policy.aws(),
        acs_url=ACS,
        entity_id="urn:amazon:webservices",
        sso_url="https://idp.example.test/sso",
        replay_cache=MemoryReplayCache(),
        session_secret=SECRET,
        relay_state_paths=frozenset({"/app", "/app/home"}),
    )
    return replace(config, **changes)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(make_config()), base_url="https://broker.test", follow_redirects=False) as c:
        yield c


def post_acs(client: TestClient, saml_response: str, **fields: str) -> Any:
    return client.post("/acs", data={"SAMLResponse": saml_response, **fields})


def code_of(page: str) -> str:
    found = re.search(r"Error code: <code>([a-z_]+)</code>", page)
    assert found is not None, page[:300]
    return found.group(1)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def login_request_id(client: TestClient, query: str = "") -> str:
    answer = client.get("/login" + query)
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["location"]).query)
    xml = zlib.decompress(base64.b64decode(params["SAMLRequest"][0]), -15)
    root = etree.fromstring(xml)
    return str(root.get("ID"))


# ----------------------------------------------------------------------------------------------- /login


def test_login_redirects_to_the_idp_with_a_deflated_authn_request(client: TestClient) -> None:
    answer = client.get("/login?next=/app")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://idp.example.test/sso"
    params = parse_qs(location.query)
    assert params["RelayState"] == ["/app"]
    root = etree.fromstring(zlib.decompress(base64.b64decode(params["SAMLRequest"][0]), -15))
    assert root.tag == NS.samlp("AuthnRequest")
    assert root.get("AssertionConsumerServiceURL") == ACS
    assert root.get("Destination") == "https://idp.example.test/sso"
    assert root.findtext(NS.saml("Issuer")) == "urn:amazon:webservices"
    assert re.fullmatch(r"_[0-9a-f]{40}", str(root.get("ID")))


@pytest.mark.parametrize(
    "target",
    [
        "/elsewhere",
        "https://evil.example/",
        "//evil.example/app",
        "/app/../x",
        "javascript:alert(1)",  # G5
        "/app" + "a" * 60_000,  # G5 (in a URL: httpx caps a query at 64 KiB; 1 MB is the POST case below)
    ],
)
def test_login_refuses_a_relay_state_outside_the_allow_list(client: TestClient, target: str) -> None:
    answer = client.get("/login", params={"next": target})
    assert answer.status_code == 400
    assert code_of(answer.text) == "relay_state_forbidden"
    assert "location" not in answer.headers


def test_login_without_an_sso_endpoint_is_404() -> None:
    with TestClient(create_app(make_config(sso_url=None)), follow_redirects=False) as c:
        answer = c.get("/login")
    assert (answer.status_code, code_of(answer.text)) == (404, "no_sso_endpoint")


# ------------------------------------------------------------------------------------------------- /acs


def test_acs_accepts_an_unsolicited_response_and_lists_its_roles(client: TestClient) -> None:
    answer = post_acs(client, issue(roles=(READONLY, ADMIN), now=None).b64)
    assert answer.status_code == 200, answer.text
    assert READONLY in answer.text and ADMIN in answer.text
    assert "Signed in as <code>alice</code>" in answer.text


def test_acs_shows_only_roles_on_the_allow_list() -> None:
    config = make_config(policy=Policy.aws(allowed_roles=frozenset({READONLY})))
    with TestClient(create_app(config), base_url="https://broker.test") as c:
        answer = post_acs(c, issue(roles=(READONLY, ADMIN), now=None).b64)
    assert answer.status_code == 200
    assert READONLY in answer.text and ADMIN not in answer.text


def test_acs_refuses_a_response_signed_by_another_key(client: TestClient) -> None:
    answer = post_acs(client, issue(now=None, faults=("wrong-key",)).b64)
    assert (answer.status_code, code_of(answer.text)) == (403, "untrusted_key")


def test_acs_refuses_a_replayed_response(client: TestClient) -> None:
    issued = issue(now=None)
    assert post_acs(client, issued.b64).status_code == 200
    again = post_acs(client, issued.b64)
    assert (again.status_code, code_of(again.text)) == (403, "replayed")


def test_acs_refuses_a_saml_response_in_the_query_string(client: TestClient) -> None:
    issued = issue(now=None)
    answer = client.post("/acs", params={"SAMLResponse": issued.b64}, data={"SAMLResponse": issued.b64})
    assert (answer.status_code, code_of(answer.text)) == (400, "malformed_xml")
    assert post_acs(client, issued.b64).status_code == 200  # not burnt by the refused attempt


def test_g6_acs_refuses_get(client: TestClient) -> None:
    answer = client.get("/acs", params={"SAMLResponse": issue(now=None).b64})
    assert (answer.status_code, code_of(answer.text)) == (405, "method_not_allowed")


def test_acs_refuses_two_saml_response_fields(client: TestClient) -> None:
    b64 = issue(now=None).b64
    answer = client.post(
        "/acs",
        content=f"SAMLResponse={b64}&SAMLResponse={b64}".replace("+", "%2B"),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, code_of(answer.text)) == (400, "malformed_xml")


def test_acs_refuses_a_missing_field_and_a_non_form_body(client: TestClient) -> None:
    assert code_of(client.post("/acs", data={"RelayState": "/app"}).text) == "malformed_xml"
    answer = client.post("/acs", json={"SAMLResponse": issue(now=None).b64})
    assert (answer.status_code, code_of(answer.text)) == (400, "malformed_xml")


FORM = {"content-type": "application/x-www-form-urlencoded"}


def padded_body(saml_response: str, total: int) -> bytes:
    """A valid SAMLResponse plus a filler field, ``total`` bytes in all: only the HTTP cap can refuse it."""
    head = "SAMLResponse=" + quote(saml_response, safe="") + "&filler="
    return (head + "A" * (total - len(head))).encode("ascii")


def test_acs_caps_the_body_at_512_kib(client: TestClient) -> None:
    over = client.post("/acs", content=padded_body(issue(now=None).b64, MAX_BODY + 1), headers=FORM)
    assert (over.status_code, code_of(over.text)) == (413, "too_large")
    at_cap = client.post("/acs", content=padded_body(issue(now=None).b64, MAX_BODY), headers=FORM)
    assert at_cap.status_code == 200, at_cap.text


def test_acs_caps_a_streamed_body_without_content_length(client: TestClient) -> None:
    def chunks(body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    over = client.post("/acs", content=chunks(padded_body(issue(now=None).b64, MAX_BODY + 1)), headers=FORM)
    assert (over.status_code, code_of(over.text)) == (413, "too_large")
    at_cap = client.post("/acs", content=chunks(padded_body(issue(now=None).b64, MAX_BODY)), headers=FORM)
    assert at_cap.status_code == 200, at_cap.text


def test_the_validator_still_caps_the_saml_response_itself(client: TestClient) -> None:
    answer = post_acs(client, "A" * 100_004)
    assert (answer.status_code, code_of(answer.text)) == (413, "too_large")
    small = post_acs(client, "A" * 1000)
    assert (small.status_code, code_of(small.text)) == (400, "malformed_xml")


def test_acs_refuses_a_relay_state_outside_the_allow_list(client: TestClient) -> None:
    refused = post_acs(client, issue(now=None).b64, RelayState="https://evil.example/")
    assert (refused.status_code, code_of(refused.text)) == (400, "relay_state_forbidden")
    for relay in ("javascript:alert(1)", "//evil.example/app", "/app\\evil.example"):  # G5
        refused = post_acs(client, issue(now=None).b64, RelayState=relay)
        assert (refused.status_code, code_of(refused.text)) == (400, "relay_state_forbidden"), relay
        assert "javascript" not in refused.text and "evil.example" not in refused.text
    huge = post_acs(client, issue(now=None).b64, RelayState="/app" + "a" * (1024 * 1024))  # G5: 1 MB
    assert (huge.status_code, code_of(huge.text)) == (413, "too_large")
    accepted = post_acs(client, issue(now=None).b64, RelayState="/app")
    assert accepted.status_code == 200
    assert '<a href="/app">Continue</a>' in accepted.text


def test_acs_matches_the_request_this_session_issued_and_consumes_it(client: TestClient) -> None:
    request_id = login_request_id(client)
    answer = post_acs(client, issue(now=None, in_response_to=request_id).b64)
    assert answer.status_code == 200, answer.text
    again = post_acs(client, issue(now=None, in_response_to=request_id).b64)
    assert (again.status_code, code_of(again.text)) == (403, "in_response_to_mismatch")


def test_acs_refuses_an_in_response_to_the_broker_did_not_issue(client: TestClient) -> None:
    login_request_id(client)
    answer = post_acs(client, issue(now=None, in_response_to="_" + "0" * 40).b64)
    assert (answer.status_code, code_of(answer.text)) == (403, "in_response_to_mismatch")


def test_acs_refuses_a_request_id_issued_to_another_browser(client: TestClient) -> None:
    with TestClient(
        create_app(make_config()), base_url="https://broker.test", follow_redirects=False
    ) as other:
        foreign = login_request_id(other)
    login_request_id(client)
    answer = post_acs(client, issue(now=None, in_response_to=foreign).b64)
    assert (answer.status_code, code_of(answer.text)) == (403, "in_response_to_mismatch")


def test_generic_policy_refuses_unsolicited_responses() -> None:
    policy = Policy(audiences=("urn:amazon:webservices",), recipients=(ACS,), allow_unsolicited=False)
    with TestClient(
        create_app(make_config(policy=policy)), base_url="https://b.test", follow_redirects=False
    ) as c:
        refused = post_acs(c, issue(now=None).b64)
        assert (refused.status_code, code_of(refused.text)) == (403, "in_response_to_mismatch")
        accepted = post_acs(c, issue(now=None, in_response_to=login_request_id(c)).b64)
        assert accepted.status_code == 200, accepted.text


def test_acs_error_pages_echo_nothing_unescaped(client: TestClient) -> None:
    answer = post_acs(client, "<script>alert(1)</script>", RelayState="/app")
    assert answer.status_code == 400
    assert "<script>" not in answer.text and "alert" not in answer.text


def test_json_answers_carry_the_code(client: TestClient) -> None:
    answer = client.post(
        "/acs?format=json", data={"SAMLResponse": issue(now=None, faults=("wrong-key",)).b64}
    )
    assert answer.status_code == 403
    assert answer.json() == {"error": "untrusted_key", "message": "refused"}


def test_config_refuses_an_acs_url_outside_the_recipients() -> None:
    from saml_core.errors import ConfigError

    with pytest.raises(ConfigError, match="recipients"):
        make_config(acs_url="https://broker.example/acs")
    assert make_config().acs_url == ACS


@pytest.mark.parametrize("limit", [1, 2])
def test_blocking_work_is_bounded_by_max_concurrency(limit: int) -> None:
    state = _State(
        config=make_config(max_concurrency=limit), gate=asyncio.Semaphore(limit), http=httpx.Client()
    )
    lock, running, peak = threading.Lock(), [0], [0]

    def work() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    async def main() -> None:
        await asyncio.gather(*(state.bounded(work) for _ in range(6)))

    asyncio.run(main())
    assert peak[0] == limit


def test_a_signed_in_response_to_must_be_one_of_the_session_ids() -> None:
    """Defence in depth behind the peek (R48): what the verified assertion names is checked again."""
    config = make_config()
    with pytest.raises(InResponseToMismatch):
        _validate(config, issue(now=None, in_response_to="_" + "1" * 40).b64, None, [])
    accepted = _validate(config, issue(now=None, in_response_to="_" + "2" * 40).b64, None, ["_" + "2" * 40])
    assert accepted.in_response_to == "_" + "2" * 40


def test_the_roles_page_escapes_the_verified_name(client: TestClient) -> None:
    answer = post_acs(client, issue(now=None, name_id='<img src=x onerror="alert(1)">').b64)
    assert answer.status_code == 200, answer.text
    assert "<img" not in answer.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in answer.text


def test_an_encrypted_assertion_needs_the_configured_decryption_key() -> None:
    sp = KeyPair.generate(common_name="broker encryption key")
    with TestClient(create_app(make_config()), base_url="https://b.test") as plain:
        refused = post_acs(plain, issue(now=None, encrypt_to=sp.trusted).b64)
        assert (refused.status_code, code_of(refused.text)) == (403, "decryption_failed")
    with TestClient(create_app(make_config(decrypt_keys=(sp,))), base_url="https://b.test") as keyed:
        accepted = post_acs(keyed, issue(now=None, encrypt_to=sp.trusted).b64)
        assert accepted.status_code == 200, accepted.text
        assert READONLY in accepted.text
