"""XML-DSig: enveloped signing, and verification behind the SAML signature profile gate.

Invariants this module owns (SECURITY.md R17-R31):

* Rule 1: every ``ds:Signature`` passes ``check_signature_profile`` (``_dsig_profile``) before any crypto.
* Rule 2: the verification key comes only from the caller's ``TrustedKey`` list: the key object parsed
  once from trust configuration (R25). KeyInfo may at most reorder the pinned keys (exact DER match); it
  never supplies one.
* Rule 3: no library walks the document or runs a transform (R19 by construction): we canonicalise
  SignedInfo and the referenced element ourselves (libxml2's c14n, the one xmlsec uses); SignatureValue is
  checked over those SignedInfo bytes with the pinned public key, we compare the digest of the referenced
  bytes with the signed DigestValue, and re-parse exactly those bytes. Callers read identity only from
  ``VerifiedElement.element``.

Signing goes through python-xmlsec (``sign_binary``, the private key converted to an xmlsec handle once).
Verifying uses ``cryptography`` with the key object parsed once from trust configuration: python-xmlsec's
``verify_binary`` measured ~108 µs per RSA-2048 check against ~23 µs for the same check here, and it
exposes no RSASSA-PSS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

import xmlsec  # the hazmat layer; pyproject allows this import here only
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from ._c14n import canonicalize
from ._c14n import canonicalize_enveloped
from ._c14n import canonicalize_received
from ._dsig_profile import _C14N_METHOD
from ._dsig_profile import _DIGEST_METHOD
from ._dsig_profile import _DIGEST_VALUE
from ._dsig_profile import _INCLUSIVE_NS
from ._dsig_profile import _KEY_INFO
from ._dsig_profile import _REFERENCE
from ._dsig_profile import _SIGNATURE_METHOD
from ._dsig_profile import _SIGNATURE_VALUE
from ._dsig_profile import _SIGNED_INFO
from ._dsig_profile import _TRANSFORM
from ._dsig_profile import _TRANSFORMS
from ._dsig_profile import _X509_CERT
from ._dsig_profile import _X509_DATA
from ._dsig_profile import DEFAULT_POLICY
from ._dsig_profile import DS_SIGNATURE
from ._dsig_profile import SignatureInfo
from ._dsig_profile import SignaturePolicy
from ._dsig_profile import check_signature_profile
from ._keys import KeyPair
from ._keys import TrustedKey
from ._sigvalue import verify_value
from ._xml import DEFAULT_LIMITS
from ._xml import Element
from ._xml import XMLLimits
from ._xml import check_unique_ids
from ._xml import parse_canonical
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

_XMLSEC_SIGN = {
    SignatureMethod.RSA_SHA1: xmlsec.constants.TransformRsaSha1,
    SignatureMethod.RSA_SHA256: xmlsec.constants.TransformRsaSha256,
    SignatureMethod.RSA_SHA384: xmlsec.constants.TransformRsaSha384,
    SignatureMethod.RSA_SHA512: xmlsec.constants.TransformRsaSha512,
    SignatureMethod.ECDSA_SHA256: xmlsec.constants.TransformEcdsaSha256,
    SignatureMethod.ECDSA_SHA384: xmlsec.constants.TransformEcdsaSha384,
    SignatureMethod.ECDSA_SHA512: xmlsec.constants.TransformEcdsaSha512,
}


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
    wants it), else first. exc-c14n for SignedInfo and the reference; RSA-SHA256 (or ECDSA-SHA256 for an
    EC key) unless ``method`` says otherwise.
    """
    method = method or keys.default_signature_method
    if method not in _XMLSEC_SIGN:
        raise AlgorithmForbidden(f"cannot sign with {method.value}")
    if method.is_ec != (keys.kind == "ec"):
        raise AlgorithmForbidden(f"{method.short} does not fit a {keys.kind} key")
    element_id = element.get(id_attribute)
    if not element_id:
        raise MalformedXML(f"the element to sign has no {id_attribute} attribute")
    prefixes = tuple(inclusive_prefixes)
    # the element carries no Signature yet, so its c14n now is what the enveloped transform will yield
    reference_bytes = canonicalize(element, Transform.EXC_C14N, prefixes)
    digest_text = base64.b64encode(hashlib.new(digest.hashlib_name, reference_bytes).digest()).decode()
    signed_info = _signed_info(method, digest, element_id, prefixes, digest_text)
    # SignedInfo is still the root of its own document, and exc-c14n depends only on the prefixes it uses
    signature_value = _sign_bytes(keys, method, _c14n_root(signed_info))
    signature = etree.Element(DS_SIGNATURE, nsmap={"ds": NS.DS})
    signature.append(signed_info)
    etree.SubElement(signature, _SIGNATURE_VALUE).text = base64.b64encode(signature_value).decode()
    if include_certificate:
        x509 = etree.SubElement(etree.SubElement(signature, _KEY_INFO), _X509_DATA)
        etree.SubElement(x509, _X509_CERT).text = keys.cert_b64
    first = element[0] if len(element) else None
    if after is not None and first is not None and first.tag == after:
        first.addnext(signature)
    else:
        element.insert(0, signature)
    return signature


