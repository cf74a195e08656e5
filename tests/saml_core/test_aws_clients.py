"""saml_core._aws_clients: STS always regional, one endpoint-URL check (AWS.md section 8, INTERFACES.md)."""

from __future__ import annotations

import boto3
import pytest

from metadata import iam
from metadata._fleet import AccountConfig
from saml_core._aws_clients import checked_endpoint
from saml_core._aws_clients import regional_sts_session
from saml_core.errors import ConfigError


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_sts_stays_regional_under_a_legacy_setting(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    regional = f"https://sts.{region}.amazonaws.com"
    assert regional_sts_session(region=region).client("sts").meta.endpoint_url == regional
    # saml-metadata aws-sync's per-account session (used for AssumeRole into each account) too
    session = iam.session_for(AccountConfig(name="a", region=region))
    assert session.client("sts").meta.endpoint_url == regional
    # the twin: a plain session under the same setting goes to the global endpoint
    assert boto3.Session(region_name=region).client("sts").meta.endpoint_url == "https://sts.amazonaws.com"


def test_an_endpoint_botocore_refuses_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not a valid URL|must start with"):
        with checked_endpoint("ftp://x", "--endpoint-url"):
            pass
    with pytest.raises(ConfigError, match="--endpoint-url 'http://a_b/' is not usable"):
        with checked_endpoint("http://a_b/", "--endpoint-url"):
            boto3.Session(region_name="us-east-1").client("sts", endpoint_url="http://a_b/")
    with checked_endpoint("http://127.0.0.1:5055", "--endpoint-url"):  # the twin: a usable override
        boto3.Session(region_name="us-east-1").client("sts", endpoint_url="http://127.0.0.1:5055")
