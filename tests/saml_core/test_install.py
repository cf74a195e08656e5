"""lxml and python-xmlsec must link the same libxml2, or ``import xmlsec`` fails (or misbehaves) at run time.

pyproject.toml pins both wheels together; this is the check that the pins still agree on this machine.
"""

from __future__ import annotations

import subprocess
import sys

import xmlsec
from lxml import etree


def test_import_xmlsec_works_in_a_fresh_interpreter() -> None:
    probe = "import lxml.etree, xmlsec; print(xmlsec.get_libxml_version())"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("(")


def test_lxml_and_xmlsec_share_one_libxml2() -> None:
    assert tuple(xmlsec.get_libxml_version()) == tuple(etree.LIBXML_VERSION)
    assert tuple(xmlsec.get_libxml_compiled_version()) == tuple(etree.LIBXML_COMPILED_VERSION)


def test_xmlsec_has_the_algorithms_saml_core_uses() -> None:
    names = [
        "TransformExclC14N",
        "TransformInclC14N",
        "TransformInclC14N11",
        "TransformEnveloped",
        "TransformRsaSha256",
        "TransformRsaSha384",
        "TransformRsaSha512",
        "TransformRsaSha1",
        "TransformEcdsaSha256",
        "TransformEcdsaSha384",
        "TransformEcdsaSha512",
        "TransformSha256",
        "TransformSha384",
        "TransformSha512",
        "TransformSha1",
        "KeyDataX509",
    ]
    assert [n for n in names if not hasattr(xmlsec.constants, n)] == []


def test_saml_core_imports_with_the_hazmat_layer() -> None:
    import saml_core
    from saml_core import _dsig

    assert _dsig.xmlsec is xmlsec
    assert "verify_enveloped" in saml_core.__all__
