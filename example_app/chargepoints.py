"""Simulated charge points: the CPO's side of OCPI commands, sessions and CDRs.

A real CPO hands commands to its charge points over OCPP and reports their answer later.
Here a timer stands in for the charge point: known locations answer ACCEPTED at once and
the outcome follows ``delay`` seconds later, reported with
:func:`flask_ocpi.modules.commands.report_command_result` exactly as a real host would from its
OCPP handler. A started session is stored and pushed to the eMSP of its token with
``ocpi.changed`` (the EVSE turns CHARGING: one small PATCH); a stopped one is completed,
pushed, and its CDR is posted to the eMSP, which bills it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, current_app

from example_app import demo
from flask_ocpi.backends.commands import CommandsReceiverBackend
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import UnknownLocation
from flask_ocpi.models import (
    CDR,
    AuthMethod,
    CdrDimension,
    CdrDimensionType,
    CdrToken,
    ChargingPeriod,
    CommandResponse,
    CommandResponseType,
    CommandResultType,
    Location,
    Partner,
    PartyKey,
    Price,
    ReserveNow,
    Session,
    SessionStatus,
    StartSession,
    Status,
    StopSession,
    UnlockConnector,
)
from flask_ocpi.modules.commands import report_command_result

log = logging.getLogger("example_app")


def set_evse_status(app: Flask, location: Location, evse_uid: str, status: Status) -> Location:
    """Store an EVSE's new status and push the change to every eMSP (one PATCH each).

    The write and its deliveries are one transaction (``ocpi.transaction()``, the
    transactional outbox): a crash in between leaves neither, never a change without its push.
    """
    from example_app.seed import stores

    now = utcnow()
    evses = [
        dataclasses.replace(e, status=status, last_updated=now) if e.uid == evse_uid else e for e in location.evses
    ]
    changed = dataclasses.replace(location, evses=evses, last_updated=now)
    ocpi = app.extensions["ocpi"].extension
    with ocpi.transaction():
        stores(app).locations.save(changed)
        ocpi.changed(changed, previous=location)
    return changed


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

    def _accept(
        self,
        command_id: str,
        outcome: CommandResultType = CommandResultType.ACCEPTED,
        then: Callable[[Flask], CommandResultType | None] | None = None,
    ) -> CommandResponse:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

        def answer() -> None:
            with app.app_context():
                result = outcome
                if then is not None:
                    try:
                        result = then(app) or outcome
                    except Exception:
                        log.exception("Charge point failed to carry out command %s", command_id)
                        result = CommandResultType.FAILED
                report_command_result(command_id, result)
                log.info("Charge point answered command %s: %s", command_id, result.value)

        timer = threading.Timer(self.delay, answer)
        timer.daemon = True
        timer.start()
        return CommandResponse(result=CommandResponseType.ACCEPTED)

    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        location = self._location(partner, command.location_id)
        evse = location.evse(command.evse_uid) if command.evse_uid else location.evses[0]
        if evse is None or not evse.connectors:
            return CommandResponse(result=CommandResponseType.REJECTED)

        def start(app: Flask) -> None:
            from example_app.seed import stores

            now = utcnow()
            session = Session(
                country_code=location.country_code,
                party_id=location.party_id,
                id=f"S{command_id[:16].upper()}",
                start_date_time=now,
                kwh=Decimal("0"),
                cdr_token=CdrToken(
                    country_code=command.token.country_code,
                    party_id=command.token.party_id,
                    contract_id=command.token.contract_id,
                    uid=command.token.uid,
                    type=command.token.type,
                ),
                auth_method=AuthMethod.WHITELIST,
                location_id=location.id,
                evse_uid=evse.uid,
                connector_id=evse.connectors[0].id,
                currency="EUR",
                status=SessionStatus.ACTIVE,
                last_updated=now,
            )
            ocpi = app.extensions["ocpi"].extension
            with ocpi.transaction():  # the session and its push, together
                stores(app).sessions.save(session)
                ocpi.changed(session)
            set_evse_status(app, location, evse.uid, Status.CHARGING)

        return self._accept(command_id, then=start)

    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        """``UNKNOWN_SESSION`` at once for a session this CPO does not know (or that is not
        active); otherwise ACCEPTED, and the session is completed when the charge point answers."""
        from example_app.seed import stores

        owner = partner.local_party
        known = stores(current_app).sessions.get(owner.country_code, owner.party_id, command.session_id)
        if known is None or known.status is not SessionStatus.ACTIVE:
            return CommandResponse(result=CommandResponseType.UNKNOWN_SESSION)

        def stop(app: Flask) -> CommandResultType | None:
            found = stores(app)
            session = found.sessions.get(owner.country_code, owner.party_id, command.session_id)
            if session is None or session.status is not SessionStatus.ACTIVE:
                return CommandResultType.UNKNOWN_SESSION  # stopped meanwhile
            completed = _completed(session)
            ocpi = app.extensions["ocpi"].extension
            with ocpi.transaction():
                found.sessions.save(completed)
                ocpi.changed(completed, previous=session)
            location = found.locations.get(owner.country_code, owner.party_id, session.location_id)
            if location is not None:
                set_evse_status(app, location, session.evse_uid, Status.AVAILABLE)
                cdr = _cdr(completed, location)
                with ocpi.transaction():
                    found.cdrs.save(cdr)
                    ocpi.changed(cdr)
            return None

        return self._accept(command_id, then=stop)

    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        self._location(partner, command.location_id)
        return self._accept(command_id)

    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        location = self._location(partner, command.location_id)
        evse = location.evse(command.evse_uid)
        if evse is None or evse.connector(command.connector_id) is None:
            return CommandResponse(result=CommandResponseType.REJECTED)
        return self._accept(command_id)


def _completed(session: Session) -> Session:
    end = max(utcnow(), session.start_date_time + timedelta(seconds=1))
    hours = Decimal((end - session.start_date_time).total_seconds() / 3600).quantize(Decimal("0.0001"))
    kwh = Decimal("11.5")
    period = ChargingPeriod(
        start_date_time=session.start_date_time,
        dimensions=[
            CdrDimension(type=CdrDimensionType.ENERGY, volume=kwh),
            CdrDimension(type=CdrDimensionType.TIME, volume=hours),
        ],
    )
    return dataclasses.replace(
        session,
        end_date_time=end,
        kwh=kwh,
        status=SessionStatus.COMPLETED,
        charging_periods=[period],
        total_cost=Price(excl_vat=(kwh * Decimal("0.35")).quantize(Decimal("0.01"))),
        last_updated=end,
    )


def _cdr(session: Session, location: Location) -> CDR:
    evse = location.evse(session.evse_uid) or location.evses[0]
    connector = evse.connector(session.connector_id) or evse.connectors[0]
    used = dataclasses.replace(location, evses=[dataclasses.replace(evse, connectors=[connector])])
    assert session.end_date_time is not None and session.total_cost is not None
    return CDR(
        country_code=session.country_code,
        party_id=session.party_id,
        id=f"CDR-{session.id}",
        start_date_time=session.start_date_time,
        end_date_time=session.end_date_time,
        session_id=session.id,
        cdr_token=session.cdr_token,
        auth_method=session.auth_method,
        location=used,
        currency=session.currency,
        tariffs=demo.tariffs(PartyKey(session.country_code, session.party_id))[:1],
        charging_periods=session.charging_periods,
        total_cost=session.total_cost,
        total_energy=session.kwh,
        total_time=session.charging_periods[0].dimensions[1].volume,
        last_updated=session.end_date_time,
    )
