"""Golden responses: a fixed key (test data in tests/golden/idp/), a fixed clock and sequential IDs
give byte-stable output. After an intended change, regenerate them with
``UPDATE_GOLDEN=1 pytest tests/idp/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from idp import AwsRole
from idp import IdentityProvider
from idp import IssuedResponse
from idp.cli import main
from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import sequential_ids
from saml_core import validate_schema
from tests.idp.conftest import ADMIN
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "idp"
KEY, CERT = GOLDEN / "idp-test.key", GOLDEN / "idp-test.crt"
ENTITY_ID = "https://idp.example.test/"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _provider() -> IdentityProvider:
    keys = KeyPair.from_pem(KEY.read_bytes(), CERT.read_bytes())
    return IdentityProvider(ENTITY_ID, keys, id_source=sequential_ids())


def _aws_minimal(p: IdentityProvider) -> IssuedResponse:
    return p.issue_aws(name_id="alice", roles=[READ_ONLY], session_name="alice", now=NOW)


def _aws_full(p: IdentityProvider) -> IssuedResponse:
    return p.issue_aws(
        name_id="alice@example.test",
        roles=[READ_ONLY, ADMIN],
        session_name="alice",
        session_duration=3600,
        source_identity="alice",
        principal_tags={"Department": "Engineering"},
        transitive_tag_keys=["Department"],
        attributes={"email": ["alice@example.test"]},
        region="eu-west-1",
        in_response_to="_REQ",
        now=NOW,
    )


def _govcloud(p: IdentityProvider) -> IssuedResponse:
    role = AwsRole(
        "arn:aws-us-gov:iam::222222222222:role/Ops", "arn:aws-us-gov:iam::222222222222:saml-provider/Gov"
    )
    return p.issue_aws(name_id="bob", roles=[role], session_name="bob", partition="aws-us-gov", now=NOW)


def _generic(p: IdentityProvider) -> IssuedResponse:
    return p.issue(
        name_id="alice@example.test",
        acs_url="https://sp.example.test/acs",
        audience="https://sp.example.test/",
        attributes={"groups": ["admins", "staff"]},
        now=NOW,
    )


CASES: dict[str, Callable[[IdentityProvider], IssuedResponse]] = {
    "aws_minimal_both": _aws_minimal,
    "aws_minimal_response": lambda p: p.issue_aws(
        name_id="alice", roles=[READ_ONLY], session_name="alice", sign="response", now=NOW
    ),
    "aws_minimal_assertion": lambda p: p.issue_aws(
        name_id="alice", roles=[READ_ONLY], session_name="alice", sign="assertion", now=NOW
    ),
    "aws_full": _aws_full,
    "aws_govcloud": _govcloud,
    "generic": _generic,
    "fault_expired": lambda p: p.issue_aws(
        name_id="alice", roles=[READ_ONLY], session_name="alice", faults=["expired"], now=NOW
    ),
    "fault_xsw3": lambda p: p.issue_aws(
        name_id="alice", roles=[READ_ONLY], session_name="alice", faults=["xsw3"], now=NOW
    ),
}


def _check(name: str, xml: bytes) -> None:
    path = GOLDEN / f"{name}.xml"
    if UPDATE:
        path.write_bytes(xml)
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert xml == path.read_bytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_response(name: str) -> None:
    _check(name, CASES[name](_provider()).xml)


@pytest.mark.parametrize("name", ["aws_minimal_both", "aws_full", "generic"])
def test_golden_is_schema_valid(name: str) -> None:
    validate_schema(parse_xml((GOLDEN / f"{name}.xml").read_bytes()), "protocol")


def test_same_inputs_same_bytes_twice() -> None:
    assert _aws_full(_provider()).xml == _aws_full(_provider()).xml


def test_cli_with_now_and_sequential_ids_matches_library_golden() -> None:
    args = [
        "issue",
        "--key",
        str(KEY),
        "--cert",
        str(CERT),
        "--entity-id",
        ENTITY_ID,
        "--name-id",
        "alice",
        "--role",
        READ_ONLY.value,
        "--session-name",
        "alice",
        "--now",
        "2026-11-28T12:00:00Z",
        "--sequential-ids",
        "--xml",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.encode() == (GOLDEN / "aws_minimal_both.xml").read_bytes() + b"\n"
