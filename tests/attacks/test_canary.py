"""The attack suite's canary can fail: a real fetch or file read, from Python or from libxml2's C code.

Without this, a test guarded by ``canary`` could pass while an XXE or XInclude was actually resolved. (The
libxml2 in lxml's wheel has no HTTP client at all, so the listener is shown to work with a plain
connection; it is a real socket, so it sees a connection from C code just the same.)
"""

from __future__ import annotations

import socket

from lxml import etree

from tests.attacks.conftest import Canary


def test_a_python_connection_and_file_read_are_seen(canary: Canary) -> None:
    host, port = canary.url.removeprefix("http://").split("/")[0].split(":")
    with socket.socket() as client:
        client.connect((host, int(port)))
        client.sendall(b"GET /canary HTTP/1.0\r\n\r\n")
        assert client.recv(1024).endswith(b"canary-secret")
    assert canary.path.read_text() == "canary-secret\n"
    touched = canary.touched()
    assert touched[0].startswith("connection: b'GET /canary")
    assert "file opened" in touched
    assert canary.touched() == []


def test_libxml2_resolving_an_external_entity_is_seen(canary: Canary) -> None:
    # a deliberately unsafe parser (never the project's): libxml2 opens the file itself, in C
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    document = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{canary.file_url}">]><r>&x;</r>'.encode()
    assert etree.fromstring(document, unsafe).text == "canary-secret\n"  # noqa: S320 - the point of the test
    touched = canary.touched()
    assert touched and set(touched) == {"file opened"}


def test_a_connection_never_served_is_seen_at_teardown(canary: Canary) -> None:
    # a client that connects and leaves at once may never be accepted by the serving thread; the fixture
    # drains the listen backlog at teardown, so it still counts (checked here through the same drain)
    canary._stop.set()
    host, port = canary.url.removeprefix("http://").split("/")[0].split(":")
    for _ in range(3):
        with socket.socket() as client:
            client.connect((host, int(port)))
    canary._drain()
    touched = canary.touched()
    assert len(touched) >= 1 and all(item.startswith("connection:") for item in touched)


def test_a_python_connection_elsewhere_is_refused(canary: Canary) -> None:
    with socket.socket() as client:
        try:
            client.connect(("127.0.0.1", 9))
        except OSError as error:
            assert "network access during an attack test" in str(error)
        else:
            raise AssertionError("the guard let a connection through")
    assert canary.refused == ["connect ('127.0.0.1', 9)"]  # recorded: the teardown would fail the test
    canary.refused.clear()  # (this attempt was deliberate)
