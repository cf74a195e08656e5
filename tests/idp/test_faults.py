"""The fault catalogue's mechanics: each fault does what its description says, and the attacker-mode faults
leave the genuine signature intact (so a rejection is the SP's achievement, not a broken signature's).

Whether our validator rejects each fault is tests/idp/test_faults_rejected.py; this file checks the faults
themselves, with saml_core's verifier and signxml as independent oracles.
"""

from __future__ import annotations

import base64
import copy

import pytest
from lxml import etree
from signxml import SignatureConfiguration
from signxml import XMLVerifier

from idp import FAULTS
from idp import IdentityProvider
from idp import IdPError
from saml_core import NS
from saml_core import KeyPair
from saml_core import SignaturePolicy
from saml_core import parse_xml
from saml_core import sequential_ids
from saml_core import verify_enveloped
from saml_core.constants import AWS_ROLE
from saml_core.constants import SignatureMethod
from tests.idp.conftest import ENTITY_ID
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY

KWARGS = {"name_id": "alice@example.test", "roles": [READ_ONLY], "session_name": "alice", "now": NOW}


def _issue(provider: IdentityProvider, fault: str, **overrides: object) -> bytes:
    return provider.issue_aws(**{**KWARGS, "faults": [fault], **overrides}).xml  # type: ignore[arg-type]


def _plain(xml: bytes) -> etree._Element:
    """Parse our own output without the hardened parser's refusals (faults add comments, doctypes...)."""
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def _standalone_verifies(element: etree._Element, keys: KeyPair) -> None:
    """The element, copied into a document of its own, still carries a valid signature."""
    alone = parse_xml(etree.tostring(copy.deepcopy(element)))
    verify_enveloped(alone, [keys.trusted])


def _name_ids(root: etree._Element) -> list[str]:
    return [n.text or "" for n in root.iter(NS.saml("NameID"))]


def test_catalogue_shape() -> None:
    assert len(FAULTS) >= 20
    for name, fault in FAULTS.items():
        assert fault.name == name and name == name.lower() and " " not in name
        assert fault.description and "\n" not in fault.description and len(fault.description) < 110
        assert fault.stage in {"values", "tree", "signing", "signed", "bytes"}


def test_expired_and_not_yet_valid_shift_every_instant(provider: IdentityProvider) -> None:
    expired, future = _plain(_issue(provider, "expired")), _plain(_issue(provider, "not-yet-valid"))
    assert expired.get("IssueInstant") == "2026-11-28T11:00:00Z"
    assert future.get("IssueInstant") == "2026-11-28T13:00:00Z"
    conditions = expired.find(NS.saml("Assertion")).find(NS.saml("Conditions"))
    assert conditions.get("NotOnOrAfter") == "2026-11-28T11:05:00Z"
    verify_enveloped(expired, [provider.signing_key.trusted])  # fixture mode: validly signed


@pytest.mark.parametrize("fault", ["xsw3", "xsw4", "xsw5", "xsw6", "xsw7", "xsw8"])
def test_assertion_xsw_keeps_genuine_signature_and_adds_evil(provider: IdentityProvider, fault: str) -> None:
    root = _plain(_issue(provider, fault))
    assertions = list(root.iter(NS.saml("Assertion")))
    assert len(assertions) == 2
    signed = [a for a in assertions if a.find(NS.ds("Signature")) is not None]
    assert len(signed) == 1
    names = _name_ids(root)
    assert sorted(names) == ["admin@victim.example", "alice@example.test"]
    genuine = next(a for a in assertions if a.find(NS.saml("Subject"))[0].text == "alice@example.test")
    if fault in ("xsw5", "xsw6", "xsw8"):
        # the signature sits on the EVIL element; it still covers the pristine, unsigned copy
        assert genuine.find(NS.ds("Signature")) is None
        expected_evil_id = genuine.get("ID") if fault == "xsw8" else "_evil_assertion_ID"
        assert signed[0].get("ID") == expected_evil_id
        signature = copy.deepcopy(signed[0].find(NS.ds("Signature")))
        for extra in [*signature.findall(NS.saml("Assertion")), *signature.findall(NS.ds("Object"))]:
            signature.remove(extra)
        genuine = copy.deepcopy(genuine)
        genuine.insert(1, signature)
    _standalone_verifies(genuine, provider.signing_key)
    roles = [v.text for a in root.iter(NS.saml("Attribute")) if a.get("Name") == AWS_ROLE for v in a]
    assert "arn:aws:iam::111111111111:role/Admin,arn:aws:iam::111111111111:saml-provider/DemoIdP" in roles


@pytest.mark.parametrize("fault", ["xsw1", "xsw2"])
def test_response_xsw_clone_carries_the_genuine_signature(provider: IdentityProvider, fault: str) -> None:
    root = _plain(_issue(provider, fault))
    assert root.get("ID") == "_evil_response_ID"
    assert root.find(NS.saml("Assertion")).find(NS.saml("Subject"))[0].text == "admin@victim.example"
    clone = next(r for r in root.iter(NS.samlp("Response")) if r is not root)
    parent = clone.getparent()
    assert parent.tag == (NS.ds("Signature") if fault == "xsw1" else NS.samlp("Response"))
    signature = copy.deepcopy(root.find(NS.ds("Signature")))
    for node in signature.findall(NS.samlp("Response")):
        signature.remove(node)
    genuine = copy.deepcopy(clone)
    genuine.insert(1, signature)
    _standalone_verifies(genuine, provider.signing_key)


