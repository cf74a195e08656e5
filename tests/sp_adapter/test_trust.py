"""Trust: keys only from configuration, per issuer entity ID (R25-R27, R43)."""

from __future__ import annotations

import base64

import pytest

from metadata import build_idp_metadata
from metadata import build_sp_metadata
from saml_core import TrustedKey
from saml_core.errors import ConfigError
from sp_adapter import Trust
from sp_adapter import TrustEntry
from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.sp_adapter import _fixtures as fx

OTHER = "https://other-idp.example.test/"


def idp_metadata(
    entity_id: str = fx.IDP, signing: tuple[bytes, ...] | None = None, encryption: bytes | None = None
) -> bytes:
    certs = signing if signing is not None else (fx.idp_keys().cert_pem,)
    return build_idp_metadata(
        entity_id=entity_id, sso_url=entity_id + "sso", signing_certs=list(certs), encryption_cert=encryption
    )


def accepts(trust: Trust, xml: bytes) -> bool:
    try:
        validate_response(xml, trust=trust, policy=fx.aws_policy(), now=fx.NOW)
    except ValidationError:
        return False
    return True


def code(trust: Trust, xml: bytes) -> str:
    with pytest.raises(ValidationError) as info:
        validate_response(xml, trust=trust, policy=fx.aws_policy(), now=fx.NOW)
    return info.value.code


# ------------------------------------------------------------------------------------ from_certificates


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lambda k: k.cert_pem, id="pem-bytes"),
        pytest.param(lambda k: k.cert_pem.decode(), id="pem-text"),
        pytest.param(lambda k: k.cert_der, id="der"),
        pytest.param(lambda k: k.cert_b64, id="base64-text"),
        pytest.param(lambda k: k.trusted, id="trusted-key"),
        pytest.param(lambda k: k.trusted.public_pem, id="public-key-pem"),
    ],
)
def test_from_certificates_accepts_every_form(source: object) -> None:
    trust = Trust.from_certificates(fx.IDP, [source(fx.idp_keys())])  # type: ignore[operator]
    assert trust.issuers == (fx.IDP,)
    assert accepts(trust, fx.f0("RA"))


def test_from_certificates_single_certificate_is_not_a_sequence_of_bytes() -> None:
    trust = Trust.from_certificates(fx.IDP, fx.idp_keys().cert_pem)  # type: ignore[arg-type]
    assert len(trust.entries[fx.IDP].keys) == 1


def test_from_certificates_options_reach_the_entry() -> None:
    trust = Trust.from_certificates(
        fx.IDP, [fx.idp_keys().cert_pem], allow_sha1=True, min_rsa_bits=1024, allowed_roles=[fx.READONLY]
    )
    entry = trust.entry_for(fx.IDP)
    assert entry is not None
    assert (entry.allow_sha1, entry.min_rsa_bits, entry.allowed_roles) == (
        True,
        1024,
        frozenset({fx.READONLY}),
    )


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Trust.from_certificates("", [fx.idp_keys().cert_pem]), id="no-issuer"),
        pytest.param(lambda: Trust.from_certificates(fx.IDP, []), id="no-certificate"),
        pytest.param(lambda: Trust.from_certificates(fx.IDP, [b"not a certificate"]), id="garbage"),
        pytest.param(lambda: Trust.from_certificates(fx.IDP, ["é"]), id="non-ascii-text"),
        pytest.param(
            lambda: Trust.from_certificates(fx.IDP, [fx.idp_keys().cert_pem], min_rsa_bits=512), id="rsa-512"
        ),
        pytest.param(lambda: Trust([]), id="empty"),
    ],
)
def test_bad_trust_configuration_is_a_config_error(build: object) -> None:
    with pytest.raises(ConfigError):
        build()  # type: ignore[operator]


def test_issuer_lookup_is_exact() -> None:
    trust = fx.trust()
    assert trust.entry_for(fx.IDP) is not None
    assert trust.entry_for(fx.IDP.rstrip("/")) is None
    assert trust.entry_for(fx.IDP.upper()) is None


# ------------------------------------------------------------------------------------ from_metadata


