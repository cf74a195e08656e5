"""The SSO and SLO handlers of the web IdP: IdP-initiated AWS sign-in, SP-initiated SSO, Single Logout.

Flow of SP-initiated SSO: ``/sso`` (either binding) verifies the AuthnRequest completely (``_web_messages``)
and turns it into a signed ``PendingRequest`` token, then redirects to ``/sso/continue?t=...``; that page
issues the response once a fresh enough session exists (ForceAuthn), answers NoPassive when it cannot
(IsPassive), or sends the user to the login form with the token. The redirect also means a cross-site POST
never has to carry the ``SameSite=Lax`` session cookie.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from saml_core import new_id
from saml_core import utcnow
from saml_core.constants import Binding
from saml_core.constants import NameIDFormat
from saml_core.constants import StatusCode
from saml_core.errors import MalformedXML

from ._aws import AwsRole
from ._issue import IssuedResponse
from ._web_bindings import decode_post
from ._web_bindings import decode_redirect
from ._web_bindings import encode_post
from ._web_bindings import encode_redirect
from ._web_config import user_role
from ._web_errors import RequestRejected
from ._web_http import Site
from ._web_http import continue_url
from ._web_http import login_url
from ._web_http import one_field
from ._web_http import read_form
from ._web_http import redirect
from ._web_messages import IncomingMessage
from ._web_messages import build_logout_response
from ._web_messages import build_status_response
from ._web_messages import read_authn_request
from ._web_messages import read_logout_request
from ._web_pages import post_form_page
from ._web_session import PendingRequest
from ._web_session import SignedIn
from ._web_session import check_csrf
from ._web_session import current_user
from ._web_session import sign_out
from ._web_sps import ServiceProvider
from .config import User


def _signed_in_user(site: Site, request: Request, now: datetime) -> tuple[SignedIn, User]:
    state = current_user(request.session, now)
    user = site.settings.users.get(state.user) if state is not None else None
    if state is None or user is None:
        raise RequestRejected("not_signed_in", "your session has ended; sign in again")
    return state, user


def _post_form(
    site: Site, *, action: str, param: str, message: bytes, relay_state: str | None, target: str
) -> Response:
    page = post_form_page(
        idp_name=site.name,
        action=action,
        param=param,
        message=encode_post(message),
        relay_state=relay_state,
        target=target,
        nonce=secrets.token_urlsafe(16),
    )
    return site.page(page)


# ---------------------------------------------------------------------------- IdP-initiated AWS


async def aws_sign_in(site: Site, request: Request) -> Response:
    """POST /sso/aws: the chosen role (J6: only one of the user's own) in a response for AWS sign-in."""
    fields = await read_form(request)
    check_csrf(request.session, one_field(fields, "csrf_token", required=False, limit=256))
    now = utcnow()
    state, user = _signed_in_user(site, request, now)
    role_arn = one_field(fields, "role", required=False, limit=2048)
    roles: Sequence[AwsRole]
    if role_arn:
        chosen = user_role(user, role_arn)
        if chosen is None:
            raise RequestRejected("role_not_allowed", f"{role_arn[:200]!r} is not one of your roles")
        roles = (chosen,)
    else:
        roles = user.roles
    if not roles:
        raise RequestRejected("role_not_allowed", "no AWS roles are assigned to you")
    sp = site.settings.service_providers.aws_for(
        roles[0].partition, one_field(fields, "sp", required=False, limit=128) or None
    )
    roles = [r for r in roles if r.partition == sp.partition]
    issued = issue_for_aws(site, user, roles, sp, state, now)
    action = issued.recipient
    return _post_form(
        site, action=action, param="SAMLResponse", message=issued.xml, relay_state=None, target="AWS"
    )


def issue_for_aws(
    site: Site,
    user: User,
    roles: Sequence[AwsRole],
    sp: ServiceProvider,
    state: SignedIn,
    now: datetime,
) -> IssuedResponse:
    """``IdentityProvider.issue_aws`` with the user's AWS attributes (AWS.md section 1)."""
    return site.settings.provider.issue_aws(
        name_id=user.name_id,
        roles=list(roles),
        session_name=user.session_name,
        session_duration=user.session_duration,
        source_identity=user.source_identity,
        principal_tags=dict(user.tags) or None,
        transitive_tag_keys=tuple(user.transitive_tags),
        attributes={k: list(v) for k, v in user.attributes.items()} or None,
        partition=sp.partition,
        recipient=sp.default_acs(),
        audience=sp.entity_id,
        sign=sp.sign,
        encrypt_to=sp.encrypt_to,
        session_index=state.session_index,
        now=now,
    )


# ------------------------------------------------------------------------------- SP-initiated SSO


async def sso_redirect(site: Site, request: Request) -> Response:
    """GET /sso: HTTP-Redirect binding; the query is read as raw octets for the signature (J3)."""
    return _accept(site, decode_redirect(request.scope.get("query_string", b""), "SAMLRequest"))


async def sso_post(site: Site, request: Request) -> Response:
    """POST /sso: HTTP-POST binding; base64 only, never inflated (R2)."""
    return _accept(site, decode_post(await read_form(request), "SAMLRequest"))


def _accept(site: Site, message: IncomingMessage) -> Response:
    now = utcnow()
    sp, info = read_authn_request(
        message,
        lookup=site.settings.service_providers.by_entity_id,
        endpoints={site.settings.sso_url},
        now=now,
    )
    pending = PendingRequest(
        sp=sp.entity_id,
        request_id=info.id,
        acs_url=info.acs_url,
        relay_state=message.relay_state,
        force_authn=info.force_authn,
        is_passive=info.is_passive,
        name_id_format=info.name_id_format,
        received_at=now.timestamp(),
    )
    return redirect(continue_url(site.pending.dumps(pending)))


async def sso_continue(site: Site, request: Request) -> Response:
    """GET /sso/continue: issue once a session fresh enough for the request exists."""
    token = request.query_params.get("t", "")
    pending = site.pending.loads(token)
    now = utcnow()
    sp = site.settings.service_providers.by_entity_id(pending.sp)
    state = current_user(request.session, now)
    user = site.settings.users.get(state.user) if state is not None else None
    fresh = state is not None and (not pending.force_authn or state.auth_at > pending.received_at)
    if state is None or user is None or not fresh:
        if pending.is_passive:
            return _no_passive(site, sp, pending, now)
        return redirect(login_url(token))
    issued = issue_for_sp(site, user, sp, pending, state, now)
    return _post_form(
        site,
        action=pending.acs_url,
        param="SAMLResponse",
        message=issued.xml,
        relay_state=pending.relay_state,
        target=sp.name,
    )


def _no_passive(site: Site, sp: ServiceProvider, pending: PendingRequest, now: datetime) -> Response:
    """IsPassive and no usable session: Responder/NoPassive (saml-core section 3.4.1)."""
    xml = build_status_response(
        issuer=site.settings.entity_id,
        destination=pending.acs_url,
        in_response_to=pending.request_id,
        second_level=StatusCode.NO_PASSIVE,
        keys=site.settings.signing_key,
        message_id=new_id(),
        now=now,
    )
    return _post_form(
        site,
        action=pending.acs_url,
        param="SAMLResponse",
        message=xml,
        relay_state=pending.relay_state,
        target=sp.name,
    )


def _name_id_format(requested: str | None) -> NameIDFormat | None:
    if requested is None:
        return None
    try:
        fmt = NameIDFormat(requested)
    except MalformedXML:
        return None
    return None if fmt is NameIDFormat.UNSPECIFIED else fmt


def issue_for_sp(
    site: Site, user: User, sp: ServiceProvider, pending: PendingRequest, state: SignedIn, now: datetime
) -> IssuedResponse:
    """``IdentityProvider.issue`` for a generic SP: the ACS from metadata, InResponseTo the request."""
    extra: dict[str, Any] = {}
    fmt = _name_id_format(pending.name_id_format)
    if fmt is not None:
        extra["name_id_format"] = fmt
    return site.settings.provider.issue(
        name_id=user.name_id,
        acs_url=pending.acs_url,
        audience=sp.entity_id,
        attributes={k: list(v) for k, v in user.attributes.items()} or None,
        in_response_to=pending.request_id,
        sign=sp.sign,
        encrypt_to=sp.encrypt_to,
        session_index=state.session_index,
        now=now,
        **extra,
    )


# ----------------------------------------------------------------------------------- Single Logout


async def slo_redirect(site: Site, request: Request) -> Response:
    return _logout(site, request, decode_redirect(request.scope.get("query_string", b""), "SAMLRequest"))


async def slo_post(site: Site, request: Request) -> Response:
    return _logout(site, request, decode_post(await read_form(request), "SAMLRequest"))


def _logout(site: Site, request: Request, message: IncomingMessage) -> Response:
    """A verified LogoutRequest (J4) ends the session it names, and is answered on the SP's SLO endpoint."""
    now = utcnow()
    sp, info = read_logout_request(
        message,
        lookup=site.settings.service_providers.by_entity_id,
        endpoints={site.settings.slo_url},
        now=now,
    )
    endpoint = sp.slo_endpoint(info.binding)
    status: tuple[StatusCode, ...] = (StatusCode.SUCCESS,)
    state = current_user(request.session, now)
    if state is not None:
        user = site.settings.users.get(state.user)
        name_id = user.name_id if user is not None else None
        same_session = not info.session_indexes or state.session_index in info.session_indexes
        if name_id == info.name_id and same_session:
            sign_out(request.session)
        else:
            status = (StatusCode.REQUESTER, StatusCode.REQUEST_DENIED)
    destination = endpoint.response_location or endpoint.location
    signed_post = endpoint.binding is Binding.HTTP_POST
    xml = build_logout_response(
        issuer=site.settings.entity_id,
        destination=destination,
        in_response_to=info.id,
        status=status,
        keys=site.settings.signing_key if signed_post else None,
        message_id=new_id(),
        now=now,
    )
    if not signed_post:
        query = encode_redirect(
            xml, "SAMLResponse", relay_state=message.relay_state, keys=site.settings.signing_key
        )
        return redirect(destination + ("&" if "?" in destination else "?") + query)
    return _post_form(
        site,
        action=destination,
        param="SAMLResponse",
        message=xml,
        relay_state=message.relay_state,
        target=sp.name,
    )
