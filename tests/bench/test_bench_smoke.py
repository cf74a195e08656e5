"""The benchmarks run (tiny iteration counts) so they cannot rot; their numbers are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import bench_core

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fixture() -> bench_core.Fixture:
    return bench_core.Fixture()


def test_every_case_runs_and_cross_checks(fixture: bench_core.Fixture) -> None:
    fixture.cross_check()
    cases = fixture.cases()
    assert {(c.library, c.operation) for c in cases} == {
        (lib, op) for lib in ("saml_core", "python-xmlsec", "cryptography") for op in ("sign", "verify")
    } | {("signxml", "verify")}
    for case in cases:
        result = bench_core.measure(case, seconds=1.0, iterations=2)
        assert result.iterations == 2 and result.ops_per_second > 0


def test_table_has_both_operations_and_the_ratios(fixture: bench_core.Fixture) -> None:
    results = bench_core.measure_all(fixture.cases(), seconds=1.0, iterations=1)
    text = bench_core.table(results)
    assert "core/xmlsec" in text and "core/crypto" in text and "x signxml" in text
    assert text.count("/s") >= 6 and "sign" in text and "verify" in text


def test_script_entry_point() -> None:
    script = ROOT / "bench" / "bench_core.py"
    done = subprocess.run(
        [sys.executable, str(script), "--iterations", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 7 and all(row["iterations"] == 2 for row in rows)
    bad = subprocess.run(
        [sys.executable, str(script), "--seconds", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
