"""Keys for the saml_core tests: generated once per session (RSA generation costs tens of milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from saml_core import KeyPair
from saml_core import _dsig


@pytest.fixture(scope="session")
def idp_keys() -> KeyPair:
    """The IdP's signing key (RSA-2048): the one pinned by the verifier."""
    return KeyPair.generate("rsa-2048", common_name="idp.example.test")


@pytest.fixture(scope="session")
def new_idp_keys() -> KeyPair:
    """The IdP's next key during a rollover."""
    return KeyPair.generate("rsa-2048", common_name="idp.example.test")


@pytest.fixture(scope="session")
def attacker_keys() -> KeyPair:
    """Cap-key: a key pair nobody trusts, with the same subject name as the IdP's certificate."""
    return KeyPair.generate("rsa-2048", common_name="idp.example.test")


@pytest.fixture(scope="session")
def ec_keys() -> KeyPair:
    return KeyPair.generate("ec-p256")


@pytest.fixture(scope="session")
def ec384_keys() -> KeyPair:
    return KeyPair.generate("ec-p384")


@pytest.fixture(scope="session")
def rsa3072_keys() -> KeyPair:
    return KeyPair.generate("rsa-3072")


@pytest.fixture(scope="session")
def weak_keys() -> KeyPair:
    """An RSA-1024 key (13 interop samples use such test keys; R22 refuses them by default)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.saml_core.builders import keypair_for

    return keypair_for(rsa.generate_private_key(public_exponent=65537, key_size=1024))


@pytest.fixture(scope="session")
def sp_keys() -> KeyPair:
    """The SP's decryption key (RSA-2048)."""
    return KeyPair.generate("rsa-2048", common_name="sp.example.test")


@pytest.fixture
def no_crypto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails the test if verification reaches the crypto step: proves a rule rejected BEFORE xmlsec ran."""

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("the profile gate let this signature reach the crypto step")

    monkeypatch.setattr(_dsig, "_verify_with_keys", forbidden)
    monkeypatch.setattr(_dsig, "_verify_value", forbidden)
    yield


@pytest.fixture
def no_xmlsec(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails the test if a signature value reaches the primitive: proves the R23 length gate fired."""

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("a malformed SignatureValue reached the signature primitive")

    monkeypatch.setattr(_dsig, "_verify_value", forbidden)
    yield
