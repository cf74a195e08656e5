"""``saml-idp issue`` and ``saml-idp faults``: output, options, config use, exit 2 with one line on error."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from idp import FAULTS
from idp.cli import main
from saml_core import NS
from saml_core import KeyPair
from saml_core import decrypt_element
from saml_core import parse_xml
from saml_core import verify_enveloped
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_SESSION_DURATION
from tests.idp.conftest import ADMIN
from tests.idp.conftest import READ_ONLY

ENTITY = "https://idp.example.test/"
NOW = "2026-11-28T12:00:00Z"


@pytest.fixture
def key_files(tmp_path: Path, rsa_keys: KeyPair, sp_keys: KeyPair) -> dict[str, Path]:
    files = {"key": tmp_path / "idp.key", "cert": tmp_path / "idp.crt", "sp": tmp_path / "sp.crt"}
    files["key"].write_bytes(rsa_keys.key_pem)
    files["cert"].write_bytes(rsa_keys.cert_pem)
    files["sp"].write_bytes(sp_keys.cert_pem)
    return files


@pytest.fixture
def config_file(tmp_path: Path, key_files: dict[str, Path]) -> Path:
    path = tmp_path / "idp.toml"
    path.write_text(
        f"""
[idp]
entity_id = "{ENTITY}"
keys = [{{key = "idp.key", cert = "idp.crt"}}]
[[users]]
name = "alice"
password = "alice-password"
name_id = "alice@example.test"
tags = {{ Department = "Engineering" }}
session_duration = 7200
roles = ["{READ_ONLY.value}", "{ADMIN.value}"]
[[service_providers]]
name = "app"
entity_id = "https://app.example.test/"
acs_url = "https://app.example.test/acs"
encrypt_cert = "sp.crt"
sign = "response"
"""
    )
    return path


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _key_args(files: dict[str, Path]) -> list[str]:
    return ["--key", str(files["key"]), "--cert", str(files["cert"]), "--entity-id", ENTITY]


def _attributes(root: object) -> dict[str, list[str]]:
    assertion = root.find(NS.saml("Assertion"))  # type: ignore[attr-defined]
    return {a.get("Name"): [v.text for v in a] for a in assertion.find(NS.saml("AttributeStatement"))}


def test_issue_prints_base64_of_a_signed_response(key_files: dict[str, Path], rsa_keys: KeyPair) -> None:
    result = _run(
        "issue",
        *_key_args(key_files),
        "--name-id",
        "alice",
        "--role",
        READ_ONLY.value,
        "--session-name",
        "alice",
        "--tag",
        "Team=blue=green",
        "--session-duration",
        "3600",
        "--now",
        NOW,
    )
    assert result.exit_code == 0, result.stderr
    root = parse_xml(base64.b64decode(result.stdout.strip(), validate=True))
    verify_enveloped(root, [rsa_keys.trusted])
    assert root.get("IssueInstant") == NOW
    attributes = _attributes(root)
    assert attributes[AWS_ROLE] == [READ_ONLY.value]
    assert attributes[AWS_PRINCIPAL_TAG_PREFIX + "Team"] == ["blue=green"]
    assert attributes[AWS_SESSION_DURATION] == ["3600"]


def test_issue_xml_generic_sp(key_files: dict[str, Path]) -> None:
    result = _run(
        "issue",
        *_key_args(key_files),
        "--name-id",
        "alice",
        "--recipient",
        "https://sp.example.test/acs",
        "--audience",
        "urn:sp",
        "--attribute",
        "groups=a",
        "--attribute",
        "groups=b",
        "--sign",
        "assertion",
        "--xml",
    )
    assert result.exit_code == 0, result.stderr
    root = parse_xml(result.stdout.strip().encode())
    assert root.get("Destination") == "https://sp.example.test/acs"
    assert root.find(NS.ds("Signature")) is None
    assert _attributes(root) == {"groups": ["a", "b"]}


def test_issue_from_config_user(config_file: Path) -> None:
    result = _run("issue", "--config", str(config_file), "--user", "alice", "--xml", "--region", "eu-west-1")
    assert result.exit_code == 0, result.stderr
    root = parse_xml(result.stdout.strip().encode())
    assert root.get("Destination") == "https://eu-west-1.signin.aws.amazon.com/saml"
    attributes = _attributes(root)
    assert attributes[AWS_ROLE] == [READ_ONLY.value, ADMIN.value]
    assert attributes[AWS_PRINCIPAL_TAG_PREFIX + "Department"] == ["Engineering"]
    assert attributes[AWS_SESSION_DURATION] == ["7200"]
    assert root.find(NS.saml("Assertion")).find(NS.saml("Subject"))[0].text == "alice@example.test"


def test_issue_from_config_user_and_options_override(config_file: Path) -> None:
    result = _run(
        "issue",
        "--config",
        str(config_file),
        "--user",
        "alice",
        "--role",
        READ_ONLY.value,
        "--session-duration",
        "900",
        "--xml",
    )
    attributes = _attributes(parse_xml(result.stdout.strip().encode()))
    assert (attributes[AWS_ROLE], attributes[AWS_SESSION_DURATION]) == ([READ_ONLY.value], ["900"])


def test_issue_to_config_sp_encrypts(config_file: Path, sp_keys: KeyPair, rsa_keys: KeyPair) -> None:
    result = _run("issue", "--config", str(config_file), "--sp", "app", "--name-id", "alice", "--xml")
    assert result.exit_code == 0, result.stderr
    root = parse_xml(result.stdout.strip().encode())
    assert root.get("Destination") == "https://app.example.test/acs"
    verify_enveloped(root, [rsa_keys.trusted])
    plain = decrypt_element(root.find(NS.saml("EncryptedAssertion")), [sp_keys])
    assert plain.find(NS.ds("Signature")) is None  # the SP's sign = "response"


def test_issue_with_fault(key_files: dict[str, Path]) -> None:
    result = _run(
        "issue",
        *_key_args(key_files),
        "--name-id",
        "alice",
        "--role",
        READ_ONLY.value,
        "--fault",
        "expired",
        "--fault",
        "wrong-audience",
        "--now",
        NOW,
        "--xml",
    )
    assert result.exit_code == 0, result.stderr
    root = parse_xml(result.stdout.strip().encode())
    assert root.get("IssueInstant") == "2026-11-28T11:00:00Z"
    conditions = root.find(NS.saml("Assertion")).find(NS.saml("Conditions"))
    assert conditions[0][0].text == "https://wrong-audience.example.test/"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name-id", "a"], "give --config FILE, or --key PEM --cert PEM --entity-id URI"),
        (["KEYS", "--role", READ_ONLY.value], "give --user NAME (with --config) or --name-id VALUE"),
        (
            ["KEYS", "--name-id", "a"],
            "without --role, give --recipient and --audience (or --sp) for a generic SP",
        ),
        (["KEYS", "--name-id", "alice", "--role", "nope"], "a role is 'ROLE_ARN,PROVIDER_ARN'"),
        (
            ["KEYS", "--name-id", "a b", "--role", READ_ONLY.value],
            "RoleSessionName in AuthnResponse must match",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--session-duration", "60"],
            "SessionDuration must be an integer from 900 to 43200 seconds, got 60",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--tag", "novalue"],
            "--tag takes KEY=VALUE",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--fault", "nope"],
            "unknown fault 'nope'",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--now", "yesterday"],
            "--now must be an ISO 8601",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--region", "mars-1"],
            "'mars-1' is not an AWS region",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--encrypt-cert", "/nonexistent.pem"],
            "No such file or directory",
        ),
        (["KEYS", "--name-id", "a", "--user", "alice"], "--user needs --config"),
        (["KEYS", "--name-id", "a", "--lifetime", "0"], "Invalid value for '--lifetime'"),
        (["KEYS", "--name-id", "a", "--sign", "half"], "Invalid value for '--sign'"),
        (["KEYS", "--name-id", "a", "--bogus"], "No such option '--bogus'"),
        (["--key", "/nonexistent.key", "--cert", "/x", "--entity-id", "e", "--name-id", "a"], "No such file"),
        # regressions: these were tracebacks (OverflowError; lxml's ValueError)
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--now", "9999-12-31T23:59:59Z"],
            "from 1971-01-01T00:00:00Z to 9899-12-31T23:59:59Z; got '9999-12-31T23:59:59Z'",
        ),
        (
            ["KEYS", "--name-id", "alice", "--role", READ_ONLY.value, "--now", "0001-01-01T00:00:00Z"],
            "from 1971-01-01T00:00:00Z to 9899-12-31T23:59:59Z; got '0001-01-01T00:00:00Z'",
        ),
        (
            ["KEYS", "--entity-id", "x\x01", "--name-id", "alice", "--role", READ_ONLY.value],
            "the entity ID contains characters XML cannot carry",
        ),
        (
            [
                "KEYS",
                "--name-id",
                "a",
                "--audience",
                "u",
                "--recipient",
                "https://sp/",
                "--name-id-format",
                "\x02",
            ],
            "name_id_format contains characters XML cannot carry",
        ),
    ],
)
def test_bad_options_one_json_line_exit_2(key_files: dict[str, Path], args: list[str], message: str) -> None:
    expanded = [a for arg in args for a in (_key_args(key_files) if arg == "KEYS" else [arg])]
    result = _run("issue", *expanded, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    error = json.loads(lines[0])
    assert message in error["message"]
    assert error["error"] in {"config_error", "aws_attribute_invalid", "idp_error", "key_invalid"}


def test_config_errors_exit_2(config_file: Path) -> None:
    result = _run("issue", "--config", str(config_file), "--user", "mallory", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == f"no user 'mallory' in {config_file}"
    ok = _run("issue", "--config", str(config_file), "--user", "alice")
    assert ok.exit_code == 0 and base64.b64decode(ok.stdout.strip())


@pytest.mark.parametrize("number", range(1, 9))
def test_xsw_faults_also_answer_to_the_interfaces_md_spelling(
    key_files: dict[str, Path], number: int
) -> None:
    # INTERFACES.md names the family xsw-*; the catalogue names are xsw1..xsw8: both are accepted
    common = [*_key_args(key_files), "--name-id", "alice", "--role", READ_ONLY.value, "--now", NOW]
    common += ["--sequential-ids", "--xml"]
    alias = _run("issue", *common, "--fault", f"xsw-{number}")
    name = _run("issue", *common, "--fault", f"xsw{number}")
    assert alias.exit_code == 0, alias.stderr
    assert name.exit_code == 0, name.stderr
    assert alias.stdout == name.stdout
    listed = {line.split()[0]: line for line in _run("faults").stdout.splitlines()}
    assert f"(alias: xsw-{number})" in listed[f"xsw{number}"]


def test_faults_lists_the_catalogue() -> None:
    result = _run("faults")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(FAULTS)
    assert len(lines) >= 20
    assert all(FAULTS[line.split()[0]].description in line for line in lines)


def test_real_console_script_no_traceback(key_files: dict[str, Path]) -> None:
    script = Path(sys.executable).parent / "saml-idp"
    proc = subprocess.run(
        [str(script), "issue", *_key_args(key_files), "--name-id", "a", "--lifetime", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert json.loads(proc.stderr)["error"] == "config_error"  # stderr is not a terminal: JSON
    good = subprocess.run(
        [str(script), "issue", *_key_args(key_files), "--name-id", "alice", "--role", READ_ONLY.value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0 and base64.b64decode(good.stdout.strip(), validate=True).startswith(
        b"<samlp:Response"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "--bogus"], "No such option '--bogus'"),
        (["serve", "--port", "0"], "Invalid value for '--port'"),
        (["serve", "--log-level", "loud"], "Invalid value for '--log-level'"),
        (
            ["serve", "--config", "idp.toml", "--aws-acs-url", "http://127.0.0.1:9/acs"],
            "--aws-acs-url applies",
        ),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_usage_errors_of_every_command_are_one_json_line(args: list[str], message: str) -> None:
    # the shared click integration (saml_core._cli.OneLineErrorsGroup), not click's "Usage:" block
    result = _run(*args)
    assert result.exit_code == 2
    assert "Usage:" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    error = json.loads(result.stderr)
    assert error["error"] == "config_error" and message in error["message"]


@pytest.mark.parametrize("option", ["--key", "--cert", "--encrypt-cert"])
def test_an_endless_key_file_is_exit_2_not_an_oom_kill(key_files: dict[str, Path], option: str) -> None:
    args = dict(zip(_key_args(key_files)[::2], _key_args(key_files)[1::2], strict=True))
    args[option] = "/dev/zero"
    flat = [item for pair in args.items() for item in pair]
    result = _run("issue", *flat, "--name-id", "a", "--audience", "urn:x", "--recipient", "https://sp/acs")
    assert result.exit_code == 2
    assert json.loads(result.stderr) == {
        "aws_error": None,
        "error": "config_error",
        "message": "/dev/zero is larger than 10000000 bytes",
    }


def test_an_endless_config_file_is_exit_2() -> None:
    result = _run("issue", "--config", "/dev/zero", "--user", "alice")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == "/dev/zero is larger than 10000000 bytes"
