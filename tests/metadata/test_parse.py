"""metadata.parse / parse_entities / render: real IdP metadata, round trips, R26, stable error codes."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

import metadata
from metadata import EntitiesDescriptor
from metadata import EntityDescriptor
from metadata import MetadataError
from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import parse_xml
from saml_core import sequential_ids
from saml_core import validate_schema
from saml_core.constants import Binding
from tests.metadata.conftest import real_metadata_dir

#: real certificates with a non-positive serial (SimpleSAMLphp, TestShib) make cryptography warn
pytestmark = pytest.mark.filterwarnings(
    "ignore:Parsed a serial number:cryptography.utils.CryptographyDeprecationWarning"
)

# file -> (entity IDs in order, signing keys of the first entity)
REAL = {
    "google-crewjam-idp-metadata.xml": (["https://accounts.google.com/o/saml2?idpid=C02dfl1r1"], 1),
    "okta-crewjam-idp-metadata.xml": (["http://www.okta.com/exkppsa1qwuFV4D7z0h7"], 1),
    "onelogin-crewjam-idp-metadata.xml": (["https://app.onelogin.com/saml/metadata/503983"], 1),
    "secureworks-crewjam-idp-metadata.xml": (["https://idp.secureworks.com/SAML2"], 1),
    "shibboleth-samltest-id-idp-metadata.xml": (["https://samltest.id/saml/idp"], 2),
    "shibboleth-testshib-providers.xml": (
        ["https://idp.testshib.org/idp/shibboleth", "https://sp.testshib.org/shibboleth-sp"],
        1,
    ),
    "simplesamlphp-crewjam-idp-metadata.xml": (["http://idp.example.com/metadata.php"], 1),
}


def test_every_corpus_file_is_in_the_table() -> None:
    listed = {
        line.split("\t", 1)[0] for line in (real_metadata_dir() / "MANIFEST.tsv").read_text().splitlines()[1:]
    }
    assert {p.name for p in real_metadata_dir().glob("*.xml")} == set(REAL) == listed


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_idp_metadata_parses(name: str) -> None:
    entity_ids, signing = REAL[name]
    entities = metadata.parse_entities((real_metadata_dir() / name).read_bytes())
    assert [e.entity_id for e in entities] == entity_ids
    assert entities[0].idp is not None
    assert len(entities[0].signing_keys()) == signing
    assert entities[0].idp.single_sign_on_services


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_metadata_round_trips_through_render(name: str) -> None:
    first = metadata.parse((real_metadata_dir() / name).read_bytes())
    rendered = metadata.render(first)
    validate_schema(parse_xml(rendered), "metadata")
    assert metadata.parse(rendered) == _without_extras(first)


def _without_extras(model: metadata.Metadata) -> metadata.Metadata:
    """The model does not carry role descriptors other than IdP/SP, so rendering drops them."""
    if isinstance(model, EntitiesDescriptor):
        return EntitiesDescriptor(
            entities=tuple(_entity_without_extras(e) for e in model.entities),
            name=model.name,
            id=model.id,
            valid_until=model.valid_until,
            cache_duration=model.cache_duration,
        )
    return _entity_without_extras(model)


def _entity_without_extras(entity: EntityDescriptor) -> EntityDescriptor:
    from dataclasses import replace

    return replace(entity, other_roles=(), signed=False)


def test_aggregate_is_flattened_and_sp_role_read() -> None:
    doc = metadata.parse((real_metadata_dir() / "shibboleth-testshib-providers.xml").read_bytes())
    assert isinstance(doc, EntitiesDescriptor)
    assert doc.name == "urn:mace:shibboleth:testshib:two"
    sp = doc.find("https://sp.testshib.org/shibboleth-sp")
    assert sp is not None and sp.sp is not None
    assert sp.sp.default_acs() is not None
    assert doc.find("https://nobody.example/") is None


def test_idp_round_trip_keeps_every_field(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    until = datetime(2030, 1, 1, tzinfo=UTC)
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="http://127.0.0.1:8000/sso",
        slo_url="http://127.0.0.1:8000/slo",
        signing_certs=[idp_keys, idp_keys_new.cert_pem],
        encryption_cert=idp_keys_new,
        valid_until=until,
        cache_duration=timedelta(hours=6),
        organization=metadata.Organization(
            name="Example", display_name="Example Org", url="https://ex.test/"
        ),
        contacts=[
            metadata.ContactPerson(contact_type="technical", given_name="Ops", emails=("ops@ex.test",))
        ],
        id_source=sequential_ids(),
    )
    validate_schema(parse_xml(xml), "metadata")
    model = metadata.parse(xml)
    assert isinstance(model, EntityDescriptor)
    assert model.id == "_id1"
    assert model.valid_until == until
    assert model.cache_duration == timedelta(hours=6)
    assert model.idp is not None
    assert model.idp.sso_location(Binding.HTTP_POST) == "http://127.0.0.1:8000/sso"
    assert [k.fingerprint_sha256 for k in model.signing_keys()] == [
        idp_keys.trusted.fingerprint_sha256,
        idp_keys_new.trusted.fingerprint_sha256,
    ]
    assert model.organization is not None and model.organization.display_name == "Example Org"
    assert model.contacts[0].emails == ("ops@ex.test",)
    assert metadata.render(model) == xml


def test_sp_round_trip(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    xml = metadata.build_sp_metadata(
        entity_id="urn:sp.example.test",
        acs_url=["http://127.0.0.1:9000/acs", "http://127.0.0.1:9001/acs"],
        signing_cert=idp_keys,
        encryption_cert=idp_keys_new,
    )
    model = metadata.parse(xml)
    assert isinstance(model, EntityDescriptor) and model.sp is not None
    default = model.sp.default_acs()
    assert default is not None and default.location == "http://127.0.0.1:9000/acs" and default.index == 0
    assert model.sp.want_assertions_signed is True
    assert [k.fingerprint_sha256 for k in model.sp.encryption_keys()] == [
        idp_keys_new.trusted.fingerprint_sha256
    ]
    assert metadata.render(model) == xml


def test_encryption_key_never_signs_r26(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
        encryption_cert=idp_keys_new,
    )
    model = metadata.parse(xml)
    assert isinstance(model, EntityDescriptor)
    fingerprints = {k.fingerprint_sha256 for k in model.signing_keys()}
    assert idp_keys_new.trusted.fingerprint_sha256 not in fingerprints
    assert fingerprints == {idp_keys.trusted.fingerprint_sha256}


def test_key_without_use_serves_both(idp_keys: KeyPair) -> None:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
    ).replace(b' use="signing"', b"")
    model = metadata.parse(xml)
    assert isinstance(model, EntityDescriptor) and model.idp is not None
    assert len(model.idp.signing_keys()) == 1 and len(model.idp.encryption_keys()) == 1


def test_rsa_key_value_without_certificate_is_read() -> None:
    keys = KeyPair.generate()
    model = EntityDescriptor(
        entity_id="urn:x",
        idp=metadata.IDPSSODescriptor(
            keys=(metadata.KeyDescriptor(use="signing", key=TrustedKey.from_pem(keys.trusted.public_pem)),),
            single_sign_on_services=(
                metadata.Endpoint(binding=Binding.HTTP_POST.value, location="https://x/sso"),
            ),
        ),
    )
    xml = metadata.render(model)
    assert b"RSAKeyValue" in xml
    parsed = metadata.parse(xml)
    assert isinstance(parsed, EntityDescriptor)
    assert parsed.signing_keys()[0].same_key(keys.trusted)


def _idp_xml(keys: KeyPair) -> bytes:
    return metadata.build_idp_metadata(
        entity_id="https://idp.example.test/", sso_url="https://idp.example.test/sso", signing_certs=[keys]
    )


ROLE = b"<md:IDPSSODescriptor"
SPLICE = b'<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda x: x.replace(b"md:EntityDescriptor", b"md:Nope"), "not_metadata"),
        (lambda x: b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + x.split(b"\n", 1)[1], "dtd_forbidden"),
        (lambda x: x.replace(b"</md:EntityDescriptor>", b""), "malformed_xml"),
        (lambda x: x.replace(b'entityID="https://idp.example.test/"', b""), "malformed_xml"),
        (lambda x: x.replace(SPLICE, SPLICE + b"<md:KeyDescriptor use='both'/>"), "malformed_xml"),
        (
            lambda x: x.replace(b"<md:IDPSSODescriptor", b'<md:IDPSSODescriptor validUntil="tomorrow"'),
            "malformed_xml",
        ),
        (
            lambda x: x.replace(b"<md:IDPSSODescriptor", b'<md:IDPSSODescriptor cacheDuration="-P1D"'),
            "metadata_invalid",
        ),
    ],
    ids=[
        "wrong-root",
        "doctype",
        "truncated",
        "no-entity-id",
        "bad-use",
        "bad-valid-until",
        "negative-cache",
    ],
)
def test_bad_documents_have_stable_codes(idp_keys: KeyPair, mutate: object, code: str) -> None:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
    )
    assert callable(mutate)
    metadata.parse(xml)  # the twin: the unmutated document parses
    with pytest.raises(MetadataError) as caught:
        metadata.parse(mutate(xml))
    assert caught.value.code == code


def test_without_schema_our_own_checks_still_apply(idp_keys: KeyPair) -> None:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
    )
    bad = xml.replace(b' use="signing"', b' use="both"')
    with pytest.raises(MetadataError) as caught:
        metadata.parse(bad, schema=False)
    assert caught.value.code == "metadata_invalid"
    assert "neither signing nor encryption" in caught.value.message


def test_comments_are_tolerated_but_not_cdata(idp_keys: KeyPair) -> None:
    xml = metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
    )
    commented = xml.replace(b"<md:IDPSSODescriptor", b"<!-- a note -->\n<md:IDPSSODescriptor")
    assert isinstance(metadata.parse(commented), EntityDescriptor)
    cdata = commented.replace(b"<md:NameIDFormat>", b"<md:NameIDFormat><![CDATA[x]]>")
    with pytest.raises(MetadataError) as caught:
        metadata.parse(cdata)
    assert caught.value.code == "unsigned_content"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT6H", timedelta(hours=6)),
        ("P1D", timedelta(days=1)),
        ("PT604800S", timedelta(days=7)),
        ("P1Y2M3DT4H5M6.5S", timedelta(days=365 + 60 + 3, hours=4, minutes=5, seconds=6.5)),
    ],
)
def test_duration_parse(text: str, expected: timedelta) -> None:
    assert metadata.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "6H", "-PT6H", "P1DT", "P99999Y"])
def test_duration_refuses(text: str) -> None:
    with pytest.raises(MetadataError) as caught:
        metadata.parse_duration(text)
    assert caught.value.code == "metadata_invalid"


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(hours=6), "PT6H"), (timedelta(days=1, seconds=30), "P1DT30S"), (timedelta(0), "PT0S")],
)
def test_duration_format(delta: timedelta, text: str) -> None:
    assert metadata.format_duration(delta) == text
    assert metadata.parse_duration(text) == delta
