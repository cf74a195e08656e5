"""Where to talk to AWS, per partition and region: STS endpoints and the console federation endpoint.

Sources: AWS.md section 8 (botocore ``partitions.json``: dnsSuffix, region regexes, implicit global
regions) and section 6 (federation and console URLs per partition).

Invariants this module owns:

* Rule 1: a region is only ever used inside a host name after it matched ``REGION`` and its partition's
  regex, so nothing from an assertion or a flag can steer a request to another host.
* Rule 2: the role's partition decides the endpoint's partition (AWS.md section 8); a region of another
  partition is a configuration error, never silently replaced.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from saml_core.aws import AWS_PARTITIONS
from saml_core.errors import ConfigError

REGION = re.compile(r"[a-z]{2,5}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)
"""The shape of every AWS region name (``us-east-1``, ``us-gov-west-1``, ``eusc-de-east-1``)."""
_ARN_PARTITION = re.compile(r"arn:(aws(?:-[a-z]+)*):", re.ASCII)


@dataclass(frozen=True, slots=True, kw_only=True)
class Partition:
    """Endpoint facts for one AWS partition."""

    name: str
    """The partition id as it appears in ARNs."""
    dns_suffix: str
    """STS regional endpoints are ``https://sts.{region}.{dns_suffix}`` (AWS.md section 8)."""
    region_regex: str
    """Regions of this partition (botocore ``partitions.json``)."""
    default_region: str
    """The implicit global region: where the global endpoints live."""
    federation_url: str | None = None
    """The console federation endpoint (AWS.md section 6); None where AWS documents none."""
    console_url: str | None = None
    """The console home page, the default ``Destination`` of a sign-in URL."""


PARTITIONS: Mapping[str, Partition] = MappingProxyType(
    {
        name: Partition(
            name=name,
            dns_suffix=fact.sts_dns_suffix,
            region_regex=fact.region_regex,
            default_region=fact.default_region,
            federation_url=fact.federation_url,
            console_url=fact.console_url,
        )
        for name, fact in AWS_PARTITIONS.items()
    }
)

# The specific partitions are tried first: "us-gov-west-1" also matches the generic "us-..." pattern.
_BY_SPECIFICITY = (
    "aws-us-gov",
    "aws-iso-b",
    "aws-iso-f",
    "aws-iso",
    "aws-iso-e",
    "aws-eusc",
    "aws-cn",
    "aws",
)


def partition(name: str) -> Partition:
    """The partition called ``name``; ConfigError for an unknown one."""
    found = PARTITIONS.get(name)
    if found is None:
        raise ConfigError(f"unknown AWS partition {name!r}; use one of {sorted(PARTITIONS)}")
    return found


def partition_of_arn(arn: str) -> Partition:
    """The partition named by an ARN's second field (``arn:aws-cn:iam::...`` -> aws-cn)."""
    match = _ARN_PARTITION.match(arn)
    if match is None:
        raise ConfigError(f"not an ARN: {arn[:200]!r}")
    return partition(match.group(1))


def partition_of_region(region: str) -> Partition:
    """The partition a region belongs to, by the regexes of ``partitions.json`` (AWS.md section 8)."""
    if REGION.fullmatch(region) is None:
        raise ConfigError(f"not an AWS region name: {region[:64]!r}")
    for name in _BY_SPECIFICITY:
        if re.fullmatch(PARTITIONS[name].region_regex, region, re.ASCII):
            return PARTITIONS[name]
    raise ConfigError(f"region {region!r} belongs to no known partition")


def region_of_recipient(recipient: str) -> str | None:
    """The region encoded in a regional sign-in Recipient (``https://eu-west-1.signin.aws.amazon.com/saml``).

    None for the global forms (``https://signin.aws.amazon.com/saml``) and anything unrecognised.
    """
    host = urlsplit(recipient).hostname or ""
    first, _, rest = host.partition(".")
    if rest.startswith("signin.") and REGION.fullmatch(first):
        return first
    return None


def sts_endpoint(region: str) -> str:
    """The regional STS endpoint for ``region`` (``https://sts.eu-west-1.amazonaws.com``)."""
    part = partition_of_region(region)
    return f"https://sts.{region}.{part.dns_suffix}"


def resolve_region(role_arn: str, region: str | None = None, recipient: str | None = None) -> str:
    """The region to call STS in for ``role_arn``.

    Order: the explicit ``region``; the region of a regional Recipient; the partition's implicit global
    region. The region must be in the role's partition (Rule 2).
    """
    part = partition_of_arn(role_arn)
    chosen = region
    if chosen is None and recipient is not None:
        from_recipient = region_of_recipient(recipient)
        if from_recipient is not None and partition_of_region(from_recipient).name == part.name:
            chosen = from_recipient
    if chosen is None:
        return part.default_region
    if partition_of_region(chosen).name != part.name:
        raise ConfigError(f"region {chosen!r} is not in the role's partition {part.name!r}")
    return chosen


def federation_endpoint(name: str) -> tuple[str, str]:
    """(federation URL, console URL) for the partition; ConfigError where AWS documents none."""
    part = partition(name)
    if part.federation_url is None or part.console_url is None:
        raise ConfigError(
            f"no documented console federation endpoint for partition {name!r}; pass --federation-url"
        )
    return part.federation_url, part.console_url
