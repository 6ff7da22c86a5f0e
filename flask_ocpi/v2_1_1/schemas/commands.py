"""OCPI 2.1.1 Commands module: command bodies and CommandResponse (``mod_commands.md``).

Wire ↔ model: ReserveNow's ``reservation_id`` is an int on the 2.1.1 wire and a string in the
model; the ``token`` of StartSession/ReserveNow is a full Token of the commanding eMSP.
2.1.1 has no CANCEL_RESERVATION and no CommandResult: the asynchronous result POSTed to the
``response_url`` is a CommandResponse. The original 2.1.1 text sent a bare CommandResponseType
string there (and as the synchronous ``data``), 2.1.1-d2 an object ``{"result": ...}``: both
are accepted on load, the object is sent.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from flask_ocpi.dates import format_datetime
from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.models import (
    Command,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    PartyKey,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from flask_ocpi.schemas import OcpiDateTime, OcpiURL, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import INT32_MAX, Between, Enum, Int, ModelSchema, NotExpressible, Opt, Str
from flask_ocpi.v2_1_1.schemas.tokens import TokenSchema, dump_token, token_from_data

#: Command results 2.1.1 can report (as a CommandResponseType); any other becomes REJECTED.
_RESULTS_211 = frozenset(
    {
        CommandResultType.ACCEPTED,
        CommandResultType.NOT_SUPPORTED,
        CommandResultType.REJECTED,
        CommandResultType.TIMEOUT,
        CommandResultType.UNKNOWN_SESSION,
    }
)


#: The commands OCPI 2.1.1 defines (2.2.1 adds CANCEL_RESERVATION).
COMMANDS: frozenset[CommandType] = frozenset(
    {CommandType.RESERVE_NOW, CommandType.START_SESSION, CommandType.STOP_SESSION, CommandType.UNLOCK_CONNECTOR}
)


class StartSessionSchema(ModelSchema):
    """``StartSession`` object (3.3). Loads into a dict (the token's owner is not on the wire)."""

    response_url = OcpiURL(required=True)
    token = fields.Nested(TokenSchema, required=True)
    location_id = Str(39, required=True)
    evse_uid = Opt(Str, 39)


class StopSessionSchema(ModelSchema):
    """``StopSession`` object (3.4)."""

    model = StopSession
    response_url = OcpiURL(required=True)
    session_id = Str(36, required=True)


class ReserveNowSchema(ModelSchema):
    """``ReserveNow`` object (3.2). Loads into a dict (the token's owner is not on the wire)."""

    response_url = OcpiURL(required=True)
    token = fields.Nested(TokenSchema, required=True)
    expiry_date = OcpiDateTime(required=True)
    reservation_id = Int(required=True, validate=Between(0, INT32_MAX))
    location_id = Str(39, required=True)
    evse_uid = Opt(Str, 39)

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        data["reservation_id"] = str(data["reservation_id"])
        return data


class UnlockConnectorSchema(ModelSchema):
    """``UnlockConnector`` object (3.5)."""

    model = UnlockConnector
    response_url = OcpiURL(required=True)
    location_id = Str(39, required=True)
    evse_uid = Str(39, required=True)
    connector_id = Str(36, required=True)


class CommandResponseSchema(ModelSchema):
    """``CommandResponse`` object (3.1): only ``result`` in 2.1.1."""

    model = CommandResponse
    result = Enum(CommandResponseType, required=True)


_START = StartSessionSchema()
_STOP = StopSessionSchema()
_RESERVE = ReserveNowSchema()
_UNLOCK = UnlockConnectorSchema()
_RESPONSE = CommandResponseSchema()


def load_command(
    command_type: CommandType, data: Any, *, token_owner: PartyKey
) -> StartSession | StopSession | ReserveNow | UnlockConnector:
    """Load the body of a 2.1.1 command; a ``token`` in it belongs to ``token_owner``.

    :raises InvalidOrMissingParameters: for CANCEL_RESERVATION (not a 2.1.1 command) or an
        invalid body, naming the fields.
    """
    if command_type == CommandType.START_SESSION:
        loaded = load_or_raise(_START, data)
        loaded["token"] = token_from_data(loaded["token"], token_owner)
        return StartSession(**loaded)
    if command_type == CommandType.RESERVE_NOW:
        loaded = load_or_raise(_RESERVE, data)
        loaded["token"] = token_from_data(loaded["token"], token_owner)
        return ReserveNow(**loaded)
    if command_type == CommandType.STOP_SESSION:
        stop: StopSession = load_or_raise(_STOP, data)
        return stop
    if command_type == CommandType.UNLOCK_CONNECTOR:
        unlock: UnlockConnector = load_or_raise(_UNLOCK, data)
        return unlock
    raise InvalidOrMissingParameters(f"command: {command_type} is not an OCPI 2.1.1 command")


def _response(data: Any) -> CommandResponse:
    if isinstance(data, str):  # the original 2.1.1 text: a bare CommandResponseType
        data = {"result": data}
    response: CommandResponse = load_or_raise(_RESPONSE, data)
    return response


def load_command_response(data: Any) -> CommandResponse:
    """Load a CPO's synchronous answer: ``{"result": ...}`` or the bare string of the original
    2.1.1 text. :raises InvalidOrMissingParameters: naming ``result``."""
    return _response(data)


def load_command_result(data: Any) -> CommandResult:
    """Load the asynchronous result a CPO POSTs to a ``response_url``: a CommandResponse object
    (2.1.1-d2) or a bare CommandResponseType string (original 2.1.1), as a CommandResult.

    :raises InvalidOrMissingParameters: naming ``result``.
    """
    return CommandResult(result=CommandResultType(_response(data).result.value))


# --------------------------------------------------------------------------------- dumps


def _reservation_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or str(int(value)) != value:
        raise NotExpressible(f"reservation id {value!r} is not an OCPI 2.1.1 int")
    return int(value)


def dump_command(command: Command) -> dict[str, Any]:
    """A command body as 2.1.1 JSON (2.2.1's ``connector_id``/``authorization_reference`` left out).

    :raises NotExpressible: for a CancelReservation, or a reservation id that is not an int.
    """
    if isinstance(command, StartSession):
        out: dict[str, Any] = {
            "response_url": command.response_url,
            "token": dump_token(command.token),
            "location_id": command.location_id,
        }
        if command.evse_uid is not None:
            out["evse_uid"] = command.evse_uid
        return out
    if isinstance(command, ReserveNow):
        out = {
            "response_url": command.response_url,
            "token": dump_token(command.token),
            "expiry_date": format_datetime(command.expiry_date),
            "reservation_id": _reservation_id(command.reservation_id),
            "location_id": command.location_id,
        }
        if command.evse_uid is not None:
            out["evse_uid"] = command.evse_uid
        return out
    if isinstance(command, StopSession):
        return {"response_url": command.response_url, "session_id": command.session_id}
    if isinstance(command, UnlockConnector):
        return {
            "response_url": command.response_url,
            "location_id": command.location_id,
            "evse_uid": command.evse_uid,
            "connector_id": command.connector_id,
        }
    raise NotExpressible(f"{type(command).__name__} is not an OCPI 2.1.1 command")


def dump_command_response(response: CommandResponse) -> dict[str, Any]:
    """A CommandResponse as 2.1.1 JSON: ``{"result": ...}`` only (2.2.1's timeout/message left out)."""
    return {"result": response.result}


def dump_command_result(result: CommandResult) -> dict[str, Any]:
    """A command's final result as the 2.1.1 CommandResponse POSTed to the ``response_url``.

    ACCEPTED, NOT_SUPPORTED, REJECTED, TIMEOUT and UNKNOWN_SESSION keep their name; every other
    2.2.1 result (EVSE_OCCUPIED, FAILED, ...) becomes REJECTED.
    """
    value = result.result
    return {"result": CommandResponseType(value.value) if value in _RESULTS_211 else CommandResponseType.REJECTED}
