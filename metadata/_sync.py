"""IAM SAML-provider sync, the pure half: desired state + current state -> a plan of API calls.

Invariants this module owns:

* Rule 1: a plan is computed from values only (``ProviderState`` read by ``iam.py``, the desired document and
  options); ``iam.py`` executes its ``steps`` in order and nothing else.
* Rule 2: the desired document passed ``check_iam_metadata`` before any plan exists (AWS.md section 4), and
  the tags IAM would end up holding (the desired ones plus the one the sync adds per private key) fit IAM's
  50 per provider: checked before any call for a new provider, and against the tags read for an existing one
  before any change.
* Rule 3: an update that shares no signing certificate with what IAM holds is an *abrupt* rollover: sign-ins
  with the old key break at once. It is applied only with ``allow_abrupt_rollover``. Publishing old and new
  certificates together (``saml-metadata idp --cert old --cert new``) makes the rollover an overlap.
* Rule 4: IAM holds at most two private keys (AWS.md section 4): a key is added in its own call; when two are
  held and a third is wanted, the oldest one not wanted is removed first, in a separate call.
* Rule 5: a private key's PEM never appears in a plan: keys are named by their public-key SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Any
from typing import Literal

from cryptography.hazmat.primitives import serialization

from saml_core import KeyPair
from saml_core.errors import ConfigError

from ._aws import IAM_MAX_TAGS
from ._aws import check_iam_metadata
from ._aws import check_provider_name
from ._aws import signing_fingerprints
from ._errors import IAMWouldRefuse
from ._errors import MetadataError
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import Metadata
from ._parse import parse
from ._parse import parse_entities

Action = Literal["create", "update", "unchanged"]
Rollover = Literal["none", "overlap", "abrupt"]
EncryptionMode = Literal["Required", "Allowed"]
MAX_PRIVATE_KEYS = 2
#: the tag that remembers which private key an IAM KeyId holds (IAM returns only KeyId and Timestamp)
KEY_TAG_PREFIX = "saml-aws-toolkit:private-key:"
Json = dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateKeyEntry:
    key_id: str
    timestamp: datetime | None = None
    sha256: str | None = None
    """From our tag; None for a key added by someone else."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderState:
    """What GetSAMLProvider says about one provider."""

    arn: str
    document: str
    uuid: str | None = None
    encryption_mode: str | None = None
    private_keys: tuple[PrivateKeyEntry, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateKey:
    """A decryption key to hand to IAM (AddPrivateKey); ``sha256`` names it in plans and tags."""

    pem: str = field(repr=False)
    sha256: str

    @classmethod
    def from_pem(cls, pem: bytes) -> PrivateKey:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"cannot load the private key for IAM: {exc}") from None
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        text = pem.decode("ascii").strip() + "\n"
        if not 1 <= len(text) <= 16384:
            raise ConfigError("IAM takes a private key PEM of 1 to 16384 characters")
        return cls(pem=text, sha256=hashlib.sha256(spki).hexdigest())

    @classmethod
    def from_keypair(cls, keys: KeyPair) -> PrivateKey:
        return cls.from_pem(keys.key_pem)


