"""F0 fixtures of SECURITY.md section 2.0, built with lxml and saml_core.sign_enveloped (no IdP package).

``build_response()`` returns the unsigned F0 ``samlp:Response`` tree (IDs ``_R`` and ``_A``); ``sign_variant``
applies one of the variants F0-RA, F0-R, F0-A, F0-EA, F0-ERA, F0-ER; ``f0()`` does both and returns bytes.
``trust()``, ``aws_policy()`` and ``generic_policy()`` build the matching validator configuration.

Keys are generated once per process (RSA-2048 IdP signing key, RSA-2048 SP decryption key). Everything takes
an explicit ``now`` (default ``NOW``) so tests never depend on the clock.

For the attacks engineer: ``evil(tree)`` applies the standard tamper EVIL(x) of SECURITY.md 2.0 to a tree,
``assertion_of(tree)`` finds the single assertion child, ``serialize(tree)`` renders bytes once.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from saml_core import encrypt_element
from saml_core import format_instant
from saml_core import sign_enveloped
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import BlockCipher
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from sp_adapter import validate_response

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
IDP = "https://idp.example.test/"
ACS = "https://signin.aws.amazon.com/saml"
AUDIENCE = "urn:amazon:webservices"
REQUEST_ID = "_REQ"
NAME_ID = "alice@attacker.example"
EVIL_NAME_ID = "admin@victim.example"
READONLY = "arn:aws:iam::111111111111:role/ReadOnly"
ADMIN = "arn:aws:iam::111111111111:role/Admin"
PROVIDER = "arn:aws:iam::111111111111:saml-provider/IdP"
ROLE = f"{READONLY},{PROVIDER}"
EVIL_ROLE = f"{ADMIN},{PROVIDER}"
VARIANTS = ("RA", "R", "A", "EA", "ERA", "ER")

_NSMAP = {"samlp": NS.SAMLP, "saml": NS.SAML}
_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
_URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


@cache
def idp_keys() -> KeyPair:
    """The IdP's signing key (RSA-2048), one per test process."""
    return KeyPair.generate("rsa-2048", common_name="f0-idp", now=NOW)


@cache
def idp_keys_2() -> KeyPair:
    """A second IdP key: the newer key of a rollover pair."""
    return KeyPair.generate("rsa-2048", common_name="f0-idp-next", now=NOW)


@cache
def sp_keys() -> KeyPair:
    """The SP's decryption key (RSA-2048)."""
    return KeyPair.generate("rsa-2048", common_name="f0-sp", now=NOW)


@cache
def attacker_keys() -> KeyPair:
    """A key pair the SP does not trust (Cap-key)."""
    return KeyPair.generate("rsa-2048", common_name="f0-idp", now=NOW)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    node = etree.SubElement(parent, tag, attrib)
    if text is not None:
        node.text = text
    return node


def build_response(
    *,
    now: datetime = NOW,
    issuer: str = IDP,
    name_id: str = NAME_ID,
    roles: Sequence[str] = (ROLE,),
    session_name: str | None = "alice",
    attributes: Mapping[str, Sequence[str]] | None = None,
    destination: str | None = ACS,
    recipient: str | None = ACS,
    audiences: Sequence[str] = (AUDIENCE,),
    in_response_to: str | None = REQUEST_ID,
    response_id: str = "_R",
    assertion_id: str = "_A",
    lifetime: int = 300,
    response_issuer: bool = True,
) -> etree._Element:
    """The unsigned F0 Response (SECURITY.md 2.0), with every field overridable."""
    response = etree.Element(NS.samlp("Response"), nsmap=_NSMAP)
    response.set("ID", response_id)
    response.set("Version", "2.0")
    response.set("IssueInstant", format_instant(now))
    if destination is not None:
        response.set("Destination", destination)
    if in_response_to is not None:
        response.set("InResponseTo", in_response_to)
    if response_issuer:
        _el(response, NS.saml("Issuer"), issuer, Format=_ENTITY)
    status = _el(response, NS.samlp("Status"))
    _el(status, NS.samlp("StatusCode"), Value=_SUCCESS)
    response.append(
        build_assertion(
            now=now,
            issuer=issuer,
            name_id=name_id,
            roles=roles,
            session_name=session_name,
            attributes=attributes,
            recipient=recipient,
            audiences=audiences,
            in_response_to=in_response_to,
            assertion_id=assertion_id,
            lifetime=lifetime,
        )
    )
    return response


