"""Interoperability: two independent SP stacks accept our responses in each signing mode, and reject a
tampered copy.

* python3-saml (``OneLogin_Saml2_Response`` in strict mode, lxml + python-xmlsec);
* pysaml2 (``Saml2Client.parse_authn_request_response``, which shells out to the ``xmlsec1`` binary).

Both read the clock themselves, so these responses are issued at the real current time.
"""

from __future__ import annotations

import base64
import shutil
from typing import Any

import pytest

from idp import IdentityProvider
from idp import IssuedResponse
from saml_core import KeyPair
from tests.idp.conftest import ENTITY_ID

SP_ENTITY = "https://sp.example.test/metadata"
ACS = "https://sp.example.test/acs"
MODES = ["both", "response", "assertion"]


def _issue(provider: IdentityProvider, sign: str, **kwargs: Any) -> IssuedResponse:
    return provider.issue(
        name_id="alice@example.test",
        acs_url=ACS,
        audience=SP_ENTITY,
        sign=sign,  # type: ignore[arg-type]
        attributes={"mail": ["alice@example.test"], "groups": ["staff", "admins"]},
        **kwargs,
    )


def _tamper(issued: IssuedResponse) -> str:
    xml = issued.xml.replace(b">alice@example.test</saml:NameID>", b">mallory@example.test</saml:NameID>")
    assert xml != issued.xml
    return base64.b64encode(xml).decode()


# --------------------------------------------------------------------------------------- python3-saml

onelogin = pytest.importorskip("onelogin.saml2.response")


def _onelogin_settings(keys: KeyPair, sign: str, sp_keys: KeyPair | None = None) -> Any:
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    sp: dict[str, Any] = {
        "entityId": SP_ENTITY,
        "assertionConsumerService": {"url": ACS, "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
        "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    }
    if sp_keys is not None:
        sp["x509cert"] = sp_keys.cert_pem.decode()
        sp["privateKey"] = sp_keys.key_pem.decode()
    settings = {
        "strict": True,
        "sp": sp,
        "idp": {
            "entityId": ENTITY_ID,
            "singleSignOnService": {
                "url": "https://idp.example.test/sso",
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            "x509cert": keys.cert_pem.decode(),
        },
        "security": {
            "wantAssertionsSigned": sign in ("assertion", "both"),
            "wantMessagesSigned": sign in ("response", "both"),
            "wantAssertionsEncrypted": sp_keys is not None,
            "rejectDeprecatedAlgorithm": True,
        },
    }
    return OneLogin_Saml2_Settings(settings, sp_validation_only=True)


REQUEST = {"https": "on", "http_host": "sp.example.test", "script_name": "/acs"}


def _onelogin_validate(settings: Any, b64: str) -> Any:
    response = onelogin.OneLogin_Saml2_Response(settings, b64)
    response.is_valid(REQUEST, raise_exceptions=True)
    return response


@pytest.mark.parametrize("sign", MODES)
def test_python3_saml_accepts_each_signing_mode(rsa_keys: KeyPair, sign: str) -> None:
    provider = IdentityProvider(ENTITY_ID, rsa_keys)
    response = _onelogin_validate(_onelogin_settings(rsa_keys, sign), _issue(provider, sign).b64)
    assert response.get_nameid() == "alice@example.test"
    assert response.get_attributes() == {"mail": ["alice@example.test"], "groups": ["staff", "admins"]}


@pytest.mark.parametrize("sign", MODES)
def test_python3_saml_rejects_tampered_copy(rsa_keys: KeyPair, sign: str) -> None:
    from onelogin.saml2.utils import OneLogin_Saml2_ValidationError

    provider = IdentityProvider(ENTITY_ID, rsa_keys)
    with pytest.raises(OneLogin_Saml2_ValidationError, match="[Ss]ignature"):
        _onelogin_validate(_onelogin_settings(rsa_keys, sign), _tamper(_issue(provider, sign)))


def test_python3_saml_accepts_ecdsa_and_encrypted(ec_keys: KeyPair, sp_keys: KeyPair) -> None:
    provider = IdentityProvider(ENTITY_ID, ec_keys)
    issued = _issue(provider, "both", encrypt_to=sp_keys.trusted)
    response = _onelogin_validate(_onelogin_settings(ec_keys, "both", sp_keys), issued.b64)
    assert response.get_nameid() == "alice@example.test"


# -------------------------------------------------------------------------------------------- pysaml2

XMLSEC1 = shutil.which("xmlsec1")


def _pysaml2_client(provider: IdentityProvider, sign: str) -> Any:
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    config = SPConfig()
    config.load(
        {
            "entityid": SP_ENTITY,
            "xmlsec_binary": XMLSEC1,
            "allow_unknown_attributes": True,
            "metadata": {"inline": [provider.metadata().decode()]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(ACS, BINDING_HTTP_POST)]},
                    "allow_unsolicited": True,
                    "want_response_signed": sign in ("response", "both"),
                    "want_assertions_signed": sign in ("assertion", "both"),
                    "want_assertions_or_response_signed": True,
                }
            },
        }
    )
    return Saml2Client(config)


def _pysaml2_parse(client: Any, b64: str) -> Any:
    from saml2 import BINDING_HTTP_POST

    return client.parse_authn_request_response(b64, BINDING_HTTP_POST)


@pytest.mark.skipif(XMLSEC1 is None, reason="pysaml2 needs the xmlsec1 binary")
@pytest.mark.parametrize("sign", MODES)
def test_pysaml2_accepts_each_signing_mode(rsa_keys: KeyPair, sign: str) -> None:
    provider = IdentityProvider(ENTITY_ID, rsa_keys, sso_url="https://idp.example.test/sso")
    result = _pysaml2_parse(_pysaml2_client(provider, sign), _issue(provider, sign).b64)
    assert result is not None
    assert result.name_id.text == "alice@example.test"
    assert result.ava == {"mail": ["alice@example.test"], "groups": ["staff", "admins"]}


@pytest.mark.skipif(XMLSEC1 is None, reason="pysaml2 needs the xmlsec1 binary")
@pytest.mark.parametrize("sign", MODES)
def test_pysaml2_rejects_tampered_copy(rsa_keys: KeyPair, sign: str) -> None:
    from saml2.sigver import SignatureError

    provider = IdentityProvider(ENTITY_ID, rsa_keys, sso_url="https://idp.example.test/sso")
    with pytest.raises(SignatureError):
        _pysaml2_parse(_pysaml2_client(provider, sign), _tamper(_issue(provider, sign)))
