"""xs:dateTime parsing (R47, catalogue F15) and SAML IDs (SAML core 1.3.3, 1.3.4)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from saml_core import ensure_aware
from saml_core import format_instant
from saml_core import is_ncname
from saml_core import new_id
from saml_core import parse_instant
from saml_core import sequential_ids
from saml_core import utcnow
from saml_core.errors import SAMLError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T12:00:00Z", datetime(2026, 1, 1, 12, tzinfo=UTC)),
        ("2026-01-01T12:00:00.5Z", datetime(2026, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)),
        ("2026-01-01T12:00:00." + "1" * 30 + "Z", datetime(2026, 1, 1, 12, 0, 0, 111_111, tzinfo=UTC)),
        ("2026-01-01T14:00:00+14:00", datetime(2026, 1, 1, 0, tzinfo=UTC)),
        ("2026-01-01T00:00:00-05:30", datetime(2026, 1, 1, 5, 30, tzinfo=UTC)),
        ("  2026-01-01T12:00:00Z\n", datetime(2026, 1, 1, 12, tzinfo=UTC)),
    ],
    ids=["z", "fraction", "30-fraction-digits", "plus-14", "minus-0530", "whitespace-collapsed"],
)
def test_f15_control_valid_instants(text: str, expected: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-45T99:99:99Z",
        "0000-01-01T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "2024-01-01T23:59:60Z",
        "2024-01-01T12:00:00z",
        "2024-01-01T12:00:00",
        "2024-02-30T12:00:00Z",
        "2024-01-01T12:00:00+15:00",
        "2024-01-01T12:00:00+14:30",
        "2024-01-01T12:00:00+01:60",
        "2024-01-01 12:00:00Z",
        "",
        "now",
        "2024-01-01T12:00:00.Z",
        "\u0662024-01-01T12:00:00Z",
    ],
)
def test_f15_invalid_instants_rejected_cleanly(text: str) -> None:
    with pytest.raises(SAMLError) as info:
        parse_instant(text)
    assert info.value.code == "malformed_xml"


def test_f15_date_at_the_edge_of_the_calendar_rejected() -> None:
    with pytest.raises(SAMLError) as info:
        parse_instant("0001-01-01T00:00:00+01:00")
    assert info.value.code == "malformed_xml"
    assert parse_instant("9999-12-31T23:59:59Z").year == 9999


def test_format_instant() -> None:
    assert format_instant(datetime(2026, 11, 28, 12, tzinfo=UTC)) == "2026-11-28T12:00:00Z"
    assert format_instant(datetime(2026, 11, 28, 12, 0, 0, 123_456, tzinfo=UTC)) == "2026-11-28T12:00:00.123Z"
    plus_two = timezone(timedelta(hours=2))
    assert format_instant(datetime(2026, 11, 28, 14, tzinfo=plus_two)) == "2026-11-28T12:00:00Z"
    with pytest.raises(ValueError):
        format_instant(datetime(2026, 11, 28, 12))


def test_format_parse_round_trip() -> None:
    moment = datetime(2026, 5, 17, 8, 9, 10, 11_000, tzinfo=UTC)
    assert parse_instant(format_instant(moment)) == moment


def test_clock_helpers() -> None:
    assert utcnow().tzinfo is UTC
    assert ensure_aware(datetime(2026, 1, 1, 14, tzinfo=timezone(timedelta(hours=2)))).hour == 12
    with pytest.raises(ValueError):
        ensure_aware(datetime(2026, 1, 1))


def test_new_id_is_an_ncname_with_160_bits() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    for value in list(ids)[:50]:
        assert is_ncname(value)
        assert value.startswith("_") and len(value) == 41
        int(value[1:], 16)


def test_sequential_ids_are_deterministic() -> None:
    source = sequential_ids()
    assert [source(), source(), source()] == ["_id1", "_id2", "_id3"]
    assert sequential_ids("_R")() == "_R1"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("_a1.b-c", True),
        ("A", True),
        ("1a", False),
        ("a:b", False),
        ("", False),
        (" a", False),
        ("a\u00e9", False),
        ("-a", False),
    ],
)
def test_is_ncname(value: str, ok: bool) -> None:
    assert is_ncname(value) is ok
