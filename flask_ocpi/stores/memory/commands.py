"""In-memory :class:`~flask_ocpi.backends.commands.CommandStore` (thread-safe, one process)."""

from __future__ import annotations

import copy
import threading
from datetime import datetime

from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.models import CommandRecord, CommandResult, CommandResultType


class MemoryCommandStore(CommandStore):
    """Keeps commands in a dict behind one lock; returns copies so callers cannot mutate
    stored state.

    Completion is exactly-once among the threads of one process. Commands are lost when
    the process ends and are not shared between workers: use
    :class:`~flask_ocpi.stores.sqlalchemy.commands.SQLAlchemyCommandStore` in production.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, CommandRecord] = {}

    def add(self, *, record: CommandRecord) -> None:
        """Store a new pending command.

        :raises ValueError: when a command with the same id is stored.
        """
        with self._lock:
            if record.id in self._records:
                raise ValueError(f"command {record.id!r} already exists")
            self._records[record.id] = copy.deepcopy(record)

    def discard(self, *, command_id: str) -> None:
        """Remove a command (no error when unknown)."""
        with self._lock:
            self._records.pop(command_id, None)

    def get(self, *, command_id: str) -> CommandRecord | None:
        """A command, pending or completed, or ``None``."""
        with self._lock:
            record = self._records.get(command_id)
            return copy.deepcopy(record) if record is not None else None

    def complete(self, *, command_id: str, result: CommandResult, when: datetime) -> CommandRecord | None:
        """Record the result of a pending command; ``None`` if unknown or already completed."""
        with self._lock:
            record = self._records.get(command_id)
            if record is None or record.result is not None:
                return None
            record.result = copy.deepcopy(result)
            record.completed = when
            return copy.deepcopy(record)

    def claim_expired(self, *, now: datetime, limit: int = 100) -> list[CommandRecord]:
        """Complete (with ``TIMEOUT``) up to ``limit`` pending commands whose deadline is
        at or before ``now``, earliest deadline first."""
        with self._lock:
            expired = sorted(
                (r for r in self._records.values() if r.result is None and r.deadline <= now),
                key=lambda r: (r.deadline, r.id),
            )[: max(limit, 0)]
            for record in expired:
                record.result = CommandResult(result=CommandResultType.TIMEOUT)
                record.completed = now
            return [copy.deepcopy(r) for r in expired]

    def mark_delivered(self, *, command_id: str, delivered: bool) -> None:
        """Record whether the result reached the partner; unknown ids are ignored."""
        with self._lock:
            record = self._records.get(command_id)
            if record is not None:
                record.delivered = delivered


__all__ = ["MemoryCommandStore"]