def build_assertion(
    *,
    now: datetime,
    issuer: str,
    name_id: str,
    roles: Sequence[str],
    session_name: str | None,
    attributes: Mapping[str, Sequence[str]] | None,
    recipient: str | None,
    audiences: Sequence[str],
    in_response_to: str | None,
    assertion_id: str,
    lifetime: int,
) -> etree._Element:
    end = format_instant(now + timedelta(seconds=lifetime))
    assertion = etree.Element(NS.saml("Assertion"), nsmap={"saml": NS.SAML})
    assertion.set("ID", assertion_id)
    assertion.set("Version", "2.0")
    assertion.set("IssueInstant", format_instant(now))
    _el(assertion, NS.saml("Issuer"), issuer, Format=_ENTITY)
    subject = _el(assertion, NS.saml("Subject"))
    _el(subject, NS.saml("NameID"), name_id, Format=_PERSISTENT)
    confirmation = _el(subject, NS.saml("SubjectConfirmation"), Method=_BEARER)
    data = _el(confirmation, NS.saml("SubjectConfirmationData"), NotOnOrAfter=end)
    if recipient is not None:
        data.set("Recipient", recipient)
    if in_response_to is not None:
        data.set("InResponseTo", in_response_to)
    conditions = _el(
        assertion,
        NS.saml("Conditions"),
        NotBefore=format_instant(now - timedelta(minutes=1)),
        NotOnOrAfter=end,
    )
    restriction = _el(conditions, NS.saml("AudienceRestriction"))
    for audience in audiences:
        _el(restriction, NS.saml("Audience"), audience)
    authn = _el(assertion, NS.saml("AuthnStatement"), AuthnInstant=format_instant(now), SessionIndex="_S1")
    _el(_el(authn, NS.saml("AuthnContext")), NS.saml("AuthnContextClassRef"), _PASSWORD)
    values: dict[str, Sequence[str]] = {}
    if roles:
        values[AWS_ROLE] = roles
    if session_name is not None:
        values[AWS_ROLE_SESSION_NAME] = (session_name,)
    values.update(attributes or {})
    if values:
        statement = _el(assertion, NS.saml("AttributeStatement"))
        for name, items in values.items():
            add_attribute(statement, name, items)
    return assertion


def add_attribute(statement: etree._Element, name: str, values: Iterable[str]) -> etree._Element:
    attribute = _el(statement, NS.saml("Attribute"), Name=name, NameFormat=_URI_FORMAT)
    for value in values:
        _el(attribute, NS.saml("AttributeValue"), value)
    return attribute


def assertion_of(response: etree._Element) -> etree._Element:
    """The single Assertion (or EncryptedAssertion) child of a Response."""
    found = [c for c in response if c.tag in (NS.saml("Assertion"), NS.saml("EncryptedAssertion"))]
    assert len(found) == 1, f"expected one assertion child, found {len(found)}"
    return found[0]


def sign_assertion(
    response: etree._Element,
    keys: KeyPair | None = None,
    *,
    method: SignatureMethod | None = None,
    digest: DigestMethod = DigestMethod.SHA256,
) -> etree._Element:
    sign_enveloped(assertion_of(response), keys or idp_keys(), method=method, digest=digest)
    return response


