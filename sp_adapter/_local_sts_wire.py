"""The STS Query-API wire format for ``saml-sp local-sts`` (AWS.md section 7.4).

Invariants this module owns:

* Rule 1: every answer is one of the two shapes botocore's ``QueryParser`` reads: ``<{Action}Response>`` with
  ``<{Action}Result>`` and ``<ResponseMetadata><RequestId>``, or ``<ErrorResponse><Error><Type><Code>
  <Message></Error><RequestId>``, in the ``2011-06-15`` namespace, with the HTTP status AWS uses for the code.
* Rule 2: request parameters are parsed strictly: form-urlencoded ASCII, each name at most once, the body
  capped before parsing.

Pure: bytes and mappings in, bytes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from typing import Union
from urllib.parse import parse_qsl

from lxml import etree

from saml_core._xml import xml_safe_text

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
API_VERSION = "2011-06-15"
MAX_BODY = 512 * 1024
_NSMAP: Any = {None: STS_NS}  # the default namespace; lxml-stubs only type prefixed maps
"""Largest request body read; SAMLAssertion alone may be 100,000 characters (AWS.md section 3)."""

STATUS: Mapping[str, int] = MappingProxyType(
    {
        "InvalidIdentityToken": 400,
        "IDPRejectedClaim": 403,
        "ExpiredTokenException": 400,
        "MalformedPolicyDocument": 400,
        "PackedPolicyTooLarge": 400,
        "RegionDisabledException": 403,
        "AccessDenied": 403,
        "ValidationError": 400,
        "InvalidAction": 400,
        "MissingAction": 400,
        "InvalidParameterValue": 400,
        "MissingAuthenticationToken": 403,
        "IncompleteSignature": 400,
        "InvalidClientTokenId": 403,
        "ExpiredToken": 400,
        "SignatureDoesNotMatch": 403,
        "InternalFailure": 500,
    }
)
"""HTTP status per error code (AWS.md section 7.1; the others as the AWS Query APIs answer them)."""

Members = Mapping[str, Union[str, int, "Members", None]]


class StsFault(Exception):
    """An error answer: AWS's code and message; the status comes from ``STATUS``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)

    @property
    def sender(self) -> bool:
        return self.status < 500


def validation_error(member: str, value: object, constraint: str) -> StsFault:
    """AWS's model-validation message ("1 validation error detected: ...")."""
    shown = "null" if value is None else f"'{str(value)[:64]}'"
    return StsFault(
        "ValidationError",
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: "
        f"{constraint}",
    )


def parse_params(body: bytes, query: bytes = b"") -> dict[str, str]:
    """Rule 2: the query string and the form body as one mapping; a repeated name is an error."""
    if len(body) > MAX_BODY:
        raise StsFault("ValidationError", f"Request body is larger than {MAX_BODY} bytes")
    params: dict[str, str] = {}
    for raw in (query, body):
        try:
            text = raw.decode("ascii")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as error:
            raise StsFault("InvalidParameterValue", "The request is not form-urlencoded ASCII") from error
        for name, value in pairs:
            if name in params:
                raise StsFault("InvalidParameterValue", f"The parameter {name[:64]} appears more than once")
            params[name] = value
    return params


def _add(parent: etree._Element, members: Members) -> None:
    for name, value in members.items():
        if value is None:
            continue
        child = etree.SubElement(parent, f"{{{STS_NS}}}{name}")
        if isinstance(value, Mapping):
            _add(child, value)
        else:
            child.text = xml_safe_text(str(value))  # a fault may quote the caller's bytes


def render_result(action: str, result: Members, request_id: str) -> bytes:
    """A success answer (Rule 1)."""
    root = etree.Element(f"{{{STS_NS}}}{action}Response", nsmap=_NSMAP)
    _add(etree.SubElement(root, f"{{{STS_NS}}}{action}Result"), result)
    _add(root, {"ResponseMetadata": {"RequestId": request_id}})
    return bytes(etree.tostring(root, xml_declaration=False, encoding="utf-8"))


def render_error(fault: StsFault, request_id: str) -> bytes:
    """An error answer (Rule 1)."""
    root = etree.Element(f"{{{STS_NS}}}ErrorResponse", nsmap=_NSMAP)
    _add(
        root,
        {
            "Error": {
                "Type": "Sender" if fault.sender else "Receiver",
                "Code": fault.code,
                "Message": fault.message,
            },
            "RequestId": request_id,
        },
    )
    return bytes(etree.tostring(root, xml_declaration=False, encoding="utf-8"))
