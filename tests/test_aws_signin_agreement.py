"""The IdP, the metadata tooling and the validator agree on every AWS sign-in URL (AWS.md 2.1).

The IdP emits a Recipient, ``saml-metadata trust-policy`` lists it in ``SAML:aud`` and ``Policy.aws()``
accepts it: one rule (``saml_core.aws.signin_recipient``), checked here for every partition our IdP serves,
every listed region and no region, with and without an encrypting provider's IdP-ID.
"""

from __future__ import annotations

import pytest

from idp import aws_recipient
from idp._aws import PARTITIONS as IDP_PARTITIONS
from metadata import signin_url
from saml_core.aws import AWS_PARTITIONS
from sp_adapter import Policy

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
