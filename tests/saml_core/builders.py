"""Documents and signatures for the saml_core tests.

* ``response()``: the canonical good Response of SECURITY.md 2.0 (F0): ``_R`` holding one Assertion ``_A``.
* ``sign_with()``: saml_core's own signer (``sign_enveloped``).
* ``manual_sign()``: an independent XML-DSig signer built from ``cryptography`` and lxml c14n. It signs any
  SignedInfo we describe (any URI, transforms, algorithms, extra children), so the profile tests run in
  *fixture mode*: the signature is cryptographically valid and only the rule under test can reject it.
* ``tamper()``: attacker mode, a DOM edit of signed bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import textwrap
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from saml_core import DEFAULT_POLICY
from saml_core import KeyPair
from saml_core import SignaturePolicy
from saml_core import TrustedKey
from saml_core import VerifiedElement
from saml_core import one_child
from saml_core import parse_xml
from saml_core import sign_enveloped
from saml_core import verify_enveloped
from saml_core.constants import NS
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from saml_core.constants import Transform

Element = etree._Element

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
ACS = "https://signin.aws.amazon.com/saml"
AUDIENCE = "urn:amazon:webservices"
ISSUER = "https://idp.example.test/"
NAME_ID = "alice@attacker.example"
EVIL_NAME_ID = "admin@victim.example"
ROLE = "arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/IdP"
EC_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"

_SAML = {"saml": NS.SAML}
_SAMLP = {"samlp": NS.SAMLP, "saml": NS.SAML}


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def response(
    *,
    response_id: str = "_R",
    assertion_id: str = "_A",
    name_id: str = NAME_ID,
    root_nsmap: dict[str | None, str] | None = None,
) -> Element:
    """F0: samlp:Response _R (Issuer, Status) with one saml:Assertion _A, unsigned."""
    nsmap: dict[str | None, str] = {**_SAMLP, **(root_nsmap or {})}
    root = etree.Element(
        NS.samlp("Response"),
        nsmap=nsmap,
        ID=response_id,
        Version="2.0",
        IssueInstant=_instant(NOW),
        Destination=ACS,
        InResponseTo="_REQ",
    )
    etree.SubElement(root, NS.saml("Issuer")).text = ISSUER
    status = etree.SubElement(root, NS.samlp("Status"))
    etree.SubElement(status, NS.samlp("StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    root.append(assertion(assertion_id=assertion_id, name_id=name_id))
    return parse_xml(etree.tostring(root))  # a parsed tree, as every verifier sees it


def assertion(*, assertion_id: str = "_A", name_id: str = NAME_ID) -> Element:
    a = etree.Element(
        NS.saml("Assertion"), nsmap=_SAML, ID=assertion_id, Version="2.0", IssueInstant=_instant(NOW)
    )
    etree.SubElement(a, NS.saml("Issuer")).text = ISSUER
    subject = etree.SubElement(a, NS.saml("Subject"))
    etree.SubElement(subject, NS.saml("NameID")).text = name_id
    confirmation = etree.SubElement(
        subject, NS.saml("SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    etree.SubElement(
        confirmation,
        NS.saml("SubjectConfirmationData"),
        InResponseTo="_REQ",
        Recipient=ACS,
        NotOnOrAfter=_instant(NOW + timedelta(minutes=5)),
    )
    conditions = etree.SubElement(
        a,
        NS.saml("Conditions"),
        NotBefore=_instant(NOW - timedelta(minutes=1)),
        NotOnOrAfter=_instant(NOW + timedelta(minutes=5)),
    )
    restriction = etree.SubElement(conditions, NS.saml("AudienceRestriction"))
    etree.SubElement(restriction, NS.saml("Audience")).text = AUDIENCE
    authn = etree.SubElement(a, NS.saml("AuthnStatement"), AuthnInstant=_instant(NOW))
    context = etree.SubElement(authn, NS.saml("AuthnContext"))
    etree.SubElement(
        context, NS.saml("AuthnContextClassRef")
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    statement = etree.SubElement(a, NS.saml("AttributeStatement"))
    attribute = etree.SubElement(
        statement, NS.saml("Attribute"), Name="https://aws.amazon.com/SAML/Attributes/Role"
    )
    etree.SubElement(attribute, NS.saml("AttributeValue")).text = ROLE
    return a


def assertion_of(root: Element) -> Element:
    return one_child(root, NS.saml("Assertion"))


def signature_of(element: Element) -> Element:
    return one_child(element, NS.ds("Signature"))


def name_id_of(element: Element) -> str:
    subject = one_child(element, NS.saml("Subject"))
    return one_child(subject, NS.saml("NameID")).text or ""


def evil(root: Element) -> None:
    """SECURITY.md EVIL(x): the NameID becomes the victim's."""
    a = root if root.tag == NS.saml("Assertion") else assertion_of(root)
    one_child(one_child(a, NS.saml("Subject")), NS.saml("NameID")).text = EVIL_NAME_ID


