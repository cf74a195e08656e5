"""saml-metadata commands end to end (in-process through click): output, exit codes 0/1/2, one-line errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

import metadata
from metadata.cli import main
from saml_core import KeyPair
from tests.metadata.conftest import GOLDEN
from tests.metadata.conftest import NOW

NOW_ARG = ["--now", "2026-06-01T12:00:00Z"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--json", *args], catch_exceptions=False)


def error_of(result: Result) -> dict[str, str]:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    data = json.loads(lines[0])
    assert "Traceback" not in result.stderr
    return data


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    names = {}
    for name in ("idp", "idp-new", "weak-1024", "expired"):
        for ext in ("key", "crt"):
            target = tmp_path / f"{name}.{ext}"
            target.write_bytes((GOLDEN / f"{name}.{ext}").read_bytes())
            names[f"{name}.{ext}"] = str(target)
    return names


def _idp_file(tmp_path: Path, files: dict[str, str], *extra: str) -> str:
    out = tmp_path / "idp-metadata.xml"
    result = run(
        "idp",
        "--entity-id",
        "https://idp.example.test/",
        "--sso-url",
        "http://127.0.0.1:8000/sso",
        "--cert",
        files["idp.crt"],
        "--valid-days",
        "7",
        *NOW_ARG,
        "--out",
        str(out),
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    return str(out)


# ------------------------------------------------------------------------------------------------ keygen


def test_keygen_writes_0600_key_and_refuses_to_overwrite(tmp_path: Path) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    result = run("keygen", "--key-out", str(key), "--cert-out", str(cert), "--common-name", "idp.test")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    keys = KeyPair.from_files(str(key), str(cert))
    assert report["sha256"] == keys.trusted.fingerprint_sha256
    before = key.read_bytes()
    again = run("keygen", "--key-out", str(key), "--cert-out", str(cert))
    assert again.exit_code == 2
    assert error_of(again)["error"] == "config_error"
    assert key.read_bytes() == before
    forced = run(
        "keygen", "--key-out", str(key), "--cert-out", str(cert), "--force", "--algorithm", "ec-p256"
    )
    assert forced.exit_code == 0 and key.read_bytes() != before
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert KeyPair.from_files(str(key), str(cert)).kind == "ec"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# ------------------------------------------------------------------------------------------ idp / sp / aws-sp


def test_idp_rollover_publishes_both_certificates(tmp_path: Path, files: dict[str, str]) -> None:
    path = _idp_file(tmp_path, files, "--cert", files["idp-new.crt"])
    model = metadata.parse(Path(path).read_bytes())
    assert isinstance(model, metadata.EntityDescriptor)
    assert len(model.signing_keys()) == 2
    assert model.valid_until is not None and model.valid_until.isoformat().startswith("2026-06-08")


def test_idp_signed_then_verified(tmp_path: Path, files: dict[str, str]) -> None:
    path = _idp_file(tmp_path, files, "--sign-key", files["idp.key"], "--sign-cert", files["idp.crt"])
    ok = run("verify", path, "--cert", files["idp.crt"], *NOW_ARG)
    assert ok.exit_code == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["valid"] is True and report["entity_ids"] == ["https://idp.example.test/"]
    assert (
        report["signed_by"]
        == KeyPair.from_files(files["idp.key"], files["idp.crt"]).trusted.fingerprint_sha256
    )


def test_sign_command_then_verify_and_tamper(tmp_path: Path, files: dict[str, str]) -> None:
    path = _idp_file(tmp_path, files)
    signed = tmp_path / "signed.xml"
    assert (
        run(
            "sign", path, "--key", files["idp.key"], "--cert", files["idp.crt"], "--out", str(signed)
        ).exit_code
        == 0
    )
    assert run("verify", str(signed), "--cert", files["idp.crt"], *NOW_ARG).exit_code == 0
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.read_bytes().replace(b"127.0.0.1:8000", b"evil.example:8000"))
    bad = run("verify", str(tampered), "--cert", files["idp.crt"], *NOW_ARG)
    assert bad.exit_code == 1
    assert error_of(bad)["error"] == "signature_invalid"
    late = run("verify", str(signed), "--cert", files["idp.crt"], "--now", "2026-07-01T00:00:00Z")
    assert late.exit_code == 1 and error_of(late)["error"] == "metadata_expired"
    unsigned = run("verify", path, "--cert", files["idp.crt"], *NOW_ARG)
    assert unsigned.exit_code == 1 and error_of(unsigned)["error"] == "signature_missing"


def test_sign_needs_both_key_and_cert(tmp_path: Path, files: dict[str, str]) -> None:
    path = _idp_file(tmp_path, files)
    result = run("idp", "--entity-id", "x:y", "--sso-url", "https://x/sso", "--cert", path, "--sign-key", "k")
    assert result.exit_code == 2
    assert run("sign", path, "--key", files["idp.key"]).exit_code == 2


def test_sp_command(tmp_path: Path, files: dict[str, str]) -> None:
    result = run(
        "sp",
        "--entity-id",
        "https://sp.example.test/",
        "--acs-url",
        "http://127.0.0.1:9000/acs",
        "--cert",
        files["idp.crt"],
        "--want-assertions-signed",
    )
    assert result.exit_code == 0, result.stderr
    model = metadata.parse(result.stdout_bytes)
    assert isinstance(model, metadata.EntityDescriptor) and model.sp is not None
    assert model.sp.want_assertions_signed is True
    assert model.sp.assertion_consumer_services[0].location == "http://127.0.0.1:9000/acs"


@pytest.mark.parametrize(
    ("args", "entity", "acs"),
    [
        ([], "urn:amazon:webservices", "https://signin.aws.amazon.com/saml"),
        (["--region", "us-east-1"], "urn:amazon:webservices", "https://signin.aws.amazon.com/saml"),
        (["--region", "eu-west-1"], "urn:amazon:webservices", "https://eu-west-1.signin.aws.amazon.com/saml"),
        (
            ["--region", "eu-west-1", "--provider-uuid", "ABCDEFGHIJKLMNOPQRSTUV"],
            "urn:amazon:webservices",
            "https://eu-west-1.signin.aws.amazon.com/saml/acs/ABCDEFGHIJKLMNOPQRSTUV",
        ),
        (["--partition", "aws-cn"], "urn:amazon:webservices:cn-north-1", "https://signin.amazonaws.cn/saml"),
        (
            ["--partition", "aws-us-gov"],
            "urn:amazon:webservices:govcloud",
            "https://signin.amazonaws-us-gov.com/saml",
        ),
    ],
)
def test_aws_sp(args: list[str], entity: str, acs: str) -> None:
    result = run("aws-sp", *args)
    assert result.exit_code == 0, result.stderr
    model = metadata.parse(result.stdout_bytes)
    assert isinstance(model, metadata.EntityDescriptor) and model.sp is not None
    assert model.entity_id == entity
    default = model.sp.default_acs()
    assert default is not None and default.location == acs and default.is_post


@pytest.mark.parametrize(
    "args",
    [
        ["--partition", "aws-cn", "--region", "eu-west-1"],
        ["--region", "mars"],
        ["--provider-uuid", "lower-case"],
    ],
)
def test_aws_sp_refuses_bad_arguments(args: list[str]) -> None:
    result = run("aws-sp", *args)
    assert result.exit_code == 2
    assert error_of(result)["error"] == "config_error"


# ------------------------------------------------------------------------------------------ inspect / diff


def test_inspect_command(tmp_path: Path, files: dict[str, str]) -> None:
    path = _idp_file(tmp_path, files, "--cert", files["expired.crt"])
    result = run("inspect", path, *NOW_ARG)
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [w["code"] for w in report["warnings"]] == ["metadata_expiring", "certificate_expired"]
    strict = run("inspect", path, "--strict", *NOW_ARG)
    assert strict.exit_code == 1
    clean = run("inspect", _idp_file(tmp_path, files, "--valid-days", "365"), "--strict", *NOW_ARG)
    assert clean.exit_code == 0, clean.stdout


def test_diff_command_exit_codes(tmp_path: Path, files: dict[str, str]) -> None:
    old = tmp_path / "old.xml"
    old.write_bytes(Path(_idp_file(tmp_path, files)).read_bytes())
    same = run("diff", str(old), str(old))
    assert same.exit_code == 0 and json.loads(same.stdout)["impact"] == "none"
    new = _idp_file(tmp_path, files, "--cert", files["idp-new.crt"])
    changed = run("diff", str(old), new)
    assert changed.exit_code == 1
    assert json.loads(changed.stdout)["impact"] == "compatible"
    broken = run("diff", str(old), str(tmp_path / "missing.xml"))
    assert broken.exit_code == 2 and error_of(broken)["error"] == "config_error"


# ------------------------------------------------------------------------------------------ bad input


def test_bad_input_is_one_line_exit_1(tmp_path: Path, files: dict[str, str]) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"<not-closed")
    result = run("inspect", str(junk))
    assert result.exit_code == 1
    assert error_of(result)["error"] == "malformed_xml"
    response = tmp_path / "response.xml"
    response.write_bytes(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>')
    assert error_of(run("inspect", str(response)))["error"] == "not_metadata"


def test_endless_input_is_too_large_without_reading_it_all() -> None:
    # /dev/zero never ends: the file read stops one byte past IAM's 10,000,000-character limit
    result = run("inspect", "/dev/zero")
    assert result.exit_code == 1
    assert error_of(result) == {
        "aws_error": "ValidationError",
        "error": "too_large",
        "message": "/dev/zero is larger than 10000000 bytes",
    }
    piped = CliRunner().invoke(main, ["--json", "inspect", "-"], input=b"<" * 10_000_001)
    assert piped.exit_code == 1 and "stdin is larger than 10000000 bytes" in piped.stderr


def test_human_error_line_without_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_bad_now_is_a_usage_error(tmp_path: Path, files: dict[str, str]) -> None:
    result = run("inspect", _idp_file(tmp_path, files), "--now", "yesterday")
    assert result.exit_code == 2 and error_of(result)["error"] == "config_error"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["idp", "--bogus"], "No such option '--bogus'"),
        (["idp", "--entity-id", "x:y", "--cert", "{cert}"], "Missing option '--sso-url'"),
        (
            ["keygen", "--key-out", "k", "--cert-out", "c", "--algorithm", "dsa"],
            "Invalid value for '--algorithm'",
        ),
        (["inspect"], "Missing argument 'FILE'"),
        (["no-such-command"], "No such command 'no-such-command'"),
        # click.UsageError raised by the commands themselves
        (
            [
                "idp",
                "--entity-id",
                "x:y",
                "--sso-url",
                "https://x/sso",
                "--cert",
                "{cert}",
                "--sign-key",
                "{key}",
            ],
            "give both the key and the certificate to sign with",
        ),
        (["aws-sync", "--metadata", "{cert}"], "give --metadata and --provider-name (or --config)"),
    ],
)
def test_usage_errors_are_one_json_line_exit_2(files: dict[str, str], args: list[str], message: str) -> None:
    # click's own "Usage: ... Error: ..." block used to reach stderr in spite of --json
    filled = [arg.format(cert=files["idp.crt"], key=files["idp.key"]) for arg in args]
    for prefix in (["--json"], []):  # CliRunner's stderr is not a terminal: JSON without --json too
        result = CliRunner().invoke(main, [*prefix, *filled])
        assert result.exit_code == 2
        assert "Usage:" not in result.stderr
        error = error_of(result)
        assert error["error"] == "config_error" and message in error["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["idp", "--entity-id", "x\x01", "--sso-url", "https://idp.example.test/sso", "--cert", "{cert}"],
        ["idp", "--entity-id", "urn:x", "--sso-url", "https://idp.example.test/sso\x01", "--cert", "{cert}"],
        ["sp", "--entity-id", "x\x01", "--acs-url", "https://sp.example.test/acs"],
        ["sp", "--entity-id", "urn:sp", "--acs-url", "https://sp.example.test/acs\x1f"],
    ],
    ids=["idp-entity-id", "idp-sso-url", "sp-entity-id", "sp-acs-url"],
)
def test_a_control_character_in_a_value_is_exit_2(files: dict[str, str], args: list[str]) -> None:
    # lxml refused it with a ValueError traceback
    result = run(*[arg.format(cert=files["idp.crt"]) for arg in args])
    assert result.exit_code == 2
    error = error_of(result)
    assert error["error"] == "config_error" and "a character XML cannot carry" in error["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["aws-sync", "--metadata", "{md}", "--provider-name", "DemoIdP", "--endpoint-url", "http://[::1/x"],
        [
            "trust-policy",
            "--provider-arn",
            "arn:aws:iam::111111111111:saml-provider/DemoIdP",
            "--check",
            "ReadOnly",
            "--endpoint-url",
            "http://[::1/x",
        ],
        ["fetch", "http://[::1/x", "--cert", "{cert}"],
    ],
    ids=["aws-sync", "trust-policy-check", "fetch"],
)
def test_a_malformed_url_is_exit_2(tmp_path: Path, files: dict[str, str], args: list[str]) -> None:
    # urllib's ValueError "Invalid IPv6 URL" (botocore) and httpx.InvalidURL were tracebacks
    filled = [arg.format(md=_idp_file(tmp_path, files), cert=files["idp.crt"]) for arg in args]
    result = run(*filled)
    assert result.exit_code == 2
    error = error_of(result)
    assert error["error"] == "config_error"
    assert "'http://[::1/x' is not a valid URL: Invalid IPv6 URL" in error["message"]


def test_bad_flag_values_are_exit_2_not_a_verdict(files: dict[str, str]) -> None:
    # docs/metadata.md: a bad flag value is exit 2 (these were metadata_invalid / fetch_failed, exit 1)
    duration = run(
        "idp",
        *("--entity-id", "urn:x", "--sso-url", "https://x/sso", "--cert", files["idp.crt"]),
        *("--cache-duration", "bogus"),
    )
    assert duration.exit_code == 2
    error = error_of(duration)
    assert error["error"] == "config_error"
    assert "Invalid value for '--cache-duration': not an xs:duration: 'bogus'" in error["message"]
    scheme = run("fetch", "ftp://x", "--cert", files["idp.crt"])
    assert scheme.exit_code == 2
    assert error_of(scheme) == {
        "aws_error": None,
        "error": "config_error",
        "message": "URL 'ftp://x' must start with http:// or https://",
    }


def test_trust_policy_command() -> None:
    result = run(
        "trust-policy", "--provider-arn", "arn:aws:iam::111111111111:saml-provider/DemoIdP", "--tags"
    )
    assert result.exit_code == 0
    policy = json.loads(result.stdout)
    statement = policy["Statement"][0]
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Condition"]["StringEquals"]["SAML:aud"] == ["https://signin.aws.amazon.com/saml"]
    bad = run("trust-policy", "--provider-arn", "arn:aws:iam::1:role/x")
    assert bad.exit_code == 2 and error_of(bad)["error"] == "config_error"


def test_help_texts_name_the_exit_codes() -> None:
    assert "Exit 0 valid, 1 not" in CliRunner().invoke(main, ["verify", "--help"]).stdout
    assert "Exit 0: nothing; 1: changes" in CliRunner().invoke(main, ["diff", "--help"]).stdout
    assert NOW.year == 2026


@pytest.mark.parametrize(
    "args",
    [
        ("aws-sync", "--config", "/dev/zero"),
        ("trust-policy", "--provider-arn", "arn:aws:iam::1:saml-provider/X", "--idp-config", "/dev/zero"),
    ],
    ids=["fleet-config", "idp-config"],
)
def test_endless_configuration_files_are_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert error_of(result)["message"] == "/dev/zero is larger than 10000000 bytes"
