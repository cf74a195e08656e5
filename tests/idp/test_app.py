"""The web IdP through starlette's TestClient: login, CSRF, sessions, the AWS portal, /metadata, error pages.

SP-initiated SSO and Single Logout are in test_app_sso.py.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import itsdangerous
import pytest
from starlette.testclient import TestClient

from idp import AwsRole
from idp import IdentityProvider
from idp._web_config import Directory
from idp._web_config import WebSettings
from idp._web_sps import Registry
from idp._web_sps import aws_service_provider
from idp.app import create_app
from idp.config import hash_password
from idp.testing import hidden_fields
from idp.testing import make_user
from idp.testing import post_form
from idp.testing import sign_in
from metadata import parse_entities
from saml_core import KeyPair
from sp_adapter import Policy
from sp_adapter import Trust
from sp_adapter import validate_response

BASE = "http://testserver"
PROVIDER = "arn:aws:iam::111111111111:saml-provider/DemoIdP"
READONLY = AwsRole("arn:aws:iam::111111111111:role/ReadOnly", PROVIDER)
ADMIN = AwsRole("arn:aws:iam::111111111111:role/Admin", PROVIDER)
OTHER = AwsRole("arn:aws:iam::222222222222:role/Auditor", "arn:aws:iam::222222222222:saml-provider/DemoIdP")
SECRET = "test-session-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def idp_keys() -> KeyPair:
    return KeyPair.generate()


def make_settings(
    idp_keys: KeyPair, *, lifetime: int = 3600, secret: str = SECRET, acs: str | None = None
) -> WebSettings:
    provider = IdentityProvider(
        "https://idp.example.test/", idp_keys, sso_url=BASE + "/sso", slo_url=BASE + "/slo"
    )
    users = Directory(
        [
            make_user(
                "alice",
                "alice-pw",
                [READONLY, ADMIN, OTHER],
                {"email": "alice@example.test"},
                name_id="alice@example.test",
                tags={"Department": "Engineering"},
            ),
            make_user("bob", "unused", [READONLY]),
            make_user('<script>alert("x")</script>', "pw", [READONLY], session_name="script-user"),
        ]
    )
    carol = make_user("carol", "unused", [READONLY])
    users.add(replace(carol, password=None, password_hash=hash_password("carol-pw", n=2**10)))
    return WebSettings(
        provider=provider,
        keys=[idp_keys],
        base_url=BASE,
        users=users,
        service_providers=Registry([aws_service_provider(acs_url=acs)]),
        session_secret=secret,
        session_lifetime=lifetime,
    )


@pytest.fixture
def client(idp_keys: KeyPair) -> TestClient:
    return TestClient(create_app(make_settings(idp_keys)), follow_redirects=False)


def _csrf(client: TestClient, path: str = "/login") -> str:
    return hidden_fields(client.get(path).text)["csrf_token"]


def _aws_sign_in(client: TestClient, role: str | None = READONLY.role_arn, csrf: str | None = None) -> object:
    token = csrf if csrf is not None else _csrf(client, "/portal")
    data = {"csrf_token": token} | ({"role": role} if role is not None else {})
    return client.post("/sso/aws", data=data)


# ----------------------------------------------------------------------------------------- login


def test_login_page_has_a_csrf_token_and_no_script(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert len(hidden_fields(page.text)["csrf_token"]) >= 32
    assert "<script" not in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_login_success_redirects_to_the_portal(client: TestClient) -> None:
    answer = sign_in(client, "alice", "alice-pw")
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal")
    assert "saml_idp_session" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()


def test_login_with_wrong_password_is_refused(client: TestClient) -> None:
    answer = sign_in(client, "alice", "wrong")
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text
    assert client.get("/portal").status_code == 303


def test_login_unknown_user_gets_the_same_answer(client: TestClient) -> None:
    answer = sign_in(client, "mallory", "alice-pw")
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text


def test_scrypt_password_hash_signs_in(client: TestClient) -> None:
    assert sign_in(client, "carol", "carol-pw").status_code == 303


def test_scrypt_password_hash_refuses_a_wrong_password(client: TestClient) -> None:
    assert sign_in(client, "carol", "carol-pw!").status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "alice", "password": "alice-pw"})
    assert answer.status_code == 403
    assert "csrf_failed" in answer.text
    assert client.get("/portal").status_code == 303


def test_login_with_a_token_from_another_session_is_refused(idp_keys: KeyPair, client: TestClient) -> None:
    other = TestClient(create_app(make_settings(idp_keys)), follow_redirects=False)
    token = _csrf(other)
    client.get("/login")
    answer = client.post("/login", data={"csrf_token": token, "username": "alice", "password": "alice-pw"})
    assert answer.status_code == 403
    assert "csrf_failed" in answer.text


def test_login_form_needs_urlencoded_body(client: TestClient) -> None:
    answer = client.post(
        "/login", content=b'{"username": "alice"}', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "request_invalid" in answer.text


def test_r1_login_body_over_the_cap_is_refused_before_parsing(client: TestClient) -> None:
    answer = client.post(
        "/login",
        content=b"a=" + b"x" * (600 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert "too_large" in answer.text


def test_repeated_form_field_is_refused(client: TestClient) -> None:
    token = _csrf(client)
    body = f"csrf_token={token}&username=alice&username=bob&password=alice-pw"
    answer = client.post(
        "/login", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 400
    assert "repeated" in answer.text


def test_signing_in_replaces_the_csrf_token(client: TestClient) -> None:
    before = _csrf(client)
    sign_in(client, "alice", "alice-pw")
    assert _csrf(client, "/portal") != before


def test_logout_ends_the_session(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = client.post("/logout", data={"csrf_token": _csrf(client, "/portal")})
    assert answer.status_code == 200
    assert "Signed out" in answer.text
    assert client.get("/portal").status_code == 303


def test_logout_without_csrf_keeps_the_session(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    assert client.post("/logout", data={"csrf_token": ""}).status_code == 403
    assert client.get("/portal").status_code == 200


# -------------------------------------------------------------------------------------- sessions


def _cookie(session: dict[str, object], secret: str = SECRET) -> str:
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def test_session_cookie_works_on_another_worker_with_the_same_secret(
    idp_keys: KeyPair, client: TestClient
) -> None:
    sign_in(client, "alice", "alice-pw")
    other = TestClient(create_app(make_settings(idp_keys)), follow_redirects=False)
    other.cookies.set("saml_idp_session", client.cookies["saml_idp_session"])
    assert other.get("/portal").status_code == 200


def test_session_cookie_signed_with_another_secret_is_ignored(idp_keys: KeyPair, client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    other = TestClient(create_app(make_settings(idp_keys, secret="another-secret")), follow_redirects=False)
    other.cookies.set("saml_idp_session", client.cookies["saml_idp_session"])
    assert other.get("/portal").headers["location"] == "/login"


def test_session_lifetime_is_honoured(client: TestClient) -> None:
    now = int(time.time())
    expired = {"user": "alice", "auth_at": now - 7200, "exp": now - 1, "sid": "_s", "csrf": "x" * 43}
    client.cookies.set("saml_idp_session", _cookie(expired))
    assert client.get("/portal").headers["location"] == "/login"


def test_session_within_its_lifetime_is_accepted(client: TestClient) -> None:
    now = int(time.time())
    live = {"user": "alice", "auth_at": now - 60, "exp": now + 60, "sid": "_s", "csrf": "x" * 43}
    client.cookies.set("saml_idp_session", _cookie(live))
    assert client.get("/portal").status_code == 200


def test_session_lifetime_sets_the_cookie_max_age(idp_keys: KeyPair) -> None:
    client = TestClient(create_app(make_settings(idp_keys, lifetime=120)), follow_redirects=False)
    assert "Max-Age=120" in sign_in(client, "alice", "alice-pw").headers["set-cookie"]


# ----------------------------------------------------------------------------------------- portal


def test_portal_requires_a_session(client: TestClient) -> None:
    assert client.get("/portal").headers["location"] == "/login"


def test_portal_lists_roles_grouped_by_account(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    page = client.get("/portal").text
    assert page.index("Account 111111111111") < page.index("Admin") < page.index("ReadOnly")
    assert page.index("ReadOnly") < page.index("Account 222222222222") < page.index("Auditor")
    assert page.count('action="/sso/aws"') == 3


def test_portal_escapes_the_user_name(client: TestClient) -> None:
    sign_in(client, '<script>alert("x")</script>', "pw")
    page = client.get("/portal").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_home_sends_to_login_or_portal(client: TestClient) -> None:
    assert client.get("/").headers["location"] == "/login"
    sign_in(client, "alice", "alice-pw")
    assert client.get("/").headers["location"] == "/portal"


# ------------------------------------------------------------------------------- IdP-initiated AWS


def test_aws_sign_in_posts_a_response_our_validator_accepts(idp_keys: KeyPair, client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = _aws_sign_in(client)
    assert answer.status_code == 200
    action, fields = post_form(answer.text)
    assert action == "https://signin.aws.amazon.com/saml"
    assert "form-action 'self' https://signin.aws.amazon.com" in answer.headers["content-security-policy"]
    provider = IdentityProvider("https://idp.example.test/", idp_keys, sso_url=BASE + "/sso")
    assertion = validate_response(
        fields["SAMLResponse"], trust=Trust.from_metadata(provider.metadata()), policy=Policy.aws()
    )
    assert assertion.aws is not None
    assert [r.role_arn for r in assertion.aws.roles] == [READONLY.role_arn]
    assert assertion.aws.principal_tags == {"Department": "Engineering"}
    assert assertion.name_id == "alice@example.test"


def test_aws_sign_in_page_has_a_visible_button_and_a_nonced_script(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = _aws_sign_in(client)
    assert '<button type="submit">Continue to AWS</button>' in answer.text
    nonce = answer.headers["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in answer.text


def test_aws_sign_in_to_a_configured_acs(idp_keys: KeyPair) -> None:
    client = TestClient(
        create_app(make_settings(idp_keys, acs="http://127.0.0.1:9/acs")), follow_redirects=False
    )
    sign_in(client, "alice", "alice-pw")
    action, fields = post_form(_aws_sign_in(client).text)
    assert action == "http://127.0.0.1:9/acs"
    assert b'Recipient="http://127.0.0.1:9/acs"' in base64.b64decode(fields["SAMLResponse"])


def test_aws_sign_in_without_role_asserts_every_role_of_the_partition(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    _, fields = post_form(_aws_sign_in(client, role=None).text)
    xml = base64.b64decode(fields["SAMLResponse"])
    assert all(r.role_arn.encode() in xml for r in (READONLY, ADMIN, OTHER))


def test_j6_aws_sign_in_refuses_a_role_the_user_does_not_have(client: TestClient) -> None:
    sign_in(client, "bob", "unused")
    answer = _aws_sign_in(client, role=ADMIN.role_arn)
    assert answer.status_code == 403
    assert "role_not_allowed" in answer.text
    assert "SAMLResponse" not in answer.text


def test_aws_sign_in_needs_a_session(client: TestClient) -> None:
    answer = _aws_sign_in(client, csrf=_csrf(client))
    assert answer.status_code == 401
    assert "not_signed_in" in answer.text


def test_aws_sign_in_needs_the_csrf_token(client: TestClient) -> None:
    sign_in(client, "alice", "alice-pw")
    answer = _aws_sign_in(client, csrf="forged")
    assert answer.status_code == 403
    assert "csrf_failed" in answer.text


# ------------------------------------------------------------------------------- metadata, errors


def test_metadata_describes_the_sso_and_slo_endpoints(client: TestClient, idp_keys: KeyPair) -> None:
    answer = client.get("/metadata")
    assert answer.headers["content-type"].startswith("application/samlmetadata+xml")
    (entity,) = parse_entities(answer.content)
    assert entity.entity_id == "https://idp.example.test/"
    assert entity.idp is not None
    assert {e.location for e in entity.idp.single_sign_on_services} == {BASE + "/sso"}
    assert entity.idp.signing_keys()[0].same_key(idp_keys.trusted)


def test_unknown_path_is_an_html_404(client: TestClient) -> None:
    answer = client.get("/nope/<script>")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "<script>" not in answer.text


def test_wrong_method_is_an_html_405(client: TestClient) -> None:
    answer = client.put("/login")
    assert answer.status_code == 405
    assert "method_not_allowed" in answer.text


def test_unknown_user_costs_the_same_scrypt_work_as_a_known_one(
    idp_keys: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    import idp._web_config as web_config

    checked: list[str] = []
    real = web_config.check_password

    def spy(user, password):  # type: ignore[no-untyped-def]
        checked.append(user.name)
        return real(user, password)

    monkeypatch.setattr(web_config, "check_password", spy)
    users = make_settings(idp_keys).users
    assert users.authenticate("mallory", "carol-pw") is None
    assert checked == ["carol"]  # the decoy: a hashed user's hash, result ignored


def test_known_user_is_checked_against_their_own_password(idp_keys: KeyPair) -> None:
    users = make_settings(idp_keys).users
    assert users.authenticate("carol", "carol-pw") is not None
    assert users.authenticate("carol", "alice-pw") is None


def test_a_user_aws_would_refuse_gets_a_400_page_not_a_500(idp_keys: KeyPair) -> None:
    settings = make_settings(idp_keys)
    settings.users.add(make_user("eve", "eve-pw", [READONLY], session_name="has spaces"))
    client = TestClient(create_app(settings), follow_redirects=False)
    sign_in(client, "eve", "eve-pw")
    answer = _aws_sign_in(client)
    assert answer.status_code == 400
    assert "aws_attribute_invalid" in answer.text
    assert "RoleSessionName" in answer.text
