"""Property test (hypothesis): no request to any route of the three web apps (the IdP, the ACS broker, the
local STS) is answered with a 5xx or lets an exception out. Garbage gets a 4xx page or an AWS-shaped error.

Requests are drawn from each app's own routes and parameter names, with hostile values: random text and
bytes, base64 of random bytes, deflated garbage, huge and empty values, repeated fields, odd content types
and cookies. Found so far: a control character in ``Action`` made the local STS's error answer unbuildable.
"""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from idp import AwsRole
from idp import IdentityProvider
from idp._web_config import Directory
from idp._web_config import WebSettings
from idp._web_sps import Registry
from idp._web_sps import aws_service_provider
from idp.app import create_app as create_idp_app
from idp.testing import hidden_fields
from idp.testing import make_user
from idp.testing import post_form
from idp.testing import sign_in
from saml_core import KeyPair
from sp_adapter import LocalStsConfig
from sp_adapter import MemoryReplayCache
from sp_adapter import Policy
from sp_adapter import StaticDirectory
from sp_adapter import Trust
from sp_adapter._broker_config import BrokerConfig
from sp_adapter._local_sts import create_local_sts_app
from sp_adapter.app import create_app as create_broker_app
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import metadata

NAMES = [
    "SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature", "t", "role", "csrf_token", "username",
    "password", "next", "Action", "Version", "RoleArn", "PrincipalArn", "SAMLAssertion", "DurationSeconds",
    "Policy", "PolicyArns.member.1.arn", "X-Amz-Date", "X-Amz-Security-Token",
]  # fmt: skip
ACTIONS = ["AssumeRoleWithSAML", "GetCallerIdentity", "AssumeRole", ""]


def _deflated(data: bytes) -> str:
    packer = zlib.compressobj(wbits=-15)
    return base64.b64encode(packer.compress(data) + packer.flush()).decode()


VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["", " ", "=", "%", "%ZZ", "\x00", "a" * 5000, "-1", "0", "99999999999999999999", *ACTIONS]
    ),
    st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
    st.binary(max_size=200).map(_deflated),
    st.sampled_from(["<samlp:AuthnRequest/>", "<x>", '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>']).map(
        lambda x: base64.b64encode(x.encode()).decode()
    ),
    st.sampled_from([READONLY, f"{READONLY},{PROVIDER}", PROVIDER, "2011-06-15", "arn:aws:iam::1:role/x"]),
)
FIELDS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=6)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "text/plain",
        "application/json",
        "",
    ]
)


@st.composite
def requests(draw: st.DrawFn, paths: list[str], csrf_token: str | None = None) -> dict[str, Any]:
    method = draw(st.sampled_from(["GET", "POST", "POST", "PUT", "HEAD"]))
    # what a URL path can carry (and no leading "//", which a client reads as a host)
    printable = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="?#")
    other = st.text(printable, max_size=20).map(lambda p: "/" + p.lstrip("/"))
    path = draw(st.one_of(st.sampled_from(paths), other))
    query = draw(FIELDS)
    # a signed-in browser's token lets some requests reach past the CSRF check
    if csrf_token is not None and draw(st.booleans()):
        query.append(("csrf_token", csrf_token))
    headers = {"content-type": draw(CONTENT_TYPES)}
    if draw(st.booleans()):
        headers["cookie"] = draw(st.sampled_from(["session=x", "session=" + "A" * 5000, "a=b; session=.;"]))
    if draw(st.booleans()):
        body: bytes = draw(st.binary(max_size=300))
    else:
        fields = draw(FIELDS)
        if csrf_token is not None and draw(st.booleans()):
            fields.append(("csrf_token", csrf_token))
        body = urlencode(fields).encode()
    return {"method": method, "url": path, "params": query, "headers": headers, "content": body}


def _check(client: TestClient, request: dict[str, Any]) -> None:
    answer = client.request(**request)
    assert answer.status_code < 500, (request, answer.status_code, answer.text[:300])


