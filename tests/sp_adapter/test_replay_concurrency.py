"""Replay across processes (R49, attack H12): two OS processes race on the same assertion IDs against one
SQLite file and one redis-server. Each ID must be accepted exactly once in total.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from tests.conftest import ROOT

WORKER = r"""
import json, os, sys, time
from datetime import UTC, datetime, timedelta
from sp_adapter._replay import replay_cache_from_url

url, go_file, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cache = replay_cache_from_url(url)
now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
expires = now + timedelta(minutes=5)
print("ready", flush=True)
deadline = time.monotonic() + 30
while not os.path.exists(go_file):
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.001)
wins = [i for i in range(count) if cache.check_and_set(f"{tag}-_A{i}", expires, now)]
print(json.dumps(wins), flush=True)
"""

COUNT = 400


def _race(url: str, tmp_path: Path, workers: int = 2) -> list[list[int]]:
    go_file = tmp_path / f"go-{uuid.uuid4().hex}"
    tag = uuid.uuid4().hex
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(go_file), str(COUNT), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        for _ in range(workers)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == b"ready", proc.communicate(timeout=30)[1].decode()[-2000:]
        go_file.touch()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode()
            results.append(json.loads(out))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _assert_exactly_once(results: list[list[int]]) -> None:
    accepted = [i for wins in results for i in wins]
    assert sorted(accepted) == list(range(COUNT)), "an ID was accepted twice or never"


def test_two_processes_one_sqlite_file(tmp_path: Path) -> None:
    results = _race(f"sqlite:///{tmp_path}/replay.db", tmp_path)
    _assert_exactly_once(results)


def test_two_processes_one_sqlite_file_relative_url(tmp_path: Path) -> None:
    results = _race("sqlite:///replay-rel.db", tmp_path)
    _assert_exactly_once(results)
    assert (tmp_path / "replay-rel.db").is_file()


def test_two_processes_one_redis_server(redis_url: str, tmp_path: Path) -> None:
    results = _race(redis_url, tmp_path)
    _assert_exactly_once(results)


def test_memory_caches_are_per_process(tmp_path: Path) -> None:
    # the positive twin of the shared backends: memory:// is not shared, so both processes accept every ID.
    # This is why the ACS broker with several workers needs sqlite:// or redis://.
    results = _race("memory://", tmp_path)
    assert results[0] == list(range(COUNT))
    assert results[1] == list(range(COUNT))
