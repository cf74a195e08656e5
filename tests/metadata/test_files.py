"""``metadata._files`` and ``sp_adapter._outputs.write_private_file``: a special file is written to, never
replaced (found when ``--key-out /dev/zero`` as root turned /dev/zero into a regular file)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from metadata._files import write_atomic
from sp_adapter._outputs import write_private_file


def _write_through_fifo(tmp_path: Path, write: Callable[[Path], None]) -> bytes:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write(fifo)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO: nothing was renamed over it
    return received[0]


def test_write_atomic_writes_into_a_fifo_instead_of_replacing_it(tmp_path: Path) -> None:
    assert _write_through_fifo(tmp_path, lambda p: write_atomic(p, b"<md/>")) == b"<md/>"


def test_write_private_file_writes_into_a_fifo_instead_of_replacing_it(tmp_path: Path) -> None:
    assert _write_through_fifo(tmp_path, lambda p: write_private_file(p, "[p]\n")) == b"[p]\n"


@pytest.mark.parametrize("writer", ["atomic", "private"])
def test_a_regular_file_is_still_replaced_atomically(tmp_path: Path, writer: str) -> None:
    target = tmp_path / "out"
    target.write_text("old")
    before = target.stat().st_ino
    if writer == "atomic":
        write_atomic(target, b"new")
    else:
        write_private_file(target, "new")
    assert target.read_text() == "new" and target.stat().st_ino != before  # a new file renamed into place
