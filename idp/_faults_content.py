"""Faults in what is said (fixture mode): the response is validly signed, only a semantic check catches it.

Each function is one small transformation of the resolved ``ResponseSpec`` or of the unsigned tree; the
catalogue entry that uses it says what a strict SP must do (SECURITY.md rule in brackets).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta

from lxml import etree

from saml_core import format_instant
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_SESSION_DURATION
from saml_core.constants import AWS_SOURCE_IDENTITY
from saml_core.constants import NS
from saml_core.constants import ConfirmationMethod
from saml_core.constants import StatusCode

from ._build import Attribute
from ._build import ResponseSpec
from ._errors import IdPError
from ._fault import Draft
from ._fault import Fault
from ._fault import child
from ._fault import make_evil
from ._fault import make_roles_evil

WRONG_AUDIENCE = "https://wrong-audience.example.test/"
WRONG_RECIPIENT = "https://wrong-recipient.example.test/saml"
WRONG_DESTINATION = "https://wrong-destination.example.test/saml"
WRONG_ISSUER = "https://wrong-issuer.example.test/"
REPLAY_RESPONSE_ID = "_replayed-response"
REPLAY_ASSERTION_ID = "_replayed-assertion"
OVERSIZE_CHARS = 100_000
_SHIFT = timedelta(hours=1)


def _shift(spec: ResponseSpec, delta: timedelta) -> ResponseSpec:
    return replace(
        spec,
        issue_instant=spec.issue_instant + delta,
        not_before=spec.not_before + delta,
        not_on_or_after=spec.not_on_or_after + delta,
        authn_instant=spec.authn_instant + delta,
    )


def _without(spec: ResponseSpec, name: str, fault: str) -> ResponseSpec:
    kept = tuple(a for a in spec.attributes if a.name != name)
    if len(kept) == len(spec.attributes):
        raise IdPError(f"the {fault} fault applies to AWS responses (there is no {name.rsplit('/', 1)[-1]})")
    return replace(spec, attributes=kept)


def _with_value(spec: ResponseSpec, name: str, value: str) -> ResponseSpec:
    """Replace (or add) a single-valued attribute."""
    kept = tuple(a for a in spec.attributes if a.name != name)
    return replace(spec, attributes=(*kept, Attribute(name, (value,))))


def _bad_role_pair(spec: ResponseSpec) -> ResponseSpec:
    """The Role value carries the role ARN alone: no provider ARN, no comma (R52)."""
    roles = [a for a in spec.attributes if a.name == AWS_ROLE]
    if not roles:
        raise IdPError("the bad-role-pair fault applies to AWS responses (there is no Role)")
    broken = Attribute(AWS_ROLE, tuple(v.split(",", 1)[0] for v in roles[0].values), roles[0].name_format)
    return replace(spec, attributes=tuple(broken if a.name == AWS_ROLE else a for a in spec.attributes))


def _too_many_tags(spec: ResponseSpec) -> ResponseSpec:
    tags = tuple(Attribute(f"{AWS_PRINCIPAL_TAG_PREFIX}Tag{i:02d}", (f"v{i}",)) for i in range(51))
    kept = tuple(a for a in spec.attributes if not a.name.startswith(AWS_PRINCIPAL_TAG_PREFIX))
    return replace(spec, attributes=kept + tags)


def _duplicate_attribute(spec: ResponseSpec) -> ResponseSpec:
    """A second Attribute element with the same Name (RoleSessionName when present) (R51)."""
    names = [a.name for a in spec.attributes]
    if not names:
        raise IdPError("the duplicate-attribute fault needs at least one attribute")
    target = AWS_ROLE_SESSION_NAME if AWS_ROLE_SESSION_NAME in names else names[0]
    first = next(a for a in spec.attributes if a.name == target)
    return replace(
        spec, attributes=(*spec.attributes, Attribute(target, ("second-value",), first.name_format))
    )


def _oversize(spec: ResponseSpec) -> ResponseSpec:
    """Padding values until the base64 form is over STS's 100,000-character limit (R1)."""
    chunk = "x" * 30_000
    padding = Attribute("https://idp.example.test/padding", (chunk, chunk, chunk))
    return replace(spec, attributes=(*spec.attributes, padding))


def _missing_authn_statement(draft: Draft) -> None:
    assertion = draft.plain_assertion("missing-authn-statement")
    assertion.remove(child(assertion, NS.saml("AuthnStatement"), "missing-authn-statement"))


