"""Property tests (hypothesis): random mutations of a valid signed response (byte flips, drops and insertions;
element deletions, duplications, moves and insertions; attribute and text edits):

* never crash: the only exception ``validate_response`` may raise is ``ValidationError`` (R60);
* are never accepted with a changed identity: whatever is accepted returns exactly the original's issuer,
  subject, audiences, recipient, times, attributes, AWS roles and assertion ID (R31: only signed content is
  read; unsigned parts such as KeyInfo or an unsigned Response's ID may change without effect).

The runs are derandomised so CI is deterministic; ``SAML_FUZZ_EXAMPLES=5000 SAML_FUZZ_RANDOM=1`` explores more
locally and ``SAML_FUZZ_SAVE=1`` writes each failing example to ``tests/fuzz/crashers/`` (replayed by
``test_crashers.py``).
"""

from __future__ import annotations

import base64
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.fuzz import _mutations as m
from tests.sp_adapter import _fixtures as fx

CRASHERS = Path(__file__).resolve().parent / "crashers"
EXAMPLES = int(os.environ.get("SAML_FUZZ_EXAMPLES", "500"))
VARIANTS = ("RA", "R", "A", "ERA")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("SAML_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def options() -> dict[str, Any]:
    return {
        "trust": fx.trust(),
        "policy": fx.aws_policy(),
        "now": fx.NOW,
        "request_id": fx.REQUEST_ID,
        "decrypt_keys": [fx.sp_keys()],
    }


#: not identity: the Response ID is unauthenticated when only the assertion is signed (R32), and the
#: exact received bytes are by design the mutated ones
NOT_IDENTITY = ("response_id", "saml_response_b64", "replay_checked")


def identity(result: ValidatedAssertion) -> dict[str, Any]:
    """Everything identity-bearing a relying party would act on."""
    body = {key: value for key, value in result.to_json().items() if key not in NOT_IDENTITY}
    body["assertion_id"] = result.assertion_id
    return body


@cache
def original(variant: str) -> bytes:
    return fx.f0(variant)


@cache
def original_identity(variant: str) -> str:
    return json.dumps(identity(validate_response(original(variant), **options())), sort_keys=True)


def check(variant: str, data: bytes | str) -> ValidatedAssertion | None:
    """The property: a ValidationError, or an acceptance with exactly the original identity."""
    try:
        result = validate_response(data, **options())
    except ValidationError:
        return None
    assert json.dumps(identity(result), sort_keys=True) == original_identity(variant)
    return result


def _save(variant: str, ops: list[m.Op], as_base64: bool, error: BaseException) -> None:
    """Overwrite one file per variant: hypothesis replays the shrunk example last, so that one stays."""
    if os.environ.get("SAML_FUZZ_SAVE") != "1":
        return
    record = {
        "variant": variant,
        "ops": ops,
        "base64": as_base64,
        "error": f"{type(error).__name__}: {error}",
    }
    text = json.dumps(record, indent=1, ensure_ascii=True)
    CRASHERS.mkdir(exist_ok=True)
    (CRASHERS / f"found-{variant}.json").write_text(text + "\n")


def run(variant: str, ops: list[m.Op], as_base64: bool) -> None:
    data = m.apply(original(variant), ops)
    payload: bytes | str = base64.b64encode(data).decode("ascii") if as_base64 else data
    try:
        check(variant, payload)
    except BaseException as error:  # noqa: BLE001 - record, then let pytest report it
        _save(variant, ops, as_base64, error)
        raise


def test_originals_are_accepted() -> None:
    # the positive control of every property below
    for variant in VARIANTS:
        assert check(variant, original(variant)) is not None


@pytest.mark.parametrize("variant", VARIANTS)
@FUZZ
@given(ops=m.operations, as_base64=st.booleans())
def test_mutations_never_crash_and_never_change_identity(
    variant: str, ops: list[m.Op], as_base64: bool
) -> None:
    run(variant, ops, as_base64)


@FUZZ
@given(ops=st.lists(m.byte_op, min_size=1, max_size=4))
def test_byte_level_mutations(ops: list[m.Op]) -> None:
    run("RA", ops, False)


def test_identity_changing_mutation_is_caught() -> None:
    # sanity for the oracle: an identity edit in signed content is refused, and the oracle would have
    # noticed an acceptance
    ops: list[m.Op] = [("text", _index_of(original("RA"), "NameID"), 1, 0, fx.EVIL_NAME_ID)]
    data = m.apply(original("RA"), ops)
    assert fx.EVIL_NAME_ID.encode() in data
    assert check("RA", data) is None
    with pytest.raises(ValidationError):
        validate_response(data, **options())


def _index_of(data: bytes, local: str) -> int:
    root = fx.parse(data)
    for index, node in enumerate(m._elements(root)):
        if str(node.tag).endswith("}" + local):
            return index
    raise AssertionError(local)
