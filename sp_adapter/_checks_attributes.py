"""Attribute extraction from the verified assertion (SECURITY.md R33, R41, R51).

Every AttributeStatement contributes; Attribute Names are exact and unique across the assertion;
every AttributeValue must be text only (R33: no child elements, so no value can be split or hidden);
EncryptedAttribute is refused as unsupported (R41).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from saml_core import NS
from saml_core._xml import Element

from ._errors import AwsAttributeInvalid
from ._errors import DecryptionError
from ._errors import MalformedMessage

_ATTRIBUTE_STATEMENT = NS.saml("AttributeStatement")
_ATTRIBUTE = NS.saml("Attribute")
_ENCRYPTED_ATTRIBUTE = NS.saml("EncryptedAttribute")
_ATTRIBUTE_VALUE = NS.saml("AttributeValue")


def read_attributes(assertion: Element) -> Mapping[str, tuple[str, ...]]:
    """Name -> values, in document order; duplicate Names are rejected whatever their NameFormat (R51)."""
    attributes: dict[str, tuple[str, ...]] = {}
    for statement in assertion:
        if statement.tag != _ATTRIBUTE_STATEMENT:
            continue
        for attribute in statement:
            if attribute.tag == _ENCRYPTED_ATTRIBUTE:
                raise DecryptionError(detail="EncryptedAttribute is not supported")
            name = attribute.get("Name", "")
            if name in attributes:
                raise AwsAttributeInvalid(
                    f"the attribute {name[:200]!r} appears more than once", attribute=name
                )
            attributes[name] = tuple(_value(node, name) for node in attribute if node.tag == _ATTRIBUTE_VALUE)
    return MappingProxyType(attributes)


def _value(node: Element, name: str) -> str:
    if len(node):
        raise MalformedMessage(
            f"an AttributeValue of {name[:200]!r} contains elements; only text is accepted"
        )
    return node.text or ""
