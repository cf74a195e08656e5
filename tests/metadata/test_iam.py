"""aws-sync against moto's HTTP server: create, unchanged, rollover, refusals before any call, many accounts.

Private keys, AssertionEncryptionMode and throttling go through botocore's Stubber (moto ignores the first two
and never throttles); every stubbed call is asserted in order.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import rsa

import metadata
from metadata import iam
from metadata._fleet import AccountConfig
from metadata._sync import KEY_TAG_PREFIX
from metadata._sync import Desired
from metadata._sync import PrivateKey
from metadata._sync import PrivateKeyEntry
from metadata.cli import main
from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core.constants import Binding
from tests.conftest import free_port
from tests.metadata.conftest import GOLDEN

NAME = "DemoIdP"
ENTITY = "https://idp.example.test/"


def _xml(*keys: KeyPair) -> bytes:
    return metadata.build_idp_metadata(
        entity_id=ENTITY, sso_url="https://idp.example.test/sso", signing_certs=list(keys)
    )


def _client(endpoint: str) -> Any:
    return iam.iam_client(
        iam.session_for(AccountConfig(name="t", endpoint_url=endpoint)), endpoint_url=endpoint
    )


def _sync(client: Any, xml: bytes, **kwargs: Any) -> metadata.SyncPlan:
    desired = Desired(name=NAME, document=xml, **kwargs)
    plan = iam.plan_aws_sync(client, desired)
    if plan.action != "unchanged":
        iam.apply_aws_sync(client, plan, desired)
    return plan


def _stored(client: Any) -> bytes:
    arn = iam.find_provider_arn(client, NAME)
    assert arn is not None
    return str(client.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]).encode()


def _fps(*keys: KeyPair) -> list[str]:
    return [k.trusted.fingerprint_sha256 for k in keys]


def test_create_then_unchanged(moto_reset: str, idp_keys: KeyPair) -> None:
    client = _client(moto_reset)
    plan = _sync(client, _xml(idp_keys))
    assert plan.action == "create" and plan.certificates["added"] == tuple(_fps(idp_keys))
    stored = metadata.parse(_stored(client))
    assert isinstance(stored, metadata.EntityDescriptor)
    assert stored.entity_id == ENTITY
    assert [k.fingerprint_sha256 for k in stored.signing_keys()] == _fps(idp_keys)
    again = _sync(client, _xml(idp_keys))  # regenerated: a fresh ID, nothing IAM uses changed
    assert b'ID="' in _xml(idp_keys) and _xml(idp_keys) != _xml(idp_keys)
    assert again.action == "unchanged" and again.steps == ()
    assert again.arn == f"arn:aws:iam::123456789012:saml-provider/{NAME}"


def test_rollover_publishes_old_and_new_then_drops_old(
    moto_reset: str, idp_keys: KeyPair, idp_keys_new: KeyPair
) -> None:
    client = _client(moto_reset)
    _sync(client, _xml(idp_keys))
    step_one = _sync(client, _xml(idp_keys, idp_keys_new))
    assert step_one.action == "update" and step_one.rollover == "overlap"
    assert step_one.certificates == {
        "added": tuple(_fps(idp_keys_new)),
        "removed": (),
        "kept": tuple(_fps(idp_keys)),
    }
    stored = metadata.parse(_stored(client))
    assert isinstance(stored, metadata.EntityDescriptor)
    assert [k.fingerprint_sha256 for k in stored.signing_keys()] == _fps(idp_keys, idp_keys_new)
    assert _sync(client, _xml(idp_keys, idp_keys_new)).action == "unchanged"
    step_two = _sync(client, _xml(idp_keys_new))
    assert step_two.certificates["removed"] == tuple(_fps(idp_keys)) and step_two.rollover == "none"


def test_abrupt_rollover_is_refused_unless_allowed(
    moto_reset: str, idp_keys: KeyPair, other_keys: KeyPair
) -> None:
    client = _client(moto_reset)
    _sync(client, _xml(idp_keys))
    desired = Desired(name=NAME, document=_xml(other_keys))
    plan = iam.plan_aws_sync(client, desired)
    assert plan.rollover == "abrupt"
    with pytest.raises(metadata.MetadataError) as caught:
        iam.apply_aws_sync(client, plan, desired)
    assert caught.value.code == "abrupt_rollover"
    untouched = metadata.parse(_stored(client))
    assert isinstance(untouched, metadata.EntityDescriptor)
    assert [k.fingerprint_sha256 for k in untouched.signing_keys()] == _fps(idp_keys)
    allowed = Desired(name=NAME, document=_xml(other_keys), allow_abrupt_rollover=True)
    iam.apply_aws_sync(client, plan, allowed)
    assert iam.plan_aws_sync(client, allowed).action == "unchanged"


def _small_key_metadata(bits: int) -> bytes:
    public = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xF1).public_key()
    entity = metadata.EntityDescriptor(
        entity_id=ENTITY,
        idp=metadata.IDPSSODescriptor(
            keys=(metadata.KeyDescriptor(use="signing", key=TrustedKey(public, None, "small")),),
            single_sign_on_services=(
                metadata.Endpoint(
                    binding=Binding.HTTP_POST.value, location="https://idp.example.test/sso" + "/x" * 300
                ),
            ),
        ),
    )
    return metadata.render(entity)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bom", "byte-order mark"),
        ("small-key", "under 1024"),
        ("too-short", "characters"),
        ("no-idp", "IdP entities"),
    ],
)
def test_what_iam_refuses_is_refused_before_any_call(idp_keys: KeyPair, case: str, message: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # any call would fail with aws_call_failed
    document = {
        "bom": b"\xef\xbb\xbf" + _xml(idp_keys),
        "small-key": _small_key_metadata(768),
        "too-short": b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
        "no-idp": metadata.build_sp_metadata(entity_id="urn:sp", acs_url="https://sp/acs" + "/x" * 500),
    }[case]
    with pytest.raises(metadata.MetadataError) as caught:
        iam.plan_aws_sync(_client(dead), Desired(name=NAME, document=document))
    assert caught.value.code == "iam_would_refuse" and message in caught.value.message


def test_iam_accepts_1024_bit_and_the_twin_documents(idp_keys: KeyPair) -> None:
    assert [e.entity_id for e in metadata.check_iam_metadata(_small_key_metadata(1024))] == [ENTITY]
    assert [e.entity_id for e in metadata.check_iam_metadata(_xml(idp_keys))] == [ENTITY]


# ------------------------------------------------- IAM quotas per SAML provider: 10 keys, 50 tags (AWS.md 4)


@pytest.fixture(scope="module")
def eleven_keys() -> list[KeyPair]:
    return [KeyPair.generate("ec-p256") for _ in range(11)]


def _two_entities(first: list[KeyPair], second: list[KeyPair]) -> bytes:
    """One document with two IdP entities (as IAM allows up to 10), each publishing its own certificates."""
    entities = []
    for number, keys in enumerate((first, second)):
        xml = metadata.build_idp_metadata(
            entity_id=f"https://idp{number}.example.test/",
            sso_url=f"https://idp{number}.example.test/sso",
            signing_certs=keys,
        )
        entity = metadata.parse(xml)
        assert isinstance(entity, metadata.EntityDescriptor)
        entities.append(entity)
    return metadata.render(metadata.EntitiesDescriptor(entities=tuple(entities)))


def test_iam_accepts_10_distinct_signing_keys_per_document(eleven_keys: list[KeyPair]) -> None:
    assert [e.entity_id for e in metadata.check_iam_metadata(_xml(*eleven_keys[:10]))] == [ENTITY]
    # per provider document: 6 + 6 certificates with 2 shared are 10 distinct keys
    shared = _two_entities(eleven_keys[:6], eleven_keys[4:10])
    assert len(metadata.check_iam_metadata(shared)) == 2
    assert metadata.plan_provider(Desired(name=NAME, document=shared), None).action == "create"


@pytest.mark.parametrize("case", ["one-entity", "across-entities"])
def test_more_than_10_signing_keys_are_refused_before_any_call(eleven_keys: list[KeyPair], case: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # any call would fail with aws_call_failed
    document = {
        "one-entity": _xml(*eleven_keys),
        "across-entities": _two_entities(eleven_keys[:6], eleven_keys[5:]),  # each entity alone has 6
    }[case]
    with pytest.raises(metadata.MetadataError) as caught:
        iam.plan_aws_sync(_client(dead), Desired(name=NAME, document=document))
    assert caught.value.code == "iam_would_refuse"
    assert caught.value.message == (
        "the document has 11 distinct signing certificates across its IdP entities;"
        " IAM holds at most 10 keys per SAML provider"
    )


def _tags(count: int) -> dict[str, str]:
    return {f"Tag{number}": "v" for number in range(count)}


@pytest.fixture(scope="module")
def two_private_keys() -> tuple[PrivateKey, PrivateKey]:
    return (
        PrivateKey.from_keypair(KeyPair.generate("ec-p256")),
        PrivateKey.from_keypair(KeyPair.generate("ec-p256")),
    )


@pytest.mark.parametrize(("tags", "keys"), [(50, 0), (49, 1), (48, 2)])
def test_50_tags_with_the_syncs_own_key_tags_are_accepted(
    idp_keys: KeyPair, two_private_keys: tuple[PrivateKey, PrivateKey], tags: int, keys: int
) -> None:
    desired = Desired(
        name=NAME, document=_xml(idp_keys), tags=_tags(tags), private_keys=two_private_keys[:keys]
    )
    plan = metadata.plan_provider(desired, None)
    assert plan.action == "create" and len(plan.steps[0]["tags"]) == tags
    added = [s["sha256"] for s in plan.steps[1:]]
    assert [plan.steps[0]["add_private_key"], *added][:keys] == [k.sha256 for k in two_private_keys[:keys]]


@pytest.mark.parametrize(("tags", "keys"), [(51, 0), (50, 1), (49, 2)])
def test_more_than_50_tags_with_the_syncs_own_are_refused_before_any_call(
    idp_keys: KeyPair, two_private_keys: tuple[PrivateKey, PrivateKey], tags: int, keys: int
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # any call would fail with aws_call_failed
    desired = Desired(
        name=NAME, document=_xml(idp_keys), tags=_tags(tags), private_keys=two_private_keys[:keys]
    )
    with pytest.raises(metadata.MetadataError) as caught:
        iam.plan_aws_sync(_client(dead), desired)
    assert caught.value.code == "iam_would_refuse"
    assert caught.value.message == (
        f"{NAME}: {tags} tags plus {keys} the sync adds (one per private key) make 51;"
        " IAM allows at most 50 tags per SAML provider"
    )


@pytest.mark.parametrize(("held_tags", "refused"), [(49, False), (50, True)])
def test_a_key_tag_that_would_pass_50_on_an_existing_provider_is_refused_before_any_change(
    idp_keys: KeyPair, two_private_keys: tuple[PrivateKey, PrivateKey], held_tags: int, refused: bool
) -> None:
    xml = _xml(idp_keys)
    state = metadata.ProviderState(arn=ARN, document=xml.decode(), tags=_tags(held_tags))
    desired = Desired(name=NAME, document=xml, private_keys=two_private_keys[:1])
    if not refused:
        assert [s["op"] for s in metadata.plan_provider(desired, state).steps] == ["add_private_key"]
        return
    with pytest.raises(metadata.MetadataError) as caught:
        metadata.plan_provider(desired, state)
    assert caught.value.code == "iam_would_refuse"
    assert caught.value.message == (
        f"{NAME}: the provider holds 50 tags; the sync's tag for a new private key would pass IAM's 50 tags"
        " per SAML provider; remove a tag first"
    )


def test_removing_a_tagged_key_first_makes_room_for_the_new_keys_tag(
    idp_keys: KeyPair, two_private_keys: tuple[PrivateKey, PrivateKey]
) -> None:
    old, new = two_private_keys
    xml = _xml(idp_keys)
    held = (
        PrivateKeyEntry(key_id="A" * 22, timestamp=T0, sha256=old.sha256),
        PrivateKeyEntry(key_id="B" * 22, timestamp=T1),
    )
    tags = {**_tags(49), KEY_TAG_PREFIX + "A" * 22: old.sha256}  # 50: ours for the oldest key, 49 foreign
    state = metadata.ProviderState(arn=ARN, document=xml.decode(), private_keys=held, tags=tags)
    plan = metadata.plan_provider(Desired(name=NAME, document=xml, private_keys=(new,)), state)
    assert [(s["op"], s.get("key_id")) for s in plan.steps] == [
        ("remove_private_key", "A" * 22),
        ("add_private_key", None),
    ]


def test_provider_name_is_checked(idp_keys: KeyPair) -> None:
    with pytest.raises(SAMLError) as caught:
        metadata.plan_provider(Desired(name="bad name!", document=_xml(idp_keys)), None)
    assert caught.value.code == "config_error"


def test_unreachable_endpoint_is_aws_call_failed(idp_keys: KeyPair) -> None:
    with pytest.raises(metadata.MetadataError) as caught:
        iam.plan_aws_sync(
            _client(f"http://127.0.0.1:{free_port()}"), Desired(name=NAME, document=_xml(idp_keys))
        )
    assert caught.value.code == "aws_call_failed"


def test_cli_single_provider_plan_then_apply(moto_reset: str, tmp_path: Path, idp_keys: KeyPair) -> None:
    path = tmp_path / "idp.xml"
    path.write_bytes(_xml(idp_keys))
    args = [
        "--json",
        "aws-sync",
        "--metadata",
        str(path),
        "--provider-name",
        NAME,
        "--endpoint-url",
        moto_reset,
    ]
    plan = CliRunner().invoke(main, args)
    assert plan.exit_code == 0, plan.stderr
    assert json.loads(plan.stdout)["action"] == "create" and json.loads(plan.stdout)["applied"] is False
    assert iam.find_provider_arn(_client(moto_reset), NAME) is None
    applied = CliRunner().invoke(main, [*args, "--apply"])
    assert applied.exit_code == 0 and json.loads(applied.stdout)["applied"] is True
    assert json.loads(CliRunner().invoke(main, [*args, "--apply"]).stdout)["action"] == "unchanged"


# ------------------------------------------------------------------------------------------ many accounts


def _assumed_client(endpoint: str, account: str) -> Any:
    session = iam.session_for(
        AccountConfig(name=account, role_arn=f"arn:aws:iam::{account}:role/SamlSync", endpoint_url=endpoint)
    )
    return iam.iam_client(session, endpoint_url=endpoint)


def test_fleet_file_with_one_failing_account(
    moto_reset: str, tmp_path: Path, idp_keys: KeyPair, idp_keys_new: KeyPair
) -> None:
    (tmp_path / "idp.xml").write_bytes(_xml(idp_keys))
    (tmp_path / "other.xml").write_bytes(_xml(idp_keys_new))
    dead = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "fleet.toml").write_text(
        f"""
