"""xs:dateTime in and out, always as aware UTC datetimes (SAML core section 1.3.3; R47)."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from .errors import MalformedXML

_DATETIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})T(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<frac>\d{1,64}))?(?P<tz>Z|[+-]\d{2}:\d{2})",
    re.ASCII,
)


EARLIEST_NOW = datetime(1971, 1, 1, tzinfo=UTC)
LATEST_NOW = datetime(9899, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The range of "now" the tools accept when it is given to them (``--now``): a century of headroom on both
sides of every duration they add or subtract (lifetimes, clock skews, validity days, cacheDuration), so
no date arithmetic overflows, and never before the Unix epoch (timestamps stay positive)."""


# text -> parsed instant, for texts that parsed (bounded; one message repeats its instants several times)
_PARSED: dict[str, datetime] = {}
_PARSED_MAX = 256


def parse_instant(value: str) -> datetime:
    """Parse an xs:dateTime that carries a zone; extra fractional digits are truncated to microseconds.

    Anything else (no zone, lowercase ``z``, month 13, second 60, year 0000, empty) raises MalformedXML.
    """
    moment = _PARSED.get(value)
    if moment is None:
        moment = _parse_instant(value)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[value] = moment
    return moment


def _parse_instant(value: str) -> datetime:
    text = value.strip()
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise MalformedXML(f"not an xs:dateTime with a time zone: {text[:64]!r}")
    frac = (match["frac"] or "")[:6].ljust(6, "0")
    try:
        naive = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"]),
            int(frac),
        )
    except ValueError as exc:
        raise MalformedXML(f"invalid date or time: {text[:64]!r}") from exc
    tz = match["tz"]
    if tz == "Z":
        return naive.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise MalformedXML(f"invalid time zone offset: {text[:64]!r}")
    offset = timedelta(hours=hours, minutes=minutes) * sign
    try:
        return (naive - offset).replace(tzinfo=UTC)
    except OverflowError as exc:
        raise MalformedXML(f"date out of range: {text[:64]!r}") from exc


def format_instant(moment: datetime) -> str:
    """UTC, second precision plus milliseconds when present, with ``Z``: 2026-11-28T12:00:00Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC instant")
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    """The only clock read in saml_core; public entry points call it once and pass the value down."""
    return datetime.now(UTC)


def ensure_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC instant")
    return moment.astimezone(UTC)


def in_now_range(moment: datetime) -> bool:
    """Whether a given "now" lies from EARLIEST_NOW to LATEST_NOW (see there)."""
    return EARLIEST_NOW <= moment <= LATEST_NOW


def now_range_text() -> str:
    """The accepted range of a given "now", for error messages."""
    return f"from {format_instant(EARLIEST_NOW)} to {format_instant(LATEST_NOW)}"
