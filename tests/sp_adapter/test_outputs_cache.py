"""The credential cache: keyed by role, served until shortly before expiry, private on disk."""

from __future__ import annotations

import os
import stat
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from saml_core.errors import ConfigError
from sp_adapter import AwsCredentials
from sp_adapter import CredentialCache
from sp_adapter import cache_key

EXPIRES = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::111111111111:role/ReadOnly"
ADMIN = "arn:aws:iam::111111111111:role/Admin"


def creds(key_id: str = "ASIAONE", role: str = ROLE) -> AwsCredentials:
    return AwsCredentials(
        access_key_id=key_id, secret_access_key="s", session_token="t", expiration=EXPIRES, role_arn=role
    )


def test_cached_credentials_are_served_until_the_refresh_margin(tmp_path: Path) -> None:
    cache = CredentialCache(tmp_path / "cache", refresh_margin=300)
    key = cache_key(ROLE, "https://idp", "alice")
    assert cache.get(key, EXPIRES - timedelta(hours=1)) is None
    cache.put(key, creds())
    assert cache.get(key, EXPIRES - timedelta(hours=1)) == creds()
    assert cache.get(key, EXPIRES - timedelta(seconds=301)) == creds()
    assert cache.get(key, EXPIRES - timedelta(seconds=300)) is None
    assert cache.get(key, EXPIRES + timedelta(seconds=1)) is None


def test_keys_separate_roles_and_users(tmp_path: Path) -> None:
    cache = CredentialCache(tmp_path)
    cache.put(cache_key(ROLE, "idp", "alice"), creds("ASIAREADONLY"))
    cache.put(cache_key(ADMIN, "idp", "alice"), creds("ASIAADMIN", ADMIN))
    now = EXPIRES - timedelta(hours=1)
    assert cache.get(cache_key(ROLE, "idp", "alice"), now) == creds("ASIAREADONLY")
    assert cache.get(cache_key(ADMIN, "idp", "alice"), now) == creds("ASIAADMIN", ADMIN)
    assert cache.get(cache_key(ROLE, "idp", "bob"), now) is None


def test_files_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    cache = CredentialCache(tmp_path / "c")
    key = cache_key(ROLE)
    cache.put(key, creds())
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "c" / f"{key}.json").stat().st_mode) == 0o600


def test_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    cache = CredentialCache(folder)
    with pytest.raises(ConfigError) as info:
        cache.put(cache_key(ROLE), creds())
    assert info.value.code == "config_error"
    with pytest.raises(ConfigError):
        cache.get(cache_key(ROLE), EXPIRES - timedelta(hours=1))
    os.chmod(folder, 0o700)
    cache.put(cache_key(ROLE), creds())
    assert cache.get(cache_key(ROLE), EXPIRES - timedelta(hours=1)) == creds()


def test_an_entry_readable_by_others_or_corrupt_is_a_miss(tmp_path: Path) -> None:
    cache = CredentialCache(tmp_path / "c")
    key = cache_key(ROLE)
    cache.put(key, creds())
    path = tmp_path / "c" / f"{key}.json"
    os.chmod(path, 0o644)
    assert cache.get(key, EXPIRES - timedelta(hours=1)) is None
    os.chmod(path, 0o600)
    assert cache.get(key, EXPIRES - timedelta(hours=1)) == creds()
    path.write_text("{not json")
    assert cache.get(key, EXPIRES - timedelta(hours=1)) is None
    cache.remove(key)
    assert not path.exists()


def test_only_hashed_keys_become_file_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CredentialCache(tmp_path).put("../../etc/passwd", creds())
    assert len(cache_key(ROLE)) == 64
