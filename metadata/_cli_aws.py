"""The AWS-facing ``saml-metadata`` commands: aws-sp, aws-sync, trust-policy."""

from __future__ import annotations

import sys

import click

from saml_core._cli import OneLineErrorsCommand
from saml_core.errors import ConfigError

from ._aws import PARTITIONS
from ._aws import aws_sp_entity
from ._cli_common import emit_document
from ._cli_common import emit_json
from ._cli_common import errors_handled
from ._cli_common import read_bytes
from ._errors import TrustPolicyMismatch
from ._fleet import AccountConfig
from ._fleet import run_fleet
from ._fleet import summary_table
from ._render import render
from ._sync import Desired
from ._sync import EncryptionMode
from ._sync import PrivateKey
from ._trust_policy import check_trust_policy
from ._trust_policy import describe_missing
from ._trust_policy import trust_policy
from .config import load_fleet
from .config import load_idp_needs


@click.command(cls=OneLineErrorsCommand)
@click.option("--partition", type=click.Choice(PARTITIONS), default="aws", show_default=True)
@click.option("--region", help="Regional sign-in endpoint (default: the partition's global one).")
@click.option("--provider-uuid", help="IAM SAMLProviderUUID: the /saml/acs/{ID} ACS used with encryption.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@errors_handled
def aws_sp_command(partition: str, region: str | None, provider_uuid: str | None, out: str | None) -> None:
    """AWS's SP metadata, to register AWS in an IdP: entity per partition, ACS per region."""
    emit_document(render(aws_sp_entity(partition, region, provider_uuid)), out)


@click.command(cls=OneLineErrorsCommand)
@click.option("--metadata", "metadata_file", help="The IdP metadata to upload.")
@click.option("--provider-name", help="The IAM SAML provider name.")
@click.option("--config", "config_file", help="A TOML file describing providers across accounts (see docs).")
@click.option("--region", help="AWS region for the IAM client.")
@click.option("--endpoint-url", help="IAM/STS endpoint (tests, VPC endpoints).")
@click.option("--profile", help="AWS profile to use.")
@click.option("--apply", is_flag=True, help="Make the changes; without it only the plan is printed.")
@click.option("--assertion-encryption-mode", type=click.Choice(["Required", "Allowed"]), help="Set the mode.")
@click.option(
    "--private-key", "private_keys", multiple=True, help="Decryption key (PEM) IAM must hold; max 2."
)
@click.option("--remove-private-key", "remove_keys", multiple=True, help="IAM KeyId to remove.")
@click.option("--allow-abrupt-rollover", is_flag=True, help="Apply even if no signing certificate is kept.")
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE tag set when the provider is created.")
@errors_handled
def aws_sync_command(
    metadata_file: str | None,
    provider_name: str | None,
    config_file: str | None,
    region: str | None,
    endpoint_url: str | None,
    profile: str | None,
    apply: bool,
    assertion_encryption_mode: str | None,
    private_keys: tuple[str, ...],
    remove_keys: tuple[str, ...],
    allow_abrupt_rollover: bool,
    tags: tuple[str, ...],
) -> None:
    """Plan (and with --apply, make) IAM SAML providers match metadata: create | update | unchanged.

    One provider: --metadata FILE --provider-name NAME; prints the plan as JSON. Many providers in many
    accounts: --config FILE; accounts run in parallel, progress and a summary table go to stderr, the results
    as JSON to stdout, and a failing account is reported without stopping the others (exit 1).
    """
    from . import iam

    if config_file:
        if metadata_file or provider_name:
            raise click.UsageError("--config describes the providers; do not combine it with --metadata")
        fleet = load_fleet(config_file)
        results = run_fleet(fleet, iam.sync_account, apply=apply, stream=sys.stderr)
        sys.stderr.write(summary_table(results))
        ok = all(r["status"] != "failed" for r in results)
        emit_json({"ok": ok, "applied": apply, "results": results})
        if not ok:
            raise SystemExit(1)
        return
    if not metadata_file or not provider_name:
        raise click.UsageError("give --metadata and --provider-name (or --config)")
    desired = Desired(
        name=provider_name,
        document=read_bytes(metadata_file),
        encryption_mode="Required"
        if assertion_encryption_mode == "Required"
        else _allowed(assertion_encryption_mode),
        private_keys=tuple(PrivateKey.from_pem(read_bytes(k)) for k in private_keys),
        remove_key_ids=remove_keys,
        tags=dict(_pair(t) for t in tags),
        allow_abrupt_rollover=allow_abrupt_rollover,
    )
    account = AccountConfig(name="default", profile=profile, region=region, endpoint_url=endpoint_url)
    client = iam.iam_client(iam.session_for(account), region=region, endpoint_url=endpoint_url)
    plan = iam.plan_aws_sync(client, desired)
    report = plan.to_json()
    if apply and plan.action != "unchanged":
        report["arn"] = iam.apply_aws_sync(client, plan, desired)
    report["applied"] = apply and plan.action != "unchanged"
    emit_json(report)


def _allowed(mode: str | None) -> EncryptionMode | None:
    return "Allowed" if mode == "Allowed" else None


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--tag {text!r} is not KEY=VALUE")
    return key, value


@click.command(cls=OneLineErrorsCommand)
@click.option("--provider-arn", required=True, help="arn:aws:iam::ACCOUNT:saml-provider/NAME")
@click.option("--region", "regions", multiple=True, help="A regional sign-in endpoint in use; repeat.")
@click.option("--tags", is_flag=True, help="The IdP sends PrincipalTag attributes: allow sts:TagSession.")
@click.option(
    "--source-identity", is_flag=True, help="The IdP sends SourceIdentity: allow sts:SetSourceIdentity."
)
@click.option("--provider-uuid", help="Also allow the /saml/acs/{ID} Recipient (encrypted assertions).")
@click.option("--idp-config", help="Take --tags, --source-identity and --region from a saml-idp config file.")
@click.option(
    "--check", "check_role", metavar="ROLE", help="Compare ROLE's trust policy (IAM GetRole) instead."
)
@click.option("--endpoint-url", help="IAM endpoint for --check (tests).")
@click.option("--profile", help="AWS profile for --check.")
@errors_handled
def trust_policy_command(
    provider_arn: str,
    regions: tuple[str, ...],
    tags: bool,
    source_identity: bool,
    provider_uuid: str | None,
    idp_config: str | None,
    check_role: str | None,
    endpoint_url: str | None,
    profile: str | None,
) -> None:
    """The role trust policy for a SAML provider, as JSON: sts:AssumeRoleWithSAML (+ sts:TagSession,
    sts:SetSourceIdentity) and SAML:aud for every sign-in endpoint in use.

    With --check ROLE: read the role's policy and name what it misses (actions, SAML:aud values); exit 1 then.
    """
    if idp_config:
        needs = load_idp_needs(idp_config)
        tags, source_identity = tags or needs.tags, source_identity or needs.source_identity
        regions = tuple(dict.fromkeys([*regions, *needs.regions]))
    expected = trust_policy(
        provider_arn, regions=regions, tags=tags, source_identity=source_identity, provider_uuid=provider_uuid
    )
    if check_role is None:
        emit_json(expected)
        return
    from . import iam

    account = AccountConfig(name="default", profile=profile, endpoint_url=endpoint_url)
    client = iam.iam_client(iam.session_for(account), endpoint_url=endpoint_url)
    result = check_trust_policy(iam.role_trust_policy(client, check_role), expected)
    emit_json({"role": check_role, **result, "expected": expected})
    if not result["ok"]:
        raise TrustPolicyMismatch(f"role {check_role}: {describe_missing(result)}")
