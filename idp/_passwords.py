"""scrypt password hashes for the IdP's users: ``scrypt$n$r$p$salt_b64$hash_b64``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from ._errors import IdPConfigError

_SCRYPT_LIMITS = {"n": 2**20, "r": 32, "p": 16}


def hash_password(password: str, *, n: int = 2**14, r: int = 8, p: int = 1, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` for a ``password_hash`` entry."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem(n, r, p), dklen=32
    )
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def maxmem(n: int, r: int, p: int) -> int:
    return 128 * n * r * (p + 1) + 1024 * 1024


def parse_scrypt(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise IdPConfigError("password_hash must be scrypt$n$r$p$salt_b64$hash_b64")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        raise IdPConfigError("password_hash must be scrypt$n$r$p$salt_b64$hash_b64") from None
    if (
        n < 2
        or n & (n - 1)
        or n > _SCRYPT_LIMITS["n"]
        or not 1 <= r <= _SCRYPT_LIMITS["r"]
        or not (1 <= p <= _SCRYPT_LIMITS["p"])
        or not salt
        or len(digest) < 16
    ):
        raise IdPConfigError("password_hash has out-of-range scrypt parameters (n a power of two up to 2^20)")
    return n, r, p, salt, digest
