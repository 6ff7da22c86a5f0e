"""What both halves of the credentials handshake use: the errors and values they return,
our credentials, the checks of a partner's parties and the one conditional save.

:mod:`~flask_ocpi.modules.credentials.server` and
:mod:`~flask_ocpi.modules.credentials.client` call :func:`our_credentials` and :func:`save`
through the package (``flask_ocpi.modules.credentials.our_credentials`` and ``._save``),
so that replacing them there (a test, a host's instrumentation) reaches every step.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace

from flask import current_app

from flask_ocpi.backends.partners import PartyTaken
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import MethodNotAllowed, OcpiError, PartnerError
from flask_ocpi.models import Credentials, CredentialsRole, Partner, PartnerStatus, Role
from flask_ocpi.modules.credentials.claims import check_namespace, party_taken, refuse_own_parties
from flask_ocpi.state import OcpiState, get_state
from flask_ocpi.transport.urls import versions_url


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


def state() -> OcpiState:
    """The Flask-OCPI state of the current application."""
    return get_state(current_app)


def our_credentials(partner: Partner, *, role: Role, token: str) -> Credentials:
    """Our credentials for ``partner`` on a role tree, carrying ``token``."""
    party = state().config.party(partner.local_party)
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


def save(partner: Partner, *, expected_status: PartnerStatus | None = None) -> Partner:
    """Store ``partner`` (conditionally on ``expected_status``, see ``PartnerStore.save``).

    :raises ClientError: 2000 when another connection claims one of its parties.
    :raises StatusChanged: when the stored status is not ``expected_status``.
    """
    partner = replace(partner, updated=utcnow())
    current = state()
    try:
        current.partners.save(partner=partner, expected_status=expected_status)
    except PartyTaken as exc:
        raise party_taken(exc) from exc
    finally:
        current.auth_cache.clear()  # tokens may have changed: no cached authentication survives
    return partner


def check_parties(partner: Partner, roles: list[CredentialsRole], trees: Collection[Role]) -> None:
    """Refuse credentials naming our own parties (2001) or a party another connection
    holds on one of our ``trees`` (2000)."""
    current = state()
    refuse_own_parties(roles, current.config)
    check_namespace(current.partners, partner, roles, trees)


def single_tree(partner: Partner) -> Role:
    """The one role tree of a connection registered through an OCPI 2.1.1-style handshake
    (one role pair per connection), for updating it.

    :raises RegistrationError: (405) the connection speaks for no role or for several:
        its credentials cannot be exchanged on one tree.
    """
    if len(partner.local_roles) != 1:
        roles = ", ".join(sorted(r.value for r in partner.local_roles)) or "no role"
        raise RegistrationError(
            MethodNotAllowed(f"Partner {partner.id} speaks for {roles} of ours, not for one role tree")
        )
    (tree,) = partner.local_roles
    return tree


def keys(partner: Partner) -> str:
    """The partner's party keys, for logs."""
    return ", ".join(str(k) for k in partner.parties) or "no party"


def new_id() -> str:
    """A new partner id."""
    return uuid.uuid4().hex[:12]


__all__ = [
    "Invitation",
    "RegistrationError",
    "check_parties",
    "keys",
    "new_id",
    "other_role",
    "our_credentials",
    "save",
    "single_tree",
    "state",
]
