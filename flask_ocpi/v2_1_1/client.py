"""OCPI 2.1.1 wire format of what we pull from partners: one loader per module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_ocpi.models import ModuleID, Partner, PartyKey
from flask_ocpi.v2_1_1.schemas.cdrs import load_cdr
from flask_ocpi.v2_1_1.schemas.locations import load_location
from flask_ocpi.v2_1_1.schemas.sessions import load_session
from flask_ocpi.v2_1_1.schemas.tariffs import load_tariff
from flask_ocpi.v2_1_1.schemas.tokens import load_token


def _their_party(partner: Partner) -> PartyKey:
    """The owner of what a 2.1.1 partner sends: the one party of its credentials."""
    if not partner.roles:
        raise ValueError(f"partner {partner.id} has no party (not registered?)")
    return partner.roles[0].key


#: ``load(data, partner)`` for each module whose list a partner's sender interface serves.
LOADERS: dict[ModuleID, Callable[[Any, Partner], Any]] = {
    ModuleID.LOCATIONS: lambda data, p: load_location(data, owner=_their_party(p)),
    ModuleID.TARIFFS: lambda data, p: load_tariff(data, owner=_their_party(p)),
    ModuleID.SESSIONS: lambda data, p: load_session(data, owner=_their_party(p), token_owner=p.local_party),
    ModuleID.CDRS: lambda data, p: load_cdr(data, owner=_their_party(p), token_owner=p.local_party),
    ModuleID.TOKENS: lambda data, p: load_token(data, owner=_their_party(p)),
}
