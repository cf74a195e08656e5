"""Sign/verify round trips (SECURITY.md 3.1 controls) and what ``VerifiedElement`` guarantees (R31)."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from saml_core import KeyPair
from saml_core import SignaturePolicy
from saml_core import parse_xml
from saml_core import sign_enveloped
from saml_core import verify_enveloped
from saml_core.constants import NS
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from saml_core.errors import SAMLError
from tests.saml_core.builders import EVIL_NAME_ID
from tests.saml_core.builders import NAME_ID
from tests.saml_core.builders import Profile
from tests.saml_core.builders import assertion_of
from tests.saml_core.builders import evil
from tests.saml_core.builders import manual_sign
from tests.saml_core.builders import name_id_of
from tests.saml_core.builders import response
from tests.saml_core.builders import signature_of
from tests.saml_core.builders import signed_assertion_response
from tests.saml_core.builders import signed_response
from tests.saml_core.builders import tamper
from tests.saml_core.builders import to_bytes
from tests.saml_core.builders import verify_assertion
from tests.saml_core.builders import verify_root

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(SAMLError) as info:
        call()
    return info.value.code


@pytest.mark.parametrize(
    ("key_name", "method", "digest"),
    [
        ("idp_keys", SignatureMethod.RSA_SHA256, DigestMethod.SHA256),
        ("idp_keys", SignatureMethod.RSA_SHA384, DigestMethod.SHA384),
        ("idp_keys", SignatureMethod.RSA_SHA512, DigestMethod.SHA512),
        ("rsa3072_keys", None, DigestMethod.SHA256),
        ("ec_keys", None, DigestMethod.SHA256),
        ("ec_keys", SignatureMethod.ECDSA_SHA512, DigestMethod.SHA512),
        ("ec384_keys", None, DigestMethod.SHA384),
        ("ec384_keys", SignatureMethod.ECDSA_SHA256, DigestMethod.SHA256),
    ],
)
def test_round_trip_every_algorithm(
    request: pytest.FixtureRequest, key_name: str, method: SignatureMethod | None, digest: DigestMethod
) -> None:
    keys: KeyPair = request.getfixturevalue(key_name)
    data = signed_assertion_response(keys, method=method, digest=digest)
    verified = verify_assertion(data, [keys.trusted])
    assert verified.method is (method or keys.default_signature_method)
    assert verified.digest is digest
    assert name_id_of(verified.element) == NAME_ID


def test_default_methods_follow_the_key() -> None:
    assert KeyPair.generate("ec-p256").default_signature_method is SignatureMethod.ECDSA_SHA256
    assert KeyPair.generate("ec-p384").default_signature_method is SignatureMethod.ECDSA_SHA384


def test_sha1_round_trip_only_with_allow_sha1(idp_keys: KeyPair) -> None:
    data = signed_assertion_response(idp_keys, method=SignatureMethod.RSA_SHA1, digest=DigestMethod.SHA1)
    assert code_of(lambda: verify_assertion(data, [idp_keys.trusted])) == "algorithm_forbidden"
    verified = verify_assertion(data, [idp_keys.trusted], SignaturePolicy(allow_sha1=True))
    assert verified.method is SignatureMethod.RSA_SHA1


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_PSS_SHA256, DigestMethod.SHA256),
        (SignatureMethod.RSA_PSS_SHA384, DigestMethod.SHA384),
        (SignatureMethod.RSA_PSS_SHA512, DigestMethod.SHA512),
    ],
)
def test_rsa_pss_verifies(idp_keys: KeyPair, method: SignatureMethod, digest: DigestMethod) -> None:
    """A PSS-signed document made with cryptography + lxml c14n (python-xmlsec cannot sign PSS)."""
    root = response()
    manual_sign(assertion_of(root), idp_keys, Profile(method=method.value, digest=digest.value))
    verified = verify_assertion(to_bytes(root), [idp_keys.trusted])
    assert (verified.method, verified.digest) == (method, digest)


def test_rsa_pss_tampered_content_rejected(idp_keys: KeyPair) -> None:
    """For PSS our own digest check is the only reference check: it must catch the EVIL edit."""
    root = response()
    manual_sign(assertion_of(root), idp_keys, Profile(method=SignatureMethod.RSA_PSS_SHA256.value))
    data = tamper(to_bytes(root), evil)
    assert code_of(lambda: verify_assertion(data, [idp_keys.trusted])) == "signature_invalid"


def test_rsa_pss_tampered_signed_info_rejected(idp_keys: KeyPair) -> None:
    root = response()
    manual_sign(assertion_of(root), idp_keys, Profile(method=SignatureMethod.RSA_PSS_SHA256.value))

    def edit(r: etree._Element) -> None:
        signature_of(assertion_of(r))[0][2].set("Id", "x")

    data = tamper(to_bytes(root), edit)
    assert code_of(lambda: verify_assertion(data, [idp_keys.trusted])) == "signature_invalid"


def test_rsa_pss_rejects_a_key_of_another_signer(idp_keys: KeyPair, attacker_keys: KeyPair) -> None:
    root = response()
    manual_sign(assertion_of(root), attacker_keys, Profile(method=SignatureMethod.RSA_PSS_SHA256.value))
    assert code_of(lambda: verify_assertion(to_bytes(root), [idp_keys.trusted])) == "untrusted_key"


# ------------------------------------------------------------------------------------------ rollover


def test_rollover_second_of_two_pinned_keys_verifies(idp_keys: KeyPair, new_idp_keys: KeyPair) -> None:
    pinned = [idp_keys.trusted, new_idp_keys.trusted]
    by_new = verify_assertion(signed_assertion_response(new_idp_keys), pinned)
    assert by_new.key.same_key(new_idp_keys.trusted)
    by_old = verify_assertion(signed_assertion_response(idp_keys), pinned)
    assert by_old.key.same_key(idp_keys.trusted)


def test_rollover_without_keyinfo_tries_every_pinned_key(idp_keys: KeyPair, new_idp_keys: KeyPair) -> None:
    root = response()
    sign_enveloped(assertion_of(root), new_idp_keys, include_certificate=False)
    verified = verify_assertion(to_bytes(root), [idp_keys.trusted, new_idp_keys.trusted])
    assert verified.key.same_key(new_idp_keys.trusted)


def test_rollover_new_key_not_yet_pinned_rejected(idp_keys: KeyPair, new_idp_keys: KeyPair) -> None:
    data = signed_assertion_response(new_idp_keys)
    assert code_of(lambda: verify_assertion(data, [idp_keys.trusted])) == "untrusted_key"


# ------------------------------------------------------------------ namespaces, placement, encodings


def test_inclusive_namespaces_prefix_list_with_ancestor_declaration(idp_keys: KeyPair) -> None:
    """Okta/AD FS shape: PrefixList="xs" while xs is declared on the Response, outside the Assertion."""
    root = response(root_nsmap=XS)
    sign_enveloped(assertion_of(root), idp_keys, inclusive_prefixes=["xs"])
    data = to_bytes(root)
    assert b'PrefixList="xs"' in data
    verified = verify_assertion(data, [idp_keys.trusted])
    assert b'xmlns:xs="http://www.w3.org/2001/XMLSchema"' in verified.canonical


def test_inclusive_namespaces_on_a_tree_built_in_memory(idp_keys: KeyPair) -> None:
    """The IdP signs and may verify the same in-memory tree: lxml must not lose the ancestor's xs."""
    root = etree.Element(NS.samlp("Response"), nsmap={"samlp": NS.SAMLP, **XS}, ID="_R")
    a = etree.Element(NS.saml("Assertion"), nsmap={"saml": NS.SAML}, ID="_A")  # built apart, then moved in
    etree.SubElement(a, NS.saml("Issuer")).text = "https://idp.example.test/"
    root.append(a)
    sign_enveloped(a, idp_keys, inclusive_prefixes=["xs"])
    assert verify_enveloped(a, [idp_keys.trusted]).element.tag == NS.saml("Assertion")


