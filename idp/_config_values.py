"""Typed reads from a parsed TOML table: each value is cast once and a wrong one names its key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core._bounded import read_file
from saml_core.constants import Binding

from ._errors import IdPConfigError

_FETCH_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class SpFromMetadata:
    """What a generic SP's metadata contributes to its configuration."""

    entity_id: str
    acs_url: str | None
    encrypt_cert: TrustedKey | None


class Reader:
    """One TOML table, with its dotted path (for messages) and the folder relative paths resolve in."""

    def __init__(self, data: Mapping[str, Any], where: str, base_dir: Path) -> None:
        if not isinstance(data, Mapping):
            raise IdPConfigError(f"{where or 'the file'} must be a table")
        self.data = data
        self.prefix = where
        self.base_dir = base_dir

    def where(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def only(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise IdPConfigError(
                f"unknown key {self.where(unknown[0])!r} (allowed: {', '.join(sorted(allowed))})"
            )

    # ------------------------------------------------------------------------------------- tables

    def table(self, key: str) -> Reader:
        if key not in self.data:
            raise IdPConfigError(f"missing [{self.where(key)}] table")
        return Reader(self.data[key], self.where(key), self.base_dir)

    def tables(self, key: str) -> list[Reader]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise IdPConfigError(f"{self.where(key)} must be a list of tables")
        return [Reader(item, f"{self.where(key)}[{i}]", self.base_dir) for i, item in enumerate(value)]

    # ------------------------------------------------------------------------------------- scalars

    def optional_string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise IdPConfigError(f"{self.where(key)} must be a non-empty string")
        return value

    def string(self, key: str) -> str:
        value = self.optional_string(key)
        if value is None:
            raise IdPConfigError(f"missing {self.where(key)}")
        return value

    def optional_url(self, key: str) -> str | None:
        value = self.optional_string(key)
        if value is not None and not value.startswith(("http://", "https://")):
            raise IdPConfigError(f"{self.where(key)} must be an http(s) URL")
        return value

    def url(self, key: str, *, default: str) -> str:
        return self.optional_url(key) or default

    def optional_integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise IdPConfigError(f"{self.where(key)} must be an integer")
        return value

    def integer(self, key: str, *, default: int, low: int, high: int) -> int:
        value = self.optional_integer(key)
        if value is None:
            return default
        if not low <= value <= high:
            raise IdPConfigError(f"{self.where(key)} must be between {low} and {high}")
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise IdPConfigError(f"{self.where(key)} must be true or false")
        return value

    # ------------------------------------------------------------------------------------ collections

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise IdPConfigError(f"{self.where(key)} must be a list of strings")
        return tuple(value)

    def string_map(self, key: str) -> dict[str, str]:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise IdPConfigError(f"{self.where(key)} must be a table of strings")
        return dict(value)

    def string_lists(self, key: str) -> dict[str, tuple[str, ...]]:
        """A table whose values are a string or a list of strings."""
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            raise IdPConfigError(f"{self.where(key)} must be a table")
        out: dict[str, tuple[str, ...]] = {}
        for name, item in value.items():
            items = [item] if isinstance(item, str) else item
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise IdPConfigError(f"{self.where(key)}.{name} must be a string or a list of strings")
            out[name] = tuple(items)
        return out

    # ------------------------------------------------------------------------------------- files

    def path(self, key: str) -> Path:
        return self.base_dir / self.string(key)

    def certificate(self, key: str) -> TrustedKey | None:
        if self.optional_string(key) is None:
            return None
        file = self.path(key)
        try:
            return TrustedKey.from_pem(read_file(file))
        except OSError as exc:
            raise IdPConfigError(f"{self.where(key)}: cannot read {file}: {exc.strerror}") from None
        except SAMLError as exc:
            raise IdPConfigError(f"{self.where(key)}: {exc.message}") from None

    def sp_metadata(self, key: str) -> SpFromMetadata:
        """SP metadata from a file (relative to the config) or an http(s) URL."""
        source = self.string(key)
        data = (
            _fetch(source, self.where(key))
            if source.startswith(("http://", "https://"))
            else _read(self.base_dir / source, self.where(key))
        )
        from metadata import EntitiesDescriptor
        from metadata import parse

        try:
            model = parse(data)
        except SAMLError as exc:
            raise IdPConfigError(f"{self.where(key)}: {exc.message}") from None
        entities = model.entities if isinstance(model, EntitiesDescriptor) else (model,)
        entity = next((e for e in entities if e.sp is not None), None)
        if entity is None or entity.sp is None:
            raise IdPConfigError(f"{self.where(key)}: the metadata has no SPSSODescriptor")
        post = [e for e in entity.sp.assertion_consumer_services if e.binding == Binding.HTTP_POST.value]
        keys = entity.sp.encryption_keys()
        return SpFromMetadata(entity.entity_id, post[0].location if post else None, keys[0] if keys else None)


def _read(file: Path, where: str) -> bytes:
    try:
        return read_file(file, too_large=lambda message: IdPConfigError(f"{where}: {message}"))
    except OSError as exc:
        raise IdPConfigError(f"{where}: cannot read {file}: {exc.strerror}") from None


def _fetch(url: str, where: str) -> bytes:
    """The SP's metadata over HTTP: streamed up to IAM's metadata limit, redirects not followed."""
    from metadata.remote import download

    try:
        return download(url, timeout=_FETCH_TIMEOUT, follow_redirects=False)
    except SAMLError as exc:
        raise IdPConfigError(f"{where}: {exc.message}") from None
