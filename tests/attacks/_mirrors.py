"""SECURITY.md 2.0: "every case also runs through the CLI (saml-sp validate) and the ACS broker, not only the
Python API". ``_kit.reject`` / ``_kit.accept`` call ``check`` for every case that uses the F0 options (trust,
Policy.aws(), NOW, request ``_REQ``, the SP's decryption key), which the CLI flags and a broker configuration
express exactly; cases with other options stay API-only.

* CLI: ``saml-sp validate --idp-cert --issuer --aws --now --in-response-to --decrypt-key --json -`` in process
  (click's runner): exit 1 and the same ``error`` code on stderr, or exit 0 and the same NameID.
* Broker: one app per test process, its replay cache emptied and its cookies dropped before each case (it
  must not see the API's run or another case), clock pinned at NOW, the browser session holding request
  ``_REQ`` (as after ``GET /login``); ``POST /acs`` as JSON: the same code with a 4xx, or 200 and the same
  NameID. The broker takes only base64 (HTTP-POST), so raw XML is encoded.

Where the broker differs by design, each allowed only where it applies: a response with no InResponseTo at
all is unsolicited there (accepted under Policy.aws(), never as EVIL); the broker always has a replay cache,
so OneTimeUse is honoured instead of condition_unsupported; a Response naming a request the session did not
issue is refused as in_response_to_mismatch before validation; a body over 512 KiB is refused before
parsing (413 too_large).

``SAML_ATTACK_MIRRORS=0`` turns the mirrors off (API only) for quick local runs; CI runs them.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from unittest import mock

from click.testing import CliRunner
from lxml import etree
from starlette.testclient import TestClient

from saml_core import format_instant
from sp_adapter import MemoryReplayCache
from sp_adapter import Policy
from sp_adapter._broker_config import BrokerConfig
from sp_adapter.app import create_app
from sp_adapter.cli import main as saml_sp
from tests.sp_adapter import _fixtures as fx

ENABLED = os.environ.get("SAML_ATTACK_MIRRORS", "1") != "0"
_paused = threading.local()
BROKER_BODY_LIMIT = 512 * 1024


@cache
def _files() -> dict[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="attack-mirrors-"))
    atexit.register(shutil.rmtree, folder, True)
    (folder / "idp.crt").write_bytes(fx.idp_keys().cert_pem)
    (folder / "sp.key").write_bytes(fx.sp_keys().key_pem)
    return {name: str(folder / name) for name in ("idp.crt", "sp.key")}


def check(data: bytes | str, code: str | None, *, name_id: str = fx.NAME_ID) -> None:
    """The CLI and the broker reach the API's verdict: ``code`` (None: accepted with ``name_id``)."""
    if not ENABLED or getattr(_paused, "value", False):
        return
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    _through_cli(raw, code, name_id)
    _through_broker(raw, code, name_id)


@contextmanager
def paused() -> Iterator[None]:
    """No mirrors inside (for the time and memory budgets of F6, F12 and G1, which measure the API alone)."""
    _paused.value = True
    try:
        yield
    finally:
        _paused.value = False


def validate_args(idp_cert: str, decrypt_key: str | None = None) -> list[str]:
    """The F0 options as ``saml-sp validate`` flags (the INPUT argument left to the caller)."""
    args = ["validate", "--idp-cert", idp_cert, "--issuer", fx.IDP, "--aws", "--now", format_instant(fx.NOW)]
    args += ["--in-response-to", fx.REQUEST_ID, "--json"]
    return args + ["--decrypt-key", decrypt_key] if decrypt_key else args


def _through_cli(raw: bytes, code: str | None, name_id: str) -> None:
    files = _files()
    # loading (and checking) an RSA key costs ~30 ms: the SP's key is passed only where there is ciphertext
    encrypted = b"Encrypted" in raw or b"Encrypted" in _maybe_decoded(raw)
    args = [*validate_args(files["idp.crt"], files["sp.key"] if encrypted else None), "-"]
    result = CliRunner().invoke(saml_sp, args, input=raw, catch_exceptions=False)
    if code is None:
        assert result.exit_code == 0, f"the CLI refused an accepted case: {result.stderr}"
        assert json.loads(result.stdout)["name_id"] == name_id
        return
    assert result.exit_code == 1, f"CLI exit {result.exit_code}: {result.stderr}"
    assert json.loads(result.stderr)["error"] == code, f"CLI said {result.stderr}"


def _maybe_decoded(raw: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(raw.split()), validate=True)
    except ValueError:
        return b""


class _CaseCache:
    """The broker's replay cache, emptied before each case."""

    def __init__(self) -> None:
        self.inner = MemoryReplayCache()

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool:
        return self.inner.check_and_set(key, expires_at, now)


def _differs_by_design(code: str, xml: bytes) -> bool:
    """The two cases the broker accepts where the API (request ``_REQ``, no replay cache) refuses."""
    if code == "condition_unsupported":
        return b"OneTimeUse" in xml  # the broker always has a replay cache, so OneTimeUse is honoured
    if code == "in_response_to_mismatch":
        return b"InResponseTo" not in xml  # no InResponseTo anywhere: unsolicited at the broker
    return False


def _outer_in_response_to(xml: bytes) -> str | None:
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return None
    return root.get("InResponseTo")


@cache
def _broker() -> tuple[TestClient, _CaseCache]:
    replay = _CaseCache()
    config = BrokerConfig(
        trust=fx.trust(),
        policy=Policy.aws(),
        acs_url=fx.ACS,
        entity_id="urn:amazon:webservices",
        sso_url="https://idp.example.test/sso",
        replay_cache=replay,
        session_secret="m" * 40,
        decrypt_keys=(fx.sp_keys(),),
        clock=lambda: fx.NOW,
    )
    client = TestClient(create_app(config), base_url="https://broker.test", follow_redirects=False)
    atexit.register(client.close)
    return client, replay


def _through_broker(raw: bytes, code: str | None, name_id: str) -> None:
    decoded = _maybe_decoded(raw)
    if decoded or len(raw) > BROKER_BODY_LIMIT:
        b64 = raw.decode("utf-8", "surrogateescape")  # as posted: base64 (or junk the broker must refuse)
    else:
        b64 = base64.b64encode(raw).decode("ascii")  # raw XML: the HTTP-POST binding carries base64
        decoded = raw
    browser, replay = _broker()
    replay.inner = MemoryReplayCache()
    browser.cookies.clear()
    with mock.patch("sp_adapter.app.new_id", return_value=fx.REQUEST_ID):
        assert browser.get("/login").status_code == 302  # the session now holds request _REQ
    answer = browser.post("/acs", data={"SAMLResponse": b64}, headers={"Accept": "application/json"})
    body = answer.json()
    if code is None:
        assert answer.status_code == 200, f"the broker refused an accepted case: {body}"
        assert body["assertion"]["name_id"] == name_id
        return
    if len(b64) + len("SAMLResponse=") > BROKER_BODY_LIMIT:
        assert (answer.status_code, body["error"]) == (413, "too_large")
        return
    if answer.status_code == 200 and _differs_by_design(code, decoded):
        assert body["assertion"]["name_id"] == fx.NAME_ID  # accepted, and never as EVIL
        return
    outer = _outer_in_response_to(decoded)
    if body.get("error") == "in_response_to_mismatch" and outer is not None and outer != fx.REQUEST_ID:
        return  # the broker refuses a Response naming a request it did not issue before validating
    assert 400 <= answer.status_code < 500, f"broker status {answer.status_code}: {body}"
    assert body["error"] == code, f"the broker said {body}, the API {code}"
