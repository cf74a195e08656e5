"""Golden files: emitted with a fixed clock, fixed IDs and the fixed keys in tests/golden/metadata.

A missing golden file is written and the test fails once, so a new golden file is always reviewed.
RSA PKCS#1 v1.5 signatures are deterministic, so even the signed document is byte-stable.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import metadata
from saml_core import KeyPair
from saml_core import sequential_ids
from tests.metadata.conftest import GOLDEN
from tests.metadata.conftest import NOW


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if not path.exists():
        path.write_bytes(data)
        pytest.fail(f"wrote the missing golden file {path}; review and commit it")
    assert data == path.read_bytes(), f"{name} differs from the golden file"


def _idp(idp_keys: KeyPair, idp_keys_new: KeyPair, sp_enc: KeyPair) -> bytes:
    return metadata.build_idp_metadata(
        entity_id="https://idp.example.test/",
        sso_url="http://127.0.0.1:8000/sso",
        slo_url="http://127.0.0.1:8000/slo",
        signing_certs=[idp_keys, idp_keys_new],
        encryption_cert=sp_enc,
        valid_until=NOW + timedelta(days=7),
        cache_duration=timedelta(hours=6),
        organization=metadata.Organization(
            name="Example", display_name="Example IdP", url="https://ex.test/"
        ),
        contacts=[metadata.ContactPerson(contact_type="technical", emails=("ops@example.test",))],
        id_source=sequential_ids("_golden"),
    )


@pytest.fixture(scope="module")
def sp_enc() -> KeyPair:
    return KeyPair.from_files(str(GOLDEN / "sp-enc.key"), str(GOLDEN / "sp-enc.crt"))


def test_golden_idp_metadata(idp_keys: KeyPair, idp_keys_new: KeyPair, sp_enc: KeyPair) -> None:
    check_golden("test_golden_idp_metadata.xml", _idp(idp_keys, idp_keys_new, sp_enc))


def test_golden_idp_metadata_signed(idp_keys: KeyPair, idp_keys_new: KeyPair, sp_enc: KeyPair) -> None:
    signed = metadata.sign(_idp(idp_keys, idp_keys_new, sp_enc), idp_keys)
    check_golden("test_golden_idp_metadata_signed.xml", signed)
    assert metadata.verify(signed, [idp_keys.cert_pem], now=NOW).signed


def test_golden_sp_metadata(idp_keys: KeyPair, sp_enc: KeyPair) -> None:
    xml = metadata.build_sp_metadata(
        entity_id="https://sp.example.test/",
        acs_url=["http://127.0.0.1:9000/acs", "http://127.0.0.1:9000/acs2"],
        slo_url="http://127.0.0.1:9000/slo",
        signing_cert=idp_keys,
        encryption_cert=sp_enc,
        id_source=sequential_ids("_golden"),
    )
    check_golden("test_golden_sp_metadata.xml", xml)


@pytest.mark.parametrize(
    ("partition", "region", "uuid"),
    [
        ("aws", None, None),
        ("aws", "eu-west-1", None),
        ("aws", "eu-west-1", "ABCDEFGHIJKLMNOPQRSTUV"),
        ("aws-cn", None, None),
        ("aws-us-gov", None, None),
    ],
)
def test_golden_aws_sp_metadata(partition: str, region: str | None, uuid: str | None) -> None:
    xml = metadata.render(metadata.aws_sp_entity(partition, region, uuid))
    name = "-".join(p for p in (partition, region, "acs" if uuid else None) if p)
    check_golden(f"test_golden_aws_sp_{name}.xml", xml)


def test_golden_trust_policy() -> None:
    policy = metadata.trust_policy(
        "arn:aws:iam::111111111111:saml-provider/DemoIdP",
        regions=["us-east-1", "eu-west-1"],
        tags=True,
        source_identity=True,
    )
    check_golden("test_golden_trust_policy.json", json.dumps(policy, indent=2).encode() + b"\n")


def test_golden_inspect(idp_keys: KeyPair, idp_keys_new: KeyPair, sp_enc: KeyPair) -> None:
    xml = metadata.sign(_idp(idp_keys, idp_keys_new, sp_enc), idp_keys)
    report = metadata.inspect(metadata.parse(xml), now=NOW, root=metadata._parse.parse_tree(xml))
    check_golden("test_golden_inspect.json", json.dumps(report, indent=2).encode() + b"\n")
