"""Mutation operators for the property tests: DOM edits on a signed F0 response, then byte edits.

An operation is a plain tuple of ints and strings (so hypothesis can shrink it and a crasher can be stored as
JSON); ``apply`` replays a list of them on the original bytes deterministically.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from hypothesis import strategies as st
from lxml import etree

from saml_core import NS
from tests.sp_adapter import _fixtures as fx

Op = tuple[str, int, int, int, str]

INTERESTING = [
    "",
    " ",
    "_A",
    "_R",
    "#_A",
    "#_R",
    "_evil",
    fx.EVIL_NAME_ID,
    fx.EVIL_ROLE,
    fx.NAME_ID,
    fx.AUDIENCE,
    fx.ACS,
    fx.IDP,
    fx.REQUEST_ID,
    "2026-03-01T12:00:00Z",
    "2026-03-01T11:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-13-45T99:99:99Z",
    "1.1",
    "2.0",
    "urn:oasis:names:tc:SAML:2.0:status:Responder",
    "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    "http://www.w3.org/TR/1999/REC-xslt-19991116",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
    "AAAA",
    "=",
    "a" * 300,
    "\u00e9\u200b\uff20",
]
ATTRIBUTES = [
    "ID",
    "Id",
    "id",
    "{http://www.w3.org/XML/1998/namespace}id",
    "{urn:x}ID",
    "URI",
    "Algorithm",
    "Version",
    "Destination",
    "InResponseTo",
    "Recipient",
    "NotOnOrAfter",
    "NotBefore",
    "IssueInstant",
    "SessionNotOnOrAfter",
    "Format",
    "Method",
    "Name",
    "Value",
    "Type",
    "SPNameQualifier",
]
NEW_TAGS = [
    NS.saml("Assertion"),
    NS.ds("Signature"),
    NS.saml("Advice"),
    NS.samlp("Extensions"),
    "{urn:x}x",
    "x",
]
DOM_KINDS = ["delete", "duplicate", "move", "set_attr", "del_attr", "text", "tail", "insert"]
BYTE_KINDS = ["flip", "drop", "insert_bytes"]

_text = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12))
_index = st.integers(min_value=0, max_value=10**6)

dom_op = st.tuples(st.sampled_from(DOM_KINDS), _index, _index, _index, _text)
byte_op = st.tuples(
    st.sampled_from(BYTE_KINDS),
    _index,
    st.integers(1, 255),
    _index,
    st.sampled_from(["<", ">", "/", '"', "&", "<!---->", "]]>", "\x00", "=", " "]),
)
operations = st.lists(st.one_of(dom_op, byte_op), min_size=1, max_size=3)


def _elements(root: etree._Element) -> list[etree._Element]:
    return [node for node in root.iter() if isinstance(node.tag, str)]


def _apply_dom(root: etree._Element, op: Op) -> None:
    kind, a, b, c, text = op
    nodes = _elements(root)
    target = nodes[a % len(nodes)]
    parent = target.getparent()
    if kind == "delete" and parent is not None:
        parent.remove(target)
    elif kind == "duplicate" and parent is not None:
        target.addnext(copy.deepcopy(target))
    elif kind == "move" and parent is not None:
        destination = nodes[b % len(nodes)]
        if destination is target or target in destination.iterancestors():
            return
        destination.insert(c % (len(destination) + 1), target)
    elif kind == "set_attr":
        names = [*target.attrib.keys(), *ATTRIBUTES]
        target.set(names[b % len(names)], _xml_safe(text))
    elif kind == "del_attr" and target.attrib:
        keys = list(target.attrib.keys())
        del target.attrib[keys[b % len(keys)]]
    elif kind == "text":
        target.text = _xml_safe(text) if len(target) == 0 or b % 2 else (target.text or "") + _xml_safe(text)
    elif kind == "tail" and parent is not None:
        target.tail = _xml_safe(text)
    elif kind == "insert":
        target.insert(c % (len(target) + 1), etree.Element(NEW_TAGS[b % len(NEW_TAGS)]))


def _apply_bytes(data: bytes, op: Op) -> bytes:
    kind, a, b, _, text = op
    if not data:
        return data
    position = a % len(data)
    if kind == "flip":
        return data[:position] + bytes([data[position] ^ b]) + data[position + 1 :]
    if kind == "drop":
        return data[:position] + data[position + 1 :]
    return data[:position] + text.encode("utf-8", "surrogatepass") + data[position:]


def _xml_safe(text: str) -> str:
    """lxml refuses control characters in text/attributes; keep what it can serialise."""
    return "".join(
        ch for ch in text if ch in "\t\n\r" or (0x20 <= ord(ch) < 0xD800) or 0xE000 <= ord(ch) <= 0xFFFD
    )


def apply(original: bytes, ops: Sequence[Op]) -> bytes:
    """DOM operations first (on one parse of ``original``), then byte operations, in list order."""
    dom = [op for op in ops if op[0] in DOM_KINDS]
    data = original
    if dom:
        root = fx.parse(original)
        for op in dom:
            _apply_dom(root, op)
        data = fx.serialize(root)
    for op in ops:
        if op[0] in BYTE_KINDS:
            data = _apply_bytes(data, op)
    return data
