"""Commands sent to a CPO and real-time authorization asked of an eMSP.

A command is stored as pending before it is sent (:func:`flask_ocpi.modules.commands.new_sent_command`
gives its ``response_url``), so a result POSTed back at once is never lost; the result
reaches the host's :class:`~flask_ocpi.backends.commands.CommandsSenderBackend` and
:data:`~flask_ocpi.signals.command_result_received`, or ``TIMEOUT`` after
``OCPI_COMMAND_TIMEOUT``. When the CPO does not accept the command, the pending record is
completed with that answer at once (no result will come).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app

from flask_ocpi.client.base import ClientBase
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import OcpiError, PartnerError, PartnerUnreachable
from flask_ocpi.models import (
    AuthorizationInfo,
    Command,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    LocationReferences,
    ModuleID,
    ReserveNow,
    Role,
    StartSession,
    StopSession,
    Token,
    TokenType,
    UnlockConnector,
)
from flask_ocpi.modules import commands
from flask_ocpi.state import get_state

log = logging.getLogger("flask_ocpi")

_TYPES: dict[type, CommandType] = {
    StartSession: CommandType.START_SESSION,
    StopSession: CommandType.STOP_SESSION,
    ReserveNow: CommandType.RESERVE_NOW,
    UnlockConnector: CommandType.UNLOCK_CONNECTOR,
}


@dataclass(frozen=True, slots=True)
class SentCommand:
    """A command we sent: its stored record (``record.id`` is the command id) and the CPO's
    synchronous answer. The final result arrives later (see :meth:`CommandsMixin.wait_for_result`)."""

    record: CommandRecord
    response: CommandResponse

    @property
    def accepted(self) -> bool:
        """Whether the CPO accepted the command (a result will follow)."""
        return self.response.result is CommandResponseType.ACCEPTED


class CommandsMixin(ClientBase):
    """Commands (eMSP → CPO) and real-time authorization (CPO → eMSP)."""

    def send_command(self, command: Command) -> SentCommand:
        """Send a command; its ``response_url`` is replaced by one we generate.

        :raises PartnerError: when the CPO answered with an error (the pending command is
            completed with ``REJECTED`` then, so nothing waits for a result), or gave no
            answer (:class:`PartnerUnreachable`) or one that cannot be read (the command
            stays pending then: its result or a ``TIMEOUT`` still comes).
        """
        self._require(Role.EMSP, "send_command")
        command_type = _TYPES.get(type(command))
        if command_type is None:
            raise ValueError(f"{type(command).__name__} is not a command OCPI {self.partner.version} can send")
        record, response_url = commands.new_sent_command(self.partner, command_type)
        command = replace(command, response_url=response_url)
        try:
            body = self.wire.dump_command(command)
            answer = self._call("POST", ModuleID.COMMANDS, self.wire.command_path(command_type.value), json=body)
        except PartnerUnreachable:
            raise  # no answer (e.g. a read timeout): it may have been accepted; its result or a TIMEOUT settles it
        except (PartnerError, ValueError):
            self._settle(record, CommandResultType.REJECTED)  # not accepted: no result will come
            raise
        try:
            response: CommandResponse = self.wire.load_command_response(self._one(answer.data, "a CommandResponse"))
        except OcpiError as exc:
            # The CPO may well have accepted it: the command stays pending, so its result (or
            # a TIMEOUT after OCPI_COMMAND_TIMEOUT) still reaches the host.
            raise PartnerError(
                f"Partner {self.partner.id} answered {command_type.value} with an unreadable CommandResponse "
                f"({exc.message}); command {record.id} awaits its result or a timeout",
                url=self.url(ModuleID.COMMANDS),
            ) from None
        log.info(
            "Command %s (%s) sent to %s: %s", record.id, command_type.value, self.partner.id, response.result.value
        )
        if response.result is not CommandResponseType.ACCEPTED:
            self._settle(record, CommandResultType(response.result.value))
        return SentCommand(record=record, response=response)

    def _settle(self, record: CommandRecord, result: CommandResultType) -> None:
        """Complete a command that will get no asynchronous result (not accepted)."""
        store = get_state(current_app).commands
        if store is not None:
            store.complete(command_id=record.id, result=CommandResult(result=result), when=utcnow())

    def start_session(self, *, token: Token, location_id: str, evse_uid: str | None = None) -> SentCommand:
        """START_SESSION for ``token`` (one of ours) at a location (and EVSE)."""
        return self.send_command(StartSession(response_url="", token=token, location_id=location_id, evse_uid=evse_uid))

    def stop_session(self, *, session_id: str) -> SentCommand:
        """STOP_SESSION of a session the CPO runs for one of our tokens."""
        return self.send_command(StopSession(response_url="", session_id=session_id))

    def reserve_now(
        self,
        *,
        token: Token,
        expiry_date: datetime,
        reservation_id: str,
        location_id: str,
        evse_uid: str | None = None,
    ) -> SentCommand:
        """RESERVE_NOW (``reservation_id`` is an int in 2.1.1: pass its digits)."""
        command = ReserveNow(
            response_url="",
            token=token,
            expiry_date=expiry_date,
            reservation_id=reservation_id,
            location_id=location_id,
            evse_uid=evse_uid,
        )
        return self.send_command(command)

    def unlock_connector(self, *, location_id: str, evse_uid: str, connector_id: str) -> SentCommand:
        """UNLOCK_CONNECTOR."""
        command = UnlockConnector(
            response_url="", location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
        )
        return self.send_command(command)

    def wait_for_result(self, command_id: str, *, timeout: float = 10.0, interval: float = 0.1) -> CommandResult | None:
        """Poll the command store until the command has its final result (or ``timeout``
        seconds passed: ``None``). For scripts and tests; a web request should not wait."""
        store = get_state(current_app).commands
        deadline = time.monotonic() + timeout
        while store is not None:
            record = store.get(command_id=command_id)
            if record is not None and record.result is not None:
                return record.result
            if time.monotonic() >= deadline:
                return None
            time.sleep(interval)
        return None

    def authorize(
        self,
        token_uid: str,
        *,
        token_type: TokenType = TokenType.RFID,
        location: LocationReferences | None = None,
    ) -> AuthorizationInfo:
        """Real-time authorization of one of the partner's tokens at its eMSP.

        :raises PartnerNotFound: the eMSP does not know the token.
        :raises PartnerNotEnoughInformation: (2002) it needs ``location`` to decide.
        """
        self._require(Role.CPO, "authorize")
        path, params = self.wire.authorize_path(token_uid, token_type)
        body = self.wire.dump_location_references(location) if location is not None else None
        answer = self._call("POST", ModuleID.TOKENS, path, json=body, params=params)
        try:
            data = self._one(answer.data, "an AuthorizationInfo")
            info: AuthorizationInfo = self.wire.load_authorization_info(data, token_owner=self.theirs)
        except OcpiError as exc:
            raise PartnerError(
                f"Partner {self.partner.id} answered an authorization with an invalid AuthorizationInfo: {exc.message}",
                url=self.url(ModuleID.TOKENS),
            ) from None
        log.info("Token %s authorized at %s: %s", token_uid, self.partner.id, info.allowed.value)
        return info
