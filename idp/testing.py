"""Test helpers, supported API (STYLE.md section 4): an in-process IdP and the web IdP on a free local port.

    from idp.testing import IdPServer
    with IdPServer() as server:                      # uvicorn in a thread on 127.0.0.1, a free port
        server.add_user("carol", "pw", roles=["arn:aws:iam::111111111111:role/Dev"])
        ...  # drive server.url with a browser or an HTTP client

The pytest plugin (``idp.pytest_plugin``) wraps both as the ``saml_idp`` and ``saml_idp_server`` fixtures.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import uvicorn
from lxml import etree

from saml_core import KeyPair
from saml_core import format_instant
from saml_core import new_id
from saml_core import sign_enveloped
from saml_core import utcnow
from saml_core.constants import NS
from saml_core.constants import Binding
from saml_core.errors import ConfigError

from ._aws import AwsRole
from ._issue import IdentityProvider
from ._web_bindings import encode_redirect
from ._web_config import Directory
from ._web_config import WebSettings
from ._web_sps import Endpoint
from ._web_sps import Registry
from ._web_sps import ServiceProvider
from ._web_sps import aws_service_provider
from ._web_sps import sp_from_metadata
from .app import create_app
from .config import Secret
from .config import User

TEST_ENTITY_ID = "https://idp.example.test/"
_FORM = re.compile(r'<form[^>]*\saction="(?P<action>[^"]*)"', re.S)
_INPUT = re.compile(r'<input type="hidden" name="(?P<name>[^"]+)" value="(?P<value>[^"]*)"')
TEST_ACCOUNT = "111111111111"

RoleSpec = str | AwsRole


def make_identity_provider(
    entity_id: str = TEST_ENTITY_ID, *, keys: KeyPair | None = None
) -> IdentityProvider:
    """An IdentityProvider with a fresh RSA-2048 key (or ``keys``)."""
    return IdentityProvider(entity_id, keys or KeyPair.generate(common_name="saml-idp test"))


def aws_role(spec: RoleSpec, provider_arn: str) -> AwsRole:
    """``role,provider``, an AwsRole, or a bare role ARN (paired with a provider of ``provider_arn``'s name
    in the role's own account)."""
    if isinstance(spec, AwsRole):
        return spec
    if "," in spec:
        return AwsRole.parse(spec)
    parts = spec.split(":")
    if len(parts) < 6 or ":role/" not in spec:
        raise ConfigError(f"not a role ARN: {spec[:200]!r}")
    provider_name = provider_arn.rsplit("/", 1)[-1]
    return AwsRole(spec, f"arn:{parts[1]}:iam::{parts[4]}:saml-provider/{provider_name}")


def make_user(
    name: str,
    password: str,
    roles: Sequence[AwsRole] = (),
    attributes: Mapping[str, Sequence[str] | str] | None = None,
    *,
    name_id: str | None = None,
    session_name: str | None = None,
    session_duration: int | None = None,
    source_identity: str | None = None,
    tags: Mapping[str, str] | None = None,
    transitive_tags: Sequence[str] = (),
) -> User:
    """A directory entry (``idp.config.User``) with a plain password."""
    attrs = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in (attributes or {}).items()}
    return User(
        name=name,
        password=Secret(password),
        name_id=name_id or name,
        session_name=session_name or name,
        attributes=attrs,
        session_duration=session_duration,
        source_identity=source_identity,
        tags=dict(tags or {}),
        transitive_tags=tuple(transitive_tags),
        roles=tuple(roles),
    )


class IdPServer:
    """The web IdP served by uvicorn in a background thread on 127.0.0.1, at a free port.

    ``.url``, ``.metadata_url``, ``.provider`` (the IdentityProvider), ``.settings``; ``add_user`` and
    ``add_sp`` work while it runs. AWS sign-in is registered as the SP; ``aws_acs_url`` makes the browser
    post there instead of to AWS, and the response names that URL as its Recipient and Destination (so an SP
    validating with Policy.aws() must list it among its recipients).
    """

    def __init__(
        self,
        *,
        entity_id: str = TEST_ENTITY_ID,
        keys: KeyPair | Sequence[KeyPair] | None = None,
        aws_acs_url: str | None = None,
        provider_name: str = "DemoIdP",
        users: Iterable[User] = (),
        service_providers: Iterable[ServiceProvider] = (),
        session_lifetime: int = 3600,
    ) -> None:
        # protocol IPPROTO_TCP (not 0), so asyncio sets TCP_NODELAY on accepted connections
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        key_list = [keys] if isinstance(keys, KeyPair) else list(keys or [KeyPair.generate()])
        self.provider = IdentityProvider(
            entity_id, key_list, sso_url=self.url + "/sso", slo_url=self.url + "/slo"
        )
        self.provider_arn = f"arn:aws:iam::{TEST_ACCOUNT}:saml-provider/{provider_name}"
        sps = [aws_service_provider(acs_url=aws_acs_url), *service_providers]
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
        **options: Any,
    ) -> User:
        """Add (or replace) a user who signs in with ``password`` and may assume ``roles`` (``role,provider``
        strings, AwsRoles, or bare role ARNs). ``options``: name_id, session_name, session_duration,
        source_identity, tags, transitive_tags."""
        user = make_user(
            name, password, [aws_role(r, self.provider_arn) for r in roles], attributes, **options
        )
        self.settings.users.add(user)
        return user

    def add_sp(self, sp: ServiceProvider | bytes, *, name: str = "sp") -> ServiceProvider:
        """Register (or replace) an SP: a ``ServiceProvider``, or its metadata XML."""
        entry = sp_from_metadata(name, sp) if isinstance(sp, bytes) else sp
        self.settings.add_sp(entry, replace=True)
        return entry

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


