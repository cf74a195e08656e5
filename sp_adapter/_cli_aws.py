"""Stub until the AWS exchange issue lands."""

from __future__ import annotations

import click


def register_aws_commands(group: click.Group) -> None:
    """Add exchange, login, console-url, local-sts and serve to ``group`` (not implemented yet)."""
