"""The real-IdP interop corpus (tests/vectors/real) through saml_core, as SECURITY.md section 3.2 expects.

* Every sample whose signatures 3.2 expects to verify: each ds:Signature verifies where it sits, with the
  row's pinned certificate (or, for "embedded" rows, the certificate from its own KeyInfo), under exactly
  the opt-ins the row needs (SHA-1, the 1024-bit floor); encrypted assertions are decrypted with the
  published TESTKEY and the inner signatures verified too.
* The twin: without those opt-ins the same sample fails with ``algorithm_forbidden`` / ``weak_key``.
* The crypto-broken samples (and the edited AWS-attribute ones) fail with their precise code.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from dataclasses import dataclass

import pytest
from lxml import etree

from saml_core import SignaturePolicy
from saml_core import decrypt_element
from saml_core import parse_xml
from saml_core import validate_schema
from saml_core import verify_enveloped
from saml_core.constants import NS
from saml_core.errors import SAMLError
from tests.vectors.corpus import CorpusSample
from tests.vectors.corpus import load_corpus
from tests.vectors.corpus import load_metadata_corpus
from tests.vectors.corpus import sample

pytestmark = pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")

ROWS = load_corpus()
VERIFYING = [r for r in ROWS if r.expected.core_code is None]
FAILING = [r for r in ROWS if r.expected.core_code is not None]


@dataclass(frozen=True)
class Outcome:
    """What happened to each signature of one sample, in document order (decrypted assertions included)."""

    verified: tuple[str, ...]
    """Local names of the elements whose signature verified (Response, Assertion, ArtifactResponse...)."""
    failed_code: str | None
    decrypted: int


def run(row: CorpusSample, policy: SignaturePolicy) -> Outcome:
    root = parse_xml(row.data())
    verified: list[str] = []
    decrypted = 0
    trees = [root]
    try:
        for encrypted in list(root.iter(NS.saml("EncryptedAssertion"))):
            if row.decryption_keys():
                trees.append(decrypt_element(encrypted, row.decryption_keys()))
                decrypted += 1
        for tree in trees:
            for signature in list(tree.iter(NS.ds("Signature"))):
                parent = signature.getparent()
                assert parent is not None
                verify_enveloped(parent, row.trusted_keys(signature), policy=policy)
                verified.append(etree.QName(parent).localname)
    except SAMLError as error:
        return Outcome(tuple(verified), error.code, decrypted)
    return Outcome(tuple(verified), None, decrypted)


def policy_of(row: CorpusSample) -> SignaturePolicy:
    return SignaturePolicy(allow_sha1=row.expected.allow_sha1, min_rsa_bits=row.expected.min_rsa_bits)


@pytest.mark.parametrize("row", VERIFYING, ids=lambda r: r.id)
def test_signatures_verify(row: CorpusSample) -> None:
    outcome = run(row, policy_of(row))
    assert outcome.failed_code is None
    signed = {"response": 1, "assertion": 1, "both": 2}[row.signed_parts]
    assert len(outcome.verified) >= signed  # ArtifactResponse (shibboleth-01) adds one
    assert outcome.decrypted == (1 if row.decryption_key_file else 0)
    if row.decryption_key_file:
        assert "Assertion" in outcome.verified or row.signed_parts == "response"


@pytest.mark.parametrize("row", [r for r in VERIFYING if r.expected.allow_sha1], ids=lambda r: r.id)
def test_sha1_samples_need_the_opt_in(row: CorpusSample) -> None:
    strict = SignaturePolicy(allow_sha1=False, min_rsa_bits=row.expected.min_rsa_bits)
    assert run(row, strict).failed_code == "algorithm_forbidden"


@pytest.mark.parametrize("row", [r for r in VERIFYING if r.expected.min_rsa_bits < 2048], ids=lambda r: r.id)
def test_1024_bit_samples_need_the_lowered_floor(row: CorpusSample) -> None:
    strict = SignaturePolicy(allow_sha1=row.expected.allow_sha1, min_rsa_bits=2048)
    assert run(row, strict).failed_code == "weak_key"


@pytest.mark.parametrize("row", [r for r in VERIFYING if r.expected.group == "accept"], ids=lambda r: r.id)
def test_accepted_samples_need_no_opt_in(row: CorpusSample) -> None:
    assert run(row, SignaturePolicy()).failed_code is None


@pytest.mark.parametrize("row", [r for r in ROWS if r.expected.verdict == "accept"], ids=lambda r: r.id)
def test_accepted_samples_are_schema_valid(row: CorpusSample) -> None:
    """R10 is not stricter than real IdPs: every sample 3.2 accepts passes the XSDs, decrypted too."""
    root = parse_xml(row.data())
    validate_schema(root, "protocol")
    for encrypted in root.iter(NS.saml("EncryptedAssertion")):
        validate_schema(decrypt_element(encrypted, row.decryption_keys()), "assertion")


@pytest.mark.parametrize("row", FAILING, ids=lambda r: r.id)
def test_broken_samples_fail_with_their_code(row: CorpusSample) -> None:
    outcome = run(row, policy_of(row))
    assert outcome.failed_code == row.expected.core_code


def test_adfs_04_digest_does_not_match_even_read_as_sha384() -> None:
    """adfs-04 names the undefined digest URI xmlenc#sha384 (algorithm_forbidden); the value is wrong too."""
    root = parse_xml(sample("adfs-04").data())
    a = root.find(NS.saml("Assertion"))
    assert a is not None
    digest_value = a.find(
        f"{NS.ds('Signature')}/{NS.ds('SignedInfo')}/{NS.ds('Reference')}/{NS.ds('DigestValue')}"
    )
    assert digest_value is not None
    body = copy.deepcopy(a)
    body.remove(body.find(NS.ds("Signature")))
    ours = hashlib.sha384(etree.tostring(body, method="c14n", exclusive=True)).digest()
    assert base64.b64decode(digest_value.text or "") != ours
    assert len(base64.b64decode(digest_value.text or "")) == len(ours)


