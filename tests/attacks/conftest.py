"""Fixtures of the attack suite: a canary that fails the test if anything fetches a URL or opens a file it
names (F1, D2, D9c, E4, I6).

Patching Python's ``socket`` is not enough: libxml2 and xmlsec fetch through their own C sockets and
``fopen``. So the attack payloads point at a real listener on 127.0.0.1 and at a real file watched with
inotify, and the test fails on any connection to the one or any open of the other, from Python or from C.
"""

from __future__ import annotations

import ctypes
import os
import select
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest

_IN_ACCESS = 0x1
_IN_OPEN = 0x20
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC


@dataclass
class Canary:
    """A URL and a file that no validation may ever touch."""

    url: str
    """``http://127.0.0.1:{port}/canary``: a real listener that records every connection."""
    path: Path
    """A real file watched with inotify for any open or read."""
    _inotify: int
    _server: socket.socket
    connections: list[bytes] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Python-level DNS lookups and connections elsewhere, refused by the guard."""
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def file_url(self) -> str:
        return self.path.as_uri()

    def touched(self) -> list[str]:
        """What touched the canary since the last call (and forget it): connections, then file opens."""
        found = [f"connection: {first[:80]!r}" for first in self.connections]
        self.connections.clear()
        found += ["file opened"] * self._opens()
        return found

    def _opens(self) -> int:
        """inotify events on the file since the last call (each event header is 16 bytes plus a name)."""
        count = 0
        while select.select([self._inotify], [], [], 0)[0]:
            data = os.read(self._inotify, 4096)
            offset = 0
            while offset < len(data):
                _, mask, _, length = struct.unpack_from("iIII", data, offset)
                count += bool(mask & (_IN_OPEN | _IN_ACCESS))
                offset += 16 + length
        return count

    def _drain(self) -> None:
        """Record every connection still in the listen backlog (opened, perhaps closed, never accepted)."""
        self._server.setblocking(False)
        while True:
            try:
                conn, _ = self._server.accept()
            except (BlockingIOError, OSError):
                return
            with conn:
                self.connections.append(b"(connected, never served)")

    def _serve(self) -> None:
        self._server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(1024) or b"(connected)")
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\ncanary-secret")
                except OSError:
                    self.connections.append(b"(connected)")


def _inotify_watch(path: Path) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
    if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(path), _IN_OPEN | _IN_ACCESS) < 0:
        raise OSError(ctypes.get_errno(), "inotify is needed by the attack suite's canary")
    return fd


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Canary]:
    """A canary URL and file; the test fails if either is touched, and Python-level DNS is refused too."""
    path = tmp_path / "canary-secret.txt"
    path.write_text("canary-secret\n")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    found = Canary(
        url=f"http://127.0.0.1:{server.getsockname()[1]}/canary",
        path=path,
        _inotify=_inotify_watch(path),
        _server=server,
    )
    thread = threading.Thread(target=found._serve, daemon=True)
    thread.start()
    attempts = found.refused
    canary_address = server.getsockname()
    real_connect = socket.socket.connect

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args)[:200])
        raise OSError("DNS lookup during an attack test")

    def guarded_connect(sock: socket.socket, address: object) -> None:
        # Python-level connections anywhere but the canary (e.g. a literal 169.254.169.254) are refused too
        if address != canary_address:
            attempts.append(f"connect {address!r}"[:200])
            raise OSError("network access during an attack test")
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    try:
        yield found
    finally:
        found._stop.set()
        thread.join(2)
        found._drain()  # connections still waiting to be accepted count too
        server.close()
        touched = found.touched()
        os.close(found._inotify)
    assert touched == [], f"the canary was touched: {touched}"
    assert attempts == [], f"something tried the network: {attempts}"
