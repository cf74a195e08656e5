"""Shared pieces of the AWS exchange tests: an IdP of the demo world, a local STS on 127.0.0.1, STS clients.

``NOW`` is the real time at import (seconds precision): the local STS checks SigV4 dates against the wall
clock the way AWS does, so a fixed date in the past would make every signed call fail. Everything else takes
``NOW`` explicitly, so a test never depends on when exactly it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from idp import AwsRole
from idp import IdentityProvider
from idp import IssuedResponse
from saml_core import KeyPair
from sp_adapter import LocalSTS
from sp_adapter import LocalStsConfig
from sp_adapter import Policy
from sp_adapter import StaticDirectory
from sp_adapter import Trust
from sp_adapter import ValidatedAssertion
from sp_adapter import validate_response

NOW = datetime.now(UTC).replace(microsecond=0)
ACCOUNT = "111111111111"
IDP_ENTITY = "https://idp.example.test/"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/DemoIdP"
READONLY = f"arn:aws:iam::{ACCOUNT}:role/ReadOnly"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Admin"
ASSUMED_READONLY = f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/alice"


@cache
def idp_keys() -> KeyPair:
    return KeyPair.generate(common_name="exchange tests IdP")


@cache
def other_keys() -> KeyPair:
    return KeyPair.generate(common_name="not the IdP")


def identity_provider(keys: KeyPair | None = None, entity_id: str = IDP_ENTITY) -> IdentityProvider:
    return IdentityProvider(entity_id, keys or idp_keys(), sso_url="https://idp.example.test/sso")


def metadata() -> bytes:
    return identity_provider().metadata()


def issue(
    *, roles: tuple[str, ...] = (READONLY,), provider: str = PROVIDER, **options: Any
) -> IssuedResponse:
    """A response for alice with ``roles`` (each paired with ``provider``), issued at ``NOW``."""
    values: dict[str, Any] = {"name_id": "alice", "session_name": "alice", "now": NOW}
    values.update(options)
    return identity_provider().issue_aws(roles=[AwsRole(role, provider) for role in roles], **values)


def validated(issued: IssuedResponse, **policy: Any) -> ValidatedAssertion:
    return validate_response(
        issued.b64, trust=Trust.from_metadata(metadata()), policy=Policy.aws(**policy), now=NOW
    )


@contextmanager
def local_sts(providers: Mapping[str, bytes] | None = None, **config: Any) -> Iterator[LocalSTS]:
    """A local STS with DemoIdP registered (the IdP above), clock fixed at NOW."""
    directory = config.pop("directory", None) or StaticDirectory(
        providers if providers is not None else {"DemoIdP": metadata()},
        max_session_duration=config.pop("max_session_duration", 3600),
    )
    settings: dict[str, Any] = {"clock": lambda: NOW}
    settings.update(config)
    with LocalSTS(LocalStsConfig(directory=directory, **settings)) as server:
        yield server


def unsigned_client(url: str) -> Any:
    return boto3.client(
        "sts", endpoint_url=url, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )


def signed_client(url: str, credentials: Mapping[str, Any]) -> Any:
    return boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def run_on_terminal(
    args: list[str], replies: list[tuple[bytes, bytes]], timeout: float = 60
) -> tuple[int, bytes, bytes]:
    """Run ``args`` with a pseudo-terminal as controlling terminal and stderr (stdin: /dev/null, stdout: a
    pipe); when the terminal shows each ``expect``, type its ``reply``.

    Returns (exit code, stdout, what the terminal showed)."""
    import fcntl
    import os
    import pty
    import subprocess
    import termios

    master, slave = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(  # noqa: S603 - our own console scripts
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, preexec_fn=take_terminal
    )
    os.close(slave)
    seen = b""
    try:
        for expect, reply in replies:
            while expect not in seen:
                seen += os.read(master, 4096)
            os.write(master, reply)
        out, _ = proc.communicate(timeout=timeout)
        try:
            while chunk := os.read(master, 4096):
                seen += chunk
        except OSError:
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, out, seen
