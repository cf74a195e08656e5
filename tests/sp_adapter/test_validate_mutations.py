"""Property tests (hypothesis): random mutations of valid responses never crash the validator (only
ValidationError escapes) and are never accepted with an identity other than the original's (ACCEPT(orig))."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from sp_adapter import ValidatedAssertion
from sp_adapter import ValidationError
from sp_adapter import validate_response
from tests.sp_adapter import _fixtures as fx

_ORIGINALS = {variant: fx.f0(variant) for variant in ("A", "R", "RA", "ERA")}
_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _identity(result: ValidatedAssertion) -> tuple[object, ...]:
    roles = tuple(result.aws.roles) if result.aws else ()
    return (result.issuer, result.name_id, result.recipient, result.audiences, roles, dict(result.attributes))


_EXPECTED = {
    variant: _identity(
        validate_response(
            xml, trust=fx.trust(), policy=fx.aws_policy(), now=fx.NOW, decrypt_keys=[fx.sp_keys()]
        )
    )
    for variant, xml in _ORIGINALS.items()
}


def _check(variant: str, data: bytes | str) -> None:
    try:
        result = validate_response(
            data, trust=fx.trust(), policy=fx.aws_policy(), now=fx.NOW, decrypt_keys=[fx.sp_keys()]
        )
    except ValidationError as error:
        assert error.code and error.aws_error is not None
        return
    assert _identity(result) == _EXPECTED[variant]


@_SETTINGS
@given(
    variant=st.sampled_from(sorted(_ORIGINALS)),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4),
)
def test_byte_flips_never_crash_or_change_identity(variant: str, edits: list[tuple[float, int]]) -> None:
    data = bytearray(_ORIGINALS[variant])
    for where, value in edits:
        data[int(where * len(data))] = value
    _check(variant, bytes(data))


@_SETTINGS
@given(
    variant=st.sampled_from(sorted(_ORIGINALS)),
    where=st.floats(0, 1, exclude_max=True),
    insert=st.sampled_from(
        [
            "<!---->",
            "<?x?>",
            "<![CDATA[x]]>",
            "&amp;",
            "&#x41;",
            "<x/>",
            " ",
            "\n",
            '"',
            "'",
            "<",
            ">",
            "</saml:Assertion>",
            'ID="_A"',
            'xmlns:ds="urn:x"',
            "\u00e9",
            "\ufeff",
            "\x00",
        ]
    ),
)
def test_markup_insertions_never_crash_or_change_identity(variant: str, where: float, insert: str) -> None:
    data = _ORIGINALS[variant]
    at = int(where * len(data))
    _check(variant, data[:at] + insert.encode("utf-8", "surrogatepass") + data[at:])


@_SETTINGS
@given(variant=st.sampled_from(sorted(_ORIGINALS)), cut=st.floats(0, 1, exclude_max=True))
def test_truncation_and_base64_damage_never_crash(variant: str, cut: float) -> None:
    b64 = base64.b64encode(_ORIGINALS[variant]).decode()
    at = int(cut * len(b64))
    _check(variant, b64[:at])
    _check(variant, b64[:at] + "*" + b64[at:])
