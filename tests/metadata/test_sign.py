"""metadata.sign / verify: ours and pysaml2's signed metadata verify; tampered, wrapped, expired do not."""

from __future__ import annotations

import base64
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

import metadata
from metadata import EntitiesDescriptor
from metadata import EntityDescriptor
from metadata import MetadataError
from metadata._sign import verify_detailed
from saml_core import KeyPair
from saml_core import SignaturePolicy
from saml_core import sequential_ids
from saml_core.constants import SignatureMethod
from tests.metadata.conftest import GOLDEN
from tests.metadata.conftest import NOW

ENTITY = "https://idp.example.test/"


def _idp(keys: KeyPair, *, valid_for: timedelta | None = timedelta(days=7), entity_id: str = ENTITY) -> bytes:
    return metadata.build_idp_metadata(
        entity_id=entity_id,
        sso_url="https://idp.example.test/sso",
        signing_certs=[keys],
        valid_until=NOW + valid_for if valid_for is not None else None,
        id_source=sequential_ids("_md"),
    )


def _code(xml: bytes, certs: list[bytes], **kwargs: object) -> str:
    with pytest.raises(MetadataError) as caught:
        metadata.verify(xml, certs, now=NOW, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_signed_by_us_verifies(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    model, verified = verify_detailed(signed, [idp_keys.cert_pem], now=NOW)
    assert isinstance(model, EntityDescriptor)
    assert model.entity_id == ENTITY and model.signed
    assert verified.method is SignatureMethod.RSA_SHA256
    assert verified.key.fingerprint_sha256 == idp_keys.trusted.fingerprint_sha256


def test_signature_is_the_first_child(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    from saml_core import parse_xml
    from saml_core import validate_schema

    root = parse_xml(signed)
    assert root[0].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    validate_schema(root, "metadata")


def test_ec_key_signs_and_verifies() -> None:
    keys = KeyPair.generate("ec-p256")
    signed = metadata.sign(_idp(keys), keys)
    _, verified = verify_detailed(signed, [keys.cert_pem], now=NOW)
    assert verified.method is SignatureMethod.ECDSA_SHA256


def test_document_without_id_gets_one(idp_keys: KeyPair) -> None:
    unsigned = _idp(idp_keys).replace(b' ID="_md1"', b"")
    signed = metadata.sign(unsigned, idp_keys, id_source=lambda: "_fresh")
    assert b'ID="_fresh"' in signed
    assert isinstance(metadata.verify(signed, [idp_keys.cert_pem], now=NOW), EntityDescriptor)


def test_resigning_replaces_the_old_signature(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    twice = metadata.sign(metadata.sign(_idp(idp_keys), idp_keys), idp_keys_new)
    assert twice.count(b"<ds:SignatureValue>") == 1
    assert isinstance(metadata.verify(twice, [idp_keys_new.cert_pem], now=NOW), EntityDescriptor)
    assert _code(twice, [idp_keys.cert_pem]) in ("untrusted_key", "signature_invalid")


def test_unsigned_is_signature_missing(idp_keys: KeyPair) -> None:
    assert _code(_idp(idp_keys), [idp_keys.cert_pem]) == "signature_missing"


def test_wrong_pinned_cert_is_untrusted(idp_keys: KeyPair, other_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    assert _code(signed, [other_keys.cert_pem]) == "untrusted_key"


def test_rollover_either_pinned_cert_verifies(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys_new)
    model = metadata.verify(signed, [idp_keys.cert_pem, idp_keys_new.cert_pem], now=NOW)
    assert isinstance(model, EntityDescriptor)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"https://idp.example.test/sso", b"https://evil.example.test/sso"),
        (b'entityID="https://idp.example.test/"', b'entityID="https://evil.example.test/"'),
        (b'use="signing"', b'use="encryption"'),
    ],
    ids=["endpoint", "entity-id", "key-use"],
)
def test_tampered_content_is_rejected(idp_keys: KeyPair, old: bytes, new: bytes) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    assert old in signed
    assert _code(signed.replace(old, new), [idp_keys.cert_pem]) == "signature_invalid"


def test_tampered_certificate_is_rejected(idp_keys: KeyPair, other_keys: KeyPair) -> None:
    """Swapping the published signing certificate for the attacker's breaks the digest."""
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    mine = idp_keys.cert_b64.encode()
    at = signed.rindex(mine)  # the KeyDescriptor's copy (signed), not the one in the Signature's KeyInfo
    swapped = signed[:at] + other_keys.cert_b64.encode() + signed[at + len(mine) :]
    assert swapped.count(other_keys.cert_b64.encode()) == 1
    assert _code(swapped, [idp_keys.cert_pem]) == "signature_invalid"


def test_wrapped_in_unsigned_aggregate_is_unsigned(idp_keys: KeyPair, other_keys: KeyPair) -> None:
    """A signed EntityDescriptor inside an unsigned EntitiesDescriptor with an evil sibling: not signed."""
    signed = metadata.sign(_idp(idp_keys), idp_keys).split(b"\n", 1)[1]
    evil = (
        _idp(other_keys, entity_id="https://evil.example.test/").split(b"\n", 1)[1].replace(b"_md1", b"_evil")
    )
    wrapper = (
        b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
        + evil
        + signed
        + b"</md:EntitiesDescriptor>"
    )
    parsed = metadata.parse(wrapper)
    assert isinstance(parsed, EntitiesDescriptor) and len(parsed.entities) == 2
    assert _code(wrapper, [idp_keys.cert_pem]) == "signature_missing"


def test_signature_moved_onto_evil_root_is_rejected(idp_keys: KeyPair, other_keys: KeyPair) -> None:
    """XSW: the evil document carries the genuine Signature (and the genuine entity hidden in Extensions)."""
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    start, end = signed.index(b"<ds:Signature"), signed.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    signature = signed[start:end]
    evil = _idp(other_keys, entity_id="https://evil.example.test/")
    head, rest = evil.split(b"<md:IDPSSODescriptor", 1)
    attack = head + signature + b"<md:IDPSSODescriptor" + rest
    assert _code(attack, [idp_keys.cert_pem]) == "signature_invalid"
    # same ID as the signed original, different content
    attack_other_id = attack.replace(b'ID="_md1"', b'ID="_evil"')
    assert _code(attack_other_id, [idp_keys.cert_pem]) == "signature_profile_violation"


def test_duplicate_id_wrapping_is_rejected(idp_keys: KeyPair) -> None:
    """The genuine signed entity re-used as an aggregate member next to a clone with the same ID."""
    signed = metadata.sign(_idp(idp_keys), idp_keys).split(b"\n", 1)[1]
    wrapper = (
        b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="_md1">'
        + signed
        + b"</md:EntitiesDescriptor>"
    )
    with pytest.raises(MetadataError) as caught:
        metadata.verify(wrapper, [idp_keys.cert_pem], now=NOW)
    assert caught.value.code == "malformed_xml" and "xs:ID" in caught.value.message


def test_expired_valid_until_is_rejected(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys, valid_for=timedelta(days=-1)), idp_keys)
    assert _code(signed, [idp_keys.cert_pem]) == "metadata_expired"
    # the twin: the same document before its validUntil verifies
    assert metadata.verify(signed, [idp_keys.cert_pem], now=NOW - timedelta(days=2)).signed


def test_expired_role_valid_until_is_rejected(idp_keys: KeyPair) -> None:
    xml = _idp(idp_keys, valid_for=None).replace(
        b"<md:IDPSSODescriptor", b'<md:IDPSSODescriptor validUntil="2026-05-01T00:00:00Z"'
    )
    signed = metadata.sign(xml, idp_keys)
    assert _code(signed, [idp_keys.cert_pem]) == "metadata_expired"


def test_sha1_needs_opt_in(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys, method=SignatureMethod.RSA_SHA1)
    assert _code(signed, [idp_keys.cert_pem]) == "algorithm_forbidden"
    policy = SignaturePolicy(allow_sha1=True)
    assert metadata.verify(signed, [idp_keys.cert_pem], now=NOW, policy=policy).signed


def test_1024_bit_key_needs_opt_in() -> None:
    weak = KeyPair.from_files(str(GOLDEN / "weak-1024.key"), str(GOLDEN / "weak-1024.crt"))
    signed = metadata.sign(_idp(weak), weak)
    assert _code(signed, [weak.cert_pem]) == "weak_key"
    policy = SignaturePolicy(min_rsa_bits=1024)
    assert metadata.verify(signed, [weak.cert_pem], now=NOW, policy=policy).signed


def test_no_certificate_is_an_error(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    assert _code(signed, []) == "metadata_invalid"


# ----------------------------------------------------------------------------------- pysaml2 interop


def _pysaml2_signed(keys_dir: Path, key: Path, cert: Path) -> bytes:
    from saml2 import xmldsig
    from saml2.config import Config
    from saml2.metadata import entity_descriptor
    from saml2.metadata import sign_entity_descriptor
    from saml2.sigver import security_context

    binary = shutil.which("xmlsec1")
    assert binary, "pysaml2 needs the xmlsec1 binary"
    conf = Config().load(
        {
            "entityid": "https://pysaml2-idp.example.test/",
            "key_file": str(key),
            "cert_file": str(cert),
            "xmlsec_binary": binary,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (
                                "https://pysaml2-idp.example.test/sso",
                                "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                            )
                        ]
                    }
                }
            },
            "metadata": {},
        }
    )
    _, document = sign_entity_descriptor(
        entity_descriptor(conf),
        "pysaml2-md",
        security_context(conf),
        sign_alg=xmldsig.SIG_RSA_SHA256,
        digest_alg=xmldsig.DIGEST_SHA256,
    )
    return str(document).encode("utf-8")


