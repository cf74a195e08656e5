"""The broker's protocol pieces, without IO: the SP-initiated AuthnRequest (HTTP-Redirect) and the choice of
which outstanding request a posted response answers.

Invariants this module owns:

* Rule 1: ``requested_id`` reads the unverified message only to *choose* among the IDs this browser session
  was issued; ``validate_response`` then matches that ID against the signed content (R48). A value outside
  the session's own IDs is refused without further work.
* Rule 2: the AuthnRequest names our ACS URL and the HTTP-POST binding; its ID is ``saml_core.new_id()``.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlencode
from urllib.parse import urlsplit

from lxml import etree

from saml_core import NS
from saml_core import SAMLError
from saml_core import format_instant
from saml_core import optional_child
from saml_core import parse_xml
from saml_core.constants import Binding

from ._checks_transport import decode_transport
from ._errors import InResponseToMismatch


def authn_request_xml(
    *, request_id: str, issuer: str, destination: str, acs_url: str, now: datetime
) -> bytes:
    """A minimal samlp:AuthnRequest asking for an HTTP-POST response at ``acs_url``."""
    root = etree.Element(
        NS.samlp("AuthnRequest"),
        nsmap={
            "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
            "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
        },
    )
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", format_instant(now))
    root.set("Destination", destination)
    root.set("AssertionConsumerServiceURL", acs_url)
    root.set("ProtocolBinding", Binding.HTTP_POST.value)
    etree.SubElement(root, NS.saml("Issuer")).text = issuer
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False))


def redirect_url(sso_url: str, xml: bytes, relay_state: str | None = None) -> str:
    """HTTP-Redirect binding: raw DEFLATE, base64, then the query parameter (saml-bindings 3.4.4.1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml) + compressor.flush()
    params = [("SAMLRequest", base64.b64encode(deflated).decode("ascii"))]
    if relay_state is not None:
        params.append(("RelayState", relay_state))
    separator = "&" if urlsplit(sso_url).query else "?"
    return f"{sso_url}{separator}{urlencode(params)}"


def _peek(data: str, max_size: int) -> str | None:
    """Unverified: Response/@InResponseTo, else the plain Assertion's SubjectConfirmationData's."""
    try:
        root = parse_xml(decode_transport(data, max_size).xml)
    except SAMLError:
        return None  # validate_response reports the precise error
    value = root.get("InResponseTo")
    if value:
        return value
    node = optional_child(root, NS.saml("Assertion")) if root.tag == NS.samlp("Response") else None
    for tag in ("Subject", "SubjectConfirmation", "SubjectConfirmationData"):
        node = optional_child(node, NS.saml(tag)) if node is not None else None
    return node.get("InResponseTo") or None if node is not None else None


def requested_id(data: str, outstanding: Sequence[str], max_size: int) -> str | None:
    """Rule 1: which of ``outstanding`` the response answers, None if it names no request.

    Raises ``InResponseToMismatch`` when it names a request this session did not issue (or already used).
    """
    try:
        named = _peek(data, max_size)
    except SAMLError:
        named = None
    if named is None:
        return None
    if named not in outstanding:
        raise InResponseToMismatch(
            "the response answers a request this broker session did not issue (or already used)",
            actual=named[:200],
        )
    return named
