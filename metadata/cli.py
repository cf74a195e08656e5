"""``saml-metadata``: stub until the metadata issue lands."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Generate, sign, verify, inspect and diff SAML metadata; keep IAM in sync."""
