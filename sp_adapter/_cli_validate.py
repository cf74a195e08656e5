"""``saml-sp validate``: the validator on the command line (INTERFACES.md).

Prints the validated-assertion JSON on stdout and exits 0; a rejection prints one error (JSON on stderr when
``--json`` is given or stderr is not a terminal) and exits 1; a usage or configuration error exits 2.

``validation_options`` and ``ValidationSetup.from_options`` are shared with ``saml-sp exchange``, which takes
"the validate options".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import TypeVar

import click
from cryptography.hazmat.primitives.asymmetric import rsa

from saml_core import KeyPair
from saml_core._bounded import read_file
from saml_core._cli import OneLineErrorsCommand
from saml_core._cli import cli_errors
from saml_core._cli import parse_now
from saml_core.errors import ConfigError
from saml_core.errors import KeyLoadError

from ._errors import MessageTooLarge
from ._policy import Policy
from ._replay import replay_cache_from_url
from ._result import ValidatedAssertion
from ._trust import Trust
from ._validate import ReplayCheck
from ._validate import validate_response

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--idp-metadata",
        "idp_metadata",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="IdP metadata file (repeatable); every signing certificate is trusted.",
    ),
    click.option(
        "--idp-cert",
        "idp_cert",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Pinned IdP certificate, PEM (repeatable for rollover); needs --issuer.",
    ),
    click.option("--issuer", help="The IdP entity ID the pinned --idp-cert belongs to."),
    click.option(
        "--aws", "aws", is_flag=True, help="AWS sign-in: AWS audiences, recipients and attribute rules."
    ),
    click.option("--partition", default="aws", show_default=True, help="AWS partition for --aws."),
    click.option("--region", "regions", multiple=True, help="Accept only these regions' recipients (--aws)."),
    click.option("--provider-uuid", help="The SAML provider's IdP-ID: accept /saml/acs/{IdP-ID} (--aws)."),
    click.option(
        "--encryption-required",
        is_flag=True,
        help="AssertionEncryptionMode=Required: only encrypted assertions to /saml/acs/{IdP-ID}.",
    ),
    click.option("--audience", "audiences", multiple=True, help="Allowed Audience (repeatable; generic SP)."),
    click.option(
        "--recipient", "recipients", multiple=True, help="Allowed Recipient/Destination (repeatable)."
    ),
    click.option(
        "--now",
        "now_text",
        help="Validate at this ISO 8601 instant (with zone; years 1971-9899), not the clock.",
    ),
    click.option("--clock-skew", type=click.IntRange(0, 600), default=None, help="Seconds of skew [180]."),
    click.option("--in-response-to", "request_id", help="The AuthnRequest ID this response must answer."),
    click.option("--allow-sha1", is_flag=True, help="Accept RSA-SHA1 / SHA-1 signatures (explicit opt-in)."),
    click.option(
        "--min-rsa-bits",
        type=click.IntRange(1024, 16384),
        default=None,
        help="Smallest RSA key accepted [2048]; 1024 only by explicit opt-in.",
    ),
    click.option("--require-signed-assertion", is_flag=True, help="Require the Assertion's own signature."),
    click.option(
        "--decrypt-key",
        "decrypt_key",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="The SP's private key (PEM) for EncryptedAssertion (repeatable).",
    ),
    click.option(
        "--replay-cache", help="memory://, sqlite:///rel.db, sqlite:////abs.db or redis://host:port/db."
    ),
]


def validation_options(function: F) -> F:
    """Every option of ``saml-sp validate`` except INPUT and --json (shared with ``exchange``)."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


@dataclass(frozen=True, slots=True)
class ValidationSetup:
    """What the options resolve to: everything ``validate_response`` needs besides the data."""

    trust: Trust
    policy: Policy
    now: datetime | None
    request_id: str | None
    replay_cache: ReplayCheck | None
    decrypt_keys: tuple[KeyPair, ...]

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> ValidationSetup:
        """Load keys and files once; raises ConfigError/KeyLoadError (exit 2) on bad configuration."""
        now = _parse_now(options.get("now_text"))
        return cls(
            trust=_trust(options),
            policy=_policy(options),
            now=now,
            request_id=options.get("request_id"),
            replay_cache=replay_cache_from_url(options["replay_cache"])
            if options.get("replay_cache")
            else None,
            decrypt_keys=tuple(_decryption_key(read_file(path)) for path in options.get("decrypt_key", ())),
        )

    def validate(self, data: bytes) -> ValidatedAssertion:
        return validate_response(
            data,
            trust=self.trust,
            policy=self.policy,
            now=self.now,
            request_id=self.request_id,
            replay_cache=self.replay_cache,
            decrypt_keys=self.decrypt_keys,
        )


