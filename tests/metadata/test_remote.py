"""fetch from a real HTTP server on 127.0.0.1: good, tampered, expired, server error (last good kept)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import metadata
from metadata import remote
from metadata.cli import main
from saml_core import KeyPair
from saml_core import format_instant
from tests.conftest import free_port
from tests.metadata.conftest import GOLDEN
from tests.metadata.conftest import NOW


class Publisher:
    """What the server answers: a body and a status; it counts requests."""

    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.requests = 0


@pytest.fixture(scope="module")
def http_server() -> Iterator[tuple[str, Publisher]]:
    """One server for the module (shutting one down costs half a second); ``server`` resets it per test."""
    publisher = Publisher()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            publisher.requests += 1
            self.send_response(publisher.status)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(publisher.body)))
            self.end_headers()
            self.wfile.write(publisher.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/idp/metadata.xml", publisher
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server(http_server: tuple[str, Publisher]) -> tuple[str, Publisher]:
    url, publisher = http_server
    publisher.body, publisher.status, publisher.requests = b"", 200, 0
    return url, publisher


def _signed(
    keys: KeyPair, *, days: int = 7, cache: timedelta | None = timedelta(hours=6), sso: str = "sso"
) -> bytes:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url=f"https://idp.example.test/{sso}",
        signing_certs=[keys],
        valid_until=NOW + timedelta(days=days),
        cache_duration=cache,
    )
    return metadata.sign(xml, keys)


def _fetch(url: str, keys: KeyPair, out: Path, **kwargs: object) -> remote.FetchResult:
    return remote.fetch_metadata(url, certs=[keys.cert_pem], out=out, now=NOW, **kwargs)  # type: ignore[arg-type]


def _code(url: str, keys: KeyPair, out: Path, **kwargs: object) -> str:
    with pytest.raises(metadata.MetadataError) as caught:
        _fetch(url, keys, out, **kwargs)
    return caught.value.code


def test_good_document_is_written_with_state(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys)
    out = tmp_path / "idp.xml"
    result = _fetch(url, idp_keys, out)
    assert result.status == "updated" and out.read_bytes() == publisher.body
    state = json.loads(remote.state_path(out).read_text())
    assert state["cache_until"] == format_instant(NOW + timedelta(hours=6))
    assert state["valid_until"] == format_instant(NOW + timedelta(days=7))
    assert state["usable_until"] == state["cache_until"]
    assert _fetch(url, idp_keys, out).status == "unchanged"


@pytest.mark.parametrize("failure", ["tampered", "expired", "server-error", "wrong-key", "not-metadata"])
def test_failed_refresh_keeps_last_good_copy(
    server: tuple[str, Publisher], idp_keys: KeyPair, other_keys: KeyPair, tmp_path: Path, failure: str
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys)
    out = tmp_path / "idp.xml"
    _fetch(url, idp_keys, out)
    good, good_state = out.read_bytes(), remote.state_path(out).read_bytes()
    expected = {
        "tampered": "signature_invalid",
        "expired": "metadata_expired",
        "server-error": "fetch_failed",
        "wrong-key": "untrusted_key",
        "not-metadata": "not_metadata",
    }[failure]
    if failure == "tampered":
        publisher.body = _signed(idp_keys, sso="new").replace(b"/new", b"/evil")
    elif failure == "expired":
        publisher.body = _signed(idp_keys, days=-1)
    elif failure == "server-error":
        publisher.status, publisher.body = 500, b"oops"
    elif failure == "wrong-key":
        publisher.body = _signed(other_keys)
    else:
        publisher.body = b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>'
    assert _code(url, idp_keys, out) == expected
    assert out.read_bytes() == good and remote.state_path(out).read_bytes() == good_state
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_first_fetch_failure_writes_nothing(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys, days=-1)
    out = tmp_path / "idp.xml"
    assert _code(url, idp_keys, out) == "metadata_expired"
    assert not out.exists() and not remote.state_path(out).exists()


def test_if_stale_skips_the_request_within_cache_duration(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys)
    out = tmp_path / "idp.xml"
    _fetch(url, idp_keys, out)
    assert publisher.requests == 1
    assert _fetch(url, idp_keys, out, if_stale=True).status == "fresh"
    assert publisher.requests == 1
    later = remote.fetch_metadata(
        url, certs=[idp_keys.cert_pem], out=out, now=NOW + timedelta(hours=7), if_stale=True
    )
    assert later.status == "unchanged" and publisher.requests == 2


def test_load_cached_enforces_cache_duration_and_valid_until(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys)
    out = tmp_path / "idp.xml"
    _fetch(url, idp_keys, out)
    assert isinstance(remote.load_cached(out, now=NOW + timedelta(hours=5)), metadata.EntityDescriptor)
    with pytest.raises(metadata.MetadataError) as stale:
        remote.load_cached(out, now=NOW + timedelta(hours=7))
    assert stale.value.code == "metadata_stale"
    with pytest.raises(metadata.MetadataError) as expired:
        remote.load_cached(out, now=NOW + timedelta(days=8))
    assert expired.value.code == "metadata_expired"


def test_entity_id_and_valid_until_requirements(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    publisher.body = _signed(idp_keys)
    out = tmp_path / "idp.xml"
    assert _code(url, idp_keys, out, entity_id="https://other.example.test/") == "entity_not_found"
    assert _fetch(url, idp_keys, out, entity_id="https://idp.example.test/").status == "updated"
    unbounded = metadata.sign(
        metadata.build_idp_metadata(
            entity_id="https://idp.example.test/",
            sso_url="https://idp.example.test/sso",
            signing_certs=[idp_keys],
        ),
        idp_keys,
    )
    publisher.body = unbounded
    assert _code(url, idp_keys, out, require_valid_until=True) == "metadata_invalid"


def test_oversize_answer_is_refused(server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path) -> None:
    url, publisher = server
    publisher.body = b" " * (metadata.METADATA_LIMITS.max_bytes + 10)
    assert _code(url, idp_keys, tmp_path / "x.xml") == "fetch_failed"


def test_cli_fetch_reports_last_good(
    server: tuple[str, Publisher], idp_keys: KeyPair, tmp_path: Path
) -> None:
    url, publisher = server
    cert = tmp_path / "idp.crt"
    cert.write_bytes((GOLDEN / "idp.crt").read_bytes())
    out = tmp_path / "idp.xml"
    publisher.body = _signed(idp_keys)
    args = ["--json", "fetch", url, "--cert", str(cert), "--out", str(out), "--now", format_instant(NOW)]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["status"] == "updated"
    publisher.status = 503
    failed = CliRunner().invoke(main, args)
    assert failed.exit_code == 1
    assert json.loads(failed.stderr)["error"] == "fetch_failed"
    report = json.loads(failed.stdout)
    assert report["status"] == "failed" and report["last_good"]["usable"] is True
    assert out.read_bytes() == publisher.body  # the last good copy, untouched
    to_stdout = CliRunner().invoke(main, ["fetch", url, "--cert", str(cert), "--now", format_instant(NOW)])
    assert to_stdout.exit_code == 1


def test_only_http_urls(idp_keys: KeyPair, tmp_path: Path) -> None:
    assert _code("file:///etc/passwd", idp_keys, tmp_path / "x.xml") == "fetch_failed"


def test_an_answer_that_never_ends_is_cut_at_the_cap(endless_http: Any) -> None:
    with pytest.raises(metadata.FetchFailed) as info:
        remote.download(endless_http.url + "/md")
    limit = metadata.METADATA_LIMITS.max_bytes
    assert info.value.message == f"the document at {endless_http.url}/md is larger than {limit} bytes"
    assert endless_http.sent < 4 * limit  # the client hung up; it did not read on