def test_default_namespace_ds_round_trip(idp_keys: KeyPair) -> None:
    root = response()
    manual_sign(assertion_of(root), idp_keys, Profile(prefix=None))
    assert verify_assertion(to_bytes(root), [idp_keys.trusted]).method is SignatureMethod.RSA_SHA256


def test_line_wrapped_base64_round_trip(idp_keys: KeyPair) -> None:
    root = response()
    manual_sign(assertion_of(root), idp_keys, Profile(wrap_base64=True))
    data = to_bytes(root)
    assert data.count(b"\n") > 10
    assert verify_assertion(data, [idp_keys.trusted]).key.same_key(idp_keys.trusted)


def test_signature_is_placed_after_issuer(idp_keys: KeyPair) -> None:
    root = response()
    sign_enveloped(assertion_of(root), idp_keys)
    tags = [etree.QName(c).localname for c in assertion_of(root)]
    assert tags[:3] == ["Issuer", "Signature", "Subject"]


def test_signature_goes_first_without_issuer_or_with_after_none(idp_keys: KeyPair) -> None:
    root = response()
    sign_enveloped(root, idp_keys, after=None)
    assert root[0].tag == NS.ds("Signature")
    bare = etree.Element(NS.md("EntityDescriptor"), ID="_M", entityID="https://idp.example.test/")
    etree.SubElement(bare, NS.md("Extensions"))
    sign_enveloped(bare, idp_keys)
    assert bare[0].tag == NS.ds("Signature")
    assert verify_enveloped(bare, [idp_keys.trusted]).element.get("entityID") == "https://idp.example.test/"


