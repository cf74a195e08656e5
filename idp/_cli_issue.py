"""Stub until the issuance issue lands."""

from __future__ import annotations

import click


@click.command()
def issue_command() -> None:
    """Issue a signed SAML response (not implemented yet)."""
    raise SystemExit(2)


@click.command()
def faults_command() -> None:
    """List the fault-injection catalogue (not implemented yet)."""
    raise SystemExit(2)
