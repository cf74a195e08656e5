"""Signed metadata: ``sign`` (enveloped, Signature first: saml-metadata section 3) and ``verify``.

Invariants this module owns:

* Rule 1: ``verify`` models only ``VerifiedElement.element``, the tree re-parsed from the canonical bytes that
  were digested; nothing of the input tree outside the signed root is ever read (SECURITY.md R31).
* Rule 2: the signature must sit on the document element itself. A signed EntityDescriptor wrapped in an
  unsigned aggregate is unsigned (``signature_missing``), whatever the inner signature says.
* Rule 3: validUntil is enforced on the root, on every entity and on every role (saml-metadata section 2.3.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from lxml import etree

from saml_core import DEFAULT_POLICY
from saml_core import NS
from saml_core import IdSource
from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import SignaturePolicy
from saml_core import TrustedKey
from saml_core import VerifiedElement
from saml_core import XMLLimits
from saml_core import children
from saml_core import ensure_aware
from saml_core import format_instant
from saml_core import new_id
from saml_core import sign_enveloped
from saml_core import utcnow
from saml_core import verify_enveloped
from saml_core.constants import SignatureMethod

from ._errors import MetadataError
from ._errors import MetadataExpired
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import Metadata
from ._parse import METADATA_LIMITS
from ._parse import parse_element
from ._parse import parse_tree
from ._render import CertSource
from ._render import as_trusted


def sign(
    xml: bytes,
    keys: KeyPair,
    *,
    method: SignatureMethod | None = None,
    id_source: IdSource = new_id,
    limits: XMLLimits = METADATA_LIMITS,
) -> bytes:
    """Sign the document element (adding an ID when it has none); an existing root signature is replaced."""
    root = parse_tree(xml, limits=limits)
    for old in children(root, NS.ds("Signature")):
        root.remove(old)
    if not root.get("ID"):
        root.set("ID", id_source())
    try:
        sign_enveloped(root, keys, method=method, after=None)
    except SAMLError as error:
        raise MetadataError.wrap(error) from None
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", xml_declaration=False
    )


def verify(
    xml: bytes,
    certs: Sequence[CertSource],
    *,
    now: datetime | None = None,
    policy: SignaturePolicy = DEFAULT_POLICY,
    limits: XMLLimits = METADATA_LIMITS,
) -> Metadata:
    """Verify the root signature with the pinned ``certs`` only, enforce validUntil, return the model.

    Raises MetadataError with the saml_core code (signature_missing, signature_invalid, untrusted_key,
    signature_profile_violation, algorithm_forbidden, weak_key, ...) or ``metadata_expired``.
    """
    return verify_detailed(xml, certs, now=now, policy=policy, limits=limits)[0]


def verify_detailed(
    xml: bytes,
    certs: Sequence[CertSource],
    *,
    now: datetime | None = None,
    policy: SignaturePolicy = DEFAULT_POLICY,
    limits: XMLLimits = METADATA_LIMITS,
) -> tuple[Metadata, VerifiedElement]:
    """``verify``, also returning saml_core's VerifiedElement (the key that verified, the algorithms)."""
    moment = ensure_aware(now) if now is not None else utcnow()
    if not certs:
        raise MetadataError("no certificate to verify with (--cert)")
    trusted: list[TrustedKey] = [as_trusted(c) for c in certs]
    root = parse_tree(xml, limits=limits)
    try:
        verified = verify_enveloped(root, trusted, policy=policy, limits=limits)
    except SAMLError as error:
        raise MetadataError.wrap(error) from None
    model = parse_element(verified.element)
    check_valid_until(model, moment)
    return replace(model, signed=True), verified


def check_valid_until(model: Metadata, now: datetime) -> None:
    """saml-metadata 2.3.1: past validUntil the metadata MUST NOT be used (root, entities, roles)."""
    stamps = [model.valid_until] if model.valid_until is not None else []
    entities = model.entities if isinstance(model, EntitiesDescriptor) else (model,)
    stamps.extend(s for s in (effective_valid_until(e) for e in entities) if s is not None)
    if stamps and min(stamps) <= now:
        raise MetadataExpired(f"the metadata expired at {format_instant(min(stamps))} (validUntil)")


def effective_valid_until(entity: EntityDescriptor) -> datetime | None:
    return entity.effective_valid_until()
