"""SAML IDs: xs:ID values (NCName) with 160 bits from ``secrets`` (SAML core section 1.3.4)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

IdSource = Callable[[], str]

_NCNAME = re.compile(r"[A-Za-z_][\w.\-]*", re.ASCII)


def new_id() -> str:
    """A fresh ID: underscore plus 40 hex digits (160 bits, well over SAML's 128-bit floor)."""
    return "_" + secrets.token_hex(20)


def sequential_ids(prefix: str = "_id") -> IdSource:
    """A deterministic ID source for golden files and tests: _id1, _id2, ..."""
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"{prefix}{counter}"

    return next_id


def is_ncname(value: str) -> bool:
    """ASCII subset of NCName; SAML IDs in the wild never need more."""
    return _NCNAME.fullmatch(value) is not None
