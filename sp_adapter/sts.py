"""The only boto3 importer in ``sp_adapter``: STS (and, for the local STS, IAM) calls and one error table.

Invariants this module owns:

* Rule 1: ``AssumeRoleWithSAML`` goes out unsigned (botocore ``UNSIGNED``): no AWS credentials are read or
  needed; STS authenticates the caller by the SAML signature (AWS.md section 3).
* Rule 2: the request is sent exactly once (no SDK retries): a retried assertion would look like a replay.
* Rule 3: every ``botocore`` exception is translated here, through ``map_aws_errors`` and the table
  ``CLIENT_ERRORS``, so callers only ever see the ``SAMLError`` tree (STYLE.md section 1, httpx's
  ``map_exceptions``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import unquote

import boto3
import botocore.exceptions
from botocore import UNSIGNED
from botocore.config import Config

from saml_core import SAMLError
from saml_core._aws_clients import checked_endpoint
from saml_core._aws_clients import regional_sts_session
from saml_core.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient

CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30
_SESSION_LOCK = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    """One boto3 session per process (loading the service models once); clients are made under a lock.
    STS is always called on its regional endpoint (``regional_sts_session``, AWS.md section 8)."""
    return regional_sts_session()


class StsError(SAMLError):
    """AWS answered with an error; ``aws_error`` is AWS's own code, the message is AWS's (one line)."""

    code = "sts_error"

    def __init__(self, message: str, *, aws_error: str | None, status: int | None = None) -> None:
        super().__init__(message)
        self.aws_error = aws_error
        self.status = status


class StsRejected(StsError):
    """STS refused the assertion or the request (InvalidIdentityToken, AccessDenied, ...): exit 1."""

    code = "sts_rejected"


class StsUnavailable(StsError):
    """STS could not be reached, throttled us or failed on its side."""

    code = "sts_unavailable"


class StsConfigError(StsError, ConfigError):
    """The request cannot succeed as configured (region disabled, bad parameter): exit 2."""

    code = "sts_config_error"


CLIENT_ERRORS: Mapping[str, type[StsError]] = MappingProxyType(
    {
        # AssumeRoleWithSAML's modelled errors, and AccessDenied (AWS.md section 7.1)
        "InvalidIdentityToken": StsRejected,
        "IDPRejectedClaim": StsRejected,
        "ExpiredTokenException": StsRejected,
        "AccessDenied": StsRejected,
        "MalformedPolicyDocument": StsRejected,
        "PackedPolicyTooLarge": StsRejected,
        "ValidationError": StsRejected,
        "RegionDisabledException": StsConfigError,
        # the credentials in a signed call (GetCallerIdentity, IAM)
        "InvalidClientTokenId": StsRejected,
        "ExpiredToken": StsRejected,
        "SignatureDoesNotMatch": StsRejected,
        # AWS's side
        "Throttling": StsUnavailable,
        "ThrottlingException": StsUnavailable,
        "ServiceUnavailable": StsUnavailable,
        "InternalFailure": StsUnavailable,
        "ServiceFailure": StsUnavailable,
    }
)
"""AWS error code -> our error class; codes not listed become a plain ``StsError``."""


def _one_line(text: str, limit: int = 500) -> str:
    return " ".join(text.split())[:limit]


def translate_client_error(error: botocore.exceptions.ClientError) -> StsError:
    """The ``StsError`` for a botocore ``ClientError``, by the table above."""
    info: Mapping[str, Any] = error.response.get("Error", {})
    code = str(info.get("Code") or "Unknown")
    message = _one_line(str(info.get("Message") or code))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    cls = CLIENT_ERRORS.get(code, StsError)
    return cls(message, aws_error=code, status=status if isinstance(status, int) else None)


@contextmanager
def map_aws_errors(what: str) -> Iterator[None]:
    """Translate botocore's exceptions raised inside the block (Rule 3)."""
    try:
        yield
    except botocore.exceptions.ClientError as error:
        raise translate_client_error(error) from error
    except botocore.exceptions.ParamValidationError as error:
        raise StsConfigError(_one_line(str(error)), aws_error=None) from error
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionError) as error:
        raise StsUnavailable(
            f"{what}: cannot reach the endpoint: {_one_line(str(error))}", aws_error=None
        ) from error
    except botocore.exceptions.BotoCoreError as error:
        raise StsUnavailable(f"{what}: {_one_line(str(error))}", aws_error=None) from error


# ------------------------------------------------------------------------------------------------ STS


