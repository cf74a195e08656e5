"""Remote metadata over HTTP(S): fetch, verify with a pinned certificate, enforce validUntil, cacheDuration.

Invariants this module owns (SECURITY.md R27, saml-metadata section 2.3.1):

* Rule 1: nothing is written until the new document's signature verified with a pinned certificate, its
  validUntil is in the future and (when asked) it describes the expected entity. A failed refresh leaves the
  last good copy and its state file exactly as they were.
* Rule 2: writes are atomic (``_files.write_atomic``); the state file ``FILE.state.json`` records when the
  copy was fetched and until when it may be used: min(validUntil, fetched_at + cacheDuration).
* Rule 3: ``load_cached`` refuses a copy past its validUntil (``metadata_expired``) or past its cacheDuration
  (``metadata_stale``): a consumer must refresh, not keep trusting an old document forever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import Literal

import httpx

from saml_core import ensure_aware
from saml_core import format_instant
from saml_core import parse_instant
from saml_core import utcnow
from saml_core._bounded import read_chunks
from saml_core._bounded import read_file
from saml_core._url import check_url
from saml_core.errors import ConfigError

from ._errors import EntityNotFound
from ._errors import FetchFailed
from ._errors import MetadataError
from ._errors import MetadataStale
from ._files import write_atomic
from ._model import EntitiesDescriptor
from ._model import Metadata
from ._parse import METADATA_LIMITS
from ._parse import parse
from ._render import CertSource
from ._sign import check_valid_until
from ._sign import verify

Status = Literal["updated", "unchanged", "fresh"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheState:
    """The state file next to a fetched copy."""

    url: str
    fetched_at: datetime
    valid_until: datetime | None
    cache_until: datetime | None
    sha256: str

    @property
    def usable_until(self) -> datetime | None:
        stamps = [s for s in (self.valid_until, self.cache_until) if s is not None]
        return min(stamps) if stamps else None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fetched_at": format_instant(self.fetched_at),
            "valid_until": _fmt(self.valid_until),
            "cache_until": _fmt(self.cache_until),
            "usable_until": _fmt(self.usable_until),
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CacheState:
        return cls(
            url=str(data["url"]),
            fetched_at=parse_instant(str(data["fetched_at"])),
            valid_until=_parse_opt(data.get("valid_until")),
            cache_until=_parse_opt(data.get("cache_until")),
            sha256=str(data["sha256"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    status: Status
    """updated: new copy written; unchanged: same bytes, state refreshed; fresh: no request needed."""
    document: bytes
    state: CacheState
    entity_ids: tuple[str, ...]

    def to_json(self, path: Path | None) -> dict[str, Any]:
        return {
            "status": self.status,
            "path": str(path) if path else None,
            "entity_ids": list(self.entity_ids),
            **self.state.to_json(),
        }


def state_path(path: Path) -> Path:
    return path.with_name(path.name + ".state.json")


def read_state(path: Path) -> CacheState | None:
    """The state file of a copy, or None when there is none (or it is unreadable)."""
    try:
        return CacheState.from_json(json.loads(read_file(state_path(path)).decode("utf-8")))
    except (OSError, ValueError, KeyError, MetadataError):
        return None


def fetch_metadata(
    url: str,
    *,
    certs: Sequence[CertSource],
    out: Path | None = None,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    if_stale: bool = False,
    entity_id: str | None = None,
    require_valid_until: bool = False,
) -> FetchResult:
    """Fetch, verify, check, then (with ``out``) write atomically. On MetadataError ``out`` is untouched."""
    moment = ensure_aware(now) if now is not None else utcnow()
    if out is not None and if_stale:
        fresh = _fresh_copy(out, moment)
        if fresh is not None:
            return fresh
    body = download(url, client=client, timeout=timeout)
    model = verify(body, certs, now=moment)
    entity_ids = _entity_ids(model)
    if entity_id is not None and entity_id not in entity_ids:
        raise EntityNotFound(entity_id)
    if require_valid_until and _valid_until(model) is None:
        raise MetadataError("the metadata has no validUntil; a signed document without one never expires")
    duration = _cache_duration(model)
    state = CacheState(
        url=url,
        fetched_at=moment,
        valid_until=_valid_until(model),
        cache_until=moment + duration if duration is not None else None,
        sha256=hashlib.sha256(body).hexdigest(),
    )
    status: Status = "updated"
    if out is not None:
        previous = read_state(out)
        status = (
            "unchanged"
            if previous is not None and previous.sha256 == state.sha256 and out.exists()
            else status
        )
        if status == "updated":
            write_atomic(out, body)
        write_atomic(state_path(out), json.dumps(state.to_json(), indent=2).encode() + b"\n")
    return FetchResult(status=status, document=body, state=state, entity_ids=entity_ids)


def download(
    url: str, *, client: httpx.Client | None = None, timeout: float = 10.0, follow_redirects: bool = True
) -> bytes:
    """GET with a size cap; any transport error or non-200 answer is FetchFailed.

    ``follow_redirects`` (up to 3) applies to the client made here; a given ``client`` keeps its own."""
    try:
        check_url(url, what="the metadata URL")
    except ConfigError as error:
        raise FetchFailed(error.message) from None
    limit = METADATA_LIMITS.max_bytes
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=follow_redirects, max_redirects=3)
    try:
        with http.stream(
            "GET", url, headers={"Accept": "application/samlmetadata+xml, application/xml"}
        ) as reply:
            if reply.status_code != 200:
                raise FetchFailed(f"GET {url[:200]} answered HTTP {reply.status_code}")
            return read_chunks(
                reply.iter_bytes(), limit=limit, what=f"the document at {url[:200]}", too_large=FetchFailed
            )
    except httpx.HTTPError as exc:
        raise FetchFailed(f"GET {url[:200]} failed: {type(exc).__name__}: {str(exc)[:200]}") from None
    finally:
        if own:
            http.close()


def load_cached(path: Path, *, now: datetime | None = None) -> Metadata:
    """A fetched copy, refused when past validUntil or past its cacheDuration (Rule 3)."""
    moment = ensure_aware(now) if now is not None else utcnow()
    model = parse(read_file(path, too_large=MetadataError))
    check_valid_until(model, moment)
    state = read_state(path)
    if state is None:
        raise MetadataStale(f"{path} has no readable state file; fetch it again")
    if state.cache_until is not None and state.cache_until <= moment:
        raise MetadataStale(
            f"{path} was fetched at {format_instant(state.fetched_at)}; its cacheDuration has passed"
        )
    return model


def last_good(path: Path, now: datetime) -> dict[str, Any] | None:
    """What a failed refresh left in place: the state and whether the copy may still be used."""
    if not path.exists():
        return None
    state = read_state(path)
    usable = state is not None and (state.usable_until is None or state.usable_until > now)
    return {"path": str(path), "usable": usable, **(state.to_json() if state else {})}


def _fresh_copy(out: Path, now: datetime) -> FetchResult | None:
    state = read_state(out)
    if state is None or not out.exists() or state.usable_until is None or state.usable_until <= now:
        return None
    try:
        model = load_cached(out, now=now)
    except (MetadataError, OSError):
        return None
    return FetchResult(
        status="fresh",
        document=read_file(out, too_large=MetadataError),
        state=state,
        entity_ids=_entity_ids(model),
    )


def _entity_ids(model: Metadata) -> tuple[str, ...]:
    return (
        tuple(e.entity_id for e in model.entities)
        if isinstance(model, EntitiesDescriptor)
        else (model.entity_id,)
    )


def _valid_until(model: Metadata) -> datetime | None:
    entities = model.entities if isinstance(model, EntitiesDescriptor) else (model,)
    stamps = [s for s in [model.valid_until, *(e.effective_valid_until() for e in entities)] if s is not None]
    return min(stamps) if stamps else None


def _cache_duration(model: Metadata) -> timedelta | None:
    entities = model.entities if isinstance(model, EntitiesDescriptor) else (model,)
    found = [model.cache_duration, *(e.cache_duration for e in entities)]
    for entity in entities:
        found += [r.cache_duration for r in (entity.idp, entity.sp) if r is not None]
    durations = [d for d in found if d is not None]
    return min(durations) if durations else None


def _fmt(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None


def _parse_opt(value: object) -> datetime | None:
    return parse_instant(str(value)) if value is not None else None
