"""Shared fixtures for the metadata tests: a fixed clock, fixed keys checked into tests/golden/metadata."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from saml_core import KeyPair

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "metadata"
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


def real_metadata_dir() -> Path:
    """The real IdP metadata of the interop corpus (tests/vectors/real/metadata, MANIFEST.tsv there)."""
    return ROOT / "tests" / "vectors" / "real" / "metadata"


def golden_keys(name: str) -> KeyPair:
    return KeyPair.from_files(str(GOLDEN / f"{name}.key"), str(GOLDEN / f"{name}.crt"))


@pytest.fixture(scope="session")
def idp_keys() -> KeyPair:
    """The fixed IdP signing key (RSA-2048) used by the golden files."""
    return golden_keys("idp")


@pytest.fixture(scope="session")
def idp_keys_new() -> KeyPair:
    """The second fixed key: the rollover target."""
    return golden_keys("idp-new")


@pytest.fixture(scope="session")
def other_keys() -> KeyPair:
    """A key nobody trusts."""
    return KeyPair.generate()
