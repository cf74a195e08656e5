"""Family G: transport, size and resources (SECURITY.md Part 2, G1-G6), where the validator applies.

Guards: ruby-saml CVE-2025-54572 (size before Base64); crewjam/saml CVE-2023-28119 and ruby-saml
CVE-2025-25293 (DEFLATE bombs). G3 (concurrency limits), G5 (RelayState) and G6 (GET to the POST ACS) belong
to the ACS broker and the IdP's bindings, not to ``validate_response``; they are tested with those components.
"""

from __future__ import annotations

import time
import zlib

import pytest

from tests.attacks import _kit as k
from tests.attacks import _mirrors
from tests.sp_adapter import _fixtures as fx

AWS_LIMIT = 100_000


def _padded_to(length: int) -> str:
    """A genuine F0-RA as base64 followed by line breaks up to exactly ``length`` characters."""
    text = k.b64(fx.f0("RA"))
    assert len(text) < length
    return text + "\n" * (length - len(text))


def test_g1_exactly_the_sts_limit_is_accepted() -> None:
    k.accept(_padded_to(AWS_LIMIT))


def test_g1_one_character_over_the_sts_limit() -> None:
    k.reject(_padded_to(AWS_LIMIT + 1), k.TOO_LARGE)


def test_g1_generic_limit_is_256_kib() -> None:
    k.accept(_padded_to(256 * 1024), policy=k.generic())
    k.reject(_padded_to(256 * 1024 + 1), k.TOO_LARGE, policy=k.generic())


@pytest.mark.parametrize("size", [20 * 1024 * 1024, 50 * 1024 * 1024], ids=["20MB", "50MB"])
def test_g1_huge_saml_response_rejected_before_decoding(size: int) -> None:
    payload = "A" * size
    started = time.perf_counter()
    with _mirrors.paused():  # the budget is the API's; the CLI and the broker follow once, untimed
        k.reject(payload, k.TOO_LARGE)
        k.reject(payload.encode(), k.TOO_LARGE)
    assert time.perf_counter() - started < 1.0
    _mirrors.check(payload, k.TOO_LARGE)


def test_g2_deflate_bomb_on_post_is_never_inflated() -> None:
    # 1 kB that would inflate to 1 GB: POST never inflates (R2), so it is just bytes that are not XML
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * (1024 * 1024)
    bomb = b"".join(compressor.compress(chunk) for _ in range(64)) + compressor.flush()
    assert len(bomb) < 100_000
    started = time.perf_counter()
    k.reject(k.b64(bomb), k.MALFORMED)
    assert time.perf_counter() - started < 1.0


def test_g2_deflated_genuine_response_on_post_is_rejected() -> None:
    deflated = zlib.compress(fx.f0("RA"))[2:-4]
    k.reject(k.b64(deflated), k.MALFORMED)
    k.accept(k.b64(fx.f0("RA")))  # the positive twin: the same response, not deflated


def test_g4_big_foreign_key_in_keyinfo_is_ignored() -> None:
    # KeyInfo never supplies the key: a large unrelated certificate next to a genuine signature changes
    # nothing, and no work is spent on it
    tree = k.signed("A")
    cert = k.path(k.signature(k.assertion(tree)), k.ds("KeyInfo"), k.ds("X509Data"), k.ds("X509Certificate"))
    cert.text = k.b64(fx.attacker_keys().cert_der * 8)  # 8 KB of DER that is no single certificate
    k.accept(k.dump(tree))
