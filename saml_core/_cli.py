"""What every command-line tool shares: exit codes and the one-line / JSON error contract (INTERFACES.md).

Exit codes: 0 success, 1 the input was rejected (a validation verdict), 2 usage or configuration error.
Errors go to stderr as one JSON object ``{"error", "aws_error", "message"}`` when ``--json`` is given or
stderr is not a terminal, else as one human line. No traceback ever reaches the user.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

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
