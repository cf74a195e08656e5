"""The one hardened XML parser, and the structural checks every SAML input passes (SECURITY.md R3-R9, R12).

Invariants this module owns:

* Rule 1: this is the only place in the project that constructs an ``lxml.etree.XMLParser``.
* Rule 2: a tree returned by ``parse_xml`` has no DOCTYPE, no entity reference, no comment, no processing
  instruction and no CDATA, and respects every cap in ``XMLLimits``.
* Rule 3: elements are selected by Clark name on the direct-child axis only (``children``, ``one_child``);
  the only XPath here is the constant depth probe of the caps check, which selects nothing that is read.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from ._ids import is_ncname
from .constants import NS
from .errors import ConfigError
from .errors import DTDForbidden
from .errors import MalformedXML
from .errors import SignatureProfileViolation
from .errors import TooLarge
from .errors import UnsignedContent

Element = etree._Element

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_DECL = re.compile(rb"<\?xml\s[^?>]*\?>")
_DECL_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")
# C0 controls other than TAB/LF/CR (XML 1.0 section 2.2) map to NUL, every other byte to itself
_FORBIDDEN_BYTES = bytes(0 if b < 0x20 and b not in (0x09, 0x0A, 0x0D) else b for b in range(256))
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_XINCLUDE = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
_SCHEMA_HINTS = frozenset(
    {
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation",
        "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation",
    }
)
_ID_NAMES = frozenset({"ID", "Id", "id"})
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]*")
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot carry in text: C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF."""


def check_xml_text(text: str, what: str) -> str:
    """``text`` when XML can carry it; else ConfigError naming ``what`` (a value someone asked us to put in a
    document we build: lxml would refuse it with a bare ValueError)."""
    found = NOT_XML_CHAR.search(text)
    if found is not None:
        raise ConfigError(
            f"{what} {text[:80]!r} contains U+{ord(found.group()):04X}, a character XML cannot carry"
        )
    return text


def xml_safe_text(text: str) -> str:
    """``text`` with every character XML cannot carry replaced by U+FFFD: for echoing untrusted input (an
    error message quoting a bad parameter) into a document we build, which lxml would otherwise refuse."""
    return NOT_XML_CHAR.sub("\ufffd", text)


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


def parse_canonical(data: bytes) -> Element:
    """Re-parse canonical bytes that our own c14n produced from a tree ``parse_xml`` already checked.

    c14n output is UTF-8 without DTD, comments or CDATA, and carries no more elements, depth or attributes
    than its checked source, so only the hardened parser runs again (R31: readers see exactly these bytes).
    """
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXML(f"canonical bytes do not re-parse: {str(exc)[:200]}") from exc


def reparse_serialised(root: Element) -> Element:
    """A private, normalised copy of a tree that is already in memory: serialise it, re-parse it.

    For canonicalisation in document context (``_dsig``): a tree assembled in memory by lxml can carry
    namespace bookkeeping that lxml's subtree c14n reads differently from a parsed one; bytes cannot. The
    tree passed the caps when it was parsed (or we built it), so only the hardened parser runs again.
    """
    try:
        return etree.fromstring(etree.tostring(root, with_tail=False), _parser())
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
    if b"!" in body:  # one fast scan (a rare byte); "<!" starts every DOCTYPE, ENTITY and CDATA
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
    _check_parsed(root, body, limits)
    return root


def _check_encoding(data: bytes) -> bytes:
    """UTF-8 only, BOM allowed, declaration absent or UTF-8; no NUL or XML-forbidden characters (R3)."""
    body = data[3:] if data.startswith(_UTF8_BOM) else data
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body:
        raise MalformedXML("only UTF-8 input is accepted")
    if not body.isascii():
        try:
            body.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise MalformedXML("input is not valid UTF-8") from exc
    # in valid UTF-8, U+FFFE/U+FFFF are exactly these byte sequences and a C0 control is its own byte
    if b"\x00" in body.translate(_FORBIDDEN_BYTES) or (
        not body.isascii() and (b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body)
    ):
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


def _check_parsed(root: Element, body: bytes, limits: XMLLimits) -> None:
    """``check_tree``'s verdict for a tree just parsed from ``body``, cheaper where the bytes bound the caps.

    Every element needs a ``<`` in the bytes, and when the whole document declares no more namespaces
    than one element may, no element declares too many; then the per-element counting is skipped (never a
    check): depth is probed with one constant XPath, attributes are counted per element, and the namespace
    URIs come from iterwalk's ``start-ns`` events alone. Anything the bounds do not settle takes the walk.
    """
    size = len(body)
    if size > limits.max_text or (size > limits.max_elements and body.count(b"<") > limits.max_elements):
        check_tree(root, limits, source_size=size)
        return
    declarations: list[str] = []
    for _, (_, namespace_uri) in etree.iterwalk(root, events=("start-ns",)):
        declarations.append(namespace_uri)
        if len(declarations) > limits.max_namespaces:
            check_tree(root, limits, source_size=size)
            return
    # no "!" byte: no comment, CDATA or DTD (so no entity node); no "?" byte: no PI. Single-byte scans are
    # memchr; a two-byte needle costs ~15x more. Either byte anywhere (a URL query, a declaration) walks.
    if b"!" in body or b"?" in body:
        _refuse_special_nodes(root)
    if _depth_probe(limits.max_depth)(root):
        raise TooLarge(f"element nesting deeper than {limits.max_depth}")
    for node in root.iter(etree.Element):
        if len(node.attrib) > limits.max_attributes:
            raise TooLarge(f"more than {limits.max_attributes} attributes on one element")
    if declarations:
        _check_namespace_uri("".join(declarations))  # one character-class scan over every URI at once
        if not _XINCLUDE.isdisjoint(declarations):
            _refuse_xinclude()


