"""The one hardened XML parser, and the structural checks every SAML input passes (SECURITY.md R3-R9, R12).

Invariants this module owns:

* Rule 1: this is the only place in the project that constructs an ``lxml.etree.XMLParser``.
* Rule 2: a tree returned by ``parse_xml`` has no DOCTYPE, no entity reference, no comment, no processing
  instruction and no CDATA, and respects every cap in ``XMLLimits``.
* Rule 3: elements are selected by Clark name on the direct-child axis only (``children``, ``one_child``);
  nothing here runs XPath over a document.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from ._ids import is_ncname
from .constants import NS
from .errors import DTDForbidden
from .errors import MalformedXML
from .errors import SignatureProfileViolation
from .errors import TooLarge
from .errors import UnsignedContent

Element = etree._Element

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_DECL = re.compile(rb"<\?xml\s[^?>]*\?>")
_DECL_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")
# C0 controls other than TAB/LF/CR, and the non-characters U+FFFE/U+FFFF (XML 1.0 section 2.2)
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_ID_NAMES = frozenset({"ID", "Id", "id"})


@dataclass(frozen=True, slots=True, kw_only=True)
class XMLLimits:
    """Structural caps enforced before any canonicalisation or crypto (R7)."""

    max_bytes: int = 256 * 1024
    """Largest document accepted, in bytes."""
    max_depth: int = 32
    """Deepest element nesting; the deepest legitimate SAML path is 8 levels."""
    max_elements: int = 10_000
    """Total elements in the document."""
    max_attributes: int = 32
    """Attributes on one element."""
    max_namespaces: int = 32
    """Namespace declarations on one element."""
    max_text: int = 64 * 1024
    """Length of one text node or attribute value."""


DEFAULT_LIMITS = XMLLimits()

_local = threading.local()


def _parser() -> etree.XMLParser:
    """The single hardened parser configuration (R4), one instance per thread."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            remove_comments=False,
            remove_pis=False,
            strip_cdata=False,
            collect_ids=False,
            remove_blank_text=False,
        )
        _local.parser = parser
    return parser