endpoint_url = "{moto_reset}"
region = "us-east-1"
max_workers = 3

[[accounts]]
name = "prod"
role_arn = "arn:aws:iam::111111111111:role/SamlSync"

[[accounts]]
name = "dev"
role_arn = "arn:aws:iam::222222222222:role/SamlSync"

[[accounts]]
name = "broken"
role_arn = "arn:aws:iam::333333333333:role/SamlSync"
endpoint_url = "{dead}"

[[providers]]
name = "{NAME}"
metadata = "idp.xml"

[[providers]]
name = "Other"
metadata = "other.xml"
accounts = ["dev"]
"""
    )
    args = ["--json", "aws-sync", "--config", str(tmp_path / "fleet.toml")]
    result = CliRunner().invoke(main, [*args, "--apply"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    by = {(r["account"], r["provider"]): r for r in report["results"]}
    assert report["ok"] is False
    assert by[("prod", NAME)]["status"] == "applied"
    assert by[("dev", NAME)]["status"] == "applied" and by[("dev", "Other")]["status"] == "applied"
    assert by[("broken", NAME)]["status"] == "failed"
    assert by[("broken", NAME)]["error"]["error"] == "aws_call_failed"
    assert by[("prod", NAME)]["arn"] == f"arn:aws:iam::111111111111:saml-provider/{NAME}"
    assert "ACCOUNT" in result.stderr and "broken" in result.stderr and "aws-sync: prod:" in result.stderr
    dev = _assumed_client(moto_reset, "222222222222")
    assert {p["Arn"].rsplit("/", 1)[1] for p in dev.list_saml_providers()["SAMLProviderList"]} == {
        NAME,
        "Other",
    }
    prod = _assumed_client(moto_reset, "111111111111")
    assert [p["Arn"].rsplit("/", 1)[1] for p in prod.list_saml_providers()["SAMLProviderList"]] == [NAME]
    again = json.loads(CliRunner().invoke(main, args).stdout)
    assert {(r["account"], r["status"]) for r in again["results"]} == {
        ("prod", "unchanged"),
        ("dev", "unchanged"),
        ("broken", "failed"),
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[accounts]]\nname = "a"\n[[accounts]]\nname = "a"\n', "unique name"),
        ('[[accounts]]\nname = "a"\n[[providers]]\nname = "P"\nmetadata = "missing.xml"\n', "missing.xml"),
        (
            '[[accounts]]\nname = "a"\n[[providers]]\nname = "P"\nmetadata = "m.xml"\naccounts = ["b"]\n',
            "accounts",
        ),
        ("not toml [", "fleet.toml"),
    ],
)
def test_fleet_file_mistakes_exit_2(tmp_path: Path, idp_keys: KeyPair, body: str, message: str) -> None:
    (tmp_path / "m.xml").write_bytes(_xml(idp_keys))
    (tmp_path / "fleet.toml").write_text(body)
    result = CliRunner().invoke(main, ["--json", "aws-sync", "--config", str(tmp_path / "fleet.toml")])
    assert result.exit_code == 2
    error = json.loads(result.stderr)
    assert error["error"] == "config_error" and message in error["message"]


# ------------------------------------------------------------------------ Stubber: keys, mode, throttling


ARN = f"arn:aws:iam::123456789012:saml-provider/{NAME}"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 3, 1, tzinfo=UTC)


def _stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("iam", region_name="us-east-1")
    return client, Stubber(client)


def _get(
    document: str, keys: list[dict[str, Any]], tags: dict[str, str], mode: str | None = None
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "SAMLMetadataDocument": document,
        "PrivateKeyList": keys,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    if mode:
        answer["AssertionEncryptionMode"] = mode
    return answer


def test_private_key_rotation_removes_oldest_first_then_adds(idp_keys: KeyPair) -> None:
    xml = _xml(idp_keys)
    document = xml.decode()
    new_key = PrivateKey.from_keypair(KeyPair.generate())
    kept = PrivateKey.from_keypair(KeyPair.generate())
    old_id, kept_id, new_id = "A" * 22, "B" * 22, "C" * 22
    held = [{"KeyId": old_id, "Timestamp": T0}, {"KeyId": kept_id, "Timestamp": T1}]
    tags = {KEY_TAG_PREFIX + kept_id: kept.sha256}
    client, stub = _stubbed()
    stub.add_response("list_saml_providers", {"SAMLProviderList": [{"Arn": ARN}]})
    stub.add_response("get_saml_provider", _get(document, held, tags), {"SAMLProviderArn": ARN})
    stub.add_response(
        "update_saml_provider",
        {"SAMLProviderArn": ARN},
        {"SAMLProviderArn": ARN, "AssertionEncryptionMode": "Required"},
    )
    stub.add_response(
        "update_saml_provider", {"SAMLProviderArn": ARN}, {"SAMLProviderArn": ARN, "RemovePrivateKey": old_id}
    )
    stub.add_response(
        "untag_saml_provider", {}, {"SAMLProviderArn": ARN, "TagKeys": [KEY_TAG_PREFIX + old_id]}
    )
    stub.add_response("get_saml_provider", _get(document, held[1:], tags), {"SAMLProviderArn": ARN})
    stub.add_response(
        "update_saml_provider",
        {"SAMLProviderArn": ARN},
        {"SAMLProviderArn": ARN, "AddPrivateKey": new_key.pem},
    )
    after = [*held[1:], {"KeyId": new_id, "Timestamp": T1}]
    stub.add_response("get_saml_provider", _get(document, after, tags), {"SAMLProviderArn": ARN})
    stub.add_response(
        "tag_saml_provider",
        {},
        {"SAMLProviderArn": ARN, "Tags": [{"Key": KEY_TAG_PREFIX + new_id, "Value": new_key.sha256}]},
    )
    desired = Desired(name=NAME, document=xml, encryption_mode="Required", private_keys=(kept, new_key))
    with stub:
        plan = iam.plan_aws_sync(client, desired)
        assert [s["op"] for s in plan.steps] == ["update", "remove_private_key", "add_private_key"]
        assert plan.steps[1]["key_id"] == old_id and plan.changes == (
            "assertion_encryption_mode",
            "private_keys",
        )
        assert new_key.pem not in json.dumps(plan.to_json())
        iam.apply_aws_sync(client, plan, desired)
    stub.assert_no_pending_responses()


def test_private_keys_already_held_are_unchanged(idp_keys: KeyPair) -> None:
    xml = _xml(idp_keys)
    key = PrivateKey.from_keypair(KeyPair.generate())
    held = [{"KeyId": "D" * 22, "Timestamp": T0}]
    state = _get(xml.decode(), held, {KEY_TAG_PREFIX + "D" * 22: key.sha256}, mode="Allowed")
    client, stub = _stubbed()
    stub.add_response("list_saml_providers", {"SAMLProviderList": [{"Arn": ARN}]})
    stub.add_response("get_saml_provider", state, {"SAMLProviderArn": ARN})
    with stub:
        plan = iam.plan_aws_sync(
            client, Desired(name=NAME, document=xml, encryption_mode="Allowed", private_keys=(key,))
        )
    assert plan.action == "unchanged"
    stub.assert_no_pending_responses()


def test_create_with_mode_key_and_tags(idp_keys: KeyPair) -> None:
    xml = _xml(idp_keys)
    key = PrivateKey.from_keypair(KeyPair.generate())
    client, stub = _stubbed()
    stub.add_response("list_saml_providers", {"SAMLProviderList": []})
    stub.add_response(
        "create_saml_provider",
        {"SAMLProviderArn": ARN},
        {
            "Name": NAME,
            "SAMLMetadataDocument": xml.decode(),
            "AssertionEncryptionMode": "Allowed",
            "Tags": [{"Key": "Owner", "Value": "iam"}],
            "AddPrivateKey": key.pem,
        },
    )
    stub.add_response(
        "get_saml_provider",
        _get(xml.decode(), [{"KeyId": "E" * 22, "Timestamp": T0}], {}),
        {"SAMLProviderArn": ARN},
    )
    stub.add_response(
        "tag_saml_provider",
        {},
        {"SAMLProviderArn": ARN, "Tags": [{"Key": KEY_TAG_PREFIX + "E" * 22, "Value": key.sha256}]},
    )
    desired = Desired(
        name=NAME, document=xml, encryption_mode="Allowed", private_keys=(key,), tags={"Owner": "iam"}
    )
    with stub:
        plan = iam.plan_aws_sync(client, desired)
        assert plan.action == "create"
        assert iam.apply_aws_sync(client, plan, desired) == ARN
    stub.assert_no_pending_responses()


def test_three_keys_are_refused(idp_keys: KeyPair) -> None:
    keys = tuple(PrivateKey.from_keypair(KeyPair.generate("ec-p256")) for _ in range(3))
    with pytest.raises(SAMLError) as caught:
        metadata.plan_provider(Desired(name=NAME, document=_xml(idp_keys), private_keys=keys), None)
    assert caught.value.code == "config_error"


def test_throttling_is_retried_with_backoff(monkeypatch: pytest.MonkeyPatch, idp_keys: KeyPair) -> None:
    waits: list[float] = []
    monkeypatch.setattr(iam, "_sleep", waits.append)
    client, stub = _stubbed()
    stub.add_client_error("list_saml_providers", "Throttling", "Rate exceeded", 400)
    stub.add_client_error("list_saml_providers", "Throttling", "Rate exceeded", 400)
    stub.add_response("list_saml_providers", {"SAMLProviderList": []})
    with stub:
        plan = iam.plan_aws_sync(client, Desired(name=NAME, document=_xml(idp_keys)))
    assert plan.action == "create"
    assert len(waits) == 2 and waits[1] > waits[0] > 0


def test_other_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch, idp_keys: KeyPair) -> None:
    waits: list[float] = []
    monkeypatch.setattr(iam, "_sleep", waits.append)
    client, stub = _stubbed()
    stub.add_client_error("list_saml_providers", "AccessDenied", "no", 403)
    with stub, pytest.raises(metadata.MetadataError) as caught:
        iam.plan_aws_sync(client, Desired(name=NAME, document=_xml(idp_keys)))
    assert caught.value.code == "aws_call_failed" and "AccessDenied" in caught.value.message
    assert waits == []


def test_golden_private_key_fingerprint_is_of_the_public_key() -> None:
    keys = KeyPair.from_files(str(GOLDEN / "sp-enc.key"), str(GOLDEN / "sp-enc.crt"))
    import hashlib

    assert PrivateKey.from_keypair(keys).sha256 == hashlib.sha256(keys.trusted.spki_der).hexdigest()
