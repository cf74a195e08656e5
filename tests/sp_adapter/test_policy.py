"""Policy: secure defaults, Policy.aws() for every partition, and refusal of bad settings (ConfigError)."""

from __future__ import annotations

import dataclasses

import pytest

from saml_core.errors import ConfigError
from sp_adapter import Policy
from sp_adapter._aws_rules import PARTITIONS
from sp_adapter._policy import MAX_AGE_LIMIT

UUID = "A1B2C3D4E5F6G7H8I9J0KL"


def test_generic_defaults_are_secure() -> None:
    policy = Policy(audiences=["https://sp.example/"], recipients=["https://sp.example/acs"])
    assert policy.audiences == ("https://sp.example/",)
    assert policy.allowed_destinations == ("https://sp.example/acs",)
    assert (policy.allow_sha1, policy.min_rsa_bits, policy.clock_skew) == (False, 2048, 180)
    assert (policy.require_signed_assertion, policy.allow_rsa_1_5, policy.allow_aes_cbc) == (
        False,
        False,
        True,
    )
    assert policy.allow_unsolicited is True  # INTERFACES.md default
    assert policy.max_size == 256 * 1024
    assert policy.aws_attributes is False and policy.partition is None


def test_policy_is_frozen() -> None:
    policy = Policy.aws()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.allow_sha1 = True  # type: ignore[misc]


def test_aws_policy_fills_audiences_and_every_recipient() -> None:
    policy = Policy.aws()
    assert sorted(policy.audiences) == ["https://signin.aws.amazon.com/saml", "urn:amazon:webservices"]
    assert "https://signin.aws.amazon.com/saml" in policy.recipients
    assert "https://us-west-2.signin.aws.amazon.com/saml" in policy.recipients
    assert len(policy.recipients) == len(PARTITIONS["aws"].regions) + 1
    assert (policy.max_size, policy.aws_attributes, policy.partition) == (100_000, True, "aws")
    assert policy.allow_unsolicited is True


def test_aws_policy_regions_narrow_the_recipients() -> None:
    policy = Policy.aws(regions=["eu-west-1"])
    assert policy.recipients == ("https://eu-west-1.signin.aws.amazon.com/saml",)
    both = Policy.aws(regions=["us-east-1", "eu-west-1"])
    assert both.recipients == (
        "https://signin.aws.amazon.com/saml",
        "https://us-east-1.signin.aws.amazon.com/saml",
        "https://eu-west-1.signin.aws.amazon.com/saml",
    )


@pytest.mark.parametrize("partition", sorted(PARTITIONS))
def test_aws_policy_for_every_partition(partition: str) -> None:
    policy = Policy.aws(partition=partition)
    assert policy.partition == partition
    assert policy.audiences == PARTITIONS[partition].audiences
    assert PARTITIONS[partition].global_recipient in policy.recipients


def test_aws_policy_with_provider_uuid_accepts_both_forms() -> None:
    policy = Policy.aws(regions=["eu-west-1"], provider_uuid=UUID)
    assert policy.recipients == (
        "https://eu-west-1.signin.aws.amazon.com/saml",
        f"https://eu-west-1.signin.aws.amazon.com/saml/acs/{UUID}",
    )
    assert policy.require_encryption is False


def test_encryption_required_allows_only_the_acs_form() -> None:
    policy = Policy.aws(regions=["eu-west-1"], provider_uuid=UUID, encryption_required=True)
    assert policy.recipients == (f"https://eu-west-1.signin.aws.amazon.com/saml/acs/{UUID}",)
    assert policy.require_encryption is True


