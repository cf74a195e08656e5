"""The IAM edge: read SAML providers and roles, execute sync plans. The only boto3 importer of ``metadata``.

Every function takes an injected client (tests pass one aimed at moto's server, or a botocore Stubber);
``botocore`` errors are translated once, in ``aws_errors``. Throttling is retried here with exponential
backoff and jitter; botocore's own retries are off (``CLIENT_CONFIG``) so there is exactly one retry layer.
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any
from typing import TypeVar

import boto3
import botocore.exceptions
from botocore.config import Config

from saml_core import SAMLError
from saml_core._aws_clients import checked_endpoint
from saml_core._aws_clients import regional_sts_session
from saml_core.errors import ConfigError

from ._errors import AWSCallFailed
from ._fleet import AccountConfig
from ._fleet import Json
from ._fleet import failed
from ._sync import KEY_TAG_PREFIX
from ._sync import Desired
from ._sync import PrivateKeyEntry
from ._sync import ProviderState
from ._sync import SyncPlan
from ._sync import check_applicable
from ._sync import check_desired
from ._sync import key_tags
from ._sync import keys_by_fingerprint
from ._sync import plan_provider

T = TypeVar("T")
Client = Any  # mypy_boto3_iam.IAMClient when the stubs are installed; kept loose for the Stubber
_sleep = time.sleep  # tests replace it
CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ConcurrentModification",
    }
)


# ------------------------------------------------------------------------------------ errors and retries


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """The one translation table: botocore exceptions -> AWSCallFailed (exit 1) or ConfigError (exit 2)."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        raise AWSCallFailed(f"{what}: {code}: {str(error.get('Message', ''))[:300]}", aws_code=code) from None
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.ProfileNotFound) as exc:
        raise ConfigError(f"{what}: {exc}") from None
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as exc:
        raise AWSCallFailed(f"{what}: cannot reach AWS: {exc}", aws_code="EndpointConnectionError") from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AWSCallFailed(f"{what}: {exc}", aws_code=type(exc).__name__) from None


def with_retries(
    call: Callable[[], T],
    what: str,
    *,
    attempts: int = 6,
    base: float = 0.25,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Run ``call``; on throttling wait base * 2**n (+ jitter, capped at 20 s) and try again."""
    for attempt in range(attempts):
        try:
            with aws_errors(what):
                return call()
        except AWSCallFailed as error:
            if error.aws_code not in THROTTLING or attempt == attempts - 1:
                raise
            (sleep or _sleep)(min(20.0, base * 2**attempt) * (1 + random.random() / 2))  # noqa: S311 - jitter
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------ clients


def session_for(account: AccountConfig, *, base: boto3.Session | None = None) -> boto3.Session:
    """A session for one account: its profile, or the base session's credentials assuming ``role_arn``."""
    with aws_errors(f"account {account.name}"):
        session = (
            regional_sts_session(profile=account.profile, region=account.region)
            if account.profile
            else (base or regional_sts_session(region=account.region))
        )
        if account.role_arn is None:
            return session
        with checked_endpoint(account.endpoint_url, "endpoint URL"):
            sts = session.client(
                "sts", region_name=account.region, endpoint_url=account.endpoint_url, config=CLIENT_CONFIG
            )
        params: dict[str, Any] = {"RoleArn": account.role_arn, "RoleSessionName": "saml-metadata-aws-sync"}
        if account.external_id:
            params["ExternalId"] = account.external_id
        creds = with_retries(lambda: sts.assume_role(**params), f"account {account.name}: AssumeRole")[
            "Credentials"
        ]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=account.region,
        )


def iam_client(
    session: boto3.Session | None = None, *, region: str | None = None, endpoint_url: str | None = None
) -> Client:
    with aws_errors("IAM client"), checked_endpoint(endpoint_url, "endpoint URL"):
        return (session or boto3.Session()).client(
            "iam", region_name=region or "us-east-1", endpoint_url=endpoint_url, config=CLIENT_CONFIG
        )


# -------------------------------------------------------------------------------------------- SAML providers


def find_provider_arn(client: Client, name: str) -> str | None:
    listed = with_retries(client.list_saml_providers, "ListSAMLProviders")
    suffix = f":saml-provider/{name}"
    return next((p["Arn"] for p in listed.get("SAMLProviderList", []) if p["Arn"].endswith(suffix)), None)


def read_provider(client: Client, name: str) -> ProviderState | None:
    """GetSAMLProvider for the provider called ``name``, or None when it does not exist."""
    arn = find_provider_arn(client, name)
    if arn is None:
        return None
    got = with_retries(lambda: client.get_saml_provider(SAMLProviderArn=arn), f"GetSAMLProvider {name}")
    tags = {t["Key"]: t["Value"] for t in got.get("Tags", [])}
    fingerprints = key_tags(tags)
    keys = tuple(
        PrivateKeyEntry(key_id=k["KeyId"], timestamp=k.get("Timestamp"), sha256=fingerprints.get(k["KeyId"]))
        for k in got.get("PrivateKeyList", [])
    )
    return ProviderState(
        arn=arn,
        document=got.get("SAMLMetadataDocument", ""),
        uuid=got.get("SAMLProviderUUID"),
        encryption_mode=got.get("AssertionEncryptionMode"),
        private_keys=keys,
        tags=tags,
    )


