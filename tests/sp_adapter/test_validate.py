"""validate_response: the F0 controls in every variant (SECURITY.md 3.1) and the result shape."""

from __future__ import annotations

import pytest

from sp_adapter import ValidatedAssertion
from sp_adapter import validate_response
from tests.sp_adapter import _fixtures as fx


@pytest.mark.parametrize("variant", fx.VARIANTS)
def test_f0_variant_is_accepted_under_aws_policy(variant: str) -> None:
    result = validate_response(
        fx.f0(variant), trust=fx.trust(), policy=fx.aws_policy(), now=fx.NOW, decrypt_keys=[fx.sp_keys()]
    )
    assert isinstance(result, ValidatedAssertion)
    assert result.issuer == fx.IDP
    assert result.name_id == fx.NAME_ID
    assert result.assertion_id == "_A"
    assert result.response_id == "_R"
    assert result.aws is not None
    assert [(r.role_arn, r.principal_arn) for r in result.aws.roles] == [(fx.READONLY, fx.PROVIDER)]
    assert result.aws.role_session_name == "alice"
    assert result.replay_checked is False
