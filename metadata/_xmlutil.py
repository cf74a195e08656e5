"""Small lxml helpers for building our own metadata trees (input is only ever parsed by saml_core)."""

from __future__ import annotations

from lxml import etree

from saml_core import NS

Element = etree._Element
MD_NSMAP = {"md": NS.MD, "ds": NS.DS}


def sub(
    parent: Element,
    tag: str,
    text: str | None = None,
    attrib: dict[str, str] | None = None,
    **attrs: str | None,
) -> Element:
    """A child element with the attributes that are not None, and optional text."""
    values = {k: v for k, v in attrs.items() if v is not None}
    values.update(attrib or {})
    node = etree.SubElement(parent, tag, values)
    if text is not None:
        node.text = text
    return node
