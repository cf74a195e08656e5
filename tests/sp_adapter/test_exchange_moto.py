"""Against moto's server over HTTP on 127.0.0.1: issue -> validate -> exchange -> GetCallerIdentity.

moto's STS accepts any assertion and answers fixed Issuer/Subject values, so the R59 cross-check refuses its
answer unless skipped explicitly: both behaviours are pinned here.
"""

from __future__ import annotations

from typing import Any

import pytest

from sp_adapter import NotCovered
from sp_adapter import exchange
from tests.sp_adapter._aws_support import issue
from tests.sp_adapter._aws_support import signed_client
from tests.sp_adapter._aws_support import validated

MOTO_ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/ReadOnly"
PROVIDER = f"arn:aws:iam::{MOTO_ACCOUNT}:saml-provider/DemoIdP"


def moto_issue() -> Any:
    return issue(roles=(ROLE,), provider=PROVIDER)


def test_issue_validate_exchange_get_caller_identity(moto_reset: str) -> None:
    assertion = validated(moto_issue())
    result = exchange(assertion, endpoint_url=moto_reset, verify_answer=False)
    creds = result.credentials.to_json()
    assert creds["AccessKeyId"] and creds["SecretAccessKey"] and creds["SessionToken"]
    identity = signed_client(moto_reset, creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/ReadOnly/alice"
    assert identity["Account"] == MOTO_ACCOUNT
    assert result.credentials.assumed_role_arn == identity["Arn"]


def test_motos_echoed_answer_fails_the_cross_check(moto_reset: str) -> None:
    with pytest.raises(NotCovered) as info:
        exchange(validated(moto_issue()), endpoint_url=moto_reset)
    assert info.value.code == "unsigned_content"
    assert "Issuer" in str(info.value) and "Subject" in str(info.value)
