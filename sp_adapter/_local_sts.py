"""``saml-sp local-sts``: an STS Query-API endpoint that checks SAML assertions like AWS, for test suites.

moto's STS accepts any assertion; this one verifies the signature against the provider's metadata (through
``validate_response`` with ``Policy.aws()``), Recipient/Audience, times, the AWS attribute rules, the
(RoleArn, PrincipalArn) pair, the role's trust policy and MaxSessionDuration, replays, and the request's model
constraints, and answers with AWS's XML shapes and error codes so boto3 raises the same ``ClientError``s
(AWS.md section 7). The credentials it mints work for ``GetCallerIdentity`` against it, with SigV4 verified.

Invariants this module owns:

* Rule 1: the checks run in a fixed order: request model, provider, role, duration, assertion (the
  validator), Role pair, trust policy, replay, and only then are credentials minted; a failure at any step
  leaves no state behind except the replay record of a fully valid assertion.
* Rule 2: provider metadata and roles come only from the configured directory (files, or an IAM endpoint).
* Rule 3: no exception escapes as a traceback: every answer is an STS XML document.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import format_instant
from saml_core import utcnow
from saml_core._cli import host_port
from saml_core.aws import valid_provider_uuid
from saml_core.errors import ConfigError

from . import _local_sts_checks as checks
from . import _local_sts_sigv4 as sigv4
from ._errors import ValidationError
from ._local_sts_directory import Directory
from ._local_sts_wire import API_VERSION
from ._local_sts_wire import MAX_BODY
from ._local_sts_wire import Members
from ._local_sts_wire import StsFault
from ._local_sts_wire import parse_params
from ._local_sts_wire import render_error
from ._local_sts_wire import render_result
from ._partitions import partition_of_arn
from ._policy import Policy
from ._replay import MemoryReplayCache
from ._replay import ReplayCache
from ._result import ValidatedAssertion
from ._trust import Trust
from ._validate import validate_response
from .sts import RoleRecord
from .sts import SamlProviderRecord

LOG = logging.getLogger("sp_adapter.local_sts")
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalStsConfig:
    """How a local STS behaves."""

    directory: Directory
    """Providers and roles (Rule 2)."""
    replay_cache: ReplayCache | None = field(default_factory=MemoryReplayCache)
    """Each assertion is accepted once (on by default); None turns replay protection off."""
    clock: Callable[[], datetime] = utcnow
    """The time used for every check; tests inject a fixed one."""
    random_bytes: Callable[[int], bytes] = secrets.token_bytes
    """Where minted keys come from."""
    clock_skew: int = 180
    """Seconds of tolerance in the assertion's time checks."""
    decryption_keys: Mapping[str, tuple[KeyPair, ...]] = field(default_factory=dict)
    """Per provider ARN, the private keys AWS would hold for it (IAM AddPrivateKey): EncryptedAssertions
    addressed to that provider are decrypted with them. A provider without keys refuses encrypted ones."""


@dataclass(frozen=True, slots=True)
class _Session:
    secret: str
    token: str
    expiration: datetime
    arn: str
    user_id: str
    account: str


@lru_cache(maxsize=64)
def _trust_for(metadata: bytes) -> Trust:
    return Trust.from_metadata(metadata)