def test_sign_refuses_a_method_that_does_not_fit_the_key(idp_keys: KeyPair, ec_keys: KeyPair) -> None:
    root = response()
    assert code_of(lambda: sign_enveloped(root, idp_keys, method=SignatureMethod.ECDSA_SHA256)) == (
        "algorithm_forbidden"
    )
    assert (
        code_of(lambda: sign_enveloped(root, ec_keys, method=SignatureMethod.RSA_SHA256))
        == "algorithm_forbidden"
    )
    assert code_of(lambda: sign_enveloped(root, idp_keys, method=SignatureMethod.RSA_PSS_SHA256)) == (
        "algorithm_forbidden"
    )
    assert root.find(NS.ds("Signature")) is None


def test_sign_refuses_an_element_without_id(idp_keys: KeyPair) -> None:
    element = etree.Element(NS.saml("Assertion"))
    assert code_of(lambda: sign_enveloped(element, idp_keys)) == "malformed_xml"


def test_custom_id_attribute(idp_keys: KeyPair) -> None:
    element = etree.Element("{urn:x}Thing", Id="_T")
    sign_enveloped(element, idp_keys, id_attribute="Id")
    data = etree.tostring(element)
    assert verify_enveloped(parse_xml(data), [idp_keys.trusted], id_attribute="Id").element.get("Id") == "_T"
    assert (
        code_of(lambda: verify_enveloped(parse_xml(data), [idp_keys.trusted]))
        == "signature_profile_violation"
    )


def test_signing_key_is_loaded_once(idp_keys: KeyPair) -> None:
    signed_assertion_response(idp_keys)
    cached = idp_keys._cache["xmlsec_sign"]
    signed_assertion_response(idp_keys)
    assert idp_keys._cache["xmlsec_sign"] is cached


# ------------------------------------------------------------------------- R31: read only what was signed


