"""Who may claim a party key: never a partner for one of our own parties, and on each of
our role trees one live connection per key (a connection speaking for several of our
roles claims its keys on each of their trees).

Registration refuses both before storing anything (:func:`refuse_own_parties`,
:func:`check_namespace`; the partner store enforces the second atomically, see
:class:`~flask_ocpi.backends.PartyTaken`). Since a partner row may still claim one of our
parties (written by an older release, or by the host), everything that trusts
``partner.parties`` also drops ours: authentication hands views a caller without them
(:func:`foreign_caller`), and sync, the client and pushes match on
:meth:`OcpiConfig.foreign_parties <flask_ocpi.config.OcpiConfig.foreign_parties>`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

from flask_ocpi.backends.partners import PartnerStore, PartyTaken, claims
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import ClientError, InvalidOrMissingParameters
from flask_ocpi.models import CredentialsRole, Partner, PartyKey, Role
from flask_ocpi.transport.auth import foreign_caller

log = logging.getLogger("flask_ocpi")


def _listed(keys: Iterable[PartyKey]) -> str:
    return ", ".join(str(k) for k in sorted(set(keys), key=str))


def refuse_own_parties(roles: Iterable[CredentialsRole], config: OcpiConfig) -> None:
    """Refuse credentials naming one of our own parties.

    OCPI 2001 (HTTP 200, as the credentials chapter answers client errors): the
    credentials' ``country_code``/``party_id`` are an invalid value for a partner, the
    way any other failed field is; 2000 stays for a key another connection holds.

    :raises InvalidOrMissingParameters: naming the party key(s).
    """
    ours = [r.key for r in roles if config.is_ours(r.key)]
    if ours:
        raise InvalidOrMissingParameters(
            f"country_code/party_id: {_listed(ours)} is one of our own parties; a partner cannot register as it"
        )


def check_namespace(
    store: PartnerStore, partner: Partner, roles: Iterable[CredentialsRole], local_roles: Collection[Role]
) -> None:
    """Refuse a party key that another live connection already claims on one of the trees
    ``local_roles`` (the early, friendly check, by the stores' own rule
    :func:`~flask_ocpi.backends.partners.claims`: every party on every tree; the store's
    claims decide races, see :func:`party_taken`).

    :raises ClientError: 2000, naming the key(s).
    """
    wanted = {(tree, r.key) for tree in local_roles for r in roles}
    for other in store.list():
        taken = wanted & claims(other) if other.id != partner.id else set()
        if taken:
            raise party_taken(PartyTaken.of(taken))


def party_taken(exc: PartyTaken) -> ClientError:
    """The OCPI error (2000) of a party key another connection claims."""
    return ClientError(f"Party {_listed(exc.keys)} is already registered by another connection")


# foreign_caller lives in flask_ocpi.transport.auth (the pipeline applies it); re-exported here.
__all__ = ["check_namespace", "foreign_caller", "party_taken", "refuse_own_parties"]
