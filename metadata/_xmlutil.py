"""Small lxml helpers for building our own metadata trees (input is only ever parsed by saml_core)."""

from __future__ import annotations

from lxml import etree

from saml_core import NS
from saml_core._xml import check_xml_text

Element = etree._Element
MD_NSMAP = {"md": NS.MD, "ds": NS.DS}


def sub(
    parent: Element,
    tag: str,
    text: str | None = None,
    attrib: dict[str, str] | None = None,
    **attrs: str | None,
) -> Element:
    """A child element with the attributes that are not None, and optional text; a value XML cannot carry
    (a control character...) is ConfigError naming the attribute or element."""
    values = {k: check_xml_text(v, k) for k, v in attrs.items() if v is not None}
    values.update({k: check_xml_text(v, etree.QName(k).localname) for k, v in (attrib or {}).items()})
    node = etree.SubElement(parent, tag, values)
    if text is not None:
        node.text = check_xml_text(text, etree.QName(tag).localname)
    return node
