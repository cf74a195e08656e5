"""Atomic file writes: a temporary file in the same folder, fsync, then one rename (or one link).

* ``write_atomic``: readers see the old file or the new one, never half of either.
* ``write_new``: the same, but refuses to replace an existing file unless ``force`` (the final step is
  ``os.link``, which fails when the name exists, so two concurrent writers cannot both win).
* Private keys are created with mode 0600 from the first byte (``os.open`` with the mode; the umask can
  only narrow it), never chmod-ed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from saml_core.errors import ConfigError


def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _write_temp(target: Path, data: bytes, mode: int) -> Path:
    temp = _temp_path(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def write_atomic(target: str | Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``target`` with ``data`` in one step. A target that exists and is not a regular file
    (/dev/null, /dev/stdout, a FIFO) is written to, never replaced (a rename as root replaces the device)."""
    path = Path(target)
    if path.exists() and not path.is_file():
        with open(path, "wb") as handle:
            handle.write(data)
        return
    temp = _write_temp(path, data, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def write_new(target: str | Path, data: bytes, *, mode: int = 0o644, force: bool = False) -> None:
    """Create ``target``; an existing one is a ConfigError unless ``force`` (then replaced atomically)."""
    path = Path(target)
    if force:
        write_atomic(path, data, mode=mode)
        return
    if path.exists():
        raise ConfigError(f"{path} exists; pass --force to overwrite it")
    temp = _write_temp(path, data, mode)
    try:
        os.link(temp, path)
    except FileExistsError:
        raise ConfigError(f"{path} exists; pass --force to overwrite it") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
