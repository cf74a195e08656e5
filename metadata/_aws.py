"""AWS facts as pure functions: partitions, sign-in endpoints, AWS's SP metadata, IAM's metadata rules.

Every value cites AWS.md. Values AWS.md marks "unconfirmed" are used because no better source exists, and are
labelled so in the docstrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saml_core.aws import AWS_PARTITIONS
from saml_core.aws import IAM_METADATA_MAX_CHARS
from saml_core.aws import signin_recipient
from saml_core.aws import valid_provider_uuid
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_SESSION_DURATION
from saml_core.constants import AWS_SOURCE_IDENTITY
from saml_core.constants import AttrNameFormat
from saml_core.constants import Binding
from saml_core.constants import NameIDFormat
from saml_core.errors import ConfigError

from ._errors import IAMWouldRefuse
from ._model import AttributeConsumingService
from ._model import Endpoint
from ._model import EntitiesDescriptor
from ._model import EntityDescriptor
from ._model import RequestedAttribute
from ._model import SPSSODescriptor
from ._parse import parse_entities

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_REGION = re.compile(r"[a-z]{2,5}(-[a-z]+)+-\d{1,2}", re.ASCII)
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}", re.ASCII)
_PROVIDER_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):saml-provider/(?P<name>[A-Za-z0-9._-]{1,128})",
    re.ASCII,
)

#: AWS.md 2.2: the AudienceRestriction (entity ID) per partition, from the shared AWS table
AUDIENCES = {name: AWS_PARTITIONS[name].audiences[0] for name in PARTITIONS}
_SIGNIN_HOST = {name: str(AWS_PARTITIONS[name].signin_host) for name in PARTITIONS}

#: IAM's SAMLMetadataDocument length limits (AWS.md section 4)
IAM_MIN_CHARS = 1_000
IAM_MAX_CHARS = IAM_METADATA_MAX_CHARS
IAM_MIN_RSA_BITS = 1024
IAM_MAX_IDPS = 10
#: AWS.md section 4 quotas (not adjustable): "Keys per SAML provider: 10", counted here as the distinct
#: signing certificates of the one metadata document a provider holds (all its IdP entities together), and
#: "Tags per SAML provider: 50"
IAM_MAX_KEYS = 10
IAM_MAX_TAGS = 50


def partition_of_region(region: str) -> str:
    """AWS.md section 8: the partitions.json region regexes (the three partitions we serve)."""
    check_region(region)
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith(("us-iso", "eu-isoe-", "eusc-")):
        raise ConfigError(f"region {region!r} is in a partition this tool does not serve")
    return "aws"


def check_partition(partition: str) -> str:
    if partition not in PARTITIONS:
        raise ConfigError(f"unknown partition {partition!r}; use one of {', '.join(PARTITIONS)}")
    return partition


def check_region(region: str) -> str:
    if not _REGION.fullmatch(region):
        raise ConfigError(f"{region[:40]!r} is not an AWS region name (like eu-west-1)")
    return region


def check_provider_uuid(uuid: str) -> str:
    """AWS.md 2.1 / section 4: SAMLProviderUUID, 22-64 characters of [A-Z0-9]."""
    if not valid_provider_uuid(uuid):
        raise ConfigError("a SAML provider ID is 22 to 64 characters of A-Z and 0-9")
    return uuid


def signin_url(partition: str = "aws", region: str | None = None, provider_uuid: str | None = None) -> str:
    """The Recipient / ACS URL (AWS.md 2.1), by the rule the IdP emits (``saml_core.aws.signin_recipient``).

    aws: ``https://signin.aws.amazon.com/saml`` for us-east-1 or no region, else ``https://{region}.signin...``;
    with a provider ID (encryption required) ``https://{region}.signin.aws.amazon.com/saml/acs/{ID}``,
    us-east-1 when no region is given. aws-cn regional forms are inferred (unconfirmed); aws-us-gov has no
    regional form.
    """
    check_partition(partition)
    if region is not None and partition_of_region(region) != partition:
        raise ConfigError(f"region {region!r} is not in partition {partition!r}")
    try:
        return signin_recipient(partition, region, provider_uuid)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def aws_sp_metadata_url(
    partition: str = "aws", region: str | None = None, provider_uuid: str | None = None
) -> str:
    """Where AWS publishes its own SP metadata (AWS.md 2.1); the region-less host where the partition has no
    regional sign-in (aws-us-gov)."""
    check_partition(partition)
    if region is not None:
        signin_url(partition, region)  # the same region checks
        if not AWS_PARTITIONS[partition].regional_signin:
            region = None
    base = f"https://{region + '.' if region else ''}{_SIGNIN_HOST[partition]}/static"
    return (
        f"{base}/saml/{check_provider_uuid(provider_uuid)}/saml-metadata.xml"
        if provider_uuid
        else (f"{base}/saml-metadata.xml")
    )


def aws_sp_entity(
    partition: str = "aws", region: str | None = None, provider_uuid: str | None = None
) -> EntityDescriptor:
    """AWS as an SP, to register in an IdP: entity per partition (AWS.md 2.2), ACS per region (AWS.md 2.1)."""
    acs = signin_url(partition, region, provider_uuid)
    uri = AttrNameFormat.URI.value
    sp = SPSSODescriptor(
        name_id_formats=tuple(
            f.value
            for f in (
                NameIDFormat.PERSISTENT,
                NameIDFormat.TRANSIENT,
                NameIDFormat.EMAIL,
                NameIDFormat.UNSPECIFIED,
                NameIDFormat.X509_SUBJECT,
            )
        ),
        assertion_consumer_services=(
            Endpoint(binding=Binding.HTTP_POST.value, location=acs, index=1, is_default=True),
        ),
        want_assertions_signed=True,
        attribute_consuming_services=(
            AttributeConsumingService(
                index=1,
                service_names=("AWS Management Console Single Sign-On",),
                requested_attributes=(
                    RequestedAttribute(
                        name=AWS_ROLE, name_format=uri, friendly_name="Role", is_required=True
                    ),
                    RequestedAttribute(
                        name=AWS_ROLE_SESSION_NAME,
                        name_format=uri,
                        friendly_name="RoleSessionName",
                        is_required=True,
                    ),
                    RequestedAttribute(
                        name=AWS_SESSION_DURATION, name_format=uri, friendly_name="SessionDuration"
                    ),
                    RequestedAttribute(
                        name=AWS_SOURCE_IDENTITY, name_format=uri, friendly_name="SourceIdentity"
                    ),
                ),
            ),
        ),
    )
    return EntityDescriptor(entity_id=AUDIENCES[partition], sp=sp)


# --------------------------------------------------------------------------------------------- IAM rules


@dataclass(frozen=True, slots=True)
class ProviderArn:
    partition: str
    account: str
    name: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:saml-provider/{self.name}"


def parse_provider_arn(arn: str) -> ProviderArn:
    match = _PROVIDER_ARN.fullmatch(arn.strip())
    if match is None:
        raise ConfigError(
            f"{arn[:200]!r} is not a SAML provider ARN (arn:aws:iam::123456789012:saml-provider/NAME)"
        )
    return ProviderArn(match["partition"], match["account"], match["name"])


def check_provider_name(name: str) -> str:
    """AWS.md section 4: 1-128 characters; we emit only [A-Za-z0-9._-] (the model's pattern)."""
    if not _PROVIDER_NAME.fullmatch(name):
        raise ConfigError(f"provider name {name[:200]!r} must be 1-128 characters of A-Z a-z 0-9 . _ -")
    return name


def check_iam_metadata(xml: bytes) -> list[EntityDescriptor]:
    """Refuse what IAM would refuse, before calling it (AWS.md section 4 and 7.2 "Could not parse metadata").

    UTF-8 without BOM; 1,000-10,000,000 characters; parseable metadata with 1 to 10 IdP entities, each with a
    signing key; every RSA key at least 1024 bits; at most 10 distinct signing certificates in the document
    (the quota is per SAML provider, and a provider holds one document). Returns the IdP entities.
    """
    if xml.startswith(b"\xef\xbb\xbf"):
        raise IAMWouldRefuse("the document starts with a byte-order mark; IAM needs UTF-8 without BOM")
    try:
        chars = len(xml.decode("utf-8"))
    except UnicodeDecodeError:
        raise IAMWouldRefuse("the document is not UTF-8") from None
    if not IAM_MIN_CHARS <= chars <= IAM_MAX_CHARS:
        raise IAMWouldRefuse(
            f"the document has {chars} characters; IAM takes {IAM_MIN_CHARS:,} to {IAM_MAX_CHARS:,}"
        )
    idps = [e for e in parse_entities(xml) if e.idp is not None]
    if not idps or len(idps) > IAM_MAX_IDPS:
        raise IAMWouldRefuse(f"IAM takes 1 to {IAM_MAX_IDPS} IdP entities; the document has {len(idps)}")
    for entity in idps:
        _check_entity_keys(entity)
    keys = signing_fingerprints(idps)
    if len(keys) > IAM_MAX_KEYS:
        raise IAMWouldRefuse(
            f"the document has {len(keys)} distinct signing certificates across its IdP entities;"
            f" IAM holds at most {IAM_MAX_KEYS} keys per SAML provider"
        )
    return idps


def _check_entity_keys(entity: EntityDescriptor) -> None:
    assert entity.idp is not None
    if not entity.idp.signing_keys():
        raise IAMWouldRefuse(f"IdP {entity.entity_id[:200]!r} has no signing key")
    for kd in entity.idp.keys:
        if kd.key.kind == "rsa" and kd.key.key_size < IAM_MIN_RSA_BITS:
            raise IAMWouldRefuse(
                f"a key of {entity.entity_id[:200]!r} has {kd.key.key_size} bits, under {IAM_MIN_RSA_BITS}"
            )


def signing_fingerprints(entities: list[EntityDescriptor] | EntitiesDescriptor) -> list[str]:
    """sha256 fingerprints of every IdP signing key, in document order, without duplicates."""
    seen: list[str] = []
    for entity in entities:
        for key in entity.signing_keys():
            if key.fingerprint_sha256 not in seen:
                seen.append(key.fingerprint_sha256)
    return seen
