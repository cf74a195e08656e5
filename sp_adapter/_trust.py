"""``Trust``: the verification keys of each trusted IdP, by Issuer entity ID (SECURITY.md R25-R27, R43).

Invariants this module owns:

* Rule 1: keys come only from here: metadata ``KeyDescriptor`` with ``use="signing"`` or no ``use``, or
  certificates the operator configured. An ``use="encryption"`` key never verifies (R26).
* Rule 2: an entry never has zero keys; a trust with no entry cannot be built.
* Rule 3: ``TrustedKey`` objects are parsed once, here, and reused for every message (their xmlsec
  handles are cached on them).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from metadata import EntityDescriptor
from metadata import parse_entities
from saml_core import TrustedKey
from saml_core import load_certificate
from saml_core.errors import ConfigError
from saml_core.errors import SAMLError

CertificateSource = TrustedKey | bytes | str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustEntry:
    """One trusted IdP: its entity ID, its signing keys (oldest to newest) and per-IdP opt-ins."""

    issuer: str
    """The entity ID the Assertion Issuer must equal exactly (R34, R43)."""
    keys: tuple[TrustedKey, ...]
    """Signing keys; during rollover every one is tried (R25)."""
    allow_sha1: bool = False
    """Per-IdP opt-in to rsa-sha1 / sha1 (R21)."""
    min_rsa_bits: int = 2048
    """Per-IdP RSA floor; 1024 only by explicit opt-in (R22)."""
    allowed_roles: frozenset[str] | None = None
    """Role ARNs (or 'role,provider' pairs) this IdP may grant; None allows every role (R57)."""


def _trusted_key(source: CertificateSource) -> TrustedKey:
    if isinstance(source, TrustedKey):
        return source
    data = source.encode("ascii", "strict") if isinstance(source, str) else source
    if b"-----BEGIN" in data:
        return TrustedKey.from_pem(data)
    return TrustedKey.from_certificate(load_certificate(data))


class Trust:
    """The trusted IdPs, by Issuer entity ID. Build once at start-up and share (it is immutable)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[TrustEntry]) -> None:
        merged: dict[str, TrustEntry] = {}
        for entry in entries:
            if not entry.keys:
                raise ConfigError(f"no signing key is configured for {entry.issuer!r}")
            if entry.min_rsa_bits < 1024:
                raise ConfigError("min_rsa_bits must be at least 1024")
            previous = merged.get(entry.issuer)
            if previous is not None:
                entry = _merge(previous, entry)
            merged[entry.issuer] = entry
        if not merged:
            raise ConfigError("no trusted IdP is configured (--idp-metadata or --idp-cert with --issuer)")
        self._entries: Mapping[str, TrustEntry] = MappingProxyType(merged)

    @classmethod
    def from_certificates(
        cls,
        issuer: str,
        certs: Sequence[CertificateSource],
        *,
        allow_sha1: bool = False,
        min_rsa_bits: int = 2048,
        allowed_roles: Iterable[str] | None = None,
    ) -> Trust:
        """Pin certificates (PEM or DER bytes, PEM or base64 text, or TrustedKey) for one issuer."""
        if not issuer:
            raise ConfigError("the issuer entity ID is required with pinned certificates (--issuer)")
        if isinstance(certs, bytes | str | TrustedKey):
            certs = [certs]
        try:
            keys = tuple(_trusted_key(cert) for cert in certs)
        except SAMLError as exc:
            raise ConfigError(f"cannot load a trusted certificate: {exc.message}") from None
        except UnicodeEncodeError:
            raise ConfigError("a certificate given as text must be ASCII (PEM or base64)") from None
        roles = frozenset(allowed_roles) if allowed_roles is not None else None
        return cls(
            [
                TrustEntry(
                    issuer=issuer,
                    keys=keys,
                    allow_sha1=allow_sha1,
                    min_rsa_bits=min_rsa_bits,
                    allowed_roles=roles,
                )
            ]
        )

    @classmethod
    def from_metadata(
        cls,
        xml: bytes | Sequence[bytes],
        *,
        allow_sha1: bool = False,
        min_rsa_bits: int = 2048,
        allowed_roles: Iterable[str] | None = None,
    ) -> Trust:
        """Every IdP EntityDescriptor in one or more metadata documents, with all its signing certificates."""
        documents = [xml] if isinstance(xml, bytes) else list(xml)
        roles = frozenset(allowed_roles) if allowed_roles is not None else None
        entries: list[TrustEntry] = []
        for document in documents:
            try:
                entities = parse_entities(document)
            except SAMLError as exc:
                raise ConfigError(f"cannot use the IdP metadata: {exc.message}") from None
            for entity in entities:
                keys = _signing_keys(entity)
                if keys is None:
                    continue
                if not keys:
                    raise ConfigError(f"the IdP metadata of {entity.entity_id!r} has no signing certificate")
                entries.append(
                    TrustEntry(
                        issuer=entity.entity_id,
                        keys=keys,
                        allow_sha1=allow_sha1,
                        min_rsa_bits=min_rsa_bits,
                        allowed_roles=roles,
                    )
                )
        if not entries:
            raise ConfigError("the metadata holds no IDPSSODescriptor")
        return cls(entries)

    def __or__(self, other: Trust) -> Trust:
        """Both trusts together; an issuer present in both keeps every key."""
        return Trust([*self._entries.values(), *other._entries.values()])

    @property
    def entries(self) -> Mapping[str, TrustEntry]:
        return self._entries

    @property
    def issuers(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def entry_for(self, issuer: str) -> TrustEntry | None:
        """The entry whose entity ID equals ``issuer`` exactly (no folding, no normalisation: R34)."""
        return self._entries.get(issuer)

    def __repr__(self) -> str:
        return f"Trust({', '.join(f'{k!r}: {len(v.keys)} key(s)' for k, v in self._entries.items())})"


def _signing_keys(entity: EntityDescriptor) -> tuple[TrustedKey, ...] | None:
    """The IdP role's signing keys (use signing or unspecified, never encryption: R26); None if not an IdP."""
    if entity.idp is None:
        return None
    keys: list[TrustedKey] = []
    for key in entity.idp.signing_keys():
        if not any(key.same_key(seen) for seen in keys):
            keys.append(key)
    return tuple(keys)


def _merge(first: TrustEntry, second: TrustEntry) -> TrustEntry:
    keys = list(first.keys)
    for key in second.keys:
        if not any(key.same_key(seen) for seen in keys):
            keys.append(key)
    roles: frozenset[str] | None
    if first.allowed_roles is None or second.allowed_roles is None:
        roles = first.allowed_roles if second.allowed_roles is None else second.allowed_roles
    else:
        roles = first.allowed_roles | second.allowed_roles
    return TrustEntry(
        issuer=first.issuer,
        keys=tuple(keys),
        allow_sha1=first.allow_sha1 or second.allow_sha1,
        min_rsa_bits=min(first.min_rsa_bits, second.min_rsa_bits),
        allowed_roles=roles,
    )
