"""``saml-metadata``: generate, sign, verify, inspect, diff and fetch SAML metadata; keep IAM in sync.

Exit codes (INTERFACES.md): 0 success, 1 the input was rejected (a bad signature, expired metadata, a diff
with changes, a trust policy that misses something, a failed AWS call), 2 usage or configuration error.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import SignaturePolicy
from saml_core import TrustedKey
from saml_core import format_instant
from saml_core._cli import OneLineErrorsGroup
from saml_core._keys import KeyAlgorithm
from saml_core._url import check_url
from saml_core.errors import ConfigError

from . import remote
from ._cli_aws import aws_sp_command
from ._cli_aws import aws_sync_command
from ._cli_aws import trust_policy_command
from ._cli_common import NOW_OPTION
from ._cli_common import emit_document
from ._cli_common import emit_json
from ._cli_common import errors_handled
from ._cli_common import read_bytes
from ._cli_common import resolve_now
from ._diff import diff
from ._duration import parse_duration
from ._errors import MetadataError
from ._files import write_new
from ._inspect import inspect
from ._parse import parse
from ._parse import parse_tree
from ._render import build_idp_metadata
from ._render import build_sp_metadata
from ._sign import sign
from ._sign import verify_detailed

CERT_HELP = "A PEM certificate file."


def _duration_option(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    """An xs:duration flag value; a bad one is a usage error (exit 2), not a metadata verdict."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except MetadataError as error:
        raise click.BadParameter(error.message, ctx=ctx, param=param) from None


@click.group(cls=OneLineErrorsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "json_errors", is_flag=True, help="Print errors as one JSON object on stderr.")
def main(json_errors: bool) -> None:
    """Generate, sign, verify, inspect and diff SAML metadata; keep IAM in sync.

    Exit codes: 0 success, 1 rejected (bad signature, expired, changes found, AWS refused), 2 usage or
    configuration error.
    """


