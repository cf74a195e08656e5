"""Protocol messages the web IdP receives (AuthnRequest, LogoutRequest) and the small ones it answers with.

Invariants this module owns:

* Rule 1: every incoming message goes through ``parse_xml`` (the hardened parser) and the protocol schema,
  names a known SP as its Issuer, and is verified with that SP's metadata keys before anything else is read:
  the query signature (Redirect), else the embedded one (POST). Reading then happens on the verified view.
* Rule 2: a message must be signed when the SP's metadata says ``AuthnRequestsSigned``, and a LogoutRequest
  always (SECURITY.md J4). A signed message must carry a Destination naming our endpoint (saml-bindings
  3.4.5.2, 3.5.5.2).
* Rule 3: outgoing XML is built with lxml element APIs only (J1), never from string templates.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from lxml import etree

from saml_core import KeyPair
from saml_core import children
from saml_core import format_instant
from saml_core import is_ncname
from saml_core import one_child
from saml_core import optional_child
from saml_core import parse_instant
from saml_core import parse_xml
from saml_core import sign_enveloped
from saml_core import text_of
from saml_core import validate_schema
from saml_core import verify_enveloped
from saml_core.constants import NS
from saml_core.constants import Binding
from saml_core.constants import StatusCode
from saml_core.errors import MalformedXML
from saml_core.errors import NotAResponse
from saml_core.errors import SignatureMissing

from ._web_bindings import PostMessage
from ._web_bindings import RedirectMessage
from ._web_bindings import verify_redirect_signature
from ._web_errors import RequestRejected
from ._web_sps import ServiceProvider

Element = etree._Element
IncomingMessage = RedirectMessage | PostMessage

MAX_AGE = timedelta(minutes=10)
"""How old a request's IssueInstant may be."""
CLOCK_SKEW = timedelta(minutes=3)
"""How far in the future a request's IssueInstant may be."""

_AUTHN_REQUEST = NS.samlp("AuthnRequest")
_LOGOUT_REQUEST = NS.samlp("LogoutRequest")
_ISSUER = NS.saml("Issuer")
_DS_SIGNATURE = NS.ds("Signature")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthnRequestInfo:
    """What the IdP acts on from a verified AuthnRequest (saml-core section 3.4.1)."""

    id: str
    issuer: str
    acs_url: str
    """Resolved from the SP's metadata (J2), never copied from the request unchecked."""
    force_authn: bool
    is_passive: bool
    name_id_format: str | None
    signed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutRequestInfo:
    """What the IdP acts on from a verified LogoutRequest (saml-core section 3.7.1)."""

    id: str
    issuer: str
    name_id: str
    session_indexes: tuple[str, ...]
    binding: Binding


SpLookup = Callable[[str], ServiceProvider]


def _open(
    message: IncomingMessage,
    tag: str,
    *,
    lookup: SpLookup,
    endpoints: Collection[str],
    now: datetime,
    must_sign: Callable[[ServiceProvider], bool],
) -> tuple[ServiceProvider, Element, bool]:
    """Parse, find the SP, verify, check Destination and IssueInstant. Returns (sp, verified root, signed)."""
    root = parse_xml(message.xml)
    if root.tag != tag:
        raise NotAResponse(f"expected {etree.QName(tag).localname}, got {etree.QName(root).localname}")
    validate_schema(root, "protocol")
    sp = lookup(text_of(one_child(root, _ISSUER)).strip())
    signed = True
    if isinstance(message, RedirectMessage) and message.signature is not None:
        verify_redirect_signature(message, sp.signing_keys)
    elif children(root, _DS_SIGNATURE):
        root = verify_enveloped(root, sp.signing_keys).element
    elif must_sign(sp):
        raise SignatureMissing(f"{sp.entity_id} must sign this message (its metadata or the profile says so)")
    else:
        signed = False
    _check_version_and_id(root)
    destination = root.get("Destination")
    if destination is not None and destination not in endpoints:
        raise RequestRejected(
            "destination_mismatch", f"Destination {destination[:200]!r} is not this endpoint"
        )
    if signed and destination is None:
        raise RequestRejected("destination_mismatch", "a signed message must carry a Destination")
    _check_instant(root.get("IssueInstant", ""), now)
    return sp, root, signed


def _check_version_and_id(root: Element) -> None:
    if root.get("Version") != "2.0":
        raise MalformedXML("Version must be 2.0")
    if not is_ncname(root.get("ID", "")):
        raise MalformedXML("ID must be an NCName")


def _check_instant(value: str, now: datetime) -> None:
    instant = parse_instant(value)
    if instant > now + CLOCK_SKEW:
        raise RequestRejected("request_expired", "the request's IssueInstant is in the future")
    if instant < now - MAX_AGE:
        raise RequestRejected("request_expired", "the request is too old; start the sign-in again")


