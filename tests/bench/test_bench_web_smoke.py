"""bench/bench_web.py runs end to end in a fraction of a second of load: real logins, zero errors."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.conftest import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "bench_web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_web_smoke() -> None:
    bench = _load()
    (row,) = bench.run([1], clients=2, seconds=0.5)
    assert row["workers"] == 1
    assert row["errors"] == 0
    assert row["logins"] > 0 and row["logins_per_s"] > 0
    assert row["p50_ms"] <= row["p99_ms"]
    assert row["in_process_issue_per_s"] > 0
    assert 0 < row["ratio_to_in_process"] == round(row["ratio_to_in_process"], 3)


def test_bench_web_refuses_unbounded_runs() -> None:
    import pytest

    with pytest.raises(SystemExit) as exc:
        _load().main(["--seconds", "1000"])
    assert exc.value.code == 2
