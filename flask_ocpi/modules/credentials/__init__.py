"""The credentials module's protocol: registration, update and unregistration.

Both halves live here, so the token A/B/C handshake is written once:

* server side (a partner calls our credentials endpoint): :func:`accept_registration`,
  :func:`accept_update`, :func:`accept_unregistration`, :func:`our_credentials`;
* client side (we call a partner's): :func:`invite`, :func:`register`, :func:`update`,
  :func:`unregister`.

Every step first talks to the partner, then stores the result with one
:meth:`~flask_ocpi.backends.PartnerStore.save`, so a failure never leaves a
half-registered partner behind. Credentials naming one of our own parties are refused
(2001), and so is a party key another connection on the tree holds (2000), also when two
registrations race (the store's claims decide); of two registrations with one token A
only the first is stored (a conditional save), the other is answered 405.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace

from flask import current_app

from flask_ocpi import signals
from flask_ocpi.backends.partners import PartyTaken, StatusChanged
from flask_ocpi.exceptions import (
    MethodNotAllowed,
    NoMatchingEndpoints,
    OcpiError,
    PartnerError,
)
from flask_ocpi.models import (
    Credentials,
    CredentialsRole,
    ModuleID,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.modules.credentials.claims import check_namespace, party_taken, refuse_own_parties
from flask_ocpi.modules.credentials.discovery import check_endpoints, discover
from flask_ocpi.modules.credentials.discovery import http as _http
from flask_ocpi.signals import notify
from flask_ocpi.state import OcpiState, get_state
from flask_ocpi.state import version_adapter as adapter
from flask_ocpi.transport.auth import Caller, hash_token, new_token
from flask_ocpi.transport.urls import versions_url

log = logging.getLogger("flask_ocpi")


class RegistrationError(Exception):
    """We could not register with, update at, or unregister from a partner.

    :ivar error: the OCPI error describing why (3001, 3002, 3003, or the partner's answer).
    """

    def __init__(self, error: OcpiError | PartnerError) -> None:
        self.error = error
        super().__init__(getattr(error, "message", str(error)))


@dataclass(frozen=True, slots=True)
class Invitation:
    """A registration token (token A) for a new partner, shown once."""

    partner: Partner
    token: str
    versions_urls: dict[str, str]


def other_role(role: Role) -> Role:
    """The role of the party on the other side of one of our 2.1.1 trees."""
    return Role.EMSP if role is Role.CPO else Role.CPO


def _state() -> OcpiState:
    return get_state(current_app)


def our_credentials(partner: Partner, *, role: Role, token: str) -> Credentials:
    """Our credentials for ``partner`` on a role tree, carrying ``token``."""
    party = _state().config.party(partner.local_party)
    return Credentials(
        token=token,
        url=versions_url(role),
        roles=[
            CredentialsRole(
                role=role,
                country_code=party.country_code,
                party_id=party.party_id,
                business_details=party.business_details,
            )
        ],
    )


def _save(partner: Partner, *, expected_status: PartnerStatus | None = None) -> Partner:
    """Store ``partner`` (conditionally on ``expected_status``, see ``PartnerStore.save``).

    :raises ClientError: 2000 when another connection claims one of its parties.
    :raises StatusChanged: when the stored status is not ``expected_status``.
    """
    from flask_ocpi.dates import utcnow

    partner = replace(partner, updated=utcnow())
    state = _state()
    try:
        state.partners.save(partner=partner, expected_status=expected_status)
    except PartyTaken as exc:
        raise party_taken(exc) from exc
    finally:
        state.auth_cache.clear()  # tokens may have changed: no cached authentication survives
    return partner


def _check_parties(partner: Partner, roles: list[CredentialsRole], local_role: Role) -> None:
    """Refuse credentials naming our own parties (2001) or another connection's (2000)."""
    state = _state()
    refuse_own_parties(roles, state.config)
    check_namespace(state.partners, partner, roles, local_role)


# --- server side ---------------------------------------------------------------------


def accept_registration(caller: Caller, credentials: Credentials, *, role: Role, version: str) -> Credentials:
    """A partner POSTed its credentials to our tree ``role`` of ``version`` (token A).

    :raises MethodNotAllowed: the partner is already registered (405), also when another
        request with the same token A registered it meanwhile.
    :raises InvalidOrMissingParameters: the credentials name one of our own parties (2001).
    :raises ClientError: another connection on this tree holds one of its parties (2000).
    """
    partner = caller.partner
    if caller.scope is not TokenScope.REGISTRATION or partner.status is not PartnerStatus.INVITED:
        raise MethodNotAllowed("Already registered: use PUT to update credentials")
    _check_parties(partner, credentials.roles, role)
    discovery = discover(credentials.url, credentials.token, version=version)
    check_endpoints(discovery, role)
    current = _state().partners.get(partner_id=partner.id)
    if current is None or current.status is not PartnerStatus.INVITED:
        raise MethodNotAllowed("Already registered: use PUT to update credentials")
    token = new_token()
    registered = replace(
        current,
        status=PartnerStatus.REGISTERED,
        local_role=role,
        versions_url=discovery.versions_url,
        version=discovery.version,
        endpoints=discovery.endpoints,
        roles=credentials.roles,
        outbound_token=credentials.token,
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
    )
    try:
        stored = _save(registered, expected_status=PartnerStatus.INVITED)
    except StatusChanged:
        raise MethodNotAllowed("Already registered: use PUT to update credentials") from None
    log.info("Partner %s (%s) registered on our %s tree, version %s", stored.id, _keys(stored), role, version)
    notify(signals.partner_registered, partner=stored, initiator="partner")
    return our_credentials(stored, role=role, token=token)


def accept_update(caller: Caller, credentials: Credentials, *, role: Role, version: str) -> Credentials:
    """A partner PUT new credentials: re-read its endpoints, rotate its token.

    :raises MethodNotAllowed: the partner is not registered on this tree (405).
    :raises InvalidOrMissingParameters: the credentials name one of our own parties (2001).
    :raises ClientError: another connection on this tree holds one of its parties (2000).
    """
    partner = _registered_on(caller, role)
    _check_parties(partner, credentials.roles, role)
    discovery = discover(credentials.url, credentials.token, version=version)
    check_endpoints(discovery, role)
    token = new_token()
    stored = _save(
        replace(
            partner,
            versions_url=discovery.versions_url,
            version=discovery.version,
            endpoints=discovery.endpoints,
            roles=credentials.roles,
            outbound_token=credentials.token,
            grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
        )
    )
    log.info("Partner %s (%s) updated its credentials, version %s", stored.id, _keys(stored), version)
    notify(signals.partner_updated, partner=stored, initiator="partner")
    return our_credentials(stored, role=role, token=token)


def accept_unregistration(caller: Caller, *, role: Role) -> None:
    """A partner DELETEd its credentials: none of its tokens works any more.

    :raises MethodNotAllowed: the partner is not registered on this tree (405).
    """
    partner = _registered_on(caller, role)
    stored = _save(replace(partner, status=PartnerStatus.UNREGISTERED, grants=[], outbound_token=None))
    log.info("Partner %s (%s) unregistered", stored.id, _keys(stored))
    notify(signals.partner_unregistered, partner=stored, initiator="partner")


def _registered_on(caller: Caller, role: Role) -> Partner:
    partner = caller.partner
    if caller.scope is not TokenScope.FULL or not partner.registered or partner.local_role is not role:
        raise MethodNotAllowed("Not registered: use POST to register first")
    return partner


def _keys(partner: Partner) -> str:
    return ", ".join(str(k) for k in partner.parties) or "no party"


# --- client side ---------------------------------------------------------------------


def invite(*, party: PartyKey | str | None = None, name: str | None = None) -> Invitation:
    """Create a registration token (token A) for a new partner.

    The partner uses it with one of our versions URLs to register; it opens only the
    versions and credentials endpoints, and stops working once registration completes.
    """
    state = _state()
    local = state.config.party(party)
    token = new_token()
    partner = Partner(
        id=_new_id(),
        local_party=local.key,
        status=PartnerStatus.INVITED,
        name=name,
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.REGISTRATION)],
    )
    state.partners.add(partner=partner)
    state.auth_cache.clear()
    urls = {role.path: versions_url(role) for role in state.config.roles}
    log.info("Invited partner %s for our party %s", partner.id, local.key)
    return Invitation(partner=partner, token=token, versions_urls=urls)


