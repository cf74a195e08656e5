"""The real-IdP interop corpus (``tests/vectors/real``) as typed, frozen rows.

One loader for every suite that replays the corpus (saml_core signature checks here, the validator's
end-to-end checks in ``tests/sp_adapter``)::

    from tests.vectors.corpus import load_corpus, sample

    for row in load_corpus():
        data = row.data()                   # decoded: base64 / raw XML / okta-03 inflated
        keys = row.trusted_keys(signature)  # the pinned cert, or the embedded one (self-consistent only)
        row.expected.verdict                # "accept" | "reject" | "parse_only" under OUR policy (3.2)

``expected`` is our own policy's verdict, not the source project's (that one is ``source_expected``).
``expected.core_code`` is what ``saml_core.verify_enveloped`` reports for the signatures (checked by
``tests/saml_core/test_corpus.py``); ``expected.code`` is the validator's code, derived from SECURITY.md 3.2
and the gate order of SECURITY.md 1.0 (the first failing gate decides).
"""

from __future__ import annotations

import base64
import csv
import re
import zlib
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from lxml import etree

from saml_core import KeyPair
from saml_core import TrustedKey
from saml_core import parse_instant
from saml_core.constants import NS

REAL = Path(__file__).resolve().parent / "real"

Encoding = Literal["xml", "base64", "base64+deflate"]
Verdict = Literal["accept", "reject", "parse_only"]
Group = Literal["accept", "accept-sha1", "accept-1024", "reject-policy", "reject-crypto", "aws-roles"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """What SECURITY.md section 3.2 expects of one sample under our policy."""

    group: Group
    """The row of the 3.2 table the sample sits in."""
    verdict: Verdict
    """accept / reject by the full validator; parse_only for the edited AWS-attribute samples."""
    allow_sha1: bool = False
    """The per-IdP opt-in the sample needs (rsa-sha1 / sha1 digest)."""
    min_rsa_bits: int = 2048
    """The RSA floor the sample needs (1024 for the 1024-bit test keys, R22)."""
    core_code: str | None = None
    """saml_core's code for the first signature (document order) that fails; None: all verify."""
    code: str | None = None
    """The validator's error code for a reject (the first failing gate decides)."""
    rule: str | None = None
    """The SECURITY.md rule that decides the reject."""
    note: str = ""


_ACCEPT = Expectation("accept", "accept")
_SHA1 = Expectation("accept-sha1", "accept", allow_sha1=True)
_1024 = Expectation("accept-1024", "accept", min_rsa_bits=1024)
_1024_SHA1 = Expectation("accept-1024", "accept", allow_sha1=True, min_rsa_bits=1024)


def _crypto(
    code: str, core: str, rule: str, note: str, *, sha1: bool = True, bits: int = 2048
) -> Expectation:
    return Expectation(
        "reject-crypto",
        "reject",
        allow_sha1=sha1,
        min_rsa_bits=bits,
        core_code=core,
        code=code,
        rule=rule,
        note=note,
    )


def _policy(code: str, rule: str, note: str, *, core: str | None = None, sha1: bool = False) -> Expectation:
    return Expectation(
        "reject-policy", "reject", allow_sha1=sha1, core_code=core, code=code, rule=rule, note=note
    )


_SPV = "signature_profile_violation"
_BAD = "signature_invalid"
_SCHEMA = "malformed_xml"
_UNTRUSTED = "untrusted_key"

#: sample id -> expectation (SECURITY.md 3.2); every manifest row must appear here
EXPECTATIONS: dict[str, Expectation] = {
    **dict.fromkeys(
        [
            "adfs-01",
            "adfs-02",
            "okta-01",
            "okta-02",
            "okta-04",
            "okta-05",
            "okta-06",
            "google-01",
            "pingfed-01",
            "pingfed-02",
            "pingfed-03",
            "pingfed-04",
            "keycloak-01",
            "keycloak-02",
            "okta-07",
            "shibboleth-02",
            "shibboleth-03",
        ],
        _ACCEPT,
    ),
    **dict.fromkeys(
        [
            "okta-03",
            "oktadev-01",
            "onelogin-01",
            "onelogin-02",
            "onelogin-03",
            "onelogin-04",
            "onelogin-05",
            "onelogin-06",
            "onelogin-07",
            "simplesamlphp-05",
        ],
        _SHA1,
    ),
    "auth0-01": Expectation(
        "accept-sha1",
        "reject",
        allow_sha1=True,
        code=_SCHEMA,
        rule="R10/R14",
        note="3.2 lists it as ACCEPT with --allow-sha1, but its Response Signature is the LAST child of "
        "the Response (after the Assertion): schema-invalid (R10) and outside the allowed slot (R14). "
        "The signature itself verifies.",
    ),
    "adfs-03": _1024,
    "adfs-05": _1024,
    **dict.fromkeys(
        [
            "simplesamlphp-01",
            "simplesamlphp-02",
            "simplesamlphp-03",
            "simplesamlphp-04",
            "simplesamlphp-06",
            "oracle-oam-01",
        ],
        _1024_SHA1,
    ),
    "oktadev-02": _policy(_SPV, "R18", 'Reference URI="" (whole document)', core=_SPV),
    "shibboleth-01": _policy("not_a_response", "R11", "SOAP Envelope around an ArtifactResponse"),
    "shibboleth-04": _policy(
        "not_a_response",
        "R11",
        "ECP SOAP Envelope; KeyInfo certificate empty, so unverifiable",
        core="key_invalid",
    ),
    "azuread-01": _policy("not_a_response", "R11", "a bare WS-Fed saml:Assertion, no samlp:Response"),
    "secureworks-01": _policy(
        _SCHEMA,
        "R10/R12 (R45)",
        "3.2 cites R45 (NotBefore on the bearer SubjectConfirmationData), but the Response ID "
        "'28338c8c-...' is not an xs:ID/NCName, which gate 3 rejects first",
        core=_SPV,
        sha1=True,
    ),
    "starfield-01": _policy(
        "destination_mismatch",
        "R44-R46",
        "signed Response without Destination; no SubjectConfirmationData, no AudienceRestriction",
        sha1=True,
    ),
    "oktadev-03": _crypto(_SPV, _SPV, "R18", 'URI="" and signed by an untrusted key', sha1=False),
    "oktadev-04": _crypto(_BAD, _BAD, "R29", "content modified after signing"),
    "onelogin-08": _crypto(_BAD, _BAD, "R29", "Assertion modified under the Response signature"),
    "onelogin-09": _crypto(_BAD, _BAD, "R29", "signed Assertion modified"),
    "onelogin-10": _crypto(_UNTRUSTED, _UNTRUSTED, "R25", "signed by another key, its cert in KeyInfo"),
    "onelogin-11": _crypto(_SCHEMA, _SPV, "R10/R17", "XSW1: the signed Response cloned into ds:Signature"),
    "onelogin-12": _crypto(_SCHEMA, _SPV, "R10/R18", "XSW2: the signed Response moved before the Signature"),
    "onelogin-13": _crypto(_SCHEMA, _SPV, "R10/R17", "two SignedInfo elements (SAMLStorm shape)"),
    "simplesamlphp-07": _crypto(_SCHEMA, _BAD, "R10/R13", "XSW4: Assertion inside an evil one", bits=1024),
    "simplesamlphp-08": _crypto(_SCHEMA, _SPV, "R10/R12", "XSW7: duplicate ID in Extensions", bits=1024),
    "simplesamlphp-09": _crypto(_SCHEMA, _SPV, "R10/R12", "duplicate ID in StatusDetail", bits=1024),
    "simplesamlphp-10": _crypto(_SPV, _SPV, "R20", "exc-c14n#WithComments on the Response", bits=1024),
    "adfs-04": _crypto(
        "algorithm_forbidden",
        "algorithm_forbidden",
        "R21",
        "digest URI xmlenc#sha384 is not a defined URI; read as SHA-384 the digest does not match either",
        sha1=False,
        bits=1024,
    ),
    "netiq-01": Expectation("aws-roles", "accept", note="AWS Role sample; verifies with its embedded cert"),
    "okta-08": Expectation("aws-roles", "parse_only", core_code="key_invalid", note="certificate redacted"),
    "azuread-02": Expectation("aws-roles", "parse_only", core_code=_BAD, note="edited after signing"),
    "google-02": Expectation("aws-roles", "parse_only", core_code=_BAD, note="edited after signing"),
}


@dataclass(frozen=True, slots=True)
class CorpusSample:
    """One row of ``real/MANIFEST.tsv``."""

    file: str
    source_repo: str
    source_path: str
    source_commit: str
    license: str
    idp_product: str
    signed_parts: str
    algorithms: str
    cert_file: str | None
    """The pinned trust anchor; None when only the signature's KeyInfo carries it ("embedded")."""
    source_expected: str
    """How the SOURCE project's tests treat it (valid / invalid / unknown); not our verdict."""
    reference_time: datetime
    audience: str
    """Verbatim: some are literal, e.g. '"123"' with its quotes, or '{audience}'."""
    acs: str
    notes: str
    encoding: Encoding
    decryption_key_file: str | None
    expected: Expectation
    directory: Path = field(default=REAL, repr=False, compare=False)

    @property
    def id(self) -> str:
        """The short name used in SECURITY.md: adfs-01, oracle-oam-01, ..."""
        return sample_id_of(self.file)

    @property
    def path(self) -> Path:
        return self.directory / self.file

    @property
    def issuer(self) -> str | None:
        match = re.search(r"issuer=(\S+?)\.? features:", self.notes)
        return match.group(1) if match else None

    def raw(self) -> bytes:
        return self.path.read_bytes()

    def data(self) -> bytes:
        """The XML bytes: base64 decoded; okta-03's raw DEFLATE inflated (POST never inflates: tests only)."""
        raw = self.raw()
        if self.encoding == "xml":
            return raw
        decoded = base64.b64decode(b"".join(raw.split()), validate=True)
        if self.encoding == "base64+deflate":
            return zlib.decompress(decoded, -15)
        return decoded

    def cert_pem(self) -> bytes | None:
        return (self.directory / self.cert_file).read_bytes() if self.cert_file else None

    def trusted_keys(self, signature: etree._Element) -> list[TrustedKey]:
        """The pinned key; for "embedded" rows the signature's own X509Certificate (self-consistent only)."""
        pem = self.cert_pem()
        if pem is not None:
            return [TrustedKey.from_pem(pem, label=self.cert_file or "")]
        return [TrustedKey.from_der_b64(embedded_certificate(signature), label="embedded")]

    def decryption_keys(self) -> tuple[KeyPair, ...]:
        """The published SP test key, as a KeyPair (with a throwaway self-signed certificate)."""
        if self.decryption_key_file is None:
            return ()
        return (_keypair_for(self.directory / self.decryption_key_file),)


def sample_id_of(file: str) -> str:
    match = re.match(r"(.+?-\d\d)(?:-|\.)", file)
    return match.group(1) if match else file


def embedded_certificate(signature: etree._Element) -> str:
    """Body of the first KeyInfo/X509Data/X509Certificate of a ds:Signature ("" when there is none)."""
    for key_info in signature.iterchildren(NS.ds("KeyInfo")):
        for data in key_info.iterchildren(NS.ds("X509Data")):
            for cert in data.iterchildren(NS.ds("X509Certificate")):
                return cert.text or ""
    return ""


@cache
def _keypair_for(path: Path) -> KeyPair:
    return KeyPair.from_private_pem(path.read_bytes(), common_name=path.name[:60])


def _encoding(notes: str) -> Encoding:
    match = re.search(r"encoding=(\S+?)\.", notes)
    value = match.group(1) if match else ""
    if value not in ("xml", "base64", "base64+deflate"):
        raise ValueError(f"unknown encoding {value!r} in MANIFEST notes")
    return value  # type: ignore[return-value]


def _row(values: dict[str, str], directory: Path) -> CorpusSample:
    file = values["file"]
    cert = values["cert_file_or_embedded"].split(" ")[0]
    key_file = file.rsplit(".", 1)[0] + ".sp-decryption-key.TESTKEY.pem"
    if sample_id_of(file) not in EXPECTATIONS:
        raise KeyError(f"{file}: no SECURITY.md 3.2 expectation recorded in tests/vectors/corpus.py")
    return CorpusSample(
        file=file,
        source_repo=values["source_repo"],
        source_path=values["source_path"],
        source_commit=values["source_commit"],
        license=values["license_of_source_repo"],
        idp_product=values["idp_product"],
        signed_parts=values["signed_parts"],
        algorithms=values["algorithms"],
        cert_file=None if cert == "embedded" else cert,
        source_expected=values["expected"],
        reference_time=parse_instant(values["reference_time"]),
        audience=values["sp_entity_id/audience"],
        acs=values["acs/destination"],
        notes=values["notes"],
        encoding=_encoding(values["notes"]),
        decryption_key_file=key_file if (directory / key_file).is_file() else None,
        expected=EXPECTATIONS[sample_id_of(file)],
        directory=directory,
    )


@cache
def load_corpus(directory: Path = REAL) -> tuple[CorpusSample, ...]:
    """Every row of MANIFEST.tsv, in file order (read with QUOTE_NONE: some values carry literal quotes)."""
    with open(directory / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return tuple(_row(values, directory) for values in reader)


def sample(sample_id: str) -> CorpusSample:
    """One row by its short id (``sample("okta-01")``)."""
    for row in load_corpus():
        if row.id == sample_id:
            return row
    raise KeyError(sample_id)


@dataclass(frozen=True, slots=True)
class MetadataSample:
    """One row of ``real/metadata/MANIFEST.tsv``."""

    file: str
    source_repo: str
    source_path: str
    source_commit: str
    license: str
    idp_product: str
    entity_ids: tuple[str, ...]
    signed: bool
    notes: str

    @property
    def path(self) -> Path:
        return REAL / "metadata" / self.file

    def data(self) -> bytes:
        return self.path.read_bytes()


@cache
def load_metadata_corpus() -> tuple[MetadataSample, ...]:
    with open(REAL / "metadata" / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return tuple(
            MetadataSample(
                file=v["file"],
                source_repo=v["source_repo"],
                source_path=v["source_path"],
                source_commit=v["source_commit"],
                license=v["license_of_source_repo"],
                idp_product=v["idp_product"],
                entity_ids=tuple(v["entityIDs"].split()),
                signed=v["metadata_signed"] == "yes",
                notes=v["notes"],
            )
            for v in reader
        )