def _signed_info(
    method: SignatureMethod,
    digest: DigestMethod,
    element_id: str,
    prefixes: tuple[str, ...],
    digest_text: str,
) -> Element:
    signed_info = etree.Element(_SIGNED_INFO, nsmap={"ds": NS.DS})
    etree.SubElement(signed_info, _C14N_METHOD, Algorithm=Transform.EXC_C14N.value)
    etree.SubElement(signed_info, _SIGNATURE_METHOD, Algorithm=method.value)
    reference = etree.SubElement(signed_info, _REFERENCE, URI="#" + element_id)
    transforms = etree.SubElement(reference, _TRANSFORMS)
    etree.SubElement(transforms, _TRANSFORM, Algorithm=Transform.ENVELOPED.value)
    c14n = etree.SubElement(transforms, _TRANSFORM, Algorithm=Transform.EXC_C14N.value)
    if prefixes:
        etree.SubElement(c14n, _INCLUSIVE_NS, PrefixList=" ".join(prefixes), nsmap={"ec": NS.EC})
    etree.SubElement(reference, _DIGEST_METHOD, Algorithm=digest.value)
    etree.SubElement(reference, _DIGEST_VALUE).text = digest_text
    return signed_info


def _c14n_root(root: Element) -> bytes:
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


def _sign_bytes(keys: KeyPair, method: SignatureMethod, data: bytes) -> bytes:
    ctx = xmlsec.SignatureContext()
    ctx.key = _signing_key(keys)
    try:
        return bytes(ctx.sign_binary(data, _XMLSEC_SIGN[method]))
    except xmlsec.Error as exc:
        raise SignatureInvalid("signing failed", detail=f"xmlsec: {exc}") from None


def _signing_key(keys: KeyPair) -> xmlsec.Key:
    cached = keys._cache.get("xmlsec_sign")
    if cached is None:
        cached = xmlsec.Key.from_memory(keys.key_pem, xmlsec.constants.KeyDataFormatPem)
        keys._cache["xmlsec_sign"] = cached
    return cached


# -------------------------------------------------------------------------------------- verification


