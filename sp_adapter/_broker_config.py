"""The ACS broker's configuration: a TOML file read once at start-up into a frozen ``BrokerConfig``.

Invariants this module owns:

* Rule 1: a broker never starts without a replay cache (SECURITY.md R49): ``replay_cache`` is required.
* Rule 2: ``acs_url`` must be one of the policy's recipients, so the broker only accepts what was sent to it.
* Rule 3: trust comes only from the IdP metadata files named here (R25); keys are never taken from messages.
* Rule 4: RelayState targets are relative paths from an allow-list (G5); anything else is refused.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from metadata import EntityDescriptor
from metadata import parse_entities
from saml_core import KeyPair
from saml_core import utcnow
from saml_core._bounded import read_file
from saml_core.errors import ConfigError

from ._console import check_endpoint
from ._policy import Policy
from ._replay import ReplayCache
from ._replay import replay_cache_from_url
from ._trust import Trust

MIN_SECRET_LENGTH = 32
_KNOWN = {
    "idp_metadata",
    "aws",
    "partition",
    "audiences",
    "recipients",
    "allow_unsolicited",
    "acs_url",
    "entity_id",
    "replay_cache",
    "session_secret",
    "sts_endpoint_url",
    "federation_url",
    "relay_state_paths",
    "allowed_roles",
    "max_concurrency",
    "duration",
    "https_only",
    "decrypt_key",
    "decrypt_cert",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerConfig:
    """Everything ``create_app`` needs; build with ``BrokerConfig.load`` or directly in tests."""

    trust: Trust
    policy: Policy
    acs_url: str
    """This broker's ACS URL (AssertionConsumerServiceURL of its requests); one of the policy's recipients."""
    entity_id: str
    """The AuthnRequest's Issuer (this SP's entity ID)."""
    sso_url: str | None
    """The IdP's HTTP-Redirect SSO endpoint, from its metadata (None: /login is not offered)."""
    replay_cache: ReplayCache
    session_secret: str
    sts_endpoint_url: str | None = None
    federation_url: str | None = None
    relay_state_paths: frozenset[str] = frozenset()
    max_concurrency: int = 4
    duration: int | None = None
    https_only: bool = False
    """Mark the session cookie Secure (set it behind TLS)."""
    decrypt_keys: tuple[KeyPair, ...] = ()
    """This SP's encryption key pairs, for EncryptedAssertion (R35-R41)."""
    clock: Callable[[], datetime] = utcnow
    """The one source of ``now`` for validation, request instants and held assertions (tests pin it)."""

    def __post_init__(self) -> None:
        if self.acs_url not in self.policy.recipients:
            raise ConfigError(f"acs_url {self.acs_url!r} is not one of the policy's recipients")
        if len(self.session_secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"session_secret must be at least {MIN_SECRET_LENGTH} characters")
        if not 1 <= self.max_concurrency <= 256:
            raise ConfigError("max_concurrency must be 1 to 256")
        for path in self.relay_state_paths:
            if not is_relative_path(path):
                raise ConfigError(f"relay_state_paths entry {path!r} is not a relative path such as /app")

    @classmethod
    def load(cls, path: str | Path) -> BrokerConfig:
        """Read a TOML file; ConfigError (exit 2) on anything missing or unusable."""
        source = Path(path)
        try:
            data = tomllib.loads(read_file(source).decode("utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot read {str(source)!r}: {error.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{str(source)!r} is not valid TOML: {error}") from None
        return cls.from_mapping(data, base=source.parent)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, base: Path = Path(".")) -> BrokerConfig:
        """The TOML file's keys (docs/broker.md); relative metadata paths resolve against ``base``."""
        unknown = set(data) - _KNOWN
        if unknown:
            raise ConfigError(f"unknown broker setting(s): {sorted(unknown)}")
        if not data.get("replay_cache"):
            raise ConfigError("replay_cache is required: the broker refuses to start without one (R49)")
        metadata = _metadata_files(data.get("idp_metadata"), base)
        trust, sso_url = _trust(metadata)
        acs_url = _string(data, "acs_url", required=True)
        policy = _policy(data)
        return cls(
            trust=trust,
            policy=policy,
            acs_url=acs_url,
            entity_id=_string(data, "entity_id") or acs_url,
            sso_url=sso_url,
            replay_cache=replay_cache_from_url(_string(data, "replay_cache", required=True)),
            session_secret=_string(data, "session_secret", required=True),
            sts_endpoint_url=_endpoint(data, "sts_endpoint_url"),
            federation_url=_endpoint(data, "federation_url"),
            relay_state_paths=frozenset(_strings(data, "relay_state_paths")),
            max_concurrency=_int(data, "max_concurrency", 4),
            duration=_int(data, "duration", None),
            https_only=_bool(data, "https_only", False),
            decrypt_keys=_decrypt_keys(data, base),
        )


def is_relative_path(value: str) -> bool:
    """A path on this site: starts with one '/', no scheme, host, backslash, control character or '..'."""
    if not value.startswith("/") or value.startswith("//") or len(value) > 512:
        return False
    if any(ch == "\\" or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return False
    return ".." not in value.split("/") and ":" not in value.split("?", 1)[0]


def _string(data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key} must be a non-empty string")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"{key} must be a list of strings")
    return tuple(value)


def _int(data: Mapping[str, Any], key: str, default: int | None) -> Any:
    value = data.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{key} must be an integer")
    return value


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false")
    return value


def _endpoint(data: Mapping[str, Any], key: str) -> str | None:
    value = _string(data, key)
    return check_endpoint(value) if value else None


def _decrypt_keys(data: Mapping[str, Any], base: Path) -> tuple[KeyPair, ...]:
    key, cert = _string(data, "decrypt_key"), _string(data, "decrypt_cert")
    if not key and not cert:
        return ()
    if not key or not cert:
        raise ConfigError("decrypt_key and decrypt_cert go together (PEM files)")
    return (KeyPair.from_files(str(base / key), str(base / cert)),)


def _metadata_files(value: Any, base: Path) -> list[bytes]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError("idp_metadata must name at least one IdP metadata file")
    out = []
    for name in names:
        path = base / name
        try:
            out.append(read_file(path))
        except OSError as error:
            raise ConfigError(f"cannot read IdP metadata {str(path)!r}: {error.strerror}") from None
    return out


def _trust(documents: list[bytes]) -> tuple[Trust, str | None]:
    trust: Trust | None = None
    sso_url: str | None = None
    for document in documents:
        one = Trust.from_metadata(document)
        trust = one if trust is None else trust | one
        if sso_url is None:
            sso_url = _redirect_sso(parse_entities(document))
    assert trust is not None
    return trust, sso_url


def _redirect_sso(entities: Iterable[EntityDescriptor]) -> str | None:
    """The first HTTP-Redirect SingleSignOnService of the first IdP that has one."""
    for entity in entities:
        location = entity.idp.sso_location() if entity.idp is not None else None
        if location:
            return location
    return None


def _policy(data: Mapping[str, Any]) -> Policy:
    listed = _strings(data, "allowed_roles")
    roles = frozenset(listed) if listed else None
    if _bool(data, "aws", False):
        if "audiences" in data or "recipients" in data:
            raise ConfigError("aws = true sets audiences and recipients; do not set them too")
        return Policy.aws(partition=_string(data, "partition") or "aws", allowed_roles=roles)
    return Policy(
        audiences=_strings(data, "audiences"),
        recipients=_strings(data, "recipients"),
        allow_unsolicited=_bool(data, "allow_unsolicited", False),
        allowed_roles=roles,
    )
