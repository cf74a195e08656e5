"""``saml-sp serve``: configuration errors exit 2 with one line (R49: no replay cache, no broker); a good
configuration serves the broker as a real process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from saml_core import KeyPair
from sp_adapter._broker_config import BrokerConfig
from sp_adapter.cli import main
from tests.conftest import free_port
from tests.conftest import wait_for_port
from tests.sp_adapter._aws_support import metadata

BIN = Path(sys.executable).parent
GOOD = {
    "idp_metadata": '"idp.xml"',
    "aws": "true",
    "acs_url": '"https://signin.aws.amazon.com/saml"',
    "entity_id": '"urn:amazon:webservices"',
    "replay_cache": '"memory://"',
    "session_secret": '"' + "k" * 40 + '"',
    "relay_state_paths": '["/app"]',
}


def write_config(tmp_path: Path, **changes: str | None) -> Path:
    (tmp_path / "idp.xml").write_bytes(metadata())
    values = {**GOOD, **changes}
    text = "".join(f"{key} = {value}\n" for key, value in values.items() if value is not None)
    path = tmp_path / "broker.toml"
    path.write_text(text)
    return path


def serve(*args: str) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(main, ["serve", "--json", *args])
    return result.exit_code, json.loads(result.stderr) if result.stderr else {}


def test_serve_refuses_to_start_without_a_replay_cache(tmp_path: Path) -> None:
    code, error = serve("--config", str(write_config(tmp_path, replay_cache=None)))
    assert code == 2
    assert error["error"] == "config_error" and "replay_cache" in error["message"]


def test_a_complete_configuration_loads(tmp_path: Path) -> None:
    config = BrokerConfig.load(write_config(tmp_path))
    assert config.sso_url == "https://idp.example.test/sso"
    assert config.relay_state_paths == frozenset({"/app"})
    assert config.replay_cache is not None


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"acs_url": '"https://broker.example/acs"'}, "recipients"),
        ({"replay_cache": '"ftp://x"'}, "scheme"),
        ({"session_secret": '"short"'}, "session_secret"),
        ({"relay_state_paths": '["https://evil.example/"]'}, "relative path"),
        ({"idp_metadata": '"missing.xml"'}, "missing.xml"),
        ({"sts_endpoint_url": '"http://sts.example.com/"'}, "https"),
        ({"colour": '"blue"'}, "colour"),
        ({"aws": '"yes"'}, "true or false"),
    ],
)
def test_serve_configuration_errors_exit_2(tmp_path: Path, changes: dict[str, str], fragment: str) -> None:
    code, error = serve("--config", str(write_config(tmp_path, **changes)))
    assert code == 2
    assert fragment in error["message"]


def test_serve_without_config_or_with_bad_toml_exits_2(tmp_path: Path) -> None:
    assert serve()[0] == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("aws = [")
    code, error = serve("--config", str(bad))
    assert code == 2 and "TOML" in error["message"]
    code, error = serve("--config", "/dev/zero")  # an endless file: read up to the cap, never into memory
    assert (code, error["message"]) == (2, "/dev/zero is larger than 10000000 bytes")


def test_serve_runs_the_broker(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "saml-sp"), "serve", "--config", str(write_config(tmp_path)), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        answer = httpx.get(f"http://127.0.0.1:{port}/login?next=/app", follow_redirects=False)
        assert answer.status_code == 302
        assert answer.headers["location"].startswith("https://idp.example.test/sso?SAMLRequest=")
        refused = httpx.get(f"http://127.0.0.1:{port}/acs")
        assert refused.status_code == 405
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_a_busy_port_exits_2_cannot_listen(tmp_path: Path) -> None:
    # uvicorn used to bind the port itself and exit 3 with its own log lines
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "saml-sp"), "serve", "--config", str(write_config(tmp_path)), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stderr)  # stderr is a pipe: one JSON object
    assert error["error"] == "config_error"
    assert error["message"].startswith(f"cannot listen on 127.0.0.1:{port}: ")


def test_decryption_keys_load_from_pem_files(tmp_path: Path) -> None:
    keys = KeyPair.generate(common_name="broker encryption key")
    (tmp_path / "sp.key").write_bytes(keys.key_pem)
    (tmp_path / "sp.crt").write_bytes(keys.cert_pem)
    config = BrokerConfig.load(write_config(tmp_path, decrypt_key='"sp.key"', decrypt_cert='"sp.crt"'))
    assert [k.cert_der for k in config.decrypt_keys] == [keys.cert_der]
    code, error = serve("--config", str(write_config(tmp_path, decrypt_key='"sp.key"')))
    assert code == 2 and "decrypt_cert" in error["message"]
