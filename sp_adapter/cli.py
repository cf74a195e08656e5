"""``saml-sp``: validate responses, exchange them for AWS credentials, run a local STS."""

from __future__ import annotations

import click

from saml_core._cli import OneLineErrorsGroup

from ._cli_aws import register_aws_commands
from ._cli_serve import serve_command
from ._cli_validate import validate_command


@click.group(cls=OneLineErrorsGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The relying side of SAML federation into AWS: a strict validator and the STS exchange."""


main.add_command(validate_command, "validate")
register_aws_commands(main)
main.add_command(serve_command, "serve")
