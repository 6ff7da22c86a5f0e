"""In-memory :class:`~flask_ocpi.backends.deliveries.DeliveryStore` and
:class:`~flask_ocpi.backends.deliveries.SyncStore` (thread-safe, one process)."""

from __future__ import annotations

import copy
import threading
import uuid
from datetime import datetime, timedelta

from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore, as_utc, truncate_error
from flask_ocpi.models import Delivery, DeliveryOperation, DeliveryStatus, ModuleID

_Key = tuple[str, ModuleID, str]


class MemoryDeliveryStore(DeliveryStore):
    """Keeps deliveries in a dict behind one lock; returns copies so callers cannot mutate
    stored state.

    Leases are exclusive among the threads of one process. Deliveries are lost when the
    process ends and are not shared between workers: use
    :class:`~flask_ocpi.stores.sqlalchemy.deliveries.SQLAlchemyDeliveryStore` in production.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: dict[str, Delivery] = {}
        self._by_key: dict[_Key, str] = {}

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
        :meth:`DeliveryStore.enqueue <flask_ocpi.backends.deliveries.DeliveryStore.enqueue>`)."""
        key = (partner_id, ModuleID(module), object_key)
        now = as_utc(now)
        with self._lock:
            delivery_id = self._by_key.get(key)
            if delivery_id is None:
                delivery = Delivery(
                    id=uuid.uuid4().hex,
                    partner_id=partner_id,
                    module=ModuleID(module),
                    object_key=object_key,
                    operation=DeliveryOperation(operation),
                    payload=payload,
                    previous=previous,
                    revision=1,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    created=now,
                    updated=now,
                    next_attempt=now,
                )
                self._deliveries[delivery.id] = delivery
                self._by_key[key] = delivery.id
            else:
                delivery = self._deliveries[delivery_id]
                delivery.operation = DeliveryOperation(operation)
                delivery.payload = payload
                delivery.revision += 1
                delivery.status = DeliveryStatus.PENDING
                delivery.attempts = 0
                delivery.updated = now
                delivery.next_attempt = now
            return copy.copy(delivery)

    def claim_due(self, *, now: datetime, lease_seconds: float, limit: int = 100) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries, earliest ``next_attempt`` first."""
        now = as_utc(now)
        lease_until = now + timedelta(seconds=lease_seconds)
        with self._lock:
            due = sorted(
                (d for d in self._deliveries.values() if self._is_due(d, now)),
                key=lambda d: (d.next_attempt, d.created, d.id),
            )[: max(limit, 0)]
            for delivery in due:
                self._lease(delivery, lease_until)
            return [copy.copy(d) for d in due]

    def claim(self, *, delivery_id: str, now: datetime, lease_seconds: float) -> Delivery | None:
        """Lease one due delivery; ``None`` when unknown, failed, not due or leased."""
        now = as_utc(now)
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None or not self._is_due(delivery, now):
                return None
            self._lease(delivery, now + timedelta(seconds=lease_seconds))
            return copy.copy(delivery)

    def delivered(self, *, delivery_id: str, revision: int, sent: str | None) -> bool:
        """Remove the delivery if still at ``revision``; else keep it for the newer change."""
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                return True
            if delivery.revision == revision:
                self._remove(delivery)
                return True
            delivery.previous = sent
            delivery.lease_until = None
            delivery.attempts = 0
            return False

    def failed(
        self, *, delivery_id: str, revision: int, error: str, next_attempt: datetime, uncertain: bool = False
    ) -> Delivery | None:
        """Record a failed attempt and when to try again (not counted when stale)."""
        next_attempt = as_utc(next_attempt)
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                return None
            if delivery.revision == revision:
                delivery.attempts += 1
                delivery.next_attempt = next_attempt
            else:
                delivery.next_attempt = min(delivery.next_attempt, next_attempt)
            if uncertain:
                delivery.previous = None
            delivery.last_error = truncate_error(error)
            delivery.lease_until = None
            return copy.copy(delivery)

    def give_up(self, *, delivery_id: str, revision: int, error: str, uncertain: bool = False) -> Delivery | None:
        """Mark the delivery ``FAILED`` if still at ``revision`` (else keep it pending)."""
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                return None
            if delivery.revision == revision:
                delivery.status = DeliveryStatus.FAILED
                delivery.attempts += 1
            if uncertain:
                delivery.previous = None
            delivery.last_error = truncate_error(error)
            delivery.lease_until = None
            return copy.copy(delivery)

    def retry(self, *, delivery_id: str, now: datetime) -> bool:
        """Make a ``FAILED`` delivery pending again, due ``now``."""
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.FAILED:
                return False
            delivery.status = DeliveryStatus.PENDING
            delivery.attempts = 0
            delivery.next_attempt = as_utc(now)
            delivery.lease_until = None
            return True

    def hurry(self, *, now: datetime, partner_id: str | None = None) -> int:
        """Make waiting ``PENDING`` deliveries due ``now``; how many."""
        when = as_utc(now)
        with self._lock:
            waiting = [
                d
                for d in self._deliveries.values()
                if d.status is DeliveryStatus.PENDING
                and d.next_attempt > when
                and d.lease_until is None
                and (partner_id is None or d.partner_id == partner_id)
            ]
            for delivery in waiting:
                delivery.next_attempt = when
            return len(waiting)

    def discard(self, *, delivery_id: str) -> bool:
        """Remove a delivery; whether it existed."""
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                return False
            self._remove(delivery)
            return True

    def discard_partner(self, *, partner_id: str) -> int:
        """Remove all deliveries to a partner; how many there were."""
        with self._lock:
            doomed = [d for d in self._deliveries.values() if d.partner_id == partner_id]
            for delivery in doomed:
                self._remove(delivery)
            return len(doomed)

    def get(self, *, delivery_id: str) -> Delivery | None:
        """A delivery, or ``None``."""
        with self._lock:
            delivery = self._deliveries.get(delivery_id)
            return copy.copy(delivery) if delivery is not None else None

    def count(self, *, status: DeliveryStatus | None = None, partner_id: str | None = None) -> int:
        """How many deliveries match."""
        with self._lock:
            return sum(1 for d in self._deliveries.values() if self._matches(d, status, partner_id))

    def list(
        self, *, status: DeliveryStatus | None = None, partner_id: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Up to ``limit`` matching deliveries, by ``next_attempt``, then ``created``."""
        with self._lock:
            found = sorted(
                (d for d in self._deliveries.values() if self._matches(d, status, partner_id)),
                key=lambda d: (d.next_attempt, d.created, d.id),
            )
            return [copy.copy(d) for d in found[: max(limit, 0)]]

    @staticmethod
    def _lease(delivery: Delivery, lease_until: datetime) -> None:
        """Lease ``delivery``; an ended, unreported lease means its attempt may have arrived."""
        if delivery.lease_until is not None:
            delivery.previous = None
        delivery.lease_until = lease_until

    def _remove(self, delivery: Delivery) -> None:
        del self._deliveries[delivery.id]
        del self._by_key[(delivery.partner_id, delivery.module, delivery.object_key)]

    @staticmethod
    def _is_due(delivery: Delivery, now: datetime) -> bool:
        return (
            delivery.status is DeliveryStatus.PENDING
            and delivery.next_attempt <= now
            and (delivery.lease_until is None or delivery.lease_until < now)
        )

    @staticmethod
    def _matches(delivery: Delivery, status: DeliveryStatus | None, partner_id: str | None) -> bool:
        return (status is None or delivery.status == status) and (
            partner_id is None or delivery.partner_id == partner_id
        )


class MemorySyncStore(SyncStore):
    """Keeps the sync marks in a dict behind one lock (lost when the process ends)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[tuple[str, ModuleID], datetime] = {}

    def get(self, *, partner_id: str, module: ModuleID) -> datetime | None:
        """The mark of a partner's module, or ``None``."""
        with self._lock:
            return self._marks.get((partner_id, ModuleID(module)))

    def set(self, *, partner_id: str, module: ModuleID, synced_until: datetime) -> None:
        """Store (or replace) the mark of a partner's module."""
        with self._lock:
            self._marks[(partner_id, ModuleID(module))] = as_utc(synced_until)

    def forget(self, *, partner_id: str) -> int:
        """Remove every mark of a partner; how many there were."""
        with self._lock:
            doomed = [key for key in self._marks if key[0] == partner_id]
            for key in doomed:
                del self._marks[key]
            return len(doomed)


__all__ = ["MemoryDeliveryStore", "MemorySyncStore"]
