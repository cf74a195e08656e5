"""A console sign-in URL from temporary credentials, through the partition's federation endpoint.

Source: AWS.md section 6 (IAM User Guide, "Creating a URL that enables federated users to access the AWS
Management Console"): ``getSigninToken`` with the session JSON, then ``Action=login`` with the token.

Invariants this module owns:

* Rule 1: the session credentials go only to the federation endpoint of the credentials' partition, or to an
  explicit override that is https (or http on a loopback address, for tests).
* Rule 2: ``SessionDuration`` is sent only when asked for, and only within 900-43200 s.
* Rule 3: the returned URL is a bearer secret valid for 15 minutes; it goes to stdout only, never to logs.

Everything except ``fetch_signin_token`` (one HTTP GET through an injected ``httpx.Client``) is pure.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlencode

import httpx

from saml_core import SAMLError
from saml_core._bounded import read_chunks
from saml_core._url import check_url
from saml_core.errors import ConfigError

from ._exchange import MAX_DURATION
from ._exchange import MIN_DURATION
from ._exchange import AwsCredentials
from ._partitions import federation_endpoint
from ._partitions import partition_of_arn

MAX_TOKEN_RESPONSE = 64 * 1024


class ConsoleSigninFailed(SAMLError):
    """The federation endpoint refused the credentials or answered something else than a SigninToken."""

    code = "console_signin_failed"
    aws_error = None


def check_endpoint(url: str) -> str:
    """Rule 1 for an override: https anywhere, plain http only on loopback; a malformed URL is ConfigError."""
    parts = check_url(url, what="endpoint URL")
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http":
        try:
            if ipaddress.ip_address(host).is_loopback:
                return url
        except ValueError:
            if host == "localhost":
                return url
    raise ConfigError(f"refusing to send credentials to {url[:200]!r}: use https (http only on loopback)")


def endpoints_for(
    credentials: AwsCredentials, partition: str | None = None, federation_url: str | None = None
) -> tuple[str, str]:
    """(federation URL, default console destination) for the credentials' partition (AWS.md section 6)."""
    if partition is None:
        partition = partition_of_arn(credentials.role_arn).name if credentials.role_arn else "aws"
    if federation_url is not None:
        try:
            console = federation_endpoint(partition)[1]
        except ConfigError:
            console = "https://console.aws.amazon.com/"
        return check_endpoint(federation_url), console
    return federation_endpoint(partition)


def session_json(credentials: AwsCredentials) -> str:
    """Step 1: the session document."""
    return json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        },
        separators=(",", ":"),
    )


def signin_token_url(federation_url: str, credentials: AwsCredentials, session_duration: int | None) -> str:
    """Step 2's request URL (Rule 2)."""
    params: list[tuple[str, str]] = [("Action", "getSigninToken")]
    if session_duration is not None:
        if not MIN_DURATION <= session_duration <= MAX_DURATION:
            raise ConfigError(f"--session-duration must be {MIN_DURATION} to {MAX_DURATION} seconds")
        params.append(("SessionDuration", str(session_duration)))
    params.append(("Session", session_json(credentials)))
    return f"{federation_url}?{urlencode(params)}"


def parse_signin_token(status: int, body: bytes) -> str:
    """Step 2's answer: ``{"SigninToken": "..."}``; anything else raises ConsoleSigninFailed."""
    if status != 200:
        raise ConsoleSigninFailed(
            f"the federation endpoint answered HTTP {status}; the credentials were refused"
        )
    try:
        token = json.loads(body).get("SigninToken")
    except (ValueError, AttributeError) as error:
        raise ConsoleSigninFailed("the federation endpoint did not answer a JSON SigninToken") from error
    if not isinstance(token, str) or not token or any(ch.isspace() for ch in token):
        raise ConsoleSigninFailed("the federation endpoint did not answer a usable SigninToken")
    return token


def login_url(federation_url: str, token: str, destination: str, issuer: str | None = None) -> str:
    """Step 3: the sign-in URL (valid 15 minutes; Rule 3)."""
    params = [("Action", "login")]
    if issuer is not None:
        params.append(("Issuer", issuer))
    params += [("Destination", destination), ("SigninToken", token)]
    return f"{federation_url}?{urlencode(params)}"


def fetch_signin_token(
    http: httpx.Client, federation_url: str, credentials: AwsCredentials, session_duration: int | None = None
) -> str:
    """Step 2 over HTTP (the only IO in this module)."""
    url = signin_token_url(federation_url, credentials, session_duration)
    try:
        with http.stream("GET", url, follow_redirects=False) as answer:
            body = read_chunks(
                answer.iter_bytes(),
                limit=MAX_TOKEN_RESPONSE,
                what="the federation endpoint's answer",
                too_large=ConsoleSigninFailed,
            )
            return parse_signin_token(answer.status_code, body)
    except httpx.HTTPError as error:
        raise ConsoleSigninFailed(f"cannot reach the federation endpoint: {type(error).__name__}") from error


def console_url(
    credentials: AwsCredentials,
    *,
    http: httpx.Client,
    partition: str | None = None,
    federation_url: str | None = None,
    destination: str | None = None,
    issuer: str | None = None,
    session_duration: int | None = None,
) -> str:
    """The console sign-in URL for ``credentials`` (steps 1-3)."""
    federation, console = endpoints_for(credentials, partition, federation_url)
    token = fetch_signin_token(http, federation, credentials, session_duration)
    return login_url(federation, token, destination or console, issuer)