def register(
    versions_url_: str,
    token_a: str,
    *,
    role: Role,
    party: PartyKey | str | None = None,
    name: str | None = None,
) -> Partner:
    """Register our ``role`` tree with a partner, given its versions URL and token A.

    :raises RegistrationError: with 3001/3002/3003 when discovery fails, the partner's
        error when its credentials endpoint refuses us, 2001 when its credentials name one
        of our own parties, 2000 when another connection holds one of them (nothing stored).
    """
    state = _state()
    if role not in state.config.roles:
        raise ValueError(f"We do not serve role {role}; see OCPI_ROLES")
    local = state.config.party(party)
    try:
        discovery = discover(versions_url_, token_a)
        check_endpoints(discovery, role)
    except OcpiError as exc:
        raise RegistrationError(exc) from exc
    token_b = new_token()
    partner = Partner(
        id=_new_id(),
        local_party=local.key,
        local_role=role,
        status=PartnerStatus.REGISTERING,
        name=name,
        versions_url=discovery.versions_url,
        version=discovery.version,
        endpoints=discovery.endpoints,
        grants=[TokenGrant(token_hash=hash_token(token_b), scope=TokenScope.FULL)],
    )
    # Stored before the POST: the partner calls our versions back with token B.
    state.partners.add(partner=partner)
    wire = adapter(discovery.version)
    try:
        answer = _http(token_a).request(
            "POST",
            _credentials_url(partner),
            json=wire.dump_credentials(our_credentials(partner, role=role, token=token_b)),
        )
        theirs = wire.load_credentials(answer.data, role=other_role(role))
        _check_parties(partner, theirs.roles, role)
        stored = _save(
            replace(partner, status=PartnerStatus.REGISTERED, roles=theirs.roles, outbound_token=theirs.token)
        )
    except (PartnerError, OcpiError) as exc:
        state.partners.delete(partner_id=partner.id)
        state.auth_cache.clear()
        raise RegistrationError(exc) from exc
    log.info("Registered our %s tree with partner %s (%s), version %s", role, stored.id, _keys(stored), stored.version)
    notify(signals.partner_registered, partner=stored, initiator="us")
    return stored


