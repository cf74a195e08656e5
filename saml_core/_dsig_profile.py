"""The SAML XML-DSig profile gate: everything about one ds:Signature checked before any crypto (R17-R28).

Invariant this module owns: ``check_signature_profile`` either returns a ``SignatureInfo`` that names
exactly one SignedInfo, one Reference with ``URI="#" + the parent's ID``, the enveloped transform plus at
most one c14n without comments, allow-listed algorithms and strictly decoded values, or raises. KeyInfo is
read only for X509Certificate bytes, which may reorder pinned keys and never supply one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree

from ._encoding import decode_base64_strict
from ._xml import Element
from .constants import C14N_METHODS
from .constants import NS
from .constants import DigestMethod
from .constants import SignatureMethod
from .constants import Transform
from .errors import AlgorithmForbidden
from .errors import MalformedXML
from .errors import SignatureInvalid
from .errors import SignatureProfileViolation

DS_SIGNATURE = NS.ds("Signature")
_SIGNED_INFO = NS.ds("SignedInfo")
_SIGNATURE_VALUE = NS.ds("SignatureValue")
_KEY_INFO = NS.ds("KeyInfo")
_C14N_METHOD = NS.ds("CanonicalizationMethod")
_SIGNATURE_METHOD = NS.ds("SignatureMethod")
_REFERENCE = NS.ds("Reference")
_TRANSFORMS = NS.ds("Transforms")
_TRANSFORM = NS.ds("Transform")
_DIGEST_METHOD = NS.ds("DigestMethod")
_DIGEST_VALUE = NS.ds("DigestValue")
_X509_DATA = NS.ds("X509Data")
_X509_CERT = NS.ds("X509Certificate")
_INCLUSIVE_NS = "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces"
_KEYINFO_ALLOWED = frozenset({_X509_DATA, NS.ds("KeyName"), NS.ds("KeyValue")})
_X509_ALLOWED = frozenset({_X509_CERT, NS.ds("X509SubjectName"), NS.ds("X509IssuerSerial"), NS.ds("X509SKI")})


@dataclass(frozen=True, slots=True, kw_only=True)
class SignaturePolicy:
    """What a verifier accepts beyond the always-on profile (R21, R22)."""

    allow_sha1: bool = False
    """Accept rsa-sha1 and the sha1 digest (an explicit, per-IdP opt-in)."""
    min_rsa_bits: int = 2048
    """Smallest RSA key accepted; 1024 only by explicit opt-in."""


DEFAULT_POLICY = SignaturePolicy()


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """What the profile gate read from one ds:Signature, before any crypto."""

    signature: Element
    c14n: Transform
    c14n_prefixes: tuple[str, ...]
    method: SignatureMethod
    ref_c14n: Transform
    ref_prefixes: tuple[str, ...]
    digest: DigestMethod
    digest_value: bytes
    signature_value: bytes
    keyinfo_certs: tuple[bytes, ...]


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard alphabet, correct padding, canonical bits; ASCII whitespace allowed anywhere (R23)."""
    try:
        return decode_base64_strict(text)
    except ValueError as exc:
        raise SignatureInvalid(f"{what} is not strict base64", detail=f"{what}: {exc}") from None


def _exact_children(node: Element, *layouts: list[object]) -> list[Element]:
    """``node``'s children, whose tags must be one of ``layouts``; only whitespace text around them."""
    kids = list(node)
    if [kid.tag for kid in kids] not in layouts:
        names = ", ".join(etree.QName(str(t)).localname for t in layouts[0])
        raise SignatureProfileViolation(f"{etree.QName(node).localname} must contain exactly {names}")
    text = node.text
    if text and not text.isspace():
        raise SignatureProfileViolation(f"text is not allowed in {etree.QName(node).localname}")
    for kid in kids:
        tail = kid.tail
        if tail and not tail.isspace():
            raise SignatureProfileViolation(f"text is not allowed in {etree.QName(node).localname}")
    return kids


_SIGNATURE_LAYOUTS: tuple[list[object], ...] = (
    [_SIGNED_INFO, _SIGNATURE_VALUE],
    [_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO],
)
_SIGNED_INFO_LAYOUT: list[object] = [_C14N_METHOD, _SIGNATURE_METHOD, _REFERENCE]
_REFERENCE_LAYOUT: list[object] = [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]
_REFERENCE_ATTRIBUTES = frozenset({"URI", "Id", "Type"})
_TRANSFORMS_LAYOUTS: tuple[list[object], ...] = ([_TRANSFORM], [_TRANSFORM, _TRANSFORM])


_DIGEST_SIZES = {member: hashlib.new(member.hashlib_name).digest_size for member in DigestMethod}
# X509Certificate text -> DER for texts that already passed the strict decode (bounded; texts repeat per IdP)
_CERT_CACHE: dict[str, bytes] = {}
_CERT_CACHE_MAX = 64
_CERT_CACHE_TEXT_MAX = 16 * 1024


def _c14n(node: Element) -> tuple[Transform, tuple[str, ...]]:
    try:
        algorithm = Transform.from_uri(node.get("Algorithm", ""))
    except MalformedXML:
        shown = node.get("Algorithm", "")[:120]
        raise SignatureProfileViolation(f"canonicalisation {shown!r} is not allowed") from None
    if algorithm not in C14N_METHODS:
        raise SignatureProfileViolation(f"{algorithm.value} is not a canonicalisation method")
    prefixes: tuple[str, ...] = ()
    if len(node):
        kids = list(node)
        only_prefix_list = len(kids) == 1 and kids[0].tag == _INCLUSIVE_NS and not len(kids[0])
        if algorithm is not Transform.EXC_C14N or not only_prefix_list:
            raise SignatureProfileViolation("only ec:InclusiveNamespaces is allowed inside exc-c14n")
        prefixes = tuple(kids[0].get("PrefixList", "").split())
    return algorithm, prefixes


