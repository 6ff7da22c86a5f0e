"""Commands module backends, and the store of commands awaiting their result."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.models import (
    CancelReservation,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    InterfaceRole,
    ModuleID,
    Partner,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)


class CommandsReceiverBackend(ModuleBackend):
    """CPO: commands from eMSPs, handed to the charge points (e.g. over OCPP).

    Each method answers synchronously whether the command was accepted for delivery to
    the charge point. When it answers ``ACCEPTED``, report the charge point's outcome
    later with :meth:`flask_ocpi.OCPI.report_command_result` (from any process or
    worker) using ``command_id``; Flask-OCPI POSTs it to the eMSP's ``response_url``, or
    a ``TIMEOUT`` once ``OCPI_COMMAND_TIMEOUT`` has passed without one.

    Raise :class:`~flask_ocpi.exceptions.UnknownLocation` for an unknown location (the
    eMSP gets OCPI 2003 with ``REJECTED``).
    """

    module = ModuleID.COMMANDS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def start_session(self, *, partner: Partner, command_id: str, command: StartSession) -> CommandResponse:
        """START_SESSION."""

    @abstractmethod
    def stop_session(self, *, partner: Partner, command_id: str, command: StopSession) -> CommandResponse:
        """STOP_SESSION."""

    @abstractmethod
    def reserve_now(self, *, partner: Partner, command_id: str, command: ReserveNow) -> CommandResponse:
        """RESERVE_NOW."""

    @abstractmethod
    def unlock_connector(self, *, partner: Partner, command_id: str, command: UnlockConnector) -> CommandResponse:
        """UNLOCK_CONNECTOR."""

    def cancel_reservation(self, *, partner: Partner, command_id: str, command: CancelReservation) -> CommandResponse:
        """CANCEL_RESERVATION (OCPI 2.2.1); not supported unless overridden."""
        return CommandResponse(result=CommandResponseType.NOT_SUPPORTED)


class CommandsSenderBackend(ModuleBackend):
    """eMSP: receives the results of the commands we sent, at our ``response_url``."""

    module = ModuleID.COMMANDS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        """The CPO reported the final ``result`` of ``command``."""


class CommandStore(ABC):
    """Where commands awaiting a result are kept, so no restart or worker loses one.

    ``complete`` and ``claim_expired`` must be atomic across processes: each pending
    command is completed exactly once.
    """

    @abstractmethod
    def add(self, *, record: CommandRecord) -> None:
        """Store a new pending command."""

    @abstractmethod
    def discard(self, *, command_id: str) -> None:
        """Remove a command the charge point side did not accept (no error when unknown)."""

    @abstractmethod
    def get(self, *, command_id: str) -> CommandRecord | None:
        """A command, pending or completed, or ``None``."""

    @abstractmethod
    def complete(self, *, command_id: str, result: CommandResult, when: datetime) -> CommandRecord | None:
        """Record the result of a *pending* command and return it; ``None`` when the
        command is unknown or already completed."""

    @abstractmethod
    def claim_expired(self, *, now: datetime, limit: int = 100) -> list[CommandRecord]:
        """Complete up to ``limit`` pending commands whose deadline passed with a TIMEOUT
        result, and return them (with that result set)."""

    @abstractmethod
    def mark_delivered(self, *, command_id: str, delivered: bool) -> None:
        """Record whether the result reached the partner's ``response_url``."""