def test_verified_element_is_a_reparse_of_the_canonical_bytes(idp_keys: KeyPair) -> None:
    root = parse_xml(signed_assertion_response(idp_keys))
    a = assertion_of(root)
    verified = verify_enveloped(a, [idp_keys.trusted])
    assert verified.element is not a
    assert verified.element.find(NS.ds("Signature")) is None
    assert etree.tostring(verified.element, method="c14n", exclusive=True) == verified.canonical
    evil(root)  # editing the input afterwards cannot change what was verified
    assert name_id_of(verified.element) == NAME_ID
    assert name_id_of(a) == EVIL_NAME_ID


def test_response_signature_covers_the_signed_assertion(idp_keys: KeyPair) -> None:
    data = signed_response(idp_keys, both=True)
    outer = verify_root(data, [idp_keys.trusted])
    inner = assertion_of(outer.element)
    assert inner.find(NS.ds("Signature")) is not None  # only the Response's own Signature is enveloped
    assert verify_enveloped(inner, [idp_keys.trusted]).element.get("ID") == "_A"


def test_r29_tampered_response_under_valid_assertion_signature(idp_keys: KeyPair) -> None:
    data = signed_response(idp_keys, both=True)
    tampered = tamper(data, lambda r: r.set("Destination", "https://evil.invalid/"))
    assert code_of(lambda: verify_root(tampered, [idp_keys.trusted])) == "signature_invalid"
    assert verify_assertion(tampered, [idp_keys.trusted]).element.get("ID") == "_A"


def test_whitespace_around_the_signature_is_preserved_by_the_enveloped_transform(idp_keys: KeyPair) -> None:
    root = response()
    a = assertion_of(root)
    a.text = "\n  "
    for child in a:
        child.tail = "\n  "
    a[0].tail = "\n  \n    "  # signed text between Issuer and Subject
    sign_enveloped(a, idp_keys)
    a[0].tail = "\n  "  # a pretty-printer splits it around the Signature: the same text once it is removed
    signature_of(a).tail = "\n    "
    data = to_bytes(root)
    pretty = parse_xml(data)
    verified = verify_enveloped(assertion_of(pretty), [idp_keys.trusted])
    assert b"</saml:Issuer>\n  \n    <saml:Subject>" in verified.canonical


def test_copy_of_a_verified_tree_verifies_again(idp_keys: KeyPair) -> None:
    root = parse_xml(signed_assertion_response(idp_keys))
    twin = copy.deepcopy(root)
    assert verify_enveloped(assertion_of(twin), [idp_keys.trusted]).element.get("ID") == "_A"


def test_the_same_tree_verifies_twice(idp_keys: KeyPair) -> None:
    """xmlsec's ID registration must not leak from one verification into the next."""
    a = assertion_of(parse_xml(signed_assertion_response(idp_keys)))
    first = verify_enveloped(a, [idp_keys.trusted])
    second = verify_enveloped(a, [idp_keys.trusted])
    assert first.canonical == second.canonical


FRESH_PROCESS_CHECK = """
from lxml import etree
from saml_core import KeyPair, sign_enveloped, verify_enveloped
from saml_core.constants import NS
keys = KeyPair.generate()
root = etree.Element(NS.samlp("Response"), nsmap={"samlp": NS.SAMLP, "xs": "http://www.w3.org/2001/XMLSchema"})
a = etree.Element(NS.saml("Assertion"), nsmap={"saml": NS.SAML}, ID="_A")
etree.SubElement(a, NS.saml("Issuer")).text = "https://idp.example.test/"
root.append(a)
sign_enveloped(a, keys, inclusive_prefixes=["xs"])
print(verify_enveloped(a, [keys.trusted]).method.name)
"""


def test_in_memory_tree_verifies_in_a_fresh_interpreter() -> None:
    """lxml's subtree c14n of a tree assembled in memory depends on the process's history (it differs before
    any parsed document was signed); saml_core canonicalises a re-parsed copy, so the answer does not."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_CHECK], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "RSA_SHA256"
