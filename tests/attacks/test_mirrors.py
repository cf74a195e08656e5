"""The CLI and broker mirrors of ``_kit.reject`` / ``_kit.accept`` can fail (SECURITY.md 2.0)."""

from __future__ import annotations

import pytest

from tests.attacks import _kit as k
from tests.attacks import _mirrors
from tests.sp_adapter import _fixtures as fx


def test_a_wrong_code_or_a_wrong_verdict_fails_the_mirror() -> None:
    if not _mirrors.ENABLED:
        pytest.skip("SAML_ATTACK_MIRRORS=0")
    genuine = fx.f0("RA")
    _mirrors.check(genuine, None)  # the control passes both the CLI and the broker
    with pytest.raises(AssertionError, match="CLI exit 0"):
        _mirrors.check(genuine, k.SIG_INVALID)  # an accepted case claimed as rejected
    evil = k.attacker_mode(lambda tree: k.evil(k.assertion(tree)), "A")
    with pytest.raises(AssertionError, match="the CLI refused an accepted case"):
        _mirrors.check(evil, None)
    with pytest.raises(AssertionError, match="CLI said"):
        _mirrors.check(evil, k.AUDIENCE)  # rejected, but with another code
    _mirrors.check(evil, k.SIG_INVALID)


def test_the_broker_half_fails_on_its_own() -> None:
    genuine = fx.f0("RA")
    with pytest.raises(AssertionError, match="broker status 200"):
        _mirrors._through_broker(genuine, k.SIG_INVALID, fx.NAME_ID)
    with pytest.raises(AssertionError):
        _mirrors._through_broker(genuine, None, fx.EVIL_NAME_ID)  # accepted, but not as that identity
