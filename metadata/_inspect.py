"""``inspect``: what an operator needs to know about a metadata document, as JSON-ready data, plus warnings.

Certificate dates never affect verification (SECURITY.md R27); they are reported here so operators rotate in
time. Warnings (each ``{"code", "entity_id", "message", ...}``):

* ``certificate_expired`` / ``certificate_expiring``: notAfter passed / within ``warn_days``;
* ``weak_key``: RSA under 2048 bits (IAM itself refuses under 1024: AWS.md section 4);
* ``sha1_certificate``: the certificate is signed with SHA-1; ``sha1_signature``: the document is;
* ``metadata_expired`` / ``metadata_expiring``: validUntil passed / within ``warn_days``;
* ``no_signing_key``: an IdP role without a key that may verify (R26).
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from saml_core import NS
from saml_core import TrustedKey
from saml_core import format_instant
from saml_core import optional_child

from ._duration import format_duration
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import KeyDescriptor
from ._model import Metadata
from ._model import _RoleDescriptor
from ._xmlutil import Element

Json = dict[str, Any]
_SHA1_METHODS = {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"}


def inspect(model: Metadata, *, now: datetime, warn_days: int = 30, root: Element | None = None) -> Json:
    """JSON-ready description; ``root`` (the parsed tree) adds the unverified signature algorithms."""
    horizon = now + timedelta(days=warn_days)
    entities = list(model.entities) if isinstance(model, EntitiesDescriptor) else [model]
    warnings: list[Json] = []
    signature = _signature(root) if root is not None else None
    if signature is not None and _SHA1_METHODS & {signature["method"], signature["digest"]}:
        warnings.append(_warn("sha1_signature", None, "the document is signed with SHA-1"))
    if isinstance(model, EntitiesDescriptor):  # a lone entity's validUntil is reported with the entity
        _validity_warnings(model.valid_until, None, now, horizon, warnings)
    described = [_entity(e, now, horizon, warnings) for e in entities]
    return {
        "kind": "EntitiesDescriptor" if isinstance(model, EntitiesDescriptor) else "EntityDescriptor",
        "name": model.name if isinstance(model, EntitiesDescriptor) else None,
        "id": model.id,
        "valid_until": _instant(model.valid_until),
        "cache_duration": _dur(model.cache_duration),
        "signature": signature,
        "entities": described,
        "warnings": warnings,
    }


def _entity(entity: EntityDescriptor, now: datetime, horizon: datetime, warnings: list[Json]) -> Json:
    _validity_warnings(entity.effective_valid_until(), entity.entity_id, now, horizon, warnings)
    certificates: list[Json] = []
    roles: Json = {}
    if entity.idp is not None:
        idp = entity.idp
        roles["idp"] = {
            "single_sign_on": [_endpoint(e) for e in idp.single_sign_on_services],
            "single_logout": [_endpoint(e) for e in idp.single_logout_services],
            "name_id_formats": list(idp.name_id_formats),
            "want_authn_requests_signed": idp.want_authn_requests_signed,
        }
        certificates += _certificates("idp", idp, entity.entity_id, now, horizon, warnings)
        if not idp.signing_keys():
            warnings.append(
                _warn("no_signing_key", entity.entity_id, "the IdP role has no key usable for signing")
            )
    if entity.sp is not None:
        sp = entity.sp
        roles["sp"] = {
            "assertion_consumer": [_endpoint(e) for e in sp.assertion_consumer_services],
            "single_logout": [_endpoint(e) for e in sp.single_logout_services],
            "name_id_formats": list(sp.name_id_formats),
            "want_assertions_signed": sp.want_assertions_signed,
            "authn_requests_signed": sp.authn_requests_signed,
        }
        certificates += _certificates("sp", sp, entity.entity_id, now, horizon, warnings)
    return {
        "entity_id": entity.entity_id,
        "id": entity.id,
        "valid_until": _instant(entity.valid_until),
        "cache_duration": _dur(entity.cache_duration),
        "roles": roles,
        "certificates": certificates,
        "organization": entity.organization.display_name if entity.organization else None,
        "contacts": [{"type": c.contact_type, "emails": list(c.emails)} for c in entity.contacts],
    }


def _certificates(
    role_name: str,
    role: _RoleDescriptor,
    entity_id: str,
    now: datetime,
    horizon: datetime,
    warnings: list[Json],
) -> list[Json]:
    found = []
    for kd in role.keys:
        info = describe_key(kd)
        info["role"] = role_name
        found.append(info)
        _key_warnings(kd.key, info, entity_id, now, horizon, warnings)
    return found


def describe_key(kd: KeyDescriptor) -> Json:
    """sha256 fingerprint, key type and size, subject and validity of one KeyDescriptor."""
    key = kd.key
    info: Json = {
        "use": kd.use,
        "sha256": key.fingerprint_sha256,
        "key_type": key.kind,
        "key_size": key.key_size,
        "subject": None,
        "not_before": None,
        "not_after": None,
        "signature_hash": None,
    }
    if key.cert_der is not None:
        cert = x509.load_der_x509_certificate(key.cert_der)
        info["subject"] = cert.subject.rfc4514_string()
        info["not_before"] = format_instant(cert.not_valid_before_utc)
        info["not_after"] = format_instant(cert.not_valid_after_utc)
        info["signature_hash"] = _signature_hash(cert)
    return info


def _signature_hash(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return algorithm.name if algorithm is not None else None


def _key_warnings(
    key: TrustedKey, info: Json, entity_id: str, now: datetime, horizon: datetime, warnings: list[Json]
) -> None:
    fp = key.fingerprint_sha256
    if key.kind == "rsa" and key.key_size < 2048:
        refused = " (IAM refuses it)" if key.key_size < 1024 else ""
        warnings.append(_warn("weak_key", entity_id, f"RSA key of {key.key_size} bits{refused}", sha256=fp))
    if key.cert_der is None:
        return
    cert = x509.load_der_x509_certificate(key.cert_der)
    if info["signature_hash"] == "sha1":
        warnings.append(
            _warn("sha1_certificate", entity_id, "the certificate is signed with SHA-1", sha256=fp)
        )
    not_after = cert.not_valid_after_utc
    if not_after <= now:
        message = f"the certificate expired at {info['not_after']}"
        warnings.append(_warn("certificate_expired", entity_id, message, sha256=fp))
    elif not_after <= horizon:
        message = f"the certificate expires at {info['not_after']}"
        warnings.append(_warn("certificate_expiring", entity_id, message, sha256=fp))


def _validity_warnings(
    until: datetime | None, entity_id: str | None, now: datetime, horizon: datetime, warnings: list[Json]
) -> None:
    if until is None:
        return
    if until <= now:
        warnings.append(
            _warn("metadata_expired", entity_id, f"validUntil {format_instant(until)} has passed")
        )
    elif until <= horizon:
        warnings.append(_warn("metadata_expiring", entity_id, f"validUntil {format_instant(until)} is near"))


def _signature(root: Element) -> Json | None:
    """The root ds:Signature's algorithms, as written (not verified: ``verify`` does that)."""
    signature = optional_child(root, NS.ds("Signature"))
    if signature is None:
        return None
    signed_info = optional_child(signature, NS.ds("SignedInfo"))
    method = optional_child(signed_info, NS.ds("SignatureMethod")) if signed_info is not None else None
    reference = optional_child(signed_info, NS.ds("Reference")) if signed_info is not None else None
    digest = optional_child(reference, NS.ds("DigestMethod")) if reference is not None else None
    return {
        "method": method.get("Algorithm") if method is not None else None,
        "digest": digest.get("Algorithm") if digest is not None else None,
        "verified": False,
    }


def _endpoint(endpoint: Any) -> Json:
    found: Json = {"binding": endpoint.binding, "location": endpoint.location}
    if endpoint.index is not None:
        found["index"] = endpoint.index
    return found


def _warn(code: str, entity_id: str | None, message: str, **extra: str) -> Json:
    return {"code": code, "entity_id": entity_id, "message": message, **extra}


def _instant(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None


def _dur(value: timedelta | None) -> str | None:
    return format_duration(value) if value is not None else None
