"""``saml-idp issue`` and ``saml-idp faults`` (INTERFACES.md).

``issue`` prints the base64 ``SAMLResponse`` (or the XML with ``--xml``) and exits 0. Every problem with the
options, the keys or the values asked for is a usage error: one line on stderr (one JSON object with
``--json`` or when stderr is not a terminal) and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import NoReturn

import click

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core import new_id
from saml_core import sequential_ids
from saml_core._bounded import read_file
from saml_core._cli import EXIT_USAGE
from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import emit_error
from saml_core._cli import parse_now

from ._aws import AwsRole
from ._errors import IdPConfigError
from ._faults import FAULT_ALIASES
from ._faults import FAULTS
from ._issue import SIGN_MODES
from ._issue import IdentityProvider
from ._issue import IssuedResponse
from .config import IdPConfig
from .config import ServiceProvider
from .config import User
from .config import load_config


def _usage_error(error: SAMLError, json_mode: bool | None) -> NoReturn:
    emit_error(error, json_mode=json_mode)
    raise SystemExit(EXIT_USAGE)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Request:
    """The options of one ``issue`` call, as click parsed them."""

    config: str | None
    key: str | None
    cert: str | None
    entity_id: str | None
    user: str | None
    sp: str | None
    name_id: str | None
    name_id_format: str | None
    roles: tuple[str, ...]
    session_name: str | None
    session_duration: int | None
    tags: tuple[str, ...]
    transitive_tags: tuple[str, ...]
    source_identity: str | None
    attributes: tuple[str, ...]
    partition: str | None
    region: str | None
    provider_uuid: str | None
    recipient: str | None
    audience: str | None
    in_response_to: str | None
    lifetime: int
    sign: str | None
    signature_method: str | None
    encrypt_cert: str | None
    faults: tuple[str, ...]
    now: str | None
    sequential_ids: bool
    xml: bool
    json: bool


@click.command(cls=OneLineErrorsCommand)
@click.option("--config", type=click.Path(dir_okay=False), help="IdP config file (TOML): keys, users, SPs.")
@click.option(
    "--key", type=click.Path(dir_okay=False), help="Signing key, PEM (with --cert and --entity-id)."
)
@click.option("--cert", type=click.Path(dir_okay=False), help="Signing certificate, PEM.")
@click.option("--entity-id", help="The IdP entity ID (Issuer).")
@click.option("--user", help="A user of --config: NameID, roles, tags and attributes come from it.")
@click.option("--sp", help="A service provider of --config: recipient, audience, signing, encryption.")
@click.option("--name-id", help="The NameID (default: the user's).")
@click.option("--name-id-format", help="NameID Format URI (default: persistent for AWS, else unspecified).")
@click.option(
    "--role", "roles", multiple=True, metavar="ROLE_ARN,PROVIDER_ARN", help="AWS role pair (repeatable)."
)
@click.option("--session-name", help="AWS RoleSessionName (default: the user's session name or the NameID).")
@click.option("--session-duration", type=int, help="AWS SessionDuration, 900-43200 seconds.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="AWS session tag (repeatable).")
@click.option("--transitive-tag", "transitive_tags", multiple=True, metavar="KEY", help="Transitive tag key.")
@click.option("--source-identity", help="AWS SourceIdentity.")
@click.option("--attribute", "attributes", multiple=True, metavar="NAME=VALUE", help="Extra attribute value.")
@click.option("--partition", type=click.Choice(["aws", "aws-cn", "aws-us-gov"]), help="AWS partition [aws].")
@click.option("--region", help="Sign in through this region's endpoint (https://REGION.signin...).")
@click.option("--provider-uuid", help="IdP-ID of an encrypting AWS provider: Recipient /saml/acs/{IdP-ID}.")
@click.option("--recipient", help="Recipient and Destination (default: AWS sign-in for the partition).")
@click.option("--audience", help="Audience (default: the partition's AWS audience).")
@click.option("--in-response-to", help="The AuthnRequest ID this answers.")
@click.option("--lifetime", type=click.IntRange(1, 86400), default=300, show_default=True, help="Seconds.")
@click.option("--sign", type=click.Choice(SIGN_MODES), help="What to sign [both].")
@click.option("--signature-method", help="e.g. rsa-sha256, rsa-sha512, ecdsa-sha256 [key's default].")
@click.option(
    "--encrypt-cert", type=click.Path(dir_okay=False), help="Encrypt the assertion to this cert (PEM)."
)
@click.option(
    "--fault", "faults", multiple=True, metavar="NAME", help="Apply a fault (see `saml-idp faults`)."
)
@click.option(
    "--now",
    help="Issue at this ISO 8601 instant (with zone; years 1971-9899), for reproducible output.",
)
@click.option(
    "--sequential-ids",
    is_flag=True,
    help="IDs _id1, _id2, ... instead of random ones (with --now: byte-stable).",
)
@click.option("--xml", is_flag=True, help="Print the XML instead of the base64.")
@click.option("--json", "json_", is_flag=True, help="Errors as one JSON object on stderr.")
def issue_command(**options: Any) -> None:
    """Issue a signed SAML response (AWS-ready when roles are given) and print it."""
    json_mode = True if options.pop("json_") else None
    request = _Request(json=json_mode is True, **options)
    try:
        issued = _issue(request)
    except SAMLError as error:
        _usage_error(error, json_mode)
    except OSError as error:
        _usage_error(
            IdPConfigError(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")), json_mode
        )
    sys.stdout.write((issued.xml.decode("utf-8") if request.xml else issued.b64) + "\n")


@click.command(cls=OneLineErrorsCommand)
def faults_command() -> None:
    """List the fault catalogue: one name and one line each (xsw1..xsw8 also answer to xsw-1..xsw-8)."""
    width = max(len(name) for name in FAULTS)
    aliases = {name: alias for alias, name in FAULT_ALIASES.items()}
    for name, fault in FAULTS.items():
        also = f" (alias: {aliases[name]})" if name in aliases else ""
        sys.stdout.write(f"{name.ljust(width)}  {fault.description}{also}\n")


# --------------------------------------------------------------------------------------------- issuing


def _issue(request: _Request) -> IssuedResponse:
    config = load_config(request.config) if request.config else None
    provider = _provider(request, config)
    user = _user(request, config)
    sp = _service_provider(request, config)
    name_id = request.name_id or (user.name_id if user else None)
    if not name_id:
        raise IdPConfigError("give --user NAME (with --config) or --name-id VALUE")
    roles = [AwsRole.parse(value) for value in request.roles] or list(user.roles if user else ())
    common: dict[str, Any] = {
        "name_id": name_id,
        "attributes": _attributes(request.attributes, user),
        "in_response_to": request.in_response_to,
        "lifetime": request.lifetime,
        "sign": request.sign or (sp.sign if sp else "both"),
        "signature_method": request.signature_method,
        "encrypt_to": _encrypt_to(request, sp),
        "faults": request.faults,
        "now": _now(request.now),
    }
    fmt = request.name_id_format or (sp.name_id_format if sp else None)
    if fmt:
        common["name_id_format"] = fmt
    if roles:
        return provider.issue_aws(roles=roles, **_aws_options(request, user, sp, roles[0]), **common)
    recipient = request.recipient or (sp.acs_url if sp else None)
    audience = request.audience or (sp.entity_id if sp else None)
    if not recipient or not audience:
        raise IdPConfigError("without --role, give --recipient and --audience (or --sp) for a generic SP")
    return provider.issue(acs_url=recipient, audience=audience, **common)


def _provider(request: _Request, config: IdPConfig | None) -> IdentityProvider:
    ids = sequential_ids() if request.sequential_ids else new_id
    if config is not None:
        if request.key or request.cert:
            raise IdPConfigError("give --config or --key/--cert, not both")
        if not config.keys:
            raise IdPConfigError(f"{request.config} configures no keys ([idp] keys = [...])")
        return IdentityProvider(
            request.entity_id or config.entity_id, config.keys, sso_url=config.sso_url, id_source=ids
        )
    if not (request.key and request.cert and request.entity_id):
        raise IdPConfigError("give --config FILE, or --key PEM --cert PEM --entity-id URI")
    keys = KeyPair.from_pem(read_file(request.key), read_file(request.cert))
    return IdentityProvider(request.entity_id, keys, id_source=ids)


def _user(request: _Request, config: IdPConfig | None) -> User | None:
    if request.user is None:
        return None
    if config is None:
        raise IdPConfigError("--user needs --config (the users live in the config file)")
    user = config.user(request.user)
    if user is None:
        raise IdPConfigError(f"no user {request.user!r} in {request.config}")
    return user


def _service_provider(request: _Request, config: IdPConfig | None) -> ServiceProvider | None:
    if request.sp is None:
        return None
    if config is None:
        raise IdPConfigError("--sp needs --config (the service providers live in the config file)")
    sp = config.service_provider(request.sp)
    if sp is None:
        raise IdPConfigError(f"no service provider {request.sp!r} in {request.config}")
    return sp


def _aws_options(
    request: _Request, user: User | None, sp: ServiceProvider | None, role: AwsRole
) -> dict[str, Any]:
    """The AWS keyword arguments: options first, then the user's and the SP's configuration."""
    tags = dict(user.tags) if user else {}
    tags.update(_pairs(request.tags, "--tag", "KEY=VALUE"))
    duration = request.session_duration
    aws_sp = sp if sp is not None and sp.aws else None
    return {
        "session_name": request.session_name or (user.session_name if user else request.name_id or ""),
        "session_duration": duration if duration is not None else (user.session_duration if user else None),
        "source_identity": request.source_identity or (user.source_identity if user else None),
        "principal_tags": tags,
        "transitive_tag_keys": request.transitive_tags or (user.transitive_tags if user else ()),
        "partition": request.partition or (aws_sp.partition if aws_sp else role.partition),
        "region": request.region or (aws_sp.region if aws_sp else None),
        "provider_uuid": request.provider_uuid or (aws_sp.provider_uuid if aws_sp else None),
        "recipient": request.recipient or (sp.acs_url if sp else None),
        "audience": request.audience or (sp.entity_id if sp else None),
    }


def _pairs(items: Sequence[str], flag: str, shape: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise IdPConfigError(f"{flag} takes {shape}, got {item!r}")
        out.append((key, value))
    return out


def _attributes(items: Sequence[str], user: User | None) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {
        name: list(values) for name, values in (user.attributes if user else {}).items()
    }
    given: dict[str, list[str]] = {}
    for name, value in _pairs(items, "--attribute", "NAME=VALUE"):
        given.setdefault(name, []).append(value)
    merged.update(given)
    return merged


def _encrypt_to(request: _Request, sp: ServiceProvider | None) -> TrustedKey | None:
    if request.encrypt_cert:
        return TrustedKey.from_pem(read_file(request.encrypt_cert))
    return sp.encrypt_cert if sp else None


def _now(text: str | None) -> datetime | None:
    return None if text is None else parse_now(text)
