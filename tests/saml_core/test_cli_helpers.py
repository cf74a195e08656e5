"""saml_core._cli's small shared helpers, directly (the CLIs exercise them end to end elsewhere)."""

from __future__ import annotations

import socket

import pytest

from saml_core._cli import host_port
from saml_core._cli import listening_socket
from saml_core._cli import parse_now
from saml_core.errors import ConfigError


def test_host_port_brackets_ipv6_only() -> None:
    assert host_port("127.0.0.1", 8000) == "127.0.0.1:8000"
    assert host_port("::1", 8000) == "[::1]:8000"
    assert host_port("localhost", 0) == "localhost:0"


def test_listening_socket_refuses_a_busy_port_as_config_error() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        first.listen()
        port = first.getsockname()[1]
        assert first.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        with pytest.raises(ConfigError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
            listening_socket("127.0.0.1", port)
    finally:
        first.close()


@pytest.mark.parametrize("text", ["1970-12-31T23:59:59Z", "9900-01-01T00:00:00Z", "2026-01-01", "soon"])
def test_parse_now_refuses_outside_the_range_or_without_a_zone(text: str) -> None:
    with pytest.raises(ConfigError, match="--now must be"):
        parse_now(text)


def test_parse_now_accepts_both_ends() -> None:
    assert parse_now("1971-01-01T00:00:00Z").year == 1971
    assert parse_now("9899-12-31T23:59:59Z").year == 9899
