"""The console sign-in URL (AWS.md section 6), against a stand-in of the federation endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from saml_core.errors import ConfigError
from sp_adapter import AwsCredentials
from sp_adapter import ConsoleSigninFailed
from sp_adapter import console_url
from sp_adapter._console import check_endpoint
from sp_adapter._console import endpoints_for
from sp_adapter._console import login_url

CREDS = AwsCredentials(
    access_key_id="ASIAEXAMPLE000000001",
    secret_access_key="secret+/=value",
    session_token="token&with=odd?chars",
    expiration=datetime(2030, 1, 1, tzinfo=UTC),
    role_arn="arn:aws:iam::111111111111:role/ReadOnly",
)


class Federation:
    """A stand-in federation endpoint: getSigninToken for known credentials, HTTP 400 otherwise."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.answer: Response | None = None
        self.url = ""

    async def endpoint(self, request: Request) -> Response:
        params = parse_qs(request.url.query, keep_blank_values=True)
        self.requests.append(params)
        if self.answer is not None:
            return self.answer
        if params.get("Action") != ["getSigninToken"]:
            return Response("bad action", status_code=400)
        session = json.loads(params["Session"][0])
        if session != {
            "sessionId": CREDS.access_key_id,
            "sessionKey": CREDS.secret_access_key,
            "sessionToken": CREDS.session_token,
        }:
            return Response("", status_code=400)
        return JSONResponse({"SigninToken": "TOKEN-123"})


@pytest.fixture(scope="module")
def server() -> Iterator[Federation]:
    federation = Federation()
    app = Starlette(routes=[Route("/federation", federation.endpoint)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.01)
    federation.url = f"http://127.0.0.1:{sock.getsockname()[1]}/federation"
    try:
        yield federation
    finally:
        uv.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def federation(server: Federation) -> Federation:
    server.requests.clear()
    server.answer = None
    return server


def sign_in_url(federation: Federation, **options: Any) -> str:
    with httpx.Client(timeout=10) as http:
        return console_url(CREDS, http=http, federation_url=federation.url, **options)


def test_the_sign_in_url_carries_the_token_and_the_console_destination(federation: Federation) -> None:
    url = sign_in_url(federation)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == federation.url
    assert parse_qs(parts.query) == {
        "Action": ["login"],
        "Destination": ["https://console.aws.amazon.com/"],
        "SigninToken": ["TOKEN-123"],
    }
    assert len(federation.requests) == 1 and "SessionDuration" not in federation.requests[0]


def test_issuer_destination_and_session_duration_are_passed(federation: Federation) -> None:
    url = sign_in_url(
        federation,
        issuer="https://idp.example.test/",
        destination="https://console.aws.amazon.com/s3/",
        session_duration=43200,
    )
    query = parse_qs(urlsplit(url).query)
    assert query["Issuer"] == ["https://idp.example.test/"]
    assert query["Destination"] == ["https://console.aws.amazon.com/s3/"]
    assert federation.requests[0]["SessionDuration"] == ["43200"]


@pytest.mark.parametrize("seconds", [899, 43201])
def test_a_session_duration_out_of_range_sends_nothing(federation: Federation, seconds: int) -> None:
    with pytest.raises(ConfigError):
        sign_in_url(federation, session_duration=seconds)
    assert federation.requests == []
    sign_in_url(federation, session_duration=900)
    assert federation.requests[0]["SessionDuration"] == ["900"]


def test_refused_credentials_fail_without_echoing_secrets(federation: Federation) -> None:
    other = AwsCredentials(
        access_key_id="ASIAOTHER",
        secret_access_key="other-secret",
        session_token="t",
        expiration=CREDS.expiration,
        role_arn=CREDS.role_arn,
    )
    with httpx.Client(timeout=10) as http, pytest.raises(ConsoleSigninFailed) as info:
        console_url(other, http=http, federation_url=federation.url)
    assert info.value.code == "console_signin_failed" and "400" in str(info.value)
    assert "other-secret" not in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [JSONResponse({"Token": "x"}), Response("<html>"), JSONResponse({"SigninToken": "two words"})],
)
def test_an_answer_without_a_usable_token_fails(federation: Federation, answer: Response) -> None:
    federation.answer = answer
    with pytest.raises(ConsoleSigninFailed):
        sign_in_url(federation)


def test_an_unreachable_endpoint_fails_cleanly() -> None:
    from tests.conftest import free_port

    with httpx.Client(timeout=5) as http, pytest.raises(ConsoleSigninFailed) as info:
        console_url(CREDS, http=http, federation_url=f"http://127.0.0.1:{free_port()}/federation")
    assert "cannot reach" in str(info.value)


@pytest.mark.parametrize("url", ["http://signin.example.com/federation", "ftp://127.0.0.1/", "https://"])
def test_credentials_go_only_over_https_or_to_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        check_endpoint(url)
    assert check_endpoint("https://signin.example.com/federation")
    assert check_endpoint("http://127.0.0.1:1/federation") and check_endpoint("http://localhost:1/f")


@pytest.mark.parametrize(
    ("role", "federation", "console"),
    [
        (
            "arn:aws:iam::1:role/R",
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com/",
        ),
        (
            "arn:aws-cn:iam::1:role/R",
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn/",
        ),
        (
            "arn:aws-us-gov:iam::1:role/R",
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/",
        ),
    ],
)
def test_the_partition_of_the_role_picks_the_endpoint(role: str, federation: str, console: str) -> None:
    creds = AwsCredentials(
        access_key_id="a",
        secret_access_key="b",
        session_token="c",
        expiration=CREDS.expiration,
        role_arn=role,
    )
    assert endpoints_for(creds) == (federation, console)
    assert endpoints_for(creds, partition="aws") == (
        "https://signin.aws.amazon.com/federation",
        "https://console.aws.amazon.com/",
    )


def test_login_url_encodes_every_parameter() -> None:
    url = login_url(
        "https://signin.aws.amazon.com/federation", "a+b/c=", "https://console.aws.amazon.com/?x=1&y"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["SigninToken"] == ["a+b/c="]
    assert query["Destination"] == ["https://console.aws.amazon.com/?x=1&y"]


def test_a_federation_endpoint_that_answers_forever_is_cut_at_the_cap(endless_http: Any) -> None:
    with httpx.Client(timeout=10) as http, pytest.raises(ConsoleSigninFailed) as info:
        console_url(CREDS, http=http, federation_url=endless_http.url + "/federation")
    assert str(info.value.message) == "the federation endpoint's answer is larger than 65536 bytes"
