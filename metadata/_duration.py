"""xs:duration for md:cacheDuration (saml-metadata section 2.2.1, XML Schema Part 2 section 3.2.6).

Years and months have no fixed length; like Shibboleth and pysaml2 we count a year as 365 days and a
month as 30 days. Negative durations are refused: a negative cache time means nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ._errors import MetadataError

_DURATION = re.compile(
    r"P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.ASCII,
)
_MAX_DAYS = 100 * 365


def parse_duration(text: str) -> timedelta:
    """``PT6H`` -> 6 hours. Raises MetadataError for anything that is not a non-negative xs:duration."""
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise MetadataError(f"not an xs:duration: {value[:64]!r}")
    parts = {k: v for k, v in match.groupdict().items() if v is not None}
    days = int(parts.get("y", 0)) * 365 + int(parts.get("mo", 0)) * 30 + int(parts.get("d", 0))
    if days > _MAX_DAYS or len(value) > 64:
        raise MetadataError(f"duration out of range: {value[:64]!r}")
    try:
        delta = timedelta(
            days=days,
            hours=int(parts.get("h", 0)),
            minutes=int(parts.get("mi", 0)),
            seconds=float(parts.get("s", 0)),
        )
    except OverflowError:  # PT999999999999H: hours beyond what a timedelta holds
        delta = timedelta.max
    if delta > timedelta(days=_MAX_DAYS):
        raise MetadataError(f"duration out of range: {value[:64]!r}")
    return delta


def format_duration(delta: timedelta) -> str:
    """Whole seconds in the canonical xs:duration form: 6 hours -> ``PT6H``, 1 day 30 s -> ``P1DT30S``."""
    total = int(delta.total_seconds())
    if total < 0:
        raise ValueError("negative duration")
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"