@pytest.mark.parametrize("row", [r for r in ROWS if r.expected.rule == "R11"], ids=lambda r: r.id)
def test_r11_samples_have_another_root(row: CorpusSample) -> None:
    assert parse_xml(row.data()).tag != NS.samlp("Response")


def test_oktadev_02_reference_is_the_whole_document() -> None:
    assert b'URI=""' in sample("oktadev-02").data()


def test_auth0_01_signature_sits_after_the_assertion() -> None:
    """Why auth0-01 is a validator reject despite 3.2: its Response Signature is the last child (R10, R14)."""
    root = parse_xml(sample("auth0-01").data())
    assert [etree.QName(c).localname for c in root][-2:] == ["Assertion", "Signature"]


# ---------------------------------------------------------------------------------- the loader itself


def test_manifest_rows_are_complete() -> None:
    assert len(ROWS) == 59
    assert len({r.id for r in ROWS}) == 59
    for row in ROWS:
        assert row.path.is_file(), row.file
        assert row.reference_time.tzinfo is not None
        if row.cert_file is not None:
            assert (row.directory / row.cert_file).is_file(), row.cert_file
        assert row.data().lstrip().startswith((b"<", b"\xef\xbb\xbf<")), row.id


def test_manifest_keeps_literal_values() -> None:
    assert sample("okta-01").audience == '"123"'
    assert sample("onelogin-02").audience == "{audience}"
    assert sample("okta-03").encoding == "base64+deflate"
    assert sample("okta-01").issuer == "http://www.okta.com/exk659aytfMeNI49v0h7"
    assert sample("keycloak-01").cert_file is None


def test_every_decryption_key_loads() -> None:
    rows = [r for r in ROWS if r.decryption_key_file]
    assert len(rows) == 11
    for row in rows:
        (keys,) = row.decryption_keys()
        assert keys.kind == "rsa"


def test_metadata_manifest() -> None:
    rows = load_metadata_corpus()
    assert len(rows) == 7
    assert all(r.path.is_file() and r.data().startswith(b"<") for r in rows)
