"""The client half of the credentials handshake: we call a partner's credentials endpoint.

:func:`invite` issues a token A (a connection without roles yet), :func:`register` makes a
connection speaking for one of our roles, :func:`update` and :func:`unregister` change it;
:func:`find_partner` looks a connection up by id, name or party key.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask_ocpi import signals
from flask_ocpi.exceptions import MethodNotAllowed, NoMatchingEndpoints, OcpiError, PartnerError
from flask_ocpi.models import ModuleID, Partner, PartnerStatus, PartyKey, Role, TokenGrant, TokenScope
from flask_ocpi.modules import credentials as package
from flask_ocpi.modules.credentials.common import (
    Invitation,
    RegistrationError,
    check_parties,
    keys,
    new_id,
    other_role,
    single_tree,
    state,
)
from flask_ocpi.modules.credentials.discovery import check_endpoints, discover
from flask_ocpi.modules.credentials.discovery import http as _http
from flask_ocpi.signals import notify
from flask_ocpi.state import version_adapter as adapter
from flask_ocpi.transport.auth import hash_token, new_token
from flask_ocpi.transport.urls import versions_url

log = logging.getLogger("flask_ocpi")


def invite(*, party: PartyKey | str | None = None, name: str | None = None) -> Invitation:
    """Create a registration token (token A) for a new partner.

    The partner uses it with one of our versions URLs to register; it opens only the
    versions and credentials endpoints, and stops working once registration completes.
    """
    current = state()
    local = current.config.party(party)
    token = new_token()
    partner = Partner(
        id=new_id(),
        local_party=local.key,
        status=PartnerStatus.INVITED,
        name=name,
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.REGISTRATION)],
    )
    current.partners.add(partner=partner)
    current.auth_cache.clear()
    urls = {role.path: versions_url(role) for role in current.config.roles}
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
    current = state()
    if role not in current.config.roles:
        raise ValueError(f"We do not serve role {role}; see OCPI_ROLES")
    local = current.config.party(party)
    try:
        discovery = discover(versions_url_, token_a)
        check_endpoints(discovery, role)
    except OcpiError as exc:
        raise RegistrationError(exc) from exc
    token_b = new_token()
    partner = Partner(
        id=new_id(),
        local_party=local.key,
        local_roles={role},
        status=PartnerStatus.REGISTERING,
        name=name,
        versions_url=discovery.versions_url,
        version=discovery.version,
        endpoints=discovery.endpoints,
        grants=[TokenGrant(token_hash=hash_token(token_b), scope=TokenScope.FULL)],
    )
    # Stored before the POST: the partner calls our versions back with token B.
    current.partners.add(partner=partner)
    wire = adapter(discovery.version)
    try:
        answer = _http(token_a).request(
            "POST",
            _credentials_url(partner),
            json=wire.dump_credentials(package.our_credentials(partner, role=role, token=token_b)),
        )
        theirs = wire.load_credentials(answer.data, role=other_role(role))
        check_parties(partner, theirs.roles, partner.local_roles)
        stored = package._save(
            replace(partner, status=PartnerStatus.REGISTERED, roles=theirs.roles, outbound_token=theirs.token)
        )
    except (PartnerError, OcpiError) as exc:
        current.partners.delete(partner_id=partner.id)
        current.auth_cache.clear()
        raise RegistrationError(exc) from exc
    log.info("Registered our %s tree with partner %s (%s), version %s", role, stored.id, keys(stored), stored.version)
    notify(signals.partner_registered, partner=stored, initiator="us")
    return stored


def update(partner_id: str, *, version: str | None = None) -> Partner:
    """Re-read a partner's endpoints, optionally switch version, and rotate both tokens.

    :raises LookupError: unknown partner. :raises RegistrationError: the update failed,
        also when the partner's new credentials name one of our own parties (2001) or
        another connection's (2000): the previous tokens and endpoints stay in force;
        (405) when the connection does not speak for exactly one of our roles.
    """
    partner = _get_registered(partner_id)
    tree = single_tree(partner)
    assert partner.versions_url and partner.outbound_token
    try:
        discovery = discover(partner.versions_url, partner.outbound_token, version=version)
        check_endpoints(discovery, tree)
    except OcpiError as exc:
        raise RegistrationError(exc) from exc
    token = new_token()
    new_grant = TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)
    # Both tokens work while the partner calls us back with the new one.
    package._save(replace(partner, grants=[*partner.grants, new_grant]))
    switched = replace(partner, version=discovery.version, endpoints=discovery.endpoints)
    wire = adapter(discovery.version)
    try:
        answer = _http(partner.outbound_token).request(
            "PUT",
            _credentials_url(switched),
            json=wire.dump_credentials(package.our_credentials(partner, role=tree, token=token)),
        )
        theirs = wire.load_credentials(answer.data, role=other_role(tree))
        check_parties(partner, theirs.roles, partner.local_roles)
        stored = package._save(replace(switched, roles=theirs.roles, outbound_token=theirs.token, grants=[new_grant]))
    except (PartnerError, OcpiError) as exc:
        package._save(partner)
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
    stored = package._save(replace(partner, status=PartnerStatus.UNREGISTERED, grants=[], outbound_token=None))
    log.info("Unregistered from partner %s", stored.id)
    notify(signals.partner_unregistered, partner=stored, initiator="us")
    return stored


def find_partner(reference: str) -> Partner:
    """A partner by id, name, or party key (``NL-ABC``); unambiguous matches only.

    :raises LookupError: no match, or several.
    """
    partners = state().partners.list()
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
    partner = state().partners.get(partner_id=partner_id)
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


__all__ = ["find_partner", "invite", "register", "unregister", "update"]