def test_from_metadata_trusts_the_idp_signing_certificate() -> None:
    trust = Trust.from_metadata(idp_metadata())
    assert trust.issuers == (fx.IDP,)
    assert accepts(trust, fx.f0("RA"))
    assert code(trust, fx.f0("RA", keys=fx.attacker_keys())) == "untrusted_key"


def test_from_metadata_rollover_publishes_both_keys() -> None:
    trust = Trust.from_metadata(idp_metadata(signing=(fx.idp_keys().cert_pem, fx.idp_keys_2().cert_pem)))
    assert len(trust.entries[fx.IDP].keys) == 2
    assert accepts(trust, fx.f0("RA"))
    assert accepts(trust, fx.f0("RA", keys=fx.idp_keys_2()))


def test_r26_encryption_key_never_verifies() -> None:
    # E10: a message signed with the key the metadata publishes for encryption only
    trust = Trust.from_metadata(idp_metadata(encryption=fx.idp_keys_2().cert_pem))
    assert len(trust.entries[fx.IDP].keys) == 1
    assert accepts(trust, fx.f0("RA"))
    assert code(trust, fx.f0("RA", keys=fx.idp_keys_2())) == "untrusted_key"


def test_from_metadata_several_documents_and_entities() -> None:
    trust = Trust.from_metadata([idp_metadata(), idp_metadata(OTHER, signing=(fx.idp_keys_2().cert_pem,))])
    assert set(trust.issuers) == {fx.IDP, OTHER}
    assert accepts(trust, fx.f0("RA", issuer=OTHER, keys=fx.idp_keys_2()))
    # keys are per issuer: OTHER's key does not vouch for IDP
    assert code(trust, fx.f0("RA", keys=fx.idp_keys_2())) == "untrusted_key"


def test_from_metadata_options() -> None:
    trust = Trust.from_metadata(
        idp_metadata(), allow_sha1=True, min_rsa_bits=1024, allowed_roles=[fx.READONLY]
    )
    entry = trust.entries[fx.IDP]
    assert (entry.allow_sha1, entry.min_rsa_bits, entry.allowed_roles) == (
        True,
        1024,
        frozenset({fx.READONLY}),
    )


def test_from_metadata_without_an_idp_is_a_config_error() -> None:
    sp_only = build_sp_metadata(entity_id="https://sp.example/", acs_url="https://sp.example/acs")
    with pytest.raises(ConfigError):
        Trust.from_metadata(sp_only)
    with pytest.raises(ConfigError):
        Trust.from_metadata(b"<not-metadata/>")


# --------------------------------------------------------------------------------------- combining


def test_union_keeps_every_key_of_a_shared_issuer() -> None:
    combined = fx.trust(fx.idp_keys()) | fx.trust(fx.idp_keys_2(), allow_sha1=True)
    entry = combined.entries[fx.IDP]
    assert len(entry.keys) == 2 and entry.allow_sha1 is True
    assert accepts(combined, fx.f0("RA", keys=fx.idp_keys_2()))


def test_union_deduplicates_the_same_key() -> None:
    combined = fx.trust() | Trust.from_metadata(idp_metadata())
    assert len(combined.entries[fx.IDP].keys) == 1


def test_entries_are_read_only() -> None:
    trust = fx.trust()
    with pytest.raises(TypeError):
        trust.entries["x"] = TrustEntry(issuer="x", keys=(fx.idp_keys().trusted,))  # type: ignore[index]
    assert "1 key(s)" in repr(trust)


def test_trusted_key_objects_are_reused_across_messages() -> None:
    trust = fx.trust()
    key = trust.entries[fx.IDP].keys[0]
    assert isinstance(key, TrustedKey)
    assert accepts(trust, fx.f0("RA")) and accepts(trust, fx.f0("RA"))
    public = key.public_key
    assert accepts(trust, fx.f0("A"))
    assert trust.entries[fx.IDP].keys[0] is key
    assert key.public_key is public  # parsed once from trust configuration, never per message


def test_base64_certificate_text_with_line_breaks() -> None:
    wrapped = base64.encodebytes(fx.idp_keys().cert_der).decode()
    assert accepts(Trust.from_certificates(fx.IDP, [wrapped]), fx.f0("RA"))
