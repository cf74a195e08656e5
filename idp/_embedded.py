"""The embedded default: what ``saml-idp serve`` runs with no ``--config``.

The demo world of the README: account 111111111111, SAML provider ``DemoIdP``, roles ReadOnly and Admin;
users alice/alice-password (both roles) and bob/bob-password (ReadOnly); AWS sign-in registered as the SP.
The signing key is generated once and kept in a state directory (default ``./.state/idp``; the key file is
0600), so the metadata stays the same across restarts and every worker process signs with the same key.
"""

from __future__ import annotations

import os
from pathlib import Path

from saml_core import KeyPair
from saml_core.errors import ConfigError
from saml_core.errors import KeyLoadError

from ._issue import IdentityProvider
from ._web_config import Directory
from ._web_config import RoleChoice
from ._web_config import WebSettings
from ._web_config import WebUser
from ._web_sps import Registry
from ._web_sps import ServiceProvider

DEMO_ENTITY_ID = "https://idp.example.test/"
DEMO_ACCOUNT = "111111111111"
DEMO_PROVIDER_ARN = f"arn:aws:iam::{DEMO_ACCOUNT}:saml-provider/DemoIdP"
DEMO_READONLY = RoleChoice(f"arn:aws:iam::{DEMO_ACCOUNT}:role/ReadOnly", DEMO_PROVIDER_ARN)
DEMO_ADMIN = RoleChoice(f"arn:aws:iam::{DEMO_ACCOUNT}:role/Admin", DEMO_PROVIDER_ARN)
DEFAULT_STATE_DIR = Path(".state") / "idp"
KEY_FILE = "idp.key"
CERT_FILE = "idp.crt"


def demo_users() -> list[WebUser]:
    return [
        WebUser(
            name="alice",
            password="alice-password",  # noqa: S106 - the documented demo user
            name_id="alice@example.test",
            attributes={"email": ("alice@example.test",)},
            roles=(DEMO_READONLY, DEMO_ADMIN),
        ),
        WebUser(
            name="bob",
            password="bob-password",  # noqa: S106 - the documented demo user
            name_id="bob@example.test",
            attributes={"email": ("bob@example.test",)},
            roles=(DEMO_READONLY,),
        ),
    ]


def state_keys(state_dir: Path) -> KeyPair:
    """The key kept in ``state_dir``: loaded when present, else generated and written (key 0600, dir 0700)."""
    key_path, cert_path = state_dir / KEY_FILE, state_dir / CERT_FILE
    if key_path.exists() and cert_path.exists():
        try:
            return KeyPair.from_files(str(key_path), str(cert_path))
        except KeyLoadError as error:
            raise ConfigError(
                f"the key in {state_dir} cannot be loaded ({error.message}); remove it to start over"
            ) from None
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        keys = KeyPair.generate(common_name="saml-aws-toolkit embedded IdP")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(keys.key_pem)
        cert_path.write_bytes(keys.cert_pem)
    except OSError as error:
        raise ConfigError(f"cannot write the IdP key to {state_dir}: {error.strerror}") from None
    return keys


def aws_service_provider(
    *, partition: str = "aws", region: str | None = None, post_to: str | None = None, name: str = "aws"
) -> ServiceProvider:
    """AWS sign-in as an SP: IdP-initiated only; ``post_to`` sends the browser somewhere local instead."""
    return ServiceProvider(
        name=name,
        entity_id="urn:amazon:webservices",
        aws=True,
        partition=partition,
        region=region,
        post_to=post_to,
    )


def embedded_settings(*, base_url: str, state_dir: Path, aws_acs_url: str | None = None) -> WebSettings:
    keys = state_keys(state_dir)
    base = base_url.rstrip("/")
    provider = IdentityProvider(DEMO_ENTITY_ID, keys, sso_url=base + "/sso", slo_url=base + "/slo")
    return WebSettings(
        provider=provider,
        keys=(keys,),
        base_url=base,
        users=Directory(demo_users()),
        service_providers=Registry([aws_service_provider(post_to=aws_acs_url)]),
        name="Demo IdP",
    )


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
        for user in settings.users:
            roles = ", ".join(r.role_name for r in user.roles)
            lines.append(f"  user {user.name} / password {user.password}  roles: {roles}")
        lines.append(f"  register the metadata in IAM as provider {DEMO_PROVIDER_ARN}")
    for sp in settings.service_providers.all:
        target = f" (browser posts to {sp.post_to})" if sp.post_to else ""
        lines.append(f"  service provider {sp.name}: {sp.entity_id}{target}")
    return "\n".join(lines)
