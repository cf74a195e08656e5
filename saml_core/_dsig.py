"""XML-DSig: enveloped signing, and verification behind the SAML signature profile gate.

Invariants this module owns (SECURITY.md R17-R28):

* Rule 1: every ``ds:Signature`` passes ``check_signature_profile`` before any crypto runs: exact shape,
  ``URI="#" + the parent's ID``, enveloped + one c14n transform, allow-listed algorithms, no indirection.
* Rule 2: the verification key comes only from the caller's ``TrustedKey`` list. KeyInfo may at most
  reorder the pinned keys (exact DER match); it never supplies one.
* Rule 3: xmlsec verifies with ``ctx.key`` and allow-listed transforms; independently we canonicalise the
  referenced element ourselves, check its digest against the signed DigestValue, and re-parse exactly
  those canonical bytes. Callers read identity only from ``VerifiedElement.element``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import xmlsec  # the hazmat layer; pyproject allows this import here only
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ._encoding import decode_base64_strict
from ._keys import KeyPair
from ._keys import TrustedKey
from ._xml import DEFAULT_LIMITS
from ._xml import Element
from ._xml import XMLLimits
from ._xml import check_unique_ids
from ._xml import children
from ._xml import parse_xml
from ._xml import reparse_serialised
from .constants import C14N_METHODS
from .constants import NS
from .constants import DigestMethod
from .constants import SignatureMethod
from .constants import Transform
from .errors import AlgorithmForbidden
from .errors import MalformedXML
from .errors import SignatureInvalid
from .errors import SignatureMissing
from .errors import SignatureProfileViolation
from .errors import UntrustedKey
from .errors import WeakKey

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
_X509_ALLOWED = frozenset(
    {_X509_CERT, NS.ds("X509SubjectName"), NS.ds("X509IssuerSerial"), NS.ds("X509SKI")}
)

_XMLSEC_SIGN = {
    SignatureMethod.RSA_SHA1: xmlsec.constants.TransformRsaSha1,
    SignatureMethod.RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    SignatureMethod.RSA_SHA384: xmlsec.constants.TransformRsaSha384,
    SignatureMethod.RSA_SHA512: xmlsec.constants.TransformRsaSha512,
    SignatureMethod.ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
    SignatureMethod.ECDSA_SHA384: xmlsec.constants.TransformEcdsaSha384,
    SignatureMethod.ECDSA_SHA512: xmlsec.constants.TransformEcdsaSha512,
}
_XMLSEC_DIGEST = {
    DigestMethod.SHA1: xmlsec.constants.TransformSha1,
    DigestMethod.SHA256: xmlsec.constants.TransformSha256,
    DigestMethod.SHA384: xmlsec.constants.TransformSha384,
    DigestMethod.SHA512: xmlsec.constants.TransformSha512,
}
_XMLSEC_C14N = {
    Transform.EXC_C14N: xmlsec.constants.TransformExclC14N,
    Transform.C14N: xmlsec.constants.TransformInclC14N,
    Transform.C14N11: xmlsec.constants.TransformInclC14N11,
}
_PSS_HASH: dict[SignatureMethod, type[hashes.HashAlgorithm]] = {
    SignatureMethod.RSA_PSS_SHA256: hashes.SHA256,
    SignatureMethod.RSA_PSS_SHA384: hashes.SHA384,
    SignatureMethod.RSA_PSS_SHA512: hashes.SHA512,
}


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


@dataclass(frozen=True, slots=True)
class VerifiedElement:
    """The signed element, re-parsed from the canonical bytes that were digested (R31).

    ``element`` has no ds:Signature (the enveloped transform removed it); read identity only from it.
    """

    element: Element
    canonical: bytes
    method: SignatureMethod
    digest: DigestMethod
    key: TrustedKey


# ---------------------------------------------------------------------------------------------- signing


def sign_enveloped(
    element: Element,
    keys: KeyPair,
    *,
    method: SignatureMethod | None = None,
    digest: DigestMethod = DigestMethod.SHA256,
    id_attribute: str = "ID",
    after: str | None = NS.saml("Issuer"),
    include_certificate: bool = True,
    inclusive_prefixes: Sequence[str] = (),
) -> Element:
    """Sign ``element`` in place with an enveloped signature over ``#ID`` and return the ds:Signature.

    The Signature goes right after the first child tagged ``after`` (saml:Issuer, where the SAML schema
    wants it), else first. exc-c14n for SignedInfo and the reference; RSA-SHA256 unless ``method`` says.
    """
    method = method or keys.default_signature_method
    if method not in _XMLSEC_SIGN:
        raise AlgorithmForbidden(f"cannot sign with {method.value}")
    if method.is_ec != (keys.kind == "ec"):
        raise AlgorithmForbidden(f"{method.short} does not fit a {keys.kind} key")
    element_id = element.get(id_attribute)
    if not element_id:
        raise MalformedXML(f"the element to sign has no {id_attribute} attribute")
    signature = xmlsec.template.create(
        element, xmlsec.constants.TransformExclC14N, _XMLSEC_SIGN[method], ns="ds"
    )
    first = element[0] if len(element) else None
    if after is not None and first is not None and first.tag == after:
        first.addnext(signature)
    else:
        element.insert(0, signature)
    ref = xmlsec.template.add_reference(signature, _XMLSEC_DIGEST[digest], uri="#" + element_id)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    c14n = xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    if inclusive_prefixes:
        etree.SubElement(c14n, _INCLUSIVE_NS, PrefixList=" ".join(inclusive_prefixes), nsmap={"ec": NS.EC})
    if include_certificate:
        x509_data = xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        xmlsec.template.x509_data_add_certificate(x509_data)
    ctx = xmlsec.SignatureContext()
    ctx.key = _signing_key(keys)
    ctx.register_id(element, id_attribute)
    try:
        ctx.sign(signature)
    except xmlsec.Error as exc:
        raise SignatureInvalid("signing failed", detail=f"xmlsec: {exc}") from None
    return signature


def _signing_key(keys: KeyPair) -> xmlsec.Key:
    cached = keys._cache.get("xmlsec_sign")
    if cached is None:
        cached = xmlsec.Key.from_memory(keys.key_pem, xmlsec.constants.KeyDataFormatPem)
        cached.load_cert_from_memory(keys.cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        keys._cache["xmlsec_sign"] = cached
    return cached


def _verification_key(key: TrustedKey) -> xmlsec.Key:
    cached = key._cache.get("xmlsec_verify")
    if cached is None:
        cached = xmlsec.Key.from_memory(key.public_pem, xmlsec.constants.KeyDataFormatPem)
        key._cache["xmlsec_verify"] = cached
    return cached


# ------------------------------------------------------------------------------------ the profile gate


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard alphabet, correct padding, canonical bits; ASCII whitespace allowed anywhere (R23)."""
    try:
        return decode_base64_strict(text)
    except ValueError as exc:
        raise SignatureInvalid(f"{what} is not strict base64", detail=f"{what}: {exc}") from None


