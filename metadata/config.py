"""The declarative aws-sync file: many providers across many accounts (read once, checked up front).

The file (TOML; relative paths resolve against its folder)::

    region = "us-east-1"                    # defaults for every account
    endpoint_url = "http://127.0.0.1:5000"  # optional: tests, VPC endpoints
    max_workers = 4

    [[accounts]]
    name = "prod"
    role_arn = "arn:aws:iam::111111111111:role/SamlSync"   # or: profile = "prod"; or neither
    external_id = "..."                                    # optional, with role_arn

    [[providers]]
    name = "DemoIdP"
    metadata = "idp-metadata.xml"
    accounts = ["prod"]                   # default: every account
    assertion_encryption_mode = "Allowed" # optional: Required | Allowed
    private_keys = ["aws-decrypt.key"]    # optional, at most 2
    allow_abrupt_rollover = false
    tags = { Owner = "iam" }              # set at creation
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import cast

from saml_core._bounded import read_file
from saml_core._url import check_url
from saml_core.errors import ConfigError

from ._fleet import AccountConfig
from ._fleet import FleetConfig
from ._sync import Desired
from ._sync import EncryptionMode
from ._sync import PrivateKey


def load_fleet(path: str | Path) -> FleetConfig:
    """Read and check the whole file up front (exit 2 on any mistake), metadata and key files too."""
    file = Path(path)
    try:
        data = tomllib.loads(read_file(file).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: {exc}") from None
    base = file.parent
    defaults = {k: _opt_str(data, k) for k in ("region", "endpoint_url")}
    accounts = tuple(_account(a, defaults) for a in _tables(data, "accounts"))
    names = [a.name for a in accounts]
    if not accounts or len(set(names)) != len(names):
        raise ConfigError(f"{file}: [[accounts]] must list at least one account, each with a unique name")
    per_account: dict[str, list[Desired]] = {n: [] for n in names}
    for table in _tables(data, "providers"):
        desired = _provider(table, base)
        targets = table.get("accounts", names)
        if not isinstance(targets, list) or not set(targets) <= set(names):
            raise ConfigError(f"provider {desired.name!r}: accounts must name accounts of the file")
        for target in targets:
            per_account[target].append(desired)
    workers = data.get("max_workers", 4)
    if not isinstance(workers, int) or not 1 <= workers <= 32:
        raise ConfigError("max_workers must be an integer from 1 to 32")
    return FleetConfig(
        accounts=accounts, providers={k: tuple(v) for k, v in per_account.items()}, max_workers=workers
    )


def _tables(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError(f"{key} must be an array of tables ([[{key}]])")
    return value


def _opt_str(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key} must be a string")
    return value


def _account(table: Mapping[str, Any], defaults: Mapping[str, str | None]) -> AccountConfig:
    name = _opt_str(table, "name")
    if not name:
        raise ConfigError("every [[accounts]] entry needs a name")
    endpoint_url = _opt_str(table, "endpoint_url") or defaults["endpoint_url"]
    if endpoint_url is not None:
        check_url(endpoint_url, what=f"account {name!r}: endpoint_url")
    account = AccountConfig(
        name=name,
        profile=_opt_str(table, "profile"),
        role_arn=_opt_str(table, "role_arn"),
        external_id=_opt_str(table, "external_id"),
        region=_opt_str(table, "region") or defaults["region"],
        endpoint_url=endpoint_url,
    )
    return account


def _provider(table: Mapping[str, Any], base: Path) -> Desired:
    name, metadata = _opt_str(table, "name"), _opt_str(table, "metadata")
    if not name or not metadata:
        raise ConfigError("every [[providers]] entry needs name and metadata")
    mode = _opt_str(table, "assertion_encryption_mode")
    if mode not in (None, "Required", "Allowed"):
        raise ConfigError(f"provider {name!r}: assertion_encryption_mode is Required or Allowed")
    key_files = table.get("private_keys", [])
    tags = table.get("tags", {})
    if not isinstance(key_files, list) or not isinstance(tags, dict):
        raise ConfigError(f"provider {name!r}: private_keys is a list of files, tags a table")
    return Desired(
        name=name,
        document=read_file(base / metadata),
        encryption_mode=cast(EncryptionMode | None, mode),
        private_keys=tuple(PrivateKey.from_pem(read_file(base / str(f))) for f in key_files),
        tags={str(k): str(v) for k, v in tags.items()},
        allow_abrupt_rollover=bool(table.get("allow_abrupt_rollover", False)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class IdPNeeds:
    """What an IdP configuration makes its responses carry, as far as role trust policies care."""

    tags: bool
    source_identity: bool
    regions: tuple[str, ...]


def load_idp_needs(path: str | Path) -> IdPNeeds:
    """Read an IdP config file (the ``saml-idp`` TOML): any user with tags / source_identity, AWS SP regions.

    Only the keys a trust policy depends on are read; ``saml-idp`` itself validates the rest.
    """
    file = Path(path)
    try:
        data = tomllib.loads(read_file(file).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: {exc}") from None
    users = _tables(data, "users")
    providers = _tables(data, "service_providers")
    regions = [str(p["region"]) for p in providers if p.get("aws") and p.get("region")]
    return IdPNeeds(
        tags=any(u.get("tags") for u in users),
        source_identity=any(u.get("source_identity") for u in users),
        regions=tuple(dict.fromkeys(regions)),
    )
