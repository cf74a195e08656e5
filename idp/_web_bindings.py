"""SAML HTTP bindings at the IdP: HTTP-Redirect (DEFLATE + query signature) and HTTP-POST (saml-bindings).

Invariants this module owns (SECURITY.md R1, R2, J3):

* Rule 1: sizes are checked before decoding: the encoded parameter first, then a streaming inflate that
  stops at ``MAX_INFLATED`` (256 KiB) of output; a DEFLATE bomb never allocates more than that.
* Rule 2: base64 is strict (standard alphabet, padding; ASCII whitespace only is stripped).
* Rule 3: a Redirect-binding signature is verified over the raw query octets exactly as received
  (``SAMLRequest=v&RelayState=v&SigAlg=v``, saml-bindings section 3.4.4.1), never over a re-encoding, and
  only for a ``SigAlg`` on the allow-list; the key comes from the SP's metadata only.

Pure: bytes in, frozen values out; no IO.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote
from urllib.parse import unquote_plus

from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import sign_value
from saml_core import verify_value
from saml_core.constants import SignatureMethod
from saml_core.errors import AlgorithmForbidden
from saml_core.errors import MalformedXML
from saml_core.errors import SignatureInvalid
from saml_core.errors import SignatureMissing
from saml_core.errors import TooLarge
from saml_core.errors import UntrustedKey

from ._web_errors import RequestRejected

MAX_ENCODED = 256 * 1024
"""Longest encoded SAMLRequest/SAMLResponse parameter accepted, in characters (R1)."""
MAX_INFLATED = 256 * 1024
"""Largest inflated Redirect-binding message, in bytes (R2: the streaming cap)."""
MAX_RELAY_STATE = 80
"""saml-bindings section 3.4.3 / 3.5.3: RelayState "MUST NOT exceed 80 bytes"."""

_ASCII_WS = {ord(c): None for c in " \t\r\n"}
REDIRECT_SIG_ALGS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
_QUERY_NAMES = ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")


@dataclass(frozen=True, slots=True)
class RedirectMessage:
    """One HTTP-Redirect message: the inflated XML and what its query signature needs."""

    param: str
    """``SAMLRequest`` or ``SAMLResponse``."""
    xml: bytes
    relay_state: str | None
    sig_alg: str | None
    signature: bytes | None
    signed_octets: bytes
    """``SAMLRequest=v[&RelayState=v]&SigAlg=v`` with the values exactly as they arrived (URL-encoded)."""


@dataclass(frozen=True, slots=True)
class PostMessage:
    """One HTTP-POST message: the decoded XML (never inflated) and the RelayState."""

    param: str
    xml: bytes
    relay_state: str | None


def b64decode_strict(text: str, what: str) -> bytes:
    """R2: standard alphabet with padding; ASCII whitespace is stripped, anything else is refused."""
    if len(text) > MAX_ENCODED:
        raise TooLarge(f"{what} is {len(text)} characters; the limit is {MAX_ENCODED}")
    compact = text.translate(_ASCII_WS)
    if not compact:
        raise MalformedXML(f"{what} is empty")
    try:
        return base64.b64decode(compact.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise MalformedXML(f"{what} is not strict base64") from None


def inflate_capped(data: bytes, cap: int = MAX_INFLATED) -> bytes:
    """Raw DEFLATE (RFC 1951) with a streaming output cap (R2, G2): never more than ``cap + 1`` bytes."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise MalformedXML("the message is not valid DEFLATE data") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise TooLarge(f"the inflated message is larger than {cap} bytes")
    if not inflater.eof:
        raise MalformedXML("the DEFLATE stream is truncated")
    if inflater.unused_data:
        raise MalformedXML("data after the end of the DEFLATE stream")
    return out


def deflate(xml: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(xml) + compressor.flush()


def check_relay_state(value: str | None) -> str | None:
    """RelayState is opaque and at most 80 bytes of UTF-8 (saml-bindings 3.4.3); longer is refused (G5)."""
    if value is None:
        return None
    if len(value.encode("utf-8")) > MAX_RELAY_STATE:
        raise RequestRejected("relay_state_invalid", f"RelayState is longer than {MAX_RELAY_STATE} bytes")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise RequestRejected("relay_state_invalid", "RelayState contains control characters")
    return value


def _split_query(raw_query: bytes) -> dict[str, str]:
    """Raw ``name=value`` pairs, values still URL-encoded; a SAML parameter given twice is refused (F9)."""
    try:
        text = raw_query.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedXML("the query string is not ASCII") from None
    pairs: dict[str, str] = {}
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name)
        if name in _QUERY_NAMES and name in pairs:
            raise MalformedXML(f"{name} appears more than once")
        pairs.setdefault(name, value)
    return pairs


