"""Credential outputs: every format, read back by its real consumer (botocore's credential_process and
shared-credentials providers, bash for ``env``), and the atomic 0600 credentials-file merge."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from saml_core.errors import ConfigError
from sp_adapter import AwsCredentials
from sp_adapter import render_credentials
from sp_adapter import write_profile
from sp_adapter._outputs import merge_profile

EXPIRES = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def creds(n: int = 1, secret: str | None = None) -> AwsCredentials:
    return AwsCredentials(
        access_key_id=f"ASIAEXAMPLE{n:09d}",
        secret_access_key=secret or f"secret/{n}+" + "x" * 30,
        session_token=f"token{n}==",
        expiration=EXPIRES,
        role_arn="arn:aws:iam::111111111111:role/ReadOnly",
        principal_arn="arn:aws:iam::111111111111:saml-provider/DemoIdP",
        assumed_role_arn="arn:aws:sts::111111111111:assumed-role/ReadOnly/alice",
        region="us-east-1",
    )


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return config, credentials


def botocore_reads(profile: str) -> Any:
    return boto3.session.Session(profile_name=profile).get_credentials().get_frozen_credentials()


def test_json_carries_the_credentials_and_where_they_came_from() -> None:
    data = json.loads(render_credentials(creds(), "json"))
    assert data == {
        "AccessKeyId": "ASIAEXAMPLE000000001",
        "SecretAccessKey": creds().secret_access_key,
        "SessionToken": "token1==",
        "Expiration": "2030-01-02T03:04:05Z",
        "RoleArn": "arn:aws:iam::111111111111:role/ReadOnly",
        "PrincipalArn": "arn:aws:iam::111111111111:saml-provider/DemoIdP",
        "AssumedRoleArn": "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice",
        "Region": "us-east-1",
    }
    assert AwsCredentials.from_json(data) == creds()


def test_credential_process_output_is_what_the_aws_sdk_reads(tmp_path: Path, aws_files: Any) -> None:
    output = tmp_path / "out.json"
    output.write_text(render_credentials(creds(), "credential-process"))
    data = json.loads(output.read_text())
    assert set(data) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert data["Version"] == 1 and data["Expiration"] == "2030-01-02T03:04:05Z"
    config, _ = aws_files
    config.write_text(
        f"[profile saml]\ncredential_process = {sys.executable} -c \"print(open('{output}').read())\"\n"
    )
    frozen = botocore_reads("saml")
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "ASIAEXAMPLE000000001",
        creds().secret_access_key,
        "token1==",
    )


def test_env_output_survives_the_shell_with_hostile_characters() -> None:
    hostile = creds(secret="a'b\"c$(touch /tmp/pwned)`x`;d\\e")
    script = render_credentials(hostile, "env") + 'printf "%s\\n%s" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout == f"{hostile.secret_access_key}\nus-east-1"
    assert render_credentials(creds(), "env").count("export ") == 5


def test_a_line_break_in_a_value_is_refused_everywhere_it_could_inject() -> None:
    broken = creds(secret="abc\n[default]\naws_access_key_id = EVIL")
    for fmt in ("env", "ini"):
        with pytest.raises(ConfigError):
            render_credentials(broken, fmt)
    assert "\n" not in render_credentials(creds(), "ini").splitlines()[2]


def test_ini_output_is_one_section_of_the_named_profile() -> None:
    text = render_credentials(creds(), "ini", "work")
    assert text.splitlines()[0] == "[work]"
    assert "aws_session_token = token1==" in text


@pytest.mark.parametrize("name", ["", "a]b", "a b", "a\nb", "x" * 129, "[x"])
def test_profile_names_that_would_break_the_file_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        write_profile(tmp_path / "credentials", name, creds())
    assert not (tmp_path / "credentials").exists()
    write_profile(tmp_path / "credentials", "fine-name_1", creds())
    assert (tmp_path / "credentials").exists()


EXISTING = """# my credentials, keep this comment
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = keep-me

[work]
region = eu-west-1
aws_access_key_id = OLD
aws_secret_access_key = OLD
aws_session_token = OLD
; a comment inside work
output = json

[other]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other-secret
"""


def test_merge_replaces_only_the_profiles_credential_keys() -> None:
    merged = merge_profile(EXISTING, "work", creds())
    assert merged.startswith(
        "# my credentials, keep this comment\n[default]\naws_access_key_id = AKIADEFAULT\n"
    )
    assert merged.endswith("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n")
    work = merged.split("[work]\n")[1].split("[other]")[0]
    assert "OLD" not in work
    assert "aws_access_key_id = ASIAEXAMPLE000000001\n" in work
    assert (
        "region = eu-west-1\n" in work and "; a comment inside work\n" in work and "output = json\n" in work
    )
    assert merge_profile(merged, "work", creds()) == merged  # idempotent


def test_merge_appends_a_missing_profile_and_handles_an_empty_file() -> None:
    merged = merge_profile(EXISTING, "new", creds())
    assert merged.startswith(EXISTING)
    assert merged[len(EXISTING) :].startswith("\n[new]\naws_access_key_id = ASIAEXAMPLE000000001\n")
    assert merge_profile("", "default", creds()).startswith("[default]\n")
    assert merge_profile("[a]\nk = v", "b", creds()).startswith("[a]\nk = v\n\n[b]\n")


def test_write_profile_is_0600_and_botocore_reads_it_while_other_profiles_survive(
    tmp_path: Path, aws_files: Any
) -> None:
    _, credentials = aws_files
    credentials.write_text(EXISTING)
    os.chmod(credentials, 0o644)
    write_profile(credentials, "work", creds(7))
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert botocore_reads("work").access_key == "ASIAEXAMPLE000000007"
    assert botocore_reads("work").token == "token7=="
    assert botocore_reads("other").access_key == "AKIAOTHER"
    assert botocore_reads("default").secret_key == "keep-me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".credentials")] == []  # no temp left


def test_a_new_credentials_file_and_its_folder_are_private(tmp_path: Path) -> None:
    target = tmp_path / "new" / ".aws" / "credentials"
    write_profile(target, "default", creds())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_a_symlinked_credentials_file_is_updated_at_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real-credentials"
    real.write_text("[keep]\nx = 1\n")
    link = tmp_path / "credentials"
    link.symlink_to(real)
    write_profile(link, "default", creds())
    assert link.is_symlink()
    assert "[keep]\nx = 1\n" in real.read_text() and "[default]" in real.read_text()


def test_a_file_that_is_not_utf8_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "credentials"
    target.write_bytes(b"[default]\n\xff\xfe\n")
    with pytest.raises(ConfigError):
        write_profile(target, "default", creds())
    assert target.read_bytes() == b"[default]\n\xff\xfe\n"


def test_concurrent_writers_keep_each_others_profiles(tmp_path: Path) -> None:
    target = tmp_path / "credentials"

    def writer(profile: str) -> None:
        for n in range(15):
            write_profile(target, profile, creds(n))

    threads = [threading.Thread(target=writer, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = target.read_text()
    assert all(f"[p{i}]" in text for i in range(4))
    assert text.count("aws_access_key_id = ASIAEXAMPLE000000014") == 4


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(ConfigError):
        render_credentials(creds(), "yaml")