def sign_response(
    response: etree._Element,
    keys: KeyPair | None = None,
    *,
    method: SignatureMethod | None = None,
    digest: DigestMethod = DigestMethod.SHA256,
) -> etree._Element:
    sign_enveloped(response, keys or idp_keys(), method=method, digest=digest)
    return response


def encrypt_assertion(
    response: etree._Element,
    recipient: KeyPair | None = None,
    *,
    cipher: BlockCipher = BlockCipher.AES256_GCM,
) -> etree._Element:
    """Replace the Assertion by saml:EncryptedAssertion(xenc:EncryptedData) for the SP's key."""
    assertion = assertion_of(response)
    data = encrypt_element(assertion, (recipient or sp_keys()).trusted, cipher=cipher)
    wrapper = etree.Element(NS.saml("EncryptedAssertion"), nsmap={"saml": NS.SAML})
    wrapper.append(data)
    response.replace(assertion, wrapper)
    return response


def sign_variant(
    response: etree._Element, variant: str, keys: KeyPair | None = None, **options: Any
) -> etree._Element:
    """Apply F0-RA / R / A / EA / ERA / ER (SECURITY.md 2.0) in place; returns the tree."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {VARIANTS}")
    cipher = options.pop("cipher", BlockCipher.AES256_GCM)
    if "A" in variant:
        sign_assertion(response, keys, **options)
    if "E" in variant:
        encrypt_assertion(response, cipher=cipher)
    if "R" in variant:
        sign_response(response, keys, **options)
    return response


_C14N_URIS = {
    "exc": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "c14n": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "c14n11": "http://www.w3.org/2006/12/xml-c14n11",
}
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def manual_sign(
    element: etree._Element,
    keys: KeyPair | None = None,
    *,
    method: SignatureMethod = SignatureMethod.RSA_SHA256,
    digest: DigestMethod = DigestMethod.SHA256,
    prefix: str | None = "ds",
    uri: str | None = None,
    transforms: Sequence[str] | None = None,
    c14n: str = "exc",
    inclusive_prefixes: Sequence[str] = (),
    include_certificate: bool = True,
    wrap: int | None = None,
) -> etree._Element:
    """An enveloped signature built by hand with ``cryptography``, for fixture-mode shapes that
    ``sign_enveloped`` cannot make: a default-namespace ``ds``, RSA-PSS, ``URI=""``, odd transforms,
    line-wrapped values. Signs exactly as XML-DSig says (c14n of the element without the Signature, then of
    SignedInfo in its final context); inserted after the element's Issuer.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    keys = keys or idp_keys()
    exclusive = c14n == "exc"
    hash_cls = {
        "sha1": hashes.SHA1,
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
    }
    ref_c14n = etree.tostring(
        element,
        method="c14n",
        exclusive=exclusive,
        with_comments=False,
        inclusive_ns_prefixes=list(inclusive_prefixes) or None,
    )
    digest_value = base64.b64encode(hashlib.new(digest.hashlib_name, ref_c14n).digest()).decode()
    q = NS.ds
    signature = etree.Element(q("Signature"), nsmap={prefix: NS.DS})
    issuer = element[0] if len(element) and element[0].tag == NS.saml("Issuer") else None
    if issuer is not None:
        issuer.addnext(signature)
    else:
        element.insert(0, signature)
    signed_info = _el(signature, q("SignedInfo"))
    _el(signed_info, q("CanonicalizationMethod"), Algorithm=_C14N_URIS[c14n])
    _el(signed_info, q("SignatureMethod"), Algorithm=method.value)
    reference = _el(signed_info, q("Reference"), URI=uri if uri is not None else "#" + element.get("ID", ""))
    transforms_node = _el(reference, q("Transforms"))
    for algorithm in transforms if transforms is not None else (ENVELOPED, _C14N_URIS[c14n]):
        transform = _el(transforms_node, q("Transform"), Algorithm=algorithm)
        if algorithm == _C14N_URIS["exc"] and inclusive_prefixes:
            _el(transform, f"{{{NS.EC}}}InclusiveNamespaces", PrefixList=" ".join(inclusive_prefixes))
    _el(reference, q("DigestMethod"), Algorithm=digest.value)
    _el(reference, q("DigestValue"), digest_value)
    data = etree.tostring(signed_info, method="c14n", exclusive=exclusive, with_comments=False)
    private = keys.private_key
    hash_name = method.name.rsplit("_", 1)[1].lower()
    algorithm = hash_cls[hash_name]()
    if method.is_ec:
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        r, s_ = decode_dss_signature(private.sign(data, ec.ECDSA(algorithm)))
        size = (private.curve.key_size + 7) // 8
        value = r.to_bytes(size, "big") + s_.to_bytes(size, "big")
    elif "PSS" in method.name:
        pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
        value = private.sign(data, pss, algorithm)  # type: ignore[call-arg, arg-type]
    else:
        value = private.sign(data, padding.PKCS1v15(), algorithm)  # type: ignore[call-arg, arg-type]
    _el(signature, q("SignatureValue"), _wrap(base64.b64encode(value).decode(), wrap))
    if include_certificate:
        x509 = _el(_el(signature, q("KeyInfo")), q("X509Data"))
        _el(x509, q("X509Certificate"), _wrap(keys.cert_b64, wrap))
    return signature


