"""A handful of catalogue cases through the real command line, ``saml-sp validate`` (SECURITY.md 2.0:
"every case also runs through the CLI"): exit code 1 and the JSON error code on stderr for each REJECT, exit 0
and the validated-assertion JSON for the control, exit 2 for a configuration error. No traceback, ever.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from saml_core import format_instant
from tests.attacks import _kit as k
from tests.attacks import _mirrors
from tests.sp_adapter import _fixtures as fx

SAML_SP = Path(sys.executable).with_name("saml-sp")


def _a3_xsw3(tree: k.Element) -> None:
    clone = k.evil(k.pristine(k.assertion(tree)))
    clone.set("ID", "_evil_assertion_ID")
    k.assertion(tree).addprevious(clone)


def _c1_stripped(tree: k.Element) -> None:
    k.strip_signature(tree)
    k.strip_signature(k.assertion(tree))
    k.evil(tree)


CASES: dict[str, tuple[Callable[[], bytes], int, str | None]] = {
    "control": (lambda: fx.f0("RA"), 0, None),
    "control-base64": (lambda: k.b64(fx.f0("RA")).encode(), 0, None),
    "a3-xsw3": (lambda: k.attacker_mode(_a3_xsw3, "A"), 1, k.COUNT),
    "b1-comment": (
        lambda: fx.f0("RA").replace(b"alice@attacker", b"alice@<!---->attacker", 1),
        1,
        k.UNSIGNED,
    ),
    "c1-stripped": (lambda: k.attacker_mode(_c1_stripped), 1, k.SIG_MISSING),
    "e1-attacker-key": (lambda: k.sign(k.evil(k.unsigned()), "RA", keys=fx.attacker_keys()), 1, k.UNTRUSTED),
    "f1-xxe": (lambda: b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + fx.f0("RA"), 1, k.DTD),
    "h4-audience": (lambda: fx.f0("RA", audiences=("https://other-sp.example/",)), 1, k.AUDIENCE),
    "h10-in-response-to": (lambda: fx.f0("RA", in_response_to="_OTHER"), 1, k.IN_RESPONSE_TO),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Run every case as its own process, all at once, and collect (exit code, stdout, stderr)."""
    folder = tmp_path_factory.mktemp("cli")
    cert = folder / "idp.crt"
    cert.write_bytes(fx.idp_keys().cert_pem)
    base = [str(SAML_SP), *_mirrors.validate_args(str(cert))]
    procs = {}
    for name, (build, _, _) in CASES.items():
        path = folder / f"{name}.in"
        path.write_bytes(build())
        procs[name] = subprocess.Popen([*base, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=60)
        out[name] = (proc.returncode, stdout.decode(), stderr.decode())
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_verdict(name: str, results: dict[str, tuple[int, str, str]]) -> None:
    code, stdout, stderr = results[name]
    _, expected_exit, expected_code = CASES[name]
    assert "Traceback" not in stderr
    assert code == expected_exit, stderr
    if expected_code is None:
        body = json.loads(stdout)
        assert body["name_id"] == fx.NAME_ID
        assert body["aws"]["roles"] == [{"role_arn": fx.READONLY, "principal_arn": fx.PROVIDER}]
    else:
        assert stdout == ""
        error = json.loads(stderr)
        assert error["error"] == expected_code
        assert set(error) == {"error", "aws_error", "message"}


def _validate_with_replay_cache(tmp_path: Path, replay_cache: str) -> list[str]:
    """``saml-sp validate --json`` of F0-RA with the pinned IdP certificate and this --replay-cache."""
    cert = tmp_path / "idp.crt"
    cert.write_bytes(fx.idp_keys().cert_pem)
    response = tmp_path / "response.xml"
    response.write_bytes(fx.f0("RA"))
    return [
        str(SAML_SP),
        "validate",
        "--idp-cert",
        str(cert),
        "--issuer",
        fx.IDP,
        "--aws",
        "--now",
        format_instant(fx.NOW),
        "--replay-cache",
        replay_cache,
        "--json",
        str(response),
    ]


def test_cli_replay_through_a_shared_sqlite_cache(tmp_path: Path) -> None:
    command = _validate_with_replay_cache(tmp_path, f"sqlite:///{tmp_path}/replay.db")
    first = subprocess.run(command, capture_output=True, timeout=60)
    second = subprocess.run(command, capture_output=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert json.loads(second.stderr)["error"] == k.REPLAYED


def test_cli_bad_replay_url_is_a_usage_error(tmp_path: Path) -> None:
    command = _validate_with_replay_cache(tmp_path, "postgres://nowhere/x")
    done = subprocess.run(command, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert json.loads(done.stderr)["error"] == "config_error"
