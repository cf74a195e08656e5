"""``validate_response``: the gate pipeline of SECURITY.md section 1.0, one named step per gate.

Invariants this module owns:

* Rule 1: the gates run in order and the first failing one decides the code. Nothing that carries
  identity is read before gate 7; the replay cache is written only after every other gate passed.
* Rule 2: ``now`` is resolved once, here, and passed down; nothing below reads the clock.
* Rule 3: every failure leaves as a ``ValidationError``; a ``saml_core`` error keeps its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Protocol

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import ensure_aware
from saml_core import parse_xml
from saml_core import utcnow
from saml_core._time import in_now_range
from saml_core._time import now_range_text

from ._aws_rules import check_aws_attributes
from ._checks_attributes import ATTRIBUTE_STATEMENT
from ._checks_attributes import read_attributes
from ._checks_crypto import Verified
from ._checks_crypto import verify_signatures
from ._checks_protocol import check_authn_statements
from ._checks_protocol import check_conditions
from ._checks_protocol import check_destination
from ._checks_protocol import check_in_response_to
from ._checks_protocol import check_issue_instants
from ._checks_protocol import check_issuers
from ._checks_protocol import check_status
from ._checks_protocol import check_subject
from ._checks_protocol import children_by_tag
from ._checks_shape import check_shape
from ._checks_transport import decode_transport
from ._errors import ConditionUnsupported
from ._errors import MalformedMessage
from ._errors import Replayed
from ._errors import as_validation_error
from ._policy import Policy
from ._result import ValidatedAssertion
from ._trust import Trust


@dataclass(slots=True, kw_only=True)
class _Read:
    """Values read in gate 8, handed to gates 9-10 (private and short-lived, so not frozen: a frozen
    dataclass pays an ``object.__setattr__`` per field on every validation)."""

    issuer: str
    name_id: str
    name_id_format: str | None
    session_index: str | None
    session_not_on_or_after: datetime | None
    not_on_or_after: datetime
    audiences: tuple[str, ...]
    recipient: str
    in_response_to: str | None
    attributes: Mapping[str, tuple[str, ...]]
    assertion_id: str
    response_id: str
    latest_end: datetime


class ReplayCheck(Protocol):
    """What the pipeline needs from a replay cache (see ``sp_adapter.ReplayCache``)."""

    def check_and_set(self, key: str, expires_at: datetime, now: datetime) -> bool: ...


def validate_response(
    data: str | bytes,
    *,
    trust: Trust,
    policy: Policy,
    now: datetime | None = None,
    request_id: str | None = None,
    replay_cache: ReplayCheck | None = None,
    decrypt_keys: Sequence[KeyPair] = (),
) -> ValidatedAssertion:
    """Validate a SAML Response (base64 str/bytes as POSTed, or raw XML bytes); return it or raise.

    Raises ``ValidationError`` (``.code``, ``.aws_error``) at the first gate that fails. A bad argument is a
    programming error instead: ``TypeError`` for the wrong types or a naive ``now``, ``ValueError`` for a
    ``now`` outside 1971..9899 (the range every skew and max_age sum stays inside).
    """
    if not isinstance(trust, Trust) or not isinstance(policy, Policy):
        raise TypeError("validate_response needs a Trust and a Policy")
    try:
        moment = ensure_aware(now) if now is not None else utcnow()
    except ValueError:
        raise TypeError("now must be a timezone-aware datetime") from None
    if not in_now_range(moment):  # every skew and max_age sum then stays inside datetime's range
        raise ValueError(f"now must lie {now_range_text()}")
    try:
        return _run(data, trust, policy, moment, request_id, replay_cache, tuple(decrypt_keys))
    except SAMLError as error:
        raise as_validation_error(error) from None


def _run(
    data: str | bytes,
    trust: Trust,
    policy: Policy,
    now: datetime,
    request_id: str | None,
    replay_cache: ReplayCheck | None,
    decrypt_keys: tuple[KeyPair, ...],
) -> ValidatedAssertion:
    # gate 1: size, then strict base64 (R1-R2)
    transport = decode_transport(data, policy.max_size)
    # gate 2: the hardened parser: UTF-8, no DTD, no entities, no comments/PIs/CDATA, caps (R3-R9)
    root = parse_xml(transport.xml)
    # gate 3: root, IDs, one assertion, signature places, SAML caps, schema, a signature exists (R7, R10-R16)
    shape = check_shape(root, require_signed_assertion=policy.require_signed_assertion)
    # gates 4-6: profile of every signature, then Response crypto, decryption, Assertion crypto, coverage
    verified = verify_signatures(shape, trust, policy, decrypt_keys)
    # gates 7-8: read only the verified trees; protocol rules
    result = _protocol(verified, policy, now, request_id, replay_cache is not None, decrypt_keys)
    # gate 9: AWS attribute rules (R51-R58)
    aws = check_aws_attributes(result.attributes, policy.attribute_rules(verified.entry.allowed_roles))
    # gate 10: replay, atomic check-and-set, only after everything else passed (R49)
    if replay_cache is not None:
        expires_at = _plus(result.latest_end, policy.clock_skew)
        _check_replay(replay_cache, result, expires_at, now)
    return ValidatedAssertion(
        issuer=result.issuer,
        name_id=result.name_id,
        name_id_format=result.name_id_format,
        session_index=result.session_index,
        session_not_on_or_after=result.session_not_on_or_after,
        not_on_or_after=result.not_on_or_after,
        audiences=result.audiences,
        recipient=result.recipient,
        in_response_to=result.in_response_to,
        attributes=result.attributes,
        aws=aws,
        assertion_id=result.assertion_id,
        response_id=result.response_id,
        saml_response_b64=transport.b64,
        replay_checked=replay_cache is not None,
    )


def _protocol(
    verified: Verified,
    policy: Policy,
    now: datetime,
    request_id: str | None,
    has_cache: bool,
    decrypt_keys: tuple[KeyPair, ...],
) -> _Read:
    """Gate 8 in rule order: R42 Status, R43 Issuer, R45 Subject, R44 Destination, R46 Conditions,
    R47 time, R48 InResponseTo, R50 AuthnStatement. Returns what gates 9-10 and the result need."""
    response, assertion, skew = verified.response, verified.assertion, policy.clock_skew
    response_parts, assertion_parts = children_by_tag(response), children_by_tag(assertion)
    check_status(response_parts)
    issuer = check_issuers(response_parts, assertion_parts, verified.entry.issuer)
    subject = check_subject(assertion_parts, policy, now, decrypt_keys)
    check_destination(
        response, policy.allowed_destinations, signed=verified.response_signed, recipient=subject.recipient
    )
    conditions = check_conditions(assertion_parts, policy.audiences, now, skew)
    if conditions.one_time_use and not has_cache:
        raise ConditionUnsupported("OneTimeUse needs a replay cache (--replay-cache)", condition="OneTimeUse")
    check_issue_instants(response, assertion, now, skew, policy.max_age)
    check_in_response_to(
        response,
        subject.in_response_to,
        request_id,
        allow_unsolicited=policy.allow_unsolicited,
        response_signed=verified.response_signed,
    )
    session_index, session_end = check_authn_statements(assertion_parts, now, skew)
    ends = [subject.not_on_or_after]
    if conditions.not_on_or_after is not None:
        ends.append(conditions.not_on_or_after)
    assertion_id, response_id = assertion.get("ID"), response.get("ID")
    if not assertion_id or not response_id:
        raise MalformedMessage("the Response and the Assertion must carry an ID")
    return _Read(
        issuer=issuer,
        name_id=subject.name_id,
        name_id_format=subject.name_id_format,
        session_index=session_index,
        session_not_on_or_after=session_end,
        not_on_or_after=min(ends),
        audiences=conditions.audiences,
        recipient=subject.recipient,
        in_response_to=subject.in_response_to,
        attributes=read_attributes(
            assertion_parts.get(ATTRIBUTE_STATEMENT, ()), unique_names=policy.aws_attributes
        ),
        assertion_id=assertion_id,
        response_id=response_id,
        latest_end=max(ends),
    )


def _plus(moment: datetime, seconds: int) -> datetime:
    """``moment + seconds``, saturating at the largest datetime (a NotOnOrAfter in year 9999)."""
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


def _check_replay(cache: ReplayCheck, read: _Read, expires_at: datetime, now: datetime) -> None:
    """R49: the Assertion ID, then the Response ID, each accepted once per issuer."""
    for kind, value in (("assertion", read.assertion_id), ("response", read.response_id)):
        if not cache.check_and_set(f"{kind}:{read.issuer}#{value}", expires_at, now):
            raise Replayed(f"the {kind} ID {value[:80]!r} was already used", assertion_id=read.assertion_id)
