"""``saml-sp local-sts``: run the local STS (see ``_local_sts``) in the foreground until interrupted."""

from __future__ import annotations

import json
import logging
from typing import Any

import click
import uvicorn

from saml_core import KeyPair
from saml_core._bounded import read_file
from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core._cli import host_port
from saml_core._cli import listening_socket
from saml_core.errors import ConfigError

from ._local_sts import LocalStsConfig
from ._local_sts import create_local_sts_app
from ._local_sts_directory import DEFAULT_ACCOUNT
from ._local_sts_directory import Directory
from ._local_sts_directory import IamDirectory
from ._local_sts_directory import StaticDirectory
from ._replay import replay_cache_from_url


def _directory(options: dict[str, Any]) -> Directory:
    if options["iam_endpoint"] and options["providers"]:
        raise ConfigError("use either --iam-endpoint or --provider, not both")
    if options["iam_endpoint"]:
        return IamDirectory.from_endpoint(options["iam_endpoint"], options["iam_region"])
    if not options["providers"]:
        raise ConfigError("no SAML provider: pass --provider NAME=METADATA_FILE or --iam-endpoint URL")
    return StaticDirectory.from_specs(
        options["providers"],
        account=options["account"],
        partition=options["partition"],
        max_session_duration=options["max_session_duration"],
    )


def _decryption_keys(options: dict[str, Any]) -> dict[str, tuple[KeyPair, ...]]:
    """``--provider-key NAME=KEY.pem`` (NAME as in --provider, or a full provider ARN)."""
    keys: dict[str, tuple[KeyPair, ...]] = {}
    for spec in options["provider_keys"]:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise ConfigError(f"--provider-key wants NAME_OR_ARN=PRIVATE_KEY_PEM, not {spec!r}")
        arn = (
            name
            if name.startswith("arn:")
            else (f"arn:{options['partition']}:iam::{options['account']}:saml-provider/{name}")
        )
        key = KeyPair.from_private_pem(read_file(path))
        keys[arn] = (*keys.get(arn, ()), key)
    return keys


@click.command(cls=OneLineErrorsCommand)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="[0: a free port, printed]")
@click.option("--iam-endpoint", help="Read SAML providers and roles from this IAM endpoint (moto's server).")
@click.option("--iam-region", default="us-east-1", show_default=True, help="Region for --iam-endpoint.")
@click.option("--provider", "providers", multiple=True, help="NAME=METADATA_FILE (repeatable).")
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, help="Account of --provider's ARNs.")
@click.option("--partition", default="aws", show_default=True, help="Partition of --provider's ARNs.")
@click.option(
    "--max-session-duration",
    type=int,
    default=3600,
    show_default=True,
    help="MaxSessionDuration of every role (--provider mode).",
)
@click.option(
    "--provider-key",
    "provider_keys",
    multiple=True,
    help="NAME_OR_ARN=PRIVATE_KEY_PEM (repeatable): the key AWS holds to decrypt that provider's assertions.",
)
@click.option("--replay-cache", default="memory://", show_default=True, help="Where used assertion IDs go.")
@click.option("--no-replay-check", is_flag=True, help="Accept an assertion more than once.")
@click.option("--clock-skew", type=click.IntRange(0, 600), default=180, show_default=True)
@click.option("--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal.")
def local_sts_command(host: str, port: int, json_mode: bool | None, **options: Any) -> None:
    """Serve an STS Query API (AssumeRoleWithSAML, GetCallerIdentity) that checks assertions like AWS.

    Point boto3 at it with endpoint_url; the first line on stdout is {"endpoint_url": "http://HOST:PORT"}.
    """
    with cli_errors(json_mode=json_mode or None):
        replay = None if options["no_replay_check"] else replay_cache_from_url(options["replay_cache"])
        config = LocalStsConfig(
            directory=_directory(options),
            replay_cache=replay,
            clock_skew=options["clock_skew"],
            decryption_keys=_decryption_keys(options),
        )
        sock = listening_socket(host, port)  # TCP_NODELAY; a busy port is ConfigError (exit 2)
    bound_host, bound_port = sock.getsockname()[:2]
    click.echo(json.dumps({"endpoint_url": f"http://{host_port(bound_host, bound_port)}"}))
    logging.basicConfig(level=logging.INFO, format="local-sts: %(message)s")
    server = uvicorn.Server(uvicorn.Config(create_local_sts_app(config), log_level="warning", lifespan="off"))
    with sock:
        server.run(sockets=[sock])
