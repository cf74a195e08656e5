"""Validation throughput: sp_adapter.validate_response next to python3-saml and a raw floor, in one run.

    .venv/bin/python bench/bench_validate.py [--seconds 2] [--variant A --variant RA]
    .venv/bin/python bench/bench_validate.py --breakdown [--variant A]   # where ours spends its time

For each F0 variant (SECURITY.md 2.0, RSA-2048, exc-c14n, RSA-SHA256) it measures, on the same bytes and with
keys loaded once:

* ``ours``: ``validate_response`` under ``Policy.aws()`` with a pinned certificate;
* ``python3-saml``: ``OneLogin_Saml2_Response(settings, b64).is_valid(request_data)`` with strict settings and
  the same certificate (it must return True, else the run aborts);
* ``floor``: the least any verifier must do: base64-decode (with pybase64 when it is installed, as ours does),
  parse with lxml, exc-c14n of each signed element without its Signature, SHA-256, c14n of SignedInfo, RSA
  PKCS#1 v1.5 verify with ``cryptography``;
* ``pysaml2`` (printed under the table, when the ``xmlsec1`` binary is installed):
  ``Saml2Client.parse_authn_request_response`` with the IdP's metadata; it runs ``xmlsec1`` once per
  signature, and that child's CPU time is counted too (it must accept, else the run aborts).

Targets (issue 4): ours >= 10x python3-saml, ours >= 0.5x the floor.

``--breakdown`` times each gate (and the costliest steps inside them) inside the running pipeline, by
wrapping those functions with a clock for the run and restoring them afterwards. Each step costs more there
than alone, since the other gates evict its data from the caches; each wrapper adds well under a
microsecond.
"""

from __future__ import annotations

import argparse
import base64
import collections
import copy
import hashlib
import importlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metadata import build_idp_metadata  # noqa: E402
from saml_core._encoding import BACKEND as BASE64_BACKEND  # noqa: E402
from sp_adapter import Policy  # noqa: E402
from sp_adapter import validate_response  # noqa: E402
from tests.sp_adapter import _fixtures as fx  # noqa: E402

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _cpu() -> float:
    """This process's CPU time plus that of its finished children (pysaml2's ``xmlsec1`` runs)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _rate(function: Callable[[], object], seconds: float, batch: int = 10) -> float:
    """Calls per CPU second over at least ``seconds`` of CPU time (after one warm-up call).

    CPU time, not wall time, so other processes on a shared machine do not skew the ratios.
    """
    function()
    calls, start = 0, _cpu()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            function()
        calls += batch
        now = _cpu()
        if now >= deadline:
            return calls / (now - start)


def _ours(b64: str, now: datetime) -> Callable[[], object]:
    trust = fx.trust()
    policy = Policy.aws()
    return lambda: validate_response(b64, trust=trust, policy=policy, now=now)


def _python3_saml(b64: str) -> Callable[[], object]:
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    cert_b64 = "".join(fx.idp_keys().cert_pem.decode().splitlines()[1:-1])
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": fx.AUDIENCE,
                "assertionConsumerService": {"url": fx.ACS},
            },
            "idp": {
                "entityId": fx.IDP,
                "singleSignOnService": {"url": "https://idp.example.test/sso"},
                "x509cert": cert_b64,
            },
            "security": {"wantAssertionsSigned": False, "rejectDeprecatedAlgorithm": True},
        },
        sp_validation_only=True,
    )
    request = {
        "https": "on",
        "http_host": "signin.aws.amazon.com",
        "script_name": "/saml",
    }

    def run() -> bool:
        response = OneLogin_Saml2_Response(settings, b64)
        if not response.is_valid(request):
            raise SystemExit(f"python3-saml rejected the benchmark response: {response.get_error()}")
        return True

    return run


def _pysaml2(b64: str) -> Callable[[], object] | None:
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        return None
    from saml2 import BINDING_HTTP_POST
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    metadata = build_idp_metadata(
        entity_id=fx.IDP, sso_url=fx.IDP + "sso", signing_certs=[fx.idp_keys().cert_pem]
    )
    config = SPConfig()
    config.load(
        {
            "entityid": fx.AUDIENCE,
            "xmlsec_binary": xmlsec1,
            "allow_unknown_attributes": True,
            "metadata": {"inline": [metadata.decode()]},
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(fx.ACS, BINDING_HTTP_POST)]},
                    "allow_unsolicited": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                }
            },
        }
    )
    client = Saml2Client(config)

    def run() -> bool:
        result = client.parse_authn_request_response(b64, BINDING_HTTP_POST)
        if result is None or result.name_id.text != fx.NAME_ID:
            raise SystemExit("pysaml2 rejected the benchmark response")
        return True

    return run


def _b64decode() -> Callable[[str | bytes], bytes]:
    """The floor's base64 decoder: the fastest this environment has, as ours uses (saml_core._encoding)."""
    try:
        import pybase64
    except ImportError:
        return base64.b64decode
    return pybase64.b64decode


