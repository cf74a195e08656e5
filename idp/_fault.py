"""The fault model: a named, documented transformation hooked into exactly one stage of issuance.

Stages, in pipeline order (``idp._issue``):

* ``values``: edits the resolved ``ResponseSpec`` (times, audience, attributes...); the result is signed,
  so only a semantic check can catch it (SECURITY.md 2.0 "fixture mode");
* ``tree``: edits the built XML before signing (also fixture mode);
* ``signing``: changes how it is signed (no signature, an untrusted key, SHA-1);
* ``signed``: edits the signed XML (attacker mode: signature wrapping, tampering, comments);
* ``bytes``: edits the serialised bytes (DOCTYPE, CDATA, trailing content).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Literal

from lxml import etree

from saml_core import KeyPair
from saml_core.constants import AWS_ROLE
from saml_core.constants import NS

from ._build import ResponseSpec
from ._errors import IdPError

Element = etree._Element
Stage = Literal["values", "tree", "signing", "signed", "bytes"]

#: the standard tamper of SECURITY.md 2.0 (EVIL): who an attacker would like to be
EVIL_NAME_ID = "admin@victim.example"
EVIL_ROLE_NAME = "Admin"


@dataclass(slots=True)
class Draft:
    """The response while it is being issued: what ``tree`` and ``signed`` faults edit in place."""

    spec: ResponseSpec
    response: Element
    assertion: Element | None
    """The plaintext Assertion; None once it has been encrypted."""
    signer: KeyPair
    now: datetime

    def plain_assertion(self, fault: str) -> Element:
        """The Assertion element, or a clear error when encryption has hidden it."""
        if self.assertion is None:
            raise IdPError(f"the {fault} fault edits the assertion and cannot be combined with encryption")
        return self.assertion


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One entry of the catalogue: ``saml-idp faults`` prints ``name`` and ``description``."""

    name: str
    description: str
    stage: Stage
    edit_spec: Callable[[ResponseSpec], ResponseSpec] | None = field(default=None, repr=False)
    edit_tree: Callable[[Draft], None] | None = field(default=None, repr=False)
    edit_signed: Callable[[Draft], None] | None = field(default=None, repr=False)
    edit_bytes: Callable[[bytes], bytes] | None = field(default=None, repr=False)
    sign: Literal["both", "response", "assertion", "none"] | None = None
    """A signing mode this fault needs (it overrides the caller's)."""
    untrusted_key: bool = False
    """Sign with a throwaway key nobody trusts instead of the IdP's."""
    sha1: bool = False
    """Sign with rsa-sha1 and a sha1 digest."""


# ---------------------------------------------------------------------------------- tree helpers


def child(parent: Element, tag: str, fault: str) -> Element:
    """The first direct child with this tag (our own tree: the layout is known)."""
    for node in parent:
        if node.tag == tag:
            return node
    raise IdPError(f"the {fault} fault needs a {etree.QName(tag).localname} element here")


def name_id_of(assertion: Element, fault: str) -> Element:
    return child(child(assertion, NS.saml("Subject"), fault), NS.saml("NameID"), fault)


def signature_of(element: Element, fault: str) -> Element:
    return child(element, NS.ds("Signature"), fault)


def make_evil(assertion: Element) -> None:
    """EVIL(x): the NameID becomes the victim's and every Role value names the Admin role."""
    for node in assertion:
        if node.tag == NS.saml("Subject"):
            for name_id in node:
                if name_id.tag == NS.saml("NameID"):
                    name_id.text = EVIL_NAME_ID
        if node.tag == NS.saml("AttributeStatement"):
            make_roles_evil(node)


def make_roles_evil(statement: Element) -> None:
    """Every Role value among ``statement``'s Attribute children names the Admin role instead."""
    for attribute in statement:
        if attribute.get("Name") == AWS_ROLE:
            for value in attribute:
                value.text = _admin_role(value.text or "")


def _admin_role(pair: str) -> str:
    parts = pair.split(",")
    for index, arn in enumerate(parts):
        if ":role/" in arn:
            parts[index] = arn.split(":role/", 1)[0] + ":role/" + EVIL_ROLE_NAME
    return ",".join(parts)


def drop_signature(element: Element) -> Element:
    """Remove the direct ds:Signature child (if any) and return the element."""
    for node in list(element):
        if node.tag == NS.ds("Signature"):
            element.remove(node)
    return element
