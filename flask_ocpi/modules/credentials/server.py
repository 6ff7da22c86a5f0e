"""The server half of the credentials handshake: a partner calls our credentials endpoint.

What the credentials views of each version call: :func:`accept_registration` (POST, token
A), :func:`accept_update` (PUT) and :func:`accept_unregistration` (DELETE); GET answers
:func:`~flask_ocpi.modules.credentials.our_credentials`. A registration on one of our role
trees makes a connection speaking for that role (``Partner.local_roles == {role}``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask_ocpi import signals
from flask_ocpi.backends.partners import StatusChanged
from flask_ocpi.exceptions import MethodNotAllowed
from flask_ocpi.models import Credentials, Partner, PartnerStatus, Role, TokenGrant, TokenScope
from flask_ocpi.modules import credentials as package
from flask_ocpi.modules.credentials.common import check_parties, keys, state
from flask_ocpi.modules.credentials.discovery import check_endpoints, discover
from flask_ocpi.signals import notify
from flask_ocpi.transport.auth import Caller, hash_token, new_token

log = logging.getLogger("flask_ocpi")


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
    check_parties(partner, credentials.roles, {role})
    discovery = discover(credentials.url, credentials.token, version=version)
    check_endpoints(discovery, role)
    current = state().partners.get(partner_id=partner.id)
    if current is None or current.status is not PartnerStatus.INVITED:
        raise MethodNotAllowed("Already registered: use PUT to update credentials")
    token = new_token()
    registered = replace(
        current,
        status=PartnerStatus.REGISTERED,
        local_roles=frozenset({role}),
        versions_url=discovery.versions_url,
        version=discovery.version,
        endpoints=discovery.endpoints,
        roles=credentials.roles,
        outbound_token=credentials.token,
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
    )
    try:
        stored = package._save(registered, expected_status=PartnerStatus.INVITED)
    except StatusChanged:
        raise MethodNotAllowed("Already registered: use PUT to update credentials") from None
    log.info("Partner %s (%s) registered on our %s tree, version %s", stored.id, keys(stored), role, version)
    notify(signals.partner_registered, partner=stored, initiator="partner")
    return package.our_credentials(stored, role=role, token=token)


def accept_update(caller: Caller, credentials: Credentials, *, role: Role, version: str) -> Credentials:
    """A partner PUT new credentials: re-read its endpoints, rotate its token.

    :raises MethodNotAllowed: the partner is not registered on this tree (405).
    :raises InvalidOrMissingParameters: the credentials name one of our own parties (2001).
    :raises ClientError: another connection on one of its trees holds one of its parties (2000).
    """
    partner = registered_on(caller, role)
    check_parties(partner, credentials.roles, partner.local_roles)
    discovery = discover(credentials.url, credentials.token, version=version)
    check_endpoints(discovery, role)
    token = new_token()
    stored = package._save(
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
    log.info("Partner %s (%s) updated its credentials, version %s", stored.id, keys(stored), version)
    notify(signals.partner_updated, partner=stored, initiator="partner")
    return package.our_credentials(stored, role=role, token=token)


def accept_unregistration(caller: Caller, *, role: Role) -> None:
    """A partner DELETEd its credentials: none of its tokens works any more.

    :raises MethodNotAllowed: the partner is not registered on this tree (405).
    """
    partner = registered_on(caller, role)
    stored = package._save(replace(partner, status=PartnerStatus.UNREGISTERED, grants=[], outbound_token=None))
    log.info("Partner %s (%s) unregistered", stored.id, keys(stored))
    notify(signals.partner_unregistered, partner=stored, initiator="partner")


def registered_on(caller: Caller, role: Role) -> Partner:
    """The caller's connection, REGISTERED (with a full token) and speaking for our ``role``.

    :raises MethodNotAllowed: it is not (405).
    """
    partner = caller.partner
    if caller.scope is not TokenScope.FULL or not partner.registered or role not in partner.local_roles:
        raise MethodNotAllowed("Not registered: use POST to register first")
    return partner


__all__ = ["accept_registration", "accept_unregistration", "accept_update", "registered_on"]