class LocalStsState:
    """The STS itself, without HTTP: the checks (Rule 1) and the credentials it minted."""

    def __init__(self, config: LocalStsConfig) -> None:
        self.config = config
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self.requests_seen = 0

    def assume_role_with_saml(self, params: Mapping[str, str]) -> Members:
        """AssumeRoleWithSAML, in the order of Rule 1."""
        now = self.config.clock()
        request = checks.parse_assume_params(params)
        provider = self.config.directory.provider(request.principal_arn)
        if provider is None:
            raise StsFault("InvalidIdentityToken", "Specified provider doesn't exist.")
        role = self.config.directory.role(request.role_arn)
        if role is None:
            raise StsFault("AccessDenied", checks.NOT_AUTHORIZED)
        if request.duration_seconds is not None and request.duration_seconds > role.max_session_duration:
            raise StsFault("ValidationError", checks.MAX_DURATION_MESSAGE)
        assertion = self._validate(request.saml_assertion, provider, request.role_arn, now)
        checks.check_role_pair(assertion, request.role_arn, request.principal_arn)
        account, provider_name = provider.arn.split(":")[4], provider.arn.rsplit("/", 1)[-1]
        if role.trust_policy is not None:
            context = checks.saml_context(assertion, account, provider_name)
            checks.check_trust_policy(
                role.trust_policy, provider.arn, checks.required_actions(assertion), context
            )
        packed = checks.packed_policy_size(assertion, request.policy)
        self._check_replay(assertion, now)
        seconds = checks.session_seconds(request.duration_seconds, assertion, now)
        return self._mint(assertion, role, seconds, now, packed, account, provider_name)

    def _validate(
        self, data: str, provider: SamlProviderRecord, role_arn: str, now: datetime
    ) -> ValidatedAssertion:
        try:
            uuid_ok = provider.uuid is not None and valid_provider_uuid(provider.uuid)
            policy = Policy.aws(
                partition=partition_of_arn(role_arn).name,
                provider_uuid=provider.uuid if uuid_ok else None,
                encryption_required=provider.encryption_required and uuid_ok,
                clock_skew=self.config.clock_skew,
            )
            trust = _trust_for(provider.metadata)
        except ConfigError as error:
            LOG.warning("provider %s unusable: %s", provider.arn, error.message)
            raise StsFault("InvalidIdentityToken", "Could not parse metadata.") from None
        try:
            keys = self.config.decryption_keys.get(provider.arn, ())
            return validate_response(data, trust=trust, policy=policy, now=now, decrypt_keys=keys)
        except ValidationError as error:
            LOG.info("assertion rejected: %s (%s)", error.code, error.detail)
            raise checks.fault_for(error) from None

    def _check_replay(self, assertion: ValidatedAssertion, now: datetime) -> None:
        cache = self.config.replay_cache
        if cache is None:
            return
        expires = assertion.not_on_or_after + timedelta(seconds=self.config.clock_skew)
        if not cache.check_and_set(f"assertion:{assertion.issuer}#{assertion.assertion_id}", expires, now):
            raise StsFault("InvalidIdentityToken", "The SAML assertion has already been used")

    def _mint(
        self,
        assertion: ValidatedAssertion,
        role: RoleRecord,
        seconds: int,
        now: datetime,
        packed: int | None,
        account: str,
        provider_name: str,
    ) -> Members:
        aws = assertion.aws
        session_name = aws.role_session_name if aws is not None and aws.role_session_name else "session"
        access_key_id, secret, token = checks.mint_keys(self.config.random_bytes)
        expiration = (now + timedelta(seconds=seconds)).replace(microsecond=0)
        arn = checks.assumed_role_arn(role.arn, session_name)
        user_id = f"{role.role_id}:{session_name}"
        with self._lock:
            forgotten = now - FORGET_AFTER  # long-expired keys become unknown rather than piling up
            for key in [k for k, v in self._sessions.items() if v.expiration < forgotten]:
                del self._sessions[key]
            self._sessions[access_key_id] = _Session(
                secret, token, expiration, arn, user_id, role.arn.split(":")[4]
            )
        return {
            "Credentials": {
                "AccessKeyId": access_key_id,
                "SecretAccessKey": secret,
                "SessionToken": token,
                "Expiration": format_instant(expiration),
            },
            "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn},
            "PackedPolicySize": packed,
            "Subject": assertion.name_id,
            "SubjectType": checks.subject_type(assertion.name_id_format),
            "Issuer": assertion.issuer,
            "Audience": assertion.recipient,
            "NameQualifier": checks.name_qualifier(assertion.issuer, account, provider_name),
            "SourceIdentity": aws.source_identity if aws is not None else None,
        }

    def get_caller_identity(
        self, *, method: str, path: str, raw_query: str, headers: Mapping[str, Sequence[str]], body: bytes
    ) -> Members:
        """GetCallerIdentity for credentials this STS minted, SigV4-verified."""
        now = self.config.clock()
        auth = sigv4.parse_authorization(next(iter(headers.get("authorization", ())), None))
        with self._lock:
            session = self._sessions.get(auth.access_key_id)
        invalid = StsFault("InvalidClientTokenId", "The security token included in the request is invalid.")
        tokens = [token.encode() for token in headers.get("x-amz-security-token", ())]
        if session is None or len(tokens) != 1 or not hmac.compare_digest(tokens[0], session.token.encode()):
            raise invalid
        if now >= session.expiration:
            raise StsFault("ExpiredToken", "The security token included in the request is expired")
        sigv4.verify(
            method=method,
            path=path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            auth=auth,
            secret=session.secret,
            now=now,
        )
        return {"UserId": session.user_id, "Account": session.account, "Arn": session.arn}


