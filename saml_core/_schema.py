"""XSD validation against the vendored SAML 2.0, XML-DSig and XML-Enc schemas (R10).

The schemas load from package data with every import resolved locally, once per process: no network and
no per-request compilation.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from typing import Any
from typing import Literal

from lxml import etree

from ._xml import Element
from ._xml import parse_package_file
from .errors import MalformedXML

SchemaName = Literal["protocol", "assertion", "metadata"]
_FILES = {
    "protocol": "saml-schema-protocol-2.0.xsd",
    "assertion": "saml-schema-assertion-2.0.xsd",
    "metadata": "saml-schema-metadata-2.0.xsd",
}
_lock = threading.Lock()


@cache
def _schema(name: SchemaName) -> etree.XMLSchema:
    path = resources.files("saml_core") / "schemas" / _FILES[name]
    with resources.as_file(path) as real_path:
        return etree.XMLSchema(parse_package_file(str(real_path)))


def validate_schema(root: Element, name: SchemaName = "protocol") -> None:
    """Raise MalformedXML with the first schema error; the message names the line and the rule."""
    schema = _schema(name)
    with _lock:  # an XMLSchema object keeps its error log per instance
        valid = schema.validate(root)
        # the log is copied on every read, so it is read only on failure (lxml-stubs leave _ErrorLog empty)
        errors: list[Any] = [] if valid else list(schema.error_log)  # type: ignore[call-overload]
    if not valid:
        first = errors[0] if errors else None
        where = f" (line {first.line})" if first is not None else ""
        message = first.message[:300] if first is not None else "the document does not match the schema"
        raise MalformedXML(f"schema: {message}{where}")