def parse_package_file(path: str) -> etree._ElementTree:
    """Our own package data (the vendored XSDs), never input: file-relative imports, no network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.parse(path, parser)  # noqa: S320 - trusted package file


def reparse_serialised(root: Element) -> Element:
    """A private, normalised copy of a tree that is already in memory: serialise it, re-parse it.

    For canonicalisation in document context (``_dsig``): a tree assembled in memory by lxml can carry
    namespace bookkeeping that lxml's subtree c14n reads differently from a parsed one; bytes cannot. The
    tree passed the caps when it was parsed (or we built it), so only the hardened parser runs again.
    """
    try:
        return etree.fromstring(etree.tostring(root), _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXML(f"the tree does not re-parse: {str(exc)[:200]}") from exc


def parse_xml(data: bytes, *, limits: XMLLimits = DEFAULT_LIMITS) -> Element:
    """Parse untrusted bytes into an element tree, or raise a ``SAMLError`` with a precise code.

    Order: size (R1/R7), encoding (R3), byte-level refusals that can only reject (R5, R8), the parse
    itself (R4), then the tree walk (R5, R6, R7, R8).
    """
    if not isinstance(data, bytes):
        raise MalformedXML("XML input must be bytes")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"document is {len(data)} bytes; the limit is {limits.max_bytes}")
    body = _check_encoding(data)
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise DTDForbidden("a DOCTYPE is not allowed")
    if b"<![CDATA[" in body:
        raise UnsignedContent("CDATA sections are not allowed")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "depth" in message.lower() or "huge" in message.lower():
            raise TooLarge(f"document nesting is too deep: {message[:200]}") from exc
        raise MalformedXML(f"not well-formed XML: {message[:200]}") from exc
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise DTDForbidden("a DOCTYPE is not allowed")
    _check_prolog(root)
    check_tree(root, limits)
    return root


def _check_encoding(data: bytes) -> bytes:
    """UTF-8 only, BOM allowed, declaration absent or UTF-8; no NUL or XML-forbidden characters (R3)."""
    body = data[3:] if data.startswith(_UTF8_BOM) else data
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body:
        raise MalformedXML("only UTF-8 input is accepted")
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise MalformedXML("input is not valid UTF-8") from exc
    if _FORBIDDEN_CHARS.search(text):
        raise MalformedXML("input contains characters XML does not allow")
    decl = _XML_DECL.match(body)
    if decl is not None:
        enc = _DECL_ENCODING.search(decl.group(0))
        if enc is not None and enc.group(1).lower() not in (b"utf-8", b"utf8"):
            raise MalformedXML("the XML declaration must name UTF-8")
    elif body.lstrip().startswith(b"<?xml"):
        raise MalformedXML("malformed XML declaration")
    return body


def _check_prolog(root: Element) -> None:
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if isinstance(sibling, etree._Comment | etree._ProcessingInstruction):
            raise UnsignedContent("comments and processing instructions are not allowed")
        raise MalformedXML("unexpected content outside the document element")


def check_tree(root: Element, limits: XMLLimits = DEFAULT_LIMITS) -> None:
    """Walk the tree once: no comments, PIs or entity nodes (R6, R8); every cap of ``limits`` (R7).

    Each element's children are inspected when the element starts (``_check_node``), so every comment, PI
    and entity node below the root is seen there; the prolog and epilog are ``_check_prolog``'s.
    """
    depth = 0
    count = 0
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        count += 1
        if depth > limits.max_depth:
            raise TooLarge(f"element nesting deeper than {limits.max_depth}")
        if count > limits.max_elements:
            raise TooLarge(f"more than {limits.max_elements} elements")
        _check_node(node, limits)


def _check_node(node: Element, limits: XMLLimits) -> None:
    for child in node:
        if isinstance(child, etree._Entity):
            raise DTDForbidden("entity references are not allowed")
        if not isinstance(child.tag, str):
            raise UnsignedContent("comments and processing instructions are not allowed")
    attrib = node.attrib
    if len(attrib) > limits.max_attributes:
        raise TooLarge(f"more than {limits.max_attributes} attributes on one element")
    for value in attrib.values():
        if len(value) > limits.max_text:
            raise TooLarge(f"an attribute value is longer than {limits.max_text} characters")
    text = node.text
    if text is not None and len(text) > limits.max_text:
        raise TooLarge(f"a text node is longer than {limits.max_text} characters")
    tail = node.tail
    if tail is not None and len(tail) > limits.max_text:
        raise TooLarge(f"a text node is longer than {limits.max_text} characters")
    nsmap = node.nsmap
    parent = node.getparent()
    inherited = parent.nsmap if parent is not None else {}
    declared = [uri for prefix, uri in nsmap.items() if inherited.get(prefix) != uri]
    if len(declared) > limits.max_namespaces:
        raise TooLarge(f"more than {limits.max_namespaces} namespace declarations on one element")
    for uri in declared:
        if not all(0x21 <= ord(c) <= 0x7E for c in uri):
            # libxml2's "void canonicalisation" trigger (R24, D11)
            raise MalformedXML("namespace URIs must be printable ASCII")


def check_unique_ids(root: Element) -> dict[str, Element]:
    """R12: every ID-like attribute is unique, unprefixed and an NCName. Returns ID -> element."""
    seen: dict[str, Element] = {}
    for node in root.iter(etree.Element):
        for raw_name, raw_value in node.attrib.items():
            name, value = str(raw_name), str(raw_value)
            if name == _XML_ID:
                local = "xml:id"
            elif name[0] == "{":
                local = name.rsplit("}", 1)[1]
                if local in _ID_NAMES:
                    raise SignatureProfileViolation(f"namespaced ID attribute {name!r} is not allowed")
                continue
            elif name in _ID_NAMES:
                local = name
            else:
                continue
            if not is_ncname(value):
                raise SignatureProfileViolation(f"{local} value {value[:80]!r} is not an NCName")
            if value in seen:
                raise SignatureProfileViolation(f"duplicate ID {value[:80]!r}")
            seen[value] = node
    return seen


def children(parent: Element, tag: str) -> list[Element]:
    """Direct children with this Clark-notation tag (R9)."""
    return [child for child in parent if child.tag == tag]


def one_child(parent: Element, tag: str) -> Element:
    """Exactly one direct child with this tag, else MalformedXML."""
    found = children(parent, tag)
    if len(found) != 1:
        raise MalformedXML(f"expected exactly one {_short(tag)} in {_short(parent.tag)}, found {len(found)}")
    return found[0]


def optional_child(parent: Element, tag: str) -> Element | None:
    """At most one direct child with this tag."""
    found = children(parent, tag)
    if len(found) > 1:
        raise MalformedXML(f"expected at most one {_short(tag)} in {_short(parent.tag)}, found {len(found)}")
    return found[0] if found else None


def text_of(node: Element) -> str:
    """Text of a simple-content element: no child elements allowed (R33). Returned verbatim."""
    if len(node):
        raise MalformedXML(f"{_short(node.tag)} must contain text only")
    return node.text or ""


def iter_elements(root: Element) -> Iterator[Element]:
    return root.iter(etree.Element)


def serialize(node: Element) -> bytes:
    """Serialise our own trees (never a verified tree that goes to STS: R59)."""
    return etree.tostring(node, encoding="UTF-8", xml_declaration=False)


def _short(tag: object) -> str:
    text = str(tag)
    for prefix, uri in (("saml", NS.SAML), ("samlp", NS.SAMLP), ("ds", NS.DS), ("md", NS.MD)):
        text = text.replace("{" + uri + "}", prefix + ":")
    return text