def _not_before_on_confirmation(draft: Draft) -> None:
    assertion = draft.plain_assertion("notbefore-on-confirmation")
    subject = child(assertion, NS.saml("Subject"), "notbefore-on-confirmation")
    confirmation = child(subject, NS.saml("SubjectConfirmation"), "notbefore-on-confirmation")
    data = child(confirmation, NS.saml("SubjectConfirmationData"), "notbefore-on-confirmation")
    data.set("NotBefore", format_instant(draft.spec.not_before))


def _advice_assertion(draft: Draft) -> None:
    """An unsigned EVIL Assertion inside saml:Advice after Conditions; then the outer one is signed (A13)."""
    assertion = draft.plain_assertion("advice-assertion")
    evil = copy.deepcopy(assertion)
    evil.set("ID", assertion.get("ID", "") + "-advice")
    make_evil(evil)
    advice = etree.Element(NS.saml("Advice"))
    advice.append(evil)
    child(assertion, NS.saml("Conditions"), "advice-assertion").addnext(advice)


def _statement_by_xsi_type(draft: Draft) -> None:
    """A copy of the AttributeStatement with the EVIL Role, written as a generic ``saml:Statement`` whose
    xsi:type is AttributeStatementType, after the genuine one; then the Assertion is signed. Schema-valid; a
    reader that unmarshals by xsi:type (OpenSAML) sees two AttributeStatements, one that reads by element
    name sees one (R10)."""
    assertion = draft.plain_assertion("statement-by-xsi-type")
    genuine = child(assertion, NS.saml("AttributeStatement"), "statement-by-xsi-type")
    prefix = next((p for p, uri in genuine.nsmap.items() if uri == NS.SAML and p), None)
    if prefix is None:
        raise IdPError("the statement-by-xsi-type fault needs a prefix bound to the SAML assertion namespace")
    smuggled = copy.deepcopy(genuine)
    smuggled.tag = NS.saml("Statement")
    smuggled.set(f"{{{NS.XSI}}}type", f"{prefix}:AttributeStatementType")
    make_roles_evil(smuggled)
    genuine.addnext(smuggled)


