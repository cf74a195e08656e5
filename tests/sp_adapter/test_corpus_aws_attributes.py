"""SECURITY.md 3.2: the four real AWS Role samples (netiq-01, okta-08, azuread-02, google-02) exercise the AWS
attribute rules (R51-R56) on what real IdPs emit.

Three of them do not verify (a redacted certificate, edits after signing), so this reads their
AttributeStatements directly, for parsing only; test_corpus_verdicts.py shows validate_response refuses them.
"""

from __future__ import annotations

import pytest
from lxml import etree

from saml_core import NS
from sp_adapter import ValidationError
from sp_adapter._aws_rules import AwsRules
from sp_adapter._aws_rules import check_aws_attributes
from sp_adapter._checks_attributes import read_attributes
from tests.vectors.corpus import sample

AWS = AwsRules(partition="aws", require_session_name=True)

# sample -> (number of Role pairs, first pair normalised role-first, RoleSessionName, SessionDuration)
EXPECTED = {
    "netiq-01": (
        13,
        ("arn:aws:iam::863369430055:role/wbc-admin", "arn:aws:iam::863369430055:saml-provider/westpacidp"),
        "L122893",
        None,
    ),
    "okta-08": (  # Okta puts the provider first: normalised to (role, provider)
        5,
        ("arn:aws:iam::987654321987:role/testrole3", "arn:aws:iam::987654321987:saml-provider/OKTA-IDP"),
        "john.doe@mycorp.com",
        3600,
    ),
    "azuread-02": (
        2,
        (
            "arn:aws:iam::012345678901:role/example_role",
            "arn:aws:iam::012345678901:saml-provider/EXAMPLE_PROVIDER",
        ),
        "exampleuser@exampledomain.com",
        None,
    ),
    "google-02": (
        3,
        ("arn:aws:iam::123456789012:role/admin", "arn:aws:iam::123456789012:saml-provider/GoogleApps"),
        "first.last@example.com",
        28800,
    ),
}


def _attributes(sample_id: str) -> dict[str, tuple[str, ...]]:
    root = etree.fromstring(sample(sample_id).data())  # noqa: S320 - a vendored test file, parsing only
    return dict(read_attributes(root.iter(NS.saml("AttributeStatement")), unique_names=True))


@pytest.mark.parametrize("sample_id", sorted(EXPECTED))
def test_real_aws_role_attributes_parse(sample_id: str) -> None:
    count, first, session_name, duration = EXPECTED[sample_id]
    aws = check_aws_attributes(_attributes(sample_id), AWS)
    assert aws is not None
    assert len(aws.roles) == count
    assert (aws.roles[0].role_arn, aws.roles[0].principal_arn) == first
    assert all(pair.role_arn.split(":")[4] == pair.principal_arn.split(":")[4] for pair in aws.roles)
    assert (aws.role_session_name, aws.session_duration) == (session_name, duration)


@pytest.mark.parametrize("sample_id", sorted(EXPECTED))
def test_the_same_samples_fail_the_rules_they_would_break(sample_id: str) -> None:
    # the negative twins: the real attributes under another partition, and without their RoleSessionName
    attributes = _attributes(sample_id)
    with pytest.raises(ValidationError) as caught:
        check_aws_attributes(attributes, AwsRules(partition="aws-cn", require_session_name=True))
    assert caught.value.code == "aws_attribute_invalid"
    del attributes["https://aws.amazon.com/SAML/Attributes/RoleSessionName"]
    with pytest.raises(ValidationError) as caught:
        check_aws_attributes(attributes, AWS)
    assert "RoleSessionName is required" in caught.value.message
