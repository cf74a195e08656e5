"""Gate 8: protocol checks, reading only verified trees (SECURITY.md R31-R34, R41-R48, R50).

Every function takes the verified assertion (or response) tree, or its direct children grouped by tag
(``Children``, one pass per element instead of one scan per tag), and an explicit ``now``; it returns the
values it read or raises. Identifiers are compared as exact strings after the xs:anyURI whitespace
collapse (R34); NameID is returned verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from saml_core import NS
from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import decrypt_element
from saml_core import parse_instant
from saml_core import text_of
from saml_core._xml import Element
from saml_core.constants import ConfirmationMethod
from saml_core.constants import NameIDFormat
from saml_core.constants import StatusCode

from ._errors import AudienceMismatch
from ._errors import ConditionUnsupported
from ._errors import DecryptionError
from ._errors import DestinationMismatch
from ._errors import Expired
from ._errors import InResponseToMismatch
from ._errors import IssuerMismatch
from ._errors import MalformedMessage
from ._errors import NotYetValid
from ._errors import RecipientMismatch
from ._errors import StatusNotSuccess
from ._errors import SubjectConfirmationInvalid
from ._errors import mismatch_message
from ._policy import Policy

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_SUCCESS = StatusCode.SUCCESS.value
_ENTITY_FORMAT = NameIDFormat.ENTITY.value
_BEARER = ConfirmationMethod.BEARER.value
_SAML_AUDIENCE = NS.saml("Audience")
_SAML_AUDIENCE_RESTRICTION = NS.saml("AudienceRestriction")
_SAML_AUTHN_STATEMENT = NS.saml("AuthnStatement")
_SAML_CONDITIONS = NS.saml("Conditions")
_SAML_ENCRYPTED_ID = NS.saml("EncryptedID")
_SAML_ISSUER = NS.saml("Issuer")
_SAML_NAME_ID = NS.saml("NameID")
_SAML_ONE_TIME_USE = NS.saml("OneTimeUse")
_SAML_PROXY_RESTRICTION = NS.saml("ProxyRestriction")
_SAML_SUBJECT = NS.saml("Subject")
_SAML_SUBJECT_CONFIRMATION = NS.saml("SubjectConfirmation")
_SAML_SUBJECT_CONFIRMATION_DATA = NS.saml("SubjectConfirmationData")
_SAMLP_STATUS = NS.samlp("Status")
_SAMLP_STATUS_CODE = NS.samlp("StatusCode")


def uri(value: str) -> str:
    """xs:anyURI whitespace collapse: leading and trailing whitespace only (R34)."""
    return value.strip(" \t\r\n")


Children = dict[object, list[Element]]
"""An element's direct children grouped by Clark tag, each group in document order."""


def children_by_tag(parent: Element) -> Children:
    """One pass over ``parent``'s direct children (R9: the direct-child axis only)."""
    groups: Children = {}
    for child in parent:
        group = groups.get(child.tag)
        if group is None:
            groups[child.tag] = [child]
        else:
            group.append(child)
    return groups


def _group(children: Children, tag: str) -> Sequence[Element]:
    return children.get(tag, ())


def _one(children: Children, tag: str) -> Element | None:
    found = children.get(tag, ())
    return found[0] if len(found) == 1 else None


def _instant(node: Element, attribute: str) -> datetime | None:
    value = node.get(attribute)
    return parse_instant(value) if value is not None else None


# ------------------------------------------------------------------------------------------------ R42


def check_status(response: Children) -> None:
    """R42: exactly one Status whose top-level StatusCode is Success, with no nested StatusCode."""
    statuses = _group(response, _SAMLP_STATUS)
    codes = list(statuses[0].iterchildren(_SAMLP_STATUS_CODE)) if len(statuses) == 1 else []
    if len(codes) != 1:
        raise StatusNotSuccess("the response must carry exactly one Status with one StatusCode")
    value = codes[0].get("Value", "")
    if value != _SUCCESS:
        raise StatusNotSuccess(f"the IdP returned status {value[:200]!r}", status=value)
    if len(codes[0]):
        raise StatusNotSuccess("a nested StatusCode under Success is not accepted", status=value)


