"""Recompute an existing ds:Signature in-process with ``cryptography``, for faults that need a signature that
is cryptographically valid but breaks the SAML profile (an empty Reference URI: SECURITY.md D1, R18).

python-xmlsec (through ``saml_core.sign_enveloped``) only signs what the profile allows, so these few
profile-breaking fixtures are computed by hand: exc-c14n of the referenced content after the enveloped
transform, its SHA-256 digest, then the SignatureMethod over the exc-c14n of SignedInfo.
"""

from __future__ import annotations

import base64
import copy
import hashlib

from lxml import etree

from saml_core import KeyPair
from saml_core import sign_value
from saml_core.constants import NS
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from saml_core.errors import AlgorithmForbidden

from ._errors import IdPError

Element = etree._Element


def _exc_c14n(node: Element) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False)


def _path(node: Element, root: Element) -> list[int]:
    steps: list[int] = []
    while node is not root:
        parent = node.getparent()
        if parent is None:
            raise IdPError("the signature is not inside the signed element")
        steps.append(parent.index(node))
        node = parent
    return steps[::-1]


def resign(signed: Element, signature: Element, keys: KeyPair) -> None:
    """Recompute DigestValue (over ``signed`` minus ``signature``) and SignatureValue, in place."""
    signed_info = signature[0]
    reference = signed_info.find(NS.ds("Reference"))
    method_node = signed_info.find(NS.ds("SignatureMethod"))
    if reference is None or method_node is None:
        raise IdPError("the signature has no Reference to recompute")
    digest_method = DigestMethod(reference.find(NS.ds("DigestMethod")).get("Algorithm", ""))  # type: ignore[union-attr]
    clone = copy.deepcopy(signed)
    node: Element = clone
    for step in _path(signature, signed):
        node = node[step]
    parent = node.getparent()
    if parent is not None:
        parent.remove(node)
    digest = hashlib.new(digest_method.hashlib_name, _exc_c14n(clone)).digest()
    reference.find(NS.ds("DigestValue")).text = base64.b64encode(digest).decode("ascii")  # type: ignore[union-attr]
    method = SignatureMethod(method_node.get("Algorithm", ""))
    value = _sign_bytes(_exc_c14n(signed_info), method, keys)
    signature.find(NS.ds("SignatureValue")).text = base64.b64encode(value).decode("ascii")  # type: ignore[union-attr]


def _sign_bytes(data: bytes, method: SignatureMethod, keys: KeyPair) -> bytes:
    try:
        return sign_value(data, keys, method)
    except AlgorithmForbidden:
        raise IdPError(f"cannot recompute a {method.short} signature") from None
