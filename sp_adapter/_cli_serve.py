"""``saml-sp serve``: run the ACS broker (``app.create_app``) in the foreground until interrupted."""

from __future__ import annotations

import click
import uvicorn

from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core._cli import listening_socket
from saml_core.errors import ConfigError

from ._broker_config import BrokerConfig


@click.command(cls=OneLineErrorsCommand)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The broker's TOML file.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal.")
def serve_command(config_path: str | None, host: str, port: int, json_mode: bool | None) -> None:
    """Serve the ACS broker: /login (SP-initiated), /acs (HTTP-POST), /acs/role (AWS credentials).

    The configuration must name a replay cache; the broker refuses to start without one (exit 2). A port
    that cannot be listened on is exit 2 too.
    """
    from .app import create_app

    with cli_errors(json_mode=json_mode or None):
        if config_path is None:
            raise ConfigError("--config FILE is required (see docs/broker.md)")
        app = create_app(BrokerConfig.load(config_path))
        sock = listening_socket(host, port)  # before uvicorn: a busy port is exit 2, not uvicorn's 3
    with sock:
        config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