@dataclass(frozen=True, slots=True, kw_only=True)
class Desired:
    """What the provider should look like."""

    name: str
    document: bytes
    encryption_mode: EncryptionMode | None = None
    """None: leave IAM's setting alone."""
    private_keys: tuple[PrivateKey, ...] = ()
    """Keys that must be held (at most 2); keys IAM holds beyond them are removed only to make room."""
    remove_key_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags set at creation."""
    allow_abrupt_rollover: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncPlan:
    name: str
    action: Action
    arn: str | None
    entity_ids: tuple[str, ...]
    certificates: Mapping[str, tuple[str, ...]]
    """``added`` / ``removed`` / ``kept`` signing-certificate SHA-256 fingerprints."""
    rollover: Rollover
    changes: tuple[str, ...]
    steps: tuple[Json, ...]
    """The API calls, in order: ``{"op": "create"|"update"|"add_private_key"|"remove_private_key", ...}``."""

    def to_json(self) -> Json:
        return {
            "provider": self.name,
            "action": self.action,
            "arn": self.arn,
            "entity_ids": list(self.entity_ids),
            "certificates": {k: list(v) for k, v in self.certificates.items()},
            "rollover": self.rollover,
            "changes": list(self.changes),
            "steps": [dict(s) for s in self.steps],
        }


def check_desired(desired: Desired) -> list[EntityDescriptor]:
    """Rule 2: what IAM would refuse is refused here, before any call. Returns the IdP entities."""
    check_provider_name(desired.name)
    if len(desired.private_keys) > MAX_PRIVATE_KEYS:
        raise ConfigError(f"IAM holds at most {MAX_PRIVATE_KEYS} private keys per provider")
    # the tags set at creation, and the one tag per private key the sync adds to remember its KeyId
    total = len(desired.tags) + len(desired.private_keys)
    if total > IAM_MAX_TAGS:
        raise IAMWouldRefuse(
            f"{desired.name}: {len(desired.tags)} tags plus {len(desired.private_keys)} the sync adds"
            f" (one per private key) make {total}; IAM allows at most {IAM_MAX_TAGS} tags per SAML provider"
        )
    return check_iam_metadata(desired.document)


def plan_provider(desired: Desired, current: ProviderState | None) -> SyncPlan:
    """The plan that makes ``current`` (None: no such provider) look like ``desired``."""
    entities = check_desired(desired)
    new_fps = signing_fingerprints(entities)
    entity_ids = tuple(e.entity_id for e in entities)
    if current is None:
        return _plan_create(desired, entity_ids, new_fps)
    old_fps = _current_fingerprints(current)
    kept = [fp for fp in new_fps if fp in old_fps]
    certificates = {
        "added": tuple(fp for fp in new_fps if fp not in old_fps),
        "removed": tuple(fp for fp in old_fps if fp not in new_fps),
        "kept": tuple(kept),
    }
    document_changed = not same_meaning(current.document.encode("utf-8"), desired.document)
    changes: list[str] = []
    if document_changed:
        changes.append("certificates" if certificates["added"] or certificates["removed"] else "document")
    mode_changed = desired.encryption_mode is not None and desired.encryption_mode != current.encryption_mode
    if mode_changed:
        changes.append("assertion_encryption_mode")
    steps: list[Json] = []
    if document_changed or mode_changed:
        steps.append(
            {
                "op": "update",
                "document": document_changed,
                "encryption_mode": desired.encryption_mode if mode_changed else None,
            }
        )
    steps += _key_steps(desired, current)
    _check_tags_fit(desired.name, current.tags, steps)
    if any(s["op"] != "update" for s in steps):
        changes.append("private_keys")
    rollover: Rollover = "none" if not certificates["added"] else ("overlap" if kept else "abrupt")
    return SyncPlan(
        name=desired.name,
        action="update" if steps else "unchanged",
        arn=current.arn,
        entity_ids=entity_ids,
        certificates=certificates,
        rollover=rollover if document_changed else "none",
        changes=tuple(changes),
        steps=tuple(steps),
    )


def _plan_create(desired: Desired, entity_ids: tuple[str, ...], fingerprints: list[str]) -> SyncPlan:
    first = desired.private_keys[0].sha256 if desired.private_keys else None
    steps: list[Json] = [
        {
            "op": "create",
            "encryption_mode": desired.encryption_mode,
            "add_private_key": first,
            "tags": dict(desired.tags),
        }
    ]
    steps += [{"op": "add_private_key", "sha256": k.sha256} for k in desired.private_keys[1:]]
    return SyncPlan(
        name=desired.name,
        action="create",
        arn=None,
        entity_ids=entity_ids,
        certificates={"added": tuple(fingerprints), "removed": (), "kept": ()},
        rollover="none",
        changes=("provider",),
        steps=tuple(steps),
    )


def same_meaning(stored: bytes, wanted: bytes) -> bool:
    """Byte-equal, or equal as models once the ID attributes and signatures are set aside.

    Regenerated metadata gets a fresh ID each time; re-uploading it changes nothing IAM uses, so a sync that
    only differs there is ``unchanged`` (idempotent).
    """
    if stored == wanted:
        return True
    try:
        return _normalized(parse(stored)) == _normalized(parse(wanted))
    except MetadataError:
        return False


def _normalized(model: Metadata) -> Metadata:
    if isinstance(model, EntitiesDescriptor):
        entities = tuple(_normalized_entity(e) for e in model.entities)
        return replace(model, id=None, signed=False, entities=entities)
    return _normalized_entity(model)


def _normalized_entity(entity: EntityDescriptor) -> EntityDescriptor:
    return replace(entity, id=None, signed=False)


def _current_fingerprints(current: ProviderState) -> list[str]:
    """The stored document's signing keys; a document we cannot parse counts as holding none."""
    try:
        return signing_fingerprints(parse_entities(current.document.encode("utf-8")))
    except MetadataError:
        return []


