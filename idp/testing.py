"""Test helpers, supported API (STYLE.md section 4): an in-process IdP and the web IdP on a free local port.

    from idp.testing import IdPServer
    with IdPServer() as server:                      # uvicorn in a thread on 127.0.0.1, a free port
        server.add_user("carol", "pw", roles=["arn:aws:iam::111111111111:role/Dev"])
        ...  # drive server.url with a browser or an HTTP client

The pytest plugin (``idp.pytest_plugin``) wraps both as the ``saml_idp`` and ``saml_idp_server`` fixtures.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from types import TracebackType

import uvicorn

from saml_core import KeyPair
from saml_core.errors import ConfigError

from ._aws import AwsRole
from ._embedded import aws_service_provider
from ._issue import IdentityProvider
from ._web_config import Directory
from ._web_config import RoleChoice
from ._web_config import WebSettings
from ._web_config import WebUser
from ._web_sps import Registry
from ._web_sps import ServiceProvider
from .app import create_app

TEST_ENTITY_ID = "https://idp.example.test/"
TEST_ACCOUNT = "111111111111"

RoleSpec = str | AwsRole | RoleChoice


def make_identity_provider(
    entity_id: str = TEST_ENTITY_ID, *, keys: KeyPair | None = None
) -> IdentityProvider:
    """An IdentityProvider with a fresh RSA-2048 key (or ``keys``)."""
    return IdentityProvider(entity_id, keys or KeyPair.generate(common_name="saml-idp test"))


def role_choice(spec: RoleSpec, provider_arn: str) -> RoleChoice:
    """``role,provider``, an AwsRole, or a bare role ARN (paired with ``provider_arn``'s name)."""
    if isinstance(spec, RoleChoice):
        return spec
    if isinstance(spec, AwsRole):
        return RoleChoice(spec.role_arn, spec.provider_arn)
    if "," in spec:
        return RoleChoice.parse(spec)
    parts = spec.split(":")
    if len(parts) < 6 or ":role/" not in spec:
        raise ConfigError(f"not a role ARN: {spec[:200]!r}")
    provider_name = provider_arn.rsplit("/", 1)[-1]
    return RoleChoice(spec, f"arn:{parts[1]}:iam::{parts[4]}:saml-provider/{provider_name}")


class IdPServer:
    """The web IdP served by uvicorn in a background thread on 127.0.0.1, at a free port.

    ``.url``, ``.metadata_url``, ``.provider`` (the IdentityProvider), ``.settings``; ``add_user`` and
    ``add_sp`` work while it runs. AWS sign-in is registered as the SP; ``aws_acs_url`` makes the browser
    post there instead of to AWS (the response still names AWS's sign-in URL as its Recipient).
    """

    def __init__(
        self,
        *,
        entity_id: str = TEST_ENTITY_ID,
        keys: KeyPair | Sequence[KeyPair] | None = None,
        aws_acs_url: str | None = None,
        provider_name: str = "DemoIdP",
        users: Iterable[WebUser] = (),
        service_providers: Iterable[ServiceProvider] = (),
        session_lifetime: int = 3600,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        key_list = [keys] if isinstance(keys, KeyPair) else list(keys or [KeyPair.generate()])
        self.provider = IdentityProvider(
            entity_id, key_list, sso_url=self.url + "/sso", slo_url=self.url + "/slo"
        )
        self.provider_arn = f"arn:aws:iam::{TEST_ACCOUNT}:saml-provider/{provider_name}"
        sps = [aws_service_provider(post_to=aws_acs_url), *service_providers]
        self.settings = WebSettings(
            provider=self.provider,
            keys=key_list,
            base_url=self.url,
            users=Directory(users),
            service_providers=Registry(sps),
            session_lifetime=session_lifetime,
            name="Test IdP",
        )
        self.app = create_app(self.settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def metadata_url(self) -> str:
        return self.url + "/metadata"

    def metadata(self) -> bytes:
        return self.provider.metadata()

    def add_user(
        self,
        name: str,
        password: str,
        roles: Sequence[RoleSpec] = (),
        attributes: Mapping[str, Sequence[str] | str] | None = None,
        *,
        name_id: str | None = None,
        session_duration: int | None = None,
        source_identity: str | None = None,
        tags: Mapping[str, str] | None = None,
        transitive_tags: Sequence[str] = (),
    ) -> WebUser:
        """Add (or replace) a user who signs in with ``password`` and may assume ``roles``."""
        attrs = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in (attributes or {}).items()}
        user = WebUser(
            name=name,
            password=password,
            attributes=attrs,
            name_id=name_id,
            session_duration=session_duration,
            source_identity=source_identity,
            tags=dict(tags or {}),
            transitive_tags=tuple(transitive_tags),
            roles=tuple(role_choice(r, self.provider_arn) for r in roles),
        )
        self.settings.users.add(user)
        return user

    def add_sp(self, sp: ServiceProvider) -> ServiceProvider:
        self.settings.add_sp(sp)
        return sp

    def start(self) -> IdPServer:
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"saml-idp:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the IdP server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> IdPServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
