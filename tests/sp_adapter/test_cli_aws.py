"""``saml-sp exchange`` against the local STS: validation first (a tampered response never reaches STS), every
output format, the credentials file, exit codes and the one-line JSON errors."""

from __future__ import annotations

import base64
import io
import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from saml_core import format_instant
from sp_adapter import AwsRolePair
from sp_adapter._cli_aws import prompt_role
from sp_adapter.cli import main
from tests.sp_adapter._aws_support import ADMIN
from tests.sp_adapter._aws_support import ASSUMED_READONLY
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import metadata
from tests.sp_adapter._aws_support import run_on_terminal
from tests.sp_adapter._aws_support import signed_client

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def sts() -> Iterator[Any]:
    with local_sts(replay_cache=None) as server:
        yield server


@pytest.fixture
def md(tmp_path: Path) -> Path:
    path = tmp_path / "idp-metadata.xml"
    path.write_bytes(metadata())
    return path


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def exchange(sts: Any, md: Path, b64: str, *extra: str) -> Result:
    return run(
        "exchange",
        "--idp-metadata",
        str(md),
        "--now",
        format_instant(NOW),
        "--endpoint-url",
        sts.url,
        *extra,
        "-",
        stdin=b64,
    )


def error_of(result: Result) -> dict[str, Any]:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return dict(json.loads(lines[0]))


def test_exchange_prints_credentials_that_work(sts: Any, md: Path) -> None:
    result = exchange(sts, md, issue().b64)
    assert result.exit_code == 0, result.stderr
    creds = json.loads(result.stdout)
    assert creds["AssumedRoleArn"] == ASSUMED_READONLY and creds["Region"] == "us-east-1"
    assert creds["Expiration"] == format_instant(NOW + timedelta(hours=1))
    assert signed_client(sts.url, creds).get_caller_identity()["Arn"] == ASSUMED_READONLY


def test_a_tampered_response_is_rejected_before_any_request_is_sent(sts: Any, md: Path) -> None:
    xml = issue().xml
    tampered = base64.b64encode(xml.replace(b">alice</saml:NameID>", b">admin</saml:NameID>")).decode()
    assert tampered != base64.b64encode(xml).decode()
    before = sts.requests_seen
    result = exchange(sts, md, tampered)
    assert result.exit_code == 1
    assert error_of(result) == {
        "error": "signature_invalid",
        "aws_error": "InvalidIdentityToken",
        "message": "Response signature invalid",
    }
    assert result.stdout == ""
    assert sts.requests_seen == before  # STS never saw it
    assert exchange(sts, md, issue().b64).exit_code == 0
    assert sts.requests_seen == before + 1  # the twin did reach it


