"""provider.metadata(): the IdP EntityDescriptor publishes every key of a rollover, and SSO/SLO endpoints."""

from __future__ import annotations

from idp import IdentityProvider
from metadata import EntityDescriptor
from metadata import parse
from saml_core import KeyPair
from saml_core.constants import Binding
from tests.idp.conftest import ENTITY_ID
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY


def test_metadata_publishes_all_keys_and_endpoints(old_rsa_keys: KeyPair, rsa_keys: KeyPair) -> None:
    provider = IdentityProvider(
        ENTITY_ID,
        [old_rsa_keys, rsa_keys],
        sso_url="https://idp.example.test/sso",
        slo_url="https://idp.example.test/slo",
    )
    model = parse(provider.metadata())
    assert isinstance(model, EntityDescriptor) and model.entity_id == ENTITY_ID
    assert model.idp is not None and model.sp is None
    signing = model.idp.signing_keys()
    assert [k.cert_der for k in signing] == [old_rsa_keys.cert_der, rsa_keys.cert_der]
    assert model.idp.sso_location(Binding.HTTP_POST) == "https://idp.example.test/sso"
    assert {e.location for e in model.idp.single_logout_services} == {"https://idp.example.test/slo"}
    assert "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" in model.idp.name_id_formats


def test_metadata_default_sso_url_and_valid_until(rsa_keys: KeyPair) -> None:
    model = parse(IdentityProvider(ENTITY_ID, rsa_keys).metadata(valid_until=NOW))
    assert isinstance(model, EntityDescriptor) and model.idp is not None
    assert model.idp.sso_location(Binding.HTTP_REDIRECT) == "https://idp.example.test/sso"
    assert model.valid_until == NOW
    assert model.idp.single_logout_services == ()


def test_trust_from_metadata_accepts_both_rollover_keys(old_rsa_keys: KeyPair, rsa_keys: KeyPair) -> None:
    from sp_adapter import Policy
    from sp_adapter import Trust
    from sp_adapter import validate_response

    trust = Trust.from_metadata(IdentityProvider(ENTITY_ID, [old_rsa_keys, rsa_keys]).metadata())
    for signer in (old_rsa_keys, rsa_keys):
        issued = IdentityProvider(ENTITY_ID, signer).issue_aws(
            name_id="alice", roles=[READ_ONLY], session_name="alice", now=NOW
        )
        assertion = validate_response(issued.b64, trust=trust, policy=Policy.aws(), now=NOW)
        assert assertion.assertion_id == issued.assertion_id
