"""``saml-sp login``: headless sign-in at the web IdP (served on 127.0.0.1 by the idp plugin's fixture), local
validation, then AssumeRoleWithSAML at the local STS; the cache makes it a usable credential_process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from click.testing import Result

from saml_core import utcnow
from sp_adapter.cli import main
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import signed_client

ROLE = "arn:aws:iam::111111111111:role/ReadOnly"
ADMIN = "arn:aws:iam::111111111111:role/Admin"


@pytest.fixture
def world(saml_idp_server: Any) -> Iterator[tuple[Any, Any]]:
    saml_idp_server.add_user("alice", "alice-password", roles=[ROLE, ADMIN])
    saml_idp_server.add_user("bob", "bob-password", roles=[ROLE])
    with local_sts({"DemoIdP": saml_idp_server.metadata()}, clock=utcnow) as sts:
        yield saml_idp_server, sts


def login(idp: Any, sts: Any, *extra: str, password: str = "alice-password\n", user: str = "alice") -> Result:
    args = ["login", "--idp-url", idp.url, "--username", user, "--password-stdin", "--endpoint-url", sts.url]
    return CliRunner().invoke(main, [*args, *extra], input=password, catch_exceptions=False)


def test_login_then_exchange_gives_working_credentials(world: tuple[Any, Any]) -> None:
    idp, sts = world
    result = login(idp, sts, "--role-arn", ROLE)
    assert result.exit_code == 0, result.stderr
    creds = json.loads(result.stdout)
    assert signed_client(sts.url, creds).get_caller_identity()["Arn"] == (
        "arn:aws:sts::111111111111:assumed-role/ReadOnly/alice"
    )


def test_a_wrong_password_is_rejected_and_nothing_reaches_sts(world: tuple[Any, Any]) -> None:
    idp, sts = world
    before = sts.requests_seen
    result = login(idp, sts, "--role-arn", ROLE, password="wrong\n")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"] == "login_failed"
    assert sts.requests_seen == before
    assert login(idp, sts, "--role-arn", ROLE).exit_code == 0


def test_a_role_that_is_not_the_users_is_refused_by_the_idp(world: tuple[Any, Any]) -> None:
    idp, sts = world
    result = login(idp, sts, "--role-arn", ADMIN, user="bob", password="bob-password\n")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"] == "login_failed"
    assert login(idp, sts, "--role-arn", ROLE, user="bob", password="bob-password\n").exit_code == 0


def test_several_roles_and_no_terminal_needs_role_arn(world: tuple[Any, Any]) -> None:
    idp, sts = world
    result = login(idp, sts)
    assert result.exit_code == 2
    assert ADMIN in json.loads(result.stderr)["message"]
    assert login(idp, sts, user="bob", password="bob-password\n").exit_code == 0  # one role: no question


def test_credential_process_with_a_cache_signs_in_once(world: tuple[Any, Any], tmp_path: Any) -> None:
    idp, sts = world
    cache = ["--cache-dir", str(tmp_path / "cache"), "--role-arn", ROLE, "--format", "credential-process"]
    first = login(idp, sts, *cache)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["Version"] == 1
    before = sts.requests_seen
    second = login(idp, sts, *cache, password="")  # no password needed: served from the cache
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert sts.requests_seen == before


def test_pinned_metadata_that_does_not_match_the_idp_rejects_its_response(
    world: tuple[Any, Any], tmp_path: Any
) -> None:
    from tests.sp_adapter._aws_support import metadata

    idp, sts = world
    pinned = tmp_path / "other-idp.xml"
    pinned.write_bytes(metadata())  # another IdP's keys
    result = login(idp, sts, "--role-arn", ROLE, "--idp-metadata", str(pinned))
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"] in ("untrusted_key", "signature_invalid", "issuer_mismatch")
    served = tmp_path / "idp.xml"
    served.write_bytes(idp.metadata())
    assert login(idp, sts, "--role-arn", ROLE, "--idp-metadata", str(served)).exit_code == 0


def test_a_plain_http_idp_off_loopback_gets_no_password(world: tuple[Any, Any]) -> None:
    _, sts = world
    args = ["login", "--idp-url", "http://idp.example.test", "--username", "a", "--password-stdin"]
    result = CliRunner().invoke(main, [*args, "--endpoint-url", sts.url], input="pw\n")
    assert result.exit_code == 2 and "https" in json.loads(result.stderr)["message"]


def test_the_password_is_asked_on_the_terminal_as_credential_process_needs(
    world: tuple[Any, Any], tmp_path: Any
) -> None:
    import sys
    from pathlib import Path

    from tests.sp_adapter._aws_support import run_on_terminal

    idp, sts = world
    saml_sp = str(Path(sys.executable).parent / "saml-sp")
    args = [
        saml_sp,
        "login",
        "--idp-url",
        idp.url,
        "--username",
        "alice",
        "--role-arn",
        ROLE,
        "--endpoint-url",
        sts.url,
        "--format",
        "credential-process",
    ]
    code, out, terminal = run_on_terminal(args, [(b"Password: ", b"alice-password\n")])
    assert code == 0, terminal
    assert json.loads(out)["Version"] == 1
    assert b"alice-password" not in terminal  # not echoed
    code, out, terminal = run_on_terminal(args, [(b"Password: ", b"wrong\n")])
    assert code == 1 and out == b"" and b"login_failed" in terminal


def test_an_endless_password_line_is_refused_before_any_request(world: tuple[Any, Any]) -> None:
    idp, sts = world
    result = login(idp, sts, "--role-arn", ROLE, password="p" * 5000 + "\n")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == "the password on stdin is longer than 4096 bytes"
    assert login(idp, sts, "--role-arn", ROLE, password="alice-password").exit_code == 0  # no newline: fine


def test_a_password_that_is_not_utf8_is_a_usage_error(world: tuple[Any, Any]) -> None:
    idp, sts = world
    args = ["login", "--idp-url", idp.url, "--username", "alice", "--password-stdin"]
    result = CliRunner().invoke(main, [*args, "--endpoint-url", sts.url], input=b"\xff\xfe\n")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["message"] == "the password on stdin is not UTF-8"


def test_an_idp_that_answers_forever_is_refused_at_the_page_cap(endless_http: Any) -> None:
    args = ["login", "--idp-url", endless_http.url, "--username", "a", "--password-stdin", "--role-arn", ROLE]
    result = CliRunner().invoke(main, args, input="pw\n")
    assert result.exit_code == 2
    assert json.loads(result.stderr) == {
        "aws_error": None,
        "error": "idp_unreachable",
        "message": f"the IdP's page {endless_http.url}/login is larger than 1048576 bytes",
    }