def plan_aws_sync(client: Client, desired: Desired) -> SyncPlan:
    """Read the provider and plan (create / update / unchanged); no change is made."""
    check_desired(desired)  # IAM's rules first: refuse before any call (AWS.md section 4)
    return plan_provider(desired, read_provider(client, desired.name))


def apply_aws_sync(client: Client, plan: SyncPlan, desired: Desired) -> str:
    """Execute the plan's steps in order; returns the provider ARN. Planning again gives ``unchanged``."""
    check_applicable(plan, desired)
    keys = keys_by_fingerprint(desired.private_keys)
    document = desired.document.decode("utf-8")
    arn = plan.arn or ""
    for step in plan.steps:
        op = step["op"]
        if op == "create":
            arn = _create(client, desired, document, step, keys)
        elif op == "update":
            _update(
                client, arn, document if step["document"] else None, step["encryption_mode"], desired.name
            )
        elif op == "add_private_key":
            _add_key(client, arn, keys[step["sha256"]].pem, step["sha256"], desired.name)
        elif op == "remove_private_key":
            _remove_key(client, arn, step["key_id"], desired.name)
    return arn


def _create(
    client: Client, desired: Desired, document: str, step: Mapping[str, Any], keys: Mapping[str, Any]
) -> str:
    params: dict[str, Any] = {"Name": desired.name, "SAMLMetadataDocument": document}
    if step["encryption_mode"]:
        params["AssertionEncryptionMode"] = step["encryption_mode"]
    if step["tags"]:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in step["tags"].items()]
    first = step["add_private_key"]
    if first:
        params["AddPrivateKey"] = keys[first].pem
    arn = str(
        with_retries(lambda: client.create_saml_provider(**params), f"CreateSAMLProvider {desired.name}")[
            "SAMLProviderArn"
        ]
    )
    if first:
        _tag_new_keys(client, arn, set(), first)
    return arn


def _update(client: Client, arn: str, document: str | None, mode: str | None, name: str) -> None:
    params: dict[str, Any] = {"SAMLProviderArn": arn}
    if document is not None:
        params["SAMLMetadataDocument"] = document
    if mode:
        params["AssertionEncryptionMode"] = mode
    with_retries(lambda: client.update_saml_provider(**params), f"UpdateSAMLProvider {name}")


def _key_ids(client: Client, arn: str) -> set[str]:
    got = with_retries(lambda: client.get_saml_provider(SAMLProviderArn=arn), "GetSAMLProvider")
    return {k["KeyId"] for k in got.get("PrivateKeyList", [])}


def _add_key(client: Client, arn: str, pem: str, sha256: str, name: str) -> None:
    before = _key_ids(client, arn)
    with_retries(
        lambda: client.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=pem), f"AddPrivateKey {name}"
    )
    _tag_new_keys(client, arn, before, sha256)


def _tag_new_keys(client: Client, arn: str, before: set[str], sha256: str) -> None:
    """Remember which KeyId holds which key (IAM tells only KeyId and Timestamp)."""
    tags = [{"Key": KEY_TAG_PREFIX + kid, "Value": sha256} for kid in sorted(_key_ids(client, arn) - before)]
    if tags:
        with_retries(lambda: client.tag_saml_provider(SAMLProviderArn=arn, Tags=tags), "TagSAMLProvider")


def _remove_key(client: Client, arn: str, key_id: str, name: str) -> None:
    with_retries(
        lambda: client.update_saml_provider(SAMLProviderArn=arn, RemovePrivateKey=key_id),
        f"RemovePrivateKey {name}",
    )
    with_retries(
        lambda: client.untag_saml_provider(SAMLProviderArn=arn, TagKeys=[KEY_TAG_PREFIX + key_id]),
        "UntagSAMLProvider",
    )


# --------------------------------------------------------------------------------------------------- roles


def role_trust_policy(client: Client, role_name: str) -> dict[str, Any]:
    """The role's AssumeRolePolicyDocument as a dict (boto3 decodes it; a URL-encoded string is too)."""
    got = with_retries(lambda: client.get_role(RoleName=role_name), f"GetRole {role_name}")
    document = got["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    if not isinstance(document, dict):
        raise AWSCallFailed(f"GetRole {role_name}: the trust policy is not a JSON object")
    return document


# ---------------------------------------------------------------------------------------------- accounts


def sync_account(
    account: AccountConfig, desireds: Sequence[Desired], apply: bool, progress: Callable[[str], None]
) -> list[Json]:
    """Plan (and with ``apply``, apply) every provider of one account; one provider's failure is recorded."""
    client = iam_client(session_for(account), region=account.region, endpoint_url=account.endpoint_url)
    results: list[Json] = []
    for desired in desireds:
        try:
            plan = plan_aws_sync(client, desired)
            arn = plan.arn
            status = "unchanged" if plan.action == "unchanged" else "planned"
            if apply and plan.action != "unchanged":
                arn = apply_aws_sync(client, plan, desired)
                status = "applied"
        except SAMLError as error:
            progress(f"{account.name}: {desired.name}: failed: {error.code}")
            results.append(failed(account.name, desired.name, error))
            continue
        progress(f"{account.name}: {desired.name}: {plan.action} ({status})")
        results.append(
            {
                "account": account.name,
                "provider": desired.name,
                "status": status,
                "plan": plan.to_json(),
                "arn": arn,
                "error": None,
            }
        )
    return results
