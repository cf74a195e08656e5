"""SECURITY.md 3.1: the positive controls, in one place. Each must be accepted with ACCEPT(orig), so the
attack suite cannot pass by rejecting everything. (Several also appear next to the negative case they
twin.)"""

from __future__ import annotations

import pytest
from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from saml_core import sign_enveloped
from saml_core.constants import BlockCipher
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx

DS = b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'


@pytest.mark.parametrize("variant", ["RA", "R", "A", "EA", "ERA", "ER"])
def test_f0_variants(variant: str) -> None:
    result = k.accept(fx.f0(variant))
    assert result.aws is not None
    assert [(r.role_arn, r.principal_arn) for r in result.aws.roles] == [(fx.READONLY, fx.PROVIDER)]


def test_default_namespace_ds_without_prefix() -> None:
    tree = k.unsigned()
    sign_enveloped(k.assertion(tree), fx.idp_keys())
    data = k.dump(tree)
    start, end = data.index(b"<ds:Signature"), data.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    unprefixed = (
        data[start:end].replace(b"<ds:", b"<").replace(b"</ds:", b"</").replace(DS, DS.replace(b":ds", b""))
    )
    tree = fx.parse(data[:start] + unprefixed + data[end:])
    k.resign(k.signature(k.assertion(tree)))  # SignedInfo's c14n changed with the prefix: the IdP signs that
    sign_enveloped(tree, fx.idp_keys())
    assert b"<Signature " in k.dump(tree)
    k.accept(k.dump(tree))


def test_inclusive_namespaces_prefix_list_xs() -> None:
    k.accept(k.sign_parts(k.unsigned(), "RA", inclusive_prefixes=["xs"]))


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA512, DigestMethod.SHA512),
        (SignatureMethod.RSA_SHA384, DigestMethod.SHA384),
        (SignatureMethod.RSA_SHA256, DigestMethod.SHA512),
    ],
    ids=["rsa-sha512", "rsa-sha384", "sha512-digest"],
)
def test_stronger_rsa_methods(method: SignatureMethod, digest: DigestMethod) -> None:
    k.accept(k.sign(k.unsigned(), "RA", method=method, digest=digest))


def test_ecdsa_p256() -> None:
    ec_keys = KeyPair.generate("ec-p256", common_name="control-ec", now=fx.NOW)
    k.accept(k.sign(k.unsigned(), "RA", keys=ec_keys), trust=fx.trust(ec_keys))


def test_line_wrapped_signature_value_and_certificate() -> None:
    tree = k.signed("A")  # neither SignatureValue nor KeyInfo is inside SignedInfo's digest
    sig = k.signature(k.assertion(tree))
    for node in (
        k.child(sig, k.ds("SignatureValue")),
        k.path(sig, k.ds("KeyInfo"), k.ds("X509Data"), k.ds("X509Certificate")),
    ):
        compact = "".join((node.text or "").split())
        node.text = "\n" + "\n".join(compact[i : i + 76] for i in range(0, len(compact), 76)) + "\n"
    k.accept(k.dump(tree))


def test_second_of_two_pinned_rollover_keys() -> None:
    trust = fx.trust(fx.idp_keys(), fx.idp_keys_2())
    k.accept(k.sign(k.unsigned(), "RA", keys=fx.idp_keys_2()), trust=trust)


@pytest.mark.parametrize("cipher", [BlockCipher.AES256_GCM, BlockCipher.AES256_CBC], ids=["gcm", "cbc"])
def test_aes256_encryption(cipher: BlockCipher) -> None:
    k.accept(fx.f0("ERA", sign_options={"cipher": cipher}))


def test_encrypted_key_by_retrieval_method() -> None:
    tree = k.unsigned()
    sign_enveloped(k.assertion(tree), fx.idp_keys())
    fx.encrypt_assertion(tree)
    encrypted = k.child(tree, NS.saml("EncryptedAssertion"))
    data = k.child(encrypted, NS.xenc("EncryptedData"))
    key_info = k.child(data, k.ds("KeyInfo"))
    encrypted_key = k.child(key_info, NS.xenc("EncryptedKey"))
    encrypted_key.set("Id", "_key1")
    encrypted.append(encrypted_key)
    etree.SubElement(
        key_info, k.ds("RetrievalMethod"), URI="#_key1", Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"
    )
    k.accept(k.dump(tree))
