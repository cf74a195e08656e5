"""Replay caches (SECURITY.md R49, attack H12): one contract, run against every backend.

The contract class is inherited per backend (STYLE.md section 7), and the backends run for real: SQLite on a
file under tmp_path, redis against the ``redis_url`` server from tests/conftest.py.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from saml_core.errors import ConfigError
from sp_adapter._replay import MIN_LIFETIME
from sp_adapter._replay import MemoryReplayCache
from sp_adapter._replay import RedisReplayCache
from sp_adapter._replay import ReplayCache
from sp_adapter._replay import ReplayCacheError
from sp_adapter._replay import SqliteReplayCache
from sp_adapter._replay import replay_cache_from_url
from tests.conftest import free_port

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


class ReplayCacheContract:
    """What every ReplayCache promises; subclasses provide the ``cache`` fixture."""

    @pytest.fixture
    def cache(self) -> Iterator[ReplayCache]:
        raise NotImplementedError

    def test_is_a_replay_cache(self, cache: ReplayCache) -> None:
        assert isinstance(cache, ReplayCache)

    def test_first_use_accepted_second_rejected(self, cache: ReplayCache) -> None:
        assert cache.check_and_set("_A1", LATER, NOW) is True
        assert cache.check_and_set("_A1", LATER, NOW + timedelta(seconds=1)) is False
        assert cache.check_and_set("_A1", LATER + timedelta(hours=1), NOW + timedelta(minutes=4)) is False

    def test_distinct_keys_are_independent(self, cache: ReplayCache) -> None:
        assert cache.check_and_set("_A1", LATER, NOW) is True
        assert cache.check_and_set("_A2", LATER, NOW) is True
        assert cache.check_and_set("_a1", LATER, NOW) is True  # IDs are case-sensitive

    def test_frozen_past_clock_still_detects_replay(self, cache: ReplayCache) -> None:
        # `saml-sp validate --now 2001-...`: the entry must live on the caller's clock, not the server's
        then = datetime(2001, 1, 1, tzinfo=UTC)
        assert cache.check_and_set("_old", then + timedelta(minutes=5), then) is True
        assert cache.check_and_set("_old", then + timedelta(minutes=5), then + timedelta(seconds=30)) is False

    def test_expiry_in_the_past_still_records_the_use(self, cache: ReplayCache) -> None:
        assert cache.check_and_set("_late", NOW - timedelta(minutes=1), NOW) is True
        assert cache.check_and_set("_late", NOW - timedelta(minutes=1), NOW) is False

    def test_huge_and_unicode_keys(self, cache: ReplayCache) -> None:
        big = "_" + "x" * 200_000
        assert cache.check_and_set(big, LATER, NOW) is True
        assert cache.check_and_set(big, LATER, NOW) is False
        assert cache.check_and_set(big + "y", LATER, NOW) is True
        assert cache.check_and_set("issuer\u00e9|_A", LATER, NOW) is True
        assert cache.check_and_set("issuer\u00e9|_A", LATER, NOW) is False

    def test_naive_datetime_is_refused(self, cache: ReplayCache) -> None:
        with pytest.raises(ValueError, match="naive"):
            cache.check_and_set("_naive", LATER.replace(tzinfo=None), NOW)
        assert cache.check_and_set("_naive", LATER, NOW) is True

    def test_empty_key_is_refused(self, cache: ReplayCache) -> None:
        with pytest.raises(ValueError, match="non-empty"):
            cache.check_and_set("", LATER, NOW)

    def test_threads_racing_get_exactly_one_acceptance_per_key(self, cache: ReplayCache) -> None:
        keys = [f"_race{i}" for i in range(150)]
        wins: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(6)

        def worker() -> None:
            barrier.wait()
            for key in keys:
                if cache.check_and_set(key, LATER, NOW):
                    with lock:
                        wins.append(key)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(wins) == sorted(keys)


class ClockExpiryContract(ReplayCacheContract):
    """Backends that expire on the caller's ``now`` (memory, SQLite)."""

    def test_reusable_only_after_expiry(self, cache: ReplayCache) -> None:
        assert cache.check_and_set("_A1", LATER, NOW) is True
        assert cache.check_and_set("_A1", LATER, LATER - timedelta(microseconds=1)) is False
        assert cache.check_and_set("_A1", LATER + timedelta(minutes=5), LATER) is True
        assert cache.check_and_set("_A1", LATER + timedelta(minutes=5), LATER + timedelta(seconds=1)) is False

    def test_min_lifetime_applies_to_past_expiry(self, cache: ReplayCache) -> None:
        assert cache.check_and_set("_late", NOW - timedelta(hours=1), NOW) is True
        assert cache.check_and_set("_late", NOW, NOW + MIN_LIFETIME - timedelta(microseconds=1)) is False
        assert cache.check_and_set("_late", NOW, NOW + MIN_LIFETIME) is True


class TestMemoryReplayCache(ClockExpiryContract):
    @pytest.fixture
    def cache(self) -> Iterator[ReplayCache]:
        yield MemoryReplayCache()

    def test_full_cache_fails_closed(self) -> None:
        cache = MemoryReplayCache(max_entries=3)
        for i in range(3):
            assert cache.check_and_set(f"_k{i}", LATER, NOW) is True
        with pytest.raises(ReplayCacheError) as info:
            cache.check_and_set("_k3", LATER, NOW)
        assert info.value.code == "replay_cache_unavailable"
        # a replay of a stored key is still answered while full
        assert cache.check_and_set("_k0", LATER, NOW) is False

    def test_expired_entries_free_room(self) -> None:
        cache = MemoryReplayCache(max_entries=3)
        for i in range(3):
            assert cache.check_and_set(f"_k{i}", LATER, NOW) is True
        assert cache.check_and_set("_k3", LATER + timedelta(minutes=5), LATER) is True
        assert len(cache) == 1

    def test_max_entries_must_be_positive(self) -> None:
        with pytest.raises(ConfigError) as info:
            MemoryReplayCache(max_entries=0)
        assert info.value.code == "config_error"


