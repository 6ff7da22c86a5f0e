"""The contract of :class:`~flask_ocpi.backends.deliveries.DeliveryStore`, run against every implementation.

``delivery_store`` is parametrized over ``memory``, ``sqlite`` and (with ``OCPI_TEST_POSTGRES_URL``)
``postgresql``. Exclusive leases and coalescing under concurrency are proven with threads that, for
the SQL stores, each have their own engine (their own connections, as separate processes would). The
tests after the contract cover what only the SQLAlchemy store has.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.backends import DeliveryStore
from flask_ocpi.models import Delivery, DeliveryOperation, DeliveryStatus, ModuleID
from flask_ocpi.stores.memory import MemoryDeliveryStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, create_tables, metadata
from flask_ocpi.stores.sqlalchemy.tables import deliveries_table

from .conftest import T0, Database, open_database, race

PUT = DeliveryOperation.PUT
LEASE = 30.0


@pytest.fixture
def delivery_store(store_database: Database | None) -> DeliveryStore:
    """A fresh, empty delivery store of every implementation."""
    if store_database is None:
        return MemoryDeliveryStore()
    return SQLAlchemyDeliveryStore(store_database.create_engine())


@pytest.fixture
def make_twin(delivery_store: DeliveryStore, store_database: Database | None) -> Callable[[], DeliveryStore]:
    """Another store on the same data: the same object in memory, a new engine for SQL."""
    if store_database is None:
        return lambda: delivery_store
    return lambda: SQLAlchemyDeliveryStore(store_database.create_engine())


def enqueue(
    store: DeliveryStore,
    object_key: str = "NL/EXA/LOC1",
    *,
    partner_id: str = "partner-1",
    module: ModuleID = ModuleID.LOCATIONS,
    operation: DeliveryOperation = PUT,
    payload: str | None = '{"id": "LOC1", "v": 1}',
    previous: str | None = None,
    at: timedelta = timedelta(0),
) -> Delivery:
    """Enqueue a change at ``T0 + at``."""
    return store.enqueue(
        partner_id=partner_id,
        module=module,
        object_key=object_key,
        operation=operation,
        payload=payload,
        previous=previous,
        now=T0 + at,
    )


def claim_one(store: DeliveryStore, *, at: timedelta = timedelta(0), lease: float = LEASE) -> Delivery:
    """Claim the one due delivery at ``T0 + at``."""
    claimed = store.claim_due(now=T0 + at, lease_seconds=lease)
    assert len(claimed) == 1
    return claimed[0]


def stored(store: DeliveryStore, delivery_id: str) -> Delivery:
    got = store.get(delivery_id=delivery_id)
    assert got is not None
    return got


# --- enqueue and coalescing -----------------------------------------------------------------


def test_enqueue_stores_a_new_pending_delivery(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, previous='{"id": "LOC1", "v": 0}')

    assert re.fullmatch(r"[0-9a-f]{32}", new.id)
    assert new == Delivery(
        id=new.id,
        partner_id="partner-1",
        module=ModuleID.LOCATIONS,
        object_key="NL/EXA/LOC1",
        operation=PUT,
        payload='{"id": "LOC1", "v": 1}',
        previous='{"id": "LOC1", "v": 0}',
        revision=1,
        status=DeliveryStatus.PENDING,
        attempts=0,
        created=T0,
        updated=T0,
        next_attempt=T0,
        lease_until=None,
        last_error=None,
    )
    assert delivery_store.get(delivery_id=new.id) == new
    assert new.module is ModuleID.LOCATIONS and new.operation is PUT and new.status is DeliveryStatus.PENDING
    assert delivery_store.get(delivery_id="unknown") is None


def test_enqueue_coalesces_and_keeps_previous_from_the_first_pending_change(delivery_store: DeliveryStore) -> None:
    first = enqueue(delivery_store, payload='{"v": 1}', previous='{"v": 0}')
    second = enqueue(delivery_store, payload='{"v": 2}', previous='{"v": 1}', at=timedelta(seconds=1))
    third = enqueue(
        delivery_store, operation=DeliveryOperation.DELETE, payload=None, previous=None, at=timedelta(seconds=2)
    )

    assert second.id == third.id == first.id
    assert (second.revision, second.payload, second.previous) == (2, '{"v": 2}', '{"v": 0}')
    assert third.operation is DeliveryOperation.DELETE and third.payload is None
    assert third.revision == 3 and third.previous == '{"v": 0}'  # the partner still has v0
    assert third.created == T0 and third.updated == third.next_attempt == T0 + timedelta(seconds=2)
    assert stored(delivery_store, first.id) == third
    assert delivery_store.count() == 1


def test_enqueue_keeps_one_delivery_per_partner_module_and_object(delivery_store: DeliveryStore) -> None:
    ids = {
        enqueue(delivery_store).id,
        enqueue(delivery_store, partner_id="partner-2").id,
        enqueue(delivery_store, module=ModuleID.TARIFFS).id,
        enqueue(delivery_store, "NL/EXA/LOC2").id,
        enqueue(
            delivery_store,
            "NL/EXA/CDR1",
            module=ModuleID.CDRS,
            operation=DeliveryOperation.POST,
            at=timedelta(seconds=1),
        ).id,
    }
    assert len(ids) == 5 and delivery_store.count() == 5
    cdr = delivery_store.list(partner_id="partner-1", limit=10)[-1]
    assert cdr.operation is DeliveryOperation.POST and cdr.module is ModuleID.CDRS


def test_enqueue_revives_a_failed_delivery(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, previous="v0")
    claimed = claim_one(delivery_store)
    delivery_store.give_up(delivery_id=new.id, revision=claimed.revision, error="HTTP 500")

    revived = enqueue(delivery_store, payload="v2", previous="v1", at=timedelta(minutes=5))

    assert revived.id == new.id and revived.status is DeliveryStatus.PENDING
    assert (revived.revision, revived.attempts, revived.payload, revived.previous) == (2, 0, "v2", "v0")
    assert revived.next_attempt == T0 + timedelta(minutes=5) and revived.last_error == "HTTP 500"
    assert claim_one(delivery_store, at=timedelta(minutes=5)).id == new.id


def test_enqueue_keeps_a_workers_lease(delivery_store: DeliveryStore) -> None:
    enqueue(delivery_store, payload="v1")
    claimed = claim_one(delivery_store)

    changed = enqueue(delivery_store, payload="v2", at=timedelta(seconds=1))

    assert changed.lease_until == claimed.lease_until == T0 + timedelta(seconds=LEASE)
    assert delivery_store.claim_due(now=T0 + timedelta(seconds=2), lease_seconds=LEASE) == []


def test_a_large_payload_round_trips(delivery_store: DeliveryStore) -> None:
    big = '{"evses": [' + ", ".join(f'{{"uid": "EVSE-{i:05d}", "status": "AVAILABLE"}}' for i in range(5000)) + "]}"
    new = enqueue(delivery_store, payload=big, previous=big[::-1])
    got = stored(delivery_store, new.id)
    assert got.payload == big and got.previous == big[::-1] and len(big) > 200_000


def test_datetimes_round_trip_in_utc_with_microseconds(delivery_store: DeliveryStore) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    local = T0.astimezone(kolkata) + timedelta(microseconds=1)
    new = delivery_store.enqueue(
        partner_id="p", module=ModuleID.SESSIONS, object_key="k", operation=PUT, payload="{}", previous=None, now=local
    )
    delivery_store.claim_due(now=local, lease_seconds=0.25)
    retry_at = local + timedelta(seconds=7, microseconds=5)
    delivery_store.failed(delivery_id=new.id, revision=1, error="x", next_attempt=retry_at)

    got = stored(delivery_store, new.id)
    for value in (got.created, got.updated, got.next_attempt):
        assert value.utcoffset() == timedelta(0)
    assert got.created == got.updated == local and got.created.microsecond == 123457
    assert got.next_attempt == retry_at and got.next_attempt.microsecond == 123462
    again = delivery_store.claim(delivery_id=new.id, now=retry_at, lease_seconds=1.5)
    assert again is not None and again.lease_until == retry_at + timedelta(seconds=1.5)
    assert again.lease_until is not None and again.lease_until.utcoffset() == timedelta(0)


def test_returned_deliveries_are_copies(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    snapshot = dataclasses.replace(new)
    new.payload = "changed"
    got = stored(delivery_store, new.id)
    got.revision = 99
    [listed] = delivery_store.list()
    listed.status = DeliveryStatus.FAILED
    [claimed] = delivery_store.claim_due(now=T0, lease_seconds=LEASE)
    claimed.lease_until = None
    assert stored(delivery_store, new.id) == dataclasses.replace(snapshot, lease_until=T0 + timedelta(seconds=LEASE))


# --- leases -------------------------------------------------------------------------------------


def test_claim_due_leases_due_deliveries_earliest_first(delivery_store: DeliveryStore) -> None:
    late = enqueue(delivery_store, "late", at=timedelta(seconds=3))
    early = enqueue(delivery_store, "early", at=timedelta(seconds=1))
    now_ = enqueue(delivery_store, "now", at=timedelta(seconds=2))
    enqueue(delivery_store, "future", at=timedelta(seconds=10))
    now = T0 + timedelta(seconds=3)

    first = delivery_store.claim_due(now=now, lease_seconds=LEASE, limit=2)
    rest = delivery_store.claim_due(now=now, lease_seconds=LEASE, limit=2)

    assert [d.id for d in first] == [early.id, now_.id]
    assert [d.id for d in rest] == [late.id]  # next_attempt equal to now is due
    for claimed in (*first, *rest):
        assert claimed.lease_until == now + timedelta(seconds=LEASE)
        assert stored(delivery_store, claimed.id) == claimed
    assert delivery_store.claim_due(now=now, lease_seconds=LEASE) == []
    assert delivery_store.claim_due(now=now, lease_seconds=LEASE, limit=0) == []


def test_a_lease_ends_after_its_time(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    claim_one(delivery_store, lease=10)
    ends = T0 + timedelta(seconds=10)

    assert delivery_store.claim_due(now=ends, lease_seconds=10) == []  # still held at its last instant
    assert delivery_store.claim(delivery_id=new.id, now=ends, lease_seconds=10) is None
    reclaimed = claim_one(delivery_store, at=timedelta(seconds=10, microseconds=1), lease=10)
    assert reclaimed.id == new.id and reclaimed.lease_until == ends + timedelta(seconds=10, microseconds=1)


def test_claim_leases_one_delivery_when_due_and_free(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    other = enqueue(delivery_store, "other")

    assert delivery_store.claim(delivery_id=new.id, now=T0 - timedelta(microseconds=1), lease_seconds=LEASE) is None
    claimed = delivery_store.claim(delivery_id=new.id, now=T0, lease_seconds=LEASE)
    assert claimed is not None and claimed.id == new.id and claimed.lease_until == T0 + timedelta(seconds=LEASE)
    assert delivery_store.claim(delivery_id=new.id, now=T0, lease_seconds=LEASE) is None
    assert delivery_store.claim(delivery_id="unknown", now=T0, lease_seconds=LEASE) is None
    assert [d.id for d in delivery_store.claim_due(now=T0, lease_seconds=LEASE)] == [other.id]

    delivery_store.failed(delivery_id=new.id, revision=1, error="e", next_attempt=T0 + timedelta(minutes=1))
    assert delivery_store.claim(delivery_id=new.id, now=T0 + timedelta(seconds=59), lease_seconds=LEASE) is None
    delivery_store.give_up(delivery_id=other.id, revision=1, error="e")
    assert delivery_store.claim(delivery_id=other.id, now=T0 + timedelta(hours=1), lease_seconds=LEASE) is None


# --- reports --------------------------------------------------------------------------------------


def test_delivered_removes_the_delivery_when_its_revision_is_current(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    claimed = claim_one(delivery_store)

    assert delivery_store.delivered(delivery_id=new.id, revision=claimed.revision, sent=claimed.payload) is True

    assert delivery_store.get(delivery_id=new.id) is None and delivery_store.count() == 0
    assert delivery_store.delivered(delivery_id=new.id, revision=1, sent=None) is True  # gone: nothing pending
    again = enqueue(delivery_store, at=timedelta(seconds=1))
    assert again.id != new.id and again.revision == 1


def test_delivered_with_a_stale_revision_keeps_the_newer_change(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, payload="v1", previous="v0")
    claimed = claim_one(delivery_store)
    enqueue(delivery_store, payload="v2", previous="ignored", at=timedelta(seconds=1))

    assert delivery_store.delivered(delivery_id=new.id, revision=claimed.revision, sent="v1") is False

    kept = stored(delivery_store, new.id)
    assert (kept.revision, kept.payload, kept.previous) == (2, "v2", "v1")  # the partner now has v1
    assert kept.status is DeliveryStatus.PENDING and kept.lease_until is None
    assert kept.next_attempt == T0 + timedelta(seconds=1)
    resent = claim_one(delivery_store, at=timedelta(seconds=1))
    assert resent.revision == 2 and resent.previous == "v1"
    assert delivery_store.delivered(delivery_id=new.id, revision=2, sent="v2") is True
    assert delivery_store.count() == 0


def test_delivered_late_from_an_expired_lease_resets_the_newer_attempts(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, payload="v1")
    slow = claim_one(delivery_store, lease=10)
    enqueue(delivery_store, operation=DeliveryOperation.DELETE, payload=None, at=timedelta(seconds=1))
    other = claim_one(delivery_store, at=timedelta(seconds=20))  # the slow worker's lease ended
    retry_at = T0 + timedelta(minutes=1)
    delivery_store.failed(delivery_id=new.id, revision=other.revision, error="timeout", next_attempt=retry_at)

    assert delivery_store.delivered(delivery_id=new.id, revision=slow.revision, sent="v1") is False

    kept = stored(delivery_store, new.id)
    assert (kept.revision, kept.attempts, kept.previous, kept.next_attempt) == (2, 0, "v1", retry_at)
    assert kept.operation is DeliveryOperation.DELETE and kept.last_error == "timeout"


def test_failed_counts_the_attempt_and_schedules_the_next(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    claim_one(delivery_store)
    retry_at = T0 + timedelta(minutes=1)

    failed = delivery_store.failed(delivery_id=new.id, revision=1, error="HTTP 502", next_attempt=retry_at)

    assert failed is not None and failed == stored(delivery_store, new.id)
    assert (failed.attempts, failed.last_error, failed.next_attempt) == (1, "HTTP 502", retry_at)
    assert failed.lease_until is None and failed.status is DeliveryStatus.PENDING and failed.revision == 1
    assert delivery_store.claim_due(now=retry_at - timedelta(microseconds=1), lease_seconds=LEASE) == []
    claim_one(delivery_store, at=timedelta(minutes=1))
    again = delivery_store.failed(delivery_id=new.id, revision=1, error="x" * 5000, next_attempt=retry_at)
    assert again is not None and again.attempts == 2 and again.last_error == "x" * 1000
    assert delivery_store.failed(delivery_id="unknown", revision=1, error="e", next_attempt=retry_at) is None


def test_failed_with_a_stale_revision_does_not_count(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, payload="v1")
    claim_one(delivery_store)
    enqueue(delivery_store, payload="v2", at=timedelta(seconds=5))

    later = delivery_store.failed(delivery_id=new.id, revision=1, error="e1", next_attempt=T0 + timedelta(minutes=1))
    assert later is not None
    assert (later.attempts, later.next_attempt, later.lease_until) == (0, T0 + timedelta(seconds=5), None)
    assert later.revision == 2 and later.payload == "v2" and later.last_error == "e1"

    claim_one(delivery_store, at=timedelta(seconds=5))
    enqueue(delivery_store, payload="v3", at=timedelta(seconds=6))
    sooner = delivery_store.failed(delivery_id=new.id, revision=2, error="e2", next_attempt=T0 + timedelta(seconds=3))
    assert sooner is not None
    assert (sooner.attempts, sooner.next_attempt, sooner.revision) == (0, T0 + timedelta(seconds=3), 3)


def test_give_up_keeps_the_delivery_for_an_operator(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    claim_one(delivery_store)
    delivery_store.failed(delivery_id=new.id, revision=1, error="e", next_attempt=T0 + timedelta(seconds=1))
    claim_one(delivery_store, at=timedelta(seconds=1))

    given_up = delivery_store.give_up(delivery_id=new.id, revision=1, error="y" * 1001)

    assert given_up is not None and given_up == stored(delivery_store, new.id)
    assert given_up.status is DeliveryStatus.FAILED and given_up.attempts == 2
    assert given_up.lease_until is None and given_up.last_error == "y" * 1000
    assert delivery_store.claim_due(now=T0 + timedelta(days=1), lease_seconds=LEASE) == []
    assert delivery_store.count(status=DeliveryStatus.FAILED) == 1
    assert delivery_store.count(status=DeliveryStatus.PENDING) == 0
    assert delivery_store.give_up(delivery_id="unknown", revision=1, error="e") is None


def test_give_up_with_a_stale_revision_leaves_it_pending(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, payload="v1")
    claim_one(delivery_store)
    enqueue(delivery_store, payload="v2", at=timedelta(seconds=5))

    kept = delivery_store.give_up(delivery_id=new.id, revision=1, error="HTTP 500")

    assert kept is not None and kept.status is DeliveryStatus.PENDING
    assert (kept.attempts, kept.revision, kept.lease_until, kept.next_attempt) == (
        0,
        2,
        None,
        T0 + timedelta(seconds=5),
    )
    assert kept.last_error == "HTTP 500"
    assert claim_one(delivery_store, at=timedelta(seconds=5)).payload == "v2"


def test_retry_makes_a_failed_delivery_pending_again(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store)
    claim_one(delivery_store)
    delivery_store.give_up(delivery_id=new.id, revision=1, error="gone")
    later = T0 + timedelta(hours=2)

    assert delivery_store.retry(delivery_id=new.id, now=later) is True

    retried = stored(delivery_store, new.id)
    assert (retried.status, retried.attempts, retried.next_attempt) == (DeliveryStatus.PENDING, 0, later)
    assert retried.revision == 1 and retried.last_error == "gone"
    assert delivery_store.retry(delivery_id=new.id, now=later) is False  # pending already
    assert delivery_store.retry(delivery_id="unknown", now=later) is False
    assert claim_one(delivery_store, at=timedelta(hours=2)).id == new.id


# --- removal, listing, counting -----------------------------------------------------------------


def test_discard_and_discard_partner(delivery_store: DeliveryStore) -> None:
    one = enqueue(delivery_store)
    enqueue(delivery_store, "NL/EXA/LOC2")
    enqueue(delivery_store, module=ModuleID.TOKENS)
    other = enqueue(delivery_store, partner_id="partner-2")

    assert delivery_store.discard(delivery_id=one.id) is True
    assert delivery_store.discard(delivery_id=one.id) is False
    assert delivery_store.get(delivery_id=one.id) is None
    assert delivery_store.discard_partner(partner_id="partner-1") == 2
    assert delivery_store.discard_partner(partner_id="partner-1") == 0
    assert delivery_store.list() == [other]
    assert enqueue(delivery_store).id != one.id


def test_list_and_count_filter_and_order_by_next_attempt_then_created(delivery_store: DeliveryStore) -> None:
    a = enqueue(delivery_store, "a")
    b = enqueue(delivery_store, "b", at=timedelta(seconds=1))
    c = enqueue(delivery_store, "c", partner_id="partner-2", at=timedelta(seconds=2))
    d = enqueue(delivery_store, "d", at=timedelta(seconds=3))
    claimed = delivery_store.claim_due(now=T0 + timedelta(seconds=3), lease_seconds=LEASE)
    assert len(claimed) == 4
    same = T0 + timedelta(minutes=1)
    for delivery in (b, a):  # a tie on next_attempt: created decides
        delivery_store.failed(delivery_id=delivery.id, revision=1, error="e", next_attempt=same)
    delivery_store.give_up(delivery_id=d.id, revision=1, error="e")

    assert [x.id for x in delivery_store.list()] == [c.id, d.id, a.id, b.id]
    assert [x.id for x in delivery_store.list(limit=2)] == [c.id, d.id]
    assert delivery_store.list(limit=0) == []
    assert [x.id for x in delivery_store.list(partner_id="partner-1")] == [d.id, a.id, b.id]
    assert [x.id for x in delivery_store.list(status=DeliveryStatus.FAILED)] == [d.id]
    assert [x.id for x in delivery_store.list(status=DeliveryStatus.PENDING, partner_id="partner-1")] == [a.id, b.id]
    assert delivery_store.list(partner_id="nobody") == []
    assert delivery_store.count() == 4
    assert delivery_store.count(partner_id="partner-1") == 3
    assert delivery_store.count(status=DeliveryStatus.PENDING) == 3
    assert delivery_store.count(status=DeliveryStatus.FAILED, partner_id="partner-2") == 0


def test_a_second_store_on_the_same_data_respects_leases(
    delivery_store: DeliveryStore, make_twin: Callable[[], DeliveryStore]
) -> None:
    """What a restarted process or another worker sees."""
    new = enqueue(delivery_store)
    twin = make_twin()
    assert twin.get(delivery_id=new.id) == new
    assert claim_one(twin).id == new.id
    assert delivery_store.claim_due(now=T0, lease_seconds=LEASE) == []
    assert delivery_store.delivered(delivery_id=new.id, revision=1, sent=new.payload) is True
    assert twin.count() == 0


# --- concurrency ----------------------------------------------------------------------------------


def test_racing_claimers_never_hold_the_same_delivery(
    delivery_store: DeliveryStore, make_twin: Callable[[], DeliveryStore]
) -> None:
    ids = [enqueue(delivery_store, f"NL/EXA/LOC{i:02d}", at=timedelta(milliseconds=i)).id for i in range(30)]
    now = T0 + timedelta(seconds=1)
    batch_claimers = [make_twin() for _ in range(4)]
    single_claimers = [make_twin() for _ in range(2)]

    def claim_batches(store: DeliveryStore) -> list[str]:
        claimed: list[str] = []
        while batch := store.claim_due(now=now, lease_seconds=LEASE, limit=4):
            claimed.extend(d.id for d in batch)
        return claimed

    def claim_each(store: DeliveryStore) -> list[str]:
        return [i for i in reversed(ids) if store.claim(delivery_id=i, now=now, lease_seconds=LEASE) is not None]

    outcomes = race(
        [
            *((lambda s=s: claim_batches(s)) for s in batch_claimers),
            *((lambda s=s: claim_each(s)) for s in single_claimers),
        ]
    )

    claimed = [delivery_id for outcome in outcomes for delivery_id in outcome]
    assert sorted(claimed) == sorted(ids)  # every delivery exactly once
    for delivery_id in ids:
        assert stored(delivery_store, delivery_id).lease_until == now + timedelta(seconds=LEASE)


def test_racing_enqueues_of_one_object_leave_one_delivery(
    delivery_store: DeliveryStore, make_twin: Callable[[], DeliveryStore]
) -> None:
    stores = [make_twin() for _ in range(8)]

    def change(store: DeliveryStore, n: int) -> Delivery:
        return enqueue(store, payload=f"v{n}", previous=f"before-{n}", at=timedelta(milliseconds=n))

    outcomes: list[Delivery] = race([lambda s=s, n=n: change(s, n) for n, s in enumerate(stores)])

    assert delivery_store.count() == 1
    assert len({d.id for d in outcomes}) == 1
    assert sorted(d.revision for d in outcomes) == list(range(1, 9))  # every change counted once
    latest = max(outcomes, key=lambda d: d.revision)
    first = min(outcomes, key=lambda d: d.revision)
    final = stored(delivery_store, latest.id)
    assert final.revision == 8 and final.payload == latest.payload
    assert final.previous == first.previous  # kept from the change that created the delivery


# --- SQLAlchemy only --------------------------------------------------------------------------------


def test_table_is_in_the_shared_metadata_and_created_by_create_tables(tmp_path: Path) -> None:
    assert metadata.tables["ocpi_deliveries"] is deliveries_table
    with open_database("sqlite", tmp_path) as database:
        engine = database.create_engine()
        create_tables(engine)
        inspector = inspect(engine)
        columns = {c["name"]: c for c in inspector.get_columns("ocpi_deliveries")}
        uniques = {u["name"]: u["column_names"] for u in inspector.get_unique_constraints("ocpi_deliveries")}
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("ocpi_deliveries")}
    assert set(columns) == {f.name for f in Delivery.__dataclass_fields__.values()}
    assert uniques["uq_ocpi_deliveries_key"] == ["partner_id", "module", "object_key"]
    assert indexes["ix_ocpi_deliveries_status_next_attempt"] == ["status", "next_attempt"]
    assert "TEXT" in str(columns["payload"]["type"]) and "TEXT" in str(columns["previous"]["type"])


def test_the_unique_key_holds_in_the_database(engine: Engine) -> None:
    store = SQLAlchemyDeliveryStore(engine)
    enqueue(store)
    enqueue(store, payload="v2")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(deliveries_table)).scalar_one() == 1


@pytest.mark.parametrize("form", ["sessionmaker", "scoped_session", "flask_sqlalchemy"])
def test_every_bind_form_works(form: str, tmp_path: Path) -> None:
    with open_database("sqlite", tmp_path) as database:
        engine: Engine = database.create_engine()
        create_tables(engine)
        if form == "flask_sqlalchemy":
            from flask_sqlalchemy import SQLAlchemy

            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = database.url
            db = SQLAlchemy(app)
            with app.app_context():
                _exercise(SQLAlchemyDeliveryStore(db))
                db.engine.dispose()
            return
        bind: Any = sessionmaker(bind=engine) if form == "sessionmaker" else scoped_session(sessionmaker(bind=engine))
        _exercise(SQLAlchemyDeliveryStore(bind))


def _exercise(store: DeliveryStore) -> None:
    new = enqueue(store)
    assert enqueue(store, payload="v2").revision == 2
    claimed = claim_one(store)
    assert store.failed(delivery_id=new.id, revision=claimed.revision, error="e", next_attempt=T0) is not None
    assert store.delivered(delivery_id=new.id, revision=2, sent="v2") is True
    assert store.count() == 0


def test_hurry_makes_waiting_retries_due_now(delivery_store: DeliveryStore) -> None:
    later = T0 + timedelta(hours=1)
    waiting = enqueue(delivery_store, "NL/EXA/LOC1")
    claim_one(delivery_store)
    delivery_store.failed(delivery_id=waiting.id, revision=1, error="down", next_attempt=later)
    other = enqueue(delivery_store, "NL/EXA/LOC2", partner_id="partner-2")
    claim_one(delivery_store)
    delivery_store.failed(delivery_id=other.id, revision=1, error="down", next_attempt=later)
    leased = enqueue(delivery_store, "NL/EXA/LOC3")
    claim_one(delivery_store)  # in flight: left alone

    now = T0 + timedelta(minutes=1)
    assert delivery_store.hurry(now=now, partner_id="partner-1") == 1
    assert stored(delivery_store, waiting.id).next_attempt == now
    assert stored(delivery_store, waiting.id).attempts == 1
    assert stored(delivery_store, other.id).next_attempt == later
    assert delivery_store.hurry(now=now) == 1 and stored(delivery_store, other.id).next_attempt == now
    assert stored(delivery_store, leased.id).lease_until is not None
    assert delivery_store.hurry(now=now) == 0


# --- what the partner has, after attempts without a definitive answer ------------------------


def test_a_definitive_failure_keeps_previous(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, previous="partner-has-this")
    claim_one(delivery_store)
    failed = delivery_store.failed(delivery_id=new.id, revision=1, error="OCPI 2001", next_attempt=T0)
    assert failed is not None and failed.previous == "partner-has-this"


@pytest.mark.parametrize("stale", [False, True])
def test_an_uncertain_failure_forgets_what_the_partner_has(delivery_store: DeliveryStore, stale: bool) -> None:
    new = enqueue(delivery_store, payload="v1", previous="v0")
    claim_one(delivery_store)
    if stale:  # a newer change arrived while the attempt was in flight
        enqueue(delivery_store, payload="v2")
    failed = delivery_store.failed(
        delivery_id=new.id, revision=1, error="HTTP 503", next_attempt=T0 + timedelta(seconds=5), uncertain=True
    )
    assert failed is not None and failed.previous is None and failed.status is DeliveryStatus.PENDING
    # Later changes keep it unknown: the whole object goes next.
    enqueue(delivery_store, payload="v3", previous="v3-ignored")
    assert stored(delivery_store, new.id).previous is None


def test_an_uncertain_give_up_forgets_what_the_partner_has(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, previous="v0")
    claim_one(delivery_store)
    kept = delivery_store.give_up(delivery_id=new.id, revision=1, error="timed out", uncertain=True)
    assert kept is not None and kept.status is DeliveryStatus.FAILED and kept.previous is None


def test_taking_over_an_ended_lease_forgets_what_the_partner_has(delivery_store: DeliveryStore) -> None:
    new = enqueue(delivery_store, previous="v0")
    first = claim_one(delivery_store, lease=10)
    assert first.previous == "v0"  # a fresh lease keeps it
    # The worker died after sending: nobody reported. Its lease ends; the next claimer
    # must not trust "v0" any more.
    again = claim_one(delivery_store, at=timedelta(seconds=11), lease=10)
    assert again.id == new.id and again.previous is None and stored(delivery_store, new.id).previous is None
    other = enqueue(delivery_store, "other", previous="o0")
    held = delivery_store.claim(delivery_id=other.id, now=T0 + timedelta(seconds=12), lease_seconds=1)
    assert held is not None and held.previous == "o0"
    taken = delivery_store.claim(delivery_id=other.id, now=T0 + timedelta(seconds=14), lease_seconds=1)
    assert taken is not None and taken.previous is None


# --- the transactional outbox ----------------------------------------------------------------


def test_enqueues_inside_a_transaction_commit_with_it_or_not_at_all(delivery_store: DeliveryStore) -> None:
    woken: list[str] = []
    with delivery_store.transaction():
        kept = enqueue(delivery_store, "kept")
        delivery_store.on_commit(lambda: woken.append("kept"))
        if not isinstance(delivery_store, MemoryDeliveryStore):
            assert woken == []  # deferred until the commit
    assert woken == ["kept"] and stored(delivery_store, kept.id).object_key == "kept"
    if isinstance(delivery_store, MemoryDeliveryStore):
        return  # no transactions in memory: the rest is about rollback
    with pytest.raises(RuntimeError, match="host failed"), delivery_store.transaction():
        enqueue(delivery_store, "lost")
        delivery_store.on_commit(lambda: woken.append("lost"))
        raise RuntimeError("host failed")
    assert woken == ["kept"]
    assert [d.object_key for d in delivery_store.list()] == ["kept"]
