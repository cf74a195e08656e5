"""Attribute extraction from the verified assertion (SECURITY.md R33, R41, R51).

Every AttributeStatement contributes. Names are exact. Under ``Policy.aws()`` no two Attributes may share a
Name (R51); under a generic policy only the AWS attribute names must be unique, and other repeated Names
(Keycloak emits one Attribute per value) have their values joined in document order. An AWS AttributeValue
must be text only (R33); any other AttributeValue with element content (eduPersonTargetedID holds a NameID)
is read as its text content, which R8 and the verified tree make complete. EncryptedAttribute is refused as
unsupported (R41).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from types import MappingProxyType

from saml_core import NS
from saml_core._xml import Element
from saml_core.constants import AWS_ATTR_PREFIX

from ._errors import AwsAttributeInvalid
from ._errors import DecryptionError
from ._errors import MalformedMessage

ATTRIBUTE_STATEMENT = NS.saml("AttributeStatement")
_ATTRIBUTE = NS.saml("Attribute")
_ENCRYPTED_ATTRIBUTE = NS.saml("EncryptedAttribute")
_ATTRIBUTE_VALUE = NS.saml("AttributeValue")


def read_attributes(statements: Iterable[Element], *, unique_names: bool) -> Mapping[str, tuple[str, ...]]:
    """Name -> values in document order, from the verified assertion's AttributeStatements.

    ``unique_names``: every Name at most once (R51, AWS policy).
    """
    attributes: dict[str, tuple[str, ...]] = {}
    for statement in statements:
        for attribute in statement:
            if attribute.tag == _ENCRYPTED_ATTRIBUTE:
                raise DecryptionError(detail="EncryptedAttribute is not supported")
            name = attribute.get("Name", "")
            is_aws = name.startswith(AWS_ATTR_PREFIX)
            if name in attributes and (unique_names or is_aws):
                raise AwsAttributeInvalid(
                    f"the attribute {name[:200]!r} appears more than once", attribute=name
                )
            values = tuple(_value(node, name, is_aws) for node in attribute if node.tag == _ATTRIBUTE_VALUE)
            attributes[name] = attributes.get(name, ()) + values
    return MappingProxyType(attributes)


def _value(node: Element, name: str, is_aws: bool) -> str:
    if not len(node):
        return node.text or ""
    if is_aws:
        raise MalformedMessage(
            f"an AttributeValue of {name[:200]!r} contains elements; only text is accepted"
        )
    return "".join(text for text in node.itertext() if isinstance(text, str))