# ------------------------------------------------------------------------------------------------ R43


def _issuer_value(node: Element, where: str) -> str:
    if node.get("Format") not in (None, _ENTITY_FORMAT):
        raise IssuerMismatch(
            f"the {where} Issuer Format must be the entity format, not {node.get('Format')!r}"
        )
    return uri(text_of(node))


def check_issuers(response: Children, assertion: Children, trusted_issuer: str) -> str:
    """R43, R32: the Assertion Issuer is the entity whose key verified; the Response Issuer, if any, too."""
    issuers = _group(assertion, _SAML_ISSUER)
    if len(issuers) != 1:
        raise IssuerMismatch("the Assertion has no Issuer", expected=(trusted_issuer,))
    issuer = _issuer_value(issuers[0], "Assertion")
    if issuer != trusted_issuer:
        raise IssuerMismatch(
            mismatch_message("Assertion Issuer", issuer, [trusted_issuer]),
            expected=(trusted_issuer,),
            actual=issuer,
        )
    outer = _one(response, _SAML_ISSUER)
    if outer is not None:
        value = _issuer_value(outer, "Response")
        if value != trusted_issuer:
            raise IssuerMismatch(
                mismatch_message("Response Issuer", value, [trusted_issuer]),
                expected=(trusted_issuer,),
                actual=value,
            )
    return issuer


# ------------------------------------------------------------------------------------------------ R44


def check_destination(response: Element, allowed: Sequence[str], *, signed: bool, recipient: str) -> None:
    """R44: a signed Response carries an allowed Destination. R32: unsigned, it is absent or the Recipient."""
    raw = response.get("Destination")
    if raw is None:
        if signed:
            raise DestinationMismatch("a signed Response must carry a Destination", expected=tuple(allowed))
        return
    destination = uri(raw)
    if destination not in allowed:
        raise DestinationMismatch(
            mismatch_message("Destination", destination, allowed),
            expected=tuple(allowed),
            actual=(destination,),
        )
    if not signed and destination != recipient:
        raise DestinationMismatch(
            f"the unsigned Response Destination {destination[:200]!r} differs from the signed Recipient",
            expected=(recipient,),
            actual=(destination,),
        )


# ------------------------------------------------------------------------------------------------ R45


@dataclass(frozen=True, slots=True)
class Subject:
    name_id: str
    name_id_format: str | None
    recipient: str
    in_response_to: str | None
    not_on_or_after: datetime


def check_subject(
    assertion: Children, policy: Policy, now: datetime, decrypt_keys: Sequence[KeyPair]
) -> Subject:
    """R45: one non-empty NameID (or EncryptedID), one bearer SubjectConfirmation with Recipient and
    NotOnOrAfter and no NotBefore."""
    subject = _one(assertion, _SAML_SUBJECT)
    if subject is None:
        raise SubjectConfirmationInvalid("the Assertion must have exactly one Subject")
    recipients, skew = policy.recipients, policy.clock_skew
    parts = children_by_tag(subject)
    name_id = _name_id(parts, decrypt_keys, policy)
    confirmations = _group(parts, _SAML_SUBJECT_CONFIRMATION)
    if len(confirmations) != 1:
        raise SubjectConfirmationInvalid(
            f"exactly one SubjectConfirmation is required, found {len(confirmations)}"
        )
    confirmation = confirmations[0]
    if confirmation.get("Method") != _BEARER:
        raise SubjectConfirmationInvalid(
            f"SubjectConfirmation Method {confirmation.get('Method', '')[:120]!r} is not bearer"
        )
    found = list(confirmation.iterchildren(_SAML_SUBJECT_CONFIRMATION_DATA))
    data = found[0] if len(found) == 1 else None
    if data is None:
        raise SubjectConfirmationInvalid("the bearer SubjectConfirmation has no SubjectConfirmationData")
    if data.get("NotBefore") is not None:
        raise SubjectConfirmationInvalid("a bearer SubjectConfirmationData must not carry NotBefore")
    raw_recipient, not_on_or_after = data.get("Recipient"), _instant(data, "NotOnOrAfter")
    if raw_recipient is None or not_on_or_after is None:
        raise SubjectConfirmationInvalid("SubjectConfirmationData needs both Recipient and NotOnOrAfter")
    recipient = uri(raw_recipient)
    if recipient not in recipients:
        raise RecipientMismatch(
            mismatch_message("Recipient", recipient, recipients),
            expected=tuple(recipients),
            actual=(recipient,),
        )
    if now - timedelta(seconds=skew) >= not_on_or_after:
        raise Expired(
            "SubjectConfirmationData NotOnOrAfter", not_on_or_after=not_on_or_after, now=now, skew=skew
        )
    return Subject(name_id[0], name_id[1], recipient, data.get("InResponseTo"), not_on_or_after)


