"""Shared fixtures for the idp tests: one RSA and one EC key per session (key generation is the slow part)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from idp import AwsRole
from idp import IdentityProvider
from saml_core import KeyPair

ENTITY_ID = "https://idp.example.test/"
NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
READ_ONLY = AwsRole(
    "arn:aws:iam::111111111111:role/ReadOnly", "arn:aws:iam::111111111111:saml-provider/DemoIdP"
)
ADMIN = AwsRole("arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::111111111111:saml-provider/DemoIdP")


@pytest.fixture(scope="session")
def rsa_keys() -> KeyPair:
    return KeyPair.generate("rsa-2048", common_name="idp-test")


@pytest.fixture(scope="session")
def old_rsa_keys() -> KeyPair:
    return KeyPair.generate("rsa-2048", common_name="idp-test-old")


@pytest.fixture(scope="session")
def ec_keys() -> KeyPair:
    return KeyPair.generate("ec-p256", common_name="idp-test-ec")


@pytest.fixture(scope="session")
def sp_keys() -> KeyPair:
    return KeyPair.generate("rsa-2048", common_name="sp-test")


@pytest.fixture
def provider(rsa_keys: KeyPair) -> IdentityProvider:
    return IdentityProvider(ENTITY_ID, rsa_keys)
