"""What the client half needs from a version: its wire format towards partners.

Each version package provides one object satisfying :class:`ClientWire` (OCPI 2.1.1: the
module :mod:`flask_ocpi.v2_1_1.client`); :class:`~flask_ocpi.client.PartnerClient` reaches it
through the application's version registry, never by the version's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from flask_ocpi.models import (
    CDR,
    EVSE,
    AuthorizationInfo,
    Command,
    CommandResponse,
    Connector,
    Location,
    LocationReferences,
    ModuleID,
    Partner,
    PartyKey,
    Session,
    Tariff,
    Token,
    TokenType,
)

SessionOrCdr = TypeVar("SessionOrCdr", Session, CDR)


class ClientWire(Protocol):
    """A version's wire format for the calls we make to a partner."""

    #: ``load(data, partner)`` for each module whose list a partner's sender interface serves.
    LOADERS: Mapping[ModuleID, Callable[[Any, Partner], Any]]

    def their_party(self, partner: Partner) -> PartyKey:
        """The owner of what ``partner`` sends."""
        ...

    def object_path(self, owner: PartyKey, *ids: str) -> str:
        """A receiver interface's object path."""
        ...

    def sender_path(self, *ids: str) -> str:
        """A sender interface's object path."""
        ...

    def authorize_path(self, token_uid: str, token_type: TokenType) -> tuple[str, dict[str, str]]:
        """The real-time authorization path and query of a token."""
        ...

    def command_path(self, command_type: str) -> str:
        """The path of a command at a CPO's commands endpoint."""
        ...

    def with_location(self, obj: SessionOrCdr, partner: Partner) -> SessionOrCdr:
        """``obj`` ready to send to ``partner`` (e.g. with the location a version embeds)."""
        ...

    def load_location(self, data: Any, *, owner: PartyKey) -> Location: ...
    def load_evse(self, data: Any) -> EVSE: ...
    def load_connector(self, data: Any) -> Connector: ...
    def load_session(self, data: Any, *, owner: PartyKey, token_owner: PartyKey) -> Session: ...
    def load_cdr(self, data: Any, *, owner: PartyKey, token_owner: PartyKey) -> CDR: ...
    def load_tariff(self, data: Any, *, owner: PartyKey) -> Tariff: ...
    def load_token(self, data: Any, *, owner: PartyKey) -> Token: ...
    def load_command_response(self, data: Any) -> CommandResponse: ...
    def load_authorization_info(self, data: Any, *, token_owner: PartyKey) -> AuthorizationInfo: ...
    def dump_location(self, location: Location) -> dict[str, Any]: ...
    def dump_evse(self, evse: EVSE) -> dict[str, Any]: ...
    def dump_connector(self, connector: Connector) -> dict[str, Any]: ...
    def dump_session(self, session: Session) -> dict[str, Any]: ...
    def dump_cdr(self, cdr: CDR) -> dict[str, Any]: ...
    def dump_tariff(self, tariff: Tariff) -> dict[str, Any]: ...
    def dump_token(self, token: Token) -> dict[str, Any]: ...
    def dump_command(self, command: Command) -> dict[str, Any]: ...
    def dump_location_references(self, refs: LocationReferences) -> dict[str, Any]: ...
