"""Gates 4-6: signature profile, crypto and coverage (SECURITY.md R15, R17-R30, R35-R40).

Invariants this module owns:

* Rule 1: the Issuer read before verification only selects which trusted entity's keys are tried
  (R43); it is never returned. The verified Issuer is compared with that entity in gate 8.
* Rule 2: every present ds:Signature passes the profile gate before any crypto, and every present
  signature must verify (R29). The Response signature is verified first, over the received (encrypted)
  form; decryption works on the verified tree; the inner Assertion signature comes last (R35).
* Rule 3: what is returned for reading is a ``VerifiedElement`` tree, or the decrypted plaintext of a
  ciphertext a verified Response signature covers (R30, R31).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import SignaturePolicy
from saml_core import check_signature_profile
from saml_core import decrypt_element
from saml_core import verify_enveloped
from saml_core._xml import Element
from saml_core.errors import DecryptionFailed
from saml_core.errors import DTDForbidden

from ._checks_shape import ASSERTION
from ._checks_shape import ENCRYPTED_ASSERTION
from ._checks_shape import ISSUER
from ._checks_shape import Shape
from ._checks_shape import check_decrypted_shape
from ._errors import DecryptionError
from ._errors import DoctypeForbidden
from ._errors import EncryptionRequired
from ._errors import IssuerMismatch
from ._errors import SignatureRequired
from ._errors import mismatch_message
from ._policy import Policy
from ._trust import Trust
from ._trust import TrustEntry


@dataclass(frozen=True, slots=True)
class Verified:
    """The trees identity may be read from, and who signed them."""

    response: Element
    """The verified Response tree when the Response is signed, else the received root (unauthenticated)."""
    response_signed: bool
    assertion: Element
    """The assertion to read: a verified tree, or plaintext covered by a verified Response signature."""
    assertion_signed: bool
    entry: TrustEntry
    """The trusted entity whose key verified."""
    encrypted: bool


def _signature_policy(policy: Policy, entry: TrustEntry) -> SignaturePolicy:
    """Either side may opt in (an explicit act): SHA-1, or an RSA floor under 2048 (R21, R22)."""
    return _signature_policy_for(
        policy.allow_sha1 or entry.allow_sha1, min(policy.min_rsa_bits, entry.min_rsa_bits)
    )


_ABSENT = SignaturePolicy()


@functools.lru_cache(maxsize=64)
def _signature_policy_for(allow_sha1: bool, min_rsa_bits: int) -> SignaturePolicy:
    return SignaturePolicy(allow_sha1=allow_sha1, min_rsa_bits=min_rsa_bits)


def _issuer_text(parent: Element | None) -> str | None:
    if parent is None:
        return None
    issuer = parent[0] if len(parent) else None
    if issuer is None or issuer.tag != ISSUER or len(issuer):
        return None
    return (issuer.text or "").strip()


def select_entry(trust: Trust, *candidates: str | None) -> TrustEntry:
    """R43: the first Issuer present picks the entity whose keys are tried; with none, a single-IdP trust."""
    for issuer in candidates:
        if issuer is None:
            continue
        entry = trust.entry_for(issuer)
        if entry is None:
            raise IssuerMismatch(
                mismatch_message("Issuer", issuer, trust.issuers), expected=trust.issuers, actual=issuer
            )
        return entry
    if len(trust.entries) == 1:
        return next(iter(trust.entries.values()))
    raise IssuerMismatch(
        "the response names no Issuer, and more than one IdP is trusted", expected=trust.issuers
    )


def verify_signatures(
    shape: Shape, trust: Trust, policy: Policy, decrypt_keys: Sequence[KeyPair]
) -> Verified:
    """Gates 4-6 for the plain and the encrypted forms."""
    if policy.require_encryption and shape.encrypted is None:
        raise EncryptionRequired(detail="a plain Assertion arrived and the policy requires encryption")
    if shape.assertion is not None:
        return _verify_plain(shape, trust, policy)
    return _verify_encrypted(shape, trust, policy, decrypt_keys)


def _verify_plain(shape: Shape, trust: Trust, policy: Policy) -> Verified:
    assert shape.assertion is not None
    response_issuer = _issuer_text(shape.root)
    assertion_issuer = _issuer_text(shape.assertion)
    response_entry = assertion_entry = None
    response_profile = assertion_profile = None
    response_policy = assertion_policy = _ABSENT  # replaced below for each signature present
    # gate 4: every signature's profile, before any crypto
    if shape.response_signature is not None:
        response_entry = select_entry(trust, response_issuer, assertion_issuer)
        response_policy = _signature_policy(policy, response_entry)
        response_profile = check_signature_profile(
            shape.response_signature, shape.root, policy=response_policy
        )
    if shape.assertion_signature is not None:
        assertion_entry = select_entry(trust, assertion_issuer)
        assertion_policy = _signature_policy(policy, assertion_entry)
        assertion_profile = check_signature_profile(
            shape.assertion_signature, shape.assertion, policy=assertion_policy
        )
    # gate 5: crypto, Response first (R29: every present signature must verify)
    response_tree = shape.root
    assertion_tree: Element | None = None
    if response_entry is not None:
        verified = verify_enveloped(
            shape.root,
            response_entry.keys,
            policy=response_policy,
            ids=shape.id_map,
            profile=response_profile,
        )
        response_tree = verified.element
        assertion_tree = _child(response_tree, ASSERTION)
    if assertion_entry is not None:
        verified = verify_enveloped(
            shape.assertion,
            assertion_entry.keys,
            policy=assertion_policy,
            ids=shape.id_map,
            profile=assertion_profile,
        )
        assertion_tree = verified.element
    entry = _same_entity(response_entry, assertion_entry)
    assert assertion_tree is not None  # gate 3 (R15) guarantees one signature
    return Verified(
        response_tree, response_entry is not None, assertion_tree, assertion_entry is not None, entry, False
    )


def _verify_encrypted(
    shape: Shape, trust: Trust, policy: Policy, decrypt_keys: Sequence[KeyPair]
) -> Verified:
    """R35: verify the Response over the ciphertext, decrypt the verified tree, then the inner signature."""
    response_tree = shape.root
    response_entry = None
    container = shape.encrypted
    if shape.response_signature is not None:
        response_entry = select_entry(trust, _issuer_text(shape.root))
        signature_policy = _signature_policy(policy, response_entry)
        verified = verify_enveloped(
            shape.root, response_entry.keys, policy=signature_policy, ids=shape.id_map
        )
        response_tree = verified.element
        container = _child(response_tree, ENCRYPTED_ASSERTION)
    assert container is not None
    plaintext = _decrypt(container, policy, decrypt_keys)
    try:
        inner_signature = check_decrypted_shape(plaintext, shape.ids)
    except DecryptionError:
        raise
    except SAMLError as exc:  # R39/R40: the plaintext's shape is part of decryption; one code outside
        raise DecryptionError(detail=f"plaintext rejected: {exc.code}: {exc.detail}") from None
    assertion_entry = None
    assertion_tree = plaintext
    if inner_signature is None:
        if response_entry is None:
            raise SignatureRequired("neither the Response nor the decrypted Assertion is signed")
        if policy.require_signed_assertion:
            raise SignatureRequired("the policy requires a signed Assertion and it is not signed")
    else:
        assertion_entry = select_entry(trust, _issuer_text(plaintext))
        signature_policy = _signature_policy(policy, assertion_entry)
        assertion_tree = verify_enveloped(plaintext, assertion_entry.keys, policy=signature_policy).element
    entry = _same_entity(response_entry, assertion_entry)
    return Verified(
        response_tree, response_entry is not None, assertion_tree, assertion_entry is not None, entry, True
    )


def _decrypt(container: Element, policy: Policy, keys: Sequence[KeyPair]) -> Element:
    """R36-R40: one generic error for every failure; a DTD in the plaintext keeps its own code (R39)."""
    try:
        return decrypt_element(container, list(keys), policy=policy.decryption_policy())
    except DecryptionFailed as exc:
        raise DecryptionError(detail=exc.detail) from None
    except DTDForbidden as exc:
        raise DoctypeForbidden(exc.detail) from None
    except SAMLError as exc:
        raise DecryptionError(detail=f"plaintext rejected: {exc.code}: {exc.detail}") from None


def _same_entity(first: TrustEntry | None, second: TrustEntry | None) -> TrustEntry:
    """R43: when both are signed, one entity signed both."""
    if first is not None and second is not None and first.issuer != second.issuer:
        raise IssuerMismatch(
            f"the Response Issuer {first.issuer[:200]!r} differs from the Assertion Issuer"
            f" {second.issuer[:200]!r}",
            expected=(second.issuer,),
            actual=first.issuer,
        )
    entry = first or second
    assert entry is not None
    return entry


def _child(parent: Element, tag: str) -> Element:
    found = list(parent.iterchildren(tag))
    if len(found) != 1:  # the verified tree is the received one, re-parsed: shape already held (R13)
        raise SignatureRequired(detail="the verified tree lost its assertion")
    return found[0]