def _parse_now(text: str | None) -> datetime | None:
    return None if text is None else parse_now(text)


def _trust(options: dict[str, Any]) -> Trust:
    certs: Sequence[str] = options.get("idp_cert", ())
    metadata: Sequence[str] = options.get("idp_metadata", ())
    issuer: str = options.get("issuer") or ""
    if certs and not issuer:
        raise ConfigError("--idp-cert needs --issuer (the IdP entity ID)")
    if issuer and not certs:
        raise ConfigError("--issuer needs --idp-cert")
    if not certs and not metadata:
        raise ConfigError("no trusted IdP: pass --idp-metadata FILE or --idp-cert PEM --issuer URI")
    trusts: list[Trust] = []
    if metadata:
        trusts.append(Trust.from_metadata([read_file(path) for path in metadata]))
    if certs:
        trusts.append(Trust.from_certificates(issuer, [read_file(path) for path in certs]))
    combined = trusts[0]
    for other in trusts[1:]:
        combined = combined | other
    return combined


def _policy(options: dict[str, Any]) -> Policy:
    common: dict[str, Any] = {
        "allow_sha1": bool(options.get("allow_sha1")),
        "require_signed_assertion": bool(options.get("require_signed_assertion")),
    }
    if options.get("clock_skew") is not None:
        common["clock_skew"] = options["clock_skew"]
    if options.get("min_rsa_bits") is not None:
        common["min_rsa_bits"] = options["min_rsa_bits"]
    audiences, recipients = options.get("audiences", ()), options.get("recipients", ())
    if options.get("aws"):
        if audiences or recipients:
            raise ConfigError(
                "--aws sets the audiences and recipients; do not combine it with --audience/--recipient"
            )
        return Policy.aws(
            partition=options.get("partition") or "aws",
            regions=options.get("regions") or None,
            provider_uuid=options.get("provider_uuid"),
            encryption_required=bool(options.get("encryption_required")),
            **common,
        )
    if not audiences or not recipients:
        raise ConfigError("pass --aws, or --audience URI and --recipient URL for a generic SP")
    return Policy(audiences=tuple(audiences), recipients=tuple(recipients), **common)


def _decryption_key(pem: bytes) -> KeyPair:
    """The SP's private key; a certificate in the same file is used, else ``KeyPair.from_private_pem`` makes a
    placeholder one in memory (decryption uses only the private key). Key transport is RSA-OAEP: RSA only."""
    cert_pem = _first_certificate(pem)
    keys = KeyPair.from_pem(pem, cert_pem) if cert_pem is not None else KeyPair.from_private_pem(pem)
    if not isinstance(keys.private_key, rsa.RSAPrivateKey):
        raise KeyLoadError("the decryption key must be an RSA private key")
    return keys


def _first_certificate(pem: bytes) -> bytes | None:
    begin = pem.find(b"-----BEGIN CERTIFICATE-----")
    if begin < 0:
        return None
    end = pem.find(b"-----END CERTIFICATE-----", begin)
    return pem[begin : end + len(b"-----END CERTIFICATE-----")] if end > 0 else None


INPUT_LIMIT = 1024 * 1024
"""Bytes read from INPUT at most: above every policy's size limit, so a verdict never changes, while
``/dev/zero`` or an endless pipe ends as ``too_large`` instead of filling memory (R1)."""


def read_input(source: str, limit: int = INPUT_LIMIT) -> bytes:
    """INPUT or '-' (stdin): base64 as POSTed, or raw XML; at most ``limit`` bytes."""
    return read_file(source, limit=limit, too_large=MessageTooLarge)


@click.command(cls=OneLineErrorsCommand)
@validation_options
@click.option("--json", "json_mode", is_flag=True, default=None, help="Errors as JSON even on a terminal.")
@click.argument("source", metavar="[INPUT|-]", default="-", required=False)
def validate_command(source: str, json_mode: bool | None, **options: Any) -> None:
    """Validate a SAML response and print the validated assertion as JSON.

    INPUT is a file holding the base64 SAMLResponse (as POSTed) or the raw XML; '-' or nothing reads stdin.
    Exit codes: 0 accepted, 1 rejected (a validation verdict), 2 usage or configuration error.
    """
    with cli_errors(json_mode=json_mode or None):
        setup = ValidationSetup.from_options(options)
        data = read_input(source)
        assertion = setup.validate(data)
        click.echo(json.dumps(assertion.to_json(), indent=2, sort_keys=False))
