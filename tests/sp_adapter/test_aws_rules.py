"""AWS attribute rules R51-R58 (AWS.md sections 1 and 2): units, then end to end through validate_response."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

import pytest
from lxml import etree

from saml_core import NS
from saml_core.aws import ARN_MAX_CHARS
from saml_core.constants import AWS_PRINCIPAL_TAG_PREFIX
from saml_core.constants import AWS_ROLE
from saml_core.constants import AWS_ROLE_SESSION_NAME
from saml_core.constants import AWS_SESSION_DURATION
from saml_core.constants import AWS_SOURCE_IDENTITY
from saml_core.constants import AWS_TRANSITIVE_TAG_KEYS
from sp_adapter import AwsAttributeInvalid
from sp_adapter import AwsRoleNotAllowed
from sp_adapter._aws_rules import PARTITIONS
from sp_adapter._aws_rules import AwsRules
from sp_adapter._aws_rules import aws_recipients
from sp_adapter._aws_rules import check_aws_attributes
from sp_adapter._aws_rules import parse_role_pair
from tests.sp_adapter import _fixtures as fx

AWS_RULES = AwsRules(partition="aws", require_session_name=True)
GOV_ROLE = "arn:aws-us-gov:iam::111111111111:role/ReadOnly"
GOV_PROVIDER = "arn:aws-us-gov:iam::111111111111:saml-provider/IdP"


def attrs(**values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    names = {
        "role": AWS_ROLE,
        "session": AWS_ROLE_SESSION_NAME,
        "duration": AWS_SESSION_DURATION,
        "source": AWS_SOURCE_IDENTITY,
        "transitive": AWS_TRANSITIVE_TAG_KEYS,
    }
    result = {AWS_ROLE: (fx.ROLE,), AWS_ROLE_SESSION_NAME: ("alice",)}
    for key, items in values.items():
        name = names.get(key, AWS_PRINCIPAL_TAG_PREFIX + key.removeprefix("tag_"))
        result[name] = tuple(items)
    return {k: v for k, v in result.items() if v != ("<drop>",)}


def invalid(attributes: Mapping[str, tuple[str, ...]], rules: AwsRules = AWS_RULES) -> AwsAttributeInvalid:
    with pytest.raises(AwsAttributeInvalid) as info:
        check_aws_attributes(attributes, rules)
    assert info.value.code == "aws_attribute_invalid"
    return info.value


# ------------------------------------------------------------------------------------------ R52 Role


def test_r52_role_pair_in_either_order_is_normalised() -> None:
    forward = parse_role_pair(f"{fx.READONLY},{fx.PROVIDER}", "aws")
    backward = parse_role_pair(f"{fx.PROVIDER},{fx.READONLY}", "aws")
    assert forward == backward
    assert (forward.role_arn, forward.principal_arn) == (fx.READONLY, fx.PROVIDER)


def test_r52_role_with_a_path_is_accepted() -> None:
    role = "arn:aws:iam::111111111111:role/team/ops/ReadOnly"
    assert parse_role_pair(f"{role},{fx.PROVIDER}").role_arn == role


@pytest.mark.parametrize(
    "value",
    [
        f"{fx.READONLY}, {fx.PROVIDER}",
        f"{fx.READONLY},{fx.PROVIDER},",
        f"{fx.READONLY}",
        f"{fx.READONLY},{fx.READONLY}",
        f"{fx.PROVIDER},{fx.PROVIDER}",
        f" {fx.READONLY},{fx.PROVIDER}",
        f"{fx.READONLY};{fx.PROVIDER}",
        "arn:aws:iam::11111111111:role/ReadOnly,arn:aws:iam::11111111111:saml-provider/IdP",
        "arn:aws:iam::111111111111:user/alice,arn:aws:iam::111111111111:saml-provider/IdP",
        f"{fx.READONLY},{GOV_PROVIDER}",
    ],
)
def test_r52_malformed_role_values_are_refused(value: str) -> None:
    with pytest.raises(AwsAttributeInvalid):
        parse_role_pair(value)


def _role_arn_of_length(length: int) -> str:
    """A well-formed role ARN of exactly ``length`` characters (a long path, as IAM allows)."""
    prefix, name = "arn:aws:iam::111111111111:role/", "/ReadOnly"
    return prefix + "p" * (length - len(prefix) - len(name)) + name


@pytest.mark.parametrize("provider_first", [False, True])
def test_r52_role_arn_of_2048_characters_is_accepted(provider_first: bool) -> None:
    role = _role_arn_of_length(ARN_MAX_CHARS)
    value = f"{fx.PROVIDER},{role}" if provider_first else f"{role},{fx.PROVIDER}"
    assert len(role) == ARN_MAX_CHARS == 2048
    assert parse_role_pair(value, "aws").role_arn == role
    result = check_aws_attributes(attrs(role=[value]), AWS_RULES)
    assert result is not None and result.roles[0].role_arn == role


@pytest.mark.parametrize("provider_first", [False, True])
def test_r52_role_arn_over_2048_characters_is_refused(provider_first: bool) -> None:
    # AWS.md section 3: RoleArn (STS arnType) is 20-2048 characters
    role = _role_arn_of_length(ARN_MAX_CHARS + 1)
    value = f"{fx.PROVIDER},{role}" if provider_first else f"{role},{fx.PROVIDER}"
    with pytest.raises(AwsAttributeInvalid) as info:
        parse_role_pair(value, "aws")
    assert info.value.code == "aws_attribute_invalid"
    assert "the role ARN has 2049 characters; RoleArn and PrincipalArn take 20 to 2048" in str(info.value)
    assert "2049 characters" in str(invalid(attrs(role=[value])))


def test_r52_provider_arn_over_2048_characters_is_refused() -> None:
    # the partition pattern is open-ended, so a PrincipalArn can pass 2048 characters too
    def pair(length: int) -> str:
        partition = "aws-" + "x" * (length - len("arn:aws-:iam::111111111111:saml-provider/IdP"))
        role = f"arn:{partition}:iam::111111111111:role/ReadOnly"
        return f"{role},arn:{partition}:iam::111111111111:saml-provider/IdP"

    at_limit = parse_role_pair(pair(ARN_MAX_CHARS))
    assert len(at_limit.principal_arn) == ARN_MAX_CHARS
    with pytest.raises(AwsAttributeInvalid) as info:
        parse_role_pair(pair(ARN_MAX_CHARS + 1))
    assert "the saml-provider ARN has 2049 characters; RoleArn and PrincipalArn take 20 to 2048" in str(
        info.value
    )


def test_r52_role_must_be_in_the_policy_partition() -> None:
    assert parse_role_pair(f"{GOV_ROLE},{GOV_PROVIDER}", "aws-us-gov").role_arn == GOV_ROLE
    with pytest.raises(AwsAttributeInvalid):
        parse_role_pair(f"{GOV_ROLE},{GOV_PROVIDER}", "aws")


def test_r52_role_and_provider_share_an_account_by_default() -> None:
    cross = "arn:aws:iam::222222222222:role/ReadOnly," + fx.PROVIDER
    assert "different accounts" in str(invalid(attrs(role=[cross])))
    relaxed = AwsRules(partition="aws", require_session_name=True, require_same_account=False)
    result = check_aws_attributes(attrs(role=[cross]), relaxed)
    assert result is not None and result.roles[0].role_arn.startswith("arn:aws:iam::222222222222")


def test_r52_duplicate_pairs_are_collapsed_in_order() -> None:
    result = check_aws_attributes(attrs(role=[fx.EVIL_ROLE, fx.ROLE, f"{fx.PROVIDER},{fx.ADMIN}"]), AWS_RULES)
    assert result is not None
    assert [pair.role_arn for pair in result.roles] == [fx.ADMIN, fx.READONLY]


def test_r52_role_is_required_under_aws_and_optional_otherwise() -> None:
    assert "Role attribute" in str(invalid(attrs(role=["<drop>"])))
    generic = AwsRules(partition=None, require_session_name=False)
    assert check_aws_attributes(attrs(role=["<drop>"]), generic) is None


def test_r52_role_without_values_is_refused() -> None:
    invalid(attrs(role=[]))


# ------------------------------------------------------------------------------ R53-R55 single values


def test_r53_session_name_is_required_under_aws() -> None:
    assert str(invalid(attrs(session=["<drop>"]))) == "RoleSessionName is required in AuthnResponse"
    generic = AwsRules(partition=None, require_session_name=False)
    result = check_aws_attributes(attrs(session=["<drop>"]), generic)
    assert result is not None and result.role_session_name is None


@pytest.mark.parametrize("value", ["a", "x" * 65, "alice smith", "alice/x", "alice:x", "é" * 3])
def test_r53_session_name_format(value: str) -> None:
    error = invalid(attrs(session=[value]))
    assert str(error) == "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"


@pytest.mark.parametrize("value", ["ab", "x" * 64, "alice@example.test", "a+b=c,d.e@f-g_h"])
def test_r53_session_name_twins_are_accepted(value: str) -> None:
    result = check_aws_attributes(attrs(session=[value]), AWS_RULES)
    assert result is not None and result.role_session_name == value


def test_r51_session_name_has_exactly_one_value() -> None:
    assert "exactly one" in str(invalid(attrs(session=["alice", "bob"])))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("900", True),
        ("43200", True),
        ("899", False),
        ("43201", False),
        ("3600.0", False),
        ("+3600", False),
        (" 3600", False),
        ("", False),
    ],
)
def test_r54_session_duration(value: str, ok: bool) -> None:
    if ok:
        result = check_aws_attributes(attrs(duration=[value]), AWS_RULES)
        assert result is not None and result.session_duration == int(value)
    else:
        invalid(attrs(duration=[value]))


@pytest.mark.parametrize(
    ("value", "ok"),
    [("alice", True), ("a", False), ("aws:alice", False), ("AWS:alice", False), ("alice smith", False)],
)
def test_r55_source_identity(value: str, ok: bool) -> None:
    if ok:
        result = check_aws_attributes(attrs(source=[value]), AWS_RULES)
        assert result is not None and result.source_identity == value
    else:
        assert "Source Identity" in str(invalid(attrs(source=[value])))


# ------------------------------------------------------------------------------------ R56 tags


def test_r56_principal_tags_and_transitive_keys() -> None:
    result = check_aws_attributes(
        attrs(tag_Department=["Engineering"], tag_Cost=["Q1 2026: ops/α"], transitive=["Department"]),
        AWS_RULES,
    )
    assert result is not None
    assert dict(result.principal_tags) == {"Department": "Engineering", "Cost": "Q1 2026: ops/α"}
    assert result.transitive_tag_keys == ("Department",)


@pytest.mark.parametrize(
    "values",
    [
        {"tag_aws:x": ["v"]},
        {"tag_AWS:x": ["v"]},
        {"tag_bad*key": ["v"]},
        {("tag_" + "k" * 129): ["v"]},
        {"tag_Dept": ["a", "b"]},
        {"tag_Dept": ["x" * 257]},
        {"tag_Dept": ["semi;colon"]},
        {"tag_Dept": ["a"], "tag_dept": ["b"]},
        {"tag_Dept": ["a"], "transitive": ["Team"]},
        {"tag_Dept": ["a"], "transitive": ["Dept", "Dept"]},
    ],
)
def test_r56_invalid_tags_are_refused(values: dict[str, list[str]]) -> None:
    invalid(attrs(**values))


@pytest.mark.parametrize("transitive", ["dept", "DEPT", "Dept"])
def test_r56_transitive_key_names_its_tag_in_any_case_and_is_kept_verbatim(transitive: str) -> None:
    # AWS.md section 1: tag keys are case-insensitive with case preserved (the IdP agrees: tests/idp)
    result = check_aws_attributes(attrs(tag_Dept=["Eng"], transitive=[transitive]), AWS_RULES)
    assert result is not None
    assert dict(result.principal_tags) == {"Dept": "Eng"}
    assert result.transitive_tag_keys == (transitive,)


@pytest.mark.parametrize(
    ("transitive", "message"),
    [
        (["Dept", "dept"], "TransitiveTagKeys repeats 'dept'"),
        (["dept", "DEPT"], "TransitiveTagKeys repeats 'DEPT'"),
        (["depts"], "TransitiveTagKeys names 'depts', which is not a PrincipalTag of this assertion"),
    ],
)
def test_r56_transitive_keys_differing_only_in_case_are_one_key(transitive: list[str], message: str) -> None:
    assert str(invalid(attrs(tag_Dept=["Eng"], transitive=transitive))) == message


def test_r56_empty_tag_value_is_accepted() -> None:
    result = check_aws_attributes(attrs(tag_Dept=[""]), AWS_RULES)
    assert result is not None and result.principal_tags["Dept"] == ""


def test_r56_at_most_50_tags() -> None:
    fifty = {f"tag_k{i}": ["v"] for i in range(50)}
    result = check_aws_attributes(attrs(**fifty), AWS_RULES)
    assert result is not None and len(result.principal_tags) == 50
    assert "at most 50" in str(invalid(attrs(**fifty, tag_k50=["v"])))


# --------------------------------------------------------------------------------- R57 allow-list


def test_r57_roles_are_intersected_with_the_allow_list() -> None:
    rules = AwsRules(partition="aws", require_session_name=True, allowed_roles=(frozenset({fx.READONLY}),))
    result = check_aws_attributes(attrs(role=[fx.EVIL_ROLE, fx.ROLE]), rules)
    assert result is not None and [pair.role_arn for pair in result.roles] == [fx.READONLY]


def test_r57_no_allowed_role_is_access_denied() -> None:
    rules = AwsRules(partition="aws", require_session_name=True, allowed_roles=(frozenset({fx.READONLY}),))
    with pytest.raises(AwsRoleNotAllowed) as info:
        check_aws_attributes(attrs(role=[fx.EVIL_ROLE]), rules)
    assert (info.value.code, info.value.aws_error) == ("aws_role_not_allowed", "AccessDenied")
    assert info.value.roles == (fx.ADMIN,)


def test_r57_provider_allow_list() -> None:
    rules = AwsRules(partition="aws", require_session_name=True, provider_arns=frozenset({fx.PROVIDER}))
    assert check_aws_attributes(attrs(), rules) is not None
    other = "arn:aws:iam::111111111111:saml-provider/Other"
    with pytest.raises(AwsRoleNotAllowed):
        check_aws_attributes(attrs(role=[f"{fx.READONLY},{other}"]), rules)


def test_r57_pair_entries_and_every_list_must_admit() -> None:
    pair = frozenset({f"{fx.READONLY},{fx.PROVIDER}"})
    both = AwsRules(
        partition="aws", require_session_name=True, allowed_roles=(pair, frozenset({fx.READONLY}))
    )
    assert check_aws_attributes(attrs(), both) is not None
    disjoint = AwsRules(
        partition="aws", require_session_name=True, allowed_roles=(pair, frozenset({fx.ADMIN}))
    )
    with pytest.raises(AwsRoleNotAllowed):
        check_aws_attributes(attrs(), disjoint)


# --------------------------------------------------------------------------- R58 AWS.md section 2


def test_r58_aws_recipients_cover_every_region() -> None:
    aws = PARTITIONS["aws"]
    recipients = aws_recipients(aws, aws.regions, None, False)
    assert recipients[0] == "https://signin.aws.amazon.com/saml"
    assert "https://eu-west-1.signin.aws.amazon.com/saml" in recipients
    assert "https://ap-southeast-5.signin.aws.amazon.com/saml" in recipients
    assert len(recipients) == len(aws.regions) + 1
    assert len(aws.regions) >= 36


def test_r58_acs_form_with_a_provider_uuid() -> None:
    aws = PARTITIONS["aws"]
    uuid = "ABCDEFGHIJKLMNOPQRSTUV"
    both = aws_recipients(aws, ("eu-west-1",), uuid, False)
    assert both == (
        "https://eu-west-1.signin.aws.amazon.com/saml",
        f"https://eu-west-1.signin.aws.amazon.com/saml/acs/{uuid}",
    )
    # AWS.md 2.1 gives the /acs/ form with a region for any region, us-east-1 included
    only = aws_recipients(aws, ("us-east-1",), uuid, True)
    assert only == (f"https://us-east-1.signin.aws.amazon.com/saml/acs/{uuid}",)


def test_r58_other_partitions() -> None:
    assert aws_recipients(PARTITIONS["aws-cn"], ("cn-northwest-1",), None, False) == (
        "https://signin.amazonaws.cn/saml",
        "https://cn-northwest-1.signin.amazonaws.cn/saml",
    )
    # AWS.md 2.1: "Regional forms are unconfirmed" for aws-us-gov, so only the documented host is accepted
    assert aws_recipients(PARTITIONS["aws-us-gov"], ("us-gov-east-1", "us-gov-west-1"), None, False) == (
        "https://signin.amazonaws-us-gov.com/saml",
    )
    assert aws_recipients(PARTITIONS["aws-iso"], PARTITIONS["aws-iso"].regions, None, False) == (
        "https://signin.c2shome.ic.gov/saml",
    )
    assert PARTITIONS["aws-us-gov"].audiences == ("urn:amazon:webservices:govcloud",)


# ------------------------------------------------------------------------------ end to end (gate 9)


validate = fx.validate


def code(xml: bytes, **kwargs: object) -> str:
    return fx.rejected(xml, **kwargs).code


def test_aws_attributes_end_to_end() -> None:
    xml = fx.f0(
        "RA",
        roles=(f"{fx.PROVIDER},{fx.READONLY}", fx.EVIL_ROLE),
        attributes={
            AWS_SESSION_DURATION: ["3600"],
            AWS_SOURCE_IDENTITY: ["alice"],
            AWS_PRINCIPAL_TAG_PREFIX + "Department": ["Engineering"],
            AWS_TRANSITIVE_TAG_KEYS: ["Department"],
        },
    )
    aws = validate(xml).aws
    assert aws is not None
    assert [(r.role_arn, r.principal_arn) for r in aws.roles] == [
        (fx.READONLY, fx.PROVIDER),
        (fx.ADMIN, fx.PROVIDER),
    ]
    assert (aws.session_duration, aws.source_identity) == (3600, "alice")
    assert dict(aws.principal_tags) == {"Department": "Engineering"}
    assert aws.transitive_tag_keys == ("Department",)


def test_missing_role_under_aws_policy_is_refused() -> None:
    xml = fx.f0("RA", roles=())
    assert code(xml) == "aws_attribute_invalid"
    assert validate(xml, policy=fx.generic_policy()).aws is None
    # AWS.md 7.2/7.3: AWS's own message for a missing Role, verbatim, then the cause for the operator
    error = invalid(attrs(role=["<drop>"]))
    assert error.message.startswith("Your request included an invalid SAML response. To logout, click here.")
    assert error.message.endswith(f"(The assertion has no {AWS_ROLE} attribute.)")


def test_missing_session_name_is_refused_only_under_aws() -> None:
    xml = fx.f0("RA", session_name=None)
    assert code(xml) == "aws_attribute_invalid"
    result = validate(xml, policy=fx.generic_policy())
    assert result.aws is not None and result.aws.role_session_name is None


def test_other_partition_role_is_refused_under_aws() -> None:
    xml = fx.f0("RA", roles=(f"{GOV_ROLE},{GOV_PROVIDER}",))
    assert code(xml) == "aws_attribute_invalid"
    gov = fx.aws_policy(partition="aws-us-gov", clock_skew=180)
    recipient = "https://signin.amazonaws-us-gov.com/saml"
    gov_xml = fx.f0(
        "RA",
        roles=(f"{GOV_ROLE},{GOV_PROVIDER}",),
        destination=recipient,
        recipient=recipient,
        audiences=("urn:amazon:webservices:govcloud",),
    )
    aws = validate(gov_xml, policy=gov).aws
    assert aws is not None and aws.roles[0].role_arn == GOV_ROLE


def _duplicate(name: str) -> bytes:
    tree = fx.build_response(attributes={name: ["one"]})
    attribute = next(a for a in tree.iter(NS.saml("Attribute")) if a.get("Name") == name)
    twin = fx.clone(attribute)
    twin[0].text = "two"
    attribute.addnext(twin)
    return fx.serialize(fx.sign_variant(tree, "RA"))


def test_r51_duplicate_names_are_refused_under_aws() -> None:
    assert code(_duplicate("urn:x:group")) == "aws_attribute_invalid"
    assert code(_duplicate(AWS_SOURCE_IDENTITY)) == "aws_attribute_invalid"


def test_generic_policy_joins_repeated_non_aws_names() -> None:
    # Keycloak emits one Attribute per value; AWS names stay unique everywhere (F13)
    result = validate(_duplicate("urn:x:group"), policy=fx.generic_policy())
    assert result.attributes["urn:x:group"] == ("one", "two")
    assert code(_duplicate(AWS_SOURCE_IDENTITY), policy=fx.generic_policy()) == "aws_attribute_invalid"


def test_r33_aws_values_must_be_text_but_others_may_hold_elements() -> None:
    def with_child(name: str) -> bytes:
        tree = fx.build_response(attributes={name: ["x"]})
        value = next(a for a in tree.iter(NS.saml("Attribute")) if a.get("Name") == name)[0]
        value.text = None
        etree.SubElement(value, NS.saml("NameID")).text = "targeted-id"
        return fx.serialize(fx.sign_variant(tree, "RA"))

    assert validate(with_child("urn:oid:1.3.6.1.4.1.5923.1.1.1.10")).attributes[
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.10"
    ] == ("targeted-id",)
    assert code(with_child(AWS_SOURCE_IDENTITY)) == "malformed_xml"


def test_r57_trust_entry_allow_list_end_to_end() -> None:
    xml = fx.f0("RA", roles=(fx.ROLE, fx.EVIL_ROLE))
    aws = validate(xml, trust=fx.trust(allowed_roles=[fx.READONLY])).aws
    assert aws is not None and [r.role_arn for r in aws.roles] == [fx.READONLY]
    assert code(fx.f0("RA", roles=(fx.EVIL_ROLE,)), trust=fx.trust(allowed_roles=[fx.READONLY])) == (
        "aws_role_not_allowed"
    )
    assert (
        code(xml, policy=fx.aws_policy(allowed_roles=[fx.ADMIN]), trust=fx.trust(allowed_roles=[fx.READONLY]))
        == "aws_role_not_allowed"
    )
