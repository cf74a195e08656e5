"""Every fault of the catalogue is rejected by our own validator, with the code its SECURITY.md rule names.

The table below is the oracle: it is written by hand from SECURITY.md (the rule in the fault's description),
not read from the fault. A fault added to the catalogue without a row here fails
``test_every_fault_has_an_expected_code``. Each rejection has a positive twin: the same provider, keys, clock
and options without the fault are accepted (``test_control_without_fault_is_accepted``).
"""

from __future__ import annotations

import pytest

from idp import FAULTS
from idp import IdentityProvider
from saml_core import KeyPair
from tests.idp.conftest import ENTITY_ID
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY

sp_adapter = pytest.importorskip("sp_adapter")
if not hasattr(sp_adapter, "validate_response"):  # pragma: no cover - before the validator lands
    pytest.skip("sp_adapter.validate_response does not exist yet", allow_module_level=True)

from sp_adapter import MemoryReplayCache  # noqa: E402
from sp_adapter import Policy  # noqa: E402
from sp_adapter import Trust  # noqa: E402
from sp_adapter import ValidationError  # noqa: E402
from sp_adapter import validate_response  # noqa: E402

EXPECTED: dict[str, str] = {
    # values and tree (fixture mode: validly signed, caught by a semantic check)
    "expired": "expired",  # R47: NotOnOrAfter passed
    "not-yet-valid": "not_yet_valid",  # R46/R47: NotBefore / IssueInstant ahead
    "wrong-audience": "audience_mismatch",  # R46
    "no-audience": "audience_mismatch",  # R46: at least one AudienceRestriction
    "wrong-recipient": "recipient_mismatch",  # R45
    "wrong-destination": "destination_mismatch",  # R44
    "missing-destination": "destination_mismatch",  # R44: a signed Response carries Destination
    "wrong-issuer": "issuer_mismatch",  # R43
    "issuer-mismatch": "issuer_mismatch",  # R43: Response Issuer = Assertion Issuer
    "status-not-success": "status_not_success",  # R42
    "two-subject-confirmations": "subject_confirmation_invalid",  # R45
    "not-bearer": "subject_confirmation_invalid",  # R45
    "notbefore-on-confirmation": "subject_confirmation_invalid",  # R45
    "missing-authn-statement": "malformed_xml",  # R50
    "missing-role": "aws_attribute_invalid",  # R52
    "missing-role-session-name": "aws_attribute_invalid",  # R53
    "bad-role-pair": "aws_attribute_invalid",  # R52
    "bad-role-session-name": "aws_attribute_invalid",  # R53
    "bad-session-duration": "aws_attribute_invalid",  # R54
    "bad-source-identity": "aws_attribute_invalid",  # R55
    "too-many-tags": "aws_attribute_invalid",  # R56
    "duplicate-attribute": "aws_attribute_invalid",  # R51
    "advice-assertion": "assertion_count",  # R13 (A13)
    "statement-by-xsi-type": "malformed_xml",  # R10: read by xsi:type elsewhere, never by us
    "oversize": "too_large",  # R1
    # signing
    "unsigned": "signature_missing",  # R15
    "wrong-key": "untrusted_key",  # R25
    "sha1-signature": "algorithm_forbidden",  # R21
    # signed (attacker mode) and bytes
    "bad-digest": "signature_invalid",  # R29
    "bad-signature-value": "signature_invalid",  # R29
    "comment-in-nameid": "unsigned_content",  # R8 (B1)
    "cdata-in-nameid": "unsigned_content",  # R8 (B2)
    "empty-reference-uri": "signature_profile_violation",  # R18 (D1)
    "xslt-transform": "signature_profile_violation",  # R19 (D9c)
    "signature-after-subject": "signature_profile_violation",  # R14 (C6)
    "duplicate-assertion": "assertion_count",  # R13 (A12)
    "xsw1": "signature_profile_violation",  # R12: the clone repeats the Assertion ID
    "xsw2": "signature_profile_violation",  # R12
    "xsw3": "assertion_count",  # R13
    "xsw4": "assertion_count",  # R13
    "xsw5": "assertion_count",  # R13
    "xsw6": "assertion_count",  # R13
    "xsw7": "signature_profile_violation",  # R12: same ID twice
    "xsw8": "signature_profile_violation",  # R12: same ID twice
    "doctype-present": "dtd_forbidden",  # R5
    "two-roots": "malformed_xml",  # R4 (A16)
    "replay": "replayed",  # R49: the second use (see test_replay_fault_second_use_is_replayed)
}
ONE_SHOT = sorted(set(EXPECTED) - {"replay"})
KWARGS = {"name_id": "alice@example.test", "roles": [READ_ONLY], "session_name": "alice", "now": NOW}


@pytest.fixture(scope="module")
def idp_and_trust(rsa_keys: KeyPair) -> tuple[IdentityProvider, object]:
    provider = IdentityProvider(ENTITY_ID, rsa_keys)
    return provider, Trust.from_metadata(provider.metadata())


def _validate(data: str, trust: object, **kwargs: object) -> object:
    return validate_response(data, trust=trust, policy=Policy.aws(), now=NOW, **kwargs)


def test_every_fault_has_an_expected_code() -> None:
    assert sorted(FAULTS) == sorted(EXPECTED)
    assert len(FAULTS) >= 20


def test_control_without_fault_is_accepted(idp_and_trust: tuple[IdentityProvider, object]) -> None:
    provider, trust = idp_and_trust
    for sign in ("both", "response", "assertion"):
        assertion = _validate(provider.issue_aws(sign=sign, **KWARGS).b64, trust)
        assert assertion.name_id == "alice@example.test"
        assert assertion.aws.roles[0].role_arn == READ_ONLY.role_arn


@pytest.mark.parametrize("fault", ONE_SHOT)
def test_fault_is_rejected_with_its_code(fault: str, idp_and_trust: tuple[IdentityProvider, object]) -> None:
    provider, trust = idp_and_trust
    issued = provider.issue_aws(faults=[fault], **KWARGS)
    with pytest.raises(ValidationError) as caught:
        _validate(issued.b64, trust)
    assert caught.value.code == EXPECTED[fault], caught.value.detail


def test_replay_fault_second_use_is_replayed(idp_and_trust: tuple[IdentityProvider, object]) -> None:
    provider, trust = idp_and_trust
    cache = MemoryReplayCache()
    first = provider.issue_aws(faults=["replay"], **KWARGS)
    second = provider.issue_aws(faults=["replay"], **KWARGS)
    assert (first.response_id, first.assertion_id) == (second.response_id, second.assertion_id)
    assert _validate(first.b64, trust, replay_cache=cache).replay_checked
    with pytest.raises(ValidationError) as caught:
        _validate(second.b64, trust, replay_cache=cache)
    assert caught.value.code == EXPECTED["replay"]


def test_two_issues_without_replay_fault_accepted(idp_and_trust: tuple[IdentityProvider, object]) -> None:
    provider, trust = idp_and_trust
    cache = MemoryReplayCache()
    for _ in range(2):
        assert _validate(provider.issue_aws(**KWARGS).b64, trust, replay_cache=cache).replay_checked