def _wrap(text: str, width: int | None) -> str:
    if not width:
        return text
    return "\n" + "\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\n"


def serialize(tree: etree._Element) -> bytes:
    return etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


def f0(
    variant: str = "RA",
    *,
    keys: KeyPair | None = None,
    sign_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> bytes:
    """F0 in one variant, as XML bytes."""
    return serialize(sign_variant(build_response(**fields), variant, keys, **dict(sign_options or {})))


def f0_b64(variant: str = "RA", **fields: Any) -> str:
    return base64.b64encode(f0(variant, **fields)).decode("ascii")


def parse(xml: bytes) -> etree._Element:
    """Our own fixture bytes back into a tree, for attacker-mode mutation."""
    return etree.fromstring(xml)  # noqa: S320 - test data we built


def evil(tree: etree._Element) -> etree._Element:
    """EVIL(x): NameID -> admin@victim.example, Role -> Admin, wherever a plain Assertion sits in ``tree``."""
    for name_id in tree.iter(NS.saml("NameID")):
        name_id.text = EVIL_NAME_ID
    for attribute in tree.iter(NS.saml("Attribute")):
        if attribute.get("Name") == AWS_ROLE:
            for value in attribute:
                value.text = EVIL_ROLE
    return tree


def clone(tree: etree._Element) -> etree._Element:
    return copy.deepcopy(tree)


def trust(*keys: KeyPair, issuer: str = IDP, **options: Any) -> Trust:
    """A Trust pinning the F0 IdP key (or the given keys) for ``issuer``."""
    chosen = keys or (idp_keys(),)
    return Trust.from_certificates(issuer, [k.cert_pem for k in chosen], **options)


def aws_policy(**overrides: Any) -> Policy:
    return Policy.aws(**overrides)


def validate(data: bytes | str, **overrides: Any) -> ValidatedAssertion:
    """``validate_response`` with the F0 trust, ``Policy.aws()`` and ``NOW``; each can be overridden."""
    options: dict[str, Any] = {"trust": trust(), "policy": aws_policy(), "now": NOW}
    options.update(overrides)
    return validate_response(data, **options)


def rejected(data: bytes | str, **overrides: Any) -> ValidationError:
    """The ``ValidationError`` that ``validate`` raises (fails the test when it accepts)."""
    with pytest.raises(ValidationError) as info:
        validate(data, **overrides)
    return info.value


def generic_policy(**overrides: Any) -> Policy:
    values: dict[str, Any] = {"audiences": (AUDIENCE,), "recipients": (ACS,)}
    values.update(overrides)
    return Policy(**values)
