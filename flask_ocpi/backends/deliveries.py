"""The stores behind "push on change" and "sync marks".

:class:`DeliveryStore` keeps the changes of our objects still to be pushed to each
partner, so that no restart, crash or unreachable partner loses one; :class:`SyncStore`
remembers up to when each partner's module was last pulled successfully, so the next
pull only asks for what changed since.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask_ocpi.models import Delivery, DeliveryOperation, DeliveryStatus, ModuleID

#: The longest ``last_error`` a :class:`DeliveryStore` keeps; longer errors are truncated.
MAX_ERROR_LENGTH = 1000


def truncate_error(error: str) -> str:
    """``error`` cut to :data:`MAX_ERROR_LENGTH` characters."""
    return error[:MAX_ERROR_LENGTH]


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC), as the SQL stores return it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DeliveryStore(ABC):
    """The outbound deliveries (:class:`~flask_ocpi.models.Delivery`) awaiting a push.

    There is at most one delivery per (``partner_id``, ``module``, ``object_key``):
    :meth:`enqueue` replaces the payload of a pending one, so only the latest state of
    an object is ever sent ("coalescing").

    A worker sends a delivery in three steps: it takes a *lease* on it with
    :meth:`claim_due` or :meth:`claim` (no other worker gets it until the lease ends),
    sends ``payload`` and reports the outcome with :meth:`delivered`, :meth:`failed` or
    :meth:`give_up`, passing the ``revision`` it sent. A change enqueued while the
    worker was sending bumps the revision, so the report never drops it.

    Every method must be atomic across threads, processes and hosts: two workers never
    hold the same delivery, and concurrent enqueues of one object leave one delivery.
    Datetimes are timezone-aware UTC, microseconds included.

    **What the partner has.** ``previous`` is the state the partner is known to have; it
    is ``None`` when that is unknown, and then the whole object is sent. An attempt
    without a definitive answer (the partner answered HTTP 5xx or OCPI 3xxx, timed out,
    the connection broke after the request left, or the worker died holding the lease)
    may have been applied: from then on the partner's state is unknown (``previous``
    becomes ``None``), so the delivery can never be dropped as "nothing changed" while
    the partner keeps an intermediate state.
    """

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """The transactional outbox: deliveries enqueued inside the block are stored in the
        same transaction as the host's own writes on the same database, committed together
        or not at all. This default (stores without transactions) just runs the block;
        :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDeliveryStore` opens one
        transaction that every Flask-OCPI SQLAlchemy store on its database joins, and
        yields its session."""
        yield None

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once what was just enqueued is committed (for the dispatcher's
        wake-up): at once by default; stores with :meth:`transaction` defer it to the end
        of the open one and drop it if it rolls back."""
        callback()

    @abstractmethod
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
        """Store the latest change of an object for a partner and return its delivery.

        Without a delivery for (``partner_id``, ``module``, ``object_key``) a new one is
        stored: ``PENDING``, revision 1, no attempts, due ``now``.

        With one (``PENDING`` or ``FAILED``), its ``operation`` and ``payload`` are
        replaced, its revision is incremented, it becomes ``PENDING`` with no attempts
        and is due ``now``. Its ``previous`` is kept (the partner still has the state from
        before the first pending change; the given ``previous`` is ignored), as are
        ``id``, ``created``, ``last_error`` and a worker's lease: the worker reports the
        older revision and :meth:`delivered` keeps the delivery for the new one.

        :param operation: how to send it.
        :param payload: the JSON text of the latest state (for ``DELETE``: the object deleted).
        :param previous: the JSON text of the state the partner has now, when known.
        :param now: the time of the change: ``created``/``updated`` and when it is due.
        """

    @abstractmethod
    def claim_due(self, *, now: datetime, lease_seconds: float, limit: int = 100) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries and return them (with the lease set).

        Due are the ``PENDING`` deliveries whose ``next_attempt`` is at or before ``now``
        and whose lease is unset or ended before ``now``; the earliest ``next_attempt``
        first. Each gets ``lease_until = now + lease_seconds``. Two concurrent callers never
        get the same delivery (one may get fewer than ``limit`` while others claim).
        A delivery whose lease had ended without a report (its worker died or hung while
        sending) is claimed with ``previous`` set to ``None``: that attempt may have
        reached the partner.
        """

    @abstractmethod
    def claim(self, *, delivery_id: str, now: datetime, lease_seconds: float) -> Delivery | None:
        """Lease one delivery (e.g. for a task queue job carrying its id) and return it.

        Under the conditions of :meth:`claim_due`; ``None`` when it is unknown, ``FAILED``,
        not due yet or leased by another worker.
        """

    @abstractmethod
    def delivered(self, *, delivery_id: str, revision: int, sent: str | None) -> bool:
        """Report that ``revision`` of a delivery reached the partner.

        When the delivery is still at ``revision``, it is removed. When a newer change
        was enqueued meanwhile, it is kept ``PENDING`` for that change: ``previous``
        becomes ``sent`` (what the partner has now), the lease is cleared, ``attempts``
        reset and ``next_attempt`` left as it is.

        :param sent: the payload that was sent (``None`` for a ``DELETE``).
        :returns: ``False`` when the delivery was kept for a newer change; ``True``
            otherwise (also when it is gone).
        """

    @abstractmethod
    def failed(
        self, *, delivery_id: str, revision: int, error: str, next_attempt: datetime, uncertain: bool = False
    ) -> Delivery | None:
        """Report that sending ``revision`` failed, to be tried again at ``next_attempt``.

        With ``uncertain`` (the attempt may have been applied: see the class docs),
        ``previous`` becomes ``None`` whatever the revision.

        When the delivery is still at ``revision``: ``attempts`` is incremented,
        ``last_error`` set (truncated to 1000 characters), ``next_attempt`` set and the
        lease cleared. When a newer change was enqueued meanwhile the attempt does not
        count against it: ``attempts`` stays, ``next_attempt`` becomes the earlier of its
        own and the given one, ``last_error`` is set and the lease cleared.

        :returns: the updated delivery, or ``None`` when it is gone.
        """

    @abstractmethod
    def give_up(self, *, delivery_id: str, revision: int, error: str, uncertain: bool = False) -> Delivery | None:
        """Stop retrying ``revision``: the delivery becomes ``FAILED``, kept for an operator.

        With ``uncertain``, ``previous`` becomes ``None`` as in :meth:`failed`.

        When the delivery is still at ``revision``: status ``FAILED``, ``attempts``
        incremented (this attempt failed too), ``last_error`` set (truncated to 1000
        characters) and the lease cleared. When a newer change was enqueued meanwhile it
        stays ``PENDING`` for that change (as with :meth:`failed`, without counting the
        attempt; ``next_attempt`` unchanged).

        :returns: the updated delivery, or ``None`` when it is gone.
        """

    @abstractmethod
    def retry(self, *, delivery_id: str, now: datetime) -> bool:
        """Make a ``FAILED`` delivery ``PENDING`` again, with no attempts, due ``now``.

        :returns: whether it was ``FAILED`` (``False`` when pending or unknown).
        """

    @abstractmethod
    def hurry(self, *, now: datetime, partner_id: str | None = None) -> int:
        """Make every ``PENDING`` delivery (of ``partner_id``, default all) that waits for a
        later retry due ``now`` (an operator who knows the partner is back). Leased ones
        and attempts are left as they are.

        :returns: how many were rescheduled.
        """

    @abstractmethod
    def discard(self, *, delivery_id: str) -> bool:
        """Remove a delivery, whatever its status; whether it existed."""

    @abstractmethod
    def discard_partner(self, *, partner_id: str) -> int:
        """Remove all deliveries to a partner (e.g. once unregistered); how many there were."""

    @abstractmethod
    def get(self, *, delivery_id: str) -> Delivery | None:
        """A delivery, or ``None``."""

    @abstractmethod
    def count(self, *, status: DeliveryStatus | None = None, partner_id: str | None = None) -> int:
        """How many deliveries match (``None`` filters nothing)."""

    @abstractmethod
    def list(
        self, *, status: DeliveryStatus | None = None, partner_id: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        """Up to ``limit`` deliveries matching the filters (``None`` filters nothing),
        by ``next_attempt``, then ``created``."""


class SyncStore(ABC):
    """Up to when each partner's module was last pulled successfully ("sync marks").

    Datetimes are timezone-aware UTC in and out, microseconds included.
    """

    @abstractmethod
    def get(self, *, partner_id: str, module: ModuleID) -> datetime | None:
        """The mark of a partner's module, or ``None`` when it was never pulled."""

    @abstractmethod
    def set(self, *, partner_id: str, module: ModuleID, synced_until: datetime) -> None:
        """Store (or replace) the mark of a partner's module."""

    @abstractmethod
    def forget(self, *, partner_id: str) -> int:
        """Remove every mark of a partner; how many there were."""
