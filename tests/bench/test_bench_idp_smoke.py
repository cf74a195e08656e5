"""bench/bench_idp.py runs end to end in a few iterations, and its contenders produce what they claim."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from lxml import etree

from saml_core import NS
from saml_core import KeyPair
from saml_core import parse_xml
from saml_core import verify_enveloped
from tests.conftest import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_idp", ROOT / "bench" / "bench_idp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_idp_smoke(capsys: object) -> None:
    bench = _load()
    rows = bench.run(["ec-p256"], 0.01)
    assert [row["key"] for row in rows] == ["ec-p256"]
    row = rows[0]
    assert row["issue_aws_ops"] > 0 and row["xmlsec_ops"] > 0 and row["cryptography_ops"] > 0
    assert row["vs_xmlsec"] == round(row["issue_aws_ops"] / row["xmlsec_ops"], 2)
    assert row["response_bytes"] > 2000
    assert bench.main(["--seconds", "0.01", "--key", "ec-p256"]) == 0
    assert "vs xmlsec" in capsys.readouterr().out  # type: ignore[attr-defined]


def test_raw_xmlsec_contender_signs_the_same_assertion() -> None:
    bench = _load()
    keys = KeyPair.generate("ec-p256")
    provider = bench.IdentityProvider("https://idp.example.test/", keys)
    assertion = bench._unsigned_assertion(provider)
    signed = bench._xmlsec_signer(keys, assertion)()
    reparsed = parse_xml(etree.tostring(signed))
    verified = verify_enveloped(reparsed, [keys.trusted])
    assert verified.element.get("ID") == assertion.get("ID")
    assert verified.element.find(NS.saml("AttributeStatement")) is not None
