"""``saml-idp``: issue responses, list faults, serve the web IdP."""

from __future__ import annotations

import click

from saml_core._cli import OneLineErrorsGroup

from ._cli_issue import faults_command
from ._cli_issue import issue_command
from ._cli_serve import serve_command


@click.group(cls=OneLineErrorsGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A SAML 2.0 identity provider for AWS federation and integration tests."""


main.add_command(issue_command, "issue")
main.add_command(faults_command, "faults")
main.add_command(serve_command, "serve")