def test_comment_in_name_id_keeps_digest(provider: IdentityProvider) -> None:
    xml = _issue(provider, "comment-in-nameid")
    assert b">alice@exa<!---->mple.test</saml:NameID>" in xml
    root = _plain(xml.replace(b"<!---->", b""))
    verify_enveloped(root, [provider.signing_key.trusted])
    _standalone_verifies(root.find(NS.saml("Assertion")), provider.signing_key)


def test_cdata_in_name_id_keeps_digest(provider: IdentityProvider) -> None:
    xml = _issue(provider, "cdata-in-nameid")
    assert b">alice@exa<![CDATA[mple.test]]></saml:NameID>" in xml
    verify_enveloped(
        _plain(xml.replace(b"<![CDATA[mple.test]]>", b"mple.test")), [provider.signing_key.trusted]
    )


def test_empty_reference_uri_is_a_valid_signature(provider: IdentityProvider) -> None:
    xml = _issue(provider, "empty-reference-uri")
    root = _plain(xml)
    assert root.find(NS.ds("Signature")).find(NS.ds("SignedInfo")).find(NS.ds("Reference")).get("URI") == ""
    assert root.find(NS.saml("Assertion")).find(NS.ds("Signature")) is None
    config = SignatureConfiguration(location="./")
    result = XMLVerifier().verify(xml, x509_cert=provider.signing_key.cert_pem.decode(), expect_config=config)
    assert result.signed_xml.get("ID") == root.get("ID")


def test_sha1_signature_verifies_only_with_sha1_allowed(provider: IdentityProvider) -> None:
    root = parse_xml(_issue(provider, "sha1-signature"))
    verified = verify_enveloped(root, [provider.signing_key.trusted], policy=SignaturePolicy(allow_sha1=True))
    assert verified.method is SignatureMethod.RSA_SHA1


def test_wrong_key_signs_with_an_untrusted_certificate(provider: IdentityProvider) -> None:
    root = parse_xml(_issue(provider, "wrong-key"))
    cert = root.find(NS.ds("Signature")).find(NS.ds("KeyInfo"))[0][0].text
    assert "".join((cert or "").split()) != provider.signing_key.cert_b64  # KeyInfo names another certificate
    assert provider._untrusted is not None
    verify_enveloped(root, [provider._untrusted.trusted])


def test_bad_signature_value_flips_exactly_one_bit(rsa_keys: KeyPair) -> None:
    def signature_value(faults: list[str]) -> bytes:
        provider = IdentityProvider(ENTITY_ID, rsa_keys, id_source=sequential_ids())
        root = _plain(provider.issue_aws(**{**KWARGS, "faults": faults}).xml)  # type: ignore[arg-type]
        return base64.b64decode("".join(root.find(NS.ds("Signature"))[1].text.split()))

    clean, broken = signature_value([]), signature_value(["bad-signature-value"])
    flipped = [a ^ b for a, b in zip(clean, broken, strict=True) if a != b]
    assert flipped == [1]


def test_oversize_and_replay(provider: IdentityProvider) -> None:
    assert len(provider.issue_aws(**{**KWARGS, "faults": ["oversize"]}).b64) > 100_000  # type: ignore[arg-type]
    first, second = (provider.issue_aws(**{**KWARGS, "faults": ["replay"]}) for _ in range(2))  # type: ignore[arg-type]
    assert (first.response_id, first.assertion_id) == (second.response_id, second.assertion_id)
    fresh = provider.issue_aws(**KWARGS)  # type: ignore[arg-type]
    assert fresh.response_id != first.response_id


def test_doctype_and_two_roots_are_byte_edits(provider: IdentityProvider) -> None:
    assert _issue(provider, "doctype-present").startswith(b"<!DOCTYPE samlp:Response><samlp:Response ")
    doubled = _issue(provider, "two-roots")
    assert doubled[: len(doubled) // 2] == doubled[len(doubled) // 2 :]


def test_faults_that_need_aws_attributes_refuse_generic_responses(provider: IdentityProvider) -> None:
    with pytest.raises(IdPError, match="the missing-role fault applies to AWS responses"):
        provider.issue(
            name_id="a", acs_url="https://sp/acs", audience="urn:sp", faults=["missing-role"], now=NOW
        )
    with pytest.raises(IdPError, match="bad-role-pair fault applies to AWS responses"):
        provider.issue(
            name_id="a", acs_url="https://sp/acs", audience="urn:sp", faults=["bad-role-pair"], now=NOW
        )


def test_assertion_editing_faults_refuse_encryption(provider: IdentityProvider, sp_keys: KeyPair) -> None:
    with pytest.raises(
        IdPError, match="the xsw3 fault edits the assertion and cannot be combined with encryption"
    ):
        _issue(provider, "xsw3", encrypt_to=sp_keys.trusted)
    assert _issue(provider, "wrong-audience", encrypt_to=sp_keys.trusted)


def test_sha1_needs_rsa(ec_keys: KeyPair) -> None:
    with pytest.raises(IdPError, match="the sha1-signature fault needs an RSA signing key"):
        _issue(IdentityProvider(ENTITY_ID, ec_keys), "sha1-signature")


def test_b64_is_the_faulted_bytes(provider: IdentityProvider) -> None:
    issued = provider.issue_aws(**{**KWARGS, "faults": ["doctype-present"]})  # type: ignore[arg-type]
    assert base64.b64decode(issued.b64).startswith(b"<!DOCTYPE")
    assert issued.faults == ("doctype-present",)
