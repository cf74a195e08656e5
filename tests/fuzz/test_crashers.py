"""Replay every input a fuzzer ever crashed (or fooled) us with, as a regression (STYLE.md section 7).

``crashers/*.json`` hold a mutation recipe (``variant``, ``ops``, ``base64``) replayed on a freshly built F0,
so they survive key changes; ``crashers/*.xml`` hold exact bytes that fail before any signature is checked.
Each must satisfy the fuzz property: a ValidationError, or an acceptance with the original identity.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.fuzz import _mutations as m
from tests.fuzz.test_mutations import CRASHERS
from tests.fuzz.test_mutations import check
from tests.fuzz.test_mutations import options
from tests.fuzz.test_mutations import original

RECIPES = sorted(CRASHERS.glob("*.json"))
RAW = sorted(CRASHERS.glob("*.xml"))
ALL = RECIPES + RAW


def test_the_crasher_corpus_is_not_empty() -> None:
    assert ALL


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_replay(path: Path) -> None:
    if path.suffix == ".json":
        record = json.loads(path.read_text())
        ops = [tuple(op) for op in record["ops"]]
        data = m.apply(original(record["variant"]), ops)  # type: ignore[arg-type]
        payload: bytes | str = base64.b64encode(data).decode("ascii") if record["base64"] else data
        check(record["variant"], payload)
        return
    with pytest.raises(ValidationError) as info:
        validate_response(path.read_bytes(), **options())
    assert info.value.code
    assert "\n" not in str(info.value)