def to_bytes(root: Element) -> bytes:
    return etree.tostring(root)


def tamper(data: bytes, edit: Callable[[Element], object]) -> bytes:
    """Attacker mode: parse signed bytes, edit the DOM, serialise once."""
    root = parse_xml(data)
    edit(root)
    return to_bytes(root)


def signed_assertion_response(keys: KeyPair, **kwargs: Any) -> bytes:
    """F0-A: only the Assertion signed, by saml_core's signer."""
    root = response()
    sign_enveloped(assertion_of(root), keys, **kwargs)
    return to_bytes(root)


def signed_response(keys: KeyPair, *, both: bool = False) -> bytes:
    """F0-R (or F0-RA with ``both``): the Response signed, over the (signed) Assertion."""
    root = response()
    if both:
        sign_enveloped(assertion_of(root), keys)
    sign_enveloped(root, keys)
    return to_bytes(root)


def verify_assertion(
    data: bytes, keys: Sequence[TrustedKey], policy: SignaturePolicy = DEFAULT_POLICY
) -> VerifiedElement:
    return verify_enveloped(assertion_of(parse_xml(data)), keys, policy=policy)


def verify_root(
    data: bytes, keys: Sequence[TrustedKey], policy: SignaturePolicy = DEFAULT_POLICY
) -> VerifiedElement:
    return verify_enveloped(parse_xml(data), keys, policy=policy)


def keypair_for(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    *,
    days: int = 3650,
    start: datetime | None = None,
) -> KeyPair:
    """A KeyPair around any private key (e.g. RSA-1024 or secp256k1, which KeyPair.generate refuses)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    start = start or NOW - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(private, hashes.SHA256())
    )
    key_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair.from_pem(key_pem, cert.public_bytes(serialization.Encoding.PEM))


# ------------------------------------------------------------------------------ the independent signer

HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class Profile:
    """Everything ``manual_sign`` puts into one ds:Signature. Defaults: SAML's exc-c14n RSA-SHA256 profile."""

    method: str = SignatureMethod.RSA_SHA256.value
    digest: str = DigestMethod.SHA256.value
    uri: str | None = "#"
    """'#' means '#' + the element's ID; None leaves the attribute out."""
    transforms: Sequence[str] = (Transform.ENVELOPED.value, Transform.EXC_C14N.value)
    c14n: str = Transform.EXC_C14N.value
    c14n_prefixes: Sequence[str] = ()
    ref_prefixes: Sequence[str] = ()
    key_info: str = "cert"
    """cert | none | keyvalue | keyname | retrieval | der-keyvalue | two-certs"""
    key_info_cert: KeyPair | None = None
    """Whose certificate KeyInfo carries (default: the signer's)."""
    prefix: str | None = "ds"
    """None: default-namespace ds (no prefix)."""
    wrap_base64: bool = False
    edit_signed_info: Callable[[Element], object] | None = None
    """Runs on SignedInfo before it is signed (fixture mode: the extra content is covered)."""
    value: Callable[[bytes], bytes] | None = None
    """Rewrites the computed SignatureValue bytes (value-encoding attacks)."""
    extra: dict[str, str] = field(default_factory=dict)


_C14N_URIS = (Transform.EXC_C14N.value, Transform.C14N.value, Transform.C14N11.value)


def _b64(data: bytes, wrap: bool) -> str:
    text = base64.b64encode(data).decode()
    return "\n" + "\n".join(textwrap.wrap(text, 64)) + "\n" if wrap else text


def _c14n(node: Element, algorithm: str, prefixes: Sequence[str]) -> bytes:
    exclusive = algorithm.startswith(Transform.EXC_C14N.value)
    comments = algorithm.endswith("WithComments")
    listed = list(prefixes) or None
    return etree.tostring(
        node, method="c14n", exclusive=exclusive, with_comments=comments, inclusive_ns_prefixes=listed
    )


def _hash_name(uri: str) -> str:
    for name in ("sha512", "sha384", "sha256", "sha1"):
        if uri.endswith(name) or f"{name}-rsa" in uri or uri.endswith(f"#{name}"):
            return name
    return "sha256"


def _ds(prefix_map: dict[str | None, str], parent: Element | None, local: str, **attrs: str) -> Element:
    if parent is None:
        return etree.Element(NS.ds(local), nsmap=prefix_map, **attrs)
    return etree.SubElement(parent, NS.ds(local), **attrs)


