"""Outbound deliveries: the changes of our objects still to be pushed to a partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_ocpi.models.common import ModuleID


class DeliveryStatus(StrEnum):
    """Where a :class:`Delivery` stands."""

    #: Waiting to be sent, or being sent by a worker holding its lease.
    PENDING = "PENDING"
    #: Given up after its retries; kept for an operator to retry or discard.
    FAILED = "FAILED"


class DeliveryOperation(StrEnum):
    """How a :class:`Delivery` reaches the partner."""

    #: Send the whole object (or, when ``previous`` is known, possibly a PATCH of the difference).
    PUT = "PUT"
    #: Remove the object at the partner (``payload`` is its last state, naming it).
    DELETE = "DELETE"
    #: POST a new object (CDRs).
    POST = "POST"


@dataclass(slots=True, kw_only=True)
class Delivery:
    """One object's latest change still to be pushed to one partner.

    There is at most one delivery per (``partner_id``, ``module``, ``object_key``): a
    newer change replaces the payload of the pending one ("coalescing"), so the partner
    only ever gets the latest state.

    :ivar id: the delivery's id (a uuid4 hex string).
    :ivar partner_id: the :class:`~flask_ocpi.models.Partner` it goes to.
    :ivar module: the OCPI module of the object.
    :ivar object_key: identifies the object at that partner, e.g. ``"NL/EXA/LOC1"``.
    :ivar operation: how it is sent.
    :ivar payload: the JSON text of the latest state (for ``DELETE``: the object deleted).
    :ivar previous: the JSON text of the state the partner had before the first pending
        change; ``None`` when unknown (then the whole object is PUT).
    :ivar revision: 1 when stored, +1 on every change replacing the payload; a worker
        reports the revision it sent, so a change made meanwhile is never lost.
    :ivar status: :attr:`DeliveryStatus.PENDING` or :attr:`DeliveryStatus.FAILED`.
    :ivar attempts: the failed attempts since the latest payload.
    :ivar created: when the delivery was first stored.
    :ivar updated: when its payload was last replaced (the latest enqueue).
    :ivar next_attempt: when it is due (again).
    :ivar lease_until: while a worker holds it, until when; ``None`` otherwise.
    :ivar last_error: the latest error sending it (at most 1000 characters).
    """

    id: str
    partner_id: str
    module: ModuleID
    object_key: str
    operation: DeliveryOperation
    payload: str | None
    previous: str | None
    revision: int
    status: DeliveryStatus
    attempts: int
    created: datetime
    updated: datetime
    next_attempt: datetime
    lease_until: datetime | None = None
    last_error: str | None = None