def sts_client(*, region: str, endpoint_url: str | None = None) -> STSClient:
    """An unsigned STS client for ``region`` (Rules 1 and 2); ``endpoint_url`` overrides the endpoint."""
    config = Config(
        signature_version=UNSIGNED,
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="saml-aws-toolkit",
    )
    with map_aws_errors("STS"), _SESSION_LOCK, checked_endpoint(endpoint_url, "the STS endpoint URL"):
        return _session().client("sts", region_name=region, endpoint_url=endpoint_url, config=config)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssumeRoleWithSAMLRequest:
    """The parameters of one ``AssumeRoleWithSAML`` call (AWS.md section 3)."""

    role_arn: str
    principal_arn: str
    saml_assertion: str = field(repr=False)
    """The base64 exactly as received (R59)."""
    duration_seconds: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AssumeRoleWithSAMLAnswer:
    """STS's answer, typed; absent optional members are None."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    assumed_role_arn: str
    assumed_role_id: str
    subject: str | None
    subject_type: str | None
    issuer: str | None
    audience: str | None
    name_qualifier: str | None
    source_identity: str | None
    packed_policy_size: int | None


def assume_role_with_saml(client: STSClient, request: AssumeRoleWithSAMLRequest) -> AssumeRoleWithSAMLAnswer:
    """Call ``AssumeRoleWithSAML`` once and return the typed answer; AWS errors become ``StsError``."""
    params: dict[str, Any] = {
        "RoleArn": request.role_arn,
        "PrincipalArn": request.principal_arn,
        "SAMLAssertion": request.saml_assertion,
    }
    if request.duration_seconds is not None:
        params["DurationSeconds"] = request.duration_seconds
    with map_aws_errors("AssumeRoleWithSAML"):
        answer = client.assume_role_with_saml(**params)
    try:
        creds = answer["Credentials"]
        user = answer["AssumedRoleUser"]
        expiration = creds["Expiration"]
        return AssumeRoleWithSAMLAnswer(
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=(expiration if expiration.tzinfo else expiration.replace(tzinfo=UTC)).astimezone(UTC),
            assumed_role_arn=user["Arn"],
            assumed_role_id=user["AssumedRoleId"],
            subject=answer.get("Subject"),
            subject_type=answer.get("SubjectType"),
            issuer=answer.get("Issuer"),
            audience=answer.get("Audience"),
            name_qualifier=answer.get("NameQualifier"),
            source_identity=answer.get("SourceIdentity"),
            packed_policy_size=answer.get("PackedPolicySize"),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise StsError("STS answered without the credentials it must return", aws_error=None) from error


# ------------------------------------------------------------------------------------- IAM (local STS)


@dataclass(frozen=True, slots=True, kw_only=True)
class SamlProviderRecord:
    """One IAM SAML provider as ``GetSAMLProvider`` describes it."""

    arn: str
    metadata: bytes
    uuid: str | None = None
    encryption_required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRecord:
    """What the local STS needs to know of an IAM role (``GetRole``)."""

    arn: str
    role_id: str
    max_session_duration: int
    trust_policy: Mapping[str, Any] | None


def iam_client(*, endpoint_url: str, region: str = "us-east-1") -> IAMClient:
    """A signed IAM client for an IAM-compatible endpoint (moto's server); dummy keys when none exist."""
    session = boto3.session.Session()  # its own: credentials are read from the environment now
    dummy = "local" if session.get_credentials() is None else None
    config = Config(
        connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT, retries={"total_max_attempts": 2}
    )
    with map_aws_errors("IAM"), checked_endpoint(endpoint_url, "the IAM endpoint URL"):
        return session.client(
            "iam",
            region_name=region,
            endpoint_url=endpoint_url,
            config=config,
            aws_access_key_id=dummy,
            aws_secret_access_key=dummy,
        )


def find_saml_provider(client: IAMClient, arn: str) -> SamlProviderRecord | None:
    """The SAML provider with this ARN (ListSAMLProviders, then GetSAMLProvider), or None."""
    with map_aws_errors("IAM"):
        listed = client.list_saml_providers().get("SAMLProviderList", [])
        if arn not in {entry.get("Arn") for entry in listed}:
            return None
        found = client.get_saml_provider(SAMLProviderArn=arn)
    return SamlProviderRecord(
        arn=arn,
        metadata=found.get("SAMLMetadataDocument", "").encode("utf-8"),
        uuid=found.get("SAMLProviderUUID") or None,
        encryption_required=found.get("AssertionEncryptionMode") == "Required",
    )


def find_role(client: IAMClient, role_arn: str) -> RoleRecord | None:
    """The role with this ARN (GetRole by the name after the last slash), or None when IAM has none."""
    name = role_arn.rsplit("/", 1)[-1]
    try:
        with map_aws_errors("IAM"):
            role = client.get_role(RoleName=name)["Role"]
    except StsError as error:
        if error.aws_error == "NoSuchEntity":
            return None
        raise
    if role.get("Arn") != role_arn:
        return None
    return RoleRecord(
        arn=role_arn,
        role_id=role.get("RoleId", ""),
        max_session_duration=int(role.get("MaxSessionDuration", 3600)),
        trust_policy=_policy_document(role.get("AssumeRolePolicyDocument")),
    )


def _policy_document(raw: object) -> Mapping[str, Any] | None:
    """IAM returns the trust policy URL-encoded JSON on the wire; boto3 usually decodes it already."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str):
        try:
            loaded = json.loads(unquote(raw))
        except ValueError:
            return None
        return loaded if isinstance(loaded, Mapping) else None
    return None
