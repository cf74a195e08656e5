"""Family B: text-node truncation and content-model tricks (SECURITY.md Part 2, B1-B5).

Guards: the Duo Labs 2018 comment-truncation family: python-saml CVE-2017-11427, ruby-saml CVE-2017-11428,
saml2-js CVE-2017-11429, omniauth-saml CVE-2017-11430, Shibboleth OpenSAML-C CVE-2018-0489, Duo Network
Gateway CVE-2018-7340 (CERT VU#475445); goxmldsig v2 TestC14NAudit_CDATAHandling.
"""

from __future__ import annotations

import pytest
from lxml import etree

from saml_core import NS
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx

#: the registered attacker identity whose signed response is split (B1)
REGISTERED = "admin@victim.example.attacker.example"


def _text_nodes(data: bytes) -> list[bytes]:
    """Every distinct text node of a serialised F0 (NameID, Issuer, Audience, AttributeValues, ...)."""
    tree = fx.parse(data)
    texts = {
        node.text.encode()
        for node in tree.iter()
        if isinstance(node.tag, str)
        and node.text
        and node.text.strip()
        and not node.tag.startswith("{" + NS.DS)
    }
    return sorted(texts)


def _insert_everywhere(data: bytes, text: bytes, insertion: bytes) -> list[bytes]:
    cases = []
    for position in range(len(text) + 1):
        split = text[:position] + insertion + text[position:]
        cases.append(data.replace(b">" + text + b"<", b">" + split + b"<"))
    return cases


def test_b1_comment_in_nameid() -> None:
    data = fx.f0("RA", name_id=REGISTERED)
    k.accept(data, name_id=REGISTERED)  # the positive twin: the unsplit registered name
    case = data.replace(b"admin@victim.example.attacker", b"admin@victim.example<!---->.attacker")
    k.reject(case, k.UNSIGNED)


@pytest.mark.parametrize("variant", ["RA", "A", "R"])
def test_b1_comment_at_every_position_of_every_text_node(variant: str) -> None:
    data = fx.f0(variant)
    texts = _text_nodes(data)
    assert {fx.NAME_ID.encode(), fx.IDP.encode(), fx.AUDIENCE.encode(), fx.ROLE.encode()} <= set(texts)
    tried = 0
    for text in texts:
        cases = [*_insert_everywhere(data, text, b"<!---->"), _insert_everywhere(data, text, b"<!--x-->")[0]]
        for case in cases:
            k.reject(case, k.UNSIGNED)
            tried += 1
    assert tried > 200


def test_b2_processing_instruction_splits_text() -> None:
    case = fx.f0("RA").replace(b">alice@attacker.example<", b">alice@attacker<?x y?>.example<")
    k.reject(case, k.UNSIGNED)


def test_b2_cdata_splits_text() -> None:
    data = fx.f0("RA", name_id=REGISTERED)
    case = data.replace(
        b">admin@victim.example.attacker.example<", b">admin@victim.example<![CDATA[.attacker.example]]><"
    )
    k.reject(case, k.UNSIGNED)


def _child_in_name_id(tree: k.Element) -> None:
    name_id = k.name_id(tree)
    name_id.text = fx.EVIL_NAME_ID
    extra = etree.SubElement(name_id, "x")
    extra.tail = ".attacker.example"


def test_b3_child_element_in_nameid_fixture_mode() -> None:
    # NameID is simple content: the schema (R10) refuses the child even under a valid signature
    k.reject(k.fixture_mode(_child_in_name_id), k.MALFORMED)


def test_b3_child_element_in_nameid_attacker_mode() -> None:
    k.reject(k.attacker_mode(_child_in_name_id), k.MALFORMED)


def _child_in_role_value(tree: k.Element) -> None:
    value = k.child(k.attribute(tree), NS.saml("AttributeValue"))
    value.text = fx.EVIL_ROLE
    etree.SubElement(value, NS.saml("AttributeValue")).tail = "x"


def test_b3_child_element_in_attribute_value_fixture_mode() -> None:
    # AttributeValue is xs:anyType, so the schema allows it; R33 refuses it when the value is read
    k.reject(k.fixture_mode(_child_in_role_value), k.MALFORMED)


def test_b3_child_element_in_attribute_value_attacker_mode() -> None:
    k.reject(k.attacker_mode(_child_in_role_value), k.SIG_INVALID)


def test_b4_entity_reference_in_text() -> None:
    data = fx.f0("RA").replace(b">alice@attacker.example<", b">admin@&e;.example<")
    k.reject(b'<!DOCTYPE r [<!ENTITY e "victim">]>' + data, k.DTD)


def test_b4_undeclared_entity_without_dtd() -> None:
    data = fx.f0("RA").replace(b">alice@attacker.example<", b">admin@&e;.example<")
    k.reject(data, k.MALFORMED)


LOOKALIKE_NAMES = [
    "alice@attacker.example ",
    "alice@attacker.example\u00a0",
    "alice@attacker.example\u200b",
    "alice\uff20attacker.example",
    "Alice@Attacker.Example",
]


@pytest.mark.parametrize("value", LOOKALIKE_NAMES, ids=["space", "nbsp", "zwsp", "fullwidth-at", "case"])
def test_b5_nameid_lookalikes_returned_verbatim(value: str) -> None:
    result = k.accept(fx.f0("RA", name_id=value), name_id=value)
    assert result.name_id.encode() == value.encode()


@pytest.mark.parametrize(
    "audience", ["urn:amazon:webservices/", "URN:amazon:webservices", "urn:amazon:webservices\u200b"]
)
def test_b5_audience_lookalikes_rejected(audience: str) -> None:
    k.reject(fx.f0("RA", audiences=(audience,)), k.AUDIENCE)


def test_b5_audience_surrounding_whitespace_is_collapsed() -> None:
    # xs:anyURI collapses leading/trailing whitespace (R34): the only normalisation allowed
    k.accept(fx.f0("RA", audiences=(" urn:amazon:webservices\n",)))


LOOKALIKE_IDS = ["port", "host-case", "pct2F", "slash", "http"]
RECIPIENT_LOOKALIKES = [
    "https://signin.aws.amazon.com:443/saml",
    "https://SIGNIN.aws.amazon.com/saml",
    "https://signin.aws.amazon.com%2Fsaml",
    "https://signin.aws.amazon.com/saml/",
    "http://signin.aws.amazon.com/saml",
]


@pytest.mark.parametrize("recipient", RECIPIENT_LOOKALIKES, ids=LOOKALIKE_IDS)
def test_b5_recipient_lookalikes_rejected(recipient: str) -> None:
    k.reject(fx.f0("RA", recipient=recipient), k.RECIPIENT)


@pytest.mark.parametrize("destination", RECIPIENT_LOOKALIKES, ids=LOOKALIKE_IDS)
def test_b5_destination_lookalikes_rejected(destination: str) -> None:
    k.reject(fx.f0("RA", destination=destination), k.DESTINATION)
