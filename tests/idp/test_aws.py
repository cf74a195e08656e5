"""AWS's value rules at issue time (AWS.md sections 1 and 2): exact messages, and a passing twin for each."""

from __future__ import annotations

import pytest

from idp import AwsAttributeInvalid
from idp import AwsRole
from idp import IdentityProvider
from idp import IdPError
from idp import aws_audience
from idp import aws_recipient
from saml_core import NS
from saml_core import parse_xml
from saml_core.aws import ARN_MAX_CHARS
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_SESSION_DURATION
from saml_core.constants import AWS_SOURCE_IDENTITY
from saml_core.constants import AWS_TRANSITIVE_TAG_KEYS
from tests.idp.conftest import ADMIN
from tests.idp.conftest import NOW
from tests.idp.conftest import READ_ONLY

SESSION_NAME_MESSAGE = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
SOURCE_IDENTITY_MESSAGE = 'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"'
UUID = "ABCDEFGHIJKLMNOPQRSTUV1234"
TAG_CHARS = " letters, digits, spaces and _.:/=+-@"


def _attributes(xml: bytes) -> dict[str, list[str]]:
    root = parse_xml(xml)
    statement = root.find(NS.saml("Assertion")).find(NS.saml("AttributeStatement"))
    return {a.get("Name"): [v.text or "" for v in a] for a in statement}


def _issue(provider: IdentityProvider, **overrides: object) -> bytes:
    kwargs: dict[str, object] = {
        "name_id": "alice",
        "roles": [READ_ONLY],
        "session_name": "alice",
        "now": NOW,
    }
    kwargs.update(overrides)
    return provider.issue_aws(**kwargs).xml  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ recipients and audiences


@pytest.mark.parametrize(
    ("partition", "region", "uuid", "expected"),
    [
        ("aws", None, None, "https://signin.aws.amazon.com/saml"),
        ("aws", "us-east-1", None, "https://signin.aws.amazon.com/saml"),
        ("aws", "eu-west-1", None, "https://eu-west-1.signin.aws.amazon.com/saml"),
        ("aws", "ap-southeast-5", None, "https://ap-southeast-5.signin.aws.amazon.com/saml"),
        ("aws", "eu-west-1", UUID, f"https://eu-west-1.signin.aws.amazon.com/saml/acs/{UUID}"),
        ("aws", None, UUID, f"https://us-east-1.signin.aws.amazon.com/saml/acs/{UUID}"),
        ("aws", "us-east-1", UUID, f"https://us-east-1.signin.aws.amazon.com/saml/acs/{UUID}"),
        ("aws-cn", None, None, "https://signin.amazonaws.cn/saml"),
        ("aws-cn", "cn-north-1", None, "https://cn-north-1.signin.amazonaws.cn/saml"),
        # the default region keeps the documented region-less host, as us-east-1 does for aws
        ("aws-cn", "cn-northwest-1", None, "https://signin.amazonaws.cn/saml"),
        ("aws-us-gov", None, None, "https://signin.amazonaws-us-gov.com/saml"),
        # AWS.md 2.1: aws-us-gov regional forms are unconfirmed, so a region still gets the documented host
        ("aws-us-gov", "us-gov-east-1", None, "https://signin.amazonaws-us-gov.com/saml"),
        ("aws-us-gov", "us-gov-east-1", UUID, f"https://signin.amazonaws-us-gov.com/saml/acs/{UUID}"),
    ],
)
def test_recipient_per_partition_and_region(
    partition: str, region: str | None, uuid: str | None, expected: str
) -> None:
    assert aws_recipient(partition, region, uuid) == expected


@pytest.mark.parametrize(
    ("partition", "region", "message"),
    [
        ("aws", "cn-north-1", "region 'cn-north-1' is not in partition aws"),
        ("aws-cn", "eu-west-1", "region 'eu-west-1' is not in partition aws-cn"),
        ("aws-us-gov", "us-east-1", "region 'us-east-1' is not in partition aws-us-gov"),
        ("aws", "EU-WEST-1", "'EU-WEST-1' is not an AWS region name (like us-east-1)"),
        ("aws", "zz-fake-9", "region 'zz-fake-9' is not in partition aws"),
        ("aws-cn", "cn-south-7", "region 'cn-south-7' is not in partition aws-cn"),
        ("aws-iso", None, "unknown partition 'aws-iso'; use one of aws, aws-cn, aws-us-gov"),
    ],
)
def test_recipient_refuses_region_outside_partition(partition: str, region: str | None, message: str) -> None:
    with pytest.raises(IdPError) as caught:
        aws_recipient(partition, region)
    assert caught.value.message == message


