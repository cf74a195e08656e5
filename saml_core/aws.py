"""AWS partition facts, one table for every package (AWS.md sections 2, 6 and 8).

The IdP (recipients and audiences it emits), the validator (recipients and audiences it accepts), the STS
exchange (endpoints, console) and the metadata tooling (AWS's SP metadata) all read this table, so a fact
is stated once. Values marked unconfirmed in AWS.md are kept as AWS.md gives them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsPartition:
    """What this project knows of one AWS partition."""

    name: str
    """The partition id as in ARNs: aws, aws-cn, aws-us-gov, ..."""
    default_region: str
    """The implicit region: where the global endpoints and the region-less sign-in host live."""
    region_regex: str
    """The regions of this partition (botocore partitions.json)."""
    sts_dns_suffix: str
    """STS regional endpoints are ``https://sts.{region}.{sts_dns_suffix}`` (AWS.md section 8)."""
    regions: tuple[str, ...] = ()
    """Every region with a sign-in endpoint, where AWS.md lists them."""
    signin_host: str | None = None
    """The sign-in host without a region code (AWS.md 2.1); None where AWS documents no SAML sign-in."""
    regional_signin: bool = False
    """Whether ``{region}.{signin_host}`` serves SAML sign-in too."""
    audiences: tuple[str, ...] = ()
    """AudienceRestriction values AWS accepts (AWS.md 2.2); the first is the one our IdP emits."""
    federation_url: str | None = None
    """The console federation endpoint (AWS.md section 6)."""
    console_url: str | None = None
    """The console home page, the default Destination of a sign-in URL."""


AWS_COMMERCIAL_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "me-west-1",
    "mx-central-1",
    "sa-east-1",
    "sa-west-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)


AWS_PARTITIONS: Mapping[str, AwsPartition] = MappingProxyType(
    {
        p.name: p
        for p in (
            AwsPartition(
                name="aws",
                default_region="us-east-1",
                region_regex=r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+",
                sts_dns_suffix="amazonaws.com",
                regions=AWS_COMMERCIAL_REGIONS,
                signin_host="signin.aws.amazon.com",
                regional_signin=True,
                audiences=("urn:amazon:webservices", "https://signin.aws.amazon.com/saml"),
                federation_url="https://signin.aws.amazon.com/federation",
                console_url="https://console.aws.amazon.com/",
            ),
            AwsPartition(
                name="aws-cn",
                default_region="cn-northwest-1",
                region_regex=r"cn-\w+-\d+",
                sts_dns_suffix="amazonaws.com.cn",
                regions=("cn-north-1", "cn-northwest-1"),
                signin_host="signin.amazonaws.cn",
                regional_signin=True,
                audiences=("urn:amazon:webservices:cn-north-1",),
                federation_url="https://signin.amazonaws.cn/federation",
                console_url="https://console.amazonaws.cn/",
            ),
            AwsPartition(
                name="aws-us-gov",
                default_region="us-gov-west-1",
                region_regex=r"us-gov-\w+-\d+",
                sts_dns_suffix="amazonaws.com",
                regions=("us-gov-east-1", "us-gov-west-1"),
                signin_host="signin.amazonaws-us-gov.com",
                # AWS.md 2.1: "Regional forms are unconfirmed", so none is emitted or accepted
                audiences=("urn:amazon:webservices:govcloud",),
                federation_url="https://signin.amazonaws-us-gov.com/federation",
                console_url="https://console.amazonaws-us-gov.com/",
            ),
            AwsPartition(
                name="aws-iso",
                default_region="us-iso-east-1",
                region_regex=r"us-iso-\w+-\d+",
                sts_dns_suffix="c2s.ic.gov",
                regions=("us-iso-east-1", "us-iso-west-1"),
                signin_host="signin.c2shome.ic.gov",
                audiences=("urn:amazon:webservices",),
            ),
            AwsPartition(
                name="aws-iso-b",
                default_region="us-isob-east-1",
                region_regex=r"us-isob-\w+-\d+",
                sts_dns_suffix="sc2s.sgov.gov",
                regions=("us-isob-east-1", "us-isob-west-1"),
                signin_host="signin.sc2shome.sgov.gov",
                audiences=("urn:amazon:webservices",),
            ),
            AwsPartition(
                name="aws-iso-e",
                default_region="eu-isoe-west-1",
                region_regex=r"eu-isoe-\w+-\d+",
                sts_dns_suffix="cloud.adc-e.uk",
            ),
            AwsPartition(
                name="aws-iso-f",
                default_region="us-isof-south-1",
                region_regex=r"us-isof-\w+-\d+",
                sts_dns_suffix="csp.hci.ic.gov",
            ),
            AwsPartition(
                name="aws-eusc",
                default_region="eusc-de-east-1",
                region_regex=r"eusc-de-\w+-\d+",
                sts_dns_suffix="amazonaws.eu",
            ),
        )
    }
)