def manual_sign(element: Element, keys: KeyPair, profile: Profile = Profile()) -> Element:
    """Sign ``element`` (in its document) the way ``profile`` says; returns the inserted ds:Signature."""
    nsmap: dict[str | None, str] = {profile.prefix: NS.DS}
    last = profile.transforms[-1] if profile.transforms else ""
    ref_c14n = last if last.startswith(_C14N_URIS) else Transform.C14N.value  # XML-DSig's default
    reference_digest = hashlib.new(_hash_name(profile.digest), _c14n(element, ref_c14n, profile.ref_prefixes))
    signature = _ds(nsmap, None, "Signature")
    issuer = element.find(NS.saml("Issuer"))
    if issuer is not None and issuer.getparent() is element:
        issuer.addnext(signature)
    else:
        element.insert(0, signature)
    signed_info = _ds(nsmap, signature, "SignedInfo")
    c14n = _ds(nsmap, signed_info, "CanonicalizationMethod", Algorithm=profile.c14n)
    if profile.c14n_prefixes:
        etree.SubElement(c14n, f"{{{EC_NS}}}InclusiveNamespaces", PrefixList=" ".join(profile.c14n_prefixes))
    _ds(nsmap, signed_info, "SignatureMethod", Algorithm=profile.method)
    reference = _ds(nsmap, signed_info, "Reference")
    if profile.uri is not None:
        reference.set("URI", "#" + element.get("ID", "") if profile.uri == "#" else profile.uri)
    transforms = _ds(nsmap, reference, "Transforms")
    for algorithm in profile.transforms:
        transform = _ds(nsmap, transforms, "Transform", Algorithm=algorithm)
        if algorithm == Transform.EXC_C14N.value and profile.ref_prefixes:
            prefix_list = " ".join(profile.ref_prefixes)
            etree.SubElement(transform, f"{{{EC_NS}}}InclusiveNamespaces", PrefixList=prefix_list)
    _ds(nsmap, reference, "DigestMethod", Algorithm=profile.digest)
    _ds(nsmap, reference, "DigestValue").text = _b64(reference_digest.digest(), profile.wrap_base64)
    if profile.edit_signed_info is not None:
        profile.edit_signed_info(signed_info)
    value = _signature_value(keys, profile, _c14n(signed_info, profile.c14n, profile.c14n_prefixes))
    if profile.value is not None:
        value = profile.value(value)
    _ds(nsmap, signature, "SignatureValue").text = _b64(value, profile.wrap_base64)
    _key_info(nsmap, signature, keys, profile)
    return signature


def _signature_value(keys: KeyPair, profile: Profile, data: bytes) -> bytes:
    method = profile.method
    algorithm = _HASHES[_hash_name(method)]()
    private = keys.private_key
    if method in (HMAC_SHA1, HMAC_SHA256):  # E5: the public certificate used as an HMAC key
        return hmac.new(keys.cert_pem, data, _hash_name(method)).digest()
    if isinstance(private, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private.sign(data, ec.ECDSA(algorithm)))
        size = (private.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if "MGF1" in method:
        pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
        return private.sign(data, pss, algorithm)
    return private.sign(data, padding.PKCS1v15(), algorithm)


def _key_info(nsmap: dict[str | None, str], signature: Element, keys: KeyPair, profile: Profile) -> None:
    if profile.key_info == "none":
        return
    cert_owner = profile.key_info_cert or keys
    key_info = _ds(nsmap, signature, "KeyInfo")
    if profile.key_info in ("cert", "two-certs"):
        data = _ds(nsmap, key_info, "X509Data")
        if profile.key_info == "two-certs":
            _ds(nsmap, data, "X509Certificate").text = _b64(keys.cert_der, profile.wrap_base64)
        _ds(nsmap, data, "X509Certificate").text = _b64(cert_owner.cert_der, profile.wrap_base64)
    elif profile.key_info == "keyvalue":
        public = cert_owner.private_key.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        numbers = public.public_numbers()
        rsa_value = _ds(nsmap, _ds(nsmap, key_info, "KeyValue"), "RSAKeyValue")
        modulus = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8)
        _ds(nsmap, rsa_value, "Modulus").text = _b64(modulus, False)
        _ds(nsmap, rsa_value, "Exponent").text = _b64(numbers.e.to_bytes(3), False)
    elif profile.key_info == "keyname":
        _ds(nsmap, key_info, "KeyName").text = "idp.example.test"
    elif profile.key_info == "retrieval":
        _ds(nsmap, key_info, "RetrievalMethod", URI="http://attacker.invalid/key.crt")
    elif profile.key_info == "der-keyvalue":
        etree.SubElement(key_info, f"{{{NS.DS11}}}DEREncodedKeyValue").text = _b64(
            cert_owner.trusted.spki_der, False
        )
