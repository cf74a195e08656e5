"""The embedded default: what ``saml-idp serve`` runs with no ``--config``.

The demo world of the README: account 111111111111, SAML provider ``DemoIdP``, roles ReadOnly and Admin;
users alice/alice-password (both roles) and bob/bob-password (ReadOnly); AWS sign-in registered as the SP.
It is an ordinary configuration (``config_from_mapping``) whose key lives in a state directory (default
``./.state/idp``; the key file is 0600): generated once, so the metadata stays the same across restarts and
every worker process signs with the same key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._web_config import CERT_FILE
from ._web_config import KEY_FILE
from ._web_config import WebSettings
from ._web_config import settings_from_config
from ._web_config import state_keys
from .config import IdPConfig
from .config import config_from_mapping

DEMO_ENTITY_ID = "https://idp.example.test/"
DEMO_ACCOUNT = "111111111111"
DEMO_PROVIDER_ARN = f"arn:aws:iam::{DEMO_ACCOUNT}:saml-provider/DemoIdP"
DEMO_READONLY = f"arn:aws:iam::{DEMO_ACCOUNT}:role/ReadOnly,{DEMO_PROVIDER_ARN}"
DEMO_ADMIN = f"arn:aws:iam::{DEMO_ACCOUNT}:role/Admin,{DEMO_PROVIDER_ARN}"
DEFAULT_STATE_DIR = Path(".state") / "idp"
#: the demo users and their passwords, as printed at start
DEMO_LOGINS = (("alice", "alice-password", "ReadOnly, Admin"), ("bob", "bob-password", "ReadOnly"))


def embedded_document(base_url: str, aws_acs_url: str | None = None) -> dict[str, Any]:
    """The embedded default as the TOML document it stands for (keys relative to the state directory)."""
    aws: dict[str, Any] = {"name": "aws", "aws": True, "partition": "aws", "region": "us-east-1"}
    if aws_acs_url:
        aws["acs_url"] = aws_acs_url
    return {
        "idp": {
            "entity_id": DEMO_ENTITY_ID,
            "base_url": base_url,
            "keys": [{"key": KEY_FILE, "cert": CERT_FILE}],
        },
        "users": [
            {
                "name": "alice",
                "password": "alice-password",
                "name_id": "alice@example.test",
                "attributes": {"email": ["alice@example.test"]},
                "roles": [DEMO_READONLY, DEMO_ADMIN],
            },
            {
                "name": "bob",
                "password": "bob-password",
                "name_id": "bob@example.test",
                "attributes": {"email": ["bob@example.test"]},
                "roles": [DEMO_READONLY],
            },
        ],
        "service_providers": [aws],
    }


def embedded_config(*, base_url: str, state_dir: Path, aws_acs_url: str | None = None) -> IdPConfig:
    state_keys(state_dir)
    return config_from_mapping(embedded_document(base_url, aws_acs_url), base_dir=state_dir)


def embedded_settings(*, base_url: str, state_dir: Path, aws_acs_url: str | None = None) -> WebSettings:
    config = embedded_config(base_url=base_url, state_dir=state_dir, aws_acs_url=aws_acs_url)
    return settings_from_config(config, state_dir=state_dir, name="Demo IdP")


def banner(settings: WebSettings, *, embedded: bool) -> str:
    """What ``saml-idp serve`` prints at start: the URLs, and the demo users with their roles."""
    base = settings.base_url
    lines = [
        f"saml-idp: serving {settings.entity_id} at {base}",
        f"  sign in:  {base}/login        portal: {base}/portal",
        f"  metadata: {base}/metadata     SSO: {base}/sso   SLO: {base}/slo",
    ]
    if embedded:
        lines.append("  embedded default (no --config): demo users, AWS sign-in registered as the SP")
        for user, password, roles in DEMO_LOGINS:
            lines.append(f"  user {user} / password {password}  roles: {roles} (account {DEMO_ACCOUNT})")
        lines.append(f"  register the metadata in IAM as SAML provider {DEMO_PROVIDER_ARN}")
    for sp in settings.service_providers.all:
        lines.append(f"  service provider {sp.name}: {sp.entity_id} -> {sp.default_acs()}")
    return "\n".join(lines)
