"""``saml_core._bounded``: no file, stdin or HTTP body is read past its limit (the CLIs' "never a hang")."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from saml_core._bounded import FILE_MAX_BYTES
from saml_core._bounded import read_chunks
from saml_core._bounded import read_file
from saml_core.aws import IAM_METADATA_MAX_CHARS
from saml_core.errors import ConfigError
from saml_core.errors import KeyLoadError


def test_every_local_file_is_bounded_by_iams_metadata_limit() -> None:
    assert FILE_MAX_BYTES == IAM_METADATA_MAX_CHARS == 10_000_000


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_file(path, limit=100) == b"x" * 100
    with pytest.raises(ConfigError) as refused:
        read_file(path, limit=99)
    assert refused.value.message == f"{path} is larger than 99 bytes"


def test_dev_zero_ends_as_the_callers_error_instead_of_filling_memory() -> None:
    with pytest.raises(ConfigError, match=r"^/dev/zero is larger than 10000000 bytes$"):
        read_file("/dev/zero")
    with pytest.raises(KeyLoadError, match="larger than 4096"):
        read_file("/dev/zero", limit=4096, too_large=KeyLoadError)


def test_dash_reads_stdin_with_the_same_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"abc")))
    assert read_file("-", limit=3) == b"abc"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"abcd")))
    with pytest.raises(ConfigError, match=r"^stdin is larger than 3 bytes$"):
        read_file("-", limit=3)


def test_a_missing_file_stays_an_oserror_for_the_caller_to_word() -> None:
    with pytest.raises(FileNotFoundError):
        read_file("/nonexistent/file")


def test_read_chunks_joins_a_stream_under_the_limit() -> None:
    assert read_chunks(iter([b"ab", b"", b"cd"]), limit=4, what="x", too_large=ConfigError) == b"abcd"


def test_read_chunks_stops_at_the_first_chunk_past_the_limit() -> None:
    pulled = 0

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"0" * 10

    with pytest.raises(ConfigError, match=r"^the answer is larger than 25 bytes$"):
        read_chunks(endless(), limit=25, what="the answer", too_large=ConfigError)
    assert pulled == 3  # 10, 20, 30 > 25: not one chunk more
