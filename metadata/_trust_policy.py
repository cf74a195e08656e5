"""Role trust policies for SAML federation (AWS.md section 5): generate one, and check an existing one.

``trust_policy`` emits what AWS.md section 5 shows: ``sts:AssumeRoleWithSAML``, plus ``sts:TagSession``
when the IdP sends PrincipalTag attributes and ``sts:SetSourceIdentity`` when it sends SourceIdentity
(without them the call fails with AccessDenied), and a ``SAML:aud`` condition listing every Recipient in use
(global, regional, ``/acs/{IdP-ID}``).

``check_trust_policy`` names what an existing policy misses. It evaluates Allow statements whose
``Principal.Federated`` is the provider, their ``Action`` (wildcards honoured) and their ``SAML:aud``
condition (StringEquals / StringLike, with or without ForAnyValue). Other conditions are reported as notes,
not evaluated; an explicit Deny for the provider is reported too.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from ._aws import parse_provider_arn
from ._aws import signin_url

Json = dict[str, Any]
ASSUME = "sts:AssumeRoleWithSAML"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
_AUD_OPERATORS = ("StringEquals", "StringLike", "ForAnyValue:StringEquals", "ForAnyValue:StringLike")


def audiences(
    provider_arn: str,
    regions: Sequence[str] = (),
    provider_uuid: str | None = None,
    include_global: bool = False,
) -> list[str]:
    """The SAML:aud values: one Recipient per region (the global one when no region is given)."""
    partition = parse_provider_arn(provider_arn).partition
    chosen: list[str | None] = list(regions) or [None]
    if include_global and None not in chosen:
        chosen.insert(0, None)
    found: list[str] = []
    for region in chosen:
        for url in [signin_url(partition, region)] + (
            [signin_url(partition, region, provider_uuid)] if provider_uuid else []
        ):
            if url not in found:
                found.append(url)
    return found


def trust_policy(
    provider_arn: str,
    *,
    regions: Sequence[str] = (),
    tags: bool = False,
    source_identity: bool = False,
    provider_uuid: str | None = None,
) -> Json:
    """The trust policy document (AWS.md section 5), ready for ``json.dumps`` or IAM ``CreateRole``."""
    arn = str(parse_provider_arn(provider_arn))
    actions = [ASSUME] + ([TAG_SESSION] if tags else []) + ([SET_SOURCE_IDENTITY] if source_identity else [])
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": arn},
                "Action": actions if len(actions) > 1 else actions[0],
                "Condition": {"StringEquals": {"SAML:aud": audiences(arn, regions, provider_uuid)}},
            }
        ],
    }


def check_trust_policy(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> Json:
    """``{"ok", "missing": {"statement", "actions", "saml_aud"}, "notes"}``: what ``actual`` lacks."""
    wanted = expected["Statement"][0]
    provider = wanted["Principal"]["Federated"]
    wanted_actions = _as_list(wanted["Action"])
    wanted_aud = _as_list(wanted["Condition"]["StringEquals"]["SAML:aud"])
    notes: list[str] = []
    statements = [s for s in _as_list(actual.get("Statement", [])) if isinstance(s, Mapping)]
    mine = [s for s in statements if provider in _as_list(_federated(s))]
    if any(s.get("Effect") == "Deny" for s in mine):
        notes.append("a Deny statement names the provider; it is not evaluated")
    allows = [s for s in mine if s.get("Effect") == "Allow"]
    missing_actions = [a for a in wanted_actions if not any(_allows_action(s, a) for s in allows)]
    assume = [s for s in allows if _allows_action(s, ASSUME)]
    missing_aud = [aud for aud in wanted_aud if not any(_allows_aud(s, aud, notes) for s in assume)]
    missing = {"statement": not allows, "actions": missing_actions, "saml_aud": missing_aud}
    return {
        "ok": not (missing["statement"] or missing_actions or missing_aud),
        "missing": missing,
        "notes": notes,
    }


def describe_missing(result: Mapping[str, Any]) -> str:
    """One line for the error message: what to add."""
    missing = result["missing"]
    parts = []
    if missing["statement"]:
        parts.append("no Allow statement for the provider")
    if missing["actions"]:
        parts.append("actions " + ", ".join(missing["actions"]))
    if missing["saml_aud"]:
        parts.append("SAML:aud " + ", ".join(missing["saml_aud"]))
    return "the trust policy misses " + "; ".join(parts)


def _federated(statement: Mapping[str, Any]) -> Any:
    principal = statement.get("Principal")
    return principal.get("Federated", []) if isinstance(principal, Mapping) else []


def _allows_action(statement: Mapping[str, Any], action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), str(p).lower()) for p in _as_list(statement.get("Action", []))
    )


def _allows_aud(statement: Mapping[str, Any], aud: str, notes: list[str]) -> bool:
    """True when the statement's conditions let this Recipient through (no SAML:aud condition: any)."""
    condition = statement.get("Condition") or {}
    found_aud = False
    allowed = False
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            if key.lower() != "saml:aud":
                note = f"condition {operator} {key} is not evaluated"
                if note not in notes:
                    notes.append(note)
                continue
            found_aud = True
            if operator in _AUD_OPERATORS:
                like = operator.endswith("StringLike")
                allowed = allowed or any(_match(aud, str(v), like) for v in _as_list(values))
    return allowed or not found_aud


def _match(value: str, pattern: str, like: bool) -> bool:
    return fnmatch.fnmatchcase(value, pattern) if like else value == pattern


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]
