"""metadata.inspect warnings and metadata.diff trust impact."""

from __future__ import annotations

from datetime import timedelta

import pytest

import metadata
from metadata._parse import parse_tree
from saml_core import KeyPair
from saml_core.constants import SignatureMethod
from tests.metadata.conftest import GOLDEN
from tests.metadata.conftest import NOW
from tests.metadata.conftest import golden_keys
from tests.metadata.conftest import real_metadata_dir

#: real certificates with a non-positive serial (SimpleSAMLphp, TestShib) make cryptography warn
pytestmark = pytest.mark.filterwarnings(
    "ignore:Parsed a serial number:cryptography.utils.CryptographyDeprecationWarning"
)

ENTITY = "https://idp.example.test/"


def _idp(
    *certs: KeyPair, sso: str = "https://idp.example.test/sso", valid_for: timedelta | None = None
) -> bytes:
    return metadata.build_idp_metadata(
        entity_id=ENTITY,
        sso_url=sso,
        signing_certs=list(certs),
        valid_until=NOW + valid_for if valid_for is not None else None,
    )


def _codes(xml: bytes, **kwargs: object) -> list[str]:
    report = metadata.inspect(metadata.parse(xml), now=NOW, root=parse_tree(xml), **kwargs)  # type: ignore[arg-type]
    return [w["code"] for w in report["warnings"]]


def test_inspect_reports_certificates(idp_keys: KeyPair) -> None:
    report = metadata.inspect(metadata.parse(_idp(idp_keys)), now=NOW)
    (cert,) = report["entities"][0]["certificates"]
    assert cert["sha256"] == idp_keys.trusted.fingerprint_sha256
    assert cert["key_size"] == 2048 and cert["key_type"] == "rsa"
    assert cert["not_after"] == "2035-12-29T23:55:00Z"
    assert report["warnings"] == []


def test_expired_certificate_warns() -> None:
    expired = golden_keys("expired")
    assert _codes(_idp(expired)) == ["certificate_expired"]


def test_soon_expiring_certificate_warns(idp_keys: KeyPair) -> None:
    assert _codes(_idp(idp_keys)) == []
    late = NOW.replace(year=2035, month=12, day=1)
    report = metadata.inspect(metadata.parse(_idp(idp_keys)), now=late, warn_days=30)
    assert [w["code"] for w in report["warnings"]] == ["certificate_expiring"]


def test_weak_key_warns() -> None:
    weak = KeyPair.from_files(str(GOLDEN / "weak-1024.key"), str(GOLDEN / "weak-1024.crt"))
    assert _codes(_idp(weak)) == ["weak_key"]


def test_sha1_signature_warns(idp_keys: KeyPair) -> None:
    sha1 = metadata.sign(_idp(idp_keys), idp_keys, method=SignatureMethod.RSA_SHA1)
    sha256 = metadata.sign(_idp(idp_keys), idp_keys)
    assert _codes(sha1) == ["sha1_signature"]
    assert _codes(sha256) == []


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("okta-crewjam-idp-metadata.xml", []),
        ("onelogin-crewjam-idp-metadata.xml", ["sha1_certificate", "certificate_expired"]),
        ("simplesamlphp-crewjam-idp-metadata.xml", ["weak_key", "certificate_expired"]),
        ("google-crewjam-idp-metadata.xml", ["metadata_expired", "certificate_expired"]),
    ],
)
def test_real_metadata_warnings(name: str, codes: list[str]) -> None:
    """cryptography no longer signs SHA-1 certificates, so real ones (OneLogin) carry that case."""
    assert _codes((real_metadata_dir() / name).read_bytes()) == codes


def test_metadata_valid_until_warns(idp_keys: KeyPair) -> None:
    assert _codes(_idp(idp_keys, valid_for=timedelta(days=10))) == ["metadata_expiring"]
    assert _codes(_idp(idp_keys, valid_for=timedelta(days=-1))) == ["metadata_expired"]
    assert _codes(_idp(idp_keys, valid_for=timedelta(days=100))) == []