def _name_id(subject: Children, decrypt_keys: Sequence[KeyPair], policy: Policy) -> tuple[str, str | None]:
    """R45, R41: exactly one NameID, or one EncryptedID that decrypts to exactly one NameID under the policy's
    algorithms (R36, R37); non-empty. H15: an SPNameQualifier, when present, names one of our audiences."""
    audiences = policy.audiences
    plain = _group(subject, _SAML_NAME_ID)
    encrypted = _group(subject, _SAML_ENCRYPTED_ID)
    if len(plain) + len(encrypted) != 1:
        raise SubjectConfirmationInvalid("the Subject must have exactly one NameID")
    node = plain[0] if plain else _decrypt_name_id(encrypted[0], decrypt_keys, policy)
    value = text_of(node)
    if not value.strip():
        raise SubjectConfirmationInvalid("the NameID is empty")
    qualifier = node.get("SPNameQualifier")
    if qualifier is not None and uri(qualifier) not in audiences:
        raise SubjectConfirmationInvalid(mismatch_message("NameID SPNameQualifier", qualifier, audiences))
    return value, node.get("Format")


def _decrypt_name_id(encrypted: Element, keys: Sequence[KeyPair], policy: Policy) -> Element:
    try:
        node = decrypt_element(encrypted, list(keys), policy=policy.decryption_policy())
    except SAMLError as exc:
        raise DecryptionError(detail=f"EncryptedID: {exc.code}: {exc.detail}") from None
    if node.tag != _SAML_NAME_ID or len(node):
        raise DecryptionError(detail="EncryptedID did not decrypt to one NameID")
    return node


# ------------------------------------------------------------------------------------------------ R46


@dataclass(frozen=True, slots=True)
class Conditions:
    audiences: tuple[str, ...]
    not_on_or_after: datetime | None
    one_time_use: bool


_IGNORED_CONDITIONS = frozenset({_SAML_PROXY_RESTRICTION})


def check_conditions(assertion: Children, audiences: Sequence[str], now: datetime, skew: int) -> Conditions:
    """R46: one Conditions; the time window; every AudienceRestriction names an allowed audience; no unknown
    Condition; OneTimeUse is reported (the replay gate honours it)."""
    conditions = _one(assertion, _SAML_CONDITIONS)
    if conditions is None:
        raise AudienceMismatch(
            "the Assertion has no Conditions, so no AudienceRestriction", expected=tuple(audiences)
        )
    _check_window(conditions, now, skew)
    seen: list[str] = []
    restrictions = 0
    one_time_use = False
    for condition in conditions:
        if condition.tag == _SAML_AUDIENCE_RESTRICTION:
            restrictions += 1
            values = [uri(text_of(node)) for node in condition if node.tag == _SAML_AUDIENCE]
            seen.extend(value for value in values if value not in seen)
            if not any(value in audiences for value in values):
                raise AudienceMismatch(
                    mismatch_message("Audience", values[0] if values else "", audiences),
                    expected=tuple(audiences),
                    actual=tuple(values),
                )
        elif condition.tag == _SAML_ONE_TIME_USE:
            one_time_use = True
        elif condition.tag not in _IGNORED_CONDITIONS:
            kind = condition.get(_XSI_TYPE) or str(condition.tag)
            raise ConditionUnsupported(f"the condition {kind[:120]!r} is not supported", condition=kind)
    if restrictions == 0:
        raise AudienceMismatch("the Assertion has no AudienceRestriction", expected=tuple(audiences))
    return Conditions(tuple(seen), _instant(conditions, "NotOnOrAfter"), one_time_use)