def test_recipient_refuses_malformed_provider_uuid() -> None:
    with pytest.raises(IdPError, match="22 to 64 characters of A-Z and 0-9"):
        aws_recipient("aws", "eu-west-1", "lowercase-not-allowed-here")
    assert aws_recipient("aws", "eu-west-1", UUID).endswith(UUID)


@pytest.mark.parametrize(
    ("partition", "audience"),
    [
        ("aws", "urn:amazon:webservices"),
        ("aws-cn", "urn:amazon:webservices:cn-north-1"),
        ("aws-us-gov", "urn:amazon:webservices:govcloud"),
    ],
)
def test_audience_per_partition(partition: str, audience: str) -> None:
    assert aws_audience(partition) == audience


def test_issue_uses_partition_recipient_audience_and_destination(provider: IdentityProvider) -> None:
    role = AwsRole(
        "arn:aws-us-gov:iam::222222222222:role/Ops", "arn:aws-us-gov:iam::222222222222:saml-provider/Gov"
    )
    issued = provider.issue_aws(
        name_id="alice",
        roles=[role],
        session_name="alice",
        partition="aws-us-gov",
        region="us-gov-west-1",
        now=NOW,
    )
    root = parse_xml(issued.xml)
    assert root.get("Destination") == "https://signin.amazonaws-us-gov.com/saml" == issued.recipient
    assertion = root.find(NS.saml("Assertion"))
    data = assertion.find(NS.saml("Subject")).find(NS.saml("SubjectConfirmation"))[0]
    assert data.get("Recipient") == issued.recipient
    audience = assertion.find(NS.saml("Conditions")).find(NS.saml("AudienceRestriction"))[0]
    assert audience.text == "urn:amazon:webservices:govcloud" == issued.audience


# ------------------------------------------------------------------------------------------ attributes


def test_every_aws_attribute_in_order_role_first(provider: IdentityProvider) -> None:
    xml = _issue(
        provider,
        roles=[READ_ONLY, ADMIN, READ_ONLY],
        session_duration=3600,
        source_identity="alice",
        principal_tags={"Department": "Engineering", "Cost Center": "42"},
        transitive_tag_keys=["Department"],
        attributes={"email": ["alice@example.test"]},
    )
    attributes = _attributes(xml)
    assert list(attributes) == [
        AWS_ROLE,
        AWS_ROLE_SESSION_NAME,
        AWS_SESSION_DURATION,
        AWS_SOURCE_IDENTITY,
        AWS_PRINCIPAL_TAG_PREFIX + "Department",
        AWS_PRINCIPAL_TAG_PREFIX + "Cost Center",
        AWS_TRANSITIVE_TAG_KEYS,
        "email",
    ]
    assert attributes[AWS_ROLE] == [READ_ONLY.value, ADMIN.value]  # duplicates collapse, role ARN first
    assert READ_ONLY.value.startswith("arn:aws:iam::111111111111:role/ReadOnly,")
    assert attributes[AWS_SESSION_DURATION] == ["3600"]
    assert attributes[AWS_PRINCIPAL_TAG_PREFIX + "Cost Center"] == ["42"]
    assert attributes[AWS_TRANSITIVE_TAG_KEYS] == ["Department"]


def test_optional_aws_attributes_absent_by_default(provider: IdentityProvider) -> None:
    assert list(_attributes(_issue(provider))) == [AWS_ROLE, AWS_ROLE_SESSION_NAME]


