"""The local STS decrypts EncryptedAssertions with the key AWS would hold for the provider (AddPrivateKey).

AWS.md section 4: a provider with a private key accepts encrypted assertions; without one it cannot read them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from saml_core import KeyPair
from sp_adapter._cli_local_sts import _decryption_keys
from sp_adapter.cli import main
from tests.sp_adapter._aws_support import ASSUMED_READONLY
from tests.sp_adapter._aws_support import PROVIDER
from tests.sp_adapter._aws_support import READONLY
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import local_sts
from tests.sp_adapter._aws_support import unsigned_client


@cache
def aws_held_key() -> KeyPair:
    return KeyPair.generate(common_name="the key AWS holds for DemoIdP")


def _assume(url: str, b64: str) -> Any:
    client = unsigned_client(url)
    return client.assume_role_with_saml(RoleArn=READONLY, PrincipalArn=PROVIDER, SAMLAssertion=b64)


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def test_encrypted_assertion_is_decrypted_with_the_providers_key() -> None:
    held = KeyPair.from_private_pem(aws_held_key().key_pem)  # only the private key, as AddPrivateKey takes it
    encrypted = issue(encrypt_to=aws_held_key().trusted)
    assert b"EncryptedAssertion" in encrypted.xml and b"RoleSessionName" not in encrypted.xml
    with local_sts(decryption_keys={PROVIDER: (held,)}) as sts:
        answer = _assume(sts.url, encrypted.b64)
    assert answer["AssumedRoleUser"]["Arn"] == ASSUMED_READONLY


def test_encrypted_assertion_without_a_provider_key_is_refused() -> None:
    with local_sts() as sts:
        assert _code(lambda: _assume(sts.url, issue(encrypt_to=aws_held_key().trusted).b64)) == (
            "InvalidIdentityToken"
        )


def test_encrypted_assertion_for_another_key_is_refused() -> None:
    stranger = KeyPair.generate(common_name="not the provider's key")
    with local_sts(decryption_keys={PROVIDER: (stranger,)}) as sts:
        assert _code(lambda: _assume(sts.url, issue(encrypt_to=aws_held_key().trusted).b64)) == (
            "InvalidIdentityToken"
        )


def test_plain_assertions_still_work_when_a_key_is_configured() -> None:
    with local_sts(decryption_keys={PROVIDER: (aws_held_key(),)}) as sts:
        assert _assume(sts.url, issue().b64)["AssumedRoleUser"]["Arn"] == ASSUMED_READONLY


def test_provider_key_option_maps_names_and_arns(tmp_path: Path) -> None:
    key_file = tmp_path / "demo.key"
    key_file.write_bytes(aws_held_key().key_pem)
    options = {
        "provider_keys": (f"DemoIdP={key_file}", f"arn:aws:iam::222222222222:saml-provider/Other={key_file}"),
        "partition": "aws",
        "account": "111111111111",
    }
    keys = _decryption_keys(options)
    assert set(keys) == {PROVIDER, "arn:aws:iam::222222222222:saml-provider/Other"}
    assert keys[PROVIDER][0].trusted.same_key(aws_held_key().trusted)


def test_unreadable_provider_key_is_a_configuration_error(tmp_path: Path) -> None:
    metadata = tmp_path / "md.xml"
    metadata.write_bytes(b"<x/>")
    missing = tmp_path / "missing.pem"
    result = CliRunner().invoke(
        main, ["local-sts", "--provider", f"DemoIdP={metadata}", "--provider-key", f"DemoIdP={missing}"]
    )
    assert result.exit_code == 2
    assert '"error": "config_error"' in result.output and "missing.pem" in result.output
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a key")
    result = CliRunner().invoke(
        main, ["local-sts", "--provider", f"DemoIdP={metadata}", "--provider-key", f"DemoIdP={garbage}"]
    )
    assert result.exit_code == 2 and '"error": "key_invalid"' in result.output
