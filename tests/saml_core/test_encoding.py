"""``saml_core._encoding``: strict base64 gives the same verdict and bytes whichever decoder runs (R2, R23).

The oracle here is RFC 4648 section 4 written out as a regular expression plus a re-encoding round trip, and
shares nothing with the module: the production decoder must agree with it on every input, with pybase64
(the ``fast`` extra) and with ``binascii``.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from saml_core import _encoding

_STRICT = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def oracle(text: bytes) -> bytes | None:
    """RFC 4648 section 4 with ASCII whitespace ignored: the bytes, or None when refused."""
    compact = re.sub(rb"[ \t\r\n]", b"", text)
    if not compact or not _STRICT.fullmatch(compact):
        return None
    decoded = base64.b64decode(compact)
    return decoded if decoded and base64.b64encode(decoded) == compact else None


def production(text: str | bytes) -> bytes | None:
    try:
        return _encoding.decode_base64_strict(text)
    except ValueError:
        return None


def _decoders() -> dict[str, Callable[[bytes], bytes]]:
    """binascii always; pybase64 too when it is installed."""
    name, fast = _encoding._fast_decoder()
    return {"binascii": _encoding._binascii_decode, name: fast}


@pytest.fixture(params=list(_decoders().values()), ids=list(_decoders()))
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], bytes]:
    monkeypatch.setattr(_encoding, "_decode_alphabet", request.param)
    decode: Callable[[bytes], bytes] = request.param
    return decode


KNOWN = [
    (b"QUJD", b"ABC"),
    (b"QUI=", b"AB"),
    (b"QQ==", b"A"),
    (b"QU\r\nJD", b"ABC"),
    (b" QUJD\n", b"ABC"),
    (b"QUJD=", None),  # excess padding after a full quantum: binascii's strict mode alone accepts it
    (b"a/B/=", None),
    (b"QUJDRB==", None),  # non-zero unused bits
    (b"QUJDRA=", None),
    (b"QQ==QUJD", None),  # padding in the middle
    (b"QQ=", None),
    (b"Q===", None),
    (b"====", None),
    (b"", None),
    (b" \n", None),
    (b"QU-_", None),  # the URL-safe alphabet
    (b"QUJ\x00", None),
    ("QUJé".encode(), None),
]


@pytest.mark.parametrize(("text", "expected"), KNOWN, ids=[repr(text) for text, _ in KNOWN])
def test_known_spellings_decode_or_are_refused(
    backend: Callable[[bytes], bytes], text: bytes, expected: bytes | None
) -> None:
    assert oracle(text) == expected
    assert production(text) == expected


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_symbols = st.sampled_from(list(_ALPHABET[:4] + _ALPHABET[-4:] + b"= \n\t\r-_\x00\xff"))


@st.composite
def mangled_encodings(draw: st.DrawFn) -> bytes:
    """A valid encoding of random bytes, then a few insertions, deletions or replacements."""
    text = bytearray(base64.b64encode(draw(st.binary(max_size=40))))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text)))
        symbol = draw(_symbols)
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            text.insert(position, symbol)
        elif position < len(text):
            if action == "delete":
                del text[position]
            else:
                text[position] = symbol
    return bytes(text)


@settings(max_examples=600, deadline=None)
@given(
    text=st.one_of(mangled_encodings(), st.binary(max_size=16), st.lists(_symbols, max_size=12).map(bytes))
)
def test_every_backend_agrees_with_rfc4648(text: bytes) -> None:
    original = _encoding._decode_alphabet
    try:
        for name, decode in _decoders().items():
            _encoding._decode_alphabet = decode
            expected = oracle(text)
            assert production(text) == expected, (name, text)
            assert production(text.decode("latin-1")) == expected, (name, text)  # str input: ASCII or refused
    finally:
        _encoding._decode_alphabet = original


def test_the_fast_extra_is_used_when_it_is_installed() -> None:
    """CI installs the ``fast`` extra, so the production path the benchmarks measure is the one tested."""
    pytest.importorskip("pybase64")
    assert _encoding.BACKEND == "pybase64"
    assert _encoding._decode_alphabet(b"QUJD") == b"ABC"


def test_without_pybase64_binascii_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pybase64", None)  # import pybase64 now raises ImportError
    name, decode = _encoding._fast_decoder()
    assert name == "binascii"
    assert decode is _encoding._binascii_decode
    with pytest.raises(binascii.Error):
        decode(b"QU-_")
