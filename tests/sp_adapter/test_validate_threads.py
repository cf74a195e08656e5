"""validate_response from many threads at once: each call gets its own verdict, never a neighbour's.

lxml releases the GIL while it parses, validates against the XSD and canonicalises, so threads really
interleave inside the gates. What is shared between calls: the schema objects (and their error logs), the
per-thread parsers and depth probes, and the bounded caches of parsed instants and KeyInfo certificates.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.sp_adapter import _fixtures as fx

Outcome = tuple[str, str]
"""("accepted", name_id) or (error code, a fragment of its message)."""


def _cases() -> list[tuple[bytes, dict[str, object], Outcome]]:
    signed = fx.f0("RA")
    later = fx.NOW + timedelta(days=1)
    return [
        (signed, {}, ("accepted", fx.NAME_ID)),
        (fx.f0("A"), {}, ("accepted", fx.NAME_ID)),
        (fx.f0("R", name_id="bob@example.test"), {}, ("accepted", "bob@example.test")),
        (fx.f0("ERA"), {"decrypt_keys": [fx.sp_keys()]}, ("accepted", fx.NAME_ID)),
        # two different schema errors: a message must name its own document's problem
        (signed.replace(b'Version="2.0"', b'Version="2.0" Bogus="1"', 1), {}, ("malformed_xml", "'Bogus'")),
        (signed.replace(b"<samlp:Status>", b'<samlp:Status Oops="1">', 1), {}, ("malformed_xml", "'Oops'")),
        (signed.replace(fx.NAME_ID.encode(), fx.EVIL_NAME_ID.encode()), {}, ("signature_invalid", "")),
        (signed, {"now": later}, ("expired", "NotOnOrAfter")),
    ]


def _outcome(call: Callable[[], object]) -> Outcome:
    try:
        result = call()
    except ValidationError as error:
        return error.code, str(error)
    return "accepted", getattr(result, "name_id", "")


def test_concurrent_validations_each_get_their_own_verdict() -> None:
    cases = _cases()
    trust, policy = fx.trust(), fx.aws_policy()
    plan = [index for index in range(len(cases)) for _ in range(40)]
    random.Random(4).shuffle(plan)

    def one(index: int) -> tuple[int, Outcome]:
        data, overrides, _ = cases[index]
        options = {"trust": trust, "policy": policy, "now": fx.NOW, **overrides}
        return index, _outcome(lambda: validate_response(data, **options))  # type: ignore[arg-type]

    # every case alone first: the expectations hold without threads
    for index in range(len(cases)):
        _, (code, text) = one(index)
        assert code == cases[index][2][0] and cases[index][2][1] in text, (index, code, text)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, plan))
    assert len(results) == len(plan)
    for index, (code, text) in results:
        expected_code, fragment = cases[index][2]
        assert code == expected_code and fragment in text, (index, code, text)
