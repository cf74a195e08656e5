"""A credential cache keyed by role: cached credentials are returned until shortly before they expire.

Used only where the user asks for it (``--cache-dir``): ``saml-sp login --format credential-process`` is run
by the AWS CLI before every command, and should not sign in again while the last credentials are good.

Invariants this module owns:

* Rule 1: entries live in a folder of mode 0700 owned by the current user, one 0600 JSON file per key, written
  atomically; a folder or file anybody else could have written is refused or ignored.
* Rule 2: an entry is served only while ``now < expiration - refresh_margin``; after that it is a miss.
* Rule 3: the file name is a SHA-256 of the key parts, so no ARN or user name becomes a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from saml_core import ensure_aware
from saml_core._bounded import read_file
from saml_core.errors import ConfigError

from ._exchange import AwsCredentials
from ._outputs import write_private_file

DEFAULT_REFRESH_MARGIN = 300
"""Seconds before expiry at which cached credentials stop being served (the AWS CLI refreshes at 5-15 min)."""


def cache_key(role_arn: str, *context: str) -> str:
    """The key for ``role_arn`` in a context (IdP URL and user, or issuer and subject): a hex SHA-256."""
    text = "\n".join((role_arn, *context))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CredentialCache:
    """Credentials by key, in a private folder (Rules 1-3)."""

    def __init__(self, directory: Path, *, refresh_margin: int = DEFAULT_REFRESH_MARGIN) -> None:
        if refresh_margin < 0:
            raise ConfigError("the refresh margin cannot be negative")
        self.directory = directory.expanduser()
        self.refresh_margin = timedelta(seconds=refresh_margin)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(ch not in "0123456789abcdef" for ch in key):
            raise ValueError("cache keys come from cache_key()")
        return self.directory / f"{key}.json"

    def _check_folder(self, *, create: bool) -> bool:
        """Rule 1 for the folder; False when it does not exist (and ``create`` is off)."""
        if create:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            info = self.directory.stat()
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"credential cache {self.directory} is not a folder")
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise ConfigError(f"credential cache {self.directory} must be a folder of mode 0700 owned by you")
        return True

    def get(self, key: str, now: datetime) -> AwsCredentials | None:
        """The cached credentials for ``key`` if still good at ``now`` (Rule 2), else None."""
        path = self._path(key)
        if not self._check_folder(create=False):
            return None
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
                return None
            credentials = AwsCredentials.from_json(json.loads(read_file(path).decode("utf-8")))
        except (OSError, ValueError):
            return None
        if ensure_aware(now) >= credentials.expiration - self.refresh_margin:
            return None
        return credentials

    def put(self, key: str, credentials: AwsCredentials) -> None:
        """Store ``credentials`` under ``key`` (0600, atomic)."""
        path = self._path(key)
        self._check_folder(create=True)
        write_private_file(path, json.dumps(credentials.to_json()))

    def remove(self, key: str) -> None:
        """Forget ``key`` (no error when absent)."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()