def test_aws_overrides() -> None:
    policy = Policy.aws(clock_skew=30, allow_sha1=True, min_rsa_bits=1024, allowed_roles=["arn:x"])
    assert (policy.clock_skew, policy.allow_sha1, policy.min_rsa_bits) == (30, True, 1024)
    assert policy.allowed_roles == frozenset({"arn:x"})


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Policy.aws(partition="aws-moon"), id="unknown-partition"),
        pytest.param(lambda: Policy.aws(regions=["moon-east-1"]), id="unknown-region"),
        pytest.param(
            lambda: Policy.aws(partition="aws-cn", regions=["eu-west-1"]), id="region-of-another-partition"
        ),
        pytest.param(lambda: Policy.aws(regions=[]), id="no-region"),
        pytest.param(lambda: Policy.aws(provider_uuid="short"), id="bad-uuid"),
        pytest.param(lambda: Policy.aws(provider_uuid=UUID.lower()), id="lowercase-uuid"),
        pytest.param(lambda: Policy.aws(encryption_required=True), id="encryption-without-uuid"),
        pytest.param(lambda: Policy.aws(no_such_setting=True), id="unknown-override"),
        pytest.param(lambda: Policy.aws(clock_skew=601), id="skew-too-large"),
        pytest.param(lambda: Policy.aws(clock_skew=-1), id="negative-skew"),
        pytest.param(lambda: Policy.aws(min_rsa_bits=512), id="rsa-512"),
        pytest.param(lambda: Policy.aws(max_age=0), id="zero-max-age"),
        # a value a range check lets through but date arithmetic cannot take (red-team finding F2)
        pytest.param(lambda: Policy.aws(max_age=10**13), id="max-age-beyond-a-century"),
        pytest.param(lambda: Policy.aws(max_age=float("inf")), id="infinite-max-age"),
        pytest.param(lambda: Policy.aws(max_age=float("nan")), id="nan-max-age"),
        pytest.param(lambda: Policy.aws(max_age=300.5), id="fractional-max-age"),
        pytest.param(lambda: Policy.aws(max_age=True), id="bool-max-age"),
        pytest.param(lambda: Policy.aws(clock_skew=0.5), id="fractional-skew"),
        pytest.param(lambda: Policy.aws(clock_skew=float("nan")), id="nan-skew"),
        pytest.param(lambda: Policy.aws(min_rsa_bits=2048.0), id="float-rsa-bits"),
        pytest.param(lambda: Policy.aws(max_size=float("inf")), id="infinite-max-size"),
        pytest.param(lambda: Policy(audiences=[], recipients=["r"]), id="no-audience"),
        pytest.param(lambda: Policy(audiences=["a"], recipients=[]), id="no-recipient"),
        pytest.param(lambda: Policy(audiences=[1], recipients=["r"]), id="non-string"),  # type: ignore[list-item]
    ],
)
def test_bad_settings_are_configuration_errors(build: object) -> None:
    with pytest.raises(ConfigError) as info:
        build()  # type: ignore[operator]
    assert info.value.code == "config_error"


def test_skew_bounds_are_inclusive() -> None:
    assert Policy.aws(clock_skew=0).clock_skew == 0
    assert Policy.aws(clock_skew=600).clock_skew == 600


def test_max_age_bounds_are_inclusive() -> None:
    assert Policy.aws(max_age=1).max_age == 1
    assert Policy.aws(max_age=MAX_AGE_LIMIT).max_age == MAX_AGE_LIMIT


def test_decryption_policy_follows_the_switches() -> None:
    assert Policy.aws().decryption_policy().allow_cbc is True
    assert Policy.aws().decryption_policy().allow_rsa_1_5 is False
    strict = Policy.aws(allow_aes_cbc=False, allow_rsa_1_5=True).decryption_policy()
    assert (strict.allow_cbc, strict.allow_rsa_1_5) == (False, True)


def test_a_single_string_is_one_audience() -> None:
    policy = Policy(audiences="https://sp.example/", recipients="https://sp.example/acs")  # type: ignore[arg-type]
    assert policy.audiences == ("https://sp.example/",)
    assert policy.recipients == ("https://sp.example/acs",)


def test_destinations_default_to_recipients_and_can_differ() -> None:
    policy = Policy(audiences=["a"], recipients=["r"], destinations=["d1", "d2"])
    assert policy.allowed_destinations == ("d1", "d2")


def test_attribute_rules_combine_policy_and_trust_allow_lists() -> None:
    policy = Policy.aws(allowed_roles=["arn:aws:iam::1:role/A"])
    rules = policy.attribute_rules(frozenset({"arn:aws:iam::1:role/B"}))
    assert rules.allowed_roles == (frozenset({"arn:aws:iam::1:role/A"}), frozenset({"arn:aws:iam::1:role/B"}))
    assert (rules.partition, rules.require_session_name) == ("aws", True)
    generic = Policy(audiences=["a"], recipients=["r"]).attribute_rules(None)
    assert (generic.partition, generic.require_session_name, generic.allowed_roles) == (None, False, ())
