"""Shared test infrastructure: real servers on 127.0.0.1 at free ports, started and stopped by the tests.

* ``moto_server``: moto's HTTP server (IAM, STS, ...) for boto3 with ``endpoint_url``.
* ``redis_url``: a throwaway redis-server with persistence off.
* ``endless_http``: an HTTP server whose every answer is 200 with a body that never ends (``.url``, and
  ``.sent``: the bytes it managed to send), for the bounded reads of every HTTP client here.
* ``free_port()``: a port nobody listens on right now; ``wait_for_port`` and ``stop_process`` for servers
  a test starts itself (``bench/bench_web.py`` uses them too).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"

# boto3 must never look for real credentials or a real region
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate a server started by a test, killing it when it does not stop within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server over real HTTP; returns its base URL. Reset it per test with ``moto_reset``."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


@pytest.fixture
def moto_reset(moto_server: str) -> str:
    """moto_server, emptied before the test."""
    import urllib.request

    urllib.request.urlopen(  # noqa: S310 - loopback only
        urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10
    ).read()
    return moto_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; run ./dev setup")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(proc)


class EndlessHTTP:
    """What ``endless_http`` yields: its base URL and how many body bytes it has sent so far."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sent = 0


@pytest.fixture
def endless_http() -> Iterator[EndlessHTTP]:
    """A real server on 127.0.0.1: every GET or POST gets 200 and zeros until the client hangs up."""
    chunk = b"\0" * 65536

    class Handler(BaseHTTPRequestHandler):
        def _endless(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            try:
                while self.server.running:  # type: ignore[attr-defined]
                    self.wfile.write(chunk)
                    state.sent += len(chunk)
            except OSError:  # the client hung up: what a bounded reader does
                pass

        do_GET = do_POST = _endless

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.running = True  # type: ignore[attr-defined]
    state = EndlessHTTP(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.running = False  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