def _key_steps(desired: Desired, current: ProviderState) -> list[Json]:
    """Rule 4: explicit removals, then for each missing key: make room (oldest unwanted first), add."""
    wanted = {k.sha256 for k in desired.private_keys}
    held = [k for k in current.private_keys if k.key_id not in desired.remove_key_ids]
    steps: list[Json] = [
        {"op": "remove_private_key", "key_id": kid}
        for kid in desired.remove_key_ids
        if any(k.key_id == kid for k in current.private_keys)
    ]
    held_fps = {k.sha256 for k in held if k.sha256}
    for key in desired.private_keys:
        if key.sha256 in held_fps:
            continue
        if len(held) >= MAX_PRIVATE_KEYS:
            victims = sorted((k for k in held if k.sha256 not in wanted), key=_oldest_first)
            if not victims:
                raise ConfigError("IAM already holds two wanted private keys; remove one first")
            steps.append({"op": "remove_private_key", "key_id": victims[0].key_id})
            held.remove(victims[0])
        steps.append({"op": "add_private_key", "sha256": key.sha256})
        held.append(PrivateKeyEntry(key_id="(new)", sha256=key.sha256))
    return steps


def _check_tags_fit(name: str, tags: Mapping[str, str], steps: Sequence[Json]) -> None:
    """Rule 2 for an existing provider: each key added gets a tag and each key removed loses its tag
    (``iam.py``), in step order; refuse, before any change, a plan whose tags would pass IAM's 50 on the way.
    """
    held = set(tags)
    for number, step in enumerate(steps):
        if step["op"] == "remove_private_key":
            held.discard(KEY_TAG_PREFIX + step["key_id"])
        elif step["op"] == "add_private_key":
            held.add(f"(new key {number})")
            if len(held) > IAM_MAX_TAGS:
                raise IAMWouldRefuse(
                    f"{name}: the provider holds {len(tags)} tags; the sync's tag for a new private key would"
                    f" pass IAM's {IAM_MAX_TAGS} tags per SAML provider; remove a tag first"
                )


def _oldest_first(entry: PrivateKeyEntry) -> tuple[int, str]:
    stamp = entry.timestamp.timestamp() if entry.timestamp is not None else 0.0
    return (int(stamp), entry.key_id)


def key_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """KeyId -> public-key SHA-256, from our tags."""
    return {k[len(KEY_TAG_PREFIX) :]: v for k, v in tags.items() if k.startswith(KEY_TAG_PREFIX)}


def check_applicable(plan: SyncPlan, desired: Desired) -> None:
    """Rule 3: refuse an abrupt rollover unless the caller allowed it."""
    from ._errors import AbruptRollover

    if plan.rollover == "abrupt" and not desired.allow_abrupt_rollover:
        raise AbruptRollover(
            f"{plan.name}: the new metadata shares no signing certificate with IAM's; publish both together"
            " (saml-metadata idp --cert OLD --cert NEW) or pass --allow-abrupt-rollover"
        )


def keys_by_fingerprint(keys: Sequence[PrivateKey]) -> dict[str, PrivateKey]:
    return {k.sha256: k for k in keys}
