"""The eMSP side of commands: results of the commands we sent, kept for the customer app."""

from __future__ import annotations

import logging

from flask_ocpi.backends.commands import CommandsSenderBackend
from flask_ocpi.models import CommandRecord, CommandResult, Partner

log = logging.getLogger("example_app")


class RecordCommandResults(CommandsSenderBackend):
    """Logs each result; a real eMSP would notify the driver's app here."""

    def __init__(self) -> None:
        self.results: dict[str, CommandResult] = {}

    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        self.results[command.id] = result
        log.info("Command %s %s at %s: %s", command.type.value, command.id, partner.id, result.result.value)
