"""Resolving the caller's options before anything is built: sign mode, method, encryption key, faults,
``now``, and every free-text value (it must be something XML can carry).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import ensure_aware
from saml_core import format_instant
from saml_core import utcnow
from saml_core._time import in_now_range
from saml_core._time import now_range_text
from saml_core._xml import NOT_XML_CHAR
from saml_core.constants import SignatureMethod

from ._build import Attribute
from ._build import name_format_for
from ._errors import IdPError
from ._fault import Fault
from ._faults import fault_named

SignMode = Literal["both", "response", "assertion", "none"]
SIGN_MODES: tuple[SignMode, ...] = ("both", "response", "assertion", "none")
MAX_LIFETIME = 24 * 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueOptions:
    """What both ``issue`` and ``issue_aws`` pass to the pipeline."""

    sign: SignMode
    signature_method: SignatureMethod | None
    encrypt_to: TrustedKey | None
    faults: tuple[Fault, ...]


def issue_options(
    sign: str,
    signature_method: SignatureMethod | str | None,
    encrypt_to: TrustedKey | KeyPair | None,
    faults: Sequence[str | Fault],
) -> IssueOptions:
    """Check and resolve what both ``issue`` and ``issue_aws`` accept."""
    if sign not in SIGN_MODES:
        raise IdPError(f"sign must be one of {', '.join(SIGN_MODES)}, got {sign!r}")
    method = signature_method_from(signature_method)
    recipient_key = encrypt_to.trusted if isinstance(encrypt_to, KeyPair) else encrypt_to
    if recipient_key is not None and not isinstance(recipient_key, TrustedKey):
        raise IdPError("encrypt_to must be the SP's certificate as a TrustedKey")
    resolved = resolve_faults(faults)
    return IssueOptions(
        sign=fault_sign_mode(sign, resolved),
        signature_method=method,
        encrypt_to=recipient_key,
        faults=resolved,
    )


def resolve_now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    try:
        moment = ensure_aware(now)
    except ValueError:
        raise IdPError("now must be a timezone-aware datetime") from None
    if not in_now_range(moment):
        raise IdPError(f"now must be {now_range_text()}, got {format_instant(moment)}")
    return moment


def check_text(text: str, label: str) -> None:
    if not isinstance(text, str):
        raise IdPError(f"{label} must be a string")
    if NOT_XML_CHAR.search(text):
        raise IdPError(f"{label} contains characters XML cannot carry")


def attributes_from(attributes: Mapping[str, Sequence[str]] | None) -> tuple[Attribute, ...]:
    out: list[Attribute] = []
    for name, values in (attributes or {}).items():
        check_text(name, "attribute name")
        if not name.strip():
            raise IdPError("attribute names must be non-empty")
        items = (values,) if isinstance(values, str) else tuple(values)
        for value in items:
            check_text(value, f"attribute {name!r} value")
        out.append(Attribute(name, items, name_format_for(name)))
    return tuple(out)


def signature_method_from(value: SignatureMethod | str | None) -> SignatureMethod | None:
    if value is None or isinstance(value, SignatureMethod):
        return value
    for method in SignatureMethod:
        if value in (method.value, method.short):
            return method
    raise IdPError(f"unknown signature method {value[:120]!r}; use e.g. rsa-sha256 or ecdsa-sha256")


def resolve_faults(faults: Sequence[str | Fault]) -> tuple[Fault, ...]:
    """Fault names (or Fault values) to Faults; unknown names raise with a pointer to the catalogue."""
    if isinstance(faults, str):
        faults = (faults,)
    out: list[Fault] = []
    for item in faults:
        fault = item if isinstance(item, Fault) else fault_named(item)
        if fault is None:
            raise IdPError(f"unknown fault {str(item)[:80]!r}; `saml-idp faults` lists them")
        if fault not in out:
            out.append(fault)
    return tuple(out)


def fault_sign_mode(sign: str, faults: Sequence[Fault]) -> SignMode:
    forced = {f.sign for f in faults if f.sign is not None}
    if len(forced) > 1:
        raise IdPError("these faults need different signing modes; apply them one at a time")
    chosen = forced.pop() if forced else sign
    for mode in SIGN_MODES:
        if mode == chosen:
            return mode
    raise IdPError(f"sign must be one of {', '.join(SIGN_MODES)}, got {sign!r}")
