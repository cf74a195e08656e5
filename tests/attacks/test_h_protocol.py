"""Family H: protocol semantics (SECURITY.md Part 2, H1-H18). Fixture mode: a valid signature with the wrong
meaning, so only the semantic check can catch it; each has an attacker-mode twin (mutated after signing) that
must fail on the signature instead.

Guards: Slack 2017 (assertions for other SPs accepted); samlify audit F-4/F-5; php-saml 0c557b4; crewjam
7b3ba94 (InResponseTo unchecked under AllowIDPInitiated) and 4550258; node-saml c58d868; python3-saml,
ruby-saml and php-saml invalids (empty_destination, invalid_audience, not_after_failed, not_before_failed,
invalid_subjectconfirmation_*, no_subjectconfirmation_*, invalid_issuer_*, status_code_*, empty_nameid,
no_nameid, wrong_spnamequalifier, no_authnstatement, no_id, no_saml2, response_double_status_code).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from lxml import etree

from saml_core import NS
from saml_core import format_instant
from sp_adapter import MemoryReplayCache
from sp_adapter import SqliteReplayCache
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx

Edit = Callable[[etree._Element], object]
SKEW = 180  # INTERFACES.md default
RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def both_modes(edit: Edit, code: str, *, twin: str = k.SIG_INVALID, **overrides: object) -> None:
    """Fixture mode rejects with ``code``; the attacker-mode twin fails on the signature (``twin``)."""
    k.reject(k.fixture_mode(edit), code, **overrides)
    k.reject(k.attacker_mode(edit), twin, **overrides)


def _set(attribute: str, value: str, where: Callable[[etree._Element], etree._Element]) -> Edit:
    return lambda tree: where(tree).set(attribute, value)


def _root(tree: etree._Element) -> etree._Element:
    return tree


# ------------------------------------------------------------------------------------------ H1-H3


@pytest.mark.parametrize(
    "destination",
    [
        "https://other-sp.example/saml",
        "https://signin.aws.amazon.com/other",
        "http://signin.aws.amazon.com/saml",
        "https://signin.aws.amazon.com/saml/",
        "https://signin.aws.amazon.com:8443/saml",
    ],
    ids=["other-sp", "other-path", "http", "trailing-slash", "port"],
)
def test_h1_destination_not_the_acs(destination: str) -> None:
    both_modes(_set("Destination", destination, _root), k.DESTINATION)


def test_h1_empty_destination() -> None:
    both_modes(_set("Destination", "", _root), k.DESTINATION)


def test_h2_destination_absent_on_signed_response() -> None:
    def drop(tree: etree._Element) -> None:
        del tree.attrib["Destination"]

    both_modes(drop, k.DESTINATION)
    k.accept(k.fixture_mode(drop, variant="A"))  # unsigned Response: Destination is optional (R32)


def test_h1_h2_regional_destination_is_a_control() -> None:
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    k.accept(fx.f0("RA", destination=regional, recipient=regional))


def test_h3_recipient_not_the_acs() -> None:
    both_modes(_set("Recipient", "https://other-sp.example/saml", k.subject_data), k.RECIPIENT)


def test_h3_recipient_absent() -> None:
    def drop(tree: etree._Element) -> None:
        del k.subject_data(tree).attrib["Recipient"]

    both_modes(drop, k.SUBJECT)


# ------------------------------------------------------------------------------------------ H4


def _audience(value: str) -> Edit:
    def edit(tree: etree._Element) -> None:
        k.path(k.conditions(tree), NS.saml("AudienceRestriction"), NS.saml("Audience")).text = value

    return edit


def _no_restriction(tree: etree._Element) -> None:
    k.conditions(tree).remove(k.child(k.conditions(tree), NS.saml("AudienceRestriction")))


def _second_restriction(value: str) -> Edit:
    def edit(tree: etree._Element) -> None:
        restriction = etree.SubElement(k.conditions(tree), NS.saml("AudienceRestriction"))
        etree.SubElement(restriction, NS.saml("Audience")).text = value

    return edit


def test_h4_audience_not_ours() -> None:
    both_modes(_audience("https://other-sp.example/"), k.AUDIENCE)


def test_h4_no_audience_restriction() -> None:
    both_modes(_no_restriction, k.AUDIENCE)


def test_h4_two_restrictions_one_not_matching() -> None:
    both_modes(_second_restriction("https://other-sp.example/"), k.AUDIENCE)


def test_h4_controls_and_across_or_within() -> None:
    k.accept(k.fixture_mode(_second_restriction("https://signin.aws.amazon.com/saml")))
    k.accept(fx.f0("RA", audiences=("https://other-sp.example/", fx.AUDIENCE)))


# ------------------------------------------------------------------------------------------ H5-H8


def _instant(seconds: int) -> str:
    return format_instant(fx.NOW + timedelta(seconds=seconds))


def test_h5_conditions_expired_beyond_skew() -> None:
    both_modes(_set("NotOnOrAfter", _instant(-SKEW), k.conditions), k.EXPIRED)


def test_h5_conditions_expired_within_skew_is_a_control() -> None:
    k.accept(k.fixture_mode(_set("NotOnOrAfter", _instant(-SKEW + 1), k.conditions)))


def test_h6_not_before_beyond_skew() -> None:
    both_modes(_set("NotBefore", _instant(SKEW + 1), k.conditions), k.NOT_YET)


def test_h6_not_before_within_skew_is_a_control() -> None:
    k.accept(k.fixture_mode(_set("NotBefore", _instant(SKEW - 1), k.conditions)))


def test_h7_subject_confirmation_expired() -> None:
    both_modes(_set("NotOnOrAfter", _instant(-SKEW), k.subject_data), k.EXPIRED)


def test_h7_subject_confirmation_expired_within_skew_is_a_control() -> None:
    k.accept(k.fixture_mode(_set("NotOnOrAfter", _instant(-SKEW + 1), k.subject_data)))


def test_h7_subject_confirmation_not_before_present() -> None:
    both_modes(_set("NotBefore", _instant(-60), k.subject_data), k.SUBJECT)


def test_h8_issue_instant_in_the_future() -> None:
    both_modes(_set("IssueInstant", _instant(SKEW + 1), k.assertion), k.NOT_YET)
    both_modes(_set("IssueInstant", _instant(SKEW + 1), _root), k.NOT_YET)


def test_h8_issue_instant_within_skew_is_a_control() -> None:
    k.accept(k.fixture_mode(_set("IssueInstant", _instant(SKEW - 1), k.assertion)))


def test_h8_older_than_max_age() -> None:
    data = fx.f0("RA")
    later = fx.NOW + timedelta(seconds=200)
    k.accept(data, now=later)  # no max_age by default: an assertion is reusable until NotOnOrAfter
    k.reject(data, k.EXPIRED, now=later, policy=fx.aws_policy(max_age=10))
    k.accept(data, now=fx.NOW + timedelta(seconds=100), policy=fx.aws_policy(max_age=10))


@pytest.mark.parametrize("offset", [-(SKEW - 1), SKEW - 1], ids=["minus", "plus"])
def test_h5_h8_timestamps_at_skew_minus_one_are_controls(offset: int) -> None:
    # SECURITY.md 3.1: F0 with timestamps at +/-(skew - 1 s)
    def shift(tree: etree._Element) -> None:
        if offset > 0:
            tree.set("IssueInstant", _instant(offset))
            k.assertion(tree).set("IssueInstant", _instant(offset))
            k.conditions(tree).set("NotBefore", _instant(offset))
        else:
            k.conditions(tree).set("NotOnOrAfter", _instant(offset))
            k.subject_data(tree).set("NotOnOrAfter", _instant(offset))

    k.accept(k.fixture_mode(shift))


# ------------------------------------------------------------------------------------------ H9


def _confirmation(tree: etree._Element) -> etree._Element:
    return k.path(k.assertion(tree), NS.saml("Subject"), NS.saml("SubjectConfirmation"))


def _no_confirmation(tree: etree._Element) -> None:
    confirmation = _confirmation(tree)
    confirmation.getparent().remove(confirmation)


def _second_confirmation(method: str) -> Edit:
    def edit(tree: etree._Element) -> None:
        extra = k.pristine(_confirmation(tree))
        extra.set("Method", method)
        _confirmation(tree).addnext(extra)

    return edit


def _empty_second_confirmation(tree: etree._Element) -> None:
    _confirmation(tree).addnext(
        etree.Element(NS.saml("SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    )


def _no_data(tree: etree._Element) -> None:
    data = k.subject_data(tree)
    data.getparent().remove(data)


@pytest.mark.parametrize(
    "edit",
    [
        _no_confirmation,
        _set("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", _confirmation),
        _set("Method", "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches", _confirmation),
        _second_confirmation("urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"),
        _second_confirmation("urn:oasis:names:tc:SAML:2.0:cm:bearer"),
        _empty_second_confirmation,
        _no_data,
    ],
    ids=["none", "holder-of-key", "sender-vouches", "two-one-good", "two-bearer", "empty-second", "no-data"],
)
def test_h9_subject_confirmation_shape(edit: Edit) -> None:
    both_modes(edit, k.SUBJECT)


def test_h9_missing_method_is_schema_invalid() -> None:
    def drop(tree: etree._Element) -> None:
        del _confirmation(tree).attrib["Method"]

    both_modes_code = k.MALFORMED  # Method is required by the schema (R10, gate 3)
    k.reject(k.fixture_mode(drop), both_modes_code)
    k.reject(k.attacker_mode(drop), both_modes_code)


# ------------------------------------------------------------------------------------------ H10-H12


def test_h10_in_response_to_not_the_request() -> None:
    k.reject(fx.f0("RA"), k.IN_RESPONSE_TO, request_id="_OTHER")
    k.accept(fx.f0("RA"), request_id=fx.REQUEST_ID)


def test_h10_in_response_to_differs_between_response_and_confirmation() -> None:
    both_modes(_set("InResponseTo", "_OTHER", _root), k.IN_RESPONSE_TO)
    both_modes(_set("InResponseTo", "_OTHER", _root), k.IN_RESPONSE_TO, request_id=None)


def test_h10_in_response_to_missing_from_confirmation_when_requested() -> None:
    def drop(tree: etree._Element) -> None:
        del k.subject_data(tree).attrib["InResponseTo"]

    both_modes(drop, k.IN_RESPONSE_TO)


def test_h11_unsolicited_where_not_allowed() -> None:
    policy = k.generic(allow_unsolicited=False)
    k.reject(fx.f0("RA"), k.IN_RESPONSE_TO, request_id=None, policy=policy)
    k.accept(fx.f0("RA"), request_id=fx.REQUEST_ID, policy=policy)


def test_h11_unsolicited_under_aws_reports_in_response_to() -> None:
    result = k.accept(fx.f0("RA"), request_id=None)
    assert result.in_response_to == fx.REQUEST_ID


def test_h12_same_response_twice() -> None:
    cache = MemoryReplayCache()
    data = fx.f0("RA")
    assert k.accept(data, replay_cache=cache).replay_checked is True
    k.reject(data, k.REPLAYED, replay_cache=cache)
    k.accept(fx.f0("RA", assertion_id="_A2", response_id="_R2"), replay_cache=cache)


def test_h12_same_assertion_in_a_new_response() -> None:
    cache = MemoryReplayCache()
    k.accept(fx.f0("A"), replay_cache=cache)
    tree = k.signed("A")
    tree.set("ID", "_R_new")  # F0-A: the Response is unsigned, so the attacker renames it
    k.reject(k.dump(tree), k.REPLAYED, replay_cache=cache)


def test_h12_same_response_id_with_a_new_assertion() -> None:
    cache = MemoryReplayCache()
    k.accept(fx.f0("RA"), replay_cache=cache)
    k.reject(fx.f0("RA", assertion_id="_A_new"), k.REPLAYED, replay_cache=cache)


def test_h12_forged_message_does_not_burn_the_id(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    cache = SqliteReplayCache(tmp_path / "replay.db")
    forged = k.attacker_mode(k.evil)
    k.reject(forged, k.SIG_INVALID, replay_cache=cache)
    k.accept(fx.f0("RA"), replay_cache=cache)  # the genuine _A is still unused
    k.reject(fx.f0("RA"), k.REPLAYED, replay_cache=cache)
    cache.close()


def test_h12_one_time_use_needs_a_cache() -> None:
    def one_time(tree: etree._Element) -> None:
        etree.SubElement(k.conditions(tree), NS.saml("OneTimeUse"))

    data = k.fixture_mode(one_time)
    k.reject(data, k.CONDITION)
    k.accept(data, replay_cache=MemoryReplayCache())


# ------------------------------------------------------------------------------------------ H13-H15


def _issuer_of(
    where: Callable[[etree._Element], etree._Element],
) -> Callable[[etree._Element], etree._Element]:
    return lambda tree: k.child(where(tree), NS.saml("Issuer"))


def _text(value: str, where: Callable[[etree._Element], etree._Element]) -> Edit:
    def edit(tree: etree._Element) -> None:
        where(tree).text = value

    return edit


# an Issuer nobody trusts selects no keys at all (R43), so the attacker-mode twins stop at the same code


def test_h13_assertion_issuer_not_the_entity() -> None:
    both_modes(_text("https://evil.example/", _issuer_of(k.assertion)), k.ISSUER, twin=k.ISSUER)


def test_h13_response_issuer_not_the_entity() -> None:
    both_modes(_text("https://evil.example/", _issuer_of(_root)), k.ISSUER, twin=k.ISSUER)


def test_h13_issuer_format_not_entity() -> None:
    both_modes(
        _set("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", _issuer_of(k.assertion)),
        k.ISSUER,
    )


def test_h13_issuer_with_trailing_slash_difference() -> None:
    both_modes(_text("https://idp.example.test", _issuer_of(k.assertion)), k.ISSUER, twin=k.ISSUER)


def test_h13_response_issuer_absent_is_a_control() -> None:
    k.accept(fx.f0("RA", response_issuer=False))


def test_h13_other_trusted_idp_signs_for_another_issuer() -> None:
    # two trusted IdPs; the second IdP's key must not vouch for an assertion naming the first
    from sp_adapter import Trust

    trust = Trust(
        [
            *fx.trust().entries.values(),
            *Trust.from_certificates("https://idp2.example/", [fx.idp_keys_2().cert_pem]).entries.values(),
        ]
    )
    data = k.sign(k.unsigned(), "RA", keys=fx.idp_keys_2())  # Issuer says IDP, key is idp2's
    k.reject(data, k.UNTRUSTED, trust=trust)  # idp2's certificate is not pinned for IDP (R25)
    k.accept(
        fx.f0("RA", issuer="https://idp2.example/", keys=fx.idp_keys_2()),
        trust=trust,
        issuer="https://idp2.example/",
    )


def _status(value: str) -> Edit:
    return _set("Value", value, lambda tree: k.path(tree, NS.samlp("Status"), NS.samlp("StatusCode")))


def _nested_status(tree: etree._Element) -> None:
    code = k.path(tree, NS.samlp("Status"), NS.samlp("StatusCode"))
    etree.SubElement(code, NS.samlp("StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed")


def test_h14_status_not_success() -> None:
    both_modes(_status(RESPONDER), k.STATUS)


def test_h14_nested_code_under_success() -> None:
    both_modes(_nested_status, k.STATUS)


def test_h14_two_status_codes_or_no_status() -> None:
    def two(tree: etree._Element) -> None:
        status = k.child(tree, NS.samlp("Status"))
        etree.SubElement(status, NS.samlp("StatusCode"), Value=SUCCESS)

    def none(tree: etree._Element) -> None:
        tree.remove(k.child(tree, NS.samlp("Status")))

    for edit in (two, none):  # both are schema-invalid: R10 in gate 3 decides
        k.reject(k.fixture_mode(edit), k.MALFORMED)
        k.reject(k.attacker_mode(edit), k.MALFORMED)


def test_h15_empty_nameid() -> None:
    both_modes(_text("", k.name_id), k.SUBJECT)
    both_modes(_text("   ", k.name_id), k.SUBJECT)


def test_h15_no_nameid() -> None:
    def drop(tree: etree._Element) -> None:
        name_id = k.name_id(tree)
        name_id.getparent().remove(name_id)

    both_modes(drop, k.SUBJECT)


def test_h15_unexpected_sp_name_qualifier() -> None:
    k.reject(k.fixture_mode(_set("SPNameQualifier", "https://other-sp.example/", k.name_id)), k.SUBJECT)
    k.accept(k.fixture_mode(_set("SPNameQualifier", fx.AUDIENCE, k.name_id)))  # names our audience


def test_h15_encrypted_id_that_will_not_decrypt() -> None:
    def encrypted_id(tree: etree._Element) -> None:
        from saml_core import encrypt_element

        name_id = k.name_id(tree)
        wrapper = etree.Element(NS.saml("EncryptedID"))
        wrapper.append(encrypt_element(name_id, fx.attacker_keys().trusted))
        name_id.getparent().replace(name_id, wrapper)

    k.reject(k.fixture_mode(encrypted_id), k.DECRYPTION)
    k.twin(encrypted_id)


def test_h15_encrypted_id_to_our_key_is_a_control() -> None:
    def encrypted_id(tree: etree._Element) -> None:
        from saml_core import encrypt_element

        name_id = k.name_id(tree)
        wrapper = etree.Element(NS.saml("EncryptedID"))
        wrapper.append(encrypt_element(name_id, fx.sp_keys().trusted))
        name_id.getparent().replace(name_id, wrapper)

    k.accept(k.fixture_mode(encrypted_id))


# ------------------------------------------------------------------------------------------ H16-H18


def test_h16_no_authn_statement() -> None:
    def drop(tree: etree._Element) -> None:
        k.assertion(tree).remove(k.child(k.assertion(tree), NS.saml("AuthnStatement")))

    both_modes(drop, k.MALFORMED)


def test_h16_session_not_on_or_after_passed() -> None:
    edit = _set(
        "SessionNotOnOrAfter",
        _instant(-SKEW),
        lambda tree: k.child(k.assertion(tree), NS.saml("AuthnStatement")),
    )
    both_modes(edit, k.EXPIRED)


def test_h17_version_and_ids() -> None:
    def no_id(tree: etree._Element) -> None:
        del k.assertion(tree).attrib["ID"]

    k.reject(k.fixture_mode(_set("Version", "1.1", _root), variant="A"), k.MALFORMED)
    k.reject(k.fixture_mode(_set("Version", "1.1", k.assertion), variant="R"), k.MALFORMED)
    k.reject(k.fixture_mode(no_id, variant="R"), k.MALFORMED)
    # the twins: Version and a missing ID are refused by gate 3 before any digest, signed or not
    k.twin(_set("Version", "1.1", _root), "A", k.MALFORMED)
    k.twin(_set("Version", "1.1", k.assertion), "R", k.MALFORMED)
    k.twin(no_id, "R", k.MALFORMED)
    k.reject(fx.f0("RA", assertion_id="1-not-an-ncname"), k.PROFILE)  # R12: IDs are NCNames
    tree = k.signed("A")
    tree.set("ID", "has space")  # F0-A: the unsigned Response's ID
    k.reject(k.dump(tree), k.PROFILE)


def _role(value: str) -> Edit:
    def edit(tree: etree._Element) -> None:
        k.child(k.attribute(tree), NS.saml("AttributeValue")).text = value

    return edit


def _aws_attribute(name: str, *values: str) -> Edit:
    def edit(tree: etree._Element) -> None:
        fx.add_attribute(
            k.attribute_statement(tree), "https://aws.amazon.com/SAML/Attributes/" + name, values
        )

    return edit


def _session_name(value: str) -> Edit:
    return _text(
        value, lambda tree: k.child(k.attribute(tree, fx.AWS_ROLE_SESSION_NAME), NS.saml("AttributeValue"))
    )


def _tags(count: int) -> Edit:
    def edit(tree: etree._Element) -> None:
        for i in range(count):
            fx.add_attribute(
                k.attribute_statement(tree),
                f"https://aws.amazon.com/SAML/Attributes/PrincipalTag:T{i}",
                [f"v{i}"],
            )

    return edit


H18_CASES = {
    "other-partition": _role(
        "arn:aws-cn:iam::111111111111:role/ReadOnly,arn:aws-cn:iam::111111111111:saml-provider/IdP"
    ),
    "cross-account": _role(
        "arn:aws:iam::222222222222:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/IdP"
    ),
    "whitespace-in-pair": _role(f"{fx.READONLY}, {fx.PROVIDER}"),
    "one-arn": _role(fx.READONLY),
    "session-name-too-long": _session_name("a" * 65),
    "session-name-too-short": _session_name("a"),
    "session-name-space": _session_name("alice smith"),
    "duration-too-short": _aws_attribute("SessionDuration", "899"),
    "duration-too-long": _aws_attribute("SessionDuration", "43201"),
    "duration-not-a-number": _aws_attribute("SessionDuration", "1h"),
    "two-durations": _aws_attribute("SessionDuration", "900", "1000"),
    "source-identity-aws-prefix": _aws_attribute("SourceIdentity", "aws:alice"),
    "51-tags": _tags(51),
    "transitive-key-without-tag": _aws_attribute("TransitiveTagKeys", "Department"),
    "tag-key-aws-prefix": _aws_attribute("PrincipalTag:aws:x", "v"),
    "tag-keys-collide-by-case": lambda tree: (
        _aws_attribute("PrincipalTag:Dept", "a")(tree),
        _aws_attribute("PrincipalTag:dept", "b")(tree),
    ),
}


@pytest.mark.parametrize("name", sorted(H18_CASES))
def test_h18_aws_attribute_rules(name: str) -> None:
    both_modes(H18_CASES[name], k.AWS_ATTRIBUTE)


def test_h18_aws_attribute_controls() -> None:
    def good(tree: etree._Element) -> None:
        _aws_attribute("SessionDuration", "43200")(tree)
        _aws_attribute("SourceIdentity", "alice")(tree)
        _tags(50)(tree)
        _aws_attribute("TransitiveTagKeys", "T0", "T1")(tree)

    result = k.accept(k.fixture_mode(good))
    assert result.aws is not None
    assert result.aws.session_duration == 43200
    assert len(result.aws.principal_tags) == 50
    reversed_pair = k.accept(k.fixture_mode(_role(f"{fx.PROVIDER},{fx.READONLY}")))
    assert reversed_pair.aws is not None
    assert (reversed_pair.aws.roles[0].role_arn, reversed_pair.aws.roles[0].principal_arn) == (
        fx.READONLY,
        fx.PROVIDER,
    )


def test_h18_missing_role_or_session_name_under_aws() -> None:
    k.reject(fx.f0("RA", roles=()), k.AWS_ATTRIBUTE)
    k.reject(fx.f0("RA", session_name=None), k.AWS_ATTRIBUTE)
    assert k.accept(fx.f0("RA", roles=()), policy=k.generic()).aws is None  # generic: aws is null


def test_h18_provider_other_than_the_configured_one() -> None:
    policy = fx.aws_policy(provider_arns=["arn:aws:iam::111111111111:saml-provider/Other"])
    k.reject(fx.f0("RA"), k.AWS_ROLE, policy=policy)
    k.accept(fx.f0("RA"), policy=fx.aws_policy(provider_arns=[fx.PROVIDER]))
