"""SQLAlchemy :class:`~flask_ocpi.backends.commands.CommandStore` on the ``ocpi_commands`` table.

Completion is exactly-once across threads, processes and hosts: a command is completed
by a conditional ``UPDATE ... WHERE id = :id AND result IS NULL``, and only the caller
whose statement changed the row (row count 1) gets the record back. No database-specific
feature (``RETURNING``, ``SKIP LOCKED``) is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.models import (
    CommandDirection,
    CommandRecord,
    CommandResult,
    CommandResultType,
    CommandType,
    DisplayText,
)
from flask_ocpi.stores.sqlalchemy.base import SQLAlchemyBackendBase
from flask_ocpi.stores.sqlalchemy.tables import commands_table

logger = logging.getLogger("flask_ocpi")

#: The command store's table (see :data:`~flask_ocpi.stores.sqlalchemy.tables.commands_table`).
_table = commands_table


def _messages(result: CommandResult) -> list[dict[str, str]]:
    return [{"language": m.language, "text": m.text} for m in result.message]


def _result_values(result: CommandResult, when: datetime) -> dict[str, Any]:
    return {"result": result.result.value, "result_message": _messages(result), "completed": when}


def _record_values(record: CommandRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "partner_id": record.partner_id,
        "direction": record.direction.value,
        "type": record.type.value,
        "version": record.version,
        "response_url": record.response_url,
        "created": record.created,
        "deadline": record.deadline,
        "result": record.result.result.value if record.result is not None else None,
        "result_message": _messages(record.result) if record.result is not None else None,
        "completed": record.completed,
        "delivered": record.delivered,
    }


def _record_from_row(row: RowMapping) -> CommandRecord:
    result = None
    if row["result"] is not None:
        messages: list[Mapping[str, Any]] = row["result_message"] or []
        result = CommandResult(
            result=CommandResultType(row["result"]),
            message=[DisplayText(language=m["language"], text=m["text"]) for m in messages],
        )
    return CommandRecord(
        id=row["id"],
        partner_id=row["partner_id"],
        direction=CommandDirection(row["direction"]),
        type=CommandType(row["type"]),
        version=row["version"],
        response_url=row["response_url"],
        created=row["created"],
        deadline=row["deadline"],
        result=result,
        completed=row["completed"],
        delivered=row["delivered"],
    )


class SQLAlchemyCommandStore(SQLAlchemyBackendBase, CommandStore):
    """Keeps commands in the ``ocpi_commands`` table, shared by every worker and process.

    Every operation runs in its own transaction; returned records are new objects not
    tied to any session.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see :mod:`flask_ocpi.stores.sqlalchemy.base`).
    """

    def add(self, *, record: CommandRecord) -> None:
        """Store a new command.

        :raises ValueError: when a command with the same id is stored.
        """
        try:
            with self._transaction() as session:
                session.execute(insert(_table), [_record_values(record)])
        except IntegrityError as exc:
            raise ValueError(f"command {record.id!r} already exists") from exc

    def discard(self, *, command_id: str) -> None:
        """Remove a command (no error when unknown)."""
        with self._transaction() as session:
            session.execute(delete(_table).where(_table.c.id == command_id))

    def get(self, *, command_id: str) -> CommandRecord | None:
        """A command, pending or completed, or ``None``."""
        with self._transaction() as session:
            row = session.execute(select(_table).where(_table.c.id == command_id)).mappings().first()
            return _record_from_row(row) if row is not None else None

    def complete(self, *, command_id: str, result: CommandResult, when: datetime) -> CommandRecord | None:
        """Record the result of a pending command; ``None`` if unknown or already completed.

        Exactly one of any number of concurrent callers gets the record back.
        """
        with self._transaction() as session:
            return self._complete(session, command_id, _result_values(result, when))

    def claim_expired(self, *, now: datetime, limit: int = 100) -> list[CommandRecord]:
        """Complete (with ``TIMEOUT``) up to ``limit`` pending commands whose deadline is at
        or before ``now``, earliest deadline first.

        Candidates are read in one transaction, then claimed one conditional ``UPDATE``
        each in a second one, so a concurrent claimer never gets the same command (it may
        get fewer than ``limit`` while others are claiming).
        """
        if limit <= 0:
            return []
        pending = (
            select(_table.c.id)
            .where(_table.c.result.is_(None), _table.c.deadline <= now)
            .order_by(_table.c.deadline, _table.c.id)
            .limit(limit)
        )
        with self._transaction() as session:
            candidates = list(session.execute(pending).scalars())
        if not candidates:
            return []
        values = _result_values(CommandResult(result=CommandResultType.TIMEOUT), now)
        claimed: list[CommandRecord] = []
        with self._transaction() as session:
            for command_id in candidates:
                record = self._complete(session, command_id, values)
                if record is not None:
                    claimed.append(record)
        if claimed:
            logger.debug("Claimed %d expired OCPI command(s)", len(claimed))
        return claimed

    def mark_delivered(self, *, command_id: str, delivered: bool) -> None:
        """Record whether the result reached the partner; unknown ids are ignored."""
        with self._transaction() as session:
            session.execute(update(_table).where(_table.c.id == command_id).values(delivered=delivered))

    @staticmethod
    def _complete(session: Session, command_id: str, values: dict[str, Any]) -> CommandRecord | None:
        """The conditional UPDATE; the row is read back only when this statement changed it."""
        changed = session.execute(
            update(_table).where(_table.c.id == command_id, _table.c.result.is_(None)).values(values)
        )
        if getattr(changed, "rowcount", 0) != 1:
            return None
        row = session.execute(select(_table).where(_table.c.id == command_id)).mappings().one()
        return _record_from_row(row)


__all__ = ["SQLAlchemyCommandStore"]