def decode_redirect(raw_query: bytes, param: str) -> RedirectMessage:
    """Decode an HTTP-Redirect message from the raw query string (bytes as received)."""
    raw = _split_query(raw_query)
    if param not in raw:
        other = "SAMLResponse" if param == "SAMLRequest" else "SAMLRequest"
        hint = f" (this endpoint expects {param}, not {other})" if other in raw else ""
        raise MalformedXML(f"the query string has no {param}{hint}")
    encoded = unquote_plus(raw[param])
    xml = inflate_capped(b64decode_strict(encoded, param))
    relay = check_relay_state(unquote_plus(raw["RelayState"]) if "RelayState" in raw else None)
    sig_alg = unquote_plus(raw["SigAlg"]) if "SigAlg" in raw else None
    signature = b64decode_strict(unquote_plus(raw["Signature"]), "Signature") if "Signature" in raw else None
    if (sig_alg is None) != (signature is None):
        raise SignatureInvalid("SigAlg and Signature must come together")
    octets = f"{param}={raw[param]}"
    if "RelayState" in raw:
        octets += f"&RelayState={raw['RelayState']}"
    if sig_alg is not None:
        octets += f"&SigAlg={raw['SigAlg']}"
    return RedirectMessage(param, xml, relay, sig_alg, signature, octets.encode("ascii"))


def decode_post(fields: dict[str, list[str]], param: str) -> PostMessage:
    """Decode an HTTP-POST message from the parsed form: exactly one ``param`` field, no inflate (R2)."""
    values = fields.get(param, [])
    if len(values) != 1:
        what = "no" if not values else "more than one"
        raise MalformedXML(f"the form has {what} {param} field")
    relays = fields.get("RelayState", [])
    if len(relays) > 1:
        raise MalformedXML("the form has more than one RelayState field")
    relay = check_relay_state(relays[0] if relays else None)
    return PostMessage(param, b64decode_strict(values[0], param), relay)


def verify_redirect_signature(message: RedirectMessage, keys: Sequence[TrustedKey]) -> TrustedKey:
    """J3: allow-listed SigAlg, a pinned key of the SP, verified over the raw query octets."""
    if message.sig_alg is None or message.signature is None:
        raise SignatureMissing("the Redirect-binding message is not signed")
    try:
        method = SignatureMethod(message.sig_alg)
    except AlgorithmForbidden:
        raise AlgorithmForbidden(f"SigAlg {message.sig_alg[:120]!r} is not allowed") from None
    if method not in REDIRECT_SIG_ALGS:
        raise AlgorithmForbidden(f"SigAlg {method.short} is not allowed")
    if not keys:
        raise UntrustedKey("the SP's metadata has no signing key")
    for key in keys:
        if _verify_one(method, message.signature, message.signed_octets, key):
            return key
    raise SignatureInvalid("the query signature does not verify", detail=f"{len(keys)} key(s) tried")


def _verify_one(method: SignatureMethod, signature: bytes, octets: bytes, key: TrustedKey) -> bool:
    if key.kind == "rsa" and key.key_size < 2048:
        return False
    return verify_value(octets, signature, key, method)


def encode_redirect(
    xml: bytes, param: str, *, relay_state: str | None = None, keys: KeyPair | None = None
) -> str:
    """The query string of an outgoing HTTP-Redirect message, signed with ``keys`` when given."""
    query = f"{param}={quote(base64.b64encode(deflate(xml)).decode('ascii'), safe='')}"
    if relay_state is not None:
        query += f"&RelayState={quote(relay_state, safe='')}"
    if keys is None:
        return query
    method = keys.default_signature_method
    query += f"&SigAlg={quote(method.value, safe='')}"
    signature = sign_octets(query.encode("ascii"), keys, method)
    return query + f"&Signature={quote(base64.b64encode(signature).decode('ascii'), safe='')}"


def sign_octets(octets: bytes, keys: KeyPair, method: SignatureMethod) -> bytes:
    """A Redirect-binding signature: PKCS#1 v1.5 for RSA, raw r||s for ECDSA (as in XML-DSig)."""
    return sign_value(octets, keys, method)


def encode_post(xml: bytes) -> str:
    return base64.b64encode(xml).decode("ascii")
