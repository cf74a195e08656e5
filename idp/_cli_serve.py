"""``saml-idp serve``: the web IdP under uvicorn, from a TOML config or the embedded default.

Everything that can fail (the config, the keys, the state directory, the listening socket) is done in the
parent process first, so a bad configuration or a busy port is a one-line error (JSON with ``--json`` or
when stderr is not a terminal) and exit code 2, never a traceback from a worker. With
``--workers N`` uvicorn imports ``app_from_environment`` in each worker; the workers rebuild the same
settings from the same files (the state directory's key is created before they start), and sessions live
in signed cookies, so any worker serves any user.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import click
from starlette.applications import Starlette

from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core._cli import host_port
from saml_core._cli import listening_socket

from ._embedded import DEFAULT_STATE_DIR
from ._embedded import banner
from ._embedded import embedded_settings
from ._web_config import WebSettings
from ._web_config import settings_from_config

_ENV = "SAML_IDP_SERVE"


def build_settings(
    *, config: str | None, state_dir: str | None, base_url: str | None, aws_acs_url: str | None
) -> WebSettings:
    """The settings ``serve`` runs with; raises ``SAMLError`` (ConfigError) on bad input."""
    state = Path(state_dir) if state_dir else DEFAULT_STATE_DIR
    if config is None:
        return embedded_settings(
            base_url=base_url or "http://127.0.0.1:8000", state_dir=state, aws_acs_url=aws_acs_url
        )
    from .config import load_config

    loaded = load_config(config)
    if base_url:
        from dataclasses import replace

        loaded = replace(loaded, base_url=base_url.rstrip("/"))
    return settings_from_config(loaded, state_dir=state)


def app_from_environment() -> Starlette:
    """The uvicorn factory for worker processes: the parent's options travel in ``SAML_IDP_SERVE``."""
    from .app import create_app

    options = json.loads(os.environ[_ENV])
    return create_app(build_settings(**options))


@click.command(cls=OneLineErrorsCommand)
@click.option(
    "--config", type=click.Path(dir_okay=False), help="IdP config file (TOML); default: the embedded demo."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="uvicorn worker processes."
)
@click.option(
    "--state-dir", type=click.Path(file_okay=False), help="Where generated keys are kept [.state/idp]."
)
@click.option(
    "--base-url", help="Public URL of the IdP (default: the config's base_url, or http://HOST:PORT)."
)
@click.option("--aws-acs-url", help="Embedded default: post AWS sign-ins to this local ACS instead of AWS.")
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@click.option("--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal.")
def serve_command(
    config: str | None,
    host: str,
    port: int,
    workers: int,
    state_dir: str | None,
    base_url: str | None,
    aws_acs_url: str | None,
    log_level: str,
    json_mode: bool | None,
) -> None:
    """Serve the web IdP: login, AWS portal, SP-initiated SSO, Single Logout and /metadata.

    Exit code 2, with one line on stderr, for a bad configuration or a port that cannot be listened on.
    """
    import uvicorn

    if base_url is None and config is None:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - comparing, not binding
        base_url = f"http://{shown}:{port}"
    if aws_acs_url is not None and config is not None:
        raise click.UsageError(
            "--aws-acs-url applies to the embedded default; set acs_url in the config instead"
        )
    options = {"config": config, "state_dir": state_dir, "base_url": base_url, "aws_acs_url": aws_acs_url}
    with cli_errors(json_mode=json_mode or None):
        settings = build_settings(**options)
        sock = listening_socket(host, port)  # before uvicorn: a busy port is exit 2, not uvicorn's 3
    click.echo(banner(settings, embedded=config is None), err=True)
    with sock:
        if workers == 1:
            from .app import create_app

            app = create_app(settings)
            server_config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
            uvicorn.Server(server_config).run(sockets=[sock])
            return
        os.environ[_ENV] = json.dumps(options)
        _run_workers(sock, host, port, workers, log_level)


def _run_workers(sock: socket.socket, host: str, port: int, workers: int, log_level: str) -> None:
    """``uvicorn.run(..., workers=N)`` with our own socket (``saml_core._cli.listening_socket``)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "idp._cli_serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
    )
    click.echo(f"saml-idp: {workers} workers on http://{host_port(host, port)}", err=True)
    Multiprocess(config, sockets=[sock]).run()