def _exact_children(
    node: Element, expected: Sequence[str], optional_last: str | None = None
) -> list[Element]:
    kids = list(node)
    tags = [kid.tag for kid in kids]
    want = list(expected)
    if tags != want and (optional_last is None or tags != [*want, optional_last]):
        names = ", ".join(etree.QName(t).localname for t in want)
        raise SignatureProfileViolation(f"{etree.QName(node).localname} must contain exactly {names}")
    if (node.text or "").strip() or any((kid.tail or "").strip() for kid in kids):
        raise SignatureProfileViolation(f"text is not allowed in {etree.QName(node).localname}")
    return kids


def _c14n(node: Element) -> tuple[Transform, tuple[str, ...]]:
    try:
        algorithm = Transform(node.get("Algorithm", ""))
    except MalformedXML:
        shown = node.get("Algorithm", "")[:120]
        raise SignatureProfileViolation(f"canonicalisation {shown!r} is not allowed") from None
    if algorithm not in C14N_METHODS:
        raise SignatureProfileViolation(f"{algorithm.value} is not a canonicalisation method")
    prefixes: tuple[str, ...] = ()
    kids = list(node)
    if kids:
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
    kids = _exact_children(signature, [_SIGNED_INFO, _SIGNATURE_VALUE], optional_last=_KEY_INFO)
    signed_info, signature_value = kids[0], kids[1]
    c14n_node, method_node, reference = _exact_children(
        signed_info, [_C14N_METHOD, _SIGNATURE_METHOD, _REFERENCE]
    )
    c14n, c14n_prefixes = _c14n(c14n_node)
    method = SignatureMethod(method_node.get("Algorithm", ""))
    if len(method_node):
        raise SignatureProfileViolation("SignatureMethod must be empty (no HMACOutputLength)")
    if method.is_sha1 and not policy.allow_sha1:
        raise AlgorithmForbidden("rsa-sha1 signatures need allow_sha1 (--allow-sha1)")
    _check_reference_uri(reference, parent, id_attribute)
    transforms, digest_method, digest_value = _exact_children(
        reference, [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]
    )
    ref_c14n, ref_prefixes = _check_transforms(transforms)
    digest = DigestMethod(digest_method.get("Algorithm", ""))
    if len(digest_method):
        raise SignatureProfileViolation("DigestMethod must be empty")
    if digest is DigestMethod.SHA1 and not policy.allow_sha1:
        raise AlgorithmForbidden("sha1 digests need allow_sha1 (--allow-sha1)")
    digest_bytes = b64decode_strict(_leaf_text(digest_value), "DigestValue")
    if len(digest_bytes) != hashlib.new(digest.hashlib_name).digest_size:
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
    if set(reference.attrib) - {"URI", "Id", "Type"}:
        raise SignatureProfileViolation("unexpected attribute on Reference")