@main.command("keygen")
@click.option(
    "--key-out", required=True, type=click.Path(dir_okay=False), help="Private key file (mode 0600)."
)
@click.option(
    "--cert-out", required=True, type=click.Path(dir_okay=False), help="Self-signed certificate file."
)
@click.option("--common-name", default="saml-aws-toolkit", show_default=True, help="Certificate subject CN.")
@click.option(
    "--days", default=3650, show_default=True, type=click.IntRange(1, 36500), help="Validity in days."
)
@click.option(
    "--algorithm",
    type=click.Choice(["rsa-2048", "rsa-3072", "ec-p256"]),
    default="rsa-2048",
    show_default=True,
    help="Key type.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@errors_handled
def keygen_command(
    key_out: str, cert_out: str, common_name: str, days: int, algorithm: str, force: bool
) -> None:
    """Create a signing key and a self-signed certificate; never overwrites without --force."""
    if not force:
        for path in (key_out, cert_out):
            if Path(path).exists():
                raise ConfigError(f"{path} exists; pass --force to overwrite it")
    alg: KeyAlgorithm = (
        "rsa-3072" if algorithm == "rsa-3072" else "ec-p256" if algorithm == "ec-p256" else "rsa-2048"
    )
    keys = KeyPair.generate(alg, common_name=common_name, days=days)
    write_new(key_out, keys.key_pem, mode=0o600, force=force)
    write_new(cert_out, keys.cert_pem, mode=0o644, force=force)
    emit_json(
        {
            "key": key_out,
            "cert": cert_out,
            "algorithm": algorithm,
            "sha256": keys.trusted.fingerprint_sha256,
            "not_after": format_instant(keys.certificate.not_valid_after_utc),
        }
    )


@main.command("idp")
@click.option("--entity-id", required=True, help="The IdP entityID (a URI).")
@click.option("--sso-url", required=True, help="SingleSignOnService location (Redirect and POST).")
@click.option("--slo-url", help="SingleLogoutService location.")
@click.option(
    "--cert", "certs", multiple=True, required=True, help="Signing certificate; repeat for a rollover."
)
@click.option("--encryption-cert", help="Certificate published with use=encryption.")
@click.option("--valid-days", type=click.IntRange(1, 3650), help="Set validUntil this many days ahead.")
@click.option(
    "--cache-duration", callback=_duration_option, help="Set cacheDuration (xs:duration, e.g. PT6H)."
)
@click.option("--sign-key", help="Sign the document with this private key (PEM) ...")
@click.option("--sign-cert", help="... and this certificate.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@NOW_OPTION
@errors_handled
def idp_command(
    entity_id: str,
    sso_url: str,
    slo_url: str | None,
    certs: tuple[str, ...],
    encryption_cert: str | None,
    valid_days: int | None,
    cache_duration: timedelta | None,
    sign_key: str | None,
    sign_cert: str | None,
    out: str | None,
    now_text: str | None,
) -> None:
    """IdP metadata. Several --cert publish old and new keys together (rollover), oldest first."""
    now = resolve_now(now_text).replace(microsecond=0)
    xml = build_idp_metadata(
        entity_id=entity_id,
        sso_url=sso_url,
        slo_url=slo_url,
        signing_certs=[read_bytes(c) for c in certs],
        encryption_cert=read_bytes(encryption_cert) if encryption_cert else None,
        valid_until=now + timedelta(days=valid_days) if valid_days else None,
        cache_duration=cache_duration,
    )
    emit_document(_maybe_sign(xml, sign_key, sign_cert), out)


@main.command("sp")
@click.option("--entity-id", required=True, help="The SP entityID (a URI).")
@click.option(
    "--acs-url", "acs_urls", multiple=True, required=True, help="AssertionConsumerService (POST); repeat."
)
@click.option("--slo-url", help="SingleLogoutService location.")
@click.option("--cert", help="Signing certificate (use=signing).")
@click.option("--encryption-cert", help="Certificate the IdP encrypts assertions to (use=encryption).")
@click.option("--want-assertions-signed", is_flag=True, help="Set WantAssertionsSigned=true.")
@click.option("--authn-requests-signed", is_flag=True, help="Set AuthnRequestsSigned=true.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@errors_handled
def sp_command(
    entity_id: str,
    acs_urls: tuple[str, ...],
    slo_url: str | None,
    cert: str | None,
    encryption_cert: str | None,
    want_assertions_signed: bool,
    authn_requests_signed: bool,
    out: str | None,
) -> None:
    """SP metadata: HTTP-POST AssertionConsumerService(s), the first one the default."""
    xml = build_sp_metadata(
        entity_id=entity_id,
        acs_url=list(acs_urls),
        slo_url=slo_url,
        signing_cert=read_bytes(cert) if cert else None,
        encryption_cert=read_bytes(encryption_cert) if encryption_cert else None,
        want_assertions_signed=want_assertions_signed,
        authn_requests_signed=authn_requests_signed,
    )
    emit_document(xml, out)


@main.command("sign")
@click.argument("file")
@click.option("--key", required=True, help="Private key (PEM).")
@click.option("--cert", required=True, help=CERT_HELP)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically) instead of stdout.")
@errors_handled
def sign_command(file: str, key: str, cert: str, out: str | None) -> None:
    """Sign FILE (enveloped, RSA-SHA256 / ECDSA, Signature first); an existing root signature is replaced."""
    emit_document(_maybe_sign(read_bytes(file), key, cert), out)


def _maybe_sign(xml: bytes, key: str | None, cert: str | None) -> bytes:
    if (key is None) != (cert is None):
        raise click.UsageError("give both the key and the certificate to sign with")
    if key is None or cert is None:
        return xml
    return sign(xml, KeyPair.from_pem(read_bytes(key), read_bytes(cert)))


@main.command("verify")
@click.argument("file")
@click.option(
    "--cert", "certs", multiple=True, required=True, help="Pinned certificate; repeat during a rollover."
)
@click.option("--allow-sha1", is_flag=True, help="Accept rsa-sha1 / sha1 signatures.")
@click.option("--min-rsa-bits", type=click.IntRange(1024, 16384), default=2048, show_default=True)
@NOW_OPTION
@errors_handled
def verify_command(
    file: str, certs: tuple[str, ...], allow_sha1: bool, min_rsa_bits: int, now_text: str | None
) -> None:
    """Verify FILE's signature with the pinned certificate(s) only and its validUntil. Exit 0 valid, 1 not."""
    policy = SignaturePolicy(allow_sha1=allow_sha1, min_rsa_bits=min_rsa_bits)
    keys = [TrustedKey.from_pem(read_bytes(c)) for c in certs]
    model, verified = verify_detailed(read_bytes(file), keys, now=resolve_now(now_text), policy=policy)
    entities = list(model.entities) if hasattr(model, "entities") else [model]
    emit_json(
        {
            "valid": True,
            "entity_ids": [e.entity_id for e in entities],
            "valid_until": format_instant(model.valid_until) if model.valid_until else None,
            "signature_method": verified.method.value,
            "digest_method": verified.digest.value,
            "signed_by": verified.key.fingerprint_sha256,
        }
    )


@main.command("inspect")
@click.argument("file")
@click.option(
    "--warn-days", type=click.IntRange(0, 3650), default=30, show_default=True, help="Expiry horizon."
)
@click.option("--strict", is_flag=True, help="Exit 1 when there is any warning.")
@NOW_OPTION
@errors_handled
def inspect_command(file: str, warn_days: int, strict: bool, now_text: str | None) -> None:
    """JSON: entity IDs, roles, endpoints, certificates (sha256, key size, not_after), validUntil, warnings.

    The signature is not verified here (use verify); its algorithms are reported.
    """
    data = read_bytes(file)
    report = inspect(parse(data), now=resolve_now(now_text), warn_days=warn_days, root=parse_tree(data))
    emit_json(report)
    if strict and report["warnings"]:
        raise SystemExit(1)


@main.command("diff")
@click.argument("old")
@click.argument("new")
@errors_handled
def diff_command(old: str, new: str) -> None:
    """What changed for trust between OLD and NEW. Exit 0: nothing; 1: changes (see "impact"); 2: error."""
    report = diff(parse(read_bytes(old)), parse(read_bytes(new)))
    emit_json(report)
    if report["changed"]:
        raise SystemExit(1)


@main.command("fetch")
@click.argument("url")
@click.option(
    "--cert", "certs", multiple=True, required=True, help="Pinned signing certificate of the publisher."
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Keep the verified copy here (+ FILE.state.json)."
)
@click.option("--entity-id", help="Require this entity in the document.")
@click.option("--if-stale", is_flag=True, help="Skip the request while the copy is within cacheDuration.")
@click.option("--require-valid-until", is_flag=True, help="Refuse documents without validUntil.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True, help="Seconds.")
@NOW_OPTION
@errors_handled
def fetch_command(
    url: str,
    certs: tuple[str, ...],
    out: str | None,
    entity_id: str | None,
    if_stale: bool,
    require_valid_until: bool,
    timeout: float,
    now_text: str | None,
) -> None:
    """Fetch signed metadata over HTTP(S); verify the signature, validUntil and cacheDuration.

    With --out the copy is replaced atomically, and only by a valid document; a failed refresh keeps the
    last good copy, prints its state on stdout and exits 1. Without --out the document goes to stdout.
    """
    check_url(url, what="URL")  # a malformed or non-http(s) URL is a usage error (exit 2), not a failed fetch
    now = resolve_now(now_text)
    path = Path(out) if out else None
    keys = [TrustedKey.from_pem(read_bytes(c)) for c in certs]
    try:
        result = remote.fetch_metadata(
            url,
            certs=keys,
            out=path,
            now=now,
            timeout=timeout,
            if_stale=if_stale,
            entity_id=entity_id,
            require_valid_until=require_valid_until,
        )
    except (SAMLError, OSError):
        if path is not None:
            emit_json({"status": "failed", "last_good": remote.last_good(path, now)})
        raise
    if path is None:
        emit_document(result.document, None)
    else:
        emit_json(result.to_json(path))


main.add_command(aws_sp_command, "aws-sp")
main.add_command(aws_sync_command, "aws-sync")
main.add_command(trust_policy_command, "trust-policy")
