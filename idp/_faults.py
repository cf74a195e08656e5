"""The fault catalogue: every named fault, in the order ``saml-idp faults`` lists them.

Faults exist for people testing their own SPs: each is one small, documented transformation (see
``idp._fault`` for the stages) and every one must be rejected by a strict validator; ours is checked against
the whole catalogue in ``tests/idp/test_faults_rejected.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._fault import Fault
from ._faults_content import CONTENT_FAULTS
from ._faults_signature import SIGNATURE_FAULTS

FAULTS: Mapping[str, Fault] = MappingProxyType({f.name: f for f in (*CONTENT_FAULTS, *SIGNATURE_FAULTS)})
"""Fault name -> Fault (``.description``, ``.stage``)."""

if len(FAULTS) != len(CONTENT_FAULTS) + len(SIGNATURE_FAULTS):  # pragma: no cover - a catalogue typo
    raise RuntimeError("two faults share a name")

FAULT_ALIASES: Mapping[str, str] = MappingProxyType({f"xsw-{n}": f"xsw{n}" for n in range(1, 9)})
"""Other accepted names -> catalogue name: INTERFACES.md spells the wrapping family ``xsw-*``."""


def fault_named(name: str) -> Fault | None:
    """The fault called ``name`` (or one of its aliases), or None."""
    return FAULTS.get(FAULT_ALIASES.get(name, name))