def _check_transforms(transforms: Element) -> tuple[Transform, tuple[str, ...]]:
    """R19: enveloped-signature first, then at most one c14n without comments."""
    items = list(transforms)
    if not 1 <= len(items) <= 2 or any(item.tag != _TRANSFORM for item in items):
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
                try:
                    certs.append(decode_base64_strict(_leaf_text(x)))
                except ValueError:
                    raise SignatureProfileViolation("X509Certificate is not base64") from None
    return tuple(certs)


# -------------------------------------------------------------------------------------- verification


def verify_enveloped(
    element: Element,
    keys: Sequence[TrustedKey],
    *,
    policy: SignaturePolicy = DEFAULT_POLICY,
    id_attribute: str = "ID",
    limits: XMLLimits = DEFAULT_LIMITS,
) -> VerifiedElement:
    """Verify the one enveloped ds:Signature that is a direct child of ``element``.

    Steps: find exactly one Signature; the profile gate; unique IDs; key selection from ``keys`` only;
    xmlsec verification; our own c14n + digest over the same element; re-parse of those bytes.
    """
    signatures = children(element, DS_SIGNATURE)
    if not signatures:
        raise SignatureMissing("the element is not signed")
    if len(signatures) > 1:
        raise SignatureProfileViolation("more than one Signature on one element")
    info = check_signature_profile(signatures[0], element, policy=policy, id_attribute=id_attribute)
    ids = check_unique_ids(element.getroottree().getroot())
    if ids.get(element.get(id_attribute, "")) is not element:
        raise SignatureProfileViolation("the Reference does not resolve to the signed element")
    candidates = _candidate_keys(info, keys, policy)
    verified_by = _verify_with_keys(info, element, candidates, id_attribute)
    canonical = _canonical_reference_bytes(element, info)
    expected = hashlib.new(info.digest.hashlib_name, canonical).digest()
    if not hmac.compare_digest(expected, info.digest_value):
        raise SignatureInvalid(
            "digest mismatch", detail="our canonical form does not match the signed digest"
        )
    reparsed = parse_xml(canonical, limits=_double(limits))
    return VerifiedElement(reparsed, canonical, info.method, info.digest, verified_by)


def _double(limits: XMLLimits) -> XMLLimits:
    return XMLLimits(
        max_bytes=limits.max_bytes * 2,
        max_depth=limits.max_depth,
        max_elements=limits.max_elements,
        max_attributes=limits.max_attributes,
        max_namespaces=limits.max_namespaces,
        max_text=limits.max_text,
    )


def _candidate_keys(
    info: SignatureInfo, keys: Sequence[TrustedKey], policy: SignaturePolicy
) -> list[TrustedKey]:
    """R22, R25: pinned keys that fit the method; a KeyInfo certificate may only reorder them."""
    if not keys:
        raise UntrustedKey("no trusted key is configured for this issuer")
    wanted = "ec" if info.method.is_ec else "rsa"
    fitting = [k for k in keys if k.kind == wanted and (wanted == "rsa" or k.curve_allowed)]
    if not fitting:
        raise AlgorithmForbidden(f"{info.method.short} does not fit the trusted {keys[0].kind} key")
    strong = [k for k in fitting if k.kind != "rsa" or k.key_size >= policy.min_rsa_bits]
    if not strong:
        raise WeakKey(
            f"the trusted RSA key has {fitting[0].key_size} bits; the floor is {policy.min_rsa_bits}"
            " (lower it with min_rsa_bits / --min-rsa-bits)"
        )
    pinned_first = [k for k in strong if k.cert_der is not None and k.cert_der in info.keyinfo_certs]
    return pinned_first + [k for k in strong if k not in pinned_first]


def _verify_with_keys(
    info: SignatureInfo, element: Element, candidates: list[TrustedKey], id_attribute: str
) -> TrustedKey:
    for key in candidates:
        if not _value_fits_key(info, key):
            continue
        if info.method in _PSS_HASH:
            if _verify_pss(info, key):
                return key
        elif _xmlsec_verify(info, element, key, id_attribute):
            return key
    pinned = {k.cert_der for k in candidates if k.cert_der is not None}
    if info.keyinfo_certs and not pinned.intersection(info.keyinfo_certs):
        raise UntrustedKey("signed with a key that is not trusted for this issuer")
    raise SignatureInvalid(
        "signature does not verify", detail=f"no pinned key verifies ({len(candidates)} tried)"
    )