def _depth_probe(max_depth: int) -> etree.XPath:
    """True when some element sits deeper than ``max_depth`` (a constant path; it selects nothing read).

    Compiled once per thread and depth, like the parser: an lxml XPath object serialises its callers."""
    probes: dict[int, etree.XPath] | None = getattr(_local, "depth_probes", None)
    if probes is None:
        probes = _local.depth_probes = {}
    probe = probes.get(max_depth)
    if probe is None:
        probe = probes[max_depth] = etree.XPath("boolean(/*" + "/*" * max_depth + ")")
    return probe


def _refuse_special_nodes(root: Element) -> None:
    for _ in root.iter(etree.Entity):
        raise DTDForbidden("entity references are not allowed")
    for _ in root.iter(etree.Comment, etree.ProcessingInstruction):
        raise UnsignedContent("comments and processing instructions are not allowed")


def _check_namespace_uri(value: str) -> None:
    """R24. libxml2 2.14 (the one the pinned lxml wheel ships) already refuses such a declaration as "not a
    valid URI", and lxml's API will not build one, so no test can reach this line today; it keeps the rule
    if a libxml2 that only warns is ever linked (test_xml.py checks the refusal end to end)."""
    if not _PRINTABLE_ASCII.fullmatch(value):
        # libxml2's "void canonicalisation" trigger (R24, D11): refused at gate 2
        raise MalformedXML("namespace URIs must be printable ASCII")


def _refuse_xinclude() -> None:
    """SECURITY.md F1: XInclude is never processed, and a document that declares it is refused outright
    (every element in that namespace needs the declaration, so the declared URIs settle it)."""
    raise MalformedXML("XInclude is not allowed")


def check_tree(root: Element, limits: XMLLimits = DEFAULT_LIMITS, *, source_size: int | None = None) -> None:
    """Walk the tree once: no comments, PIs or entity nodes (R6, R8); every cap of ``limits`` (R7).

    Namespace declarations come from iterwalk's ``start-ns`` events, which libxml2 reports per element
    before its ``start``. ``source_size``: the byte length the tree was parsed from; when it is no larger
    than ``limits.max_text`` no text node or attribute value can exceed it, and those lengths are skipped.
    """
    _refuse_special_nodes(root)
    check_lengths = source_size is None or source_size > limits.max_text
    depth = count = declared = 0
    for event, node in etree.iterwalk(root, events=("start", "end", "start-ns")):
        if event == "end":
            depth -= 1
        elif event == "start-ns":
            declared += 1
            if declared > limits.max_namespaces:
                raise TooLarge(f"more than {limits.max_namespaces} namespace declarations on one element")
            _check_namespace_uri(node[1])
            if node[1] in _XINCLUDE:
                _refuse_xinclude()
        else:
            declared = 0
            depth += 1
            count += 1
            if depth > limits.max_depth:
                raise TooLarge(f"element nesting deeper than {limits.max_depth}")
            if count > limits.max_elements:
                raise TooLarge(f"more than {limits.max_elements} elements")
            if len(node.attrib) > limits.max_attributes:
                raise TooLarge(f"more than {limits.max_attributes} attributes on one element")
            if check_lengths:
                _check_lengths(node, limits.max_text)


def _check_lengths(node: Element, max_text: int) -> None:
    for value in node.values():
        if len(value) > max_text:
            raise TooLarge(f"an attribute value is longer than {max_text} characters")
    for text in (node.text, node.tail):
        if text is not None and len(text) > max_text:
            raise TooLarge(f"a text node is longer than {max_text} characters")


def check_unique_ids(root: Element, *, refuse_schema_hints: bool = False) -> dict[str, Element]:
    """R12: every ID-like attribute is unique, unprefixed and an NCName. Returns ID -> element.

    ``refuse_schema_hints``: also refuse ``xsi:schemaLocation`` / ``xsi:noNamespaceSchemaLocation``
    (SECURITY.md F1, for SAML messages; published metadata may carry them). Checked in the same walk, on
    namespaced attributes only, so it costs nothing on the rest.
    """
    seen: dict[str, Element] = {}
    for node in root.iter(etree.Element):
        # keys(): one list of names per element, without an attrib proxy (a parsed tree's names are str)
        name: str
        for name in node.keys():  # type: ignore[assignment]
            if name in _ID_NAMES:
                local = name
            elif name[0] != "{":
                continue
            elif name == _XML_ID:
                local = "xml:id"
            elif name[name.index("}") + 1 :] in _ID_NAMES:
                raise SignatureProfileViolation(f"namespaced ID attribute {name!r} is not allowed")
            elif refuse_schema_hints and name in _SCHEMA_HINTS:
                raise MalformedXML(f"{_short(name)} is not allowed (a schema is never fetched)")
            else:
                continue
            value: str = node.get(name)  # type: ignore[assignment]
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
    for prefix, uri in (
        ("saml", NS.SAML),
        ("samlp", NS.SAMLP),
        ("ds", NS.DS),
        ("md", NS.MD),
        ("xsi", NS.XSI),
    ):
        text = text.replace("{" + uri + "}", prefix + ":")
    return text
