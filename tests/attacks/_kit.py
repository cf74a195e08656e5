"""Shared tools for the attack catalogue suite (SECURITY.md Part 2).

Cases are built on the F0 fixtures of ``tests/sp_adapter/_fixtures.py`` (SECURITY.md 2.0) by lxml DOM
mutation (attacker mode: mutate an IdP-signed tree; fixture mode: mutate the unsigned tree, then sign), or as
exact bytes for family F. ``reject`` asserts the exact error code; ``accept`` asserts ACCEPT(orig): the
identity returned is exactly the untouched original's, never the EVIL one. Both also send every case that
uses the F0 options through ``saml-sp validate`` and the ACS broker (``_mirrors``, SECURITY.md 2.0).

Code by rule (INTERFACES.md, SECURITY.md Part 1). Where one case breaks several rules, the first failing gate
decides (R60): gate 1 transport, 2 parse, 3 shape (R11 root, R12 IDs, R13 assertion count, R14/R16 signature
places, R7 caps, R10 schema, R15 presence), 4 profile, 5 crypto, 6 coverage, 8 protocol, 9 AWS, 10 replay.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.attacks import _mirrors
from tests.sp_adapter import _fixtures as fx

Element = etree._Element

# the error codes of INTERFACES.md, named once
MALFORMED = "malformed_xml"
DTD = "dtd_forbidden"
TOO_LARGE = "too_large"
NOT_A_RESPONSE = "not_a_response"
STATUS = "status_not_success"
ISSUER = "issuer_mismatch"
SIG_MISSING = "signature_missing"
SIG_INVALID = "signature_invalid"
PROFILE = "signature_profile_violation"
ALGORITHM = "algorithm_forbidden"
UNTRUSTED = "untrusted_key"
COUNT = "assertion_count"
UNSIGNED = "unsigned_content"
AUDIENCE = "audience_mismatch"
RECIPIENT = "recipient_mismatch"
DESTINATION = "destination_mismatch"
EXPIRED = "expired"
NOT_YET = "not_yet_valid"
IN_RESPONSE_TO = "in_response_to_mismatch"
REPLAYED = "replayed"
SUBJECT = "subject_confirmation_invalid"
DECRYPTION = "decryption_failed"
CONDITION = "condition_unsupported"
WEAK_KEY = "weak_key"
AWS_ATTRIBUTE = "aws_attribute_invalid"
AWS_ROLE = "aws_role_not_allowed"

DS_SIGNATURE = NS.ds("Signature")
ASSERTION = NS.saml("Assertion")
EVIL_NAMES = (fx.EVIL_NAME_ID,)


def options(**overrides: Any) -> dict[str, Any]:
    """The validate_response keywords of the F0 world; overrides win."""
    values: dict[str, Any] = {
        "trust": fx.trust(),
        "policy": fx.aws_policy(),
        "now": fx.NOW,
        "request_id": fx.REQUEST_ID,
        "decrypt_keys": [fx.sp_keys()],
    }
    values.update(overrides)
    return values


def reject(data: bytes | str, code: str, **overrides: Any) -> ValidationError:
    """The case is rejected with exactly ``code``, by the API and (F0 options) the CLI and the broker too."""
    with pytest.raises(ValidationError) as info:
        validate_response(data, **options(**overrides))
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value.detail}"
    if not overrides:
        _mirrors.check(data, code)
    return info.value


def accept(
    data: bytes | str, *, name_id: str = fx.NAME_ID, issuer: str = fx.IDP, **overrides: Any
) -> ValidatedAssertion:
    """ACCEPT(orig): accepted, and the identity is the untouched original's (never EVIL's); with the F0
    options the CLI and the broker accept it too, with the same identity."""
    result = validate_response(data, **options(**overrides))
    assert result.name_id == name_id
    assert result.name_id != fx.EVIL_NAME_ID
    assert result.issuer == issuer
    if result.aws is not None:
        assert fx.ADMIN not in {role.role_arn for role in result.aws.roles}
    if not overrides and issuer == fx.IDP:
        _mirrors.check(data, None, name_id=name_id)
    return result


# ------------------------------------------------------------------------------------------- trees


def signed(variant: str = "A", **fields: Any) -> Element:
    """An IdP-signed F0 tree in ``variant`` (RA, R, A, EA, ERA, ER), ready for attacker-mode mutation."""
    return fx.parse(fx.f0(variant, **fields))


def unsigned(**fields: Any) -> Element:
    """The unsigned F0 tree, for fixture-mode mutation before ``sign``."""
    return fx.build_response(**fields)


def sign(tree: Element, variant: str = "RA", keys: KeyPair | None = None, **options: Any) -> bytes:
    """Fixture mode: sign a mutated tree the way the IdP would (assertion first), return its bytes."""
    return fx.serialize(fx.sign_variant(tree, variant, keys, **options))


def dump(tree: Element) -> bytes:
    return fx.serialize(tree)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def assertion(tree: Element) -> Element:
    """The one direct Assertion child of a Response tree."""
    found = [child for child in tree if child.tag == ASSERTION]
    assert len(found) == 1
    return found[0]


def signature(parent: Element) -> Element:
    """The direct ds:Signature child of ``parent``."""
    found = [child for child in parent if child.tag == DS_SIGNATURE]
    assert len(found) == 1
    return found[0]


def strip_signature(parent: Element) -> Element:
    """Remove the direct ds:Signature child(ren) of ``parent``; returns ``parent``."""
    for child in [c for c in parent if c.tag == DS_SIGNATURE]:
        parent.remove(child)
    return parent


def pristine(node: Element) -> Element:
    """A deep copy of ``node`` without its own Signature."""
    return strip_signature(copy.deepcopy(node))


def evil(node: Element) -> Element:
    """EVIL(x) (SECURITY.md 2.0) on ``node`` and everything under it."""
    return fx.evil(node)


def child(parent: Element, tag: str) -> Element:
    found = [c for c in parent if c.tag == tag]
    assert len(found) == 1, f"{tag}: {len(found)}"
    return found[0]


def path(parent: Element, *tags: str) -> Element:
    node = parent
    for tag in tags:
        node = child(node, tag)
    return node


def name_id(tree: Element) -> Element:
    return path(assertion(tree), NS.saml("Subject"), NS.saml("NameID"))


def subject_data(tree: Element) -> Element:
    subject = path(assertion(tree), NS.saml("Subject"), NS.saml("SubjectConfirmation"))
    return child(subject, NS.saml("SubjectConfirmationData"))


def conditions(tree: Element) -> Element:
    return child(assertion(tree), NS.saml("Conditions"))


def attribute_statement(tree: Element) -> Element:
    return child(assertion(tree), NS.saml("AttributeStatement"))


def ds(local: str) -> str:
    return NS.ds(local)


def flip_base64_text(node: Element, index: int = 10) -> None:
    """Change one character of base64 text so it still decodes (a flipped bit in the value)."""
    text = "".join((node.text or "").split())
    replacement = "A" if text[index] != "A" else "B"
    node.text = text[:index] + replacement + text[index + 1 :]


def replace_bytes(data: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    """Exact byte surgery for family F; fails loudly when ``old`` is not there."""
    assert old in data, old
    return data.replace(old, new, count)


def trust_for(*keys: KeyPair, **options: Any) -> Trust:
    return fx.trust(*keys, **options)


def generic(**overrides: Any) -> Policy:
    return fx.generic_policy(**overrides)


Mutation = Callable[[Element], object]


def fixture_mode(mutate: Mutation, variant: str = "RA", **fields: Any) -> bytes:
    """Mutate the unsigned F0, then sign it: only the semantic check can catch the problem."""
    tree = unsigned(**fields)
    mutate(tree)
    return sign(tree, variant)


def attacker_mode(mutate: Mutation, variant: str = "RA", **fields: Any) -> bytes:
    """Mutate after signing: the twin of a fixture-mode case, which must fail on the signature."""
    tree = signed(variant, **fields)
    mutate(tree)
    return dump(tree)


def twin(mutate: Mutation, variant: str = "RA", code: str = SIG_INVALID) -> ValidationError:
    """SECURITY.md 2.0: the attacker-mode twin of a fixture-mode case (the same edit after signing) fails on
    the digest, or with ``code`` where a gate before the signatures (schema, Version) refuses it first."""
    return reject(attacker_mode(mutate, variant), code)


def at(now: datetime, **overrides: Any) -> dict[str, Any]:
    return {"now": now, **overrides}


def names(values: Sequence[str]) -> list[str]:
    return list(values)


# --------------------------------------------------------------------------- fixture-mode crypto


def sign_parts(tree: Element, variant: str = "RA", keys: KeyPair | None = None, **sign_options: Any) -> bytes:
    """Like ``sign`` but passes any ``saml_core.sign_enveloped`` option (inclusive_prefixes, digest, ...)."""
    from saml_core import sign_enveloped

    chosen = keys or fx.idp_keys()
    if "A" in variant:
        sign_enveloped(assertion(tree), chosen, **sign_options)
    if "R" in variant:
        sign_enveloped(tree, chosen, **sign_options)
    return dump(tree)


def canonical(node: Element, *, exclusive: bool = True) -> bytes:
    """c14n of ``node`` in place after the enveloped transform (its own Signature taken out and put back),
    so inclusive c14n sees the ancestors' namespaces as a profile-abiding signer does."""
    removed = [(index, c) for index, c in enumerate(node) if c.tag == DS_SIGNATURE]
    tails = [c.tail for _, c in removed]
    for _, c in removed:
        node.remove(c)
    try:
        return etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False)
    finally:
        for (index, c), tail in zip(removed, tails, strict=True):
            node.insert(index, c)
            c.tail = tail


