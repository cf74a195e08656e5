"""``IdentityProvider``: issue signed (optionally encrypted) SAML responses, AWS-ready or generic.

Invariants this module owns:

* Rule 1: the pipeline has fixed stages, and every fault hooks into exactly one of them: resolve the values
  (``ResponseSpec``), build the tree (lxml only, J1), edit before signing, sign the Assertion, encrypt it,
  sign the Response, edit after signing, serialise once, edit the bytes.
* Rule 2: the newest key (the last one) signs; every key is published in metadata (key rollover).
* Rule 3: ``now`` is resolved once, at the top of a public call; IDs come from the injected ``id_source``.
  Nothing else reads the clock or the RNG (apart from the content key and nonce of encryption).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from lxml import etree

from saml_core import KeyPair
from saml_core import SAMLError
from saml_core import TrustedKey
from saml_core import encrypt_element
from saml_core import new_id
from saml_core import serialize
from saml_core import sign_enveloped
from saml_core.constants import AWS_ATTR_PREFIX
from saml_core.constants import NS
from saml_core.constants import BlockCipher
from saml_core.constants import DigestMethod
from saml_core.constants import NameIDFormat
from saml_core.constants import SignatureMethod

from ._aws import AwsRole
from ._aws import aws_audience
from ._aws import aws_claims
from ._aws import aws_recipient
from ._build import Attribute
from ._build import ResponseSpec
from ._build import build_response
from ._errors import IdPError
from ._fault import Draft
from ._fault import Fault
from ._options import MAX_LIFETIME
from ._options import SIGN_MODES as SIGN_MODES
from ._options import IssueOptions
from ._options import SignMode as SignMode
from ._options import attributes_from
from ._options import check_text
from ._options import issue_options
from ._options import resolve_now

_NOT_BEFORE_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedResponse:
    """One issued ``samlp:Response``: the exact bytes, their base64, and what they were issued for."""

    xml: bytes
    """The serialised Response (UTF-8, no XML declaration)."""
    b64: str
    """``base64(xml)``: the ``SAMLResponse`` form field of the HTTP-POST binding."""
    response_id: str
    assertion_id: str
    recipient: str
    """SubjectConfirmationData/@Recipient: where the browser must POST it."""
    audience: str | None
    destination: str | None
    issue_instant: datetime
    not_on_or_after: datetime
    faults: tuple[str, ...] = ()
    """Names of the faults applied (empty for a good response)."""


class IdentityProvider:
    """A SAML 2.0 IdP: an entity ID and signing keys (oldest to newest; the last one signs)."""

    def __init__(
        self,
        entity_id: str,
        keys: KeyPair | Sequence[KeyPair],
        *,
        sso_url: str | None = None,
        slo_url: str | None = None,
        id_source: Callable[[], str] = new_id,
    ) -> None:
        if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > 1024:
            raise IdPError("the entity ID must be a non-empty URI of at most 1024 characters")
        check_text(entity_id, "the entity ID")
        key_list = (keys,) if isinstance(keys, KeyPair) else tuple(keys)
        if not key_list or not all(isinstance(k, KeyPair) for k in key_list):
            raise IdPError("keys must be a KeyPair or a non-empty list of KeyPairs (oldest to newest)")
        self.entity_id = entity_id
        self.keys: tuple[KeyPair, ...] = key_list
        self.sso_url = sso_url
        self.slo_url = slo_url
        self.id_source = id_source
        self._untrusted: KeyPair | None = None

    def __repr__(self) -> str:
        return f"IdentityProvider({self.entity_id!r}, keys={len(self.keys)})"

    @property
    def signing_key(self) -> KeyPair:
        """The newest key: the one that signs."""
        return self.keys[-1]

    @property
    def trusted_keys(self) -> tuple[TrustedKey, ...]:
        """The public halves of every key, as a verifier pins them."""
        return tuple(k.trusted for k in self.keys)

    @property
    def certificates(self) -> tuple[bytes, ...]:
        """Every certificate (PEM), oldest first: what metadata publishes."""
        return tuple(k.cert_pem for k in self.keys)

    # ---------------------------------------------------------------------------------------- issuing

    def issue_aws(
        self,
        *,
        name_id: str,
        roles: Sequence[AwsRole],
        session_name: str,
        session_duration: int | None = None,
        source_identity: str | None = None,
        principal_tags: Mapping[str, str] | None = None,
        transitive_tag_keys: Sequence[str] = (),
        attributes: Mapping[str, Sequence[str]] | None = None,
        name_id_format: NameIDFormat | str | None = NameIDFormat.PERSISTENT,
        partition: str = "aws",
        region: str | None = None,
        recipient: str | None = None,
        audience: str | None = None,
        in_response_to: str | None = None,
        lifetime: int = 300,
        sign: SignMode = "both",
        signature_method: SignatureMethod | str | None = None,
        encrypt_to: TrustedKey | KeyPair | None = None,
        provider_uuid: str | None = None,
        faults: Sequence[str | Fault] = (),
        now: datetime | None = None,
        session_index: str | None = None,
    ) -> IssuedResponse:
        """A Response for AWS sign-in: every AWS attribute checked against AWS's rules (AWS.md section 1).

        Recipient and Destination default to the partition's (regional) sign-in URL, with
        ``/saml/acs/{provider_uuid}`` when ``provider_uuid`` is given; the Audience to the partition's.
        """
        moment = resolve_now(now)
        claims = aws_claims(
            roles=roles,
            session_name=session_name,
            partition=partition,
            session_duration=session_duration,
            source_identity=source_identity,
            principal_tags=principal_tags,
            transitive_tag_keys=transitive_tag_keys,
        )
        extra = attributes_from(attributes)
        if any(a.name.startswith(AWS_ATTR_PREFIX) for a in extra):
            raise IdPError("pass AWS attributes through their own parameters (roles, session_name, ...)")
        aws_attrs = tuple(Attribute(name, values) for name, values in claims.attributes())
        target = recipient if recipient is not None else aws_recipient(partition, region, provider_uuid)
        options = issue_options(sign, signature_method, encrypt_to, faults)
        spec = self._spec(
            name_id=name_id,
            name_id_format=name_id_format,
            recipient=target,
            audience=audience if audience is not None else aws_audience(partition),
            attributes=aws_attrs + extra,
            in_response_to=in_response_to,
            lifetime=lifetime,
            session_index=session_index,
            now=moment,
        )
        return self._issue(spec, moment, options)

    def issue(
        self,
        *,
        name_id: str,
        acs_url: str,
        audience: str,
        attributes: Mapping[str, Sequence[str]] | None = None,
        name_id_format: NameIDFormat | str | None = NameIDFormat.UNSPECIFIED,
        in_response_to: str | None = None,
        lifetime: int = 300,
        sign: SignMode = "both",
        signature_method: SignatureMethod | str | None = None,
        encrypt_to: TrustedKey | KeyPair | None = None,
        faults: Sequence[str | Fault] = (),
        now: datetime | None = None,
        session_index: str | None = None,
    ) -> IssuedResponse:
        """A Response for any SP: Recipient and Destination ``acs_url``, Audience ``audience``."""
        moment = resolve_now(now)
        options = issue_options(sign, signature_method, encrypt_to, faults)
        spec = self._spec(
            name_id=name_id,
            name_id_format=name_id_format,
            recipient=acs_url,
            audience=audience,
            attributes=attributes_from(attributes),
            in_response_to=in_response_to,
            lifetime=lifetime,
            session_index=session_index,
            now=moment,
        )
        return self._issue(spec, moment, options)

    def metadata(self, *, valid_until: datetime | None = None) -> bytes:
        """The IdP EntityDescriptor: all signing certificates (rollover), SSO/SLO URLs, NameID formats."""
        from metadata import build_idp_metadata

        return build_idp_metadata(
            entity_id=self.entity_id,
            sso_url=self.sso_url or _default_endpoint(self.entity_id, "sso"),
            slo_url=self.slo_url,
            signing_certs=list(self.certificates),
            valid_until=valid_until,
            name_id_formats=[f.value for f in _METADATA_NAME_ID_FORMATS],
        )

    # -------------------------------------------------------------------------------------- internals

    def _issue(self, spec: ResponseSpec, now: datetime, options: IssueOptions) -> IssuedResponse:
        """Build, fault, sign, encrypt and serialise one response from its validated spec."""
        for fault in options.faults:
            if fault.edit_spec is not None:
                spec = fault.edit_spec(spec)
        response, assertion = build_response(spec)
        draft = Draft(
            spec=spec, response=response, assertion=assertion, signer=self._signer(options), now=now
        )
        for fault in options.faults:
            if fault.edit_tree is not None:
                fault.edit_tree(draft)
        self._sign_and_encrypt(draft, options)
        for fault in options.faults:
            if fault.edit_signed is not None:
                fault.edit_signed(draft)
        xml = serialize(draft.response)
        for fault in options.faults:
            if fault.edit_bytes is not None:
                xml = fault.edit_bytes(xml)
        return IssuedResponse(
            xml=xml,
            b64=base64.b64encode(xml).decode("ascii"),
            response_id=spec.response_id,
            assertion_id=spec.assertion_id,
            recipient=spec.recipient,
            audience=spec.audiences[0] if spec.audiences else None,
            destination=spec.destination,
            issue_instant=spec.issue_instant,
            not_on_or_after=spec.not_on_or_after,
            faults=tuple(f.name for f in options.faults),
        )

    def _spec(
        self,
        *,
        name_id: str,
        name_id_format: NameIDFormat | str | None,
        recipient: str,
        audience: str,
        attributes: tuple[Attribute, ...],
        in_response_to: str | None,
        lifetime: int,
        session_index: str | None,
        now: datetime,
    ) -> ResponseSpec:
        if not isinstance(name_id, str) or not name_id.strip():
            raise IdPError("name_id must be a non-empty string")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 1 <= lifetime <= MAX_LIFETIME:
            raise IdPError(f"lifetime must be 1-{MAX_LIFETIME} seconds, got {lifetime!r}")
        for label, text in (
            ("name_id", name_id),
            ("recipient", recipient),
            ("audience", audience),
            ("in_response_to", in_response_to or ""),
            ("session_index", session_index or ""),
        ):
            check_text(text, label)
        if not recipient or not audience:
            raise IdPError("recipient and audience must be non-empty")
        fmt = name_id_format.value if isinstance(name_id_format, NameIDFormat) else name_id_format
        if fmt is not None:
            check_text(fmt, "name_id_format")
        return ResponseSpec(
            response_id=self.id_source(),
            assertion_id=self.id_source(),
            issuer=self.entity_id,
            issue_instant=now,
            not_before=now - _NOT_BEFORE_MARGIN,
            not_on_or_after=now + timedelta(seconds=lifetime),
            authn_instant=now,
            destination=recipient,
            recipient=recipient,
            audiences=(audience,),
            name_id=name_id,
            name_id_format=fmt,
            in_response_to=in_response_to,
            session_index=session_index or self.id_source(),
            attributes=attributes,
        )

    def _signer(self, options: IssueOptions) -> KeyPair:
        if any(f.untrusted_key for f in options.faults):
            if self._untrusted is None:
                name = "untrusted-fault-key"
                if self.signing_key.kind == "ec":
                    self._untrusted = KeyPair.generate("ec-p256", common_name=name)
                else:
                    self._untrusted = KeyPair.generate("rsa-2048", common_name=name)
            return self._untrusted
        return self.signing_key

    def _sign_and_encrypt(self, draft: Draft, options: IssueOptions) -> None:
        method, digest = options.signature_method, DigestMethod.SHA256
        if any(f.sha1 for f in options.faults):
            if draft.signer.kind != "rsa":
                raise IdPError("the sha1-signature fault needs an RSA signing key")
            method, digest = SignatureMethod.RSA_SHA1, DigestMethod.SHA1
        assertion = draft.assertion
        if assertion is None:
            raise IdPError("the assertion was removed before signing")
        if options.sign in ("assertion", "both"):
            _sign(assertion, draft.signer, method, digest)
        if options.encrypt_to is not None:
            wrapper = etree.Element(NS.saml("EncryptedAssertion"))
            wrapper.append(_encrypt(assertion, options.encrypt_to))
            assertion.addprevious(wrapper)
            draft.response.remove(assertion)
            draft.assertion = None
        if options.sign in ("response", "both"):
            _sign(draft.response, draft.signer, method, digest)


# ---------------------------------------------------------------------------------------------- helpers

_METADATA_NAME_ID_FORMATS = (
    NameIDFormat.PERSISTENT,
    NameIDFormat.TRANSIENT,
    NameIDFormat.EMAIL,
    NameIDFormat.UNSPECIFIED,
)


def _default_endpoint(entity_id: str, path: str) -> str:
    if entity_id.startswith(("https://", "http://")):
        return entity_id.rstrip("/") + "/" + path
    return f"https://idp.invalid/{path}"


def _sign(
    element: etree._Element, keys: KeyPair, method: SignatureMethod | None, digest: DigestMethod
) -> None:
    try:
        sign_enveloped(element, keys, method=method, digest=digest)
    except SAMLError as error:
        raise IdPError(f"cannot sign: {error.detail or error.message}") from None


def _encrypt(assertion: etree._Element, recipient: TrustedKey) -> etree._Element:
    try:
        return encrypt_element(assertion, recipient, cipher=BlockCipher.AES256_GCM)
    except SAMLError:
        raise IdPError("cannot encrypt to this certificate: the SP's encryption key must be RSA") from None