@pytest.fixture(scope="module")
def idp_app() -> Any:
    keys = KeyPair.generate()
    provider = IdentityProvider("https://idp.example.test/", keys, sso_url="https://idp.example.test/sso")
    users = Directory([make_user("alice", "alice-pw", [AwsRole(READONLY, PROVIDER)])])
    web = WebSettings(
        provider=provider,
        keys=[keys],
        base_url="https://idp.example.test",
        users=users,
        service_providers=Registry([aws_service_provider()]),
        session_secret="fuzz-secret",
    )
    return create_idp_app(web)


@pytest.fixture(scope="module")
def idp_client(idp_app: Any) -> Iterator[TestClient]:
    with TestClient(idp_app, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def signed_in(idp_app: Any) -> Iterator[tuple[TestClient, str]]:
    """A browser signed in as alice (its session cookie kept), and the CSRF token of its portal page."""
    with TestClient(idp_app, base_url="https://idp.example.test", follow_redirects=False) as client:
        assert sign_in(client, "alice", "alice-pw").status_code == 303
        yield client, hidden_fields(client.get("/portal").text)["csrf_token"]


@pytest.fixture(scope="module")
def broker_client() -> Iterator[TestClient]:
    config = BrokerConfig(
        trust=Trust.from_metadata(metadata()),
        policy=Policy.aws(),
        acs_url="https://signin.aws.amazon.com/saml",
        entity_id="urn:amazon:webservices",
        sso_url="https://idp.example.test/sso",
        replay_cache=MemoryReplayCache(),
        session_secret="s" * 40,
        relay_state_paths=frozenset({"/app"}),
    )
    app = create_broker_app(config)
    with TestClient(app, base_url="https://broker.test", follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def sts_client() -> Iterator[TestClient]:
    config = LocalStsConfig(directory=StaticDirectory({"DemoIdP": metadata()}), clock=lambda: NOW)
    with TestClient(create_local_sts_app(config), raise_server_exceptions=True) as client:
        yield client


FUZZ = settings(
    max_examples=int(os.environ.get("SAML_FUZZ_EXAMPLES", "150")),  # the same knob as test_mutations.py
    deadline=None,
    derandomize=os.environ.get("SAML_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
IDP_PATHS = ["/", "/login", "/logout", "/portal", "/metadata", "/sso/aws", "/sso", "/sso/continue", "/slo"]


@FUZZ
@given(request=requests(IDP_PATHS))
def test_the_idp_never_answers_5xx(idp_client: TestClient, request: dict[str, Any]) -> None:
    _check(idp_client, request)


@FUZZ
@given(data=st.data())
def test_the_idp_never_answers_5xx_to_a_signed_in_browser(
    signed_in: tuple[TestClient, str], data: Any
) -> None:
    client, token = signed_in
    _check(client, data.draw(requests(["/portal", "/sso/aws", "/sso", "/sso/continue", "/slo"], token)))
    assert client.get("/portal").status_code == 200  # still signed in: the property ran past the login wall


def test_a_signed_in_browser_still_gets_a_response_for_aws(signed_in: tuple[TestClient, str]) -> None:
    # the positive twin of the IdP properties
    client, token = signed_in
    action, fields = post_form(client.post("/sso/aws", data={"csrf_token": token}).text)
    assert action == "https://signin.aws.amazon.com/saml" and fields["SAMLResponse"]


@FUZZ
@given(request=requests(["/login", "/acs", "/acs/role"]))
def test_the_broker_never_answers_5xx(broker_client: TestClient, request: dict[str, Any]) -> None:
    _check(broker_client, request)


@FUZZ
@given(request=requests(["/"]))
def test_the_local_sts_never_answers_5xx(sts_client: TestClient, request: dict[str, Any]) -> None:
    _check(sts_client, request)


def test_a_genuine_response_still_gets_through_the_broker(broker_client: TestClient) -> None:
    # the positive twin: the property above cannot hold by refusing everything
    answer = broker_client.post("/acs", data={"SAMLResponse": issue().b64})
    assert answer.status_code == 200 and READONLY in answer.text
