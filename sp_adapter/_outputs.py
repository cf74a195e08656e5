"""Credential outputs: ``json``, ``env``, ``ini``, ``credential-process``, and the credentials-file merge.

Invariants this module owns:

* Rule 1: the credential-process output is the AWS CLI contract: ``Version`` 1, ``AccessKeyId``,
  ``SecretAccessKey``, ``SessionToken`` and ``Expiration`` as ISO 8601 (AWS CLI "Sourcing credentials with an
  external process").
* Rule 2: a credentials file is rewritten atomically (a 0600 temporary file in the same folder, fsync, rename)
  under an exclusive lock; it is never readable by others, even for an instant, and every other profile,
  key and comment is kept byte for byte.
* Rule 3: nothing a user cannot see leaks into shell or INI syntax: values are shell-quoted, and profile
  names and values containing line breaks or brackets are refused.

``render_*`` functions are pure; ``write_profile`` is the one function here that touches the file system.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shlex
import tempfile
from collections.abc import Iterator
from pathlib import Path

from saml_core import format_instant
from saml_core._bounded import read_file
from saml_core.errors import ConfigError

from ._exchange import AwsCredentials

FORMATS = ("json", "env", "ini", "credential-process")
_PROFILE = re.compile(r"[A-Za-z0-9_.@+=,:/-]{1,128}", re.ASCII)
_SECTION = re.compile(r"^\s*\[([^\]]*)\]\s*$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*[=:]")
MANAGED_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "x_security_token_expires")


def check_profile_name(name: str) -> str:
    """A profile name usable as an INI section (Rule 3)."""
    if _PROFILE.fullmatch(name) is None:
        raise ConfigError(f"invalid profile name {name[:64]!r}: use letters, digits and _.@+=,:/-")
    return name


def _safe(value: str) -> str:
    if any(ch in value for ch in "\r\n\x00"):
        raise ConfigError("a credential value contains a line break")
    return value


def render_json(credentials: AwsCredentials) -> str:
    """``--format json``: one object (see ``AwsCredentials.to_json``)."""
    return json.dumps(credentials.to_json(), indent=2) + "\n"


def render_credential_process(credentials: AwsCredentials) -> str:
    """``--format credential-process``: exactly the AWS CLI contract (Rule 1)."""
    return (
        json.dumps(
            {
                "Version": 1,
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                "Expiration": format_instant(credentials.expiration),
            }
        )
        + "\n"
    )


def render_env(credentials: AwsCredentials) -> str:
    """``--format env``: ``export`` lines for ``eval "$(saml-sp exchange ... --format env)"``."""
    values = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        "AWS_CREDENTIAL_EXPIRATION": format_instant(credentials.expiration),
    }
    if credentials.region is not None:
        values["AWS_REGION"] = credentials.region
    return "".join(f"export {name}={shlex.quote(_safe(value))}\n" for name, value in values.items())


def _ini_lines(credentials: AwsCredentials) -> list[str]:
    return [
        f"aws_access_key_id = {_safe(credentials.access_key_id)}\n",
        f"aws_secret_access_key = {_safe(credentials.secret_access_key)}\n",
        f"aws_session_token = {_safe(credentials.session_token)}\n",
        f"x_security_token_expires = {format_instant(credentials.expiration)}\n",
    ]


def render_ini(credentials: AwsCredentials, profile: str = "default") -> str:
    """``--format ini``: one credentials-file section."""
    return f"[{check_profile_name(profile)}]\n" + "".join(_ini_lines(credentials))


def render(credentials: AwsCredentials, fmt: str, profile: str = "default") -> str:
    """The text of ``fmt`` (one of ``FORMATS``)."""
    if fmt == "json":
        return render_json(credentials)
    if fmt == "env":
        return render_env(credentials)
    if fmt == "ini":
        return render_ini(credentials, profile)
    if fmt == "credential-process":
        return render_credential_process(credentials)
    raise ConfigError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")


def merge_profile(existing: str, profile: str, credentials: AwsCredentials) -> str:
    """``existing`` credentials-file text with ``profile``'s credential keys replaced (Rule 2: rest kept).

    Other keys of the same section (``region``, comments) stay; a missing section is appended.
    """
    check_profile_name(profile)
    lines = existing.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if _section_name(line) == profile), None)
    if start is None:
        separator = ["\n"] if lines and lines[-1].strip() else []
        return "".join(lines + separator + [f"[{profile}]\n"] + _ini_lines(credentials))
    end = next((i for i in range(start + 1, len(lines)) if _section_name(lines[i]) is not None), len(lines))
    body = [line for line in lines[start + 1 : end] if _key_name(line) not in MANAGED_KEYS]
    while body and not body[-1].strip():
        body.pop()
    trailer = ["\n"] if end < len(lines) else []
    return "".join(lines[: start + 1] + _ini_lines(credentials) + body + trailer + lines[end:])


def _section_name(line: str) -> str | None:
    match = _SECTION.match(line)
    return match.group(1).strip() if match else None


def _key_name(line: str) -> str | None:
    match = _KEY.match(line)
    return match.group(1).lower() if match else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on the file's folder so two writers never lose each other's profiles."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, mode 0600 from the first byte (Rule 2). A path that exists
    and is not a regular file (/dev/null, a FIFO) is written to, never replaced by a file of ours."""
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_profile(path: Path, profile: str, credentials: AwsCredentials) -> Path:
    """Merge ``credentials`` into the credentials file at ``path`` as ``[profile]``; returns the file written.

    A symlinked file is updated at its target; missing folders are created 0700.
    """
    check_profile_name(profile)
    target = Path(os.path.realpath(path.expanduser()))
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(target):
        try:
            existing = read_file(target).decode("utf-8")
        except FileNotFoundError:
            existing = ""
        except UnicodeDecodeError as error:
            raise ConfigError(f"{target} is not UTF-8 text; not touching it") from error
        write_private_file(target, merge_profile(existing, profile, credentials))
    return target
