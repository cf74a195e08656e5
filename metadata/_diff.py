"""``diff``: what changed between two metadata documents, as far as trust is concerned.

Trust-relevant: the entity ID, signing and encryption certificates, SSO/SLO/ACS endpoints, NameID formats and
validUntil. Cosmetic changes (IDs, whitespace, Organization, ContactPerson) are not reported.

``impact`` summarises the change for a relying party that pins the old document:

* ``none``: nothing trust-relevant changed;
* ``compatible``: only additions (a new certificate published next to the old one: the first rollover step),
  new endpoints, a new validUntil;
* ``breaking``: an entity, a signing certificate or an endpoint disappeared, or an entity ID changed:
  responses still signed with a removed key, or sent to a removed endpoint, stop being accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from saml_core import format_instant

from ._inspect import describe_key
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import Metadata
from ._model import _RoleDescriptor

Json = dict[str, Any]


def diff(old: Metadata, new: Metadata) -> Json:
    """``{"changed", "impact", "entities": {"added", "removed", "changed": [...]}}``."""
    old_by_id = {e.entity_id: e for e in _entities(old)}
    new_by_id = {e.entity_id: e for e in _entities(new)}
    changes: list[Json] = []
    renamed: Json | None = None
    if len(old_by_id) == 1 and len(new_by_id) == 1 and old_by_id.keys() != new_by_id.keys():
        (old_id, old_entity), (new_id, new_entity) = (
            next(iter(old_by_id.items())),
            next(iter(new_by_id.items())),
        )
        renamed = {"old": old_id, "new": new_id}
        changes = [diff_entity(old_entity, new_entity)]
        added: list[str] = []
        removed: list[str] = []
    else:
        added = sorted(new_by_id.keys() - old_by_id.keys())
        removed = sorted(old_by_id.keys() - new_by_id.keys())
        for entity_id in sorted(old_by_id.keys() & new_by_id.keys()):
            change = diff_entity(old_by_id[entity_id], new_by_id[entity_id])
            if change["changed"]:
                changes.append(change)
    breaking = bool(removed or renamed) or any(c["impact"] == "breaking" for c in changes)
    changed = bool(added or removed or renamed or changes)
    return {
        "changed": changed,
        "impact": "breaking" if breaking else ("compatible" if changed else "none"),
        "entity_id": renamed,
        "entities": {"added": added, "removed": removed, "changed": changes},
    }


def diff_entity(old: EntityDescriptor, new: EntityDescriptor) -> Json:
    """Certificates, endpoints, NameID formats and validUntil of one entity (IdP and SP roles)."""
    certificates: dict[str, list[Json]] = {"added": [], "removed": []}
    endpoints: dict[str, list[Json]] = {"added": [], "removed": []}
    formats: dict[str, list[str]] = {"added": [], "removed": []}
    for role_name in ("idp", "sp"):
        old_role: _RoleDescriptor | None = getattr(old, role_name)
        new_role: _RoleDescriptor | None = getattr(new, role_name)
        _diff_sets(_keys(old_role, role_name), _keys(new_role, role_name), certificates)
        _diff_sets(_endpoints(old_role, role_name), _endpoints(new_role, role_name), endpoints)
        old_formats = set(old_role.name_id_formats) if old_role else set()
        new_formats = set(new_role.name_id_formats) if new_role else set()
        formats["added"] += sorted(new_formats - old_formats)
        formats["removed"] += sorted(old_formats - new_formats)
    roles = {"added": _roles(new) - _roles(old), "removed": _roles(old) - _roles(new)}
    valid_until = None
    if old.effective_valid_until() != new.effective_valid_until():
        valid_until = {
            "old": _instant(old.effective_valid_until()),
            "new": _instant(new.effective_valid_until()),
        }
    breaking = (
        any(c["use"] != "encryption" for c in certificates["removed"])
        or bool(endpoints["removed"])
        or bool(roles["removed"])
        or old.entity_id != new.entity_id
    )
    changed = any(
        (*certificates.values(), *endpoints.values(), *formats.values(), *roles.values(), valid_until)
    )
    return {
        "entity_id": new.entity_id,
        "changed": changed or old.entity_id != new.entity_id,
        "impact": "breaking" if breaking else ("compatible" if changed else "none"),
        "roles": {k: sorted(v) for k, v in roles.items()},
        "certificates": certificates,
        "endpoints": endpoints,
        "name_id_formats": formats,
        "valid_until": valid_until,
    }


def _entities(model: Metadata) -> list[EntityDescriptor]:
    return list(model.entities) if isinstance(model, EntitiesDescriptor) else [model]


def _roles(entity: EntityDescriptor) -> set[str]:
    return {name for name in ("idp", "sp") if getattr(entity, name) is not None}


def _keys(role: _RoleDescriptor | None, role_name: str) -> dict[tuple[str, ...], Json]:
    found: dict[tuple[str, ...], Json] = {}
    for kd in role.keys if role is not None else ():
        info = describe_key(kd)
        info["role"] = role_name
        found[(role_name, str(kd.use), info["sha256"])] = info
    return found


def _endpoints(role: _RoleDescriptor | None, role_name: str) -> dict[tuple[str, ...], Json]:
    found: dict[tuple[str, ...], Json] = {}
    if role is None:
        return found
    groups = [("single_logout", role.single_logout_services)]
    groups.append(("single_sign_on", getattr(role, "single_sign_on_services", ())))
    groups.append(("assertion_consumer", getattr(role, "assertion_consumer_services", ())))
    for kind, items in groups:
        for e in items:
            found[(role_name, kind, e.binding, e.location)] = {
                "role": role_name,
                "service": kind,
                "binding": e.binding,
                "location": e.location,
            }
    return found


def _diff_sets(
    old: dict[tuple[str, ...], Json], new: dict[tuple[str, ...], Json], into: dict[str, list[Json]]
) -> None:
    into["added"] += [new[k] for k in new if k not in old]
    into["removed"] += [old[k] for k in old if k not in new]


def _instant(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None