def _check_window(conditions: Element, now: datetime, skew: int) -> None:
    margin = timedelta(seconds=skew)
    not_before = _instant(conditions, "NotBefore")
    if not_before is not None and not_before > now + margin:
        raise NotYetValid("Conditions NotBefore", not_before=not_before, now=now, skew=skew)
    not_on_or_after = _instant(conditions, "NotOnOrAfter")
    if not_on_or_after is not None and now - margin >= not_on_or_after:
        raise Expired("Conditions NotOnOrAfter", not_on_or_after=not_on_or_after, now=now, skew=skew)


# ------------------------------------------------------------------------------------------- R47, R50


def check_issue_instants(
    response: Element, assertion: Element, now: datetime, skew: int, max_age: int | None
) -> None:
    """R47: IssueInstant <= now + skew for the Response and the Assertion; older than max_age when set."""
    for node, what in ((response, "Response IssueInstant"), (assertion, "Assertion IssueInstant")):
        instant = _instant(node, "IssueInstant")
        if instant is None:
            raise MalformedMessage(f"{what} is missing")
        if instant > now + timedelta(seconds=skew):
            raise NotYetValid(what, not_before=instant, now=now, skew=skew)
        if max_age is not None:
            limit = instant + timedelta(seconds=max_age)
            if now - timedelta(seconds=skew) >= limit:
                raise Expired(f"{what} + max_age", not_on_or_after=limit, now=now, skew=skew)


def check_authn_statements(
    assertion: Children, now: datetime, skew: int
) -> tuple[str | None, datetime | None]:
    """R50: at least one AuthnStatement; R47: SessionNotOnOrAfter lies in the future.

    Returns the first SessionIndex and the earliest SessionNotOnOrAfter (which caps an AWS session).
    """
    statements = _group(assertion, _SAML_AUTHN_STATEMENT)
    if not statements:
        raise MalformedMessage("the Assertion has no AuthnStatement (web browser SSO profile)")
    earliest: datetime | None = None
    for statement in statements:
        session_end = _instant(statement, "SessionNotOnOrAfter")
        if session_end is None:
            continue
        if now - timedelta(seconds=skew) >= session_end:
            raise Expired(
                "AuthnStatement SessionNotOnOrAfter", not_on_or_after=session_end, now=now, skew=skew
            )
        earliest = session_end if earliest is None else min(earliest, session_end)
    return statements[0].get("SessionIndex"), earliest


# ------------------------------------------------------------------------------------------------ R48


def check_in_response_to(
    response: Element,
    subject_value: str | None,
    request_id: str | None,
    *,
    allow_unsolicited: bool,
    response_signed: bool,
) -> None:
    """R48: with a request ID both values must equal it; without one, unsolicited must be allowed.
    R32: an unsigned Response's InResponseTo is absent or equal to the signed one."""
    outer = response.get("InResponseTo")
    if request_id is not None:
        for value, where in ((subject_value, "SubjectConfirmationData"), (outer, "Response")):
            if (value is not None or where == "SubjectConfirmationData") and value != request_id:
                raise InResponseToMismatch(
                    f"{where} InResponseTo {(value or '')[:120]!r} is not the request ID"
                    f" {request_id[:120]!r}",
                    expected=request_id,
                    actual=value,
                )
        return
    if not allow_unsolicited:
        raise InResponseToMismatch(
            "unsolicited responses are not allowed: pass the request ID", actual=subject_value
        )
    if outer is not None and outer != subject_value and not (response_signed and subject_value is None):
        raise InResponseToMismatch(
            "the Response and SubjectConfirmationData InResponseTo differ",
            expected=subject_value,
            actual=outer,
        )