def test_role_parse_accepts_either_order_and_emits_role_first() -> None:
    assert AwsRole.parse(f"{READ_ONLY.provider_arn},{READ_ONLY.role_arn}") == READ_ONLY
    assert AwsRole.parse(READ_ONLY.value) == READ_ONLY
    with pytest.raises(AwsAttributeInvalid) as caught:
        AwsRole.parse(READ_ONLY.role_arn)
    assert caught.value.message.startswith("a role is 'ROLE_ARN,PROVIDER_ARN' (two ARNs, one comma)")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"session_name": "a"}, SESSION_NAME_MESSAGE),
        ({"session_name": "alice smith"}, SESSION_NAME_MESSAGE),
        ({"session_name": "x" * 65}, SESSION_NAME_MESSAGE),
        ({"session_name": "alice/admin"}, SESSION_NAME_MESSAGE),
        ({"source_identity": "aws:alice"}, SOURCE_IDENTITY_MESSAGE),
        ({"source_identity": "AWS:alice"}, SOURCE_IDENTITY_MESSAGE),
        ({"source_identity": "a"}, SOURCE_IDENTITY_MESSAGE),
        ({"session_duration": 899}, "SessionDuration must be an integer from 900 to 43200 seconds, got 899"),
        (
            {"session_duration": 43201},
            "SessionDuration must be an integer from 900 to 43200 seconds, got 43201",
        ),
        (
            {"principal_tags": {f"k{i}": "v" for i in range(51)}},
            "at most 50 session tags are allowed, got 51",
        ),
        ({"principal_tags": {"aws:team": "x"}}, "PrincipalTag key 'aws:team' must not begin with 'aws:'"),
        (
            {"principal_tags": {"Team": "a", "team": "b"}},
            "PrincipalTag key 'team' repeats another key (tag keys are case-insensitive)",
        ),
        (
            {"principal_tags": {"bad!key": "x"}},
            "PrincipalTag key 'bad!key' must be 1-128 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            {"principal_tags": {"k" * 129: "x"}},
            f"PrincipalTag key {'k' * 129!r} must be 1-128 characters of{TAG_CHARS}",
        ),
        (
            {"principal_tags": {"Team": "v" * 257}},
            "PrincipalTag:Team value must be 0-256 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            {"principal_tags": {"Team": "a;b"}},
            "PrincipalTag:Team value must be 0-256 characters of letters, digits, spaces and _.:/=+-@",
        ),
        (
            {"transitive_tag_keys": ["Team"]},
            "TransitiveTagKeys 'Team' names no PrincipalTag of this assertion",
        ),
        (
            {"principal_tags": {"Team": "a"}, "transitive_tag_keys": ["Team", "Team"]},
            "TransitiveTagKeys lists a key twice (tag keys are case-insensitive)",
        ),
        ({"roles": []}, "at least one role is required (the Role attribute)"),
        (
            {
                "roles": [
                    AwsRole("arn:aws:iam::111111111111:role/R", "arn:aws:iam::222222222222:saml-provider/P")
                ]
            },
            "the provider arn:aws:iam::222222222222:saml-provider/P is not in the same partition and"
            " account as the role arn:aws:iam::111111111111:role/R",
        ),
        (
            {
                "roles": [
                    AwsRole(
                        "arn:aws-cn:iam::111111111111:role/R", "arn:aws-cn:iam::111111111111:saml-provider/P"
                    )
                ]
            },
            "the role arn:aws-cn:iam::111111111111:role/R is in partition aws-cn, not aws",
        ),
        (
            {
                "roles": [
                    AwsRole("arn:aws:iam::11111111111:role/R", "arn:aws:iam::11111111111:saml-provider/P")
                ]
            },
            "role ARN 'arn:aws:iam::11111111111:role/R' is not arn:PARTITION:iam::ACCOUNT:role/NAME",
        ),
        (
            {
                "roles": [
                    AwsRole("arn:aws:iam::111111111111:role/R", "arn:aws:iam::111111111111:saml-provider/P!")
                ]
            },
            "provider ARN 'arn:aws:iam::111111111111:saml-provider/P!' is not"
            " arn:PARTITION:iam::ACCOUNT:saml-provider/NAME",
        ),
    ],
)
def test_aws_value_rule_refuses_with_exact_message(
    provider: IdentityProvider, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(AwsAttributeInvalid) as caught:
        _issue(provider, **overrides)
    assert caught.value.code == "aws_attribute_invalid"
    assert caught.value.message == message


@pytest.mark.parametrize(
    "overrides",
    [
        {"session_name": "al"},
        {"session_name": "x" * 64},
        {"session_name": "a_Z-0+=,.@b"},
        {"source_identity": "awsome-alice"},
        {"session_duration": 900},
        {"session_duration": 43200},
        {"principal_tags": {f"k{i}": "v" for i in range(50)}},
        {"principal_tags": {"Équipe": "Ingénierie", "k" * 128: "v" * 256, "Empty": ""}},
        {"principal_tags": {"Team": "a"}, "transitive_tag_keys": ["Team"]},
        {
            "roles": [
                AwsRole(
                    "arn:aws:iam::111111111111:role/path/to/R", "arn:aws:iam::111111111111:saml-provider/P"
                )
            ]
        },
    ],
)
def test_aws_value_rule_boundary_accepted(provider: IdentityProvider, overrides: dict[str, object]) -> None:
    attributes = _attributes(_issue(provider, **overrides))
    assert attributes[AWS_ROLE_SESSION_NAME] == [overrides.get("session_name", "alice")]


def test_aws_attribute_names_refused_in_extra_attributes(provider: IdentityProvider) -> None:
    with pytest.raises(IdPError, match="pass AWS attributes through their own parameters"):
        _issue(provider, attributes={AWS_SOURCE_IDENTITY: ["x"]})
    assert "email" in _attributes(_issue(provider, attributes={"email": "a@example.test"}))


# ------------------------------------------------------------------- Role ARN length and commas (AWS.md 3)

PROVIDER_ARN = READ_ONLY.provider_arn
COMMA_MESSAGE = (
    "contains a comma: IAM allows one in a role name, but the Role attribute value is ROLE_ARN,PROVIDER_ARN"
)


def _role_arn_of_length(length: int) -> str:
    """A well-formed role ARN of exactly ``length`` characters (a long path, as IAM allows)."""
    prefix, name = "arn:aws:iam::111111111111:role/", "/ReadOnly"
    return prefix + "p" * (length - len(prefix) - len(name)) + name


def test_role_arn_of_2048_characters_is_issued(provider: IdentityProvider) -> None:
    role = AwsRole(_role_arn_of_length(ARN_MAX_CHARS), PROVIDER_ARN)
    assert len(role.role_arn) == ARN_MAX_CHARS == 2048
    assert _attributes(_issue(provider, roles=[role]))[AWS_ROLE] == [role.value]


def test_role_arn_of_2049_characters_is_refused_naming_the_limit(provider: IdentityProvider) -> None:
    role = AwsRole(_role_arn_of_length(ARN_MAX_CHARS + 1), PROVIDER_ARN)
    with pytest.raises(AwsAttributeInvalid) as caught:
        _issue(provider, roles=[role])
    assert caught.value.code == "aws_attribute_invalid"
    assert (
        "the role ARN has 2049 characters; RoleArn and PrincipalArn take 20 to 2048" in caught.value.message
    )


@pytest.mark.parametrize(
    "role",
    [
        AwsRole("arn:aws:iam::111111111111:role/Ops,Team", PROVIDER_ARN),
        AwsRole("arn:aws:iam::111111111111:role/a,b/Ops", PROVIDER_ARN),
        AwsRole(READ_ONLY.role_arn, "arn:aws:iam::111111111111:saml-provider/Demo,IdP"),
    ],
)
def test_comma_in_an_arn_is_refused_at_issue_time(provider: IdentityProvider, role: AwsRole) -> None:
    # IAM allows ',' in a role name, but the value would be three comma-separated parts: our SP refuses it
    with pytest.raises(AwsAttributeInvalid) as caught:
        _issue(provider, roles=[role])
    assert caught.value.code == "aws_attribute_invalid"
    assert COMMA_MESSAGE in caught.value.message


@pytest.mark.parametrize("name", ["Ops.Team", "Ops_Team", "a+b=c@d-e"])
def test_role_names_with_the_other_iam_punctuation_are_issued(provider: IdentityProvider, name: str) -> None:
    role = AwsRole(f"arn:aws:iam::111111111111:role/{name}", PROVIDER_ARN)
    assert _attributes(_issue(provider, roles=[role]))[AWS_ROLE] == [role.value]


def test_role_parse_explains_a_comma_inside_an_arn() -> None:
    with pytest.raises(AwsAttributeInvalid) as caught:
        AwsRole.parse(f"arn:aws:iam::111111111111:role/Ops,Team,{PROVIDER_ARN}")
    assert caught.value.message.startswith("a role is 'ROLE_ARN,PROVIDER_ARN' (two ARNs, one comma)")
    assert caught.value.message.endswith(
        "; a role or provider ARN with a comma cannot be sent in a Role attribute, whose value is the two"
        " ARNs joined by its one comma"
    )
    assert AwsRole.parse(f"arn:aws:iam::111111111111:role/Ops.Team,{PROVIDER_ARN}").role_arn.endswith(
        "Ops.Team"
    )


# ---------------------------------------------------------- TransitiveTagKeys ignore case (AWS.md section 1)


@pytest.mark.parametrize("transitive", [["dept"], ["DEPT"], ["Dept"]])
def test_transitive_key_names_its_tag_in_any_case_and_is_emitted_verbatim(
    provider: IdentityProvider, transitive: list[str]
) -> None:
    attributes = _attributes(_issue(provider, principal_tags={"Dept": "Eng"}, transitive_tag_keys=transitive))
    assert attributes[AWS_PRINCIPAL_TAG_PREFIX + "Dept"] == ["Eng"]
    assert attributes[AWS_TRANSITIVE_TAG_KEYS] == transitive


@pytest.mark.parametrize(
    ("transitive", "message"),
    [
        (["Dept", "dept"], "TransitiveTagKeys lists a key twice (tag keys are case-insensitive)"),
        (["dept", "DEPT"], "TransitiveTagKeys lists a key twice (tag keys are case-insensitive)"),
        (["depts"], "TransitiveTagKeys 'depts' names no PrincipalTag of this assertion"),
    ],
)
def test_transitive_keys_differing_only_in_case_are_one_key(
    provider: IdentityProvider, transitive: list[str], message: str
) -> None:
    with pytest.raises(AwsAttributeInvalid) as caught:
        _issue(provider, principal_tags={"Dept": "Eng"}, transitive_tag_keys=transitive)
    assert caught.value.message == message
