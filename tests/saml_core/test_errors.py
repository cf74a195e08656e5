"""The error tree (codes, AWS mapping, generic messages: R60) and the shared CLI error contract."""

from __future__ import annotations

import json

import pytest
from cryptography.exceptions import InvalidSignature

from saml_core import _cli
from saml_core import errors
from saml_core.errors import SAMLError

#: INTERFACES.md "Error codes", plus the two CLI-side codes for keys and configuration
INTERFACE_CODES = set(
    "malformed_xml dtd_forbidden too_large not_a_response status_not_success issuer_mismatch "
    "signature_missing signature_invalid signature_profile_violation algorithm_forbidden untrusted_key "
    "assertion_count "
    "unsigned_content audience_mismatch recipient_mismatch destination_mismatch expired not_yet_valid "
    "in_response_to_mismatch replayed subject_confirmation_invalid decryption_failed condition_unsupported "
    "weak_key aws_attribute_invalid aws_role_not_allowed".split()
) | {"key_invalid", "config_error"}

CLASSES = [cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, SAMLError)]


@pytest.mark.parametrize("cls", [c for c in CLASSES if c is not SAMLError], ids=lambda c: c.__name__)
def test_every_code_is_in_the_contract(cls: type[SAMLError]) -> None:
    assert cls.code in INTERFACE_CODES


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in CLASSES]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("cls", "aws_error"),
    [
        (errors.MalformedXML, "InvalidIdentityToken"),
        (errors.SignatureInvalid, "InvalidIdentityToken"),
        (errors.DecryptionFailed, "InvalidIdentityToken"),
        (errors.TooLarge, "ValidationError"),
        (errors.KeyLoadError, None),
        (errors.ConfigError, None),
    ],
)
def test_aws_error_mapping(cls: type[SAMLError], aws_error: str | None) -> None:
    """AWS.md 7.3."""
    assert cls.aws_error == aws_error


def test_interoperable_bases() -> None:
    assert issubclass(errors.MalformedXML, ValueError)
    assert issubclass(errors.SignatureInvalid, InvalidSignature)
    assert issubclass(errors.UntrustedKey, errors.SignatureInvalid)
    assert issubclass(errors.KeyLoadError, ValueError) and issubclass(errors.ConfigError, ValueError)


@pytest.mark.parametrize(
    "cls", [errors.SignatureInvalid, errors.UntrustedKey, errors.SignatureMissing, errors.DecryptionFailed]
)
def test_r60_signature_and_decryption_failures_hide_their_cause(cls: type[SAMLError]) -> None:
    error = cls("digest mismatch on _A", detail="our canonical form differs at byte 120")
    assert "digest" not in str(error) and "_A" not in str(error)
    assert error.detail == "our canonical form differs at byte 120"
    assert error.to_json() == {"error": cls.code, "aws_error": cls.aws_error, "message": cls.generic_message}


def test_control_other_errors_say_what_to_fix() -> None:
    error = errors.AlgorithmForbidden("rsa-sha1 signatures need allow_sha1 (--allow-sha1)")
    assert error.message == "rsa-sha1 signatures need allow_sha1 (--allow-sha1)"
    assert error.detail == error.message
    assert str(errors.MalformedXML()) == "malformed_xml"


# ------------------------------------------------------------------------------ the CLI error contract


def test_exit_codes() -> None:
    assert _cli.exit_code_for(errors.SignatureInvalid()) == _cli.EXIT_REJECTED == 1
    assert _cli.exit_code_for(errors.ConfigError("x")) == _cli.EXIT_USAGE == 2
    assert _cli.exit_code_for(errors.KeyLoadError("x")) == 2


def test_emit_error_json_and_human(capsys: pytest.CaptureFixture[str]) -> None:
    _cli.emit_error(errors.TooLarge("document is 300000 bytes"), json_mode=True)
    line = capsys.readouterr().err
    assert line.count("\n") == 1
    assert json.loads(line) == {
        "error": "too_large",
        "aws_error": "ValidationError",
        "message": "document is 300000 bytes",
    }
    _cli.emit_error(errors.TooLarge("document is 300000 bytes"), json_mode=False)
    assert capsys.readouterr().err == "error: too_large: document is 300000 bytes (AWS: ValidationError)\n"


def test_cli_errors_maps_our_errors_and_os_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info, _cli.cli_errors(json_mode=True):
        raise errors.SignatureInvalid("bad", detail="secret detail")
    assert info.value.code == 1
    assert json.loads(capsys.readouterr().err)["message"] == "Response signature invalid"
    with pytest.raises(SystemExit) as info, _cli.cli_errors(json_mode=True):
        open("/nonexistent/dir/file.pem", "rb")  # noqa: SIM115
    assert info.value.code == 2
    payload = json.loads(capsys.readouterr().err)
    assert payload["error"] == "config_error" and "/nonexistent/dir/file.pem" in payload["message"]


def test_cli_errors_lets_other_exceptions_through() -> None:
    with pytest.raises(KeyError), _cli.cli_errors(json_mode=True):
        raise KeyError("a bug is a bug, not a verdict")