def test_a_tampered_response_never_leaves_the_saml_sp_process(sts: Any, md: Path, tmp_path: Path) -> None:
    xml = issue().xml.replace(b">alice</saml:NameID>", b">admin</saml:NameID>")
    (tmp_path / "tampered.xml").write_bytes(xml)
    before = sts.requests_seen
    done = subprocess.run(
        [
            str(BIN / "saml-sp"),
            "exchange",
            "--idp-metadata",
            str(md),
            "--now",
            format_instant(NOW),
            "--endpoint-url",
            sts.url,
            str(tmp_path / "tampered.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert json.loads(done.stderr)["error"] == "signature_invalid"
    assert "Traceback" not in done.stderr
    assert sts.requests_seen == before


@pytest.mark.parametrize("fmt", ["env", "ini", "credential-process"])
def test_every_output_format(sts: Any, md: Path, fmt: str) -> None:
    result = exchange(sts, md, issue().b64, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    if fmt == "env":
        assert "export AWS_ACCESS_KEY_ID=ASIA" in out and "export AWS_SESSION_TOKEN=" in out
    elif fmt == "ini":
        assert out.startswith("[default]\naws_access_key_id = ASIA")
    else:
        data = json.loads(out)
        assert data["Version"] == 1 and data["AccessKeyId"].startswith("ASIA")
        assert data["Expiration"] == format_instant(NOW + timedelta(hours=1))


def test_profile_goes_into_the_credentials_file_and_stdout_has_no_secret(
    sts: Any, md: Path, tmp_path: Path
) -> None:
    target = tmp_path / "credentials"
    target.write_text("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep\n")
    result = exchange(sts, md, issue().b64, "--profile", "work", "--credentials-file", str(target))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["profile"] == "work" and summary["assumed_role_arn"] == ASSUMED_READONLY
    assert "SecretAccessKey" not in result.stdout and "aws_secret" not in result.stdout
    text = target.read_text()
    assert text.startswith("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep\n")
    assert "[work]\naws_access_key_id = ASIA" in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_several_roles_without_role_arn_and_without_a_terminal_is_a_usage_error(sts: Any, md: Path) -> None:
    b64 = issue(roles=(READONLY, ADMIN)).b64
    result = exchange(sts, md, b64)
    assert result.exit_code == 2
    error = error_of(result)
    assert error["error"] == "config_error" and READONLY in error["message"] and ADMIN in error["message"]
    assert exchange(sts, md, b64, "--role-arn", READONLY).exit_code == 0


def test_a_role_the_assertion_does_not_offer_is_rejected(sts: Any, md: Path) -> None:
    before = sts.requests_seen
    result = exchange(sts, md, issue().b64, "--role-arn", ADMIN)
    assert result.exit_code == 1
    assert (error_of(result)["error"], error_of(result)["aws_error"]) == (
        "aws_role_not_allowed",
        "AccessDenied",
    )
    assert sts.requests_seen == before


def test_sts_refusing_is_exit_1_with_the_aws_code(md: Path, tmp_path: Path) -> None:
    with local_sts({"SomeoneElse": metadata()}) as server:
        result = exchange(server, md, issue().b64)
        assert result.exit_code == 1
        assert error_of(result) == {
            "error": "sts_rejected",
            "aws_error": "InvalidIdentityToken",
            "message": "Specified provider doesn't exist.",
        }


def test_over_the_roles_maximum_is_retried_at_the_maximum(sts: Any, md: Path) -> None:
    result = exchange(sts, md, issue().b64, "--duration", "7200")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["Expiration"] == format_instant(NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--duration", "60"), "--duration"),
        (("--no-answer-check",), "--endpoint-url"),
        (("--profile", "bad name"), "profile"),
        (("--region", "cn-north-1"), "partition"),
    ],
)
def test_usage_errors_exit_2(md: Path, args: tuple[str, ...], fragment: str) -> None:
    result = run(
        "exchange", "--idp-metadata", str(md), "--now", format_instant(NOW), *args, "-", stdin=issue().b64
    )
    assert result.exit_code == 2
    assert fragment in error_of(result)["message"]


BAD_URL = "http://[::1/x"  # urllib: ValueError "Invalid IPv6 URL"; httpx: InvalidURL


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (("exchange", "--endpoint-url", BAD_URL, "-"), "the STS endpoint URL"),
        (("login", "--idp-url", BAD_URL, "--username", "alice", "--password-stdin"), "endpoint URL"),
        (("console-url", "--credentials", "-", "--federation-url", BAD_URL), "endpoint URL"),
        (("local-sts", "--iam-endpoint", BAD_URL), "the IAM endpoint URL"),
    ],
    ids=["exchange", "login", "console-url", "local-sts"],
)
def test_a_malformed_url_is_exit_2_not_a_traceback(md: Path, command: tuple[str, ...], fragment: str) -> None:
    stdin = {
        "exchange": issue().b64,
        "login": "alice-password\n",
        "console-url": json.dumps(
            {
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": "2030-01-01T00:00:00Z",
            }
        ),
    }.get(command[0])
    extra = ("--idp-metadata", str(md), "--now", format_instant(NOW)) if command[0] == "exchange" else ()
    result = run(command[0], *extra, *command[1:], stdin=stdin)
    assert result.exit_code == 2, result.stderr
    error = error_of(result)
    assert error["error"] == "config_error"
    assert error["message"] == f"{fragment} {BAD_URL!r} is not a valid URL: Invalid IPv6 URL"


def test_an_invalid_response_is_exit_1_and_never_a_traceback(sts: Any, md: Path) -> None:
    result = exchange(sts, md, "not base64 at all!")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert error_of(result)["error"] == "malformed_xml"


def test_the_cache_serves_the_same_credentials_without_calling_sts(
    sts: Any, md: Path, tmp_path: Path
) -> None:
    cache = str(tmp_path / "cache")
    first = exchange(sts, md, issue().b64, "--cache-dir", cache)
    before = sts.requests_seen
    second = exchange(sts, md, issue().b64, "--cache-dir", cache)
    assert first.exit_code == second.exit_code == 0
    assert json.loads(first.stdout)["AccessKeyId"] == json.loads(second.stdout)["AccessKeyId"]
    assert sts.requests_seen == before
    third = exchange(sts, md, issue().b64)
    assert json.loads(third.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]


def test_prompt_role_reads_a_number_and_writes_only_to_its_stream() -> None:
    roles = (AwsRolePair(READONLY, PROVIDER), AwsRolePair(ADMIN, PROVIDER))
    out = io.StringIO()
    assert prompt_role(roles, io.StringIO("x\n2\n"), out) == roles[1]
    assert "[1] " + READONLY in out.getvalue() and "[2] " + ADMIN in out.getvalue()
    from saml_core.errors import ConfigError

    with pytest.raises(ConfigError):
        prompt_role(roles, io.StringIO("9\n0\nabc\n"), io.StringIO())


def test_several_roles_on_a_terminal_are_offered_on_dev_tty_not_stdout(
    sts: Any, md: Path, tmp_path: Path
) -> None:
    response = tmp_path / "response.b64"
    response.write_text(issue(roles=(READONLY, ADMIN)).b64)
    args = [
        str(BIN / "saml-sp"),
        "exchange",
        "--idp-metadata",
        str(md),
        "--now",
        format_instant(NOW),
        "--endpoint-url",
        sts.url,
        str(response),
    ]
    code, out, terminal = run_on_terminal(args, [(b"Role to assume", b"2\n")])
    assert code == 0
    assert b"[1] " + READONLY.encode() in terminal and b"[2] " + ADMIN.encode() in terminal
    creds = json.loads(out)
    assert creds["RoleArn"] == ADMIN and b"Role to assume" not in out
