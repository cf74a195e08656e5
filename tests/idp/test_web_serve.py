"""``saml-idp serve`` as a real process: the embedded default, its state directory, a TOML config, workers."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from idp.testing import hidden_fields
from idp.testing import post_form
from idp.testing import sign_in
from metadata import build_sp_metadata
from metadata import parse_entities
from saml_core import KeyPair
from tests.conftest import free_port
from tests.conftest import stop_process
from tests.conftest import wait_for_port

SAML_IDP = str(Path(sys.executable).parent / "saml-idp")


@contextmanager
def serve(*args: str, cwd: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [SAML_IDP, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc, timeout=30)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop_process(proc)


def serve_refused(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``saml-idp serve ARGS`` that is expected to stop at once (stderr on a pipe: the JSON error form)."""
    return subprocess.run(
        [SAML_IDP, "serve", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _aws_sign_in(url: str, user: str, password: str, role: str) -> tuple[str, dict[str, str]]:
    with httpx.Client(base_url=url, timeout=10) as client:
        assert sign_in(client, user, password).headers["location"] == "/portal"
        portal = client.get("/portal")
        answer = client.post(
            "/sso/aws", data={"csrf_token": hidden_fields(portal.text)["csrf_token"], "role": role}
        )
        return post_form(answer.text)


def test_embedded_default_keeps_its_key_and_metadata_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with serve("--state-dir", str(state), cwd=tmp_path) as (url, _):
        first = parse_entities(httpx.get(url + "/metadata", timeout=5).content)[0]
        action, fields = _aws_sign_in(url, "alice", "alice-password", "arn:aws:iam::111111111111:role/Admin")
    assert action == "https://signin.aws.amazon.com/saml"
    assert fields["SAMLResponse"]
    assert stat.S_IMODE((state / "idp.key").stat().st_mode) == 0o600
    with serve("--state-dir", str(state), cwd=tmp_path) as (url, _):
        second = parse_entities(httpx.get(url + "/metadata", timeout=5).content)[0]
    assert first.idp is not None and second.idp is not None
    assert first.idp.signing_keys()[0].fingerprint_sha256 == second.idp.signing_keys()[0].fingerprint_sha256


def test_embedded_default_prints_users_and_urls(tmp_path: Path) -> None:
    with serve("--state-dir", str(tmp_path / "s"), cwd=tmp_path) as (url, proc):
        pass
    banner = proc.stderr.read().decode() if proc.stderr else ""
    assert f"sign in:  {url}/login" in banner
    assert "user alice / password alice-password" in banner
    assert "user bob / password bob-password" in banner
    assert "arn:aws:iam::111111111111:saml-provider/DemoIdP" in banner


def test_embedded_bob_has_only_read_only(tmp_path: Path) -> None:
    with (
        serve("--state-dir", str(tmp_path / "s"), cwd=tmp_path) as (url, _),
        httpx.Client(base_url=url) as client,
    ):
        sign_in(client, "bob", "bob-password")
        portal = client.get("/portal").text
    assert "role/ReadOnly" in portal
    assert "role/Admin" not in portal


def test_aws_acs_url_sends_the_browser_to_a_local_endpoint(tmp_path: Path) -> None:
    local = "http://127.0.0.1:9/acs"
    with serve("--state-dir", str(tmp_path / "s"), "--aws-acs-url", local, cwd=tmp_path) as (url, _):
        action, _ = _aws_sign_in(url, "alice", "alice-password", "arn:aws:iam::111111111111:role/ReadOnly")
    assert action == local


def test_two_workers_share_keys_and_sessions(tmp_path: Path) -> None:
    with serve("--state-dir", str(tmp_path / "s"), "--workers", "2", cwd=tmp_path) as (url, _):
        fingerprints = set()
        for _ in range(6):
            with httpx.Client(base_url=url, timeout=10) as client:
                entity = parse_entities(client.get("/metadata").content)[0]
                assert entity.idp is not None
                fingerprints.add(entity.idp.signing_keys()[0].fingerprint_sha256)
        # new connections land on either worker; the session cookie works on both
        for _ in range(4):
            action, fields = _aws_sign_in(
                url, "alice", "alice-password", "arn:aws:iam::111111111111:role/ReadOnly"
            )
            assert fields["SAMLResponse"]
    assert len(fingerprints) == 1


def test_config_file_with_a_generic_sp_from_metadata(tmp_path: Path) -> None:
    keys = KeyPair.generate()
    (tmp_path / "idp.key").write_bytes(keys.key_pem)
    (tmp_path / "idp.crt").write_bytes(keys.cert_pem)
    sp_keys = KeyPair.generate()
    (tmp_path / "sp.xml").write_bytes(
        build_sp_metadata(
            entity_id="https://wiki.example.test/",
            acs_url="https://wiki.example.test/acs",
            signing_cert=sp_keys.cert_pem,
            authn_requests_signed=True,
        )
    )
    port = free_port()
    (tmp_path / "idp.toml").write_text(
        textwrap.dedent(
            f"""
            [idp]
            entity_id = "https://idp.config.test/"
            base_url = "http://127.0.0.1:{port}"
            keys = [{{key = "idp.key", cert = "idp.crt"}}]
            session_secret = "config-test-secret"
            [[users]]
            name = "dana"
            password = "dana-pw"
            roles = ["arn:aws:iam::333333333333:role/Ops,arn:aws:iam::333333333333:saml-provider/Corp"]
            [[service_providers]]
            name = "aws"
            aws = true
            [[service_providers]]
            name = "wiki"
            metadata = "sp.xml"
            """
        )
    )
    proc = subprocess.Popen(
        [SAML_IDP, "serve", "--config", "idp.toml", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc, timeout=30)
        url = f"http://127.0.0.1:{port}"
        entity = parse_entities(httpx.get(url + "/metadata", timeout=5).content)[0]
        assert entity.entity_id == "https://idp.config.test/"
        assert entity.idp is not None and entity.idp.signing_keys()[0].same_key(keys.trusted)
        action, _ = _aws_sign_in(url, "dana", "dana-pw", "arn:aws:iam::333333333333:role/Ops")
        assert action == "https://signin.aws.amazon.com/saml"
        from idp.testing import authn_request
        from idp.testing import redirect_query

        # the SP's signing key and AuthnRequestsSigned come from its metadata file
        request = authn_request(issuer="https://wiki.example.test/", destination=url + "/sso")
        unsigned = httpx.get(url + "/sso?" + redirect_query(request), timeout=5, follow_redirects=False)
        assert unsigned.status_code == 403 and "signature_missing" in unsigned.text
        signed = httpx.get(
            url + "/sso?" + redirect_query(request, sign_with=sp_keys), timeout=5, follow_redirects=False
        )
        assert signed.status_code == 303 and signed.headers["location"].startswith("/sso/continue?t=")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("[idp]\nentity_id = 1\n", "entity_id"),
        ("not toml [", "not valid TOML"),
        (None, "cannot read"),
        ("/dev/zero", "idp.toml is larger than 10000000 bytes"),
    ],
    ids=["bad-value", "bad-toml", "missing-file", "endless-file"],
)
def test_bad_config_is_a_one_line_error_and_exit_2(tmp_path: Path, content: str | None, needle: str) -> None:
    if content == "/dev/zero":
        (tmp_path / "idp.toml").symlink_to("/dev/zero")
    elif content is not None:
        (tmp_path / "idp.toml").write_text(content)
    done = serve_refused("--config", "idp.toml", "--port", str(free_port()), cwd=tmp_path)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_serve_errors_are_one_json_object_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    # "saml-idp serve: cannot read ..." used to be plain text even on a pipe
    done = serve_refused("--config", "nonexist.toml", "--port", str(free_port()), cwd=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stderr) == {
        "aws_error": None,
        "error": "config_error",
        "message": "cannot read nonexist.toml: No such file or directory",
    }


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_busy_port_is_exit_2_cannot_listen(tmp_path: Path, workers: str) -> None:
    # one worker: uvicorn bound the port itself and exited 3; two: a plain-text line
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = serve_refused(
            "--state-dir", str(tmp_path / "s"), "--port", str(port), "--workers", workers, cwd=tmp_path
        )
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stderr)
    assert error["error"] == "config_error"
    assert error["message"].startswith(f"cannot listen on 127.0.0.1:{port}: ")
