"""SQLAlchemy :class:`~flask_ocpi.backends.deliveries.DeliveryStore` and
:class:`~flask_ocpi.backends.deliveries.SyncStore`, on the ``ocpi_deliveries`` and
``ocpi_sync_marks`` tables (:mod:`flask_ocpi.stores.sqlalchemy.tables`).

Leases are exclusive across threads, processes and hosts: a delivery is leased by a
conditional ``UPDATE ... WHERE id = :id AND lease_until <value read>`` (and still due),
and only the caller whose statement changed the row (row count 1) gets it. Reports of
a worker compare the revision it sent in their ``WHERE``, so a change enqueued meanwhile
is never lost. Concurrent inserts of one key collide on a unique constraint and are
retried as updates. No database-specific feature (``RETURNING``, ``SKIP LOCKED``,
``ON CONFLICT``) is needed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    RowMapping,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore, truncate_error
from flask_ocpi.models import Delivery, DeliveryOperation, DeliveryStatus, ModuleID
from flask_ocpi.stores.sqlalchemy.base import SQLAlchemyBackendBase
from flask_ocpi.stores.sqlalchemy.tables import UTCDateTime, deliveries_table, sync_marks_table

logger = logging.getLogger("flask_ocpi")

T = TypeVar("T")

#: How often an upsert that lost a race against a concurrent insert is retried.
_UPSERT_TRIES = 5

_table = deliveries_table
_marks = sync_marks_table


def _delivery_from_row(row: RowMapping) -> Delivery:
    enums = {
        "module": ModuleID(row["module"]),
        "operation": DeliveryOperation(row["operation"]),
        "status": DeliveryStatus(row["status"]),
    }
    return Delivery(**{**row, **enums})


def _rowcount(result: Any) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count


class _Upserting(SQLAlchemyBackendBase):
    def _upsert(self, write: Callable[[Session], T]) -> T:
        """Run ``write`` (update, else insert) in a transaction; again when a concurrent
        insert of the same key made it fail, which turns its insert into an update."""
        for attempt in range(1, _UPSERT_TRIES + 1):
            try:
                with self._transaction() as session:
                    return write(session)
            except IntegrityError:
                if attempt == _UPSERT_TRIES:
                    raise
                logger.debug("Concurrent insert of the same OCPI store key; retrying as an update")
        raise AssertionError("unreachable")  # pragma: no cover


class SQLAlchemyDeliveryStore(_Upserting, DeliveryStore):
    """Keeps deliveries in the ``ocpi_deliveries`` table, shared by every worker and process.

    Every operation runs in its own transaction (leasing in two: one to read candidates,
    one to lease them); returned deliveries are new objects not tied to any session.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see :mod:`flask_ocpi.stores.sqlalchemy.base`).
    """

    def enqueue(
        self,
        *,
        partner_id: str,
        module: ModuleID,
        object_key: str,
        operation: DeliveryOperation,
        payload: str | None,
        previous: str | None,
        now: datetime,
    ) -> Delivery:
        """Store the latest change of an object for a partner (see
        :meth:`DeliveryStore.enqueue <flask_ocpi.backends.deliveries.DeliveryStore.enqueue>`).

        Safe under concurrent enqueues of one object from several processes: they end
        with one row, whose revision counts every one of them.
        """
        module_id = ModuleID(module).value
        key = (_table.c.partner_id == partner_id, _table.c.module == module_id, _table.c.object_key == object_key)
        changes = {
            "operation": DeliveryOperation(operation).value,
            "payload": payload,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "updated": now,
            "next_attempt": now,
        }
        new = {"partner_id": partner_id, "module": module_id, "object_key": object_key, "previous": previous}

        def write(session: Session) -> Delivery:
            replace = update(_table).where(*key).values(revision=_table.c.revision + 1, **changes)
            if _rowcount(session.execute(replace)) != 1:
                row = {**changes, **new, "id": uuid.uuid4().hex, "revision": 1, "created": now}
                session.execute(insert(_table), [row])
            return _delivery_from_row(session.execute(select(_table).where(*key)).mappings().one())

        return self._upsert(write)

    def claim_due(self, *, now: datetime, lease_seconds: float, limit: int = 100) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries, earliest ``next_attempt`` first.

        Candidates are read in one transaction, then leased one conditional ``UPDATE``
        each (in id order, so concurrent claimers lock rows in the same order) in a
        second one; a concurrent claimer never gets the same delivery.
        """
        if limit <= 0:
            return []
        due = (
            select(_table.c.id, _table.c.lease_until)
            .where(*self._due(now))
            .order_by(_table.c.next_attempt, _table.c.created, _table.c.id)
            .limit(limit)
        )
        with self._transaction() as session:
            candidates = [(row.id, row.lease_until) for row in session.execute(due)]
        if not candidates:
            return []
        lease_until = now + timedelta(seconds=lease_seconds)
        claimed: dict[str, Delivery] = {}
        with self._transaction() as session:
            for delivery_id, read in sorted(candidates, key=lambda c: str(c[0])):
                delivery = self._lease(session, delivery_id, read, now, lease_until)
                if delivery is not None:
                    claimed[delivery_id] = delivery
        if claimed:
            logger.debug("Claimed %d OCPI delivery(ies)", len(claimed))
        return [claimed[delivery_id] for delivery_id, _ in candidates if delivery_id in claimed]

    def claim(self, *, delivery_id: str, now: datetime, lease_seconds: float) -> Delivery | None:
        """Lease one due delivery; ``None`` when unknown, failed, not due or leased."""
        read = select(_table.c.lease_until).where(_table.c.id == delivery_id, *self._due(now))
        with self._transaction() as session:
            candidates = list(session.execute(read))
        if not candidates:
            return None
        with self._transaction() as session:
            lease_until = now + timedelta(seconds=lease_seconds)
            return self._lease(session, delivery_id, candidates[0].lease_until, now, lease_until)

    def delivered(self, *, delivery_id: str, revision: int, sent: str | None) -> bool:
        """Remove the delivery if still at ``revision``; else keep it for the newer change."""
        with self._transaction() as session:
            done = session.execute(delete(_table).where(_table.c.id == delivery_id, _table.c.revision == revision))
            if _rowcount(done) == 1:
                return True
            kept = session.execute(
                update(_table)
                .where(_table.c.id == delivery_id, _table.c.revision != revision)
                .values(previous=sent, lease_until=None, attempts=0)
            )
            return _rowcount(kept) != 1

    def failed(
        self, *, delivery_id: str, revision: int, error: str, next_attempt: datetime, uncertain: bool = False
    ) -> Delivery | None:
        """Record a failed attempt and when to try again (not counted when stale)."""
        error = truncate_error(error)
        earlier = case(
            (_table.c.next_attempt > next_attempt, literal(next_attempt, UTCDateTime())),
            else_=_table.c.next_attempt,
        )
        unknown = {"previous": None} if uncertain else {}
        with self._transaction() as session:
            counted = session.execute(
                update(_table)
                .where(_table.c.id == delivery_id, _table.c.revision == revision)
                .values(
                    attempts=_table.c.attempts + 1,
                    last_error=error,
                    next_attempt=next_attempt,
                    lease_until=None,
                    **unknown,
                )
            )
            if _rowcount(counted) != 1:
                session.execute(
                    update(_table)
                    .where(_table.c.id == delivery_id, _table.c.revision != revision)
                    .values(last_error=error, next_attempt=earlier, lease_until=None, **unknown)
                )
            return self._read(session, delivery_id)

    def give_up(self, *, delivery_id: str, revision: int, error: str, uncertain: bool = False) -> Delivery | None:
        """Mark the delivery ``FAILED`` if still at ``revision`` (else keep it pending)."""
        error = truncate_error(error)
        unknown = {"previous": None} if uncertain else {}
        with self._transaction() as session:
            session.execute(
                update(_table)
                .where(_table.c.id == delivery_id, _table.c.revision == revision)
                .values(status=DeliveryStatus.FAILED.value, attempts=_table.c.attempts + 1)
            )
            session.execute(
                update(_table).where(_table.c.id == delivery_id).values(last_error=error, lease_until=None, **unknown)
            )
            return self._read(session, delivery_id)

    def retry(self, *, delivery_id: str, now: datetime) -> bool:
        """Make a ``FAILED`` delivery pending again, due ``now``."""
        with self._transaction() as session:
            changed = session.execute(
                update(_table)
                .where(_table.c.id == delivery_id, _table.c.status == DeliveryStatus.FAILED.value)
                .values(status=DeliveryStatus.PENDING.value, attempts=0, next_attempt=now, lease_until=None)
            )
            return _rowcount(changed) == 1

    def hurry(self, *, now: datetime, partner_id: str | None = None) -> int:
        """Make waiting ``PENDING`` deliveries due ``now``; how many."""
        conditions = [
            _table.c.status == DeliveryStatus.PENDING.value,
            _table.c.next_attempt > now,
            _table.c.lease_until.is_(None),
        ]
        if partner_id is not None:
            conditions.append(_table.c.partner_id == partner_id)
        with self._transaction() as session:
            return _rowcount(session.execute(update(_table).where(*conditions).values(next_attempt=now)))

    def discard(self, *, delivery_id: str) -> bool:
        """Remove a delivery; whether it existed."""
        with self._transaction() as session:
            return _rowcount(session.execute(delete(_table).where(_table.c.id == delivery_id))) == 1

    def discard_partner(self, *, partner_id: str) -> int:
        """Remove all deliveries to a partner; how many there were."""
        with self._transaction() as session:
            return _rowcount(session.execute(delete(_table).where(_table.c.partner_id == partner_id)))

    def get(self, *, delivery_id: str) -> Delivery | None:
        """A delivery, or ``None``."""
        with self._transaction() as session:
            return self._read(session, delivery_id)

    def count(self, *, status: DeliveryStatus | None = None, partner_id: str | None = None) -> int:
        """How many deliveries match."""
        query = select(func.count()).select_from(_table).where(*self._filters(status, partner_id))
        with self._transaction() as session:
            return int(session.execute(query).scalar_one())

    @staticmethod
    def _due(now: datetime) -> tuple[Any, ...]:
        """The conditions of a delivery that may be leased at ``now``."""
        lease = _table.c.lease_until
        return (
            _table.c.status == DeliveryStatus.PENDING.value,
            _table.c.next_attempt <= now,
            lease.is_(None) | (lease < now),
        )

    @staticmethod
    def _filters(status: DeliveryStatus | None, partner_id: str | None) -> tuple[Any, ...]:
        return (
            *(() if status is None else (_table.c.status == status.value,)),
            *(() if partner_id is None else (_table.c.partner_id == partner_id,)),
        )

    @staticmethod
    def _read(session: Session, delivery_id: str) -> Delivery | None:
        row = session.execute(select(_table).where(_table.c.id == delivery_id)).mappings().first()
        return _delivery_from_row(row) if row is not None else None

    @classmethod
    def _lease(
        cls, session: Session, delivery_id: str, read: datetime | None, now: datetime, lease_until: datetime
    ) -> Delivery | None:
        """The conditional UPDATE: only if still due and the lease is the one read; the row
        is read back only when this statement changed it. Taking over an ended lease (its
        worker died or hung mid-attempt) forgets ``previous``: that attempt may have arrived."""
        held = _table.c.lease_until.is_(None) if read is None else _table.c.lease_until == read
        due = (_table.c.status == DeliveryStatus.PENDING.value, _table.c.next_attempt <= now)
        unknown = {} if read is None else {"previous": None}
        changed = session.execute(
            update(_table).where(_table.c.id == delivery_id, *due, held).values(lease_until=lease_until, **unknown)
        )
        if _rowcount(changed) != 1:
            return None
        return cls._read(session, delivery_id)

    def list(
        self, *, status: DeliveryStatus | None = None, partner_id: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Up to ``limit`` matching deliveries, by ``next_attempt``, then ``created``."""
        if limit <= 0:
            return []
        query = (
            select(_table)
            .where(*self._filters(status, partner_id))
            .order_by(_table.c.next_attempt, _table.c.created, _table.c.id)
            .limit(limit)
        )
        with self._transaction() as session:
            return [_delivery_from_row(row) for row in session.execute(query).mappings()]


class SQLAlchemySyncStore(_Upserting, SyncStore):
    """Keeps the sync marks in the ``ocpi_sync_marks`` table, shared by every process.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see :mod:`flask_ocpi.stores.sqlalchemy.base`).
    """

    def get(self, *, partner_id: str, module: ModuleID) -> datetime | None:
        """The mark of a partner's module, or ``None``."""
        query = select(_marks.c.synced_until).where(
            _marks.c.partner_id == partner_id, _marks.c.module == ModuleID(module).value
        )
        with self._transaction() as session:
            value: datetime | None = session.execute(query).scalar_one_or_none()
            return value

    def set(self, *, partner_id: str, module: ModuleID, synced_until: datetime) -> None:
        """Store (or replace) the mark of a partner's module."""
        key = (_marks.c.partner_id == partner_id, _marks.c.module == ModuleID(module).value)

        def write(session: Session) -> None:
            if _rowcount(session.execute(update(_marks).where(*key).values(synced_until=synced_until))) != 1:
                row = {"partner_id": partner_id, "module": ModuleID(module).value, "synced_until": synced_until}
                session.execute(insert(_marks), [row])

        self._upsert(write)

    def forget(self, *, partner_id: str) -> int:
        """Remove every mark of a partner; how many there were."""
        with self._transaction() as session:
            return _rowcount(session.execute(delete(_marks).where(_marks.c.partner_id == partner_id)))


__all__ = ["SQLAlchemyDeliveryStore", "SQLAlchemySyncStore"]
