"""What the web IdP runs with: the provider, its keys, users, service providers and session settings.

``WebSettings`` is built once at start-up (from the TOML config, from the embedded default, or by the pytest
plugin) and handed to ``create_app``. Users and service providers can be added while the app runs (the
pytest plugin's ``add_user``); everything else is fixed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from saml_core import KeyPair
from saml_core.errors import ConfigError

from ._web_sps import Registry
from ._web_sps import ServiceProvider

if TYPE_CHECKING:
    from ._issue import IdentityProvider

DEFAULT_SESSION_LIFETIME = 8 * 3600


@dataclass(frozen=True, slots=True)
class RoleChoice:
    """One AWS role a user may assume: the role ARN and the SAML provider ARN (AWS.md section 1)."""

    role_arn: str
    provider_arn: str

    @classmethod
    def parse(cls, value: str) -> RoleChoice:
        """``role_arn,provider_arn`` in either order (the role first is what we emit)."""
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            raise ConfigError(f"a role must be 'role_arn,provider_arn', got {value[:200]!r}")
        role, provider = parts if ":role/" in parts[0] else parts[::-1]
        if ":role/" not in role or ":saml-provider/" not in provider:
            raise ConfigError(f"a role must be 'role_arn,provider_arn', got {value[:200]!r}")
        return cls(role, provider)

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.split(":role/", 1)[1].rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class WebUser:
    """A user who can sign in: a password (plain, for tests) or a scrypt hash, and what to assert."""

    name: str
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)
    """``scrypt$n$r$p$salt_b64$hash_b64``."""
    name_id: str | None = None
    """The NameID to assert; the user name when None."""
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    session_duration: int | None = None
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tags: tuple[str, ...] = ()
    roles: tuple[RoleChoice, ...] = ()

    def check_password(self, candidate: str) -> bool:
        """Constant-time comparison with the plain password, or scrypt verification of the hash."""
        if self.password_hash is not None:
            return verify_scrypt(self.password_hash, candidate)
        if self.password is None:
            return False
        return hmac.compare_digest(self.password.encode("utf-8"), candidate.encode("utf-8"))

    def role(self, role_arn: str) -> RoleChoice | None:
        return next((r for r in self.roles if r.role_arn == role_arn), None)


def verify_scrypt(encoded: str, candidate: str) -> bool:
    """``scrypt$n$r$p$salt_b64$hash_b64`` (the config format); a malformed hash never matches."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
        if n > 2**20 or r > 32 or p > 16 or not expected:
            return False
        actual = hashlib.scrypt(
            candidate.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=256 * 1024 * 1024
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


class Directory:
    """Users by name; ``add`` replaces a user of the same name (the pytest plugin's add_user)."""

    def __init__(self, users: Iterable[WebUser] = ()) -> None:
        self._users: dict[str, WebUser] = {}
        for user in users:
            self.add(user)

    def add(self, user: WebUser) -> None:
        self._users[user.name] = user

    def get(self, name: str) -> WebUser | None:
        return self._users.get(name)

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[WebUser]:
        return iter(list(self._users.values()))


@dataclass(kw_only=True)
class WebSettings:
    """Everything ``create_app`` needs."""

    provider: IdentityProvider
    keys: Sequence[KeyPair]
    """The provider's keys, oldest to newest; the last one signs (LogoutResponse, error responses)."""
    base_url: str
    """Where browsers reach the IdP, without a trailing slash: SSO is ``{base_url}/sso``."""
    users: Directory = field(default_factory=Directory)
    service_providers: Registry = field(default_factory=Registry)
    session_secret: str = ""
    """HMAC key of the session cookie; derived from the newest signing key when empty."""
    session_lifetime: int = DEFAULT_SESSION_LIFETIME
    name: str = "SAML IdP"
    """Shown in the page header."""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.keys:
            raise ConfigError("the IdP needs at least one signing key")
        if not self.session_secret:
            self.session_secret = derive_session_secret(self.keys[-1])
        if self.session_lifetime < 60:
            raise ConfigError("session_lifetime must be at least 60 seconds")

    @property
    def signing_key(self) -> KeyPair:
        return self.keys[-1]

    @property
    def entity_id(self) -> str:
        return str(self.provider.entity_id)

    @property
    def sso_url(self) -> str:
        return self.base_url + "/sso"

    @property
    def slo_url(self) -> str:
        return self.base_url + "/slo"

    def add_sp(self, sp: ServiceProvider) -> None:
        self.service_providers.add(sp)


def derive_session_secret(keys: KeyPair) -> str:
    """A cookie key every worker and host with the IdP's key agrees on, and nobody without it can guess."""
    return hmac.new(keys.key_pem, b"saml-aws-toolkit idp session cookie v1", hashlib.sha256).hexdigest()
