"""saml_core sign/verify throughput next to raw python-xmlsec, raw ``cryptography`` and signxml, one process.

    .venv/bin/python bench/bench_core.py                 # 1.5 s of CPU per case, ~12 s in all
    .venv/bin/python bench/bench_core.py --seconds 0.5   # quicker, noisier
    .venv/bin/python bench/bench_core.py --iterations 3  # fixed count (the smoke test uses this)
    .venv/bin/python bench/bench_core.py --json          # machine-readable

Same document (a signed-Assertion AWS Response), same RSA-2048 key, every key loaded ONCE before timing:

* saml_core: ``sign_enveloped`` / ``verify_enveloped`` (profile gate, ID checks, our own c14n, xmlsec for
  signing and ``cryptography`` for SignatureValue checks, digest check, re-parse of the canonical bytes).
* python-xmlsec: the bare template + ``SignatureContext.sign`` / ``verify`` that saml_core wraps.
* cryptography: RSA-SHA256 PKCS#1 v1.5 sign / verify of the Assertion's canonical bytes (the floor: no XML).
* signxml (verify only): ``XMLVerifier().verify`` of the signed bytes with the certificate pinned.

Sign cases include a deep copy of the unsigned tree (signing is in place), in every column alike. Costs are
CPU time per operation, the cases interleaved in rounds. The ratios are what matter; absolute numbers depend
on the machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

import xmlsec  # noqa: E402 - raw python-xmlsec is the baseline here
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from lxml import etree  # noqa: E402

from saml_core import KeyPair  # noqa: E402
from saml_core import parse_xml  # noqa: E402
from saml_core import sign_enveloped  # noqa: E402
from saml_core import verify_enveloped  # noqa: E402
from saml_core.constants import NS  # noqa: E402

ASSERTION = NS.saml("Assertion")
ROLE = "arn:aws:iam::111111111111:role/ReadOnly,arn:aws:iam::111111111111:saml-provider/DemoIdP"


def document() -> bytes:
    """An unsigned AWS sign-in Response, shaped like what the IdP issues (about 2.5 KB)."""
    saml, samlp = NS.SAML, NS.SAMLP
    attrs = "".join(
        f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/{name}"><saml:AttributeValue>{value}'
        "</saml:AttributeValue></saml:Attribute>"
        for name, value in [
            ("Role", ROLE),
            ("RoleSessionName", "alice"),
            ("SessionDuration", "3600"),
            ("SourceIdentity", "alice"),
            ("PrincipalTag:Department", "Engineering"),
        ]
    )
    return (
        f'<samlp:Response xmlns:samlp="{samlp}" xmlns:saml="{saml}" ID="_R" Version="2.0"'
        ' IssueInstant="2026-01-01T12:00:00Z" Destination="https://signin.aws.amazon.com/saml">'
        "<saml:Issuer>https://idp.example.test/</saml:Issuer><samlp:Status><samlp:StatusCode"
        ' Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        '<saml:Assertion ID="_A" Version="2.0" IssueInstant="2026-01-01T12:00:00Z">'
        "<saml:Issuer>https://idp.example.test/</saml:Issuer><saml:Subject><saml:NameID"
        ' Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice@example.test</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        "<saml:SubjectConfirmationData"
        ' NotOnOrAfter="2026-01-01T12:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/>'
        '</saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2026-01-01T11:59:00Z"'
        ' NotOnOrAfter="2026-01-01T12:05:00Z"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices'
        "</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement"
        ' AuthnInstant="2026-01-01T12:00:00Z" SessionIndex="_s1"><saml:AuthnContext>'
        "<saml:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"
        f"</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement>"
        "</saml:Assertion></samlp:Response>"
    ).encode()


@dataclass(frozen=True)
class Case:
    library: str
    operation: str
    run: Callable[[], object]


@dataclass(frozen=True)
class Result:
    library: str
    operation: str
    ops_per_second: float
    microseconds: float
    iterations: int


class Fixture:
    """Everything prepared once: keys (parsed once), the unsigned and the signed tree, the byte string."""

    def __init__(self) -> None:
        self.keys = KeyPair.generate("rsa-2048", common_name="bench")
        self.trusted = [self.keys.trusted]
        self.unsigned = parse_xml(document())
        signed = copy.deepcopy(self.unsigned)
        sign_enveloped(self._assertion(signed), self.keys)
        self.signed_bytes = etree.tostring(signed)
        self.signed = parse_xml(self.signed_bytes)
        self.xmlsec_sign_key = xmlsec.Key.from_memory(self.keys.key_pem, xmlsec.constants.KeyDataFormatPem)
        self.xmlsec_sign_key.load_cert_from_memory(self.keys.cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        self.xmlsec_verify_key = xmlsec.Key.from_memory(
            self.keys.cert_pem, xmlsec.constants.KeyDataFormatCertPem
        )
        self.private = self.keys.private_key
        assert isinstance(self.private, rsa.RSAPrivateKey)
        self.public = self.private.public_key()
        self.message = etree.tostring(self._assertion(self.unsigned), method="c14n", exclusive=True)
        self.message_signature = self.private.sign(self.message, padding.PKCS1v15(), hashes.SHA256())

    @staticmethod
    def _assertion(root: etree._Element) -> etree._Element:
        found = root.find(ASSERTION)
        assert found is not None
        return found

    # -------------------------------------------------------------------------------- the six cases

    def core_sign(self) -> etree._Element:
        return sign_enveloped(self._assertion(copy.deepcopy(self.unsigned)), self.keys)

    def core_verify(self) -> object:
        return verify_enveloped(self._assertion(self.signed), self.trusted)

    def xmlsec_sign(self) -> etree._Element:
        return self._xmlsec_sign_tree(copy.deepcopy(self.unsigned))

    def _xmlsec_sign_tree(self, root: etree._Element) -> etree._Element:
        element = self._assertion(root)
        signature = xmlsec.template.create(
            element, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
        )
        element[0].addnext(signature)
        ref = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri="#_A")
        xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
        xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
        x509 = xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        xmlsec.template.x509_data_add_certificate(x509)
        ctx = xmlsec.SignatureContext()
        ctx.key = self.xmlsec_sign_key
        ctx.register_id(element, "ID")
        ctx.sign(signature)
        return root

    def xmlsec_verify(self) -> None:
        element = self._assertion(self.signed)
        ctx = xmlsec.SignatureContext()
        ctx.key = self.xmlsec_verify_key
        ctx.register_id(element, "ID")
        ctx.verify(element.find(NS.ds("Signature")))

    def crypto_sign(self) -> bytes:
        return self.private.sign(self.message, padding.PKCS1v15(), hashes.SHA256())

    def crypto_verify(self) -> None:
        self.public.verify(self.message_signature, self.message, padding.PKCS1v15(), hashes.SHA256())

    def cases(self) -> list[Case]:
        return [
            Case("saml_core", "sign", self.core_sign),
            Case("python-xmlsec", "sign", self.xmlsec_sign),
            Case("cryptography", "sign", self.crypto_sign),
            Case("saml_core", "verify", self.core_verify),
            Case("python-xmlsec", "verify", self.xmlsec_verify),
            Case("cryptography", "verify", self.crypto_verify),
            Case("signxml", "verify", self.signxml_verify),
        ]

    def signxml_verify(self) -> object:
        """signxml's XMLVerifier with the certificate pinned; it starts from bytes and parses them itself."""
        from signxml.verifier import XMLVerifier

        cert = self.keys.cert_pem.decode()
        return XMLVerifier().verify(self.signed_bytes, x509_cert=cert, id_attribute="ID")

    def cross_check(self) -> None:
        """Each side accepts the other's signature: the bench measures working code, not a broken path."""
        raw = self._xmlsec_sign_tree(copy.deepcopy(self.unsigned))
        verify_enveloped(self._assertion(parse_xml(etree.tostring(raw))), self.trusted)
        self.xmlsec_verify()  # python-xmlsec accepts the saml_core signature
        self.crypto_verify()
        self.signxml_verify()  # and so does signxml