# ------------------------------------------------------------------------------ a scripted SP


def service_provider(
    *,
    entity_id: str = "https://sp.example.test/",
    acs_url: str = "https://sp.example.test/acs",
    slo_url: str | None = None,
    slo_binding: Binding = Binding.HTTP_REDIRECT,
    keys: KeyPair | None = None,
    authn_requests_signed: bool = False,
    name: str = "sp",
) -> ServiceProvider:
    """A generic SP as if read from its metadata: one HTTP-POST ACS, optional SLO, its signing key."""
    return ServiceProvider(
        name=name,
        entity_id=entity_id,
        acs=(Endpoint(Binding.HTTP_POST, acs_url, index=0, is_default=True),),
        slo=(Endpoint(slo_binding, slo_url),) if slo_url else (),
        signing_keys=(keys.trusted,) if keys is not None else (),
        authn_requests_signed=authn_requests_signed,
    )


def _protocol_root(
    tag: str, *, issuer: str, destination: str | None, request_id: str | None, now: datetime | None
) -> etree._Element:
    root = etree.Element(NS.samlp(tag), nsmap={"samlp": NS.SAMLP, "saml": NS.SAML})
    root.set("ID", request_id or new_id())
    root.set("Version", "2.0")
    root.set("IssueInstant", format_instant(now or utcnow()))
    if destination is not None:
        root.set("Destination", destination)
    etree.SubElement(root, NS.saml("Issuer")).text = issuer
    return root


def authn_request(
    *,
    issuer: str = "https://sp.example.test/",
    destination: str | None = None,
    acs_url: str | None = None,
    acs_index: int | None = None,
    force_authn: bool = False,
    is_passive: bool = False,
    request_id: str | None = None,
    now: datetime | None = None,
    sign_with: KeyPair | None = None,
) -> bytes:
    """An AuthnRequest as an SP sends it; ``sign_with`` adds an enveloped signature (HTTP-POST binding)."""
    root = _protocol_root(
        "AuthnRequest", issuer=issuer, destination=destination, request_id=request_id, now=now
    )
    if acs_url is not None:
        root.set("AssertionConsumerServiceURL", acs_url)
        root.set("ProtocolBinding", Binding.HTTP_POST.value)
    if acs_index is not None:
        root.set("AssertionConsumerServiceIndex", str(acs_index))
    if force_authn:
        root.set("ForceAuthn", "true")
    if is_passive:
        root.set("IsPassive", "true")
    if sign_with is not None:
        sign_enveloped(root, sign_with)
    return bytes(etree.tostring(root))


def logout_request(
    *,
    name_id: str,
    issuer: str = "https://sp.example.test/",
    destination: str | None = None,
    session_index: str | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
    sign_with: KeyPair | None = None,
) -> bytes:
    """A LogoutRequest as an SP sends it; ``sign_with`` adds an enveloped signature (HTTP-POST binding)."""
    root = _protocol_root(
        "LogoutRequest", issuer=issuer, destination=destination, request_id=request_id, now=now
    )
    etree.SubElement(root, NS.saml("NameID")).text = name_id
    if session_index is not None:
        etree.SubElement(root, NS.samlp("SessionIndex")).text = session_index
    if sign_with is not None:
        sign_enveloped(root, sign_with)
    return bytes(etree.tostring(root))


def redirect_query(xml: bytes, *, relay_state: str | None = None, sign_with: KeyPair | None = None) -> str:
    """The HTTP-Redirect query string for a request (DEFLATE, base64, URL-encoding, query signature)."""
    return encode_redirect(xml, "SAMLRequest", relay_state=relay_state, keys=sign_with)


# ----------------------------------------------------------------------------- driving the pages


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page of this IdP (first occurrence of each name), unescaped."""
    fields: dict[str, str] = {}
    for match in _INPUT.finditer(page):
        fields.setdefault(html.unescape(match["name"]), html.unescape(match["value"]))
    return fields


def post_form(page: str) -> tuple[str, dict[str, str]]:
    """The auto-POST form of a page (action, hidden fields): where the browser would send the message."""
    start = page.find('id="saml-post"')
    if start < 0:
        raise ValueError("the page has no auto-POST form")
    form = page[page.rfind("<form", 0, start) :]
    match = _FORM.search(form)
    if match is None:
        raise ValueError("the page has no auto-POST form")
    return html.unescape(match["action"]), hidden_fields(form[: form.find("</form>")])


def sign_in(client: Any, username: str, password: str, *, pending: str = "") -> Any:
    """Log in through the form with an httpx-style client (cookies kept): GET /login, then POST it."""
    page = client.get("/login" + (f"?t={pending}" if pending else ""))
    token = hidden_fields(page.text)["csrf_token"]
    data = {"csrf_token": token, "username": username, "password": password, "t": pending}
    return client.post("/login", data=data, follow_redirects=False)
