"""``saml-sp console-url``: temporary credentials in, an AWS console sign-in URL out (see ``_console``).

Credentials come from a JSON file or stdin (``--format json`` or credential-process output), a profile of
the credentials file, or the environment. The URL is a 15-minute bearer secret: it goes to stdout only.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from pathlib import Path

import click
import httpx

from saml_core import utcnow
from saml_core._bounded import read_file
from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core.errors import ConfigError

from ._cli_validate import read_input
from ._console import console_url
from ._exchange import AwsCredentials

HTTP_TIMEOUT = 20.0


def _from_pairs(
    values: Mapping[str, str | None], names: tuple[str, str, str, str], where: str
) -> AwsCredentials:
    key_id, secret, token, expires = (values.get(name) for name in names)
    if not key_id or not secret or not token:
        raise ConfigError(f"no temporary credentials in {where} ({', '.join(names[:3])} are needed)")
    expiration = utcnow()
    if expires:
        expiration = AwsCredentials.from_json(
            {"AccessKeyId": key_id, "SecretAccessKey": secret, "SessionToken": token, "Expiration": expires}
        ).expiration
    return AwsCredentials(
        access_key_id=key_id,
        secret_access_key=secret,
        session_token=token,
        expiration=expiration,
        role_arn="",
    )


def load_credentials(source: str | None, profile: str | None, credentials_file: str | None) -> AwsCredentials:
    """Credentials from a JSON file or stdin (``--format json`` or credential-process output), a profile of
    the credentials file, or the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)."""
    if source is not None:
        raw = read_input(source)
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigError("the credentials input is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigError("the credentials input is not a JSON object")
        return AwsCredentials.from_json(data)
    if profile is not None:
        path = Path(credentials_file or os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(read_file(path.expanduser()).decode("utf-8"))
        except (configparser.Error, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {path}: {type(error).__name__}") from None
        if not parser.has_section(profile):
            raise ConfigError(f"no profile {profile!r} in {path}")
        section = dict(parser.items(profile))
        names = (
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "x_security_token_expires",
        )
        return _from_pairs(section, names, f"profile {profile!r}")
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")
    return _from_pairs(dict(os.environ), names, "the environment")


@click.command(cls=OneLineErrorsCommand)
@click.option("--credentials", "source", help="JSON credentials file, or '-' for stdin.")
@click.option("--profile", help="Read the credentials of this profile from the credentials file.")
@click.option("--credentials-file", type=click.Path(dir_okay=False), help="[~/.aws/credentials]")
@click.option("--partition", default=None, help="aws | aws-cn | aws-us-gov [from the role ARN, else aws].")
@click.option("--federation-url", help="Federation endpoint override (https, or http on loopback).")
@click.option("--destination", help="Console page to open [the partition's console home].")
@click.option("--issuer", help="URL users return to when the console session ends.")
@click.option("--session-duration", type=int, default=None, help="Console session seconds, 900-43200.")
@click.option("--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal.")
def console_url_command(
    source: str | None,
    profile: str | None,
    credentials_file: str | None,
    partition: str | None,
    federation_url: str | None,
    destination: str | None,
    issuer: str | None,
    session_duration: int | None,
    json_mode: bool | None,
) -> None:
    """Print an AWS console sign-in URL for temporary credentials (valid 15 minutes; treat it as a secret).

    Without --credentials or --profile the credentials come from the environment.
    """
    with cli_errors(json_mode=json_mode or None):
        credentials = load_credentials(source, profile, credentials_file)
        with httpx.Client(timeout=HTTP_TIMEOUT) as http:
            url = console_url(
                credentials,
                http=http,
                partition=partition,
                federation_url=federation_url,
                destination=destination,
                issuer=issuer,
                session_duration=session_duration,
            )
        click.echo(url)
