"""What every command-line tool shares: exit codes and the one-line / JSON error contract (INTERFACES.md).

Exit codes: 0 success, 1 the input was rejected (a validation verdict), 2 usage or configuration error.
Errors go to stderr as one JSON object ``{"error", "aws_error", "message"}`` when ``--json`` is given or
stderr is not a terminal, else as one human line. No traceback ever reaches the user.

Also shared: ``OneLineErrorsGroup`` (click's own usage errors under the same contract), ``parse_now`` (the
``--now`` option, within a range every later date arithmetic survives) and ``listening_socket`` (servers
that cannot bind exit 2 with "cannot listen on HOST:PORT").
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from typing import NoReturn

import click

from ._time import in_now_range
from ._time import now_range_text
from ._time import parse_instant
from .errors import ConfigError
from .errors import KeyLoadError
from .errors import SAMLError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def exit_code_for(error: SAMLError) -> int:
    return EXIT_USAGE if isinstance(error, ConfigError | KeyLoadError) else EXIT_REJECTED


def emit_error(error: SAMLError, *, json_mode: bool | None = None) -> None:
    """Print the error on stderr in the form the reader expects."""
    as_json = json_mode if json_mode is not None else not sys.stderr.isatty()
    if as_json:
        sys.stderr.write(json.dumps(error.to_json(), sort_keys=True) + "\n")
    else:
        aws = f" (AWS: {error.aws_error})" if error.aws_error else ""
        sys.stderr.write(f"error: {error.code}: {error.message}{aws}\n")


def fail(error: SAMLError, *, json_mode: bool | None = None) -> NoReturn:
    emit_error(error, json_mode=json_mode)
    raise SystemExit(exit_code_for(error))


@contextmanager
def cli_errors(*, json_mode: bool | None = None) -> Iterator[None]:
    """Map our errors to exit codes 1/2, and OS errors (unreadable files) to 2, with no traceback."""
    try:
        yield
    except SAMLError as error:
        fail(error, json_mode=json_mode)
    except OSError as error:
        message = f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")
        fail(ConfigError(message), json_mode=json_mode)


# ---------------------------------------------------------------------------------------- usage errors

_JSON_REQUESTED = "saml_core.cli.json"
"""``Context.meta`` key (shared by a group and its subcommands): ``--json`` was among the arguments."""


@contextmanager
def _usage_errors(ctx: click.Context) -> Iterator[None]:
    """click's usage errors (bad or missing option, unknown command, ``click.UsageError`` raised by a
    command) as our one-line / JSON error with exit 2, instead of click's three-line usage block."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # a bare group name prints its help, as before
    except click.UsageError as exc:
        where = exc.ctx or ctx
        message = " ".join(exc.format_message().split())
        error = ConfigError(f"{message} (see '{where.command_path} --help')")
        fail(error, json_mode=True if ctx.meta.get(_JSON_REQUESTED) else None)


class _OneLineErrors:
    """The usage-error handling shared by ``OneLineErrorsCommand`` and ``OneLineErrorsGroup``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--json" in args:
            ctx.meta[_JSON_REQUESTED] = True
        with _usage_errors(ctx):
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_errors(ctx):
            return super().invoke(ctx)  # type: ignore[misc]


class OneLineErrorsCommand(_OneLineErrors, click.Command):
    """A command whose usage errors follow the error contract (see ``OneLineErrorsGroup``)."""


class OneLineErrorsGroup(_OneLineErrors, click.Group):
    """The root group of each console script: every usage error below it, whether click's parser finds it
    (unknown option, missing argument, bad choice, unknown command) or a command raises ``click.UsageError``,
    becomes one line on stderr (JSON with ``--json`` anywhere on the command line, or when stderr is not a
    terminal) and exit code 2."""

    command_class = OneLineErrorsCommand


# ------------------------------------------------------------------------------------------------ --now


def parse_now(text: str, flag: str = "--now") -> datetime:
    """``--now ISO8601`` as an aware UTC instant from EARLIEST_NOW to LATEST_NOW (see there); anything else
    is a ConfigError (exit 2)."""
    try:
        moment = parse_instant(text)
    except SAMLError:
        moment = None
    if moment is None or not in_now_range(moment):
        raise ConfigError(
            f"{flag} must be an ISO 8601 instant with a zone, like 2026-01-01T12:00:00Z, "
            f"{now_range_text()}; got {text[:64]!r}"
        )
    return moment


# ------------------------------------------------------------------------------------------------ servers


def host_port(host: str, port: int) -> str:
    """``HOST:PORT`` as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket (not yet listening) with TCP_NODELAY, which accepted connections inherit; a host
    or port that cannot be bound is ConfigError "cannot listen on HOST:PORT" (exit 2).

    uvicorn's own sockets are created with protocol 0, so asyncio does not set TCP_NODELAY on the
    connections and every response written in two parts waits ~40 ms for a delayed ACK (Nagle). Binding
    here, before uvicorn starts, also turns "address already in use" into our error instead of uvicorn's
    exit code 3.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    shown = host_port(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except (OSError, OverflowError, UnicodeError) as error:
        sock.close()
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(f"cannot listen on {shown}: {reason}") from None
    sock.set_inheritable(True)
    return sock
