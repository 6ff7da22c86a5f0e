"""OCPI 2.1.1 Commands schemas (``mod_commands.md``; it has no JSON examples)."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema

from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.models import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    DisplayText,
    ReserveNow,
    StartSession,
    StopSession,
    TokenType,
    UnlockConnector,
)
from flask_ocpi.v2_1_1.schemas.commands import (
    CommandResponseSchema,
    ReserveNowSchema,
    StartSessionSchema,
    StopSessionSchema,
    UnlockConnectorSchema,
    dump_command,
    dump_command_response,
    dump_command_result,
    load_command,
    load_command_response,
    load_command_result,
)
from flask_ocpi.v2_1_1.schemas.common import NotExpressible
from flask_ocpi.v2_1_1.schemas.tokens import dump_token
from tests.v2_1_1.examples import EMSP, at, errors, rich_token

MISSING = "Missing data for required field."
URL = "https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/42"

COMMANDS: list[tuple[CommandType, Any, type[Schema]]] = [
    (
        CommandType.START_SESSION,
        StartSession(response_url=URL, token=rich_token(), location_id="LOC1", evse_uid="3256"),
        StartSessionSchema,
    ),
    (
        CommandType.RESERVE_NOW,
        ReserveNow(
            response_url=URL,
            token=rich_token(),
            expiry_date=at(23),
            reservation_id="1234",
            location_id="LOC1",
            evse_uid="3256",
        ),
        ReserveNowSchema,
    ),
    (CommandType.STOP_SESSION, StopSession(response_url=URL, session_id="101"), StopSessionSchema),
    (
        CommandType.UNLOCK_CONNECTOR,
        UnlockConnector(response_url=URL, location_id="LOC1", evse_uid="3256", connector_id="1"),
        UnlockConnectorSchema,
    ),
]


@pytest.mark.parametrize(("command_type", "command", "schema"), COMMANDS)
def test_commands_dump_validate_and_round_trip(command_type: CommandType, command: Any, schema: type[Schema]) -> None:
    dumped = dump_command(command)
    assert schema().validate(dumped) == {}
    assert load_command(command_type, dumped, token_owner=EMSP) == command


def test_start_session_body() -> None:
    body = {"response_url": URL, "token": dump_token(rich_token()), "location_id": "LOC1"}
    command = load_command(CommandType.START_SESSION, body, token_owner=EMSP)
    assert command == StartSession(response_url=URL, token=rich_token(), location_id="LOC1")
    assert isinstance(command, StartSession)
    assert (command.token.country_code, command.token.party_id) == ("NL", "TNM")
    # 2.2.1's connector_id/authorization_reference are unknown in 2.1.1
    body.update(connector_id="1", authorization_reference="R")
    assert load_command(CommandType.START_SESSION, body, token_owner=EMSP) == command


def test_reserve_now_reservation_id_is_an_int_on_the_wire() -> None:
    _, reserve, _ = COMMANDS[1]
    dumped = dump_command(reserve)
    assert dumped["reservation_id"] == 1234
    assert dumped["expiry_date"] == "2015-06-29T23:00:09Z"
    for bad in ("1234", 12.5, True, None):
        body = {**dumped, "reservation_id": bad}
        expected = "Field may not be null." if bad is None else "Not a valid integer."
        assert errors(load_command, CommandType.RESERVE_NOW, body, token_owner=EMSP) == {"reservation_id": expected}


@pytest.mark.parametrize("reservation_id", ["R-1", "007", "12a", "", "\u0661"])
def test_reservation_ids_211_cannot_carry(reservation_id: str) -> None:
    _, reserve, _ = COMMANDS[1]
    with pytest.raises(NotExpressible, match="reservation id"):
        dump_command(ReserveNow(**{**vars_of(reserve), "reservation_id": reservation_id}))


def vars_of(command: Any) -> dict[str, Any]:
    return {name: getattr(command, name) for name in command.__dataclass_fields__}


@pytest.mark.parametrize(
    ("command_type", "missing"),
    [
        (CommandType.START_SESSION, {"response_url", "token", "location_id"}),
        (CommandType.RESERVE_NOW, {"response_url", "token", "expiry_date", "reservation_id", "location_id"}),
        (CommandType.STOP_SESSION, {"response_url", "session_id"}),
        (CommandType.UNLOCK_CONNECTOR, {"response_url", "location_id", "evse_uid", "connector_id"}),
    ],
)
def test_required_fields(command_type: CommandType, missing: set[str]) -> None:
    assert errors(load_command, command_type, {}, token_owner=EMSP) == {name: MISSING for name in missing}


@pytest.mark.parametrize(
    ("index", "change", "path", "message"),
    [
        (0, {"location_id": "x" * 40}, "location_id", "Longer than maximum length 39."),
        (0, {"evse_uid": "x" * 40}, "evse_uid", "Longer than maximum length 39."),
        (0, {"response_url": "/commands/START_SESSION/1"}, "response_url", "Not a valid URL."),
        (2, {"session_id": "x" * 37}, "session_id", "Longer than maximum length 36."),
        (3, {"connector_id": "x" * 37}, "connector_id", "Longer than maximum length 36."),
        (3, {"evse_uid": None}, "evse_uid", "Field may not be null."),
        (1, {"expiry_date": "tomorrow"}, "expiry_date", "Not a valid OCPI DateTime."),
    ],
)
def test_wrong_values(index: int, change: dict[str, Any], path: str, message: str) -> None:
    command_type, command, _ = COMMANDS[index]
    body = {**dump_command(command), **change}
    assert errors(load_command, command_type, body, token_owner=EMSP) == {path: message}


@pytest.mark.parametrize("command_type", [CommandType.START_SESSION, CommandType.RESERVE_NOW])
def test_token_errors_are_named_inside_token(command_type: CommandType) -> None:
    body = dump_command(next(c for t, c, _ in COMMANDS if t is command_type))
    body["token"]["type"] = "APP_USER"  # 2.2.1 only
    del body["token"]["auth_id"]
    found = errors(load_command, command_type, body, token_owner=EMSP)
    assert set(found) == {"token.type", "token.auth_id"}
    assert found["token.auth_id"] == MISSING


def test_cancel_reservation_is_not_a_211_command() -> None:
    with pytest.raises(InvalidOrMissingParameters, match=r"CANCEL_RESERVATION is not an OCPI 2\.1\.1 command") as info:
        load_command(CommandType.CANCEL_RESERVATION, {"response_url": URL, "reservation_id": "1"}, token_owner=EMSP)
    assert info.value.status_code == 2001
    with pytest.raises(NotExpressible):
        dump_command(CancelReservation(response_url=URL, reservation_id="1"))


def test_dump_command_leaves_out_22_fields_and_maps_token_type() -> None:
    command = StartSession(
        response_url=URL,
        token=rich_token(TokenType.APP_USER),
        location_id="LOC1",
        evse_uid="3256",
        connector_id="1",
        authorization_reference="REF",
    )
    dumped = dump_command(command)
    assert set(dumped) == {"response_url", "token", "location_id", "evse_uid"}
    assert dumped["token"]["type"] == "OTHER"
    assert StartSessionSchema().validate(dumped) == {}
    assert "evse_uid" not in dump_command(StartSession(response_url=URL, token=rich_token(), location_id="L"))


def test_command_response() -> None:
    response = CommandResponse(
        result=CommandResponseType.TIMEOUT, timeout=30, message=[DisplayText(language="en", text="x")]
    )
    dumped = dump_command_response(response)
    assert dumped == {"result": "TIMEOUT"}  # 2.1.1 has only "result"
    assert CommandResponseSchema().validate(dumped) == {}
    assert load_command_response(dumped) == CommandResponse(result=CommandResponseType.TIMEOUT)
    # the original 2.1.1 text sent a bare CommandResponseType as data (notes 7.1 #1)
    assert load_command_response("ACCEPTED") == CommandResponse(result=CommandResponseType.ACCEPTED)


@pytest.mark.parametrize("value", list(CommandResponseType))
def test_command_result_accepts_object_and_bare_string(value: CommandResponseType) -> None:
    # The async body POSTed to a response_url: a CommandResponse object in 2.1.1-d2, a bare
    # CommandResponseType string in the original 2.1.1 text (notes 7.1 #2). Each 2.1.1
    # CommandResponseType has a CommandResultType of the same name.
    expected = CommandResult(result=CommandResultType[value.name])
    assert load_command_result({"result": value.value}) == expected
    assert load_command_result(value.value) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, MISSING),
        ({"result": None}, "Field may not be null."),
        ({"result": "FAILED"}, None),  # a 2.2.1 CommandResultType, not a 2.1.1 CommandResponseType
        ("EVSE_OCCUPIED", None),
        ("accepted", None),
        ({"result": 1}, None),
    ],
)
def test_command_result_refusals(data: Any, message: str | None) -> None:
    found = errors(load_command_result, data)
    assert set(found) == {"result"}
    if message is None:
        assert found["result"].startswith("Not an OCPI 2.1.1 value")
    else:
        assert found["result"] == message


def test_command_result_body_must_be_object_or_string() -> None:
    assert errors(load_command_result, ["ACCEPTED"]) == {"body": "Invalid input type."}


def test_command_result_ignores_22_message() -> None:
    body = {"result": "REJECTED", "message": [{"language": "en", "text": "Occupied"}]}
    assert load_command_result(body) == CommandResult(result=CommandResultType.REJECTED)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (CommandResultType.ACCEPTED, "ACCEPTED"),
        (CommandResultType.NOT_SUPPORTED, "NOT_SUPPORTED"),
        (CommandResultType.REJECTED, "REJECTED"),
        (CommandResultType.TIMEOUT, "TIMEOUT"),
        (CommandResultType.UNKNOWN_SESSION, "UNKNOWN_SESSION"),
        (CommandResultType.CANCELED_RESERVATION, "REJECTED"),
        (CommandResultType.EVSE_OCCUPIED, "REJECTED"),
        (CommandResultType.EVSE_INOPERATIVE, "REJECTED"),
        (CommandResultType.FAILED, "REJECTED"),
        (CommandResultType.UNKNOWN_RESERVATION, "REJECTED"),
    ],
)
def test_dump_command_result(result: CommandResultType, expected: str) -> None:
    dumped = dump_command_result(CommandResult(result=result, message=[DisplayText(language="en", text="x")]))
    assert dumped == {"result": expected}
    assert CommandResponseSchema().validate(dumped) == {}


def test_every_command_result_type_is_covered() -> None:
    assert len(CommandResultType) == 10