def read_authn_request(
    message: IncomingMessage, *, lookup: SpLookup, endpoints: Collection[str], now: datetime
) -> tuple[ServiceProvider, AuthnRequestInfo]:
    """Gatekeeping for SP-initiated SSO: everything is checked before the user is even asked to log in."""
    sp, root, signed = _open(
        message,
        _AUTHN_REQUEST,
        lookup=lookup,
        endpoints=endpoints,
        now=now,
        must_sign=lambda sp: sp.authn_requests_signed,
    )
    index = root.get("AssertionConsumerServiceIndex")
    acs = sp.resolve_acs(
        url=root.get("AssertionConsumerServiceURL"),
        index=int(index) if index is not None else None,
        binding=root.get("ProtocolBinding"),
    )
    policy = optional_child(root, NS.samlp("NameIDPolicy"))
    info = AuthnRequestInfo(
        id=root.get("ID", ""),
        issuer=sp.entity_id,
        acs_url=acs,
        force_authn=_xs_bool(root.get("ForceAuthn")),
        is_passive=_xs_bool(root.get("IsPassive")),
        name_id_format=policy.get("Format") if policy is not None else None,
        signed=signed,
    )
    return sp, info


def read_logout_request(
    message: IncomingMessage, *, lookup: SpLookup, endpoints: Collection[str], now: datetime
) -> tuple[ServiceProvider, LogoutRequestInfo]:
    """J4: a LogoutRequest is always signed; NotOnOrAfter is honoured (saml-core section 3.7.1)."""
    sp, root, _ = _open(
        message, _LOGOUT_REQUEST, lookup=lookup, endpoints=endpoints, now=now, must_sign=lambda _sp: True
    )
    not_after = root.get("NotOnOrAfter")
    if not_after is not None and parse_instant(not_after) <= now - CLOCK_SKEW:
        raise RequestRejected("request_expired", "the LogoutRequest has expired (NotOnOrAfter)")
    name_id = optional_child(root, NS.saml("NameID"))
    if name_id is None:
        raise RequestRejected("request_invalid", "only a plain NameID is supported in a LogoutRequest")
    binding = Binding.HTTP_REDIRECT if isinstance(message, RedirectMessage) else Binding.HTTP_POST
    info = LogoutRequestInfo(
        id=root.get("ID", ""),
        issuer=sp.entity_id,
        name_id=text_of(name_id),
        session_indexes=tuple(text_of(e) for e in children(root, NS.samlp("SessionIndex"))),
        binding=binding,
    )
    return sp, info


def _xs_bool(value: str | None) -> bool:
    return value in ("true", "1")


# ------------------------------------------------------------------------------------- outgoing


def _status_message(
    tag: str,
    *,
    issuer: str,
    destination: str,
    in_response_to: str,
    status: tuple[StatusCode, ...],
    message_id: str,
    now: datetime,
) -> Element:
    root = etree.Element(tag, nsmap={"samlp": NS.SAMLP, "saml": NS.SAML})
    root.set("ID", message_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", format_instant(now))
    root.set("Destination", destination)
    root.set("InResponseTo", in_response_to)
    etree.SubElement(root, _ISSUER).text = issuer
    parent = etree.SubElement(root, NS.samlp("Status"))
    for code in status:
        parent = etree.SubElement(parent, NS.samlp("StatusCode"), Value=code.value)
    return root


def build_status_response(
    *,
    issuer: str,
    destination: str,
    in_response_to: str,
    second_level: StatusCode,
    keys: KeyPair,
    message_id: str,
    now: datetime,
) -> bytes:
    """A signed samlp:Response without an assertion: Responder/NoPassive and friends (saml-core 3.2.2.2)."""
    root = _status_message(
        NS.samlp("Response"),
        issuer=issuer,
        destination=destination,
        in_response_to=in_response_to,
        status=(StatusCode.RESPONDER, second_level),
        message_id=message_id,
        now=now,
    )
    sign_enveloped(root, keys)
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False))


def build_logout_response(
    *,
    issuer: str,
    destination: str,
    in_response_to: str,
    keys: KeyPair | None,
    message_id: str,
    now: datetime,
    status: tuple[StatusCode, ...] = (StatusCode.SUCCESS,),
) -> bytes:
    """A samlp:LogoutResponse, signed in place when ``keys`` is given (HTTP-POST), else in the query."""
    root = _status_message(
        NS.samlp("LogoutResponse"),
        issuer=issuer,
        destination=destination,
        in_response_to=in_response_to,
        status=status,
        message_id=message_id,
        now=now,
    )
    if keys is not None:
        sign_enveloped(root, keys)
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=False))
