"""Gate 1: size before decoding, then strict base64 (SECURITY.md R1, R2). R3 is the parser's job (gate 2).

Invariants this module owns:

* Rule 1: the size check runs on the encoded form, before any decoding work.
* Rule 2: the standard alphabet only, correct padding, canonical trailing bits; ASCII whitespace (line
  breaks) is the only thing stripped. Nothing is ever inflated.
* Rule 3: the base64 kept for STS is the received text itself (or the base64 of the exact raw bytes): R59.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from saml_core._encoding import decode_base64_strict

from ._errors import MalformedMessage
from ._errors import MessageTooLarge

_UTF8_BOM = b"\xef\xbb\xbf"
_ASCII_WS = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Transport:
    """The decoded XML bytes and the base64 that goes to STS unchanged."""

    xml: bytes
    b64: str


def _encoded_length(raw_length: int) -> int:
    return 4 * ((raw_length + 2) // 3)


def _looks_like_xml(data: bytes) -> bool:
    body = data[3:] if data.startswith(_UTF8_BOM) else data
    return body.lstrip(_ASCII_WS)[:1] == b"<"


def decode_transport(data: str | bytes, max_size: int) -> Transport:
    """Accept base64 text (str or bytes) as POSTed, or raw XML bytes; enforce the size limit first (R1)."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if _looks_like_xml(raw):
            if _encoded_length(len(raw)) > max_size:
                raise MessageTooLarge(
                    f"the XML is {len(raw)} bytes ({_encoded_length(len(raw))} in base64);"
                    f" the limit is {max_size} base64 characters"
                )
            return Transport(raw, base64.b64encode(raw).decode("ascii"))
        if len(raw) > max_size:
            raise MessageTooLarge(f"SAMLResponse is {len(raw)} characters; the limit is {max_size}")
        text = raw
    elif isinstance(data, str):
        if len(data) > max_size:
            raise MessageTooLarge(f"SAMLResponse is {len(data)} characters; the limit is {max_size}")
        if data.lstrip(" \t\r\n\ufeff")[:1] == "<":
            raise MalformedMessage("raw XML must be passed as bytes; a str is read as base64")
        try:
            text = data.encode("ascii")
        except UnicodeEncodeError:
            raise MalformedMessage("SAMLResponse is not base64: it has non-ASCII characters") from None
    else:
        raise MalformedMessage("SAMLResponse must be base64 text or XML bytes")
    return Transport(strict_b64decode(text), data if isinstance(data, str) else text.decode("ascii"))


def strict_b64decode(text: bytes) -> bytes:
    """R2: standard alphabet, ASCII whitespace stripped, exact padding, canonical final bits."""
    try:
        return decode_base64_strict(text)
    except ValueError as exc:
        raise MalformedMessage(f"SAMLResponse is {exc}") from None
