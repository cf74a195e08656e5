"""What every ``saml-metadata`` command shares: reading inputs, writing outputs, the error contract."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any
from typing import ParamSpec
from typing import TypeVar

import click

from saml_core import utcnow
from saml_core._bounded import read_file
from saml_core._cli import cli_errors
from saml_core._cli import parse_now
from saml_core.errors import ConfigError
from saml_core.errors import TooLarge

from ._files import write_atomic

P = ParamSpec("P")
R = TypeVar("R")


def json_mode() -> bool | None:
    """True when the group got ``--json``; None lets saml_core decide (JSON when stderr is not a terminal)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return True if root is not None and root.params.get("json_errors") else None


def errors_handled(func: Callable[P, R]) -> Callable[P, R]:
    """Map SAMLError / OSError to the one-line error and exit code 1 or 2 (saml_core._cli)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with cli_errors(json_mode=json_mode()):
            return func(*args, **kwargs)
        raise AssertionError("unreachable")  # cli_errors either returns the value or exits

    return wrapper


def read_bytes(path: str) -> bytes:
    """A file's bytes, or ``-`` for stdin; unreadable files become ConfigError (exit 2).

    At most IAM's own 10,000,000-byte limit is read (``read_file``'s default, above any key or certificate
    file), so ``/dev/zero`` or an endless pipe ends as ``too_large`` instead of filling memory.
    """
    try:
        return read_file(path, too_large=TooLarge)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None


def emit_document(data: bytes, out: str | None) -> None:
    """Write a document to ``out`` atomically, or to stdout."""
    if out:
        write_atomic(out, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def resolve_now(value: str | None) -> datetime:
    """``--now ISO8601`` (in ``saml_core._cli.parse_now``'s range) or the clock: read once, at the edge."""
    return utcnow() if value is None else parse_now(value)


NOW_OPTION = click.option(
    "--now", "now_text", metavar="ISO8601", help="Evaluate dates at this instant (tests; years 1971-9899)."
)