class TestSqliteReplayCache(ClockExpiryContract):
    @pytest.fixture
    def cache(self, tmp_path: Path) -> Iterator[ReplayCache]:
        cache = SqliteReplayCache(tmp_path / "replay.db")
        yield cache
        cache.close()

    def test_entries_are_shared_through_the_file(self, tmp_path: Path) -> None:
        first = SqliteReplayCache(tmp_path / "shared.db")
        second = SqliteReplayCache(tmp_path / "shared.db")
        assert first.check_and_set("_A1", LATER, NOW) is True
        assert second.check_and_set("_A1", LATER, NOW) is False
        assert second.check_and_set("_A2", LATER, NOW) is True
        assert first.check_and_set("_A2", LATER, NOW) is False
        first.close()
        second.close()

    def test_expired_rows_are_purged(self, tmp_path: Path) -> None:
        import sqlite3

        cache = SqliteReplayCache(tmp_path / "purge.db")
        for i in range(5):
            cache.check_and_set(f"_k{i}", LATER, NOW)
        cache.check_and_set("_fresh", LATER + timedelta(minutes=5), LATER)
        cache.close()
        with sqlite3.connect(tmp_path / "purge.db") as conn:
            (count,) = conn.execute("SELECT count(*) FROM saml_replay").fetchone()
            (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        assert count == 1
        assert mode == "wal"

    def test_unopenable_file_is_a_config_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as info:
            SqliteReplayCache(tmp_path / "missing-dir" / "replay.db")
        assert info.value.code == "config_error"

    def test_keys_are_stored_hashed(self, tmp_path: Path) -> None:
        import sqlite3

        cache = SqliteReplayCache(tmp_path / "hashed.db")
        cache.check_and_set("_" + "x" * 10_000, LATER, NOW)
        cache.close()
        with sqlite3.connect(tmp_path / "hashed.db") as conn:
            (key,) = conn.execute("SELECT key FROM saml_replay").fetchone()
        assert len(key) == 64


class TestRedisReplayCache(ReplayCacheContract):
    @pytest.fixture
    def cache(self, redis_url: str) -> Iterator[ReplayCache]:
        cache = RedisReplayCache(redis_url, prefix=f"test-{uuid.uuid4().hex}:")
        yield cache
        cache.close()

    def test_entry_ttl_is_the_remaining_lifetime(self, redis_url: str) -> None:
        import hashlib

        cache = RedisReplayCache(redis_url, prefix=f"ttl-{uuid.uuid4().hex}:")
        then = datetime(2001, 1, 1, tzinfo=UTC)  # a frozen clock in the past must not shorten the TTL
        assert cache.check_and_set("_A1", then + timedelta(seconds=300), then) is True
        key = cache.prefix + hashlib.sha256(b"_A1").hexdigest()
        ttl = cache._client.pttl(key)
        assert 299_000 < ttl <= 300_000
        cache.close()

    def test_entries_are_shared_between_clients(self, redis_url: str) -> None:
        prefix = f"shared-{uuid.uuid4().hex}:"
        first = RedisReplayCache(redis_url, prefix=prefix)
        second = RedisReplayCache(redis_url, prefix=prefix)
        assert first.check_and_set("_A1", LATER, NOW) is True
        assert second.check_and_set("_A1", LATER, NOW) is False
        first.close()
        second.close()

    def test_unreachable_server_fails_closed(self) -> None:
        cache = RedisReplayCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
        with pytest.raises(ReplayCacheError) as info:
            cache.check_and_set("_A1", LATER, NOW)
        assert info.value.code == "replay_cache_unavailable"
        assert info.value.aws_error is None


# ------------------------------------------------------------------------------------------ URL parsing


def test_memory_url() -> None:
    assert isinstance(replay_cache_from_url("memory://"), MemoryReplayCache)


def test_sqlite_relative_url_resolves_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = replay_cache_from_url("sqlite:///rel.db")
    assert isinstance(cache, SqliteReplayCache)
    assert cache.path == "rel.db"
    assert cache.check_and_set("_A1", LATER, NOW) is True
    assert (tmp_path / "rel.db").is_file()
    cache.close()


def test_sqlite_absolute_url(tmp_path: Path) -> None:
    target = tmp_path / "abs.db"
    cache = replay_cache_from_url(f"sqlite:///{target}")
    assert isinstance(cache, SqliteReplayCache)
    assert cache.path == str(target)
    assert str(target).startswith("/")
    assert target.is_file()
    cache.close()


def test_redis_url(redis_url: str) -> None:
    cache = replay_cache_from_url(redis_url)
    assert isinstance(cache, RedisReplayCache)
    key = f"_url-{uuid.uuid4().hex}"
    assert cache.check_and_set(key, LATER, NOW) is True
    assert cache.check_and_set(key, LATER, NOW) is False
    cache.close()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "memory",
        "memory://somewhere",
        "sqlite://",
        "sqlite:///",
        "sqlite://host/db.sqlite",
        "sqlite:///dir/",
        "redis://",
        "redis://127.0.0.1:notaport/0",
        "redis://127.0.0.1:6379/zero",
        "postgresql://localhost/replay",
        "file:///tmp/replay.db",
        "/tmp/replay.db",
    ],
)
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        replay_cache_from_url(url)
    assert info.value.code == "config_error"
