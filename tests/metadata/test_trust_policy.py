"""Role trust policies (AWS.md section 5): generation, the pure check, and --check against a role in moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

import metadata
from metadata._trust_policy import audiences
from metadata.cli import main
from saml_core import SAMLError

ARN = "arn:aws:iam::111111111111:saml-provider/DemoIdP"
GLOBAL = "https://signin.aws.amazon.com/saml"
EU = "https://eu-west-1.signin.aws.amazon.com/saml"


def test_minimal_policy_is_assume_only_with_global_aud() -> None:
    policy = metadata.trust_policy(ARN)
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Federated": ARN}
    assert statement["Action"] == "sts:AssumeRoleWithSAML"
    assert statement["Condition"] == {"StringEquals": {"SAML:aud": [GLOBAL]}}


def test_tags_and_source_identity_add_their_actions() -> None:
    actions = metadata.trust_policy(ARN, tags=True, source_identity=True)["Statement"][0]["Action"]
    assert actions == ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"]


@pytest.mark.parametrize(
    ("arn", "regions", "uuid", "expected"),
    [
        (ARN, ["us-east-1", "eu-west-1"], None, [GLOBAL, EU]),
        (ARN, ["eu-west-1"], "ABCDEFGHIJKLMNOPQRSTUV", [EU, EU + "/acs/ABCDEFGHIJKLMNOPQRSTUV"]),
        ("arn:aws-cn:iam::111111111111:saml-provider/P", [], None, ["https://signin.amazonaws.cn/saml"]),
        (
            "arn:aws-us-gov:iam::111111111111:saml-provider/P",
            [],
            None,
            ["https://signin.amazonaws-us-gov.com/saml"],
        ),
    ],
)
def test_audiences_per_partition_and_region(
    arn: str, regions: list[str], uuid: str | None, expected: list[str]
) -> None:
    assert audiences(arn, regions, uuid) == expected


def test_region_of_another_partition_is_refused() -> None:
    with pytest.raises(SAMLError) as caught:
        metadata.trust_policy("arn:aws-cn:iam::111111111111:saml-provider/P", regions=["eu-west-1"])
    assert caught.value.code == "config_error"


def _policy(
    actions: Any, aud: Any = None, operator: str = "StringEquals", provider: str = ARN
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": actions}
    if aud is not None:
        statement["Condition"] = {operator: {"SAML:aud": aud}}
    return {"Version": "2012-10-17", "Statement": [statement]}


EXPECTED = metadata.trust_policy(ARN, regions=["us-east-1", "eu-west-1"], tags=True)


@pytest.mark.parametrize(
    ("actual", "ok", "missing_actions", "missing_aud"),
    [
        (EXPECTED, True, [], []),
        (_policy(["sts:AssumeRoleWithSAML"], [GLOBAL, EU]), False, ["sts:TagSession"], []),
        (_policy(["sts:AssumeRoleWithSAML", "sts:TagSession"], GLOBAL), False, [], [EU]),
        (_policy("sts:*", [GLOBAL, EU]), True, [], []),
        (
            _policy(
                ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "https://*signin.aws.amazon.com/saml",
                "StringLike",
            ),
            True,
            [],
            [],
        ),
        (_policy(["sts:AssumeRoleWithSAML", "sts:TagSession"]), True, [], []),
        (
            _policy("sts:AssumeRoleWithSAML", provider="arn:aws:iam::111111111111:saml-provider/Other"),
            False,
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            [GLOBAL, EU],
        ),
    ],
    ids=[
        "exact",
        "no-tag-session",
        "no-regional-aud",
        "wildcard-action",
        "string-like",
        "no-condition",
        "other-idp",
    ],
)
def test_check(actual: dict[str, Any], ok: bool, missing_actions: list[str], missing_aud: list[str]) -> None:
    result = metadata.check_trust_policy(actual, EXPECTED)
    assert result["ok"] is ok
    assert result["missing"]["actions"] == missing_actions
    assert result["missing"]["saml_aud"] == missing_aud


def test_other_conditions_are_noted_not_evaluated() -> None:
    actual = _policy(["sts:AssumeRoleWithSAML", "sts:TagSession"], [GLOBAL, EU])
    actual["Statement"][0]["Condition"]["StringEquals"]["saml:sub_type"] = "persistent"
    result = metadata.check_trust_policy(actual, EXPECTED)
    assert result["ok"] is True
    assert result["notes"] == ["condition StringEquals saml:sub_type is not evaluated"]


# ------------------------------------------------------------------------------------ --check with moto


def _role(endpoint: str, name: str, policy: dict[str, Any]) -> None:
    client = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy))


def _check(endpoint: str, role: str, *flags: str) -> Any:
    args = ["--json", "trust-policy", "--provider-arn", ARN, "--region", "us-east-1", "--region", "eu-west-1"]
    return CliRunner().invoke(main, [*args, *flags, "--check", role, "--endpoint-url", endpoint])


def test_check_role_in_iam(moto_reset: str) -> None:
    _role(moto_reset, "Complete", EXPECTED)
    _role(moto_reset, "NoTags", _policy("sts:AssumeRoleWithSAML", [GLOBAL, EU]))
    good = _check(moto_reset, "Complete", "--tags")
    assert good.exit_code == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True
    bad = _check(moto_reset, "NoTags", "--tags")
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["missing"]["actions"] == ["sts:TagSession"]
    error = json.loads(bad.stderr)
    assert error["error"] == "trust_policy_mismatch" and "sts:TagSession" in error["message"]
    # the twin: an IdP that sends no tags needs no sts:TagSession
    assert _check(moto_reset, "NoTags").exit_code == 0


def test_check_missing_role_is_aws_call_failed(moto_reset: str) -> None:
    result = _check(moto_reset, "Nobody")
    assert result.exit_code == 1
    error = json.loads(result.stderr)
    assert error["error"] == "aws_call_failed" and "NoSuchEntity" in error["message"]


IDP_CONFIG = """
[idp]
entity_id = "https://idp.example.test/"
base_url = "http://127.0.0.1:8000"
keys = [{key = "idp.key", cert = "idp.crt"}]

[[users]]
name = "alice"
password = "alice-password"
tags = { Department = "Engineering" }
roles = ["arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/DemoIdP"]

[[users]]
name = "bob"
password = "bob-password"
roles = ["arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/DemoIdP"]

[[service_providers]]
name = "aws"
aws = true
region = "eu-west-1"
"""


def test_idp_config_decides_actions_and_audiences(tmp_path: Any) -> None:
    path = tmp_path / "idp.toml"
    path.write_text(IDP_CONFIG)
    result = CliRunner().invoke(main, ["trust-policy", "--provider-arn", ARN, "--idp-config", str(path)])
    assert result.exit_code == 0, result.stderr
    statement = json.loads(result.stdout)["Statement"][0]
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert statement["Condition"]["StringEquals"]["SAML:aud"] == [EU]
    path.write_text(IDP_CONFIG.replace('tags = { Department = "Engineering" }', 'source_identity = "alice"'))
    statement = json.loads(
        CliRunner().invoke(main, ["trust-policy", "--provider-arn", ARN, "--idp-config", str(path)]).stdout
    )["Statement"][0]
    assert statement["Action"] == ["sts:AssumeRoleWithSAML", "sts:SetSourceIdentity"]
