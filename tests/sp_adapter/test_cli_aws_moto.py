"""``saml-sp exchange`` against moto's server over HTTP: every output format, the credentials-file merge and
the cache, each read back and used for GetCallerIdentity. moto echoes fixed Issuer/Subject values, hence
``--no-answer-check`` (allowed only with ``--endpoint-url``)."""

from __future__ import annotations

import configparser
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from saml_core import format_instant
from sp_adapter.cli import main
from tests.sp_adapter._aws_support import NOW
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import metadata
from tests.sp_adapter._aws_support import signed_client

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ReadOnly"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/DemoIdP"
ASSUMED = f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/alice"


@pytest.fixture
def md(tmp_path: Path) -> Path:
    path = tmp_path / "idp-metadata.xml"
    path.write_bytes(metadata())
    return path


def exchange(moto: str, md: Path, *extra: str) -> Result:
    args = ["exchange", "--idp-metadata", str(md), "--now", format_instant(NOW), "--endpoint-url", moto]
    b64 = issue(roles=(ROLE,), provider=PROVIDER).b64
    return CliRunner().invoke(
        main, [*args, "--no-answer-check", *extra, "-"], input=b64, catch_exceptions=False
    )


def caller(moto: str, creds: dict[str, Any]) -> str:
    return str(signed_client(moto, creds).get_caller_identity()["Arn"])


def from_env(text: str) -> dict[str, str]:
    script = text + 'printf "%s\\n%s\\n%s" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    key, secret, token = out.split("\n")
    return {"AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token}


def from_ini(text: str, profile: str = "default") -> dict[str, str]:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    section = parser[profile]
    return {
        "AccessKeyId": section["aws_access_key_id"],
        "SecretAccessKey": section["aws_secret_access_key"],
        "SessionToken": section["aws_session_token"],
    }


@pytest.mark.parametrize("fmt", ["json", "credential-process", "env", "ini"])
def test_every_format_gives_credentials_moto_knows(moto_reset: str, md: Path, fmt: str) -> None:
    result = exchange(moto_reset, md, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    readers = {"json": json.loads, "credential-process": json.loads, "env": from_env, "ini": from_ini}
    assert caller(moto_reset, readers[fmt](result.stdout)) == ASSUMED


def test_the_answer_check_refuses_motos_echo_without_the_flag(moto_reset: str, md: Path) -> None:
    args = ["exchange", "--idp-metadata", str(md), "--now", format_instant(NOW), "--endpoint-url", moto_reset]
    b64 = issue(roles=(ROLE,), provider=PROVIDER).b64
    result = CliRunner().invoke(main, [*args, "-"], input=b64)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(result.stderr)["error"] == "unsigned_content"


def test_credentials_file_merge_keeps_other_profiles(moto_reset: str, md: Path, tmp_path: Path) -> None:
    target = tmp_path / "credentials"
    target.write_text(
        "[default]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keep\n\n[work]\nregion = x\n"
    )
    for _ in range(2):  # the second run replaces the first one's keys
        result = exchange(moto_reset, md, "--profile", "work", "--credentials-file", str(target))
        assert result.exit_code == 0, result.stderr
    text = target.read_text()
    assert text.startswith("[default]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keep\n")
    assert text.count("aws_access_key_id") == 2 and "region = x" in text
    assert caller(moto_reset, from_ini(text, "work")) == ASSUMED


def test_the_cache_returns_the_first_credentials_until_they_near_expiry(
    moto_reset: str, md: Path, tmp_path: Path
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = json.loads(exchange(moto_reset, md, *cache).stdout)
    second = json.loads(exchange(moto_reset, md, *cache).stdout)
    uncached = json.loads(exchange(moto_reset, md).stdout)
    assert first["AccessKeyId"] == second["AccessKeyId"] != uncached["AccessKeyId"]
    assert caller(moto_reset, second) == ASSUMED


def test_env_output_is_eval_friendly(moto_reset: str, md: Path) -> None:
    text = exchange(moto_reset, md, "--format", "env").stdout
    assert all(shlex.split(line)[0] == "export" for line in text.splitlines())