CONTENT_FAULTS: tuple[Fault, ...] = (
    Fault(
        name="expired",
        stage="values",
        edit_spec=lambda s: _shift(s, -_SHIFT),
        description="every instant an hour in the past, so NotOnOrAfter has passed (expired, R46/R47)",
    ),
    Fault(
        name="not-yet-valid",
        stage="values",
        edit_spec=lambda s: _shift(s, _SHIFT),
        description="every instant an hour in the future: IssueInstant and NotBefore not reached (R46/R47)",
    ),
    Fault(
        name="wrong-audience",
        stage="values",
        edit_spec=lambda s: replace(s, audiences=(WRONG_AUDIENCE,)),
        description=f"the Audience is {WRONG_AUDIENCE} (audience_mismatch, R46)",
    ),
    Fault(
        name="no-audience",
        stage="values",
        edit_spec=lambda s: replace(s, audiences=()),
        description="Conditions without any AudienceRestriction (R46)",
    ),
    Fault(
        name="wrong-recipient",
        stage="values",
        edit_spec=lambda s: replace(s, recipient=WRONG_RECIPIENT),
        description="SubjectConfirmationData/@Recipient points elsewhere; Destination is right (R45)",
    ),
    Fault(
        name="wrong-destination",
        stage="values",
        edit_spec=lambda s: replace(s, destination=WRONG_DESTINATION),
        description="Response/@Destination points elsewhere; Recipient is right (R44)",
    ),
    Fault(
        name="missing-destination",
        stage="values",
        edit_spec=lambda s: replace(s, destination=None),
        description="a signed Response without Destination (R44)",
    ),
    Fault(
        name="wrong-issuer",
        stage="values",
        edit_spec=lambda s: replace(s, issuer=WRONG_ISSUER),
        description=f"both Issuers say {WRONG_ISSUER}, still signed with the IdP's key (R43)",
    ),
    Fault(
        name="issuer-mismatch",
        stage="values",
        edit_spec=lambda s: replace(s, response_issuer=WRONG_ISSUER),
        description="the Response Issuer differs from the Assertion Issuer (R43)",
    ),
    Fault(
        name="status-not-success",
        stage="values",
        edit_spec=lambda s: replace(s, status=StatusCode.RESPONDER.value),
        description="StatusCode is Responder, not Success (R42)",
    ),
    Fault(
        name="two-subject-confirmations",
        stage="values",
        edit_spec=lambda s: replace(s, confirmations=2),
        description="two bearer SubjectConfirmation elements; AWS allows exactly one (R45)",
    ),
    Fault(
        name="not-bearer",
        stage="values",
        edit_spec=lambda s: replace(s, confirmation_method=ConfirmationMethod.HOLDER_OF_KEY.value),
        description="the SubjectConfirmation Method is holder-of-key, not bearer (R45)",
    ),
    Fault(
        name="notbefore-on-confirmation",
        stage="tree",
        edit_tree=_not_before_on_confirmation,
        description="SubjectConfirmationData carries NotBefore, which bearer confirmations must not (R45)",
    ),
    Fault(
        name="missing-authn-statement",
        stage="tree",
        edit_tree=_missing_authn_statement,
        description="the Assertion has no AuthnStatement (R50)",
    ),
    Fault(
        name="missing-role",
        stage="values",
        edit_spec=lambda s: _without(s, AWS_ROLE, "missing-role"),
        description="no Role attribute (AWS: 'Your request included an invalid SAML response', R52)",
    ),
    Fault(
        name="missing-role-session-name",
        stage="values",
        edit_spec=lambda s: _without(s, AWS_ROLE_SESSION_NAME, "missing-role-session-name"),
        description="no RoleSessionName attribute ('RoleSessionName is required in AuthnResponse', R53)",
    ),
    Fault(
        name="bad-role-pair",
        stage="values",
        edit_spec=_bad_role_pair,
        description="each Role value is the role ARN alone, without the provider ARN (R52)",
    ),
    Fault(
        name="bad-role-session-name",
        stage="values",
        edit_spec=lambda s: _with_value(s, AWS_ROLE_SESSION_NAME, "alice smith"),
        description="RoleSessionName 'alice smith' has a space: not [a-zA-Z_0-9+=,.@-]{2,64} (R53)",
    ),
    Fault(
        name="bad-session-duration",
        stage="values",
        edit_spec=lambda s: _with_value(s, AWS_SESSION_DURATION, "60"),
        description="SessionDuration 60, below AWS's 900-43200 seconds (R54)",
    ),
    Fault(
        name="bad-source-identity",
        stage="values",
        edit_spec=lambda s: _with_value(s, AWS_SOURCE_IDENTITY, "aws:admin"),
        description="SourceIdentity 'aws:admin' begins with 'aws:' (R55)",
    ),
    Fault(
        name="too-many-tags",
        stage="values",
        edit_spec=_too_many_tags,
        description="51 PrincipalTag attributes; AWS allows at most 50 session tags (R56)",
    ),
    Fault(
        name="duplicate-attribute",
        stage="values",
        edit_spec=_duplicate_attribute,
        description="two Attribute elements with the same Name (RoleSessionName) (R51)",
    ),
    Fault(
        name="advice-assertion",
        stage="tree",
        edit_tree=_advice_assertion,
        description="an unsigned EVIL Assertion inside saml:Advice of the signed one (A13, R13)",
    ),
    Fault(
        name="statement-by-xsi-type",
        stage="tree",
        edit_tree=_statement_by_xsi_type,
        description="a generic saml:Statement, xsi:type AttributeStatementType, with the EVIL Role (R10)",
    ),
    Fault(
        name="oversize",
        stage="values",
        edit_spec=_oversize,
        description=f"padding pushes the base64 over {OVERSIZE_CHARS:,} characters, the STS limit (R1)",
    ),
    Fault(
        name="replay",
        stage="values",
        edit_spec=lambda s: replace(s, response_id=REPLAY_RESPONSE_ID, assertion_id=REPLAY_ASSERTION_ID),
        description="fixed Response and Assertion IDs, so a second issue repeats the first one's (R49)",
    ),
    Fault(
        name="unsigned",
        stage="signing",
        sign="none",
        description="no signature at all (signature_missing, R15)",
    ),
    Fault(
        name="wrong-key",
        stage="signing",
        untrusted_key=True,
        description="signed with a throwaway key (certificate in KeyInfo) the SP does not trust (R25)",
    ),
    Fault(
        name="sha1-signature",
        stage="signing",
        sha1=True,
        description="signed with rsa-sha1 and a sha1 digest (algorithm_forbidden without --allow-sha1, R21)",
    ),
)
