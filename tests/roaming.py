"""Two Flask-OCPI parties roaming over real HTTP on 127.0.0.1: a CPO and an eMSP.

The CPO (NL-CPO) serves its locations, sessions, CDRs and tariffs, receives tokens and
commands; the eMSP (DE-MSP) receives what the CPO pushes, serves its tokens, answers
real-time authorizations and receives command results. The eMSP registers with the CPO
through the real credentials handshake. Memory stores throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request

from flask_ocpi import OCPI
from flask_ocpi.backends.commands import CommandsReceiverBackend, CommandsSenderBackend
from flask_ocpi.exceptions import UnknownLocation
from flask_ocpi.models import (
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    Partner,
    PartyKey,
    ReserveNow,
    Role,
    StartSession,
    StopSession,
    UnlockConnector,
)
from flask_ocpi.modules.commands import report_command_result
from flask_ocpi.stores.memory import (
    MemoryCdrs,
    MemoryCommandStore,
    MemoryLocations,
    MemoryPartnerStore,
    MemorySessions,
    MemoryTariffs,
    MemoryTokens,
)
from tests.live import LiveServer

CPO = PartyKey("NL", "CPO")
EMSP = PartyKey("DE", "MSP")


class ChargePoints(CommandsReceiverBackend):
    """CPO: accepts commands for known locations; the result is reported from another thread."""

    def __init__(self, locations: MemoryLocations) -> None:
        self.locations = locations
        self.received: list[Any] = []

    def _answer(self, partner: Partner, command_id: str, command: Any, location_id: str | None) -> CommandResponse:
        if location_id is not None and self.locations.get(CPO.country_code, CPO.party_id, location_id) is None:
            raise UnknownLocation(f"Unknown location {location_id}")
        self.received.append(command)
        from flask import current_app

        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def later() -> None:
            with app.app_context():
                report_command_result(command_id, CommandResultType.ACCEPTED)

        threading.Timer(0.05, later).start()
        return CommandResponse(result=CommandResponseType.ACCEPTED)

    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        return self._answer(partner, command_id, command, command.location_id)

    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        return self._answer(partner, command_id, command, None)

    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        return self._answer(partner, command_id, command, command.location_id)

    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        return self._answer(partner, command_id, command, command.location_id)


class CommandResults(CommandsSenderBackend):
    """eMSP: keeps the results of the commands it sent."""

    def __init__(self) -> None:
        self.results: dict[str, CommandResult] = {}

    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        self.results[command.id] = result


@dataclass
class Side:
    """One served party with its stores."""

    app: Flask
    ocpi: OCPI
    server: LiveServer
    locations: MemoryLocations = field(default_factory=MemoryLocations)
    sessions: MemorySessions = field(default_factory=MemorySessions)
    cdrs: MemoryCdrs = field(default_factory=MemoryCdrs)
    tariffs: MemoryTariffs = field(default_factory=MemoryTariffs)
    tokens: MemoryTokens = field(default_factory=MemoryTokens)
    commands: MemoryCommandStore = field(default_factory=MemoryCommandStore)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def seen(self) -> list[tuple[str, str, Any]]:
        """The requests this party received: (method, path, JSON body)."""
        seen: list[tuple[str, str, Any]] = self.app.extensions["seen"]
        return seen

    def partner(self) -> Partner:
        """The one partner this side has."""
        with self.app.app_context():
            (partner,) = self.ocpi.partners()
        return partner


def _party(name: str, key: PartyKey, **config: Any) -> tuple[Flask, LiveServer]:
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask(name)
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": key.country_code, "party_id": key.party_id, "business_details": {"name": name}}],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        **config,
    )
    holder["app"] = app
    seen: list[tuple[str, str, Any]] = []
    app.extensions["seen"] = seen

    @app.before_request
    def record() -> None:
        """Every request this party receives: (method, path, JSON body)."""
        seen.append((request.method, request.path, request.get_json(silent=True)))

    return app, server


def cpo_side(outbound: dict[str, Any] | None = None, **config: Any) -> Side:
    """The CPO party (not yet served); ``outbound``: OCPI kwargs (deliveries, sync, dispatcher)."""
    app, server = _party("cpo", CPO, OCPI_ROLES=["CPO"], **config)
    ocpi = OCPI()
    side = Side(app, ocpi, server)
    points = ChargePoints(side.locations)
    side.extras["charge_points"] = points
    outbound = dict(outbound or {})
    ocpi.init_app(
        app,
        partners=outbound.pop("partners", None) or MemoryPartnerStore(),
        commands=side.commands,
        backends=[
            side.locations.sender(),
            side.sessions.sender(),
            side.cdrs.sender(),
            side.tariffs.sender(),
            side.tokens.receiver(),
            points,
        ],
        **outbound,
    )
    return side


def emsp_side(outbound: dict[str, Any] | None = None, **config: Any) -> Side:
    """The eMSP party (not yet served); ``outbound``: OCPI kwargs (deliveries, sync, dispatcher)."""
    app, server = _party("emsp", EMSP, OCPI_ROLES=["EMSP"], **config)
    ocpi = OCPI()
    side = Side(app, ocpi, server)
    results = CommandResults()
    side.extras["results"] = results
    outbound = dict(outbound or {})
    ocpi.init_app(
        app,
        partners=outbound.pop("partners", None) or MemoryPartnerStore(),
        commands=side.commands,
        backends=[
            side.locations.receiver(),
            side.sessions.receiver(),
            side.cdrs.receiver(),
            side.tariffs.receiver(),
            side.tokens.sender(),
            results,
        ],
        **outbound,
    )
    return side


@contextmanager
def roaming(
    *,
    cpo_outbound: dict[str, Any] | None = None,
    emsp_outbound: dict[str, Any] | None = None,
    before_serving: Callable[[Side, Side], None] | None = None,
    **config: Any,
) -> Iterator[tuple[Side, Side]]:
    """A served CPO and eMSP, the eMSP registered with the CPO (both know each other);
    ``before_serving(cpo, emsp)`` may set up the apps (e.g. Flask-SQLAlchemy) first."""
    cpo, emsp = cpo_side(cpo_outbound, **config), emsp_side(emsp_outbound, **config)
    if before_serving is not None:
        before_serving(cpo, emsp)
    cpo.server.start()
    emsp.server.start()
    try:
        with cpo.app.test_request_context():
            invitation = cpo.ocpi.invite(name="emsp")
        with emsp.app.app_context():
            emsp.ocpi.register(invitation.versions_urls["cpo"], invitation.token, role=Role.EMSP, name="cpo")
        yield cpo, emsp
    finally:
        cpo.server.stop()
        emsp.server.stop()


__all__ = ["CPO", "EMSP", "Side", "roaming"]
