"""OCPI 2.1.1 wire format of what the client sends to and reads from partners.

One entry per object: ``LOADERS`` turn what a partner serves into models, ``dump_*``
functions (re-exported from the schemas) turn our models into request bodies, and the
``*_path`` functions give the URL suffixes of the 2.1.1 interfaces. The client
(:mod:`flask_ocpi.client`) picks this module by the partner's version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_ocpi.exceptions import OcpiError
from flask_ocpi.models import CDR, ModuleID, Partner, PartyKey, TokenType
from flask_ocpi.v2_1_1.schemas.cdrs import dump_cdr, load_cdr
from flask_ocpi.v2_1_1.schemas.commands import dump_command, load_command_response
from flask_ocpi.v2_1_1.schemas.locations import (
    dump_connector,
    dump_evse,
    dump_location,
    load_connector,
    load_evse,
    load_location,
)
from flask_ocpi.v2_1_1.schemas.sessions import dump_session, load_session
from flask_ocpi.v2_1_1.schemas.tariffs import dump_tariff, load_tariff
from flask_ocpi.v2_1_1.schemas.tokens import dump_location_references, dump_token, load_authorization_info, load_token
from flask_ocpi.v2_1_1.views.sessions import SessionOrCdr
from flask_ocpi.v2_1_1.views.sessions import with_location as views_with_location

VERSION = "2.1.1"


def their_party(partner: Partner) -> PartyKey:
    """The owner of what a 2.1.1 partner sends: the one party of its credentials."""
    if not partner.roles:
        raise ValueError(f"partner {partner.id} has no party (not registered?)")
    return partner.roles[0].key


#: ``load(data, partner)`` for each module whose list a partner's sender interface serves.
LOADERS: dict[ModuleID, Callable[[Any, Partner], Any]] = {
    ModuleID.LOCATIONS: lambda data, p: load_location(data, owner=their_party(p)),
    ModuleID.TARIFFS: lambda data, p: load_tariff(data, owner=their_party(p)),
    ModuleID.SESSIONS: lambda data, p: load_session(data, owner=their_party(p), token_owner=p.local_party),
    ModuleID.CDRS: lambda data, p: load_cdr(data, owner=their_party(p), token_owner=p.local_party),
    ModuleID.TOKENS: lambda data, p: load_token(data, owner=their_party(p)),
}


def object_path(owner: PartyKey, *ids: str) -> str:
    """A receiver interface's object path: ``/{country_code}/{party_id}/{id}[/...]``."""
    return "/" + "/".join((owner.country_code, owner.party_id, *ids))


def sender_path(*ids: str) -> str:
    """A 2.1.1 sender interface's object path: ``/{id}[/...]`` (locations only)."""
    return "/" + "/".join(ids)


def authorize_path(token_uid: str, token_type: TokenType) -> tuple[str, dict[str, str]]:
    """The real-time authorization path and query of a token at its eMSP."""
    return f"/{token_uid}/authorize", {"type": str(token_type)}


def command_path(command_type: str) -> str:
    """The path of a command at a CPO's commands endpoint: ``/{command}``."""
    return f"/{command_type}"


__all__ = [
    "LOADERS",
    "VERSION",
    "authorize_path",
    "command_path",
    "dump_cdr",
    "dump_command",
    "dump_connector",
    "dump_evse",
    "dump_location",
    "dump_location_references",
    "dump_session",
    "dump_tariff",
    "dump_token",
    "load_authorization_info",
    "load_cdr",
    "load_command_response",
    "load_connector",
    "load_evse",
    "load_location",
    "load_session",
    "load_tariff",
    "load_token",
    "object_path",
    "sender_path",
    "their_party",
    "with_location",
]


def with_location(obj: SessionOrCdr, partner: Partner) -> SessionOrCdr:
    """``obj`` ready to send: with the location 2.1.1 embeds (see
    :func:`flask_ocpi.v2_1_1.views.sessions.with_location`), and for a CDR holding only the
    EVSE and connector used.

    :raises ValueError: when the location is missing or holds more than what was used.
    """
    if isinstance(obj, CDR) and obj.location is not None:
        if len(obj.location.evses) != 1 or len(obj.location.evses[0].connectors) != 1:
            raise ValueError(
                f"CDR {obj.id!r}: OCPI 2.1.1 embeds a location with only the EVSE and connector used; "
                f"location {obj.location.id!r} has {len(obj.location.evses)} EVSE(s)"
            )
    try:
        return views_with_location(obj, ours=True, partner=partner)
    except OcpiError as exc:
        raise ValueError(exc.message) from None