def measure(case: Case, *, seconds: float, iterations: int | None) -> Result:
    """One case alone (the smoke test uses this); ``measure_all`` interleaves them."""
    return measure_all([case], seconds=seconds, iterations=iterations)[0]


def measure_all(cases: list[Case], *, seconds: float, iterations: int | None) -> list[Result]:
    """CPU time per operation (``process_time``: robust on a shared machine), the cases interleaved in rounds
    of about 50 ms each so that drift in machine load hits every column alike. ``iterations``: one round of
    exactly that many operations per case instead of a time budget."""
    batches = [iterations or _batch_for(case) for case in cases]
    counts = [0] * len(cases)
    spent = [0.0] * len(cases)
    while True:
        for index, case in enumerate(cases):
            start = time.process_time()
            for _ in range(batches[index]):
                case.run()
            spent[index] += time.process_time() - start
            counts[index] += batches[index]
        if iterations is not None or min(spent) >= seconds:
            break
    return [
        Result(case.library, case.operation, count / max(cpu, 1e-9), max(cpu, 1e-9) / count * 1e6, count)
        for case, count, cpu in zip(cases, counts, spent, strict=True)
    ]


def _batch_for(case: Case, round_seconds: float = 0.05) -> int:
    """Warm up (caches, cached xmlsec handles) and size a batch to about ``round_seconds`` of CPU."""
    case.run()
    start = time.process_time()
    for _ in range(5):
        case.run()
    per_op = max((time.process_time() - start) / 5, 1e-7)
    return max(1, int(round_seconds / per_op))


