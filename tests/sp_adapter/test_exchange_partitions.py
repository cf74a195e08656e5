"""STS endpoints and console federation endpoints per partition and region (AWS.md sections 6 and 8), with
botocore's own endpoint resolution as the oracle."""

from __future__ import annotations

import pytest

from saml_core.errors import ConfigError
from sp_adapter._partitions import federation_endpoint
from sp_adapter._partitions import partition_of_arn
from sp_adapter._partitions import partition_of_region
from sp_adapter._partitions import region_of_recipient
from sp_adapter._partitions import resolve_region
from sp_adapter._partitions import sts_endpoint
from sp_adapter.sts import sts_client


@pytest.mark.parametrize(
    ("region", "partition", "endpoint"),
    [
        ("us-east-1", "aws", "https://sts.us-east-1.amazonaws.com"),
        ("eu-west-1", "aws", "https://sts.eu-west-1.amazonaws.com"),
        ("ap-southeast-5", "aws", "https://sts.ap-southeast-5.amazonaws.com"),
        ("cn-north-1", "aws-cn", "https://sts.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "aws-cn", "https://sts.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "https://sts.us-gov-west-1.amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "https://sts.us-iso-east-1.c2s.ic.gov"),
        ("us-isob-east-1", "aws-iso-b", "https://sts.us-isob-east-1.sc2s.sgov.gov"),
    ],
)
def test_regional_sts_endpoints_agree_with_botocore(region: str, partition: str, endpoint: str) -> None:
    assert partition_of_region(region).name == partition
    assert sts_endpoint(region) == endpoint
    assert sts_client(region=region).meta.endpoint_url == endpoint


@pytest.mark.parametrize("region", ["evil.example.com/x", "us-east-1.evil.com", "", "US-EAST-1", "xx-yy-1"])
def test_anything_but_a_known_region_is_refused(region: str) -> None:
    with pytest.raises(ConfigError) as info:
        sts_endpoint(region)
    assert info.value.code == "config_error"


def test_the_region_comes_from_the_flag_then_the_recipient_then_the_partition() -> None:
    role = "arn:aws:iam::111111111111:role/R"
    regional = "https://eu-west-1.signin.aws.amazon.com/saml"
    assert resolve_region(role) == "us-east-1"
    assert resolve_region(role, recipient="https://signin.aws.amazon.com/saml") == "us-east-1"
    assert resolve_region(role, recipient=regional) == "eu-west-1"
    assert resolve_region(role, "eu-central-1", regional) == "eu-central-1"
    assert resolve_region("arn:aws-cn:iam::111111111111:role/R") == "cn-northwest-1"
    assert resolve_region("arn:aws-us-gov:iam::111111111111:role/R") == "us-gov-west-1"


def test_a_region_of_another_partition_than_the_role_is_a_usage_error() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_region("arn:aws-cn:iam::111111111111:role/R", "us-east-1")
    assert "partition" in str(info.value)
    assert resolve_region("arn:aws-cn:iam::111111111111:role/R", "cn-north-1") == "cn-north-1"


def test_region_of_recipient_reads_only_sign_in_hosts() -> None:
    assert region_of_recipient("https://us-west-2.signin.aws.amazon.com/saml/acs/ABCDEFGHIJKLMNOPQRSTUV") == (
        "us-west-2"
    )
    assert region_of_recipient("https://signin.aws.amazon.com/saml") is None
    assert region_of_recipient("https://eu-west-1.example.com/saml") is None


def test_partition_of_arn() -> None:
    assert partition_of_arn("arn:aws-us-gov:iam::1:role/x").name == "aws-us-gov"
    with pytest.raises(ConfigError):
        partition_of_arn("not-an-arn")
    with pytest.raises(ConfigError):
        partition_of_arn("arn:aws-mars:iam::1:role/x")


@pytest.mark.parametrize(
    ("partition", "federation", "console"),
    [
        ("aws", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
        ("aws-cn", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"),
        (
            "aws-us-gov",
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/",
        ),
    ],
)
def test_federation_endpoints_per_partition(partition: str, federation: str, console: str) -> None:
    assert federation_endpoint(partition) == (federation, console)


def test_no_federation_endpoint_is_invented_for_isolated_partitions() -> None:
    with pytest.raises(ConfigError) as info:
        federation_endpoint("aws-iso")
    assert "--federation-url" in str(info.value)
