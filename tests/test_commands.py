"""Commands end to end (mod_commands.md §1 flows) between two Flask-OCPI parties over real HTTP.

A CPO party (receiver backend answering as told) and an eMSP party (sender backend recording
results) register with each other on 127.0.0.1. The eMSP sends commands with plain ``requests``
using a ``response_url`` from :func:`new_sent_command`; the CPO host reports results with
:func:`report_command_result`, or lets them time out (:func:`expire_commands`, the sweeper and
the CLI command). The view details are in ``tests/v2_1_1/views/test_commands.py``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine

from flask_ocpi import OCPI, signals
from flask_ocpi.backends.commands import CommandsReceiverBackend, CommandsSenderBackend, CommandStore
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.cli.commands import expire_commands_command
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import UnknownLocation
from flask_ocpi.models import (
    CommandDirection,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    Partner,
    ReserveNow,
    StartSession,
    StopSession,
    Token,
    TokenType,
    UnlockConnector,
    WhitelistType,
)
from flask_ocpi.modules.commands import expire_commands, new_sent_command, report_command_result
from flask_ocpi.modules.commands.sweeper import start_sweeper
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore, create_tables
from flask_ocpi.stores.sqlalchemy.commands import SQLAlchemyCommandStore
from flask_ocpi.v2_1_1.schemas.commands import dump_command
from tests.live import LiveServer

pytestmark = pytest.mark.interop

TIMEOUT = 30


class Receiver(CommandsReceiverBackend):
    """The CPO host: answers ``answer`` (UnknownLocation for location ``UNKNOWN``), keeps ids."""

    def __init__(self) -> None:
        self.answer = CommandResponseType.ACCEPTED
        self.command_ids: list[str] = []
        self.report_at_once: CommandResultType | None = None
        self.reported: list[CommandRecord | None] = []

    def _handle(self, command_id: str, location_id: str | None = None) -> CommandResponse:
        self.command_ids.append(command_id)
        if self.report_at_once is not None:  # a fast charge point: the result before our answer
            self.reported.append(report_command_result(command_id, self.report_at_once))
        if location_id == "UNKNOWN":
            raise UnknownLocation(f"Unknown location {location_id}")
        return CommandResponse(result=self.answer)

    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        return self._handle(command_id, command.location_id)

    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        return self._handle(command_id)

    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        return self._handle(command_id, command.location_id)

    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        return self._handle(command_id, command.location_id)


class Sender(CommandsSenderBackend):
    """The eMSP host: records each result; ``arrived`` is set at every result."""

    def __init__(self) -> None:
        self.results: list[tuple[str, str, CommandResultType]] = []
        self.arrived = threading.Event()

    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        self.results.append((partner.id, command.id, result.result))
        self.arrived.set()


@dataclass
class Party:
    app: Flask
    server: LiveServer
    receiver: Receiver = field(default_factory=Receiver)
    sender: Sender = field(default_factory=Sender)

    @property
    def ocpi(self) -> OCPI:
        extension: OCPI = self.app.extensions["ocpi"].extension
        return extension

    @property
    def commands(self) -> CommandStore:
        store: CommandStore | None = self.app.extensions["ocpi"].commands
        assert store is not None
        return store

    def partner(self) -> Partner:
        with self.app.app_context():
            [partner] = self.ocpi.partners()
        return partner


def make_app(
    party_id: str, base_url: str, party: Party | None, partners: PartnerStore, commands: CommandStore
) -> Flask:
    app = Flask(f"party-{party_id}")
    app.config.update(
        TESTING=True,
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": party_id, "business_details": {"name": party_id}}],
        OCPI_BASE_URL=base_url,
        OCPI_COMMAND_TIMEOUT=TIMEOUT,
    )
    receiver, sender = (party.receiver, party.sender) if party else (Receiver(), Sender())
    OCPI(app, partners=partners, backends=[receiver, sender], commands=commands)
    return app


@contextmanager
def served(
    party_id: str, *, partners: PartnerStore | None = None, commands: CommandStore | None = None
) -> Iterator[Party]:
    """An OCPI app with both commands backends, served on 127.0.0.1."""
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    party = Party(Flask("placeholder"), server)
    party.app = holder["app"] = make_app(
        party_id, server.url, party, partners or MemoryPartnerStore(), commands or MemoryCommandStore()
    )
    server.start()
    try:
        yield party
    finally:
        server.stop()


def connect(cpo: Party, emsp: Party) -> None:
    """The CPO invites; the eMSP registers its eMSP tree with the CPO tree."""
    with cpo.app.app_context():
        token_a = cpo.ocpi.invite().token
    with emsp.app.app_context():
        emsp.ocpi.register(f"{cpo.server.url}/ocpi/cpo/versions", token_a, role="emsp")


@pytest.fixture
def pair() -> Iterator[tuple[Party, Party]]:
    with served("CPA") as cpo, served("MSB") as emsp:
        connect(cpo, emsp)
        yield cpo, emsp


def token() -> Token:
    return Token(
        country_code="NL",
        party_id="MSB",
        uid="012345678",
        type=TokenType.RFID,
        contract_id="NL-MSB-C12345678-X",
        issuer="MSB",
        valid=True,
        whitelist=WhitelistType.ALLOWED,
        last_updated=datetime(2024, 1, 1, tzinfo=UTC),
    )


def send_start(emsp: Party, *, location_id: str = "LOC1", response_url: str | None = None) -> tuple[CommandRecord, Any]:
    """The eMSP host sends a START_SESSION to its CPO partner; returns its record and the answer."""
    cpo_partner = emsp.partner()
    with emsp.app.app_context():
        record, url = new_sent_command(cpo_partner, CommandType.START_SESSION)
    body = dump_command(StartSession(response_url=response_url or url, token=token(), location_id=location_id))
    endpoint = cpo_partner.endpoint("commands")
    assert endpoint is not None
    answer = requests.post(
        f"{endpoint.url}/START_SESSION",
        json=body,
        headers={"Authorization": f"Token {cpo_partner.outbound_token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    return record, answer.json()


@contextmanager
def received(signal: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def receiver(sender: Flask, **kwargs: Any) -> None:
        calls.append((sender.name, kwargs))

    with signal.connected_to(receiver):
        yield calls


# --- the flows --------------------------------------------------------------------------


def test_start_session_accepted_then_the_result_reaches_the_emsp_once(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    record, answer = send_start(emsp)
    assert answer["status_code"] == 1000 and answer["data"] == {"result": "ACCEPTED"}
    [command_id] = cpo.receiver.command_ids
    pending = cpo.commands.get(command_id=command_id)
    assert pending is not None and pending.response_url == record.response_url and pending.result is None
    assert pending.partner_id == cpo.partner().id

    with received(signals.command_result_received) as results, cpo.app.app_context():
        reported = report_command_result(command_id, CommandResultType.ACCEPTED)
        repeated = report_command_result(command_id, CommandResultType.REJECTED)

    assert reported is not None and reported.delivered is True and repeated is None
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.ACCEPTED)]
    done = cpo.commands.get(command_id=command_id)
    assert done is not None and done.delivered is True
    assert done.result == CommandResult(result=CommandResultType.ACCEPTED)
    sent = emsp.commands.get(command_id=record.id)
    assert sent is not None and sent.result == CommandResult(result=CommandResultType.ACCEPTED)
    directions = sorted((name, kw["direction"], kw["command"].id) for name, kw in results)
    assert directions == [
        ("party-CPA", CommandDirection.RECEIVED, command_id),
        ("party-MSB", CommandDirection.SENT, record.id),
    ]


def test_a_result_reported_before_the_backend_returned_is_not_lost(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    cpo.receiver.report_at_once = CommandResultType.ACCEPTED
    record, answer = send_start(emsp)
    assert answer["data"] == {"result": "ACCEPTED"}
    [reported] = cpo.receiver.reported
    assert reported is not None and reported.delivered is True
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.ACCEPTED)]


def test_a_result_2_1_1_cannot_express_arrives_as_rejected(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    record, _ = send_start(emsp)
    with cpo.app.app_context():
        report_command_result(cpo.receiver.command_ids[0], CommandResult(result=CommandResultType.EVSE_OCCUPIED))
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.REJECTED)]


def test_a_command_never_reported_times_out_at_the_emsp(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    reported, _ = send_start(emsp)
    forgotten, _ = send_start(emsp)
    first_id, second_id = cpo.receiver.command_ids
    with cpo.app.app_context():
        report_command_result(first_id, CommandResultType.ACCEPTED)
        assert expire_commands(now=utcnow() + timedelta(seconds=TIMEOUT - 5)) == []
        expired = expire_commands(now=utcnow() + timedelta(seconds=TIMEOUT + 1))

    assert [(r.id, r.delivered) for r in expired] == [(second_id, True)]
    partner_id = emsp.partner().id
    assert emsp.sender.results == [
        (partner_id, reported.id, CommandResultType.ACCEPTED),
        (partner_id, forgotten.id, CommandResultType.TIMEOUT),
    ]
    with cpo.app.app_context():
        assert report_command_result(second_id, CommandResultType.ACCEPTED) is None  # too late


def test_an_emsp_times_out_its_own_command_and_ignores_a_late_result(pair: tuple[Party, Party]) -> None:
    """The CPO's result never came in time: the eMSP's backend gets TIMEOUT, without any POST."""
    cpo, emsp = pair
    record, _ = send_start(emsp)
    with received(signals.command_result_received) as results, emsp.app.app_context():
        expired = expire_commands(now=utcnow() + timedelta(seconds=TIMEOUT + 1))
    assert [r.id for r in expired] == [record.id] and expired[0].delivered is None
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.TIMEOUT)]
    assert [(name, kw["direction"]) for name, kw in results] == [("party-MSB", CommandDirection.SENT)]

    with cpo.app.app_context():
        late = report_command_result(cpo.receiver.command_ids[0], CommandResultType.ACCEPTED)
    assert late is not None and late.delivered is True  # the eMSP answered 1000 ("ignored")
    assert len(emsp.sender.results) == 1


@pytest.mark.parametrize("answer", ["REJECTED", "NOT_SUPPORTED"])
def test_a_command_not_accepted_is_answered_and_not_stored(pair: tuple[Party, Party], answer: str) -> None:
    cpo, emsp = pair
    cpo.receiver.answer = CommandResponseType(answer)
    _, body = send_start(emsp)
    assert body["status_code"] == 1000 and body["data"] == {"result": answer}
    [command_id] = cpo.receiver.command_ids
    assert cpo.commands.get(command_id=command_id) is None
    with cpo.app.app_context():
        assert report_command_result(command_id, CommandResultType.ACCEPTED) is None
    assert emsp.sender.results == []


def test_an_unknown_location_is_2003_with_rejected(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    _, body = send_start(emsp, location_id="UNKNOWN")
    assert body["status_code"] == 2003 and body["data"] == {"result": "REJECTED"}
    assert cpo.commands.get(command_id=cpo.receiver.command_ids[0]) is None


def test_an_invalid_command_is_2001_and_never_reaches_the_backend(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    _, body = send_start(emsp, response_url="ftp://127.0.0.1/result")
    assert body["status_code"] == 2001 and "response_url" in body["status_message"]
    assert cpo.receiver.command_ids == []


def test_another_partner_posting_to_a_response_url_is_404(pair: tuple[Party, Party]) -> None:
    _, emsp = pair
    record, _ = send_start(emsp)
    with served("CPB") as intruder:
        connect(intruder, emsp)
        with emsp.app.app_context():
            [intruder_partner] = [p for p in emsp.ocpi.partners() if p.roles[0].party_id == "CPB"]
        with intruder.app.app_context():
            [towards_emsp] = intruder.ocpi.partners()
        response = requests.post(
            record.response_url,
            json={"result": "ACCEPTED"},
            headers={"Authorization": f"Token {towards_emsp.outbound_token}"},
            timeout=10,
        )
    assert intruder_partner.id != record.partner_id
    assert response.status_code == 404 and response.json()["status_code"] == 2000
    assert emsp.sender.results == []
    pending = emsp.commands.get(command_id=record.id)
    assert pending is not None and pending.result is None


def test_an_undeliverable_result_is_recorded_and_logged_without_the_token(
    pair: tuple[Party, Party], caplog: pytest.LogCaptureFixture
) -> None:
    cpo, emsp = pair
    send_start(emsp, response_url="http://127.0.0.1:9/nobody/listens")
    send_start(emsp, response_url=f"{emsp.server.url}/ocpi/emsp/2.1.1/commands/START_SESSION/{'0' * 32}")
    unreachable_id, refused_id = cpo.receiver.command_ids

    with caplog.at_level(logging.WARNING, logger="flask_ocpi"), cpo.app.app_context():
        unreachable = report_command_result(unreachable_id, CommandResultType.ACCEPTED)
        refused = report_command_result(refused_id, CommandResultType.ACCEPTED)  # the eMSP answers 404

    assert unreachable is not None and unreachable.delivered is False
    assert refused is not None and refused.delivered is False
    for command_id in (unreachable_id, refused_id):
        stored = cpo.commands.get(command_id=command_id)
        assert stored is not None and stored.delivered is False and stored.result is not None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for command_id in (unreachable_id, refused_id):
        assert any(command_id in w and "not be delivered" in w for w in warnings)
    outbound = cpo.partner().outbound_token
    assert outbound is not None and all(outbound not in r.getMessage() for r in caplog.records)
    assert emsp.sender.results == []


def test_a_result_after_a_restart_is_reported_by_a_new_app_instance(tmp_path: Path) -> None:
    """The CPO runs on SQLite: a new app instance (another worker, or after a restart) finds the
    command the first one accepted and POSTs its result."""
    url = f"sqlite:///{tmp_path / 'cpo.sqlite'}"
    engines = [create_engine(url), create_engine(url)]
    create_tables(engines[0])
    try:
        with (
            served(
                "CPA", partners=SQLAlchemyPartnerStore(engines[0]), commands=SQLAlchemyCommandStore(engines[0])
            ) as cpo,
            served("MSB") as emsp,
        ):
            connect(cpo, emsp)
            record, _ = send_start(emsp)
            [command_id] = cpo.receiver.command_ids
            cpo.server.stop()  # the first instance is gone

            restarted = make_app(
                "CPA",
                cpo.server.url,
                None,
                SQLAlchemyPartnerStore(engines[1]),
                SQLAlchemyCommandStore(engines[1]),
            )
            with restarted.app_context():
                reported = report_command_result(command_id, CommandResultType.ACCEPTED)
            assert reported is not None and reported.delivered is True
            assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.ACCEPTED)]
    finally:
        for engine in engines:
            engine.dispose()


# --- expiry outside requests --------------------------------------------------------------


def expired_copy(cpo: Party, emsp: Party) -> tuple[str, CommandRecord]:
    """A command the CPO accepted whose deadline already passed (stored as a past command)."""
    record, _ = send_start(emsp)
    accepted = cpo.commands.get(command_id=cpo.receiver.command_ids[-1])
    assert accepted is not None
    past = CommandRecord(
        id=f"past-{accepted.id}",
        partner_id=accepted.partner_id,
        direction=CommandDirection.RECEIVED,
        type=CommandType.START_SESSION,
        version="2.1.1",
        response_url=accepted.response_url,
        created=utcnow() - timedelta(minutes=5),
        deadline=utcnow() - timedelta(seconds=1),
    )
    cpo.commands.add(record=past)
    return past.id, record


def test_the_sweeper_times_out_due_commands_in_the_background(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    past_id, record = expired_copy(cpo, emsp)

    sweeper = start_sweeper(cpo.app, 0.05)
    try:
        assert emsp.sender.arrived.wait(5)
    finally:
        sweeper.stop()

    assert not sweeper.is_alive()
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.TIMEOUT)]
    swept = cpo.commands.get(command_id=past_id)
    assert swept is not None and swept.delivered is True
    assert swept.result == CommandResult(result=CommandResultType.TIMEOUT)


def test_the_cli_command_times_out_due_commands(pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    past_id, record = expired_copy(cpo, emsp)

    output = cpo.app.test_cli_runner().invoke(expire_commands_command, ["--limit", "1"])

    assert output.exit_code == 0, output.output
    assert past_id in output.output and "delivered=true" in output.output
    assert output.output.strip().endswith("Timed out 1 command(s).")
    assert emsp.sender.results == [(emsp.partner().id, record.id, CommandResultType.TIMEOUT)]
    again = cpo.app.test_cli_runner().invoke(expire_commands_command)
    assert again.exit_code == 0 and "Timed out 0 command(s)." in again.output


def test_the_cli_command_without_a_command_store_fails_cleanly() -> None:
    app = Flask("no-commands")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "X"}}]
    OCPI(app, partners=MemoryPartnerStore())
    output = app.test_cli_runner().invoke(expire_commands_command)
    assert output.exit_code == 1 and "command store" in output.output


def test_reporting_outside_a_received_command_does_nothing(pair: tuple[Party, Party]) -> None:
    _, emsp = pair
    record, _ = send_start(emsp)
    with emsp.app.app_context():
        assert report_command_result(record.id, CommandResultType.ACCEPTED) is None  # a SENT command
        assert report_command_result("unknown", CommandResultType.ACCEPTED) is None
    pending = emsp.commands.get(command_id=record.id)
    assert pending is not None and pending.result is None


def test_the_sweeper_logs_failures_and_keeps_going(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("no-commands")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "X"}}]
    OCPI(app, partners=MemoryPartnerStore())
    with pytest.raises(ValueError, match="interval"):
        start_sweeper(app, 0)

    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        sweeper = start_sweeper(app, 0.01)
        try:
            deadline = time.monotonic() + 5
            while sum("Expiring OCPI commands failed" in r.getMessage() for r in caplog.records) < 2:
                assert time.monotonic() < deadline and sweeper.is_alive()
                time.sleep(0.01)
        finally:
            sweeper.stop()
    assert not sweeper.is_alive()