def resign(
    sig: Element, keys: KeyPair | None = None, *, digest_of: bytes | None = None, hash_name: str = "sha256"
) -> Element:
    """Fixture mode for shapes ``sign_enveloped`` cannot make: set DigestValue(s) to ``digest_of`` when given,
    then recompute SignatureValue over exc-c14n(SignedInfo) with the IdP's RSA key (PKCS#1 v1.5)."""
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa

    signed_info = child(sig, ds("SignedInfo"))
    if digest_of is not None:
        for reference in signed_info.iter(ds("Reference")):
            value = child(reference, ds("DigestValue"))
            value.text = base64.b64encode(hashlib.new(hash_name, digest_of).digest()).decode("ascii")
    private = serialization.load_pem_private_key((keys or fx.idp_keys()).key_pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    data = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    algorithm = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1(), "sha512": hashes.SHA512()}[hash_name]
    value = private.sign(data, padding.PKCS1v15(), algorithm)
    child(sig, ds("SignatureValue")).text = base64.b64encode(value).decode("ascii")
    return sig


def encrypt_bytes(plaintext: bytes, recipient: KeyPair | None = None) -> Element:
    """An xenc:EncryptedData (AES-256-GCM, RSA-OAEP) of arbitrary ``plaintext`` bytes, for R39 cases that need
    plaintext no element can serialise to (two roots, a DOCTYPE, comments)."""
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from saml_core import encrypt_element

    target = recipient or fx.sp_keys()
    data = encrypt_element(etree.Element("placeholder"), target.trusted)
    key, nonce = os.urandom(32), os.urandom(12)
    payload = nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    public = target.trusted.public_key
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    wrapped = public.encrypt(key, oaep)
    values = list(data.iter(NS.xenc("CipherValue")))
    assert len(values) == 2  # EncryptedKey's first, then EncryptedData's
    values[0].text = base64.b64encode(wrapped).decode("ascii")
    values[1].text = base64.b64encode(payload).decode("ascii")
    return data


def with_encrypted(tree: Element, data: Element) -> Element:
    """Replace the Response's assertion (plain or encrypted) by saml:EncryptedAssertion(``data``)."""
    wrapper = etree.Element(NS.saml("EncryptedAssertion"), nsmap={"saml": NS.SAML})
    wrapper.append(data)
    found = [c for c in tree if c.tag in (ASSERTION, NS.saml("EncryptedAssertion"))]
    tree.replace(found[0], wrapper)
    return tree


def attribute(tree: Element, name: str = fx.AWS_ROLE) -> Element:
    """The saml:Attribute called ``name`` (default: the AWS Role attribute) of the single assertion."""
    found = [a for a in attribute_statement(tree) if a.get("Name") == name]
    assert len(found) == 1, name
    return found[0]