def verify_enveloped(
    element: Element,
    keys: Sequence[TrustedKey],
    *,
    policy: SignaturePolicy = DEFAULT_POLICY,
    id_attribute: str = "ID",
    limits: XMLLimits = DEFAULT_LIMITS,
    ids: Mapping[str, Element] | None = None,
    profile: SignatureInfo | None = None,
) -> VerifiedElement:
    """Verify the one enveloped ds:Signature that is a direct child of ``element``.

    Steps: find exactly one Signature; the profile gate; unique IDs and the Reference resolving to this very
    node; key selection from ``keys`` only; SignatureValue over our canonical SignedInfo; the digest of our
    canonical form of the element; re-parse of those bytes. ``limits`` is accepted for API stability: the
    canonical bytes come from a tree that already passed ``parse_xml``'s caps. ``ids``: the document's
    ``check_unique_ids`` result when the caller already has it (it is computed here otherwise).
    ``profile``: the ``check_signature_profile`` result for this element's Signature under the same
    ``policy``, when the caller ran the gate for every signature before any crypto (it is run here otherwise).
    """
    signatures = list(element.iterchildren(DS_SIGNATURE))
    if not signatures:
        raise SignatureMissing("the element is not signed")
    if len(signatures) > 1:
        raise SignatureProfileViolation("more than one Signature on one element")
    if profile is not None and profile.signature is signatures[0]:
        info = profile
    else:
        info = check_signature_profile(signatures[0], element, policy=policy, id_attribute=id_attribute)
    if ids is None:
        ids = check_unique_ids(element.getroottree().getroot())
    if ids.get(element.get(id_attribute, "")) is not element:
        raise SignatureProfileViolation("the Reference does not resolve to the signed element")
    candidates = _candidate_keys(info, keys, policy)
    signed_info = canonicalize_received(info.signature[0], info.c14n, info.c14n_prefixes)
    verified_by = _verify_with_keys(info, candidates, signed_info)
    canonical = canonicalize_enveloped(element, info.signature, info.ref_c14n, info.ref_prefixes)
    expected = _HASHES[info.digest](canonical).digest()
    if not hmac.compare_digest(expected, info.digest_value):
        raise SignatureInvalid(
            "digest mismatch", detail="the canonical form does not match the signed digest"
        )
    return VerifiedElement(parse_canonical(canonical), canonical, info.method, info.digest, verified_by)


def _candidate_keys(
    info: SignatureInfo, keys: Sequence[TrustedKey], policy: SignaturePolicy
) -> list[TrustedKey]:
    """R22, R25: pinned keys that fit the method; a KeyInfo certificate may only reorder them."""
    if not keys:
        raise UntrustedKey("no trusted key is configured for this issuer")
    if len(keys) == 1:  # one pinned key (the usual case): the same rules without the list passes
        only = keys[0]
        if only.kind == "rsa" and not info.method.is_ec and only.key_size >= policy.min_rsa_bits:
            return [only]
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


def _verify_with_keys(info: SignatureInfo, candidates: list[TrustedKey], signed_info: bytes) -> TrustedKey:
    for key in candidates:
        if _value_fits_key(info, key) and _verify_value(info, key, signed_info):
            return key
    pinned = {k.cert_der for k in candidates if k.cert_der is not None}
    if info.keyinfo_certs and not pinned.intersection(info.keyinfo_certs):
        raise UntrustedKey("signed with a key that is not trusted for this issuer")
    raise SignatureInvalid(
        "signature does not verify", detail=f"no pinned key verifies ({len(candidates)} tried)"
    )


def _value_fits_key(info: SignatureInfo, key: TrustedKey) -> bool:
    """R23: an RSA value is exactly the modulus length; ECDSA is raw r||s with 0 < r, s < n."""
    if key.kind == "rsa":  # cached on the key: no ABC isinstance per message
        return len(info.signature_value) == (key.key_size + 7) // 8
    public = key.public_key
    if not isinstance(public, ec.EllipticCurvePublicKey):  # fail closed on any other key type
        return False
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


def _verify_value(info: SignatureInfo, key: TrustedKey, signed_info: bytes) -> bool:
    """SignatureValue over the canonical SignedInfo with the pinned key (R25), through ``cryptography``.

    The key object is the one ``TrustedKey`` parsed once from trust configuration; nothing here reads KeyInfo.
    """
    return verify_value(signed_info, info.signature_value, key, info.method)


_HASHES = {
    DigestMethod.SHA1: hashlib.sha1,
    DigestMethod.SHA256: hashlib.sha256,
    DigestMethod.SHA384: hashlib.sha384,
    DigestMethod.SHA512: hashlib.sha512,
}
