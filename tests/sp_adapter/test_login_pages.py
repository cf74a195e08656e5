"""``sp_adapter._login``'s page reads against a real server on 127.0.0.1: streamed, capped, decoded once."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import httpx
import pytest

from sp_adapter._login import MAX_PAGE
from sp_adapter._login import IdPUnreachable
from sp_adapter._login import fetch_metadata

DOCUMENT = b"<md:EntityDescriptor/>" * 200


@pytest.fixture
def gzip_server() -> Iterator[str]:
    """Answers /metadata gzip-compressed, as an IdP behind a compressing proxy does."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = gzip.compress(DOCUMENT if self.path == "/metadata" else b"\0" * (2 * MAX_PAGE))
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_compressed_page_is_decoded_exactly_once(gzip_server: str) -> None:
    with httpx.Client(timeout=10) as http:
        assert fetch_metadata(http, gzip_server) == DOCUMENT


def test_the_page_cap_applies_to_the_decoded_page(gzip_server: str) -> None:
    # 2 MiB of zeros compress to a few KB: the cap still counts what the page expands to
    with httpx.Client(timeout=10) as http, pytest.raises(IdPUnreachable, match="larger than 1048576 bytes"):
        fetch_metadata(http, gzip_server + "/big")
