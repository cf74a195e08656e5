"""Supported helpers for tests that use saml_core: a fixed clock, throwaway keys, deterministic IDs.

Keys are generated once per process and per name (RSA generation costs tens of milliseconds), so a test
suite can ask for them freely. Never use them outside tests: the private keys live in process memory only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from functools import cache

from ._ids import sequential_ids as sequential_ids
from ._keys import KeyAlgorithm
from ._keys import KeyPair

FIXED_NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
"""A fixed, timezone-aware instant for reproducible output (pass it as ``now=``)."""


def fixed_clock(moment: datetime = FIXED_NOW) -> Callable[[], datetime]:
    """A clock that always answers ``moment`` (for ``clock=`` parameters such as the local STS's)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC instant")

    def clock() -> datetime:
        return moment

    return clock


@cache
def throwaway_keys(name: str = "idp", algorithm: KeyAlgorithm = "rsa-2048") -> KeyPair:
    """A key pair generated once per (name, algorithm) in this process: the same object on every call."""
    return KeyPair.generate(algorithm, common_name=f"throwaway {name} key")


__all__ = ["FIXED_NOW", "fixed_clock", "sequential_ids", "throwaway_keys"]
