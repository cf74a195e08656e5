"""``saml-sp exchange | login | console-url | local-sts``: the AWS side of the command line (INTERFACES.md).

Exit codes: 0 success; 1 rejected (by our validator, by STS, by the IdP, or STS's answer failed the R59
cross-check); 2 usage or configuration error. Credentials go to stdout (or to the credentials file / cache the
user names, 0600); prompts go to /dev/tty, never stdout. Local validation always runs before any request to
STS: a response the validator rejects is never sent.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TextIO

import click
import httpx

from saml_core import utcnow
from saml_core._bounded import read_file
from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core.errors import ConfigError

from . import _cli_validate as validate_cli
from ._cli_console import console_url_command
from ._cli_local_sts import local_sts_command
from ._cli_validate import ValidationSetup
from ._cli_validate import read_input
from ._cli_validate import validation_options
from ._credcache import CredentialCache
from ._credcache import cache_key
from ._exchange import AwsCredentials
from ._exchange import RoleChooser
from ._exchange import check_duration
from ._exchange import choose_role
from ._exchange import exchange
from ._login import fetch_metadata
from ._login import sign_in
from ._outputs import FORMATS
from ._outputs import check_profile_name
from ._outputs import render
from ._outputs import write_profile
from ._replay import replay_cache_from_url
from ._result import AwsRolePair
from ._result import ValidatedAssertion
from ._trust import Trust

HTTP_TIMEOUT = 20.0
_MAX_PASSWORD = 4096
"""Bytes of the --password-stdin line at most (after its newline is dropped)."""


# ------------------------------------------------------------------------------------------ role choice


def prompt_role(roles: Sequence[AwsRolePair], reader: TextIO, writer: TextIO) -> AwsRolePair:
    """Ask which role to assume: a numbered list on ``writer``, the answer from ``reader`` (3 tries)."""
    writer.write("The assertion offers several roles:\n")
    for number, pair in enumerate(roles, 1):
        writer.write(f"  [{number}] {pair.role_arn}  ({pair.principal_arn})\n")
    for _ in range(3):
        writer.write(f"Role to assume [1-{len(roles)}]: ")
        writer.flush()
        answer = reader.readline().strip()
        if answer.isdigit() and 1 <= int(answer) <= len(roles):
            return roles[int(answer) - 1]
        if not answer and not reader.readable():
            break
    raise ConfigError("no role chosen; pass --role-arn")


def interactive() -> bool:
    """A person may be there: stdin or stderr is a terminal (the AWS CLI runs credential_process with the
    terminal as stdin and stderr captured). Questions then go to /dev/tty, never to stdout."""
    return sys.stdin.isatty() or sys.stderr.isatty()


def terminal_chooser() -> RoleChooser | None:
    """A chooser prompting on /dev/tty when ``interactive()``; else None."""
    if not interactive():
        return None

    def choose(roles: Sequence[AwsRolePair]) -> AwsRolePair:
        try:
            with open("/dev/tty", encoding="utf-8") as reader:
                with open("/dev/tty", "w", encoding="utf-8") as writer:
                    return prompt_role(roles, reader, writer)
        except OSError:
            raise ConfigError("several roles and no terminal to choose on; pass --role-arn") from None

    return choose


# --------------------------------------------------------------------------------------- shared options


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangePlan:
    """The exchange and output options, checked once."""

    role_arn: str | None
    principal_arn: str | None
    region: str | None
    endpoint_url: str | None
    duration: int | None
    fmt: str
    profile: str | None
    credentials_file: Path | None
    cache: CredentialCache | None
    verify_answer: bool

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> ExchangePlan:
        if options.get("no_answer_check") and not options.get("endpoint_url"):
            raise ConfigError("--no-answer-check is only for stand-ins such as moto; it needs --endpoint-url")
        profile = options.pop("profile")
        credentials_file = options.pop("credentials_file")
        if profile is not None:
            check_profile_name(profile)
        if credentials_file is None and profile is not None:
            credentials_file = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
        cache_dir = options.pop("cache_dir")
        skip_check = options.pop("no_answer_check")
        return cls(
            role_arn=options.pop("role_arn"),
            principal_arn=options.pop("principal_arn"),
            region=options.pop("sts_region"),
            endpoint_url=options.pop("endpoint_url"),
            duration=check_duration(options.pop("duration")),
            fmt=options.pop("fmt"),
            profile=profile,
            credentials_file=Path(credentials_file).expanduser() if credentials_file else None,
            cache=CredentialCache(Path(cache_dir)) if cache_dir else None,
            verify_answer=not skip_check,
        )


_OURS = [
    click.option("--role-arn", help="The role to assume; one of the assertion's roles."),
    click.option("--principal-arn", help="The SAML provider ARN; must be the one paired with --role-arn."),
    click.option("--region", "sts_region", help="STS region [the Recipient's region, else us-east-1]."),
    click.option("--endpoint-url", help="STS endpoint override (a local STS, moto)."),
    click.option("--duration", type=int, default=None, help="DurationSeconds, 900-43200 [STS default 3600]."),
    click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True),
    click.option("--profile", help="Write the credentials into the credentials file as this profile."),
    click.option("--credentials-file", type=click.Path(dir_okay=False), help="[~/.aws/credentials]"),
    click.option("--cache-dir", type=click.Path(file_okay=False), help="Reuse unexpired credentials (0700)."),
    click.option("--no-answer-check", is_flag=True, help="Skip the R59 check of STS's answer (moto only)."),
    click.option(
        "--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal."
    ),
]


def exchange_options(function: Any) -> Any:
    """The validate options plus ours; apply ``without_recipient_regions`` to the command afterwards."""
    for option in reversed(_OURS):
        function = option(function)
    return validation_options(function)


def without_recipient_regions(command: click.Command) -> click.Command:
    """Drop the validate options' ``--region`` (recipient regions): here ``--region`` names the STS region,
    and recipients of every region of the partition are accepted."""
    command.params = [p for p in command.params if p.name != "regions"]
    return command


def _aws_default(options: dict[str, Any]) -> dict[str, Any]:
    """``exchange`` is for AWS: ``--aws`` unless a generic --audience/--recipient policy is given."""
    if not options.get("audiences") and not options.get("recipients"):
        options["aws"] = True
    return options


# ----------------------------------------------------------------------------------------------- output


def emit(credentials: AwsCredentials, plan: ExchangePlan) -> None:
    """Credentials to the credentials file (with a secret-free summary on stdout) or to stdout."""
    if plan.credentials_file is not None:
        written = write_profile(plan.credentials_file, plan.profile or "default", credentials)
        summary = {
            "profile": plan.profile or "default",
            "credentials_file": str(written),
            "expiration": credentials.to_json()["Expiration"],
            "assumed_role_arn": credentials.assumed_role_arn,
        }
        click.echo(json.dumps(summary))
        return
    click.echo(render(credentials, plan.fmt, plan.profile or "default"), nl=False)


def credentials_for(
    assertion: ValidatedAssertion, plan: ExchangePlan, role: AwsRolePair, key: str | None
) -> AwsCredentials:
    """Cached credentials for ``key`` when still good, else AssumeRoleWithSAML (and cache the result)."""
    if plan.cache is not None and key is not None:
        cached = plan.cache.get(key, utcnow())
        if cached is not None:
            return cached
    result = exchange(
        assertion,
        role_arn=role.role_arn,
        principal_arn=role.principal_arn,
        duration=plan.duration,
        region=plan.region,
        endpoint_url=plan.endpoint_url,
        verify_answer=plan.verify_answer,
    )
    if plan.cache is not None and key is not None:
        plan.cache.put(key, result.credentials)
    return result.credentials


# --------------------------------------------------------------------------------------------- commands


@without_recipient_regions
@click.command(cls=OneLineErrorsCommand)
@exchange_options
@click.argument("source", metavar="[INPUT|-]", default="-", required=False)
def exchange_command(source: str, json_mode: bool | None, **options: Any) -> None:
    """Validate a SAML response locally, then exchange it for AWS credentials (AssumeRoleWithSAML).

    INPUT holds the base64 SAMLResponse (as POSTed) or the raw XML; '-' or nothing reads stdin. The validate
    options apply (``--aws`` is implied); a response the validator rejects is never sent to STS.
    """
    with cli_errors(json_mode=json_mode or None):
        plan = ExchangePlan.from_options(options)
        setup = ValidationSetup.from_options(_aws_default(options))
        assertion = setup.validate(read_input(source))
        role = choose_role(assertion, plan.role_arn, plan.principal_arn, terminal_chooser())
        key = cache_key(role.role_arn, role.principal_arn, assertion.issuer, assertion.name_id)
        emit(credentials_for(assertion, plan, role, key), plan)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        raw = sys.stdin.buffer.readline(_MAX_PASSWORD + 1)  # one line, never an endless stream
        raw = raw[:-1] if raw.endswith(b"\n") else raw
        if len(raw) > _MAX_PASSWORD:
            raise ConfigError(f"the password on stdin is longer than {_MAX_PASSWORD} bytes")
        try:
            password = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("the password on stdin is not UTF-8") from None
    else:
        if not interactive():
            raise ConfigError("no terminal to ask the password on; pass --password-stdin")
        try:
            with open("/dev/tty", encoding="utf-8"):
                pass
        except OSError:
            raise ConfigError("no terminal to ask the password on; pass --password-stdin") from None
        password = getpass.getpass("Password: ")  # prompts and reads on /dev/tty
    if not password:
        raise ConfigError("the password is empty")
    return password


def _login_setup(options: dict[str, Any], http: httpx.Client, idp_url: str) -> ValidationSetup:
    """The validate options; without --idp-metadata/--idp-cert, trust the metadata the IdP serves."""
    if options.get("idp_metadata") or options.get("idp_cert"):
        return ValidationSetup.from_options(_aws_default(options))
    fetched = fetch_metadata(http, idp_url)
    # ValidationSetup.from_options wants trust from files; the rest of its work is reused as is.
    opts = _aws_default(options)
    cache_url = opts.get("replay_cache")
    return ValidationSetup(
        trust=Trust.from_metadata(fetched),
        policy=validate_cli._policy(opts),
        now=validate_cli._parse_now(opts.get("now_text")),
        request_id=opts.get("request_id"),
        replay_cache=replay_cache_from_url(cache_url) if cache_url else None,
        decrypt_keys=tuple(
            validate_cli._decryption_key(read_file(path)) for path in opts.get("decrypt_key", ())
        ),
    )


@without_recipient_regions
@click.command(cls=OneLineErrorsCommand)
@click.option("--idp-url", required=True, help="Base URL of the IdP (https, or http on loopback).")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@exchange_options
def login_command(
    idp_url: str, username: str, password_stdin: bool, json_mode: bool | None, **options: Any
) -> None:
    """Sign in at an IdP of this project without a browser, validate the response, exchange it.

    Without --idp-metadata or --idp-cert the IdP's own /metadata is trusted (fine on loopback; pin it
    otherwise). With --cache-dir and --role-arn, unexpired cached credentials are returned without signing
    in: the form to use in ``credential_process``.
    """
    with cli_errors(json_mode=json_mode or None):
        plan = ExchangePlan.from_options(options)
        key = cache_key(plan.role_arn, idp_url.rstrip("/"), username) if plan.role_arn else None
        if plan.cache is not None and key is not None:
            cached = plan.cache.get(key, utcnow())
            if cached is not None:
                emit(cached, plan)
                return
        password = _password(password_stdin)
        with httpx.Client(timeout=HTTP_TIMEOUT) as http:
            saml_response = sign_in(http, idp_url, username, password, plan.role_arn)
            setup = _login_setup(options, http, idp_url)
        assertion = setup.validate(saml_response.encode("ascii"))
        role = choose_role(assertion, plan.role_arn, plan.principal_arn, terminal_chooser())
        key = cache_key(role.role_arn, idp_url.rstrip("/"), username)
        emit(credentials_for(assertion, plan, role, key), plan)


def register_aws_commands(group: click.Group) -> None:
    """Add ``exchange``, ``login``, ``console-url`` and ``local-sts`` to ``group``."""
    group.add_command(exchange_command, "exchange")
    group.add_command(login_command, "login")
    group.add_command(console_url_command, "console-url")
    group.add_command(local_sts_command, "local-sts")