def test_idp_with_only_an_encryption_key_warns(idp_keys: KeyPair) -> None:
    xml = _idp(idp_keys).replace(b'use="signing"', b'use="encryption"')
    assert _codes(xml) == ["no_signing_key"]


# ------------------------------------------------------------------------------------------------ diff


def test_diff_identical_is_none(idp_keys: KeyPair) -> None:
    report = metadata.diff(metadata.parse(_idp(idp_keys)), metadata.parse(_idp(idp_keys)))
    assert report == {
        "changed": False,
        "impact": "none",
        "entity_id": None,
        "entities": {"added": [], "removed": [], "changed": []},
    }


def test_diff_rollover_step_one_is_compatible(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    report = metadata.diff(metadata.parse(_idp(idp_keys)), metadata.parse(_idp(idp_keys, idp_keys_new)))
    assert report["impact"] == "compatible"
    (change,) = report["entities"]["changed"]
    assert [c["sha256"] for c in change["certificates"]["added"]] == [idp_keys_new.trusted.fingerprint_sha256]
    assert change["certificates"]["removed"] == []


def test_diff_dropping_a_signing_cert_is_breaking(idp_keys: KeyPair, idp_keys_new: KeyPair) -> None:
    report = metadata.diff(metadata.parse(_idp(idp_keys, idp_keys_new)), metadata.parse(_idp(idp_keys_new)))
    assert report["impact"] == "breaking"
    (change,) = report["entities"]["changed"]
    assert [c["sha256"] for c in change["certificates"]["removed"]] == [idp_keys.trusted.fingerprint_sha256]


def test_diff_endpoint_change(idp_keys: KeyPair) -> None:
    report = metadata.diff(
        metadata.parse(_idp(idp_keys)), metadata.parse(_idp(idp_keys, sso="https://idp2.example.test/sso"))
    )
    (change,) = report["entities"]["changed"]
    assert {e["location"] for e in change["endpoints"]["added"]} == {"https://idp2.example.test/sso"}
    assert {e["location"] for e in change["endpoints"]["removed"]} == {"https://idp.example.test/sso"}
    assert report["impact"] == "breaking"


def test_diff_entity_id_change(idp_keys: KeyPair) -> None:
    other = metadata.build_idp_metadata(
        entity_id="https://renamed.example.test/",
        sso_url="https://idp.example.test/sso",
        signing_certs=[idp_keys],
    )
    report = metadata.diff(metadata.parse(_idp(idp_keys)), metadata.parse(other))
    assert report["entity_id"] == {"old": ENTITY, "new": "https://renamed.example.test/"}
    assert report["impact"] == "breaking"


def test_diff_valid_until_only_is_compatible(idp_keys: KeyPair) -> None:
    report = metadata.diff(
        metadata.parse(_idp(idp_keys, valid_for=timedelta(days=1))),
        metadata.parse(_idp(idp_keys, valid_for=timedelta(days=2))),
    )
    assert report["impact"] == "compatible"
    assert report["entities"]["changed"][0]["valid_until"]["new"] == "2026-06-03T12:00:00Z"


@pytest.mark.parametrize("direction", ["added", "removed"])
def test_diff_aggregate_entities(idp_keys: KeyPair, direction: str) -> None:
    one = metadata.parse(_idp(idp_keys))
    assert isinstance(one, metadata.EntityDescriptor)
    two = metadata.EntitiesDescriptor(
        entities=(one, metadata.EntityDescriptor(entity_id="urn:other", idp=one.idp)), name="agg"
    )
    old, new = (metadata.EntitiesDescriptor(entities=(one,)), two)
    if direction == "removed":
        old, new = new, old
    report = metadata.diff(old, new)
    assert report["entities"][direction] == ["urn:other"]
    assert report["impact"] == ("compatible" if direction == "added" else "breaking")
