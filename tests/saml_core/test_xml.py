"""The hardened parser: SECURITY.md R3-R9, R12, R24 and the F family, each as exact bytes.

Every rejection asserts the error CODE and that it is fast (R7: under one second). Each attack has a
positive twin: the nearest legal document, accepted.

CVEs guarded: pysaml2 CVE-2017-1000061 (XXE), FusionAuth CVE-2021-27736, GHES CVE-2025-23369 (entity in ID),
ruby-saml CVE-2025-25291/25292 (parser differentials), lxml CVE-2026-41066, Duo 2018 (comment truncation).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from lxml import etree

from saml_core import XMLLimits
from saml_core import check_tree
from saml_core import check_unique_ids
from saml_core import children
from saml_core import one_child
from saml_core import optional_child
from saml_core import parse_xml
from saml_core import text_of
from saml_core.errors import SAMLError

SAMLP = (
    b'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
)
GOOD = (
    b"<samlp:Response "
    + SAMLP
    + b' ID="_R" Version="2.0"><saml:Issuer>https://idp.example.test/</saml:Issuer>'
    b'<saml:Assertion ID="_A"><saml:Subject><saml:NameID>alice@example.test</saml:NameID></saml:Subject>'
    b"</saml:Assertion></samlp:Response>"
)


@contextmanager
def fast(limit: float = 1.0) -> Iterator[None]:
    start = time.perf_counter()
    yield
    assert time.perf_counter() - start < limit, "a rejection must cost less than one second (R7)"


def rejected(data: bytes, code: str, limits: XMLLimits | None = None) -> SAMLError:
    with fast(), pytest.raises(SAMLError) as info:
        parse_xml(data) if limits is None else parse_xml(data, limits=limits)
    assert info.value.code == code, f"{info.value.code}: {info.value.detail}"
    return info.value


def name_id(root: etree._Element) -> str:
    return root.findtext("{*}Assertion/{*}Subject/{*}NameID") or ""


def test_control_good_document_parses() -> None:
    root = parse_xml(GOOD)
    assert root.get("ID") == "_R"
    assert name_id(root) == "alice@example.test"


# ------------------------------------------------------------------ F1/F2/F3/F6: DTDs and entities (R5, R6)


def test_f1_xxe_external_entity_rejected() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + GOOD.replace(
        b"alice@example.test", b"&x;"
    )
    rejected(data, "dtd_forbidden")


def test_f1_parameter_entity_rejected() -> None:
    data = b'<!DOCTYPE foo [<!ENTITY % xxe SYSTEM "http://oob.invalid/x"> %xxe;]>' + GOOD
    rejected(data, "dtd_forbidden")


def test_f1_external_dtd_rejected() -> None:
    data = b'<!DOCTYPE samlp:Response PUBLIC "-//B/A/EN" "http://oob.invalid/uhoh">' + GOOD
    rejected(data, "dtd_forbidden")


@pytest.mark.parametrize(
    "namespace", ["http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"], ids=["2001", "2003"]
)
@pytest.mark.parametrize("prefixed", [True, False], ids=["prefixed", "default-namespace"])
def test_f1_xinclude_is_refused(namespace: str, prefixed: bool) -> None:
    include = f'<xi:include xmlns:xi="{namespace}" href="/etc/hostname"/>'
    if not prefixed:
        include = f'<include xmlns="{namespace}" href="/etc/hostname"/>'
    data = GOOD.replace(b"alice@example.test", include.encode())
    error = rejected(data, "malformed_xml")
    assert "XInclude is not allowed" in str(error)
    # the slow walk (a document too big for the fast path's bounds) refuses it too
    with pytest.raises(SAMLError, match="XInclude is not allowed"):
        check_tree(etree.fromstring(data), source_size=10**9)  # noqa: S320 - our constant
    # the twin: the same element in another namespace is only an element
    other = GOOD.replace(b"alice@example.test", b'<x:include xmlns:x="urn:x" href="/etc/hostname"/>')
    assert parse_xml(other).find("{*}Assertion/{*}Subject/{*}NameID/{urn:x}include") is not None


def test_f1_schema_hints_are_refused_only_when_asked() -> None:
    xsi = b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    hints = (b'xsi:schemaLocation="urn:x http://oob.test/s.xsd"', b'xsi:noNamespaceSchemaLocation="s.xsd"')
    for hint in hints:
        root = parse_xml(GOOD.replace(b"<samlp:Response ", b"<samlp:Response " + xsi + b" " + hint + b" "))
        check_unique_ids(root)  # metadata may carry them
        with pytest.raises(SAMLError, match="xsi:.*chemaLocation is not allowed") as caught:
            check_unique_ids(root, refuse_schema_hints=True)
        assert caught.value.code == "malformed_xml"
    typed = parse_xml(GOOD.replace(b"<samlp:Response ", b"<samlp:Response " + xsi + b' xsi:type="x" '))
    assert check_unique_ids(typed, refuse_schema_hints=True)  # other xsi attributes are fine


@pytest.mark.parametrize("doctype", [b"<!DOCTYPE Response>", b"<!DOCTYPE Response []>", b"<!DOCTYPE r>\n"])
def test_f2_any_doctype_rejected(doctype: bytes) -> None:
    rejected(doctype + GOOD, "dtd_forbidden")


def test_f2_doctype_after_xml_declaration_rejected() -> None:
    rejected(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r>' + GOOD, "dtd_forbidden")


def test_f2_control_xml_declaration_without_doctype_parses() -> None:
    assert parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n' + GOOD).get("ID") == "_R"


def test_f3_entity_in_id_rejected() -> None:
    """GHES CVE-2025-23369: an ID hidden behind an entity, plus the uniqueness-bypass entity."""
    data = (
        b'<!DOCTYPE response [<!ENTITY idViaEntity "_A"><!ENTITY BypassIDUniqueness "&#x50;">]>'
        + GOOD.replace(b'ID="_R"', b'ID="&idViaEntity;"').replace(b'ID="_A"', b'ID="&BypassIDUniqueness;_A"')
    )
    rejected(data, "dtd_forbidden")


def test_f6_billion_laughs_rejected() -> None:
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"".join([b"&lol%d;" % (i - 1) if i > 1 else b"&lol;"] * 10))
        for i in range(1, 10)
    )
    data = b"<!DOCTYPE lolz [" + entities + b"]>" + GOOD.replace(b"alice@example.test", b"&lol9;")
    rejected(data, "dtd_forbidden")


def test_f6_quadratic_blowup_rejected() -> None:
    data = b'<!DOCTYPE r [<!ENTITY a "' + b"x" * 100_000 + b'">]>' + GOOD.replace(b"alice", b"&a;" * 10_000)
    rejected(data, "dtd_forbidden", limits=XMLLimits(max_bytes=10_000_000))


def test_b4_undeclared_entity_reference_rejected() -> None:
    rejected(GOOD.replace(b"alice@example.test", b"admin@&victim;.example"), "malformed_xml")


def test_b4_control_predefined_and_character_references_parse() -> None:
    root = parse_xml(GOOD.replace(b"alice@example.test", b"a&amp;b&#64;&#x41;"))
    assert name_id(root) == "a&b@A"


# ---------------------------------------------------------------- F6/F12: size and structure (R1, R7)


def test_f6_huge_input_rejected_before_parsing() -> None:
    rejected(GOOD + b" " * (256 * 1024), "too_large")


def test_f6_twenty_megabytes_rejected_fast() -> None:
    rejected(b"<a>" + b"x" * 20_000_000 + b"</a>", "too_large")


def test_f6_control_document_at_the_size_limit_parses() -> None:
    padded = GOOD + b" " * (256 * 1024 - len(GOOD))
    assert len(padded) == 256 * 1024
    assert parse_xml(padded).get("ID") == "_R"


def test_f6_depth_100000_rejected() -> None:
    data = b"<a>" * 100_000 + b"</a>" * 100_000
    rejected(data, "too_large")  # by size first
    # and by depth, even with a huge size cap
    rejected(data, "too_large", limits=XMLLimits(max_bytes=10_000_000))


def test_r7_depth_just_over_the_cap_rejected() -> None:
    rejected(b"<a>" * 33 + b"</a>" * 33, "too_large")


def test_r7_control_depth_at_the_cap_parses() -> None:
    assert parse_xml(b"<a>" * 32 + b"</a>" * 32).tag == "a"


def test_f6_100000_namespace_declarations_rejected() -> None:
    decls = b"".join(b' xmlns:p%d="urn:x:%d"' % (i, i) for i in range(100_000))
    data = b"<a" + decls + b"/>"
    rejected(data, "too_large")
    rejected(data, "too_large", limits=XMLLimits(max_bytes=10_000_000))


def test_r7_control_32_namespace_declarations_parse() -> None:
    decls = b"".join(b' xmlns:p%d="urn:x:%d"' % (i, i) for i in range(32))
    assert len(parse_xml(b"<a" + decls + b"/>").nsmap) == 32


def test_r7_control_namespace_declarations_spread_over_elements_parse() -> None:
    # 40 declarations in all, 20 per element: more than one element may carry, so the exact walk decides
    first = b"".join(b' xmlns:a%d="urn:a:%d"' % (i, i) for i in range(20))
    second = b"".join(b' xmlns:b%d="urn:b:%d"' % (i, i) for i in range(20))
    root = parse_xml(b"<r" + first + b"><c" + second + b"/></r>")
    assert len(root[0].nsmap) == 40


def test_r7_33_namespace_declarations_on_one_element_among_many_rejected() -> None:
    decls = b"".join(b' xmlns:p%d="urn:x:%d"' % (i, i) for i in range(33))
    rejected(b'<r xmlns:q="urn:q"><c' + decls + b"/></r>", "too_large")


def test_r7_33_namespace_declarations_rejected() -> None:
    decls = b"".join(b' xmlns:p%d="urn:x:%d"' % (i, i) for i in range(33))
    rejected(b"<a" + decls + b"/>", "too_large")


def test_f6_million_attributes_rejected() -> None:
    attrs = b"".join(b' a%d="1"' % i for i in range(1_000_000))
    rejected(b"<a" + attrs + b"/>", "too_large")
    rejected(b"<a" + b"".join(b' a%d="1"' % i for i in range(33)) + b"/>", "too_large")


def test_r7_control_32_attributes_parse() -> None:
    assert len(parse_xml(b"<a" + b"".join(b' a%d="1"' % i for i in range(32)) + b"/>").attrib) == 32


def test_f12_too_many_elements_rejected() -> None:
    rejected(b"<a>" + b"<b/>" * 10_000 + b"</a>", "too_large")


def test_f12_control_element_count_at_the_cap_parses() -> None:
    assert len(parse_xml(b"<a>" + b"<b/>" * 9_999 + b"</a>")) == 9_999


def test_f6_long_text_node_rejected() -> None:
    rejected(b"<a>" + b"x" * (64 * 1024 + 1) + b"</a>", "too_large")
    rejected(b'<a v="' + b"x" * (64 * 1024 + 1) + b'"/>', "too_large")


def test_r7_control_text_at_the_cap_parses() -> None:
    assert len(text_of(parse_xml(b"<a>" + b"x" * (64 * 1024) + b"</a>"))) == 64 * 1024


# ----------------------------------------------------------------- F11/B1/B2: comments, PIs, CDATA (R8)


@pytest.mark.parametrize(
    "data",
    [
        GOOD.replace(b"alice@example.test", b"admin@victim.example<!---->.attacker.example"),
        GOOD.replace(b"alice@example.test", b"<!--x-->alice@example.test"),
        b"<!-- prolog -->" + GOOD,
        GOOD + b"<!-- epilog -->",
        GOOD.replace(b"<saml:Assertion", b"<!--between--><saml:Assertion"),
    ],
    ids=["b1-inside-nameid", "b1-at-position-0", "prolog", "epilog", "between-elements"],
)
def test_b1_comment_rejected(data: bytes) -> None:
    rejected(data, "unsigned_content")


@pytest.mark.parametrize(
    "data",
    [
        GOOD.replace(b"alice@example.test", b"admin@victim.example<?x y?>.attacker.example"),
        b'<?xml version="1.0"?><?xml-stylesheet href="x"?>' + GOOD,
        GOOD + b"<?x y?>",
    ],
    ids=["b2-inside-nameid", "prolog", "epilog"],
)
def test_b2_processing_instruction_rejected(data: bytes) -> None:
    rejected(data, "unsigned_content")


def test_b2_cdata_rejected() -> None:
    data = GOOD.replace(b"alice@example.test", b"admin@victim.example<![CDATA[.attacker.example]]>")
    rejected(data, "unsigned_content")


def test_b1_control_text_with_markup_characters_escaped_parses() -> None:
    assert name_id(parse_xml(GOOD.replace(b"alice@example.test", b"&lt;!----&gt;"))) == "<!---->"


# ------------------------------------------------------------------------------- F10: encodings (R3)


def test_f10_utf16_le_rejected() -> None:
    rejected(b"\xff\xfe" + GOOD.decode().encode("utf-16-le"), "malformed_xml")


def test_f10_utf16_be_rejected() -> None:
    rejected(b"\xfe\xff" + GOOD.decode().encode("utf-16-be"), "malformed_xml")


def test_f10_utf16_without_bom_rejected() -> None:
    rejected(GOOD.decode().encode("utf-16-le"), "malformed_xml")


@pytest.mark.parametrize("encoding", [b"ISO-8859-1", b"UTF-7", b"UTF-16", b"US-ASCII", b""])
def test_f10_declared_encoding_other_than_utf8_rejected(encoding: bytes) -> None:
    rejected(b'<?xml version="1.0" encoding="' + encoding + b'"?>' + GOOD, "malformed_xml")


def test_f10_utf7_doctype_smuggling_rejected() -> None:
    rejected(b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE r+AD4-' + GOOD, "malformed_xml")


@pytest.mark.parametrize("encoding", [b"UTF-8", b"utf-8", b"Utf8"])
def test_f10_control_utf8_declaration_any_case_parses(encoding: bytes) -> None:
    assert parse_xml(b'<?xml version="1.0" encoding="' + encoding + b'"?>' + GOOD).get("ID") == "_R"


def test_f10_control_utf8_bom_parses() -> None:
    assert parse_xml(b"\xef\xbb\xbf" + GOOD).get("ID") == "_R"


def test_f10_latin1_high_bit_bytes_rejected() -> None:
    rejected(GOOD.replace(b"alice", b"al\xe9ce"), "malformed_xml")


def test_f10_overlong_utf8_rejected() -> None:
    rejected(GOOD.replace(b"alice", b"\xc0\xbcalice"), "malformed_xml")


@pytest.mark.parametrize("char", [b"\x00", b"\x01", b"\x0b", b"\x1f", "\ufffe".encode(), "\uffff".encode()])
def test_f10_forbidden_characters_rejected(char: bytes) -> None:
    error = rejected(GOOD.replace(b"alice", b"al" + char + b"ice"), "malformed_xml")
    # our byte-level check refuses them before libxml2 sees them (libxml2 would refuse them too)
    expected = "only UTF-8" if char == b"\x00" else "characters XML does not allow"
    assert expected in str(error), str(error)


@pytest.mark.parametrize("char", [b"\x01", "\ufffe".encode()])
def test_f10_forbidden_characters_in_an_attribute_rejected(char: bytes) -> None:
    error = rejected(GOOD.replace(b'ID="_A"', b'ID="_A" Extra="x' + char + b'"'), "malformed_xml")
    assert "characters XML does not allow" in str(error), str(error)


def test_f10_control_non_ascii_utf8_parses() -> None:
    root = parse_xml(GOOD.replace(b"alice", "al\u00efce\u200b".encode()))
    assert name_id(root) == "al\u00efce\u200b@example.test"


def test_r3_str_input_rejected() -> None:
    with pytest.raises(SAMLError) as info:
        parse_xml(GOOD.decode())  # type: ignore[arg-type]
    assert info.value.code == "malformed_xml"


def test_r3_malformed_xml_declaration_rejected() -> None:
    rejected(b"<?xml version='1.0' encoding=UTF-8?>" + GOOD, "malformed_xml")


# ------------------------------------------------------------------------- A16: roots and trailing content


def test_a16_two_roots_rejected() -> None:
    rejected(GOOD + GOOD.replace(b"alice", b"admin"), "malformed_xml")


def test_a16_prepended_root_rejected() -> None:
    rejected(b"<samlp:Response " + SAMLP + b' ID="_E"/>' + GOOD, "malformed_xml")


def test_a16_trailing_garbage_rejected() -> None:
    rejected(GOOD + b"garbage", "malformed_xml")


def test_a16_control_trailing_whitespace_parses() -> None:
    assert parse_xml(GOOD + b"\n\r\n\t ").get("ID") == "_R"


def test_f4_doctype_parser_differential_rejected() -> None:
    """ruby-saml CVE-2025-25291: two parsers disagree where the DOCTYPE ends."""
    forged = GOOD.replace(b"alice", b"admin").replace(b"</samlp:Response>", b"")
    original = GOOD.replace(b"</samlp:Response>", b"")
    data = (
        b"<!DOCTYPE response SYSTEM 'x\"><!--'>"
        + forged
        + b"<![CDATA[-->"
        + original
        + b"<!--]]>-->"
        + b"</samlp:Response>"
    )
    rejected(data, "dtd_forbidden")


def test_not_well_formed_rejected() -> None:
    rejected(b"<a><b></a>", "malformed_xml")
    rejected(b"", "malformed_xml")


# ----------------------------------------------------- D11/R24: the void-canonicalisation namespace trigger


@pytest.mark.parametrize("uri", ["http://example.com\u0080", "urn:x y", "urn:\u00e9", "urn:x\t"])
def test_d11_namespace_uri_outside_printable_ascii_rejected(uri: str) -> None:
    data = GOOD.replace(b'ID="_A"', b'ID="_A" xmlns:example="' + uri.encode() + b'"')
    rejected(data, "malformed_xml")


def test_d11_control_printable_ascii_namespace_parses() -> None:
    root = parse_xml(GOOD.replace(b'ID="_A"', b'ID="_A" xmlns:example="http://example.com/~x?a=b"'))
    assert root[1].nsmap["example"] == "http://example.com/~x?a=b"


# ------------------------------------------------------------------------------------ R12: IDs


def ids_error(data: bytes) -> str:
    with pytest.raises(SAMLError) as info:
        check_unique_ids(parse_xml(data))
    return info.value.code


def test_r12_control_unique_ids_are_collected() -> None:
    root = parse_xml(GOOD)
    found = check_unique_ids(root)
    assert set(found) == {"_R", "_A"}
    assert found["_A"] is root[1]


def test_a7_duplicate_id_rejected() -> None:
    data = GOOD.replace(b"<saml:Issuer>", b'<saml:Issuer ID="_A">')
    assert ids_error(data) == "signature_profile_violation"


@pytest.mark.parametrize("attribute", [b'xml:id="_A"', b'Id="_A"', b'id="_A"'])
def test_a15_confusable_id_attribute_duplicate_rejected(attribute: bytes) -> None:
    assert ids_error(GOOD.replace(b"<saml:Issuer>", b"<saml:Issuer " + attribute + b">")) == (
        "signature_profile_violation"
    )


def test_d14_namespaced_id_attribute_rejected() -> None:
    data = GOOD.replace(b'ID="_A"', b'ID="_evil" foo:ID="_A" xmlns:foo="urn:x"')
    assert ids_error(data) == "signature_profile_violation"


def test_d14_xml_capital_id_rejected() -> None:
    assert ids_error(GOOD.replace(b'ID="_A"', b'ID="_A" xml:ID="_B"')) == "signature_profile_violation"


@pytest.mark.parametrize("value", [b" _A", b"_A ", b"1abc", b"a:b", b"", b"_A\xc2\xa0"])
def test_a15_id_that_is_not_an_ncname_rejected(value: bytes) -> None:
    assert ids_error(GOOD.replace(b'ID="_A"', b'ID="' + value + b'"')) == "signature_profile_violation"


def test_a15_control_ids_differing_in_case_are_distinct() -> None:
    found = check_unique_ids(parse_xml(GOOD.replace(b"<saml:Issuer>", b'<saml:Issuer ID="_a">')))
    assert {"_A", "_a", "_R"} == set(found)


def test_r12_control_unrelated_namespaced_attribute_allowed() -> None:
    found = check_unique_ids(parse_xml(GOOD.replace(b'ID="_A"', b'ID="_A" foo:Other="x" xmlns:foo="urn:x"')))
    assert set(found) == {"_R", "_A"}


# ------------------------------------------------------------------ R9/R33: direct-child selection helpers


Selector = Callable[[etree._Element, str], object]


def test_r9_children_are_direct_only() -> None:
    root = parse_xml(GOOD)
    assert children(root, "{urn:oasis:names:tc:SAML:2.0:assertion}NameID") == []
    assert optional_child(root, "{urn:oasis:names:tc:SAML:2.0:assertion}NameID") is None
    with pytest.raises(SAMLError) as info:
        one_child(root, "{urn:oasis:names:tc:SAML:2.0:assertion}NameID")
    assert info.value.code == "malformed_xml"


def test_r9_lookalike_namespace_is_a_different_element() -> None:
    rebind = b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion " ID'
    data = GOOD.replace(b"<saml:Assertion ID", rebind)
    with pytest.raises(SAMLError) as info:
        parse_xml(data)  # a trailing space is not printable-ASCII-only (R24) ...
    assert info.value.code == "malformed_xml"
    rebind = b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:ASSERTION" ID'
    upper = GOOD.replace(b"<saml:Assertion ID", rebind)
    root = parse_xml(upper)  # ... and a case change parses, but is not the SAML Assertion
    assert optional_child(root, "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion") is None


def test_r9_two_matching_children_rejected_by_one_child() -> None:
    root = parse_xml(GOOD.replace(b"</samlp:Response>", b"<saml:Assertion ID='_B'/></samlp:Response>"))
    for select in (one_child, optional_child):
        with pytest.raises(SAMLError) as info:
            select(root, "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
        assert info.value.code == "malformed_xml"


def test_b3_text_of_refuses_child_elements() -> None:
    root = parse_xml(GOOD.replace(b"alice@example.test", b"admin@victim.example<x/>.attacker"))
    nid = root.find("{*}Assertion/{*}Subject/{*}NameID")
    assert nid is not None
    with pytest.raises(SAMLError) as info:
        text_of(nid)
    assert info.value.code == "malformed_xml"


def test_b3_control_text_of_returns_text_verbatim() -> None:
    root = parse_xml(GOOD.replace(b"alice@example.test", " Alice@Example.test\u00a0".encode()))
    nid = root.find("{*}Assertion/{*}Subject/{*}NameID")
    assert nid is not None and text_of(nid) == " Alice@Example.test\u00a0"  # B5: never folded or trimmed


# ---------------------------------------------------------- check_tree on trees built in memory (R6, R8)


@pytest.mark.parametrize(
    ("node", "code"),
    [
        (etree.Comment("x"), "unsigned_content"),
        (etree.ProcessingInstruction("x", "y"), "unsigned_content"),
        (etree.Entity("victim"), "dtd_forbidden"),
    ],
    ids=["comment", "pi", "entity"],
)
def test_r8_check_tree_refuses_nodes_built_in_memory(node: etree._Element, code: str) -> None:
    root = etree.Element("a")
    etree.SubElement(etree.SubElement(root, "b"), "c").append(node)
    with pytest.raises(SAMLError) as info:
        check_tree(root)
    assert info.value.code == code


def test_r8_control_check_tree_accepts_elements_and_text() -> None:
    root = etree.Element("a")
    etree.SubElement(etree.SubElement(root, "b"), "c").text = "<!-- text, not a comment -->"
    check_tree(root)
