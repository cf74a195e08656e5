"""The pytest plugin: ``saml_idp`` and ``saml_idp_server``, registered through the pytest11 entry point."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from idp import IdentityProvider
from idp.testing import IdPServer
from idp.testing import hidden_fields
from idp.testing import post_form
from idp.testing import sign_in
from metadata import parse_entities
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import validate_response


def test_saml_idp_is_an_identity_provider_with_a_fresh_key(saml_idp: IdentityProvider) -> None:
    assert isinstance(saml_idp, IdentityProvider)
    assert len(saml_idp.keys) == 1
    (entity,) = parse_entities(saml_idp.metadata())
    assert entity.entity_id == saml_idp.entity_id


def test_saml_idp_issues_what_the_validator_accepts(saml_idp: IdentityProvider) -> None:
    from idp import AwsRole

    role = AwsRole("arn:aws:iam::111111111111:role/Dev", "arn:aws:iam::111111111111:saml-provider/Test")
    issued = saml_idp.issue_aws(name_id="carol", roles=[role], session_name="carol")
    assertion = validate_response(
        issued.b64, trust=Trust.from_metadata(saml_idp.metadata()), policy=Policy.aws()
    )
    assert assertion.aws is not None and assertion.aws.role_session_name == "carol"


def test_saml_idp_server_serves_its_metadata(saml_idp_server: IdPServer) -> None:
    answer = httpx.get(saml_idp_server.metadata_url, timeout=5)
    assert answer.status_code == 200
    (entity,) = parse_entities(answer.content)
    assert entity.idp is not None
    assert entity.idp.signing_keys()[0].same_key(saml_idp_server.provider.signing_key.trusted)
    assert saml_idp_server.url.startswith("http://127.0.0.1:")


def test_saml_idp_server_add_user_signs_in_over_http(saml_idp_server: IdPServer) -> None:
    saml_idp_server.add_user(
        "carol", "carol-pw", roles=["arn:aws:iam::111111111111:role/Dev"], attributes={"team": ["blue"]}
    )
    with httpx.Client(base_url=saml_idp_server.url, timeout=10) as client:
        assert sign_in(client, "carol", "carol-pw").headers["location"] == "/portal"
        portal = client.get("/portal")
        assert "arn:aws:iam::111111111111:role/Dev" in portal.text
        answer = client.post(
            "/sso/aws",
            data={
                "csrf_token": hidden_fields(portal.text)["csrf_token"],
                "role": "arn:aws:iam::111111111111:role/Dev",
            },
        )
    action, fields = post_form(answer.text)
    trust = Trust.from_metadata(saml_idp_server.metadata())
    assertion = validate_response(fields["SAMLResponse"], trust=trust, policy=Policy.aws())
    assert action == "https://signin.aws.amazon.com/saml"
    assert assertion.aws is not None
    assert assertion.aws.roles[0].principal_arn == "arn:aws:iam::111111111111:saml-provider/DemoIdP"
    assert assertion.attributes["team"] == ("blue",)


def test_saml_idp_server_refuses_unknown_users(saml_idp_server: IdPServer) -> None:
    with httpx.Client(base_url=saml_idp_server.url, timeout=10) as client:
        assert sign_in(client, "nobody", "pw").status_code == 401


def test_idp_server_stops_listening_when_done() -> None:
    with IdPServer() as server:
        port = server.port
        assert httpx.get(server.metadata_url, timeout=5).status_code == 200
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_plugin_is_registered_by_the_entry_point(tmp_path: Path) -> None:
    """A fresh pytest run in an empty folder sees both fixtures without any conftest."""
    (tmp_path / "test_uses_plugin.py").write_text(
        textwrap.dedent(
            """
            def test_fixtures(saml_idp, saml_idp_server):
                import httpx
                assert saml_idp.metadata().startswith(b"<")
                assert httpx.get(saml_idp_server.metadata_url, timeout=5).status_code == 200
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