def _value_fits_key(info: SignatureInfo, key: TrustedKey) -> bool:
    """R23: an RSA value is exactly the modulus length; ECDSA is raw r||s with 0 < r, s < n."""
    public = key.public_key
    if isinstance(public, rsa.RSAPublicKey):
        return len(info.signature_value) == (public.key_size + 7) // 8
    size = (public.curve.key_size + 7) // 8
    if len(info.signature_value) != 2 * size:
        return False
    r = int.from_bytes(info.signature_value[:size], "big")
    s = int.from_bytes(info.signature_value[size:], "big")
    order = _CURVE_ORDERS.get(public.curve.name, 0)
    return 0 < r < order and 0 < s < order


_CURVE_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
    "secp521r1": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA"
        "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
}


def _xmlsec_verify(info: SignatureInfo, element: Element, key: TrustedKey, id_attribute: str) -> bool:
    ctx = xmlsec.SignatureContext()
    ctx.set_enabled_key_data([xmlsec.constants.KeyDataX509])
    ctx.key = _verification_key(key)
    reference_transforms = (
        xmlsec.constants.TransformEnveloped, _XMLSEC_C14N[info.ref_c14n], _XMLSEC_DIGEST[info.digest]
    )
    for transform in reference_transforms:
        ctx.enable_reference_transform(transform)
    ctx.enable_signature_transform(_XMLSEC_C14N[info.c14n])
    ctx.enable_signature_transform(_XMLSEC_SIGN[info.method])
    try:
        ctx.register_id(element, id_attribute)
    except xmlsec.Error:
        raise SignatureProfileViolation(
            "the signed element's ID is already registered (duplicate ID)"
        ) from None
    try:
        ctx.verify(info.signature)
    except xmlsec.Error:
        return False
    return True


def _verify_pss(info: SignatureInfo, key: TrustedKey) -> bool:
    """RSASSA-PSS (RFC 6931 sha*-rsa-MGF1), which python-xmlsec does not expose, via cryptography."""
    public = key.public_key
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    data = _canonical_signed_info(info)
    algorithm = _PSS_HASH[info.method]()
    pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
    try:
        public.verify(info.signature_value, data, pss, algorithm)
    except InvalidSignature:
        return False
    return True


def _canonicalize(node: Element, method: Transform, prefixes: tuple[str, ...]) -> bytes:
    """c14n of ``node`` as a document subset, in its document context, never touching the input.

    lxml canonicalises a subtree with every in-scope namespace of its ancestors (what inclusive c14n and an
    exc-c14n InclusiveNamespaces PrefixList need), but neither a deep copy of the subtree (it drops unused
    ancestor declarations) nor lxml imports the ancestors' xml:* attributes that inclusive c14n puts on the
    apex; ``_apex_copy`` does both. c14n 1.1's xml:base fix-up is not emulated: such input fails closed.
    """
    return etree.tostring(
        node,
        method="c14n",
        exclusive=method is Transform.EXC_C14N,
        with_comments=False,
        inclusive_ns_prefixes=list(prefixes) or None,
    )


def _apex_copy(node: Element, method: Transform) -> Element:
    """``node`` in a private copy of its document, plus inherited xml:* attributes for inclusive c14n."""
    path: list[int] = []
    current = node
    parent = current.getparent()
    while parent is not None:
        path.append(parent.index(current))
        current, parent = parent, parent.getparent()
    copied = reparse_serialised(current)
    for index in reversed(path):
        copied = copied[index]
    if method is not Transform.EXC_C14N:
        for name, value in _inherited_xml_attributes(node, method).items():
            copied.set(name, value)
    return copied


_XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
_NOT_INHERITED_C14N11 = frozenset({_XML_ATTR + "id", _XML_ATTR + "base"})


def _inherited_xml_attributes(node: Element, method: Transform) -> dict[str, str]:
    """C14N 1.0 section 2.4 / 1.1 section 2.4: the nearest ancestor's xml:* values the apex does not carry."""
    found: dict[str, str] = {}
    for ancestor in node.iterancestors():
        for raw_name, raw_value in ancestor.attrib.items():
            name = str(raw_name)
            if not name.startswith(_XML_ATTR) or name in found or name in node.attrib:
                continue
            if method is Transform.C14N11 and name in _NOT_INHERITED_C14N11:
                continue
            found[name] = str(raw_value)
    return found


def _canonical_signed_info(info: SignatureInfo) -> bytes:
    return _canonicalize(_apex_copy(info.signature[0], info.c14n), info.c14n, info.c14n_prefixes)


def _canonical_reference_bytes(element: Element, info: SignatureInfo) -> bytes:
    """The referenced element after the enveloped transform, canonicalised: a copy, never the input."""
    clone = _apex_copy(element, info.ref_c14n)
    (signature,) = children(clone, DS_SIGNATURE)
    tail = signature.tail
    if tail:
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            clone.text = (clone.text or "") + tail
    clone.remove(signature)
    return _canonicalize(clone, info.ref_c14n, info.ref_prefixes)
