"""OCPI 2.1.1 commands: the CPO's receiver interface and the eMSP's ``response_url`` endpoint.

CPO tree (RECEIVER)::

    POST {commands}/{command}                  START_SESSION, STOP_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR

eMSP tree (SENDER)::

    POST {commands}/{command}/{command_id}     the result of a command we sent (our response_url)

A command is validated (2001 naming the fields, nothing stored or called on failure; the
``response_url`` must be an absolute http(s) URL), given a new ``command_id`` and handed to
the host's backend; the answer is the backend's CommandResponse (d2 form ``{"result": ...}``).
An ``ACCEPTED`` command is stored before the answer leaves, so its result can be reported
from any worker (:func:`flask_ocpi.modules.commands.report_command_result`). An unknown location
(the backend raises :class:`~flask_ocpi.exceptions.UnknownLocation`) is answered OCPI 2003
with ``{"result": "REJECTED"}``, as 2.2.1 does (2.1.1 errata). A command value 2.1.1 does not
define, ``CANCEL_RESERVATION`` included, is an unknown resource: HTTP 404.

The ``response_url`` endpoint answers only the partner the command was sent to, for the
URL we gave it (else HTTP 404, nothing recorded). Its body may be a CommandResponse object
or the bare value of the original 2.1.1 text. The first result completes the command and
reaches the host's backend; a later one (repeated POST, or a result after our own timeout)
is answered 1000 with a status message saying it was ignored, and logged.
"""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from flask_ocpi.exceptions import ClientError, NotFound, UnknownLocation
from flask_ocpi.models import CommandResponse, CommandResponseType, CommandType, Partner, PartyKey, Role
from flask_ocpi.modules.commands import (
    accept_command_result,
    check_response_url,
    find_sent_command,
    receive_command,
)
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, path_doc
from flask_ocpi.transport.views import caller, json_body
from flask_ocpi.v2_1_1 import VERSION
from flask_ocpi.v2_1_1.schemas.commands import (
    COMMANDS,
    CommandResponseSchema,
    ReserveNowSchema,
    StartSessionSchema,
    StopSessionSchema,
    UnlockConnectorSchema,
    dump_command_response,
    load_command,
    load_command_result,
)


def register(blp: Blueprint, role: Role) -> None:
    """Add the commands endpoint of one role tree (CPO: receiver, eMSP: sender)."""
    if role is Role.CPO:
        _register_receiver(blp)
    else:
        _register_sender(blp)


def command_type(value: str) -> CommandType:
    """The command of the URL (case-insensitive), or HTTP 404 when 2.1.1 has no such command."""
    found = next((c for c in COMMANDS if c.value == value.upper()), None)
    if found is None:
        raise NotFound(f"OCPI {VERSION} has no command {value!r}")
    return found


def token_owner(partner: Partner) -> PartyKey:
    """The party owning the tokens of the caller's commands: its eMSP party (2.1.1 tokens
    in commands carry no owner; an eMSP may only use its own tokens)."""
    roles = partner.roles  # without our own parties, whatever the partner row says
    emsp = [r for r in roles if r.role is Role.EMSP] or roles
    if not emsp:
        raise ClientError("This connection has no party of its own to send commands for")
    return emsp[0].key


def _body_doc() -> dict[str, object]:
    doc = body_doc(StartSessionSchema, "The command object matching {command}")
    doc["requestBody"]["content"]["application/json"]["schema"] = {
        "oneOf": [StartSessionSchema, StopSessionSchema, ReserveNowSchema, UnlockConnectorSchema]
    }
    return doc


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/commands/<command>",
        methods=["POST"],
        endpoint="commands",
        strict_slashes=False,
        parameters=path_doc(enums={"command": [c.value for c in COMMANDS]}),
    )
    @blp.doc(**_body_doc())
    @blp.alt_response(
        200,
        schema=envelope_schema(CommandResponseSchema),
        success=True,
        description="The CPO's answer (status 2003 with REJECTED for an unknown location)",
    )
    def post_command(command: str) -> Response:
        """Send a command to a charge point; its outcome is POSTed later to ``response_url``."""
        kind = command_type(command)
        partner = caller()
        parsed = load_command(kind, json_body(), token_owner=token_owner(partner))
        check_response_url(parsed.response_url)
        try:
            _, response = receive_command(partner, kind, parsed, version=VERSION)
        except UnknownLocation as exc:
            rejected = dump_command_response(CommandResponse(result=CommandResponseType.REJECTED))
            raise UnknownLocation(exc.message, data=rejected) from exc
        return ok(dump_command_response(response))


def _register_sender(blp: Blueprint) -> None:
    @blp.route(
        "/commands/<command>/<command_id>",
        methods=["POST"],
        endpoint="command_result",
        strict_slashes=False,
        parameters=path_doc(command_id=36, enums={"command": [c.value for c in COMMANDS]}),
    )
    @blp.doc(**body_doc(CommandResponseSchema, "The charge point's result (a bare CommandResponseType is accepted)"))
    @blp.alt_response(
        200, schema=envelope_schema(None), success=True, description="Received (a repeated result is ignored)"
    )
    def post_command_result(command: str, command_id: str) -> Response:
        """The ``response_url`` of a command we sent: the CPO reports its result here."""
        partner = caller()
        record = find_sent_command(partner, command, command_id, version=VERSION)
        result = load_command_result(json_body())
        if accept_command_result(partner, record, result) is None:
            return ok(status_message="Result already received; ignored")
        return ok()


__all__ = ["COMMANDS", "command_type", "register", "token_owner"]
