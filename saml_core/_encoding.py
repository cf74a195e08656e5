"""Strict base64 (RFC 4648 section 4) for values inside signed XML: one spelling per value (R2, R23).

ASCII whitespace is allowed anywhere (line-wrapped values are a CONTROL); anything else outside the
standard alphabet, missing or excess padding, and non-zero unused bits in the last quantum are refused,
where Python's ``b64decode(validate=True)`` would accept ``QUJD=`` or ``QUJDRB==``.
"""

from __future__ import annotations

import binascii

_ASCII_WS = b" \t\r\n"


def decode_base64_strict(text: str | bytes) -> bytes:
    """Decode or raise ``ValueError`` whose message completes "... is": the caller maps it to its own code."""
    try:
        compact = text.encode("ascii") if isinstance(text, str) else text
    except UnicodeEncodeError:
        raise ValueError("not strict base64 (a character outside ASCII)") from None
    try:
        # strict_mode: only the standard alphabet, padding only at the end and exact (C-level, one pass);
        # it refuses whitespace too, so a value without line breaks needs no stripped copy
        decoded: bytes | None = binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):
        decoded, compact = None, compact.translate(None, _ASCII_WS)
    if not compact:
        raise ValueError("empty")
    if len(compact) % 4:
        raise ValueError("not strict base64 (alphabet, padding or length)")
    if decoded is None:
        try:
            decoded = binascii.a2b_base64(compact, strict_mode=True)
        except (binascii.Error, ValueError):
            raise ValueError("not strict base64") from None
    # only the last quantum can carry unused bits; re-encoding its bytes must give its text back
    if not decoded or binascii.b2a_base64(decoded[-(len(decoded) % 3 or 3) :], newline=False) != compact[-4:]:
        raise ValueError("not canonical base64 (non-zero unused bits)")
    return decoded
