"""OCPI 2.1.1 commands views (mod_commands.md), through the Flask test client.

CPO tree: ``POST /ocpi/cpo/2.1.1/commands/{command}`` validated, handed to a recording receiver
backend, ACCEPTED ones stored. eMSP tree: ``POST /ocpi/emsp/2.1.1/commands/{command}/{id}``
(the response_url of :func:`flask_ocpi.modules.commands.new_sent_command`) reaching a recording sender
backend once. The end-to-end flow over real HTTP is in ``tests/test_commands.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi import OCPI, signals
from flask_ocpi.backends.commands import CommandsReceiverBackend, CommandsSenderBackend
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import UnknownLocation
from flask_ocpi.models import (
    BusinessDetails,
    CommandDirection,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    ReserveNow,
    Role,
    StartSession,
    StopSession,
    TokenGrant,
    TokenScope,
    TokenType,
    UnlockConnector,
)
from flask_ocpi.modules.commands import new_sent_command
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.transport.auth import hash_token, new_token

RESPONSE_URL = "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/abc"
CPO_COMMANDS = "/ocpi/cpo/2.1.1/commands"

WIRE_TOKEN = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2015-06-29T22:39:09Z",
}

BODIES: dict[str, dict[str, Any]] = {
    "START_SESSION": {"response_url": RESPONSE_URL, "token": WIRE_TOKEN, "location_id": "LOC1", "evse_uid": "E1"},
    "STOP_SESSION": {"response_url": RESPONSE_URL, "session_id": "SESSION-1"},
    "RESERVE_NOW": {
        "response_url": RESPONSE_URL,
        "token": WIRE_TOKEN,
        "expiry_date": "2030-01-01T10:00:00Z",
        "reservation_id": 42,
        "location_id": "LOC1",
    },
    "UNLOCK_CONNECTOR": {"response_url": RESPONSE_URL, "location_id": "LOC1", "evse_uid": "E1", "connector_id": "2"},
}

MODEL_TYPES = {
    "START_SESSION": StartSession,
    "STOP_SESSION": StopSession,
    "RESERVE_NOW": ReserveNow,
    "UNLOCK_CONNECTOR": UnlockConnector,
}


class Receiver(CommandsReceiverBackend):
    """Answers ``answer`` (or raises UnknownLocation when ``unknown_location``), recording calls."""

    def __init__(self) -> None:
        self.answer = CommandResponseType.ACCEPTED
        self.unknown_location = False
        self.calls: list[tuple[str, str, str, Any]] = []

    def _handle(self, method: str, partner: Partner, command_id: str, command: Any) -> CommandResponse:
        self.calls.append((method, partner.id, command_id, command))
        if self.unknown_location:
            raise UnknownLocation("Unknown location LOC1")
        return CommandResponse(result=self.answer)

    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        return self._handle("start_session", partner, command_id, command)

    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        return self._handle("stop_session", partner, command_id, command)

    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        return self._handle("reserve_now", partner, command_id, command)

    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        return self._handle("unlock_connector", partner, command_id, command)


class Sender(CommandsSenderBackend):
    def __init__(self) -> None:
        self.results: list[tuple[str, CommandRecord, CommandResult]] = []

    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        self.results.append((partner.id, command, result))


def make_partner(partner_id: str, *, local_role: Role, party: str, token: str) -> Partner:
    """A REGISTERED partner: an eMSP on our CPO tree, or a CPO on our eMSP tree."""
    role = Role.EMSP if local_role is Role.CPO else Role.CPO
    country, party_id = party.split("-")
    return Partner(
        id=partner_id,
        local_party=PartyKey("NL", "ABC"),
        status=PartnerStatus.REGISTERED,
        local_role=local_role,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=role, country_code=country, party_id=party_id, business_details=BusinessDetails(name=party)
            )
        ],
        outbound_token=new_token(),
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
    )


class Host:
    """The app under test and what it is made of."""

    def __init__(self) -> None:
        self.receiver = Receiver()
        self.sender = Sender()
        self.commands = MemoryCommandStore()
        self.partners = MemoryPartnerStore()
        self.tokens = {name: new_token() for name in ("emsp", "cpo", "other_cpo")}
        self.partners.add(partner=make_partner("emsp", local_role=Role.CPO, party="DE-XYZ", token=self.tokens["emsp"]))
        self.partners.add(partner=make_partner("cpo", local_role=Role.EMSP, party="DE-CPO", token=self.tokens["cpo"]))
        self.partners.add(
            partner=make_partner("other_cpo", local_role=Role.EMSP, party="FR-OTH", token=self.tokens["other_cpo"])
        )
        self.app = Flask("host")
        self.app.config.update(
            TESTING=True,
            OCPI_PARTIES=[{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}],
            OCPI_BASE_URL="https://host.example.com",
            OCPI_COMMAND_TIMEOUT=60,
        )
        OCPI(self.app, partners=self.partners, backends=[self.receiver, self.sender], commands=self.commands)
        self.client: FlaskClient = self.app.test_client()

    def post(self, path: str, body: Any, *, token: str = "emsp", raw: bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body)
        headers = {"Authorization": f"Token {self.tokens.get(token, token)}"}
        return self.client.post(path, data=data, headers=headers)

    def sent(self, command_type: CommandType = CommandType.START_SESSION) -> tuple[CommandRecord, str]:
        with self.app.app_context():
            partner = self.partners.get(partner_id="cpo")
            assert partner is not None
            return new_sent_command(partner, command_type)


@pytest.fixture
def host() -> Host:
    return Host()


@contextmanager
def received(signal: Any, app: Flask) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    with signal.connected_to(receiver, sender=app):
        yield calls


# --- CPO: receiving commands ----------------------------------------------------------------


@pytest.mark.parametrize("command", list(BODIES))
def test_each_command_reaches_the_backend_and_an_accepted_one_is_stored(host: Host, command: str) -> None:
    before = utcnow()
    with received(signals.command_received, host.app) as sent_signals:
        response = host.post(f"{CPO_COMMANDS}/{command}", BODIES[command])
    after = utcnow()

    body = response.get_json()
    assert response.status_code == 200 and body["status_code"] == 1000
    assert body["data"] == {"result": "ACCEPTED"}
    [(method, partner_id, command_id, parsed)] = host.receiver.calls
    parsed_any: Any = parsed
    assert method == command.lower() and partner_id == "emsp"
    assert isinstance(parsed, MODEL_TYPES[command]) and parsed_any.response_url == RESPONSE_URL
    assert len(command_id) == 32 and int(command_id, 16) >= 0
    stored = host.commands.get(command_id=command_id)
    assert stored is not None
    assert (stored.direction, stored.type, stored.version, stored.partner_id, stored.response_url) == (
        CommandDirection.RECEIVED,
        CommandType(command),
        "2.1.1",
        "emsp",
        RESPONSE_URL,
    )
    assert before <= stored.created <= after and stored.deadline - stored.created == timedelta(seconds=60)
    assert stored.result is None
    [signal] = sent_signals
    assert signal["partner"].id == "emsp" and signal["command_id"] == command_id
    assert signal["command_type"] is CommandType(command) and signal["command"] == parsed
    assert signal["response"] == CommandResponse(result=CommandResponseType.ACCEPTED)


def test_the_token_of_a_command_belongs_to_the_caller_and_fields_are_mapped(host: Host) -> None:
    host.post(f"{CPO_COMMANDS}/START_SESSION", BODIES["START_SESSION"])
    host.post(f"{CPO_COMMANDS}/RESERVE_NOW", BODIES["RESERVE_NOW"])

    start: StartSession = host.receiver.calls[0][3]
    reserve: ReserveNow = host.receiver.calls[1][3]
    for token in (start.token, reserve.token):
        assert (token.country_code, token.party_id) == ("DE", "XYZ")
        assert token.uid == "012345678" and token.contract_id == "DE8ACC12E46L89" and token.type is TokenType.RFID
    assert (start.location_id, start.evse_uid) == ("LOC1", "E1")
    assert reserve.reservation_id == "42" and reserve.expiry_date.isoformat() == "2030-01-01T10:00:00+00:00"


def test_a_lower_case_command_segment_is_accepted(host: Host) -> None:
    response = host.post(f"{CPO_COMMANDS}/stop_session/", BODIES["STOP_SESSION"])
    assert response.get_json()["data"] == {"result": "ACCEPTED"}
    assert host.receiver.calls[0][0] == "stop_session"


@pytest.mark.parametrize("answer", ["REJECTED", "NOT_SUPPORTED", "UNKNOWN_SESSION", "TIMEOUT"])
def test_other_answers_are_returned_and_not_stored(host: Host, answer: str) -> None:
    host.receiver.answer = CommandResponseType(answer)
    with received(signals.command_received, host.app) as sent_signals:
        response = host.post(f"{CPO_COMMANDS}/STOP_SESSION", BODIES["STOP_SESSION"])

    assert response.status_code == 200 and response.get_json()["status_code"] == 1000
    assert response.get_json()["data"] == {"result": answer}
    [(_, _, command_id, _)] = host.receiver.calls
    assert host.commands.get(command_id=command_id) is None
    assert [s["response"].result.value for s in sent_signals] == [answer]


def test_unknown_location_is_2003_with_rejected_and_nothing_stored(host: Host) -> None:
    host.receiver.unknown_location = True
    with received(signals.command_received, host.app) as sent_signals:
        response = host.post(f"{CPO_COMMANDS}/UNLOCK_CONNECTOR", BODIES["UNLOCK_CONNECTOR"])

    body = response.get_json()
    assert response.status_code == 200
    assert body["status_code"] == 2003 and body["data"] == {"result": "REJECTED"}
    assert "LOC1" in body["status_message"]
    [(_, _, command_id, _)] = host.receiver.calls
    assert host.commands.get(command_id=command_id) is None
    assert sent_signals == []


def _without(command: str, field: str) -> dict[str, Any]:
    return {k: v for k, v in BODIES[command].items() if k != field}


@pytest.mark.parametrize(
    ("command", "body", "field"),
    [
        ("START_SESSION", _without("START_SESSION", "response_url"), "response_url"),
        ("START_SESSION", _without("START_SESSION", "token"), "token"),
        ("START_SESSION", {**BODIES["START_SESSION"], "token": {**WIRE_TOKEN, "uid": None}}, "token.uid"),
        ("START_SESSION", {**BODIES["START_SESSION"], "location_id": "L" * 40}, "location_id"),
        ("STOP_SESSION", _without("STOP_SESSION", "session_id"), "session_id"),
        ("RESERVE_NOW", {**BODIES["RESERVE_NOW"], "reservation_id": "R-1"}, "reservation_id"),
        ("RESERVE_NOW", {**BODIES["RESERVE_NOW"], "expiry_date": "tomorrow"}, "expiry_date"),
        ("UNLOCK_CONNECTOR", _without("UNLOCK_CONNECTOR", "connector_id"), "connector_id"),
        ("STOP_SESSION", {**BODIES["STOP_SESSION"], "response_url": "ftp://emsp.example.com/r/1"}, "response_url"),
        ("STOP_SESSION", {**BODIES["STOP_SESSION"], "response_url": "/relative/r/1"}, "response_url"),
        ("STOP_SESSION", {**BODIES["STOP_SESSION"], "response_url": "mailto:ops@example.com"}, "response_url"),
        ("STOP_SESSION", ["not", "an", "object"], "body"),
    ],
)
def test_invalid_bodies_are_2001_naming_the_field_before_any_backend_call(
    host: Host, command: str, body: Any, field: str
) -> None:
    with received(signals.command_received, host.app) as sent_signals:
        response = host.post(f"{CPO_COMMANDS}/{command}", body)

    answer = response.get_json()
    assert response.status_code == 200 and answer["status_code"] == 2001
    assert field in answer["status_message"]
    assert host.receiver.calls == [] and sent_signals == []


@pytest.mark.parametrize(("raw", "status"), [(b"{not json", 400), (b"", 200)])
def test_a_body_that_is_not_json_or_missing_is_2001(host: Host, raw: bytes, status: int) -> None:
    response = host.post(f"{CPO_COMMANDS}/STOP_SESSION", None, raw=raw)
    assert response.status_code == status and response.get_json()["status_code"] == 2001
    assert host.receiver.calls == []


@pytest.mark.parametrize("command", ["CANCEL_RESERVATION", "REBOOT", "START SESSION"])
def test_a_command_2_1_1_does_not_define_is_404(host: Host, command: str) -> None:
    response = host.post(f"{CPO_COMMANDS}/{command}", BODIES["STOP_SESSION"])
    assert response.status_code == 404 and response.get_json()["status_code"] == 2000
    assert host.receiver.calls == []


def test_other_methods_are_405_and_a_missing_token_is_401(host: Host) -> None:
    get = host.client.get(f"{CPO_COMMANDS}/START_SESSION", headers={"Authorization": f"Token {host.tokens['emsp']}"})
    assert get.status_code == 405 and get.get_json()["status_code"] == 2000
    anonymous = host.client.post(f"{CPO_COMMANDS}/START_SESSION", json=BODIES["START_SESSION"])
    assert anonymous.status_code == 401 and anonymous.get_json()["status_code"] == 2000
    assert host.receiver.calls == []


def test_both_trees_advertise_the_commands_module(host: Host) -> None:
    for role, token in (("cpo", "emsp"), ("emsp", "cpo")):
        headers = {"Authorization": f"Token {host.tokens[token]}"}
        details = host.client.get(f"/ocpi/{role}/2.1.1", headers=headers).get_json()["data"]
        urls = {e["identifier"]: e["url"] for e in details["endpoints"]}
        assert urls["commands"] == f"https://host.example.com/ocpi/{role}/2.1.1/commands/"


# --- eMSP: results at our response_url ----------------------------------------------------------


def test_new_sent_command_stores_a_record_and_gives_a_url_routed_to_our_view(host: Host) -> None:
    before = utcnow()
    record, url = host.sent(CommandType.UNLOCK_CONNECTOR)

    assert url == f"https://host.example.com/ocpi/emsp/2.1.1/commands/UNLOCK_CONNECTOR/{record.id}"
    assert record == host.commands.get(command_id=record.id)
    assert (record.direction, record.partner_id, record.version, record.response_url) == (
        CommandDirection.SENT,
        "cpo",
        "2.1.1",
        url,
    )
    assert before <= record.created and record.deadline - record.created == timedelta(seconds=60)
    path = url.removeprefix("https://host.example.com")
    with host.app.test_request_context(path, method="POST"):
        from flask import request

        assert request.url_rule is not None and request.url_rule.endpoint.endswith(".command_result")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"result": "ACCEPTED"}, "ACCEPTED"),
        ("ACCEPTED", "ACCEPTED"),
        ({"result": "UNKNOWN_SESSION"}, "UNKNOWN_SESSION"),
    ],
)
def test_a_result_at_our_response_url_reaches_the_backend_once(host: Host, body: Any, expected: str) -> None:
    record, url = host.sent()
    path = url.removeprefix("https://host.example.com")

    with received(signals.command_result_received, host.app) as results:
        first = host.post(path, body, token="cpo")
        again = host.post(path, {"result": "REJECTED"}, token="cpo")

    answer = first.get_json()
    assert first.status_code == 200 and answer["status_code"] == 1000 and "data" not in answer
    assert again.status_code == 200 and again.get_json()["status_code"] == 1000
    assert "ignored" in again.get_json()["status_message"]
    result = CommandResult(result=CommandResultType(expected))
    [(partner_id, command, got)] = host.sender.results
    stored = host.commands.get(command_id=record.id)
    assert partner_id == "cpo" and got == result and command == stored
    assert stored is not None and stored.result == result and stored.completed is not None
    [signal] = results
    assert signal == {
        "partner_id": "cpo",
        "command": stored,
        "result": result,
        "direction": CommandDirection.SENT,
    }


@pytest.mark.parametrize(
    ("token", "change", "status"),
    [
        ("other_cpo", {}, 404),  # another partner's token
        ("cpo", {"command_id": "0" * 32}, 404),  # unknown command id
        ("cpo", {"command": "STOP_SESSION"}, 404),  # not the URL we gave
        ("cpo", {"version": "2.2.1"}, 404),
        ("emsp", {}, 401),  # a partner of our CPO tree: its token does not open the eMSP tree
    ],
)
def test_a_response_url_answers_only_its_partner_and_exact_url(
    host: Host, token: str, change: dict[str, str], status: int
) -> None:
    record, _ = host.sent()
    parts = {"version": "2.1.1", "command": "START_SESSION", "command_id": record.id, **change}
    path = "/ocpi/emsp/{version}/commands/{command}/{command_id}".format(**parts)

    response = host.post(path, {"result": "ACCEPTED"}, token=token)

    assert response.status_code == status and response.get_json()["status_code"] == 2000
    assert host.sender.results == []
    stored = host.commands.get(command_id=record.id)
    assert stored is not None and stored.result is None


@pytest.mark.parametrize(
    ("body", "field"),
    [({"result": "EVSE_OCCUPIED"}, "result"), ({"outcome": "ACCEPTED"}, "result"), ("accepted", "result"), (3, "body")],
)
def test_an_invalid_result_is_2001_and_leaves_the_command_pending(host: Host, body: Any, field: str) -> None:
    record, url = host.sent()
    response = host.post(url.removeprefix("https://host.example.com"), body, token="cpo")

    assert response.status_code == 200 and response.get_json()["status_code"] == 2001
    assert response.get_json()["status_message"].startswith(f"{field}:")
    assert host.sender.results == []
    stored = host.commands.get(command_id=record.id)
    assert stored is not None and stored.result is None


def test_new_sent_command_refuses_what_could_not_work(host: Host) -> None:
    with host.app.app_context():
        emsp_partner = host.partners.get(partner_id="emsp")
        cpo_partner = host.partners.get(partner_id="cpo")
        assert emsp_partner is not None and cpo_partner is not None
        with pytest.raises(ValueError, match="eMSP tree"):
            new_sent_command(emsp_partner, CommandType.START_SESSION)
        with pytest.raises(ValueError, match="CANCEL_RESERVATION"):
            new_sent_command(cpo_partner, CommandType.CANCEL_RESERVATION)
    assert host.commands.claim_expired(now=utcnow() + timedelta(days=1)) == []
