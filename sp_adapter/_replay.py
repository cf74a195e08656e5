"""One-time use of assertions: the replay caches (SECURITY.md R49).

Invariants this module owns:

* Rule 1: ``check_and_set(key, expires_at, now)`` returns True for exactly one caller per key while the entry
  lives, even when threads, processes or hosts race on the same key. The check and the set are one atomic
  step in every backend (a lock, a primary-key INSERT inside ``BEGIN IMMEDIATE``, ``SET NX``).
* Rule 2: entries live until ``expires_at`` measured on the caller's clock (``now``), never on a clock the
  cache reads itself, so a frozen ``now`` (tests, ``--now``) cannot make an entry expire early.
* Rule 3: fail closed. A cache that is full or unreachable raises ``ReplayCacheError``; it never answers
  "first use" when it does not know.
* Rule 4: keys are stored as their SHA-256, so attacker-sized IDs cannot inflate the store.

Backends are chosen by URL (``replay_cache_from_url``), following SQLAlchemy's convention for SQLite:
``memory://``, ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``, ``redis://host:port/db``.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import sqlite3
import threading
import time
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol
from typing import runtime_checkable

from saml_core import ensure_aware
from saml_core._url import check_url
from saml_core.errors import ConfigError
from saml_core.errors import SAMLError

#: the shortest life an entry gets, so a caller passing ``expires_at <= now`` still records the use
MIN_LIFETIME = timedelta(seconds=1)
DEFAULT_REDIS_PREFIX = "saml-replay:"


class ReplayCacheError(SAMLError):
    """The replay cache cannot answer (full, unreachable, corrupt); the message is rejected (fail closed)."""

    code = "replay_cache_unavailable"
    aws_error = None


@runtime_checkable
class ReplayCache(Protocol):
    """Atomic check-and-set of one-time identifiers (R49)."""

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record ``key`` until ``expires_at``; True only for its first use, False for a replay."""
        ...


def _digest(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError("a replay key is a non-empty string")
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _window(expires_at: datetime, now: datetime) -> tuple[float, float]:
    """(now, expiry) as POSIX seconds on the caller's clock, the expiry at least MIN_LIFETIME ahead."""
    now_s = ensure_aware(now).timestamp()
    expiry = max(ensure_aware(expires_at).timestamp(), now_s + MIN_LIFETIME.total_seconds())
    return now_s, expiry


# ----------------------------------------------------------------------------------------------- memory


class MemoryReplayCache:
    """In-process cache: a dict plus an expiry heap under one lock. Bounded: refuses when full (R49)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ConfigError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool:
        digest = _digest(key)
        now_s, expiry = _window(expires_at, now)
        with self._lock:
            self._purge(now_s)
            current = self._expiry.get(digest)
            if current is not None and current > now_s:
                return False
            if current is None and len(self._expiry) >= self.max_entries:
                raise ReplayCacheError(
                    f"the in-memory replay cache is full ({self.max_entries} live entries)"
                )
            self._expiry[digest] = expiry
            heapq.heappush(self._heap, (expiry, digest))
            return True

    def _purge(self, now_s: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now_s:
            expiry, digest = heapq.heappop(heap)
            if self._expiry.get(digest) == expiry:
                del self._expiry[digest]


# ----------------------------------------------------------------------------------------------- sqlite


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS saml_replay (key TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS saml_replay_expiry ON saml_replay (expires_at)",
)


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class SqliteReplayCache:
    """One SQLite file shared by the processes of one host: WAL, busy timeout, INSERT on a primary key."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        with self._lock:
            try:
                self._connection()
            except ReplayCacheError as exc:
                raise ConfigError(str(exc)) from None

    def _connection(self) -> sqlite3.Connection:
        """One connection per process (reopened after fork); callers hold ``self._lock``."""
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                conn = self._open()
                break
            except sqlite3.Error as exc:
                # switching a fresh file to WAL can return SQLITE_BUSY without consulting the busy handler
                # while another process does the same; retry that until the timeout
                if not _is_busy(exc) or time.monotonic() > deadline:
                    message = f"cannot open the SQLite replay cache {self.path!r}: {exc}"
                    raise ReplayCacheError(message) from None
                time.sleep(0.01)
        self._conn, self._pid = conn, os.getpid()
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            for statement in _SCHEMA:
                conn.execute(statement)
        except BaseException:
            conn.close()
            raise
        return conn

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool:
        digest = _digest(key)
        now_s, expiry = _window(expires_at, now)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("DELETE FROM saml_replay WHERE expires_at <= ?", (now_s,))
                    cursor = conn.execute(
                        "INSERT OR IGNORE INTO saml_replay (key, expires_at) VALUES (?, ?)", (digest, expiry)
                    )
                    first = cursor.rowcount == 1
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise ReplayCacheError(f"the SQLite replay cache failed: {exc}") from None
            return first

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


# ------------------------------------------------------------------------------------------------ redis


class RedisReplayCache:
    """A cache shared by a fleet: one atomic ``SET prefix+sha256(key) 1 NX PX ttl`` per use.

    The lifetime is sent relative (PX, ``expires_at - now`` on the caller's clock) rather than as an
    absolute PXAT: with a frozen or skewed ``now`` an absolute instant in the server's past would make the
    entry vanish at once and silently re-open the replay window (Rule 2).
    """

    def __init__(self, url: str, *, prefix: str = DEFAULT_REDIS_PREFIX, timeout: float = 5.0) -> None:
        import redis

        self.url = url
        self.prefix = prefix
        try:
            self._client: Any = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        except ValueError as exc:
            raise ConfigError(f"bad redis URL {url!r}: {exc}") from None
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool:
        digest = _digest(key)
        now_s, expiry = _window(expires_at, now)
        ttl_ms = max(1, int((expiry - now_s) * 1000))
        try:
            result = self._client.set(self.prefix + digest, b"1", nx=True, px=ttl_ms)
        except self._errors as exc:
            raise ReplayCacheError(f"the redis replay cache is unreachable: {type(exc).__name__}") from None
        return bool(result)

    def close(self) -> None:
        self._client.close()


# -------------------------------------------------------------------------------------------------- url


def replay_cache_from_url(url: str) -> ReplayCache:
    """``memory://``, ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``redis://host:port/db``.

    Anything else raises ``ConfigError`` (the CLI exits 2).
    """
    if not isinstance(url, str) or not url:
        raise ConfigError("the replay cache URL is empty")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise ConfigError(f"replay cache URL {url!r} has no scheme (memory://, sqlite:///, redis://)")
    if scheme == "memory":
        if rest:
            raise ConfigError(f"memory:// takes no host or path, got {url!r}")
        return MemoryReplayCache()
    if scheme == "sqlite":
        return SqliteReplayCache(_sqlite_path(url, rest))
    if scheme in ("redis", "rediss"):
        _check_redis_url(url)
        return RedisReplayCache(url)
    raise ConfigError(f"unsupported replay cache URL scheme {scheme!r} (memory://, sqlite:///, redis://)")


def _sqlite_path(url: str, rest: str) -> str:
    # SQLAlchemy: sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db"; no host part allowed
    if not rest.startswith("/"):
        raise ConfigError(
            f"sqlite URLs have no host: use sqlite:///relative.db or sqlite:////abs/path.db, not {url!r}"
        )
    path = rest[1:]
    if not path or path.endswith("/") or "?" in path or "#" in path:
        raise ConfigError(f"sqlite URL {url!r} names no database file")
    return path


def _check_redis_url(url: str) -> None:
    parts = check_url(url, what="redis URL", schemes=("redis", "rediss"))
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ConfigError(f"the redis database in {url!r} must be a number")
