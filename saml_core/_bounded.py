"""Bounded reads: a local file, stdin or an HTTP body is never held in memory beyond a limit.

Invariant this module owns: at most ``limit`` + 1 bytes are ever read, so ``/dev/zero``, a FIFO, an endless
pipe or a server that streams forever ends as the caller's own "too large" error (a clear message and exit
code) instead of filling memory until the kernel kills the process.

``FILE_MAX_BYTES`` bounds every local file the tools read (configuration, keys, certificates, metadata,
credentials, caches): IAM's metadata limit, the largest any of them legitimately is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from collections.abc import Iterable

from .aws import IAM_METADATA_MAX_CHARS
from .errors import ConfigError

FILE_MAX_BYTES = IAM_METADATA_MAX_CHARS

TooLargeError = Callable[[str], Exception]
"""Builds the caller's own error from a message such as "/dev/zero is larger than 10000000 bytes"."""


def read_file(
    source: str | os.PathLike[str], *, limit: int = FILE_MAX_BYTES, too_large: TooLargeError = ConfigError
) -> bytes:
    """A file's bytes, or stdin's for ``-``. OSError (missing, unreadable, a directory) is the caller's."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        name = "stdin"
    else:
        with open(source, "rb") as handle:
            data = handle.read(limit + 1)
        name = str(source)
    if len(data) > limit:
        raise too_large(f"{name} is larger than {limit} bytes")
    return data


def read_chunks(chunks: Iterable[bytes], *, limit: int, what: str, too_large: TooLargeError) -> bytes:
    """Join a stream's chunks (an HTTP body), stopping at the first chunk that passes ``limit``."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(f"{what} is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
