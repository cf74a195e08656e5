"""AWS Signature Version 4 verification for the local STS (AWS General Reference, "Signature Version 4").

Invariants this module owns:

* Rule 1: the signature is recomputed over the request exactly as received (method, raw path, raw query,
  the signed headers' values, the body's SHA-256) and compared in constant time.
* Rule 2: the credential scope must be ``{date}/{region}/sts/aws4_request`` with the date of ``X-Amz-Date``,
  and ``X-Amz-Date`` must be within 15 minutes of ``now`` (AWS's "Signature expired").
* Rule 3: ``host`` and ``x-amz-date`` must be signed, and so must ``x-amz-security-token`` when present.

Pure: request parts and the secret in, ``None`` or ``StsFault`` out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import parse_qsl
from urllib.parse import quote

from ._local_sts_wire import StsFault

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<akid>[A-Z0-9]{16,128})/(?P<date>[0-9]{8})/(?P<region>[a-z0-9-]{1,32})"
    r"/(?P<service>[a-z0-9-]{1,32})/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]{1,1024}),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})",
    re.ASCII,
)
_SPACES = re.compile(r"\s+")
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


@dataclass(frozen=True, slots=True)
class Authorization:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str | None) -> Authorization:
    """The header's parts, or ``MissingAuthenticationToken`` / ``IncompleteSignature``."""
    if not value:
        raise StsFault("MissingAuthenticationToken", "Request is missing Authentication Token")
    match = _AUTH.fullmatch(value.strip())
    if match is None:
        raise StsFault(
            "IncompleteSignature", "Authorization header requires a valid AWS4-HMAC-SHA256 signature"
        )
    signed = tuple(match["signed"].split(";"))
    return Authorization(
        match["akid"], match["date"], match["region"], match["service"], signed, match["signature"]
    )


def _canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_request(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, Sequence[str]],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """Task 1: the canonical request (headers keyed by lower-case name, values as received)."""
    canonical_headers = "".join(
        f"{name}:{','.join(_SPACES.sub(' ', v.strip()) for v in headers.get(name, ()))}\n"
        for name in signed_headers
    )
    uri = quote(path or "/", safe="/-_.~%")
    return "\n".join(
        (
            method.upper(),
            uri,
            _canonical_query(raw_query),
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        )
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signature(secret: str, amz_date: str, scope: str, request: str) -> str:
    """Tasks 2-4: the string to sign, the derived key and the hex signature."""
    date, region, service, _ = scope.split("/")
    to_sign = "\n".join((ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()))
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode("utf-8"), date), region), service), "aws4_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _request_time(headers: Mapping[str, Sequence[str]], auth: Authorization, now: datetime) -> str:
    """Rule 2."""
    values = headers.get("x-amz-date", ())
    if len(values) != 1:
        raise StsFault("IncompleteSignature", "Authorization header requires an X-Amz-Date header")
    try:
        moment = datetime.strptime(values[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise StsFault("IncompleteSignature", "X-Amz-Date must be YYYYMMDD'T'HHMMSS'Z'") from error
    if values[0][:8] != auth.date:
        raise StsFault("SignatureDoesNotMatch", "Credential should be scoped to a valid date")
    if abs(now - moment) > MAX_SKEW:
        raise StsFault(
            "SignatureDoesNotMatch",
            f"Signature expired: {values[0]} is now earlier or later than 15 minutes from the current time",
        )
    return values[0]


def verify(
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, Sequence[str]],
    body: bytes,
    auth: Authorization,
    secret: str,
    now: datetime,
) -> None:
    """Rules 1-3: return when the signature is the one ``secret`` makes, else raise ``StsFault``."""
    required = {"host", "x-amz-date"} | (
        {"x-amz-security-token"} if "x-amz-security-token" in headers else set()
    )
    if not required <= set(auth.signed_headers) or list(auth.signed_headers) != sorted(auth.signed_headers):
        raise StsFault("IncompleteSignature", "Host, X-Amz-Date and X-Amz-Security-Token must be signed")
    if auth.service != "sts":
        raise StsFault("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'")
    amz_date = _request_time(headers, auth, now)
    body_hash = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256", ())
    if claimed and list(claimed) != [body_hash]:
        raise StsFault("SignatureDoesNotMatch", MISMATCH)
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    request = canonical_request(method, path, raw_query, headers, auth.signed_headers, body_hash)
    if not hmac.compare_digest(signature(secret, amz_date, scope, request), auth.signature):
        raise StsFault("SignatureDoesNotMatch", MISMATCH)