def check_signature_profile(
    signature: Element, parent: Element, *, policy: SignaturePolicy = DEFAULT_POLICY, id_attribute: str = "ID"
) -> SignatureInfo:
    """Gate 4: everything about one ds:Signature that can be checked before crypto (R17-R23, R28)."""
    if signature.getparent() is not parent:
        raise SignatureProfileViolation("the signature is not a child of the element it signs")
    kids = _exact_children(signature, *_SIGNATURE_LAYOUTS)
    signed_info, signature_value = kids[0], kids[1]
    c14n_node, method_node, reference = _exact_children(signed_info, _SIGNED_INFO_LAYOUT)
    c14n, c14n_prefixes = _c14n(c14n_node)
    method = SignatureMethod.from_uri(method_node.get("Algorithm", ""))
    if len(method_node):
        raise SignatureProfileViolation("SignatureMethod must be empty (no HMACOutputLength)")
    if method.is_sha1 and not policy.allow_sha1:
        raise AlgorithmForbidden("rsa-sha1 signatures need allow_sha1 (--allow-sha1)")
    _check_reference_uri(reference, parent, id_attribute)
    transforms, digest_method, digest_value = _exact_children(reference, _REFERENCE_LAYOUT)
    ref_c14n, ref_prefixes = _check_transforms(transforms)
    digest = DigestMethod.from_uri(digest_method.get("Algorithm", ""))
    if len(digest_method):
        raise SignatureProfileViolation("DigestMethod must be empty")
    if digest is DigestMethod.SHA1 and not policy.allow_sha1:
        raise AlgorithmForbidden("sha1 digests need allow_sha1 (--allow-sha1)")
    digest_bytes = b64decode_strict(_leaf_text(digest_value), "DigestValue")
    if len(digest_bytes) != _DIGEST_SIZES[digest]:
        raise SignatureInvalid("DigestValue has the wrong length")
    value = b64decode_strict(_leaf_text(signature_value), "SignatureValue")
    certs = _check_key_info(kids[2]) if len(kids) == 3 else ()
    return SignatureInfo(
        signature, c14n, c14n_prefixes, method, ref_c14n, ref_prefixes, digest, digest_bytes, value, certs
    )


def _leaf_text(node: Element) -> str:
    if len(node):
        raise SignatureProfileViolation(f"{etree.QName(node).localname} must contain text only")
    return node.text or ""


def _check_reference_uri(reference: Element, parent: Element, id_attribute: str) -> None:
    """R18: URI is exactly '#' + the parent's ID; empty, external and XPointer URIs are refused."""
    uri = reference.get("URI")
    element_id = parent.get(id_attribute)
    if not element_id:
        raise SignatureProfileViolation(f"the signed element has no {id_attribute}")
    if uri is None or uri != "#" + element_id:
        shown = "absent" if uri is None else repr(uri[:120])
        raise SignatureProfileViolation(f"Reference URI is {shown}; it must be '#{element_id[:80]}'")
    if not _REFERENCE_ATTRIBUTES.issuperset(reference.keys()):
        raise SignatureProfileViolation("unexpected attribute on Reference")


def _check_transforms(transforms: Element) -> tuple[Transform, tuple[str, ...]]:
    """R19: enveloped-signature first, then at most one c14n without comments."""
    items = list(transforms)
    if [item.tag for item in items] not in _TRANSFORMS_LAYOUTS:
        raise SignatureProfileViolation("Transforms must hold enveloped-signature and at most one c14n")
    first = items[0].get("Algorithm", "")
    if first != Transform.ENVELOPED.value or len(items[0]):
        raise SignatureProfileViolation(
            f"the first transform must be enveloped-signature, not {first[:120]!r}"
        )
    if len(items) == 1:
        return Transform.C14N, ()
    return _c14n(items[1])


def _check_key_info(key_info: Element) -> tuple[bytes, ...]:
    """R25, R28: KeyInfo never supplies a key; no RetrievalMethod, no URL. Returns X509Certificate DERs."""
    certs: list[bytes] = []
    for item in key_info:
        if item.tag not in _KEYINFO_ALLOWED:
            raise SignatureProfileViolation(f"{etree.QName(item).localname} is not allowed in KeyInfo")
        if item.tag != _X509_DATA:
            continue
        for x in item:
            if x.tag not in _X509_ALLOWED:
                raise SignatureProfileViolation(f"{etree.QName(x).localname} is not allowed in X509Data")
            if x.tag == _X509_CERT:
                certs.append(_certificate_der(_leaf_text(x)))
    return tuple(certs)


def _certificate_der(text: str) -> bytes:
    der = _CERT_CACHE.get(text)
    if der is None:
        try:
            der = decode_base64_strict(text)
        except ValueError:
            raise SignatureProfileViolation("X509Certificate is not base64") from None
        if len(text) <= _CERT_CACHE_TEXT_MAX:  # real certificates; the cache stays under ~1.5 MB
            if len(_CERT_CACHE) >= _CERT_CACHE_MAX:
                _CERT_CACHE.clear()
            _CERT_CACHE[text] = der
    return der