async def _read_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise StsFault("ValidationError", f"Request body is larger than {MAX_BODY} bytes")
    return body


async def _dispatch(state: LocalStsState, request: Request) -> tuple[str, Members]:
    body = await _read_body(request)
    query = request.scope.get("query_string", b"")
    params = parse_params(body, query)
    action = params.get("Action")
    if not action:
        raise StsFault("MissingAction", "Missing Action")
    if params.get("Version") != API_VERSION:
        raise StsFault(
            "InvalidAction",
            f"Could not find operation {action[:64]} for version "
            f"{params.get('Version', 'NO_VERSION_SPECIFIED')[:32]}",
        )
    if action == "AssumeRoleWithSAML":
        return action, await run_in_threadpool(state.assume_role_with_saml, params)
    if action == "GetCallerIdentity":
        headers = {key: request.headers.getlist(key) for key in request.headers.keys()}
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        return action, state.get_caller_identity(
            method=request.method,
            path=raw_path.decode("latin-1"),
            raw_query=query.decode("latin-1"),
            headers=headers,
            body=body,
        )
    raise StsFault("InvalidAction", f"Could not find operation {action[:64]} for version {API_VERSION}")


def create_local_sts_app(config: LocalStsConfig, state: LocalStsState | None = None) -> Starlette:
    """The ASGI app; every path answers the Query API (boto3 posts to ``endpoint_url`` + ``/``)."""
    sts = state if state is not None else LocalStsState(config)

    async def endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        sts.requests_seen += 1
        try:
            action, members = await _dispatch(sts, request)
            LOG.info("%s ok", action)
            return Response(render_result(action, members, request_id), 200, media_type="text/xml")
        except StsFault as fault:
            LOG.info("error %s: %s", fault.code, fault.message)
            return Response(render_error(fault, request_id), fault.status, media_type="text/xml")
        except SAMLError as error:  # an IAM lookup failed: our side, not the caller's
            LOG.error("internal failure: %s", error.detail)
        except Exception:  # Rule 3: the edge never lets a traceback out
            LOG.exception("internal failure")
        internal = StsFault("InternalFailure", "The request processing failed because of an unknown error")
        return Response(render_error(internal, request_id), internal.status, media_type="text/xml")

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])


class LocalSTS:
    """Run a local STS on 127.0.0.1 in a background thread: ``with LocalSTS(config) as sts: sts.url``.

    ``port=0`` picks a free port. ``requests_seen`` counts the HTTP requests it received.
    """

    def __init__(self, config: LocalStsConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = LocalStsState(config)
        self._app = create_local_sts_app(config, self.state)
        self._host, self._port = host, port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the local STS is not running")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host_port(host, port)}"

    @property
    def requests_seen(self) -> int:
        return self.state.requests_seen

    def __enter__(self) -> LocalSTS:
        # IPPROTO_TCP, not 0: asyncio then sets TCP_NODELAY (no 40 ms delayed-ACK stalls per request)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._socket = sock
        self._server = uvicorn.Server(uvicorn.Config(self._app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the local STS did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = None