def _floor(b64: str) -> Callable[[], object]:
    b64decode = _b64decode()
    public = x509.load_pem_x509_certificate(fx.idp_keys().cert_pem).public_key()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def verify(element: etree._Element) -> None:
        signature = element.find(DS + "Signature")
        clone = copy.deepcopy(element)
        clone.remove(clone.find(DS + "Signature"))
        digest = hashlib.sha256(
            etree.tostring(clone, method="c14n", exclusive=True, with_comments=False)
        ).digest()
        signed_info = signature.find(DS + "SignedInfo")
        expected = b64decode(signed_info.find(f"{DS}Reference/{DS}DigestValue").text)
        if digest != expected:
            raise SystemExit("floor: digest mismatch")
        value = b64decode(signature.find(DS + "SignatureValue").text)
        data = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
        public.verify(value, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg]

    def run() -> None:
        root = etree.fromstring(b64decode(b64), parser)  # noqa: S320 - the hardened options above
        for element in (root, root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")):
            if element is not None and element.find(DS + "Signature") is not None:
                verify(element)

    return run


_STEPS = (
    ("sp_adapter._validate", "decode_transport", "gate 1: size, strict base64"),
    ("sp_adapter._validate", "parse_xml", "gate 2: hardened parse and caps"),
    ("sp_adapter._validate", "check_shape", "gate 3: shape"),
    ("sp_adapter._checks_shape", "validate_schema", "  XSD validation"),
    ("sp_adapter._checks_shape", "check_unique_ids", "  the ID walk"),
    ("sp_adapter._validate", "verify_signatures", "gates 4-6: signatures"),
    ("sp_adapter._checks_crypto", "check_signature_profile", "  profile gate"),
    ("saml_core._dsig", "canonicalize_received", "  c14n of SignedInfo (private copy)"),
    ("saml_core._dsig", "_verify_with_keys", "  SignatureValue with the pinned key"),
    ("saml_core._dsig", "canonicalize_enveloped", "  c14n of the signed element (private copy)"),
    ("saml_core._dsig", "parse_canonical", "  re-parse of the signed bytes"),
    ("sp_adapter._validate", "_protocol", "gates 7-8: protocol"),
    ("sp_adapter._validate", "check_aws_attributes", "gate 9: AWS attribute rules"),
)


def breakdown(variant: str, calls: int) -> tuple[float, float, list[tuple[str, float]]]:
    """µs per ``validate_response`` call without and with the clocks, and per step of ``_STEPS``."""
    now = datetime.now(UTC).replace(microsecond=0)
    function = _ours(fx.f0_b64(variant, now=now), now)
    plain = _micros_per_call(function, calls)
    spent: collections.Counter[str] = collections.Counter()
    originals = []
    for module_name, name, label in _STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        originals.append((module, name, original))
        setattr(module, name, _clocked(original, label, spent))
    try:
        for _ in range(max(1, calls // 10)):
            function()
        spent.clear()
        clocked = _micros_per_call(function, calls, warm_up=False)
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    return plain, clocked, [(label, spent[label] / calls / 1000) for _, _, label in _STEPS]


def _micros_per_call(function: Callable[[], object], calls: int, *, warm_up: bool = True) -> float:
    for _ in range(max(1, calls // 10) if warm_up else 0):
        function()
    start = time.perf_counter_ns()
    for _ in range(calls):
        function()
    return (time.perf_counter_ns() - start) / calls / 1000


def _clocked(function: Callable[..., Any], label: str, spent: collections.Counter[str]) -> Callable[..., Any]:
    def clocked(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter_ns()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter_ns() - start

    return clocked


def run(variants: list[str], seconds: float) -> list[dict[str, Any]]:
    rows = []
    now = datetime.now(UTC).replace(microsecond=0)
    for variant in variants:
        b64 = fx.f0_b64(variant, now=now)
        ours = _rate(_ours(b64, now), seconds)
        peer = _rate(_python3_saml(b64), seconds)
        floor = _rate(_floor(b64), seconds)
        pysaml2_run = _pysaml2(b64)
        pysaml2 = _rate(pysaml2_run, seconds, batch=1) if pysaml2_run is not None else None
        rows.append(
            {
                "variant": f"F0-{variant}",
                "ours_ops": round(ours),
                "python3_saml_ops": round(peer),
                "floor_ops": round(floor),
                "vs_python3_saml": round(ours / peer, 2),
                "vs_floor": round(ours / floor, 2),
                "pysaml2_ops": round(pysaml2, 1) if pysaml2 is not None else None,
                "vs_pysaml2": round(ours / pysaml2) if pysaml2 is not None else None,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument(
        "--variant", action="append", choices=["A", "R", "RA"], help="F0 variants (default A, RA)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument(
        "--breakdown", action="store_true", help="time each gate of ours inside the pipeline instead"
    )
    parser.add_argument("--calls", type=int, default=5000, help="calls per --breakdown variant")
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    if args.breakdown:
        for variant in args.variant or ["A", "RA"]:
            plain, clocked, steps = breakdown(variant, args.calls)
            print(f"F0-{variant}: {plain:.0f} µs per validate_response call, {clocked:.0f} with the clocks")
            for label, micros in steps:
                print(f"  {label:48} {micros:7.1f} µs")
        return 0
    rows = run(args.variant or ["A", "RA"], args.seconds)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    header = ("response", "ours/s", "python3-saml/s", "floor/s", "x python3-saml", "x floor")
    print(f"{header[0]:10} {header[1]:>8} {header[2]:>15} {header[3]:>8} {header[4]:>15} {header[5]:>8}")
    for row in rows:
        print(
            f"{row['variant']:10} {row['ours_ops']:>8} {row['python3_saml_ops']:>15} {row['floor_ops']:>8}"
            f" {row['vs_python3_saml']:>15.2f} {row['vs_floor']:>8.2f}"
        )
    print(f"targets: >= 10x python3-saml, >= 0.5x floor (base64: {BASE64_BACKEND})")
    for row in rows:
        if row["pysaml2_ops"] is None:
            print(f"pysaml2 {row['variant']}: skipped (no xmlsec1 binary)")
        else:
            print(
                f"pysaml2 {row['variant']}: {row['pysaml2_ops']}/s (xmlsec1 per signature, its CPU counted);"
                f" ours is {row['vs_pysaml2']}x pysaml2"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
