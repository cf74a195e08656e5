"""``saml-sp local-sts`` as a real process (files, or moto's IAM after a provider sync), and
``saml-sp console-url`` reading credentials from a file, a profile or the environment."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from sp_adapter.cli import main
from tests.conftest import stop_process
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import metadata
from tests.sp_adapter._aws_support import signed_client
from tests.sp_adapter._aws_support import unsigned_client
from tests.sp_adapter.test_console import CREDS
from tests.sp_adapter.test_console import Federation
from tests.sp_adapter.test_console import server  # noqa: F401 - the stand-in federation endpoint fixture

BIN = Path(sys.executable).parent


@contextmanager
def local_sts_process(*args: str) -> Iterator[str]:
    proc = subprocess.Popen(
        [str(BIN / "saml-sp"), "local-sts", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=30):
                raise RuntimeError("local-sts printed nothing")
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(
                f"local-sts exited: {proc.wait(5)} {proc.stderr.read() if proc.stderr else ''}"
            )
        yield json.loads(line)["endpoint_url"]
    finally:
        stop_process(proc)


def test_local_sts_process_with_a_metadata_file(tmp_path: Path) -> None:
    md = tmp_path / "idp.xml"
    md.write_bytes(metadata())
    with local_sts_process("--provider", f"DemoIdP={md}") as url:
        creds = unsigned_client(url).assume_role_with_saml(
            RoleArn=READONLY, PrincipalArn=PROVIDER, SAMLAssertion=issue(now=None).b64
        )["Credentials"]
        arn = signed_client(url, creds).get_caller_identity()["Arn"]
        assert arn == "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"
        with pytest.raises(ClientError) as info:
            unsigned_client(url).assume_role_with_saml(
                RoleArn=READONLY,
                PrincipalArn=PROVIDER,
                SAMLAssertion=issue(now=None, faults=("wrong-key",)).b64,
            )
        assert info.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_local_sts_process_reading_moto_iam(moto_reset: str) -> None:
    iam = boto3.client("iam", endpoint_url=moto_reset, region_name="us-east-1")
    arn = iam.create_saml_provider(Name="DemoIdP", SAMLMetadataDocument=metadata().decode())[
        "SAMLProviderArn"
    ]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithSAML"}
        ],
    }
    role = iam.create_role(RoleName="ReadOnly", AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    with local_sts_process("--iam-endpoint", moto_reset) as url:
        answer = unsigned_client(url).assume_role_with_saml(
            RoleArn=role, PrincipalArn=arn, SAMLAssertion=issue(now=None, roles=(role,), provider=arn).b64
        )
        assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/ReadOnly/alice"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((), "--provider"),
        (("--provider", "x=/nonexistent"), "nonexistent"),
        (("--provider", "bad"), "NAME="),
        (("--provider", "x=/dev/zero"), "/dev/zero is larger than 10000000 bytes"),
    ],
)
def test_local_sts_configuration_errors_exit_2(args: tuple[str, ...], fragment: str) -> None:
    result = CliRunner().invoke(main, ["local-sts", *args])
    assert result.exit_code == 2
    assert fragment in json.loads(result.stderr)["message"]


def test_local_sts_endless_provider_key_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "idp.xml"
    path.write_bytes(metadata())
    args = ["local-sts", "--provider", f"x={path}", "--provider-key", "x=/dev/zero"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == "/dev/zero is larger than 10000000 bytes"


# ----------------------------------------------------------------------------------------- console-url


def console(federation: Federation, *args: str, stdin: str | None = None, env: Any = None) -> Any:
    runner = CliRunner(env=env)
    return runner.invoke(main, ["console-url", "--federation-url", federation.url, *args], input=stdin)


def test_console_url_from_a_json_file(server: Federation, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(CREDS.to_json()))
    result = console(server, "--credentials", str(path))
    assert result.exit_code == 0, result.stderr
    assert parse_qs(urlsplit(result.stdout.strip()).query)["SigninToken"] == ["TOKEN-123"]


def test_console_url_from_credential_process_output_on_stdin(server: Federation) -> None:  # noqa: F811
    data = {**{k: v for k, v in CREDS.to_json().items() if k != "RoleArn"}, "Version": 1}
    result = console(server, "--credentials", "-", stdin=json.dumps(data))
    assert result.exit_code == 0, result.stderr


def test_console_url_from_a_profile_and_from_the_environment(server: Federation, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "credentials"
    path.write_text(
        f"[p]\naws_access_key_id = {CREDS.access_key_id}\naws_secret_access_key = {CREDS.secret_access_key}\n"
        f"aws_session_token = {CREDS.session_token}\n"
    )
    assert console(server, "--profile", "p", "--credentials-file", str(path)).exit_code == 0
    env = {
        "AWS_ACCESS_KEY_ID": CREDS.access_key_id,
        "AWS_SECRET_ACCESS_KEY": CREDS.secret_access_key,
        "AWS_SESSION_TOKEN": CREDS.session_token,
    }
    assert console(server, env=env).exit_code == 0
    assert console(server, env={**env, "AWS_SESSION_TOKEN": ""}).exit_code == 2


def test_console_url_refused_credentials_exit_1(server: Federation, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({**CREDS.to_json(), "SecretAccessKey": "wrong"}))
    result = console(server, "--credentials", str(path))
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"] == "console_signin_failed"
    assert "wrong" not in result.stderr


def test_console_url_bad_input_exit_2(server: Federation, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "creds.json"
    path.write_text("[1, 2]")
    assert console(server, "--credentials", str(path)).exit_code == 2
    assert (
        console(server, "--profile", "nope", "--credentials-file", str(tmp_path / "missing")).exit_code == 2
    )


def test_console_url_endless_or_binary_credentials_file_exit_2(server: Federation, tmp_path: Path) -> None:  # noqa: F811
    result = console(server, "--profile", "p", "--credentials-file", "/dev/zero")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == "/dev/zero is larger than 10000000 bytes"
    binary = tmp_path / "credentials"
    binary.write_bytes(b"[p]\naws_access_key_id = \xff\n")
    result = console(server, "--profile", "p", "--credentials-file", str(binary))
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == f"cannot read {binary}: UnicodeDecodeError"