@pytest.fixture(scope="module")
def pysaml2_metadata(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("pysaml2")
    key, cert = folder / "idp.key", folder / "idp.crt"
    key.write_bytes((GOLDEN / "idp.key").read_bytes())
    cert.write_bytes((GOLDEN / "idp.crt").read_bytes())
    return _pysaml2_signed(folder, key, cert)


def test_pysaml2_signed_metadata_verifies(pysaml2_metadata: bytes, idp_keys: KeyPair) -> None:
    model = metadata.verify(pysaml2_metadata, [idp_keys.cert_pem], now=NOW)
    assert isinstance(model, EntityDescriptor)
    assert model.entity_id == "https://pysaml2-idp.example.test/"
    assert [k.fingerprint_sha256 for k in model.signing_keys()] == [idp_keys.trusted.fingerprint_sha256]


def test_pysaml2_signed_metadata_tampered_is_rejected(pysaml2_metadata: bytes, idp_keys: KeyPair) -> None:
    tampered = pysaml2_metadata.replace(b"pysaml2-idp.example.test/sso", b"evil.example.test/sso")
    assert tampered != pysaml2_metadata
    assert _code(tampered, [idp_keys.cert_pem]) == "signature_invalid"


def test_pysaml2_verifies_our_signature(idp_keys: KeyPair, tmp_path: Path) -> None:
    """The oracle the other way round: xmlsec1 (through pysaml2's CryptoBackend) accepts what we sign."""
    from saml2.sigver import CryptoBackendXmlSec1

    signed = metadata.sign(_idp(idp_keys), idp_keys)
    cert = tmp_path / "idp.crt"
    cert.write_bytes(idp_keys.cert_pem)
    binary = shutil.which("xmlsec1")
    assert binary
    backend = CryptoBackendXmlSec1(binary)
    assert backend.validate_signature(
        signed, str(cert), "pem", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor", "_md1"
    )
    bad = signed.replace(b"https://idp.example.test/sso", b"https://evil.example.test/sso")
    from saml2.sigver import SignatureError

    with pytest.raises(SignatureError):
        backend.validate_signature(
            bad, str(cert), "pem", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor", "_md1"
        )


def test_signature_value_is_base64_of_modulus_length(idp_keys: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys), idp_keys)
    start = signed.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    value = signed[start : signed.index(b"</ds:SignatureValue>")]
    assert len(base64.b64decode(b"".join(value.split()))) == 256


def test_signed_aggregate_verifies_and_keeps_every_entity(idp_keys: KeyPair, other_keys: KeyPair) -> None:
    one = metadata.parse(_idp(idp_keys))
    two = metadata.parse(_idp(other_keys, entity_id="https://second.example.test/"))
    assert isinstance(one, EntityDescriptor) and isinstance(two, EntityDescriptor)
    aggregate = metadata.EntitiesDescriptor(entities=(one, two), name="federation", id="_agg")
    xml = metadata.render(
        metadata.EntitiesDescriptor(entities=aggregate.entities, name="federation", id="_agg")
    )
    xml = xml.replace(b' ID="_md1"', b"", 2)  # members without IDs, as aggregators publish them
    signed = metadata.sign(xml, idp_keys)
    model = metadata.verify(signed, [idp_keys.cert_pem], now=NOW)
    assert isinstance(model, EntitiesDescriptor) and model.signed
    assert [e.entity_id for e in model.entities] == [ENTITY, "https://second.example.test/"]
    evil = signed.replace(b"https://second.example.test/", b"https://evil.example.test/")
    assert _code(evil, [idp_keys.cert_pem]) == "signature_invalid"