def table(results: list[Result]) -> str:
    by = {(r.library, r.operation): r for r in results}
    lines = [
        f"{'operation':<9} {'saml_core':>14} {'python-xmlsec':>14} {'cryptography':>14} "
        f"{'core/xmlsec':>12} {'core/crypto':>12} {'xmlsec/crypto':>14}"
    ]
    for operation in ("sign", "verify"):
        core, raw, crypto = (by[(lib, operation)] for lib in ("saml_core", "python-xmlsec", "cryptography"))
        lines.append(
            f"{operation:<9} {core.ops_per_second:>10,.0f}/s {raw.ops_per_second:>10,.0f}/s "
            f"{crypto.ops_per_second:>10,.0f}/s {core.ops_per_second / raw.ops_per_second:>11.2f}x "
            f"{core.ops_per_second / crypto.ops_per_second:>11.2f}x "
            f"{raw.ops_per_second / crypto.ops_per_second:>13.2f}x"
        )
        lines.append(
            f"{'  µs/op':<9} {core.microseconds:>12,.0f}   {raw.microseconds:>12,.0f}   "
            f"{crypto.microseconds:>12,.0f}"
        )
    peer = by.get(("signxml", "verify"))
    if peer is not None:
        ratio = by[("saml_core", "verify")].ops_per_second / peer.ops_per_second
        lines.append(
            f"signxml verify {peer.ops_per_second:,.0f}/s ({peer.microseconds:,.0f} µs/op, from bytes: its"
            f" own parse included); saml_core verify is {ratio:.2f}x signxml"
        )
    return "\n".join(lines)


def run(*, seconds: float = 1.5, iterations: int | None = None) -> list[Result]:
    fixture = Fixture()
    fixture.cross_check()
    return measure_all(fixture.cases(), seconds=seconds, iterations=iterations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.5, help="CPU-time budget per case (default 1.5)")
    parser.add_argument(
        "--iterations", type=int, default=None, help="fixed iteration count instead of a budget"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or (args.iterations is not None and args.iterations < 1):
        parser.error("--seconds and --iterations must be positive")
    results = run(seconds=args.seconds, iterations=args.iterations)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        size = len(document())
        print(
            f"RSA-2048, rsa-sha256 + sha256, exc-c14n; {size:,}-byte Response, Assertion signed; "
            "keys loaded once"
        )
        print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
