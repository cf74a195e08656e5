"""bench/bench_validate.py runs end to end in a few iterations: all three contenders accept the same bytes."""

from __future__ import annotations

import importlib.util
import shutil
from types import ModuleType

from tests.conftest import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_validate", ROOT / "bench" / "bench_validate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_validate_smoke() -> None:
    bench = _load()
    rows = bench.run(["A", "RA"], 0.02)
    assert [row["variant"] for row in rows] == ["F0-A", "F0-RA"]
    for row in rows:
        assert row["ours_ops"] > 0 and row["python3_saml_ops"] > 0 and row["floor_ops"] > 0
        assert abs(row["vs_python3_saml"] - row["ours_ops"] / row["python3_saml_ops"]) < 0.05
        if shutil.which("xmlsec1") is not None:  # ./dev test installs it: pysaml2 must have run and accepted
            assert row["pysaml2_ops"] > 0 and row["vs_pysaml2"] >= 1
    assert bench.main(["--seconds", "0.01", "--variant", "A"]) == 0


def test_bench_validate_breakdown_times_every_step_and_restores_them() -> None:
    import saml_core
    import sp_adapter._validate as pipeline

    bench = _load()
    plain, clocked, steps = bench.breakdown("RA", 3)
    assert plain > 0 and clocked > 0
    assert [label for label, _ in steps] == [label for _, _, label in bench._STEPS]
    assert all(micros > 0 for _, micros in steps), steps  # every step ran inside validate_response
    assert pipeline.parse_xml is saml_core.parse_xml  # the clocks are gone afterwards
    assert bench.main(["--breakdown", "--calls", "2", "--variant", "A"]) == 0
