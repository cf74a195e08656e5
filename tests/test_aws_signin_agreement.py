"""The IdP, the metadata tooling and the validator agree on every AWS sign-in URL (AWS.md 2.1).

The IdP emits a Recipient, ``saml-metadata trust-policy`` lists it in ``SAML:aud`` and ``Policy.aws()``
accepts it: one rule (``saml_core.aws.signin_recipient``), checked here for every partition our IdP serves,
every listed region and no region, with and without an encrypting provider's IdP-ID.

The IdP's issue-time checks and the validator's AWS attribute rules agree too: a Role value or a
TransitiveTagKeys list the IdP emits is one the validator accepts, and what one refuses the other refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

import pytest

from idp import AwsAttributeInvalid as IdPAttributeInvalid
from idp import AwsRole
from idp import aws_recipient
from idp._aws import PARTITIONS as IDP_PARTITIONS
from idp._aws import aws_claims
from metadata import signin_url
from saml_core.aws import ARN_MAX_CHARS
from saml_core.aws import AWS_PARTITIONS
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_TRANSITIVE_TAG_KEYS
from sp_adapter import AwsAttributeInvalid as SPAttributeInvalid
from sp_adapter import Policy
from sp_adapter._aws_rules import AwsRules
from sp_adapter._aws_rules import check_aws_attributes

UUID = "ABCDEFGHIJKLMNOPQRSTUV0123"
CASES = [
    (partition, region, uuid)
    for partition in IDP_PARTITIONS
    for region in (None, *AWS_PARTITIONS[partition].regions)
    for uuid in (None, UUID)
]


@pytest.mark.parametrize(("partition", "region", "uuid"), CASES)
def test_idp_metadata_and_validator_agree_on_the_recipient(
    partition: str, region: str | None, uuid: str | None
) -> None:
    emitted = aws_recipient(partition, region, uuid)
    assert signin_url(partition, region, uuid) == emitted
    regions = [region or AWS_PARTITIONS[partition].default_region]
    policy = Policy.aws(partition, regions=regions, provider_uuid=uuid, encryption_required=uuid is not None)
    assert emitted in policy.recipients
    # the negative twin: a region-less /acs/ URL is not what AWS.md documents for a regional partition
    if uuid is not None and AWS_PARTITIONS[partition].regional_signin:
        assert f"https://{AWS_PARTITIONS[partition].signin_host}/saml/acs/{uuid}" not in policy.recipients


def test_the_cases_cover_three_partitions_and_every_commercial_region() -> None:
    assert {partition for partition, _, _ in CASES} == {"aws", "aws-cn", "aws-us-gov"}
    assert len(CASES) == 2 * (3 + len(AWS_PARTITIONS["aws"].regions) + 2 + 2)


# ------------------------------------------------------------------------- AWS attribute values (AWS.md 1, 3)

ACCOUNT_ROLE = "arn:aws:iam::111111111111:role/"
PROVIDER = "arn:aws:iam::111111111111:saml-provider/DemoIdP"
RULES = AwsRules(partition="aws", require_session_name=True)


def _long_role(length: int) -> str:
    return ACCOUNT_ROLE + "p" * (length - len(ACCOUNT_ROLE) - len("/R")) + "/R"


def _sent(role: AwsRole, tags: Mapping[str, str], transitive: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The values as any IdP would send them, whether or not ours agrees to."""
    sent = {AWS_ROLE: (role.value,), AWS_ROLE_SESSION_NAME: ("alice",)}
    sent.update({AWS_PRINCIPAL_TAG_PREFIX + key: (value,) for key, value in tags.items()})
    if transitive:
        sent[AWS_TRANSITIVE_TAG_KEYS] = tuple(transitive)
    return sent


def _validator_accepts(attributes: Mapping[str, tuple[str, ...]]) -> bool:
    try:
        check_aws_attributes(attributes, RULES)
    except SPAttributeInvalid:
        return False
    return True


@pytest.mark.parametrize(
    ("role", "tags", "transitive", "accepted"),
    [
        (AwsRole(_long_role(ARN_MAX_CHARS), PROVIDER), {}, [], True),
        (AwsRole(_long_role(ARN_MAX_CHARS + 1), PROVIDER), {}, [], False),
        (AwsRole(ACCOUNT_ROLE + "Ops.Team", PROVIDER), {}, [], True),
        (AwsRole(ACCOUNT_ROLE + "Ops,Team", PROVIDER), {}, [], False),
        (AwsRole(ACCOUNT_ROLE + "a,b/Ops", PROVIDER), {}, [], False),
        (AwsRole(ACCOUNT_ROLE + "R", PROVIDER), {"Dept": "Eng"}, ["dept"], True),
        (AwsRole(ACCOUNT_ROLE + "R", PROVIDER), {"Dept": "Eng"}, ["Dept", "dept"], False),
        (AwsRole(ACCOUNT_ROLE + "R", PROVIDER), {"Dept": "Eng"}, ["depts"], False),
    ],
)
def test_idp_and_validator_agree_on_aws_attribute_values(
    role: AwsRole, tags: dict[str, str], transitive: list[str], accepted: bool
) -> None:
    assert _validator_accepts(_sent(role, tags, transitive)) is accepted

    def issue() -> dict[str, tuple[str, ...]]:
        return dict(
            aws_claims(
                roles=[role],
                session_name="alice",
                partition="aws",
                principal_tags=tags,
                transitive_tag_keys=transitive,
            ).attributes()
        )

    if not accepted:
        with pytest.raises(IdPAttributeInvalid):
            issue()
        return
    emitted = issue()
    assert emitted == _sent(role, tags, transitive)  # verbatim: the role value, the keys as given
    assert _validator_accepts(emitted)
