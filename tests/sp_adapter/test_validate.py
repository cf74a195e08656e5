"""validate_response: the positive controls of SECURITY.md 3.1, the result, and the accepted input forms."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from saml_core import SAMLError
from saml_core._time import EARLIEST_NOW
from saml_core._time import LATEST_NOW
from saml_core.constants import BlockCipher
from saml_core.constants import DigestMethod
from saml_core.constants import SignatureMethod
from sp_adapter import Policy
from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from sp_adapter import validate_response
from sp_adapter._policy import MAX_AGE_LIMIT
from tests.sp_adapter import _fixtures as fx


def validate(data: bytes | str, **kwargs: object) -> ValidatedAssertion:
    return fx.validate(data, **{"decrypt_keys": [fx.sp_keys()], **kwargs})


def rejected(data: bytes | str, **kwargs: object) -> ValidationError:
    return fx.rejected(data, **{"decrypt_keys": [fx.sp_keys()], **kwargs})


# ------------------------------------------------------------------------------------ controls (3.1)


@pytest.mark.parametrize("variant", fx.VARIANTS)
def test_f0_variant_is_accepted_under_aws_policy(variant: str) -> None:
    result = validate(fx.f0(variant))
    assert result.issuer == fx.IDP
    assert result.name_id == fx.NAME_ID
    assert (result.assertion_id, result.response_id) == ("_A", "_R")
    assert result.aws is not None
    assert [(r.role_arn, r.principal_arn) for r in result.aws.roles] == [(fx.READONLY, fx.PROVIDER)]
    assert result.aws.role_session_name == "alice"
    assert result.replay_checked is False


@pytest.mark.parametrize("variant", fx.VARIANTS)
def test_f0_variant_is_accepted_under_generic_policy(variant: str) -> None:
    result = validate(fx.f0(variant), policy=fx.generic_policy(), request_id=fx.REQUEST_ID)
    assert result.in_response_to == fx.REQUEST_ID
    assert result.aws is not None and result.aws.role_session_name == "alice"


def test_default_namespace_signature_is_accepted() -> None:
    response = fx.build_response()
    signature = fx.manual_sign(fx.assertion_of(response), prefix=None)
    assert signature.prefix is None
    assert validate(fx.serialize(response)).name_id == fx.NAME_ID


def test_inclusive_namespaces_prefix_list_is_accepted() -> None:
    from saml_core import sign_enveloped

    xml = fx.serialize(fx.build_response(attributes={"urn:x:dept": ["eng"]}))
    xml = xml.replace(b"<samlp:Response ", b'<samlp:Response xmlns:xs="http://www.w3.org/2001/XMLSchema" ', 1)
    response = fx.parse(xml)
    for value in response.iter(NS.saml("AttributeValue")):
        value.set(f"{{{NS.XSI}}}type", "xs:string")
    # the exc-c14n PrefixList that Okta and AD FS emit, so xs stays in the signed form
    sign_enveloped(fx.assertion_of(response), fx.idp_keys(), inclusive_prefixes=["xs"])
    signed = fx.serialize(response)
    assert b'PrefixList="xs"' in signed
    assert validate(signed).attributes["urn:x:dept"] == ("eng",)


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA512, DigestMethod.SHA512),
        (SignatureMethod.RSA_SHA384, DigestMethod.SHA384),
    ],
)
def test_stronger_rsa_methods_are_accepted(method: SignatureMethod, digest: DigestMethod) -> None:
    response = fx.sign_assertion(fx.build_response(), method=method, digest=digest)
    assert validate(fx.serialize(response)).name_id == fx.NAME_ID


def test_rsa_pss_signature_is_accepted() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), method=SignatureMethod.RSA_PSS_SHA256)
    assert validate(fx.serialize(response)).name_id == fx.NAME_ID


def test_ecdsa_p256_signature_is_accepted() -> None:
    keys = KeyPair.generate("ec-p256", now=fx.NOW)
    response = fx.sign_variant(fx.build_response(), "RA", keys)
    assert validate(fx.serialize(response), trust=fx.trust(keys)).name_id == fx.NAME_ID


def test_line_wrapped_signature_value_and_certificate_are_accepted() -> None:
    response = fx.build_response()
    fx.manual_sign(fx.assertion_of(response), wrap=40)
    fx.manual_sign(response, wrap=64)
    xml = fx.serialize(response)
    assert xml.count(b"\n") > 20
    assert validate(xml).name_id == fx.NAME_ID


def test_second_of_two_pinned_rollover_keys_verifies() -> None:
    xml = fx.f0("RA", keys=fx.idp_keys_2())
    assert validate(xml, trust=fx.trust(fx.idp_keys(), fx.idp_keys_2())).name_id == fx.NAME_ID
    # twin: the same message against the old key alone is refused
    assert rejected(xml, trust=fx.trust(fx.idp_keys())).code == "untrusted_key"


@pytest.mark.parametrize("offset", [-(180 - 1), 180 - 1])
def test_timestamps_inside_the_skew_are_accepted(offset: int) -> None:
    # issued `offset` seconds away from the validator's clock: +179 s in the future, or expiring 179 s ago
    if offset > 0:
        xml = fx.f0("RA", now=fx.NOW + timedelta(seconds=offset))
    else:
        xml = fx.f0("RA", now=fx.NOW - timedelta(seconds=300 - offset), lifetime=300)
    assert validate(xml).name_id == fx.NAME_ID


@pytest.mark.parametrize("offset", [-(180 + 1), 180 + 1])
def test_timestamps_just_outside_the_skew_are_refused(offset: int) -> None:
    if offset > 0:
        xml = fx.f0("RA", now=fx.NOW + timedelta(seconds=offset + 60))
        assert rejected(xml).code == "not_yet_valid"
    else:
        xml = fx.f0("RA", now=fx.NOW - timedelta(seconds=300 - offset), lifetime=300)
        assert rejected(xml).code == "expired"


@pytest.mark.parametrize("cipher", [BlockCipher.AES256_GCM, BlockCipher.AES128_GCM, BlockCipher.AES256_CBC])
@pytest.mark.parametrize("variant", ["EA", "ERA", "ER"])
def test_encrypted_variants_with_gcm_and_cbc_are_accepted(variant: str, cipher: BlockCipher) -> None:
    xml = fx.f0(variant, sign_options={"cipher": cipher})
    assert cipher.value.encode() in xml
    assert validate(xml).name_id == fx.NAME_ID


def test_cbc_is_refused_when_the_policy_refuses_it() -> None:
    xml = fx.f0("EA", sign_options={"cipher": BlockCipher.AES256_CBC})
    error = rejected(xml, policy=fx.aws_policy(allow_aes_cbc=False))
    assert error.code == "decryption_failed"
    assert str(error) == "The encrypted assertion could not be decrypted"


def _move_key_to_retrieval_method(response: etree._Element) -> None:
    container = fx.assertion_of(response)
    data = container[0]
    key_info = data.find(NS.ds("KeyInfo"))
    assert key_info is not None
    encrypted_key = key_info.find(NS.xenc("EncryptedKey"))
    assert encrypted_key is not None
    key_info.remove(encrypted_key)
    encrypted_key.set("Id", "_EK1")
    etree.SubElement(
        key_info, NS.ds("RetrievalMethod"), URI="#_EK1", Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey"
    )
    container.append(encrypted_key)


@pytest.mark.parametrize("sign_response", [False, True])
def test_encrypted_key_referenced_by_retrieval_method_is_accepted(sign_response: bool) -> None:
    response = fx.sign_assertion(fx.build_response())
    fx.encrypt_assertion(response, cipher=BlockCipher.AES256_CBC)
    _move_key_to_retrieval_method(response)
    if sign_response:
        fx.sign_response(response)
    xml = fx.serialize(response)
    assert b"RetrievalMethod" in xml
    assert validate(xml).name_id == fx.NAME_ID


# ---------------------------------------------------------------------------------- the result


def test_result_fields_come_from_the_assertion() -> None:
    result = validate(fx.f0("RA", attributes={"urn:x:email": ["a@example.test", "b@example.test"]}))
    assert result.name_id_format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert result.session_index == "_S1"
    assert result.not_on_or_after == fx.NOW + timedelta(minutes=5)
    assert result.audiences == (fx.AUDIENCE,)
    assert result.recipient == fx.ACS
    assert result.in_response_to == fx.REQUEST_ID
    assert result.attributes["urn:x:email"] == ("a@example.test", "b@example.test")
    assert result.attributes["https://aws.amazon.com/SAML/Attributes/RoleSessionName"] == ("alice",)


def test_result_is_frozen() -> None:
    result = validate(fx.f0("RA"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.name_id = "admin"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.attributes["x"] = ("y",)  # type: ignore[index]


def test_to_json_has_the_interfaces_shape() -> None:
    document = validate(fx.f0("RA")).to_json()
    assert set(document) >= {
        "issuer",
        "name_id",
        "name_id_format",
        "session_index",
        "not_on_or_after",
        "audiences",
        "recipient",
        "in_response_to",
        "attributes",
        "aws",
    }
    assert document["not_on_or_after"] == "2026-03-01T12:05:00Z"
    assert document["replay_checked"] is False
    assert document["aws"] == {
        "roles": [{"role_arn": fx.READONLY, "principal_arn": fx.PROVIDER}],
        "role_session_name": "alice",
        "session_duration": None,
        "source_identity": None,
        "principal_tags": {},
        "transitive_tag_keys": [],
    }


def test_aws_is_null_without_a_role_under_a_generic_policy() -> None:
    result = validate(fx.f0("RA", roles=(), session_name=None), policy=fx.generic_policy())
    assert result.aws is None
    assert result.to_json()["aws"] is None


# ------------------------------------------------------------------------------------ input forms


def test_base64_text_is_kept_exactly_for_sts() -> None:
    b64 = fx.f0_b64("RA")
    assert validate(b64).saml_response_b64 == b64
    assert validate(b64.encode()).saml_response_b64 == b64


def test_raw_xml_input_keeps_the_exact_bytes() -> None:
    xml = fx.f0("RA")
    assert base64.b64decode(validate(xml).saml_response_b64) == xml


def test_base64_wrapped_at_76_columns_is_accepted_as_received() -> None:
    b64 = base64.encodebytes(fx.f0("RA")).decode()
    assert "\n" in b64
    assert validate(b64).saml_response_b64 == b64


def test_utf8_bom_and_declaration_are_accepted() -> None:
    xml = b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="UTF-8"?>\n' + fx.f0("RA")
    assert validate(xml).name_id == fx.NAME_ID
    assert validate(base64.b64encode(xml).decode()).name_id == fx.NAME_ID


def test_now_must_be_aware() -> None:
    with pytest.raises(TypeError):
        validate(fx.f0("RA"), now=fx.NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    "now",
    [datetime.min.replace(tzinfo=UTC), datetime(1970, 12, 31, tzinfo=UTC), datetime.max.replace(tzinfo=UTC)],
)
def test_now_outside_the_supported_range_is_refused_before_any_date_arithmetic(now: datetime) -> None:
    """Red-team finding F2: datetime.min as ``now`` overflowed in ``now - skew`` (OverflowError escaped)."""
    with pytest.raises(ValueError, match=r"^now must lie from 1971-01-01T00:00:00Z to 9899-12-31T23:59:59Z$"):
        validate(fx.f0("RA"), now=now)


def test_the_largest_max_age_and_the_range_ends_still_validate() -> None:
    """The bounds that keep date arithmetic in range are themselves usable (no overflow at the edges)."""
    policy = fx.aws_policy(max_age=MAX_AGE_LIMIT)
    assert validate(fx.f0("RA"), policy=policy).name_id == fx.NAME_ID
    for now in (EARLIEST_NOW, LATEST_NOW):
        assert rejected(fx.f0("RA"), now=now, policy=policy).code in ("expired", "not_yet_valid")


def test_every_error_is_a_validation_error_with_the_core_code() -> None:
    error = rejected(b"<!DOCTYPE r><r/>")
    assert isinstance(error, ValidationError) and isinstance(error, SAMLError)
    assert (error.code, error.aws_error) == ("dtd_forbidden", "InvalidIdentityToken")
    assert error.to_json() == {
        "error": "dtd_forbidden",
        "aws_error": "InvalidIdentityToken",
        "message": str(error),
    }


def test_policy_and_trust_types_are_checked() -> None:
    with pytest.raises(TypeError):
        validate_response(fx.f0("RA"), trust=fx.trust(), policy=object())  # type: ignore[arg-type]
    assert isinstance(fx.aws_policy(), Policy)
