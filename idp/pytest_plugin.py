"""The pytest plugin (``pytest11`` entry point ``saml_idp``): installing the package is enough to get it.

Fixtures:

* ``saml_idp``: an in-process :class:`idp.IdentityProvider` with fresh keys (function scope);
* ``saml_idp_server``: the web IdP served by uvicorn on 127.0.0.1 at a free port for one test, with
  ``.url``, ``.metadata_url``, ``.provider`` and ``.add_user(name, password, roles=[...], attributes={...})``;
  stopped when the test ends.

Every import of the package happens inside the fixtures, so loading the plugin costs nothing and a test
session that uses neither fixture never imports the IdP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from idp._issue import IdentityProvider
    from idp.testing import IdPServer


@pytest.fixture
def saml_idp() -> IdentityProvider:
    """An IdentityProvider with a fresh RSA-2048 key, entity ID ``https://idp.example.test/``."""
    from idp.testing import make_identity_provider

    return make_identity_provider()


@pytest.fixture
def saml_idp_server() -> Iterator[IdPServer]:
    """The web IdP on 127.0.0.1 at a free port (no users until ``add_user``; AWS registered as the SP)."""
    from idp.testing import IdPServer

    server = IdPServer()
    with server:
        yield server
