"""The contract of :class:`~flask_ocpi.backends.deliveries.SyncStore`, run against every implementation.

``sync_store`` is parametrized over ``memory``, ``sqlite`` and (with ``OCPI_TEST_POSTGRES_URL``)
``postgresql``; the SQL stores also race on one key from several engines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from flask_ocpi.backends import SyncStore
from flask_ocpi.models import ModuleID
from flask_ocpi.stores.memory import MemorySyncStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemySyncStore, create_tables, metadata
from flask_ocpi.stores.sqlalchemy.tables import sync_marks_table

from .conftest import T0, Database, open_database, race


@pytest.fixture
def sync_store(store_database: Database | None) -> SyncStore:
    """A fresh, empty sync store of every implementation."""
    if store_database is None:
        return MemorySyncStore()
    return SQLAlchemySyncStore(store_database.create_engine())


@pytest.fixture
def make_twin(sync_store: SyncStore, store_database: Database | None) -> Callable[[], SyncStore]:
    """Another store on the same data: the same object in memory, a new engine for SQL."""
    if store_database is None:
        return lambda: sync_store
    return lambda: SQLAlchemySyncStore(store_database.create_engine())


def test_an_unknown_mark_is_none(sync_store: SyncStore) -> None:
    assert sync_store.get(partner_id="p", module=ModuleID.LOCATIONS) is None


def test_set_and_get_keep_microseconds_in_utc(sync_store: SyncStore) -> None:
    local = T0.astimezone(timezone(timedelta(hours=-7))) + timedelta(microseconds=1)

    sync_store.set(partner_id="p", module=ModuleID.LOCATIONS, synced_until=local)

    got = sync_store.get(partner_id="p", module=ModuleID.LOCATIONS)
    assert got == local
    assert got is not None and got.utcoffset() == timedelta(0) and got.microsecond == 123457


def test_set_replaces_the_mark(sync_store: SyncStore) -> None:
    sync_store.set(partner_id="p", module=ModuleID.TARIFFS, synced_until=T0)
    sync_store.set(partner_id="p", module=ModuleID.TARIFFS, synced_until=T0 + timedelta(hours=1))
    assert sync_store.get(partner_id="p", module=ModuleID.TARIFFS) == T0 + timedelta(hours=1)
    sync_store.set(partner_id="p", module=ModuleID.TARIFFS, synced_until=T0 - timedelta(days=1))  # e.g. a full resync
    assert sync_store.get(partner_id="p", module=ModuleID.TARIFFS) == T0 - timedelta(days=1)


def test_marks_are_per_partner_and_module(sync_store: SyncStore) -> None:
    sync_store.set(partner_id="p1", module=ModuleID.LOCATIONS, synced_until=T0)
    sync_store.set(partner_id="p1", module=ModuleID.TOKENS, synced_until=T0 + timedelta(seconds=1))
    sync_store.set(partner_id="p2", module=ModuleID.LOCATIONS, synced_until=T0 + timedelta(seconds=2))

    assert sync_store.get(partner_id="p1", module=ModuleID.LOCATIONS) == T0
    assert sync_store.get(partner_id="p1", module=ModuleID.TOKENS) == T0 + timedelta(seconds=1)
    assert sync_store.get(partner_id="p2", module=ModuleID.LOCATIONS) == T0 + timedelta(seconds=2)
    assert sync_store.get(partner_id="p2", module=ModuleID.TOKENS) is None


def test_forget_removes_only_that_partners_marks(sync_store: SyncStore) -> None:
    for module in (ModuleID.LOCATIONS, ModuleID.SESSIONS, ModuleID.CDRS):
        sync_store.set(partner_id="p1", module=module, synced_until=T0)
    sync_store.set(partner_id="p2", module=ModuleID.LOCATIONS, synced_until=T0)

    assert sync_store.forget(partner_id="p1") == 3
    assert sync_store.forget(partner_id="p1") == 0
    assert sync_store.get(partner_id="p1", module=ModuleID.SESSIONS) is None
    assert sync_store.get(partner_id="p2", module=ModuleID.LOCATIONS) == T0
    sync_store.set(partner_id="p1", module=ModuleID.SESSIONS, synced_until=T0 + timedelta(1))
    assert sync_store.get(partner_id="p1", module=ModuleID.SESSIONS) == T0 + timedelta(1)


def test_a_second_store_on_the_same_data_sees_the_marks(
    sync_store: SyncStore, make_twin: Callable[[], SyncStore]
) -> None:
    sync_store.set(partner_id="p", module=ModuleID.CDRS, synced_until=T0)
    twin = make_twin()
    assert twin.get(partner_id="p", module=ModuleID.CDRS) == T0
    twin.set(partner_id="p", module=ModuleID.CDRS, synced_until=T0 + timedelta(minutes=1))
    assert sync_store.get(partner_id="p", module=ModuleID.CDRS) == T0 + timedelta(minutes=1)


def test_racing_sets_of_one_mark_all_succeed(sync_store: SyncStore, make_twin: Callable[[], SyncStore]) -> None:
    stores = [make_twin() for _ in range(8)]
    values = [T0 + timedelta(seconds=n) for n in range(8)]

    race(
        [
            lambda s=s, v=v: s.set(partner_id="p", module=ModuleID.TOKENS, synced_until=v)
            for s, v in zip(stores, values, strict=True)
        ]
    )

    assert sync_store.get(partner_id="p", module=ModuleID.TOKENS) in values
    assert sync_store.forget(partner_id="p") == 1


# --- SQLAlchemy only --------------------------------------------------------------------------------


def test_table_is_in_the_shared_metadata_and_created_by_create_tables(tmp_path: Path) -> None:
    assert metadata.tables["ocpi_sync_marks"] is sync_marks_table
    with open_database("sqlite", tmp_path) as database:
        engine = database.create_engine()
        create_tables(engine)
        inspector = inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("ocpi_sync_marks")}
        primary_key = inspector.get_pk_constraint("ocpi_sync_marks")["constrained_columns"]
    assert columns == {"partner_id", "module", "synced_until"}
    assert primary_key == ["partner_id", "module"]


def test_one_row_per_mark(engine: Engine) -> None:
    store = SQLAlchemySyncStore(engine)
    store.set(partner_id="p", module=ModuleID.LOCATIONS, synced_until=T0)
    store.set(partner_id="p", module=ModuleID.LOCATIONS, synced_until=T0 + timedelta(1))
    with engine.connect() as connection:
        rows = connection.execute(select(sync_marks_table.c.module, sync_marks_table.c.synced_until)).all()
        assert connection.execute(select(func.count()).select_from(sync_marks_table)).scalar_one() == 1
    assert [(m, v) for m, v in rows] == [("locations", T0 + timedelta(1))]
