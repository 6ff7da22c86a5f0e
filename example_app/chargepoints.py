"""Simulated charge points: the CPO's side of OCPI commands.

A real CPO hands commands to its charge points over OCPP and reports their answer
later. Here a timer stands in for the charge point: known locations answer ACCEPTED
at once and the final result follows a few seconds later, reported with
:func:`flask_ocpi.commands.report_command_result` exactly as a real host would from its
OCPP handler (any process or worker).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app

from flask_ocpi.backends.commands import CommandsReceiverBackend
from flask_ocpi.commands import report_command_result
from flask_ocpi.exceptions import UnknownLocation
from flask_ocpi.models import (
    CommandResponse,
    CommandResponseType,
    CommandResultType,
    Location,
    Partner,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)

log = logging.getLogger("example_app")


class SimulatedChargePoints(CommandsReceiverBackend):
    """Accepts commands for our own known locations and reports a result after ``delay`` seconds.

    :param locations: the CPO's location store (anything with ``get(country_code, party_id, id)``).
    :param delay: seconds before the "charge point" answers.
    """

    def __init__(self, locations: Any, *, delay: float = 2.0) -> None:
        self.locations = locations
        self.delay = delay

    def _location(self, partner: Partner, location_id: str) -> Location:
        owner = partner.local_party
        location: Location | None = self.locations.get(owner.country_code, owner.party_id, location_id)
        if location is None:
            raise UnknownLocation(f"Unknown location {location_id}")
        return location

    def _accept(self, command_id: str, outcome: CommandResultType = CommandResultType.ACCEPTED) -> CommandResponse:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

        def answer() -> None:
            with app.app_context():
                report_command_result(command_id, outcome)
                log.info("Charge point answered command %s: %s", command_id, outcome.value)

        timer = threading.Timer(self.delay, answer)
        timer.daemon = True
        timer.start()
        return CommandResponse(result=CommandResponseType.ACCEPTED)

    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        location = self._location(partner, command.location_id)
        if command.evse_uid and location.evse(command.evse_uid) is None:
            return CommandResponse(result=CommandResponseType.REJECTED)
        return self._accept(command_id)

    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        return self._accept(command_id)

    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        self._location(partner, command.location_id)
        return self._accept(command_id)

    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        location = self._location(partner, command.location_id)
        evse = location.evse(command.evse_uid)
        if evse is None or evse.connector(command.connector_id) is None:
            return CommandResponse(result=CommandResponseType.REJECTED)
        return self._accept(command_id)
