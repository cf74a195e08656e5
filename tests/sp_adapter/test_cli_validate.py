"""saml-sp validate: flags, validated-assertion JSON on stdout, errors on stderr, exit codes 0/1/2.

Most cases run in-process through click's runner; the console script itself runs once per stream mode
(stdin pipe, non-TTY stderr) as a subprocess.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from metadata import build_idp_metadata
from sp_adapter.cli import main
from tests.conftest import ROOT
from tests.sp_adapter import _fixtures as fx

NOW = "2026-03-01T12:00:00Z"
SCRIPT = ROOT / ".venv" / "bin" / "saml-sp"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "cert": tmp_path / "idp.crt",
        "metadata": tmp_path / "idp-metadata.xml",
        "response": tmp_path / "response.b64",
        "xml": tmp_path / "response.xml",
        "encrypted": tmp_path / "encrypted.xml",
        "sp_key": tmp_path / "sp.key",
        "sp_pem": tmp_path / "sp.pem",
    }
    paths["cert"].write_bytes(fx.idp_keys().cert_pem)
    paths["metadata"].write_bytes(
        build_idp_metadata(entity_id=fx.IDP, sso_url=fx.IDP + "sso", signing_certs=[fx.idp_keys().cert_pem])
    )
    paths["response"].write_text(fx.f0_b64("RA") + "\n")
    paths["xml"].write_bytes(fx.f0("RA"))
    paths["encrypted"].write_bytes(fx.f0("ERA"))
    paths["sp_key"].write_bytes(fx.sp_keys().key_pem)
    paths["sp_pem"].write_bytes(fx.sp_keys().key_pem + fx.sp_keys().cert_pem)
    return paths


def run(*args: str | Path, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["validate", *map(str, args)], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def pinned(files: dict[str, Path]) -> list[str | Path]:
    return ["--idp-cert", files["cert"], "--issuer", fx.IDP, "--aws", "--now", NOW]


def test_valid_response_prints_the_assertion_json(files: dict[str, Path]) -> None:
    code, out, err = run(*pinned(files), files["response"])
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["name_id"] == fx.NAME_ID
    assert document["issuer"] == fx.IDP
    assert document["aws"]["roles"] == [{"role_arn": fx.READONLY, "principal_arn": fx.PROVIDER}]
    assert document["replay_checked"] is False
    assert set(document) >= {
        "issuer",
        "name_id",
        "name_id_format",
        "session_index",
        "not_on_or_after",
        "audiences",
        "recipient",
        "in_response_to",
        "attributes",
        "aws",
    }


def test_raw_xml_and_metadata_trust(files: dict[str, Path]) -> None:
    code, out, _ = run("--idp-metadata", files["metadata"], "--aws", "--now", NOW, files["xml"])
    assert code == 0 and json.loads(out)["issuer"] == fx.IDP


def test_stdin_input_with_dash_and_by_default(files: dict[str, Path]) -> None:
    data = files["response"].read_bytes()
    assert run(*pinned(files), "-", stdin=data)[0] == 0
    assert run(*pinned(files), stdin=data)[0] == 0


def test_rejection_exits_1_with_json_error(files: dict[str, Path]) -> None:
    code, out, err = run(*pinned(files)[:-1], "2026-03-01T13:00:00Z", "--json", files["response"])
    assert (code, out) == (1, "")
    error = json.loads(err)
    assert error["error"] == "expired"
    assert error["aws_error"] == "ExpiredTokenException"
    assert "NotOnOrAfter" in error["message"]


def test_signature_errors_stay_generic(files: dict[str, Path]) -> None:
    tampered = fx.parse(fx.f0("A"))
    fx.evil(tampered)
    files["xml"].write_bytes(fx.serialize(tampered))
    code, _, err = run(*pinned(files), "--json", files["xml"])
    assert code == 1
    assert json.loads(err) == {
        "error": "signature_invalid",
        "aws_error": "InvalidIdentityToken",
        "message": "Response signature invalid",
    }


def test_generic_sp_flags(files: dict[str, Path]) -> None:
    base = ["--idp-cert", files["cert"], "--issuer", fx.IDP, "--now", NOW]
    ok = run(*base, "--audience", fx.AUDIENCE, "--recipient", fx.ACS, files["response"])
    assert ok[0] == 0
    wrong = run(
        *base, "--audience", "https://sp.example/", "--recipient", fx.ACS, "--json", files["response"]
    )
    assert wrong[0] == 1 and json.loads(wrong[2])["error"] == "audience_mismatch"


def test_in_response_to_and_clock_skew(files: dict[str, Path]) -> None:
    assert run(*pinned(files), "--in-response-to", fx.REQUEST_ID, files["response"])[0] == 0
    code, _, err = run(*pinned(files), "--in-response-to", "_other", "--json", files["response"])
    assert code == 1 and json.loads(err)["error"] == "in_response_to_mismatch"
    late = ["--idp-cert", files["cert"], "--issuer", fx.IDP, "--aws", "--now", "2026-03-01T12:06:00Z"]
    assert run(*late, files["response"])[0] == 0  # 60 s after NotOnOrAfter, within 180 s
    assert run(*late, "--clock-skew", "30", files["response"])[0] == 1


def test_decrypt_key_with_and_without_certificate(files: dict[str, Path]) -> None:
    for key in (files["sp_key"], files["sp_pem"]):
        code, out, _ = run(*pinned(files), "--decrypt-key", key, files["encrypted"])
        assert code == 0 and json.loads(out)["name_id"] == fx.NAME_ID
    code, _, err = run(*pinned(files), "--json", files["encrypted"])
    assert code == 1 and json.loads(err)["error"] == "decryption_failed"


def test_allow_sha1_and_min_rsa_bits_flags(files: dict[str, Path], tmp_path: Path) -> None:
    from saml_core import KeyPair
    from saml_core.constants import DigestMethod
    from saml_core.constants import SignatureMethod

    weak = KeyPair.generate("rsa-1024", now=fx.NOW)  # type: ignore[arg-type]
    (tmp_path / "weak.crt").write_bytes(weak.cert_pem)
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), weak, method=SignatureMethod.RSA_SHA1, digest=DigestMethod.SHA1)
    files["xml"].write_bytes(fx.serialize(response))
    base = ["--idp-cert", tmp_path / "weak.crt", "--issuer", fx.IDP, "--aws", "--now", NOW, "--json"]
    assert json.loads(run(*base, files["xml"])[2])["error"] == "algorithm_forbidden"
    assert json.loads(run(*base, "--allow-sha1", files["xml"])[2])["error"] == "weak_key"
    assert run(*base, "--allow-sha1", "--min-rsa-bits", "1024", files["xml"])[0] == 0


def test_replay_cache_flag(files: dict[str, Path], tmp_path: Path) -> None:
    cache = f"sqlite:///{tmp_path}/replay.db"
    code, out, _ = run(*pinned(files), "--replay-cache", cache, files["response"])
    assert code == 0 and json.loads(out)["replay_checked"] is True
    code, _, err = run(*pinned(files), "--replay-cache", cache, "--json", files["response"])
    assert code == 1 and json.loads(err)["error"] == "replayed"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--aws"], "no trusted IdP"),
        (["--idp-cert", "{cert}", "--aws"], "--issuer"),
        (["--issuer", fx.IDP, "--aws", "--idp-metadata", "{metadata}"], "--issuer needs --idp-cert"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP], "--aws"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--audience", "x"], "do not combine"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--now", "yesterday"], "--now"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--region", "moon-1"], "region"),
        (["--idp-cert", "{missing}", "--issuer", fx.IDP, "--aws"], "missing"),
        (["--idp-cert", "{response}", "--issuer", fx.IDP, "--aws"], "certificate"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--decrypt-key", "{cert}"], "key"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--replay-cache", "ftp://x"], "replay"),
        # regressions: these were tracebacks (OverflowError, ValueError "Invalid IPv6 URL")
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--now", "0001-01-01T00:00:00Z"], "1971"),
        (["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--now", "9999-12-31T23:59:59Z"], "9899"),
        (
            ["--idp-cert", "{cert}", "--issuer", fx.IDP, "--aws", "--replay-cache", "redis://[::1/0"],
            "redis URL 'redis://[::1/0' is not a valid URL",
        ),
    ],
)
def test_configuration_errors_exit_2(
    files: dict[str, Path], tmp_path: Path, args: list[str], fragment: str
) -> None:
    values = {name: str(path) for name, path in files.items()} | {"missing": str(tmp_path / "missing.crt")}
    filled = [arg.format(**values) for arg in args]
    code, out, err = run(*filled, "--json", files["response"])
    assert (code, out) == (2, "")
    error = json.loads(err)
    assert error["error"] in ("config_error", "key_invalid")
    assert fragment.lower() in error["message"].lower()


def test_usage_errors_exit_2(files: dict[str, Path]) -> None:
    assert run(*pinned(files), "--clock-skew", "601", files["response"])[0] == 2
    assert run(*pinned(files), "--no-such-flag")[0] == 2
    assert run(*pinned(files), files["response"].with_name("absent.b64"))[0] == 2


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--no-such-flag"], "No such option '--no-such-flag'"),
        (["--clock-skew", "601"], "Invalid value for '--clock-skew'"),
        (["--min-rsa-bits", "many"], "Invalid value for '--min-rsa-bits'"),
        (["--issuer"], "Option '--issuer' requires an argument"),
    ],
)
def test_click_usage_errors_follow_the_error_contract(
    files: dict[str, Path], args: list[str], fragment: str
) -> None:
    # click's own "Usage: ... Error: ..." block used to reach stderr, even with --json or a pipe
    for extra in (["--json"], []):  # CliRunner's stderr is not a terminal: JSON either way
        code, out, err = run(*pinned(files), *extra, *args)
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1, err
        error = json.loads(err)
        assert error["error"] == "config_error" and error["aws_error"] is None
        assert fragment in error["message"] and " validate --help'" in error["message"]


def test_click_usage_errors_of_the_console_script_are_json_on_a_pipe() -> None:
    for args in (["validate", "--no-such-flag"], ["no-such-command"]):
        done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert "Usage:" not in done.stderr
        assert json.loads(done.stderr)["error"] == "config_error"


def test_garbage_input_is_a_clean_rejection(files: dict[str, Path]) -> None:
    for data in (b"", b"%%%not base64%%%", b"<unclosed", base64.b64encode(b"\x00\x01")):
        code, out, err = run(*pinned(files), "--json", "-", stdin=data)
        assert (code, out) == (1, "")
        assert json.loads(err)["error"] == "malformed_xml"
        assert "Traceback" not in err


def test_console_script_reads_stdin_and_writes_json_errors_when_not_a_tty(files: dict[str, Path]) -> None:
    args = [
        str(SCRIPT),
        "validate",
        "--idp-cert",
        str(files["cert"]),
        "--issuer",
        fx.IDP,
        "--aws",
        "--now",
        NOW,
    ]
    ok = subprocess.run(args, input=files["response"].read_bytes(), capture_output=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["name_id"] == fx.NAME_ID
    bad = subprocess.run(args, input=b"AAAA", capture_output=True, timeout=60)
    assert bad.returncode == 1
    assert json.loads(bad.stderr)["error"] == "malformed_xml"  # stderr is a pipe: JSON without --json
    assert bad.stdout == b""


def test_endless_input_is_too_large_without_reading_it_all(files: dict[str, Path]) -> None:
    # /dev/zero never ends: the CLI reads one byte past its cap and answers too_large (R1), exit 1
    code, out, err = run(*pinned(files), "--json", "/dev/zero")
    assert (code, out) == (1, "")
    assert json.loads(err) == {
        "aws_error": "ValidationError",
        "error": "too_large",
        "message": "/dev/zero is larger than 1048576 bytes",
    }
    # under the cap, the policy's own limit still decides, with the real size in its message
    code, out, err = run(*pinned(files), "--json", "-", stdin=b"A" * 200_000)
    assert code == 1 and "200000 characters; the limit is 100000" in json.loads(err)["message"]


def test_endless_trust_file_is_a_configuration_error() -> None:
    code, out, err = run("--idp-metadata", "/dev/zero", "--aws", "--json", "-", stdin=b"AAAA")
    assert (code, out) == (2, "")
    assert json.loads(err)["message"] == "/dev/zero is larger than 10000000 bytes"
