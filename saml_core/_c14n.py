"""Canonicalisation in document context, for signing and verifying (XML-C14N 1.0/1.1, exc-c14n).

Invariant this module owns: the bytes returned are what a conformant verifier digests for the node (minus an
enveloped ds:Signature) in its document: every in-scope namespace for inclusive c14n and an exc-c14n
PrefixList, inherited xml:* attributes for inclusive c14n.

How: lxml's c14n of a non-root element goes through a "fake root" document whose namespace bookkeeping
libxml2 misreads (it emits ``xmlns=""`` on descendants whose default namespace is declared above the
subtree, and results on trees assembled in memory depend on process history). So the node is serialised
(lxml writes every in-scope namespace declaration on a serialised subtree, with the original prefixes) and
re-parsed by the hardened parser into a private document of its own, and c14n always runs on a document root.
For a received tree under exc-c14n without a PrefixList, a deep copy (also a root of its own) is enough,
because exclusive c14n emits only the namespaces the subtree itself uses. The input tree is never modified.
"""

from __future__ import annotations

from lxml import etree

from ._xml import Element
from ._xml import reparse_serialised
from .constants import Transform


def canonicalize(node: Element, method: Transform, prefixes: tuple[str, ...] = ()) -> bytes:
    """c14n of ``node`` and its subtree, in its document context (always through a serialised copy)."""
    return _c14n(_standalone(node, method), method, prefixes)


def canonicalize_received(node: Element, method: Transform, prefixes: tuple[str, ...] = ()) -> bytes:
    """``canonicalize`` for a node of a received (parsed) document, e.g. SignedInfo during verification."""
    return _c14n(_private_root(node, method, prefixes), method, prefixes)


def canonicalize_enveloped(
    element: Element, signature: Element, method: Transform, prefixes: tuple[str, ...] = ()
) -> bytes:
    """c14n of ``element`` after the enveloped-signature transform removed ``signature`` (a direct child)."""
    index = element.index(signature)
    apex = _private_root(element, method, prefixes)
    removed = apex[index]
    tail = removed.tail
    if tail:
        previous = removed.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            apex.text = (apex.text or "") + tail
    apex.remove(removed)
    return _c14n(apex, method, prefixes)


def _private_root(node: Element, method: Transform, prefixes: tuple[str, ...]) -> Element:
    """exc-c14n without a PrefixList emits only the namespaces the subtree uses, which a deep copy keeps (and
    the copy is the root of its own document); everything else needs every in-scope declaration."""
    if method is Transform.EXC_C14N and not prefixes:
        copied: Element = node.__copy__()  # type: ignore[attr-defined]  # deep, without copy.deepcopy's dispatch
        return copied
    return _standalone(node, method)


def _standalone(node: Element, method: Transform) -> Element:
    """``node`` as the root of a private document: in-scope namespaces declared, xml:* inherited."""
    apex = reparse_serialised(node)
    if method is not Transform.EXC_C14N:
        for name, value in _inherited_xml_attributes(node, method).items():
            apex.set(name, value)
    return apex


def _c14n(node: Element, method: Transform, prefixes: tuple[str, ...]) -> bytes:
    # c14n 1.1 differs from 1.0 only in xml:* inheritance (handled by _apex_copy) and xml:base fix-up,
    # which is not emulated: such signatures fail closed as a digest mismatch
    return etree.tostring(
        node,
        method="c14n",
        exclusive=method is Transform.EXC_C14N,
        with_comments=False,
        inclusive_ns_prefixes=list(prefixes) or None,
    )


_XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
_NOT_INHERITED_C14N11 = frozenset({_XML_ATTR + "id", _XML_ATTR + "base"})


def _inherited_xml_attributes(node: Element, method: Transform) -> dict[str, str]:
    """C14N 1.0 section 2.4 / 1.1 section 2.4: the nearest ancestor's xml:* values the apex does not carry."""
    found: dict[str, str] = {}
    for ancestor in node.iterancestors():
        for raw_name, raw_value in ancestor.attrib.items():
            name = str(raw_name)
            if not name.startswith(_XML_ATTR) or name in found or name in node.attrib:
                continue
            if method is Transform.C14N11 and name in _NOT_INHERITED_C14N11:
                continue
            found[name] = str(raw_value)
    return found
