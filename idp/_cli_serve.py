"""Stub until the web IdP issue lands."""

from __future__ import annotations

import click


@click.command()
def serve_command() -> None:
    """Serve the web IdP (not implemented yet)."""
    raise SystemExit(2)
