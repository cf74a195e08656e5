"""Family J: the STS integration where the validator applies (SECURITY.md Part 2, J5-J6).

J1-J4 are IdP-side and broker-side design rules (XML built with element APIs, registered ACS URLs only,
Redirect-binding signatures, LogoutRequest profile); they are tested with the IdP and the broker. Here: the
exact bytes that go to STS (R59, J5) and the role allow-list (R57, J6).
"""

from __future__ import annotations

import base64

from sp_adapter import Trust
from tests.attacks import _kit as k
from tests.sp_adapter import _fixtures as fx


def test_j5_exact_bytes_for_sts_from_base64() -> None:
    text = k.b64(fx.f0("RA"))
    wrapped = "\r\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + "\r\n"
    assert k.accept(wrapped).saml_response_b64 == wrapped
    assert k.accept(wrapped.encode()).saml_response_b64 == wrapped


def test_j5_exact_bytes_for_sts_from_raw_xml() -> None:
    # a serialisation c14n would normalise (a BOM, single quotes, spacing in a tag): STS gets these bytes
    data = b"\xef\xbb\xbf" + fx.f0("A").replace(b'Version="2.0"', b"Version='2.0'   ", 1)
    assert base64.b64decode(k.accept(data).saml_response_b64) == data


def test_j6_roles_offered_are_the_verified_roles_on_the_allow_list() -> None:
    two_roles = fx.f0("RA", roles=(fx.ROLE, f"{fx.ADMIN},{fx.PROVIDER}"))
    restricted = Trust.from_certificates(fx.IDP, [fx.idp_keys().cert_pem], allowed_roles=[fx.READONLY])
    result = k.validate_response(two_roles, **k.options(trust=restricted))
    assert result.aws is not None
    assert [role.role_arn for role in result.aws.roles] == [fx.READONLY]
    unrestricted = k.validate_response(two_roles, **k.options())
    assert unrestricted.aws is not None
    assert [role.role_arn for role in unrestricted.aws.roles] == [fx.READONLY, fx.ADMIN]


def test_j6_no_allowed_role_left() -> None:
    restricted = Trust.from_certificates(fx.IDP, [fx.idp_keys().cert_pem], allowed_roles=[fx.ADMIN])
    k.reject(fx.f0("RA"), k.AWS_ROLE, trust=restricted)