def update(partner_id: str, *, version: str | None = None) -> Partner:
    """Re-read a partner's endpoints, optionally switch version, and rotate both tokens.

    :raises LookupError: unknown partner. :raises RegistrationError: the update failed,
        also when the partner's new credentials name one of our own parties (2001) or
        another connection's (2000): the previous tokens and endpoints stay in force.
    """
    partner = _get_registered(partner_id)
    assert partner.versions_url and partner.outbound_token and partner.local_role
    try:
        discovery = discover(partner.versions_url, partner.outbound_token, version=version)
        check_endpoints(discovery, partner.local_role)
    except OcpiError as exc:
        raise RegistrationError(exc) from exc
    token = new_token()
    new_grant = TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)
    # Both tokens work while the partner calls us back with the new one.
    _save(replace(partner, grants=[*partner.grants, new_grant]))
    switched = replace(partner, version=discovery.version, endpoints=discovery.endpoints)
    wire = adapter(discovery.version)
    try:
        answer = _http(partner.outbound_token).request(
            "PUT",
            _credentials_url(switched),
            json=wire.dump_credentials(our_credentials(partner, role=partner.local_role, token=token)),
        )
        theirs = wire.load_credentials(answer.data, role=other_role(partner.local_role))
        _check_parties(partner, theirs.roles, partner.local_role)
        stored = _save(replace(switched, roles=theirs.roles, outbound_token=theirs.token, grants=[new_grant]))
    except (PartnerError, OcpiError) as exc:
        _save(partner)
        raise RegistrationError(exc) from exc
    log.info("Updated credentials with partner %s, version %s", stored.id, stored.version)
    notify(signals.partner_updated, partner=stored, initiator="us")
    return stored


def unregister(partner_id: str, *, force: bool = False) -> Partner:
    """DELETE our credentials at a partner and stop accepting its token.

    :param force: unregister locally even when the partner cannot be told.
    :raises RegistrationError: the partner refused or was unreachable (without ``force``).
    """
    partner = _get_registered(partner_id)
    try:
        _http(partner.outbound_token).request("DELETE", _credentials_url(partner))
    except (PartnerError, OcpiError) as exc:
        if not force:
            raise RegistrationError(exc) from exc
        log.warning("Partner %s could not be told about unregistration (%s); unregistering locally", partner.id, exc)
    stored = _save(replace(partner, status=PartnerStatus.UNREGISTERED, grants=[], outbound_token=None))
    log.info("Unregistered from partner %s", stored.id)
    notify(signals.partner_unregistered, partner=stored, initiator="us")
    return stored


def find_partner(reference: str) -> Partner:
    """A partner by id, name, or party key (``NL-ABC``); unambiguous matches only.

    :raises LookupError: no match, or several.
    """
    partners = _state().partners.list()
    exact = [p for p in partners if p.id == reference]
    if exact:
        return exact[0]
    matches = [p for p in partners if p.name == reference]
    if not matches:
        try:
            key = PartyKey.parse(reference)
        except ValueError:
            key = None
        matches = [p for p in partners if key is not None and key in p.parties]
    live = [p for p in matches if p.status is not PartnerStatus.UNREGISTERED] or matches
    if len(live) != 1:
        raise LookupError(f"{'No' if not live else 'More than one'} partner matches {reference!r}")
    return live[0]


def _get_registered(partner_id: str) -> Partner:
    partner = _state().partners.get(partner_id=partner_id)
    if partner is None:
        raise LookupError(f"No partner {partner_id!r}")
    if not partner.registered:
        raise RegistrationError(MethodNotAllowed(f"Partner {partner_id} is {partner.status.value}, not REGISTERED"))
    return partner


def _credentials_url(partner: Partner) -> str:
    endpoint = partner.endpoint(ModuleID.CREDENTIALS)
    if endpoint is None:
        raise RegistrationError(NoMatchingEndpoints("Partner has no credentials endpoint"))
    return endpoint.url


def _new_id() -> str:
    return uuid.uuid4().hex[:12]