_REGION_SHAPE = re.compile(r"[a-z]{2,5}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)
_PROVIDER_UUID = re.compile(r"[A-Z0-9]{22,64}", re.ASCII)


def valid_provider_uuid(value: str) -> bool:
    """A SAML provider's IdP-ID (``GetSAMLProvider.SAMLProviderUUID``): 22-64 characters of A-Z and 0-9."""
    return _PROVIDER_UUID.fullmatch(value) is not None


def check_region(partition: str, region: str) -> str:
    """``region`` when it is a region of ``partition`` (its listed regions where AWS.md lists them, else its
    botocore regex); ValueError otherwise. Every package checks a region it puts into a URL here."""
    if not _REGION_SHAPE.fullmatch(region):
        raise ValueError(f"{region[:40]!r} is not an AWS region name (like us-east-1)")
    fact = AWS_PARTITIONS[partition]
    known = region in fact.regions if fact.regions else re.fullmatch(fact.region_regex, region, re.ASCII)
    if not known:
        raise ValueError(f"region {region!r} is not in partition {partition}")
    return region


def signin_recipient(
    partition: str = "aws", region: str | None = None, provider_uuid: str | None = None
) -> str:
    """The Recipient and Destination AWS expects for sign-in (AWS.md 2.1): the one rule the IdP emits, the
    metadata tooling publishes and trust policies list. ValueError for a region or ID AWS would not have.

    * No region, the partition's default region (us-east-1, cn-northwest-1: the documented region-less
      host), or a partition without regional sign-in: ``https://{signin_host}/saml``; otherwise
      ``https://{region}.{signin_host}/saml`` (for aws-cn inferred, unconfirmed in AWS.md).
    * With ``provider_uuid`` (encryption required): ``https://{region}.{signin_host}/saml/acs/{IdP-ID}``,
      the region defaulting to the partition's default (AWS.md gives this form for any region, us-east-1
      included); the region-less host where the partition has no regional sign-in.
    """
    fact = AWS_PARTITIONS[partition]
    if fact.signin_host is None:
        raise ValueError(f"AWS documents no SAML sign-in for partition {partition}")
    if region is not None:
        check_region(partition, region)
    if provider_uuid is not None:
        if not valid_provider_uuid(provider_uuid):
            raise ValueError("a SAML provider ID (IdP-ID) is 22 to 64 characters of A-Z and 0-9")
        if not fact.regional_signin:
            return f"https://{fact.signin_host}/saml/acs/{provider_uuid}"
        return f"https://{region or fact.default_region}.{fact.signin_host}/saml/acs/{provider_uuid}"
    if region is None or not fact.regional_signin or region == fact.default_region:
        return f"https://{fact.signin_host}/saml"
    return f"https://{region}.{fact.signin_host}/saml"


IAM_METADATA_MAX_CHARS = 10_000_000
"""IAM's SAMLMetadataDocument length limit (AWS.md section 4): also the most any CLI reads of a trust file."""


ARN_MIN_CHARS = 20
ARN_MAX_CHARS = 2048
"""STS ``arnType`` (AWS.md section 3): AssumeRoleWithSAML's RoleArn and PrincipalArn are 20-2048 characters,
so the IdP (what it emits) and the validator (what it accepts) refuse a Role ARN outside this range."""


def arn_length_problem(arn: str, what: str) -> str | None:
    """None when STS accepts ``arn``'s length as a RoleArn / PrincipalArn; else a message naming the limit."""
    if ARN_MIN_CHARS <= len(arn) <= ARN_MAX_CHARS:
        return None
    return (
        f"the {what} has {len(arn)} characters; RoleArn and PrincipalArn take {ARN_MIN_CHARS} to"
        f" {ARN_MAX_CHARS} (AWS.md section 3)"
    )
