"""IdentityProvider.issue_aws / issue: layout (SECURITY.md 2.0 F0), signing modes, keys, encryption, J1.

Signatures are checked with saml_core's strict verifier (the profile gate + pinned keys) as the oracle.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from lxml import etree

from idp import IdentityProvider
from idp import IdPError
from saml_core import NS
from saml_core import KeyPair
from saml_core import decrypt_element
from saml_core import parse_xml
from saml_core import sequential_ids
from saml_core import validate_schema
from saml_core import verify_enveloped
from saml_core.constants import SignatureMethod
from saml_core.errors import SignatureInvalid
from saml_core.errors import SignatureMissing
from tests.idp.conftest import ENTITY_ID
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY

SIG = NS.ds("Signature")


def _aws(provider: IdentityProvider, **overrides: object):  # type: ignore[no-untyped-def]
    kwargs: dict[str, object] = {
        "name_id": "alice",
        "roles": [READ_ONLY],
        "session_name": "alice",
        "now": NOW,
    }
    kwargs.update(overrides)
    return provider.issue_aws(**kwargs)


def _tags(node: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in node]


def test_layout_is_f0_in_schema_order(rsa_keys: KeyPair) -> None:
    provider = IdentityProvider(ENTITY_ID, rsa_keys, id_source=sequential_ids())
    issued = _aws(provider, in_response_to="_REQ")
    root = parse_xml(issued.xml)
    validate_schema(root, "protocol")
    assert root.tag == NS.samlp("Response")
    assert _tags(root) == ["Issuer", "Signature", "Status", "Assertion"]
    assert (root.get("ID"), root.get("Version"), root.get("InResponseTo")) == ("_id1", "2.0", "_REQ")
    assert root.get("IssueInstant") == "2026-11-28T12:00:00Z"
    assert root.get("Destination") == "https://signin.aws.amazon.com/saml"
    assert root.find(NS.samlp("Status"))[0].get("Value") == "urn:oasis:names:tc:SAML:2.0:status:Success"
    assertion = root.find(NS.saml("Assertion"))
    assert assertion.get("ID") == "_id2" == issued.assertion_id
    assert _tags(assertion) == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
    ]
    assert assertion.find(NS.saml("Issuer")).text == ENTITY_ID


def test_subject_conditions_and_authn_statement(provider: IdentityProvider) -> None:
    issued = _aws(provider, in_response_to="_REQ", lifetime=600, session_index="_S1")
    assertion = parse_xml(issued.xml).find(NS.saml("Assertion"))
    subject = assertion.find(NS.saml("Subject"))
    assert _tags(subject) == ["NameID", "SubjectConfirmation"]
    name_id = subject.find(NS.saml("NameID"))
    assert (name_id.text, name_id.get("Format")) == (
        "alice",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    )
    confirmation = subject.find(NS.saml("SubjectConfirmation"))
    assert confirmation.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    assert dict(confirmation[0].attrib) == {
        "NotOnOrAfter": "2026-11-28T12:10:00Z",
        "Recipient": "https://signin.aws.amazon.com/saml",
        "InResponseTo": "_REQ",
    }
    conditions = assertion.find(NS.saml("Conditions"))
    assert (conditions.get("NotBefore"), conditions.get("NotOnOrAfter")) == (
        "2026-11-28T11:59:00Z",
        "2026-11-28T12:10:00Z",
    )
    assert [a.text for a in conditions.find(NS.saml("AudienceRestriction"))] == ["urn:amazon:webservices"]
    statement = assertion.find(NS.saml("AuthnStatement"))
    assert (statement.get("AuthnInstant"), statement.get("SessionIndex")) == ("2026-11-28T12:00:00Z", "_S1")
    assert issued.not_on_or_after == NOW + timedelta(seconds=600)


def test_no_in_response_to_when_unsolicited(provider: IdentityProvider) -> None:
    root = parse_xml(_aws(provider).xml)
    assert root.get("InResponseTo") is None
    data = root.find(NS.saml("Assertion")).find(NS.saml("Subject")).find(NS.saml("SubjectConfirmation"))[0]
    assert "InResponseTo" not in data.attrib


@pytest.mark.parametrize(
    ("sign", "response_signed", "assertion_signed"),
    [("both", True, True), ("response", True, False), ("assertion", False, True), ("none", False, False)],
)
def test_signing_modes(
    provider: IdentityProvider, sign: str, response_signed: bool, assertion_signed: bool
) -> None:
    root = parse_xml(_aws(provider, sign=sign).xml)
    assertion = root.find(NS.saml("Assertion"))
    assert (root.find(SIG) is not None, assertion.find(SIG) is not None) == (
        response_signed,
        assertion_signed,
    )
    trusted = [provider.signing_key.trusted]
    if assertion_signed:
        verify_enveloped(assertion, trusted)
    else:
        with pytest.raises(SignatureMissing):
            verify_enveloped(assertion, trusted)
    if response_signed:
        assert verify_enveloped(root, trusted).method is SignatureMethod.RSA_SHA256


def test_tampered_copy_fails_verification(provider: IdentityProvider) -> None:
    xml = _aws(provider, sign="assertion").xml
    tampered = parse_xml(xml.replace(b">alice</saml:NameID>", b">mallory</saml:NameID>"))
    with pytest.raises(SignatureInvalid):
        verify_enveloped(tampered.find(NS.saml("Assertion")), [provider.signing_key.trusted])
    verify_enveloped(parse_xml(xml).find(NS.saml("Assertion")), [provider.signing_key.trusted])


def test_ecdsa_signing(ec_keys: KeyPair) -> None:
    provider = IdentityProvider(ENTITY_ID, ec_keys)
    root = parse_xml(_aws(provider).xml)
    assert verify_enveloped(root, [ec_keys.trusted]).method is SignatureMethod.ECDSA_SHA256
    assert (
        verify_enveloped(root.find(NS.saml("Assertion")), [ec_keys.trusted]).method
        is SignatureMethod.ECDSA_SHA256
    )


def test_explicit_signature_method(provider: IdentityProvider) -> None:
    root = parse_xml(_aws(provider, signature_method="rsa-sha512").xml)
    assert verify_enveloped(root, [provider.signing_key.trusted]).method is SignatureMethod.RSA_SHA512
    with pytest.raises(IdPError, match="unknown signature method 'hmac-sha1'"):
        _aws(provider, signature_method="hmac-sha1")
    with pytest.raises(IdPError, match="cannot sign: ecdsa-sha256 does not fit a rsa key"):
        _aws(provider, signature_method=SignatureMethod.ECDSA_SHA256)


def test_rollover_newest_key_signs(old_rsa_keys: KeyPair, rsa_keys: KeyPair) -> None:
    provider = IdentityProvider(ENTITY_ID, [old_rsa_keys, rsa_keys])
    assert provider.signing_key is rsa_keys
    assert provider.certificates == (old_rsa_keys.cert_pem, rsa_keys.cert_pem)
    root = parse_xml(_aws(provider).xml)
    assert verify_enveloped(root, [old_rsa_keys.trusted, rsa_keys.trusted]).key.same_key(rsa_keys.trusted)
    with pytest.raises(SignatureInvalid):
        verify_enveloped(root, [old_rsa_keys.trusted])


def test_encryption_to_sp_certificate(ec_keys: KeyPair, sp_keys: KeyPair) -> None:
    provider = IdentityProvider(ENTITY_ID, ec_keys)
    uuid = "ABCDEFGHIJKLMNOPQRSTUV1234"
    issued = _aws(provider, encrypt_to=sp_keys.trusted, provider_uuid=uuid, region="eu-west-1")
    root = parse_xml(issued.xml)
    validate_schema(root, "protocol")
    assert _tags(root) == ["Issuer", "Signature", "Status", "EncryptedAssertion"]
    assert (
        issued.recipient
        == root.get("Destination")
        == f"https://eu-west-1.signin.aws.amazon.com/saml/acs/{uuid}"
    )
    encrypted = root.find(NS.saml("EncryptedAssertion"))
    method = encrypted[0].find(NS.xenc("EncryptionMethod")).get("Algorithm")
    assert method == "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    verify_enveloped(root, [ec_keys.trusted])  # the Response signature covers the ciphertext (R35)
    plaintext = decrypt_element(encrypted, [sp_keys])
    assert plaintext.get("ID") == issued.assertion_id
    assert verify_enveloped(plaintext, [ec_keys.trusted]).element.find(NS.saml("Subject"))[0].text == "alice"
    with pytest.raises(IdPError, match="must be RSA"):
        _aws(provider, encrypt_to=ec_keys.trusted)


def test_user_values_are_escaped_never_markup(provider: IdentityProvider) -> None:
    """J1: a value that looks like markup stays text; the result is schema-valid with one assertion."""
    evil = '</saml:AttributeValue></saml:Attribute><saml:Attribute Name="x"><saml:AttributeValue>&"\''
    issued = provider.issue(
        name_id=evil,
        acs_url="https://sp.example.test/acs",
        audience="https://sp.example.test/",
        attributes={"note": [evil], evil: ["v"]},
        now=NOW,
    )
    root = parse_xml(issued.xml)
    validate_schema(root, "protocol")
    assertion = root.find(NS.saml("Assertion"))
    assert assertion.find(NS.saml("Subject"))[0].text == evil
    statement = assertion.find(NS.saml("AttributeStatement"))
    assert [(a.get("Name"), a[0].text) for a in statement] == [("note", evil), (evil, "v")]
    verify_enveloped(assertion, [provider.signing_key.trusted])


def test_generic_issue_for_any_sp(provider: IdentityProvider) -> None:
    issued = provider.issue(
        name_id="alice@example.test",
        acs_url="https://sp.example.test/acs",
        audience="https://sp.example.test/",
        attributes={"email": ["a@x", "b@x"]},
        name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        now=NOW,
    )
    root = parse_xml(issued.xml)
    assert root.get("Destination") == issued.recipient == "https://sp.example.test/acs"
    assertion = root.find(NS.saml("Assertion"))
    attribute = assertion.find(NS.saml("AttributeStatement"))[0]
    assert (attribute.get("Name"), attribute.get("NameFormat"), [v.text for v in attribute]) == (
        "email",
        "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
        ["a@x", "b@x"],
    )
    assert assertion.find(NS.saml("Subject"))[0].get("Format").endswith("emailAddress")
    assert base64.b64decode(issued.b64) == issued.xml


def test_generic_issue_without_attributes_has_no_statement(provider: IdentityProvider) -> None:
    issued = provider.issue(name_id="a", acs_url="https://sp.example.test/acs", audience="urn:sp", now=NOW)
    assert parse_xml(issued.xml).find(NS.saml("Assertion")).find(NS.saml("AttributeStatement")) is None


def test_fresh_ids_each_time(provider: IdentityProvider) -> None:
    first, second = _aws(provider), _aws(provider)
    assert len({first.response_id, first.assertion_id, second.response_id, second.assertion_id}) == 4
    assert first.response_id.startswith("_") and len(first.response_id) == 41


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sign": "sometimes"}, "sign must be one of both, response, assertion, none, got 'sometimes'"),
        ({"lifetime": 0}, "lifetime must be 1-86400 seconds, got 0"),
        ({"name_id": " "}, "name_id must be a non-empty string"),
        ({"name_id": "a\x00b"}, "name_id contains characters XML cannot carry"),
        ({"faults": ["no-such-fault"]}, "unknown fault 'no-such-fault'; `saml-idp faults` lists them"),
        ({"faults": ["xsw1", "xsw3"]}, "these faults need different signing modes; apply them one at a time"),
        ({"now": NOW.replace(tzinfo=None)}, "now must be a timezone-aware datetime"),
        (
            {"partition": "aws-cn"},
            "the role arn:aws:iam::111111111111:role/ReadOnly is in partition aws, not aws-cn",
        ),
    ],
)
def test_bad_request_raises_idp_error(
    provider: IdentityProvider, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(IdPError) as caught:
        _aws(provider, **overrides)
    assert caught.value.message == message


def test_constructor_checks(rsa_keys: KeyPair) -> None:
    with pytest.raises(IdPError, match="non-empty list of KeyPairs"):
        IdentityProvider(ENTITY_ID, [])
    with pytest.raises(IdPError, match="non-empty URI"):
        IdentityProvider("", rsa_keys)
    assert IdentityProvider(ENTITY_ID, [rsa_keys]).signing_key is rsa_keys
