"""What the web IdP runs with: the provider, its keys, users, service providers and session settings.

``WebSettings`` is built once at start-up (from the TOML config, from the embedded default, or by the pytest
plugin) and handed to ``create_app``. Users and service providers can be added while the app runs (the
pytest plugin's ``add_user``); everything else is fixed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tomllib
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core._bounded import read_file
from saml_core.constants import Binding
from saml_core.errors import ConfigError
from saml_core.errors import KeyLoadError

from ._aws import AwsRole
from ._issue import IdentityProvider
from ._web_sps import Endpoint
from ._web_sps import Registry
from ._web_sps import ServiceProvider
from ._web_sps import aws_service_provider
from ._web_sps import sp_from_entity
from .config import IdPConfig
from .config import ServiceProvider as ConfigSP
from .config import User
from .config import verify_password

DEFAULT_SESSION_LIFETIME = 8 * 3600


def role_account(role: AwsRole) -> str:
    return role.role_arn.split(":")[4]


def role_name(role: AwsRole) -> str:
    return role.role_arn.split(":role/", 1)[-1].rsplit("/", 1)[-1]


def user_role(user: User, role_arn: str) -> AwsRole | None:
    """One of the user's own roles (SECURITY.md J6: the only roles ever offered or asserted)."""
    return next((r for r in user.roles if r.role_arn == role_arn), None)


def check_password(user: User, candidate: str) -> bool:
    try:
        return verify_password(user, candidate)
    except SAMLError:
        return False


class Directory:
    """Users by name; ``add`` replaces a user of the same name (the pytest plugin's add_user)."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        self._users: dict[str, User] = {}
        for user in users:
            self.add(user)

    def add(self, user: User) -> None:
        self._users[user.name] = user

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs. An unknown name costs the same scrypt work as a known one
        (checked against a hashed user's hash, result ignored), so timing does not reveal who exists."""
        user = self._users.get(name)
        if user is not None:
            return user if check_password(user, password) else None
        decoy = next((u for u in self._users.values() if u.password_hash is not None), None)
        if decoy is not None:
            check_password(decoy, password)
        return None

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[User]:
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

    def add_sp(self, sp: ServiceProvider, *, replace: bool = False) -> None:
        self.service_providers.add(sp, replace=replace)


def derive_session_secret(keys: KeyPair) -> str:
    """A cookie key every worker and host with the IdP's key agrees on, and nobody without it can guess."""
    return hmac.new(keys.key_pem, b"saml-aws-toolkit idp session cookie v1", hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------ from the TOML config

KEY_FILE = "idp.key"
CERT_FILE = "idp.crt"


def state_keys(state_dir: Path) -> KeyPair:
    """The key kept in ``state_dir``: loaded when present, else generated and written (key 0600, dir 0700)."""
    key_path, cert_path = state_dir / KEY_FILE, state_dir / CERT_FILE
    if key_path.exists() and cert_path.exists():
        try:
            return KeyPair.from_files(str(key_path), str(cert_path))
        except KeyLoadError as error:
            raise ConfigError(
                f"the key in {state_dir} cannot be loaded ({error.message}); remove it to start over"
            ) from None
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        keys = KeyPair.generate(common_name="saml-aws-toolkit IdP")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(keys.key_pem)
        cert_path.write_bytes(keys.cert_pem)
    except OSError as error:
        raise ConfigError(f"cannot write the IdP key to {state_dir}: {error.strerror}") from None
    return keys


def settings_from_config(
    config: IdPConfig, *, state_dir: Path | None = None, name: str = "SAML IdP"
) -> WebSettings:
    """``WebSettings`` for a loaded configuration. Without configured keys the state directory's key signs,
    so that every worker, and every restart, publishes the same metadata."""
    keys = config.keys or (state_keys(state_dir or Path(".state") / "idp"),)
    provider = IdentityProvider(config.entity_id, keys, sso_url=config.sso_url, slo_url=config.slo_url)
    sources = _metadata_sources(config)
    registry = Registry(_service_provider(item, sources.get(item.name)) for item in config.service_providers)
    secret = config.session_secret.reveal() if config.session_secret is not None else ""
    return WebSettings(
        provider=provider,
        keys=keys,
        base_url=config.base_url,
        users=Directory(config.users),
        service_providers=registry,
        session_secret=secret,
        session_lifetime=config.session_lifetime,
        name=name,
    )


def _service_provider(item: ConfigSP, metadata_source: str | None) -> ServiceProvider:
    if item.aws:
        return aws_service_provider(
            partition=item.partition,
            region=item.region,
            acs_url=item.acs_url,
            name=item.name,
            sign=item.sign,
            encrypt_to=item.encrypt_cert,
        )
    if metadata_source is not None:
        entity = _load_entity(item.name, metadata_source)
        return sp_from_entity(
            item.name,
            entity,
            sign=item.sign,
            encrypt_to=item.encrypt_cert,
            name_id_format=item.name_id_format,
        )
    return ServiceProvider(
        name=item.name,
        entity_id=item.entity_id,
        acs=(Endpoint(Binding.HTTP_POST, item.acs_url, is_default=True),),
        sign=item.sign,
        encrypt_to=item.encrypt_cert,
        name_id_format=item.name_id_format,
    )


def _metadata_sources(config: IdPConfig) -> dict[str, str]:
    """SP name -> ``metadata`` (a path resolved against the config's folder, or a URL).

    ``IdPConfig`` keeps only the entity ID, ACS and encryption key it read from SP metadata; the web IdP also
    needs the SP's signing keys, AuthnRequestsSigned and SLO endpoints, so it reads the metadata again.
    """
    if config.path is None:
        return {}
    try:
        raw = tomllib.loads(read_file(config.path).decode("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, ConfigError) as error:
        raise ConfigError(f"cannot re-read {config.path}: {error}") from None
    out: dict[str, str] = {}
    for entry in raw.get("service_providers", []):
        source = entry.get("metadata") if isinstance(entry, dict) else None
        if isinstance(source, str) and isinstance(entry.get("name"), str):
            remote = source.startswith(("http://", "https://"))
            out[entry["name"]] = source if remote else str(config.path.resolve().parent / source)
    return out


def _load_entity(name: str, source: str) -> Any:
    from metadata import parse_entities
    from metadata.remote import download

    try:
        if source.startswith(("http://", "https://")):
            data = download(source, timeout=10.0, follow_redirects=False)  # streamed, capped
        else:
            data = read_file(source)
        entities = parse_entities(data)
    except OSError as error:
        raise ConfigError(f"SP {name!r}: cannot read the metadata {source}: {error}") from None
    except SAMLError as error:
        raise ConfigError(f"SP {name!r}: {error.message}") from None
    entity = next((e for e in entities if e.sp is not None), None)
    if entity is None:
        raise ConfigError(f"SP {name!r}: the metadata {source} has no SPSSODescriptor")
    return entity
