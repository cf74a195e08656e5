"""The IdP configuration file (TOML), loaded once at the edge: ``load_config(path) -> IdPConfig``.

Format (INTERFACES contract; relative paths resolve against the file's folder)::

    [idp]
    entity_id = "https://idp.example.test/"
    base_url = "http://127.0.0.1:8000"           # SSO/SLO URLs derive from it
    keys = [{key = "keys/old.key", cert = "keys/old.crt"}, {key = "keys/idp.key", cert = "keys/idp.crt"}]
    session_lifetime = 28800                      # seconds
    session_secret = "..."                        # cookie signing key (optional)

    [[users]]
    name = "alice"
    password = "alice-password"                   # or password_hash = "scrypt$n$r$p$salt_b64$hash_b64"
    name_id = "alice@example.test"                # default: name
    session_name = "alice"                        # RoleSessionName; default: name
    attributes = { email = ["alice@example.test"] }
    session_duration = 3600
    source_identity = "alice"
    tags = { Department = "Engineering" }
    transitive_tags = ["Department"]
    roles = ["arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/DemoIdP"]

    [[service_providers]]
    name = "aws"
    aws = true                                    # partition/region choose the ACS and audience
    partition = "aws"
    region = "us-east-1"
    acs_url = "http://127.0.0.1:9000/acs"         # optional override (tests)
    sign = "both"
    # generic SPs: metadata = "sp-metadata.xml" (file or URL), or entity_id + acs_url; encrypt_cert = "sp.crt"

Every value is cast and checked here, once; a wrong one raises ``IdPConfigError`` naming the key.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core import new_id
from saml_core._bounded import read_file
from saml_core.constants import NameIDFormat

from ._aws import AwsRole
from ._aws import aws_audience
from ._aws import aws_claims
from ._aws import aws_recipient
from ._config_values import Reader
from ._errors import IdPConfigError
from ._issue import SIGN_MODES
from ._issue import IdentityProvider
from ._issue import SignMode
from ._passwords import hash_password as hash_password
from ._passwords import maxmem
from ._passwords import parse_scrypt

DEFAULT_SESSION_LIFETIME = 8 * 3600


class Secret:
    """A secret string whose repr never shows it (STYLE.md 3)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._value


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """One account of the IdP's directory."""

    name: str
    """The login name."""
    password: Secret | None = field(default=None, repr=False)
    """A plain password (tests and demos)."""
    password_hash: str | None = field(default=None, repr=False)
    """``scrypt$n$r$p$salt_b64$hash_b64`` (see ``hash_password``)."""
    name_id: str
    """The NameID sent to SPs (default: the login name)."""
    session_name: str
    """AWS RoleSessionName (default: the login name)."""
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Extra attributes for generic SPs (and AWS, where they travel next to AWS's own)."""
    session_duration: int | None = None
    source_identity: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    """AWS session tags (PrincipalTag:{key})."""
    transitive_tags: tuple[str, ...] = ()
    roles: tuple[AwsRole, ...] = ()
    """AWS roles this user may assume (role ARN, provider ARN)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceProvider:
    """A relying party the IdP will send responses to (only to its registered ACS URL: J2)."""

    name: str
    aws: bool = False
    """AWS sign-in: AWS attributes, the partition's audience and sign-in URL."""
    partition: str = "aws"
    region: str | None = None
    provider_uuid: str | None = None
    """The IdP-ID of an encrypting AWS SAML provider (``/saml/acs/{IdP-ID}``)."""
    entity_id: str
    """The Audience (AWS: the partition's; generic: the SP's entity ID)."""
    acs_url: str
    """Recipient and Destination."""
    sign: SignMode = "both"
    encrypt_cert: TrustedKey | None = None
    """Encrypt assertions to this certificate (AES-256-GCM + RSA-OAEP)."""
    name_id_format: str | None = None
    """None: persistent for AWS, unspecified for generic SPs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IdPConfig:
    """The loaded configuration: keys parsed, paths resolved, every value checked."""

    entity_id: str
    base_url: str
    keys: tuple[KeyPair, ...] = field(repr=False)
    """Oldest to newest; the last signs. Empty: the caller generates ephemeral keys."""
    session_lifetime: int = DEFAULT_SESSION_LIFETIME
    session_secret: Secret | None = field(default=None, repr=False)
    users: tuple[User, ...] = ()
    service_providers: tuple[ServiceProvider, ...] = ()
    path: Path | None = None
    """The file it came from."""

    @property
    def sso_url(self) -> str:
        return self.base_url + "/sso"

    @property
    def slo_url(self) -> str:
        return self.base_url + "/slo"

    @property
    def metadata_url(self) -> str:
        return self.base_url + "/metadata"

    def user(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)

    def service_provider(self, name: str) -> ServiceProvider | None:
        return next((sp for sp in self.service_providers if sp.name == name), None)

    def identity_provider(self, *, id_source: Callable[[], str] = new_id) -> IdentityProvider:
        """The IdentityProvider this configuration describes (an ephemeral key when none is configured)."""
        keys = self.keys or (KeyPair.generate(common_name=self.entity_id[:64]),)
        return IdentityProvider(
            self.entity_id, keys, sso_url=self.sso_url, slo_url=self.slo_url, id_source=id_source
        )


# ------------------------------------------------------------------------------------------- passwords


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` is the user's; constant-time comparison. False for a user without one."""
    candidate = password.encode("utf-8")
    if user.password_hash is not None:
        n, r, p, salt, digest = parse_scrypt(user.password_hash)
        computed = hashlib.scrypt(
            candidate, salt=salt, n=n, r=r, p=p, maxmem=maxmem(n, r, p), dklen=len(digest)
        )
        return hmac.compare_digest(computed, digest)
    if user.password is not None:
        return hmac.compare_digest(candidate, user.password.reveal().encode("utf-8"))
    return False


# ------------------------------------------------------------------------------------------- loading


def load_config(path: str | Path) -> IdPConfig:
    """Read, cast and check the TOML file; every error is an ``IdPConfigError`` naming the key."""
    file = Path(path)
    try:
        raw = tomllib.loads(read_file(file, too_large=IdPConfigError).decode("utf-8"))
    except OSError as exc:
        raise IdPConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IdPConfigError(f"{file} is not valid TOML: {exc}") from None
    return config_from_mapping(raw, base_dir=file.resolve().parent, path=file)


def config_from_mapping(raw: Mapping[str, Any], *, base_dir: Path, path: Path | None = None) -> IdPConfig:
    """The checks of ``load_config`` for an already-parsed document (paths relative to ``base_dir``)."""
    top = Reader(raw, "", base_dir)
    top.only({"idp", "users", "service_providers"})
    section = top.table("idp")
    section.only({"entity_id", "base_url", "keys", "session_lifetime", "session_secret"})
    entity_id = section.string("entity_id")
    users = tuple(_user(item) for item in top.tables("users"))
    names = [u.name for u in users]
    if len(set(names)) != len(names):
        raise IdPConfigError("two [[users]] share a name")
    sps = tuple(_service_provider(item) for item in top.tables("service_providers"))
    if len({sp.name for sp in sps}) != len(sps):
        raise IdPConfigError("two [[service_providers]] share a name")
    secret = section.optional_string("session_secret")
    return IdPConfig(
        entity_id=entity_id,
        base_url=section.url("base_url", default="http://127.0.0.1:8000").rstrip("/"),
        keys=tuple(_key_pair(item) for item in section.tables("keys")),
        session_lifetime=section.integer(
            "session_lifetime", default=DEFAULT_SESSION_LIFETIME, low=60, high=7 * 86400
        ),
        session_secret=Secret(secret) if secret is not None else None,
        users=users,
        service_providers=sps,
        path=path,
    )


def _key_pair(item: Reader) -> KeyPair:
    item.only({"key", "cert"})
    key_path, cert_path = item.path("key"), item.path("cert")
    try:
        return KeyPair.from_pem(read_file(key_path), read_file(cert_path))
    except OSError as exc:
        raise IdPConfigError(f"{item.where('keys')}: cannot read {exc.filename}: {exc.strerror}") from None
    except SAMLError as exc:
        raise IdPConfigError(f"{item.where('keys')}: {exc.message}") from None


def _user(item: Reader) -> User:
    item.only(
        {
            "name",
            "password",
            "password_hash",
            "name_id",
            "session_name",
            "attributes",
            "session_duration",
            "source_identity",
            "tags",
            "transitive_tags",
            "roles",
        }
    )
    name = item.string("name")
    password, password_hash = item.optional_string("password"), item.optional_string("password_hash")
    if password is not None and password_hash is not None:
        raise IdPConfigError(f"{item.where('password')}: give password or password_hash, not both")
    if password_hash is not None:
        parse_scrypt(password_hash)
    user = User(
        name=name,
        password=Secret(password) if password is not None else None,
        password_hash=password_hash,
        name_id=item.optional_string("name_id") or name,
        session_name=item.optional_string("session_name") or name,
        attributes=MappingProxyType(item.string_lists("attributes")),
        session_duration=item.optional_integer("session_duration"),
        source_identity=item.optional_string("source_identity"),
        tags=MappingProxyType(item.string_map("tags")),
        transitive_tags=item.string_list("transitive_tags"),
        roles=tuple(_role(item, value) for value in item.string_list("roles")),
    )
    if user.roles:
        partition = user.roles[0].partition
        try:
            aws_claims(
                roles=user.roles,
                session_name=user.session_name,
                partition=partition,
                session_duration=user.session_duration,
                source_identity=user.source_identity,
                principal_tags=user.tags,
                transitive_tag_keys=user.transitive_tags,
            )
        except SAMLError as exc:
            raise IdPConfigError(f"user {name!r}: {exc.message}") from None
    return user


def _role(item: Reader, value: str) -> AwsRole:
    try:
        return AwsRole.parse(value)
    except SAMLError as exc:
        raise IdPConfigError(f"{item.where('roles')}: {exc.message}") from None


_SP_KEYS = {
    "name", "aws", "partition", "region", "provider_uuid", "acs_url", "entity_id", "sign", "metadata",
    "encrypt_cert", "name_id_format",
}  # fmt: skip


def _service_provider(item: Reader) -> ServiceProvider:
    item.only(_SP_KEYS)
    common: dict[str, Any] = {
        "name": item.string("name"),
        "sign": _sign_mode(item),
        "encrypt_cert": item.certificate("encrypt_cert"),
        "name_id_format": _name_id_format(item),
    }
    if item.boolean("aws", default=False):
        return _aws_service_provider(item, common)
    return _generic_service_provider(item, common)


def _sign_mode(item: Reader) -> SignMode:
    sign = item.optional_string("sign") or "both"
    mode = next((m for m in SIGN_MODES if m == sign), None)
    if mode is None:
        raise IdPConfigError(f"{item.where('sign')}: use one of {', '.join(SIGN_MODES)}")
    return mode


def _name_id_format(item: Reader) -> str | None:
    fmt = item.optional_string("name_id_format")
    if fmt is None:
        return None
    try:
        return NameIDFormat(fmt).value
    except SAMLError:
        raise IdPConfigError(f"{item.where('name_id_format')}: unknown NameID format {fmt!r}") from None


def _aws_service_provider(item: Reader, common: dict[str, Any]) -> ServiceProvider:
    """AWS sign-in: the partition's audience and (regional) sign-in URL unless overridden."""
    partition = item.optional_string("partition") or "aws"
    region, uuid = item.optional_string("region"), item.optional_string("provider_uuid")
    try:
        acs = item.optional_url("acs_url") or aws_recipient(partition, region, uuid)
        audience = item.optional_string("entity_id") or aws_audience(partition)
    except SAMLError as exc:
        raise IdPConfigError(f"service provider {common['name']!r}: {exc.message}") from None
    return ServiceProvider(
        aws=True, partition=partition, region=region, provider_uuid=uuid, entity_id=audience, acs_url=acs,
        **common,
    )  # fmt: skip


def _generic_service_provider(item: Reader, common: dict[str, Any]) -> ServiceProvider:
    """Any SP: entity_id and acs_url, given or read from its metadata (file or URL)."""
    entity_id, acs = item.optional_string("entity_id"), item.optional_url("acs_url")
    if item.optional_string("metadata") is not None:
        from_md = item.sp_metadata("metadata")
        entity_id, acs = entity_id or from_md.entity_id, acs or from_md.acs_url
        common["encrypt_cert"] = common["encrypt_cert"] or from_md.encrypt_cert
    if not entity_id or not acs:
        raise IdPConfigError(f"service provider {common['name']!r} needs metadata, or entity_id and acs_url")
    return ServiceProvider(entity_id=entity_id, acs_url=acs, **common)
