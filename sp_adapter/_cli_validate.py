"""Stub until the validation issue lands."""

from __future__ import annotations

import click


@click.command()
def validate_command() -> None:
    """Validate a SAML response (not implemented yet)."""
    raise SystemExit(2)
