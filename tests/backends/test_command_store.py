"""The contract of :class:`~flask_ocpi.backends.commands.CommandStore`, run against every implementation.

``command_store`` is parametrized over ``memory``, ``sqlite`` and (with ``OCPI_TEST_POSTGRES_URL``)
``postgresql``. Exactly-once completion is proven with threads racing on one store, and for the
SQL stores with threads that each have their own engine (their own connections, as separate
processes would). The tests after the contract cover what only the SQLAlchemy store has.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.models import (
    CommandDirection,
    CommandRecord,
    CommandResult,
    CommandResultType,
    CommandType,
    DisplayText,
)
from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.stores.sqlalchemy import create_tables, metadata
from flask_ocpi.stores.sqlalchemy.commands import SQLAlchemyCommandStore
from flask_ocpi.stores.sqlalchemy.tables import commands_table

from .conftest import ALL_BACKENDS, T0, Database, open_database

T = TypeVar("T")


def record(command_id: str = "cmd-1", *, deadline: timedelta = timedelta(minutes=2), **changes: Any) -> CommandRecord:
    """A pending RECEIVED command created at T0."""
    base = CommandRecord(
        id=command_id,
        partner_id="partner-1",
        direction=CommandDirection.RECEIVED,
        type=CommandType.START_SESSION,
        version="2.1.1",
        response_url=f"https://emsp.example.com/ocpi/emsp/2.1.1/commands/START_SESSION/{command_id}",
        created=T0,
        deadline=T0 + deadline,
    )
    return dataclasses.replace(base, **changes)


ACCEPTED = CommandResult(
    result=CommandResultType.ACCEPTED,
    message=[DisplayText(language="en", text="Started"), DisplayText(language="nl", text="Gestart")],
)


@pytest.fixture(params=ALL_BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def db(backend_kind: str, tmp_path: Path) -> Iterator[Database | None]:
    """The database behind ``command_store`` (``None`` for memory)."""
    if backend_kind == "memory":
        yield None
        return
    with open_database(backend_kind, tmp_path) as database:
        create_tables(database.create_engine())
        yield database


@pytest.fixture
def command_store(db: Database | None) -> CommandStore:
    """A fresh, empty command store of every implementation."""
    if db is None:
        return MemoryCommandStore()
    return SQLAlchemyCommandStore(db.create_engine())


@pytest.fixture
def make_twin(command_store: CommandStore, db: Database | None) -> Callable[[], CommandStore]:
    """Another store on the same data: the same object in memory, a new engine for SQL."""
    if db is None:
        return lambda: command_store
    return lambda: SQLAlchemyCommandStore(db.create_engine())


def race(workers: list[Callable[[], T]]) -> list[T]:
    """Run the callables in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(workers))

    def run(work: Callable[[], T]) -> T:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return list(pool.map(run, workers))


# --- the contract ---------------------------------------------------------------------


def test_add_and_get_a_pending_command(command_store: CommandStore) -> None:
    command_store.add(record=record())

    got = command_store.get(command_id="cmd-1")

    assert got == record()
    assert got is not None
    assert got.direction is CommandDirection.RECEIVED and got.type is CommandType.START_SESSION
    assert got.result is None and got.completed is None and got.delivered is None
    assert got.created.utcoffset() == timedelta(0) and got.deadline == T0 + timedelta(minutes=2)


def test_a_completed_record_round_trips_with_every_field(command_store: CommandStore) -> None:
    done = record(
        "sent-1",
        direction=CommandDirection.SENT,
        type=CommandType.UNLOCK_CONNECTOR,
        result=ACCEPTED,
        completed=T0 + timedelta(seconds=5),
        delivered=False,
    )
    command_store.add(record=done)

    got = command_store.get(command_id="sent-1")

    assert got == done
    assert got is not None and got.result is not None
    assert got.direction is CommandDirection.SENT and got.result.result is CommandResultType.ACCEPTED
    assert command_store.complete(command_id="sent-1", result=ACCEPTED, when=T0) is None


def test_get_unknown_and_duplicate_add(command_store: CommandStore) -> None:
    assert command_store.get(command_id="nope") is None
    command_store.add(record=record())
    with pytest.raises(ValueError, match="cmd-1"):
        command_store.add(record=record(response_url="https://other.example.com/x"))
    got = command_store.get(command_id="cmd-1")
    assert got is not None and got.response_url == record().response_url


def test_complete_records_the_result_once(command_store: CommandStore) -> None:
    command_store.add(record=record())
    when = T0 + timedelta(seconds=30)

    done = command_store.complete(command_id="cmd-1", result=ACCEPTED, when=when)

    assert done == dataclasses.replace(record(), result=ACCEPTED, completed=when)
    assert command_store.get(command_id="cmd-1") == done
    failed = CommandResult(result=CommandResultType.FAILED)
    assert command_store.complete(command_id="cmd-1", result=failed, when=when + timedelta(1)) is None
    assert command_store.get(command_id="cmd-1") == done
    assert command_store.complete(command_id="unknown", result=ACCEPTED, when=when) is None


def test_returned_records_are_copies(command_store: CommandStore) -> None:
    original = record()
    command_store.add(record=original)
    original.response_url = "https://changed.example.com"
    got = command_store.get(command_id="cmd-1")
    assert got is not None
    got.deadline = T0
    assert command_store.get(command_id="cmd-1") == record()


def test_claim_expired_times_out_due_pending_commands_earliest_first(command_store: CommandStore) -> None:
    command_store.add(record=record("late", deadline=timedelta(minutes=3)))
    command_store.add(record=record("early", deadline=timedelta(minutes=1)))
    command_store.add(record=record("due-now", deadline=timedelta(minutes=2)))
    command_store.add(record=record("future", deadline=timedelta(minutes=10)))
    command_store.add(record=record("done", deadline=timedelta(minutes=1)))
    command_store.complete(command_id="done", result=ACCEPTED, when=T0)
    now = T0 + timedelta(minutes=3)

    first = command_store.claim_expired(now=now, limit=2)
    rest = command_store.claim_expired(now=now, limit=2)

    assert [r.id for r in first] == ["early", "due-now"]
    assert [r.id for r in rest] == ["late"]  # the deadline equal to now is due
    timeout = CommandResult(result=CommandResultType.TIMEOUT)
    for claimed in (*first, *rest):
        assert claimed.result == timeout and claimed.completed == now
        assert command_store.get(command_id=claimed.id) == claimed
    assert command_store.claim_expired(now=now, limit=10) == []
    future = command_store.get(command_id="future")
    assert future is not None and future.result is None
    done = command_store.get(command_id="done")
    assert done is not None and done.result == ACCEPTED
    assert command_store.complete(command_id="early", result=ACCEPTED, when=now) is None


def test_claim_expired_with_nothing_due(command_store: CommandStore) -> None:
    command_store.add(record=record())
    assert command_store.claim_expired(now=T0, limit=100) == []
    assert command_store.claim_expired(now=T0 + timedelta(days=1), limit=0) == []


def test_mark_delivered(command_store: CommandStore) -> None:
    command_store.add(record=record())
    command_store.complete(command_id="cmd-1", result=ACCEPTED, when=T0)

    command_store.mark_delivered(command_id="cmd-1", delivered=True)
    got = command_store.get(command_id="cmd-1")
    assert got is not None and got.delivered is True and got.result == ACCEPTED
    command_store.mark_delivered(command_id="cmd-1", delivered=False)
    got = command_store.get(command_id="cmd-1")
    assert got is not None and got.delivered is False
    command_store.mark_delivered(command_id="unknown", delivered=True)  # ignored
    assert command_store.get(command_id="unknown") is None


def test_a_second_store_on_the_same_data_sees_and_respects_completion(
    command_store: CommandStore, make_twin: Callable[[], CommandStore]
) -> None:
    """What a restarted process or another worker sees."""
    command_store.add(record=record())
    twin = make_twin()
    assert twin.get(command_id="cmd-1") == record()
    assert twin.complete(command_id="cmd-1", result=ACCEPTED, when=T0) is not None
    assert command_store.complete(command_id="cmd-1", result=ACCEPTED, when=T0) is None


# --- exactly once under concurrency ------------------------------------------------------


def test_concurrent_completions_of_one_command_succeed_exactly_once(
    command_store: CommandStore, make_twin: Callable[[], CommandStore]
) -> None:
    command_store.add(record=record())
    stores = [make_twin() for _ in range(8)]
    results = [
        CommandResult(result=CommandResultType.ACCEPTED if i % 2 else CommandResultType.FAILED) for i in range(8)
    ]

    outcomes = race(
        [
            (lambda s=s, r=r: s.complete(command_id="cmd-1", result=r, when=T0))  # type: ignore[misc]
            for s, r in zip(stores, results, strict=True)
        ]
    )

    winners = [o for o in outcomes if o is not None]
    assert len(winners) == 1
    assert command_store.get(command_id="cmd-1") == winners[0]


def test_concurrent_claims_and_completions_complete_each_command_exactly_once(
    command_store: CommandStore, make_twin: Callable[[], CommandStore]
) -> None:
    ids = [f"cmd-{i:02d}" for i in range(30)]
    for i, command_id in enumerate(ids):
        command_store.add(record=record(command_id, deadline=timedelta(seconds=i)))
    now = T0 + timedelta(minutes=5)
    claimers = [make_twin() for _ in range(4)]
    completers = [make_twin() for _ in range(2)]

    def claim(store: CommandStore) -> list[str]:
        claimed: list[str] = []
        while batch := store.claim_expired(now=now, limit=4):
            claimed.extend(r.id for r in batch)
        return claimed

    def complete_all(store: CommandStore) -> list[str]:
        return [i for i in ids if store.complete(command_id=i, result=ACCEPTED, when=now) is not None]

    outcomes = race([*((lambda s=s: claim(s)) for s in claimers), *((lambda s=s: complete_all(s)) for s in completers)])

    completed = [command_id for outcome in outcomes for command_id in outcome]
    assert sorted(completed) == ids  # every command exactly once, by one claimer or completer
    for command_id in ids:
        got = command_store.get(command_id=command_id)
        assert got is not None and got.result is not None


# --- SQLAlchemy only ------------------------------------------------------------------------


def test_table_is_in_the_shared_metadata_and_created_by_create_tables(tmp_path: Path) -> None:
    assert metadata.tables["ocpi_commands"] is commands_table
    with open_database("sqlite", tmp_path) as database:
        engine = database.create_engine()
        create_tables(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("ocpi_commands")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("ocpi_commands")}
    assert {"id", "partner_id", "direction", "type", "result", "deadline", "delivered"} <= columns
    assert "ix_ocpi_commands_result_deadline" in indexes


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
                _exercise(SQLAlchemyCommandStore(db))
                db.engine.dispose()
            return
        bind: Any = sessionmaker(bind=engine) if form == "sessionmaker" else scoped_session(sessionmaker(bind=engine))
        _exercise(SQLAlchemyCommandStore(bind))


def _exercise(store: CommandStore) -> None:
    store.add(record=record())
    assert store.complete(command_id="cmd-1", result=ACCEPTED, when=T0) is not None
    store.mark_delivered(command_id="cmd-1", delivered=True)
    store.add(record=record("old", deadline=-timedelta(seconds=1)))
    assert [r.id for r in store.claim_expired(now=T0)] == ["old"]
    got = store.get(command_id="cmd-1")
    assert got is not None and got.delivered is True and got.result == ACCEPTED


def test_discard_removes_a_command_and_ignores_unknown_ids(command_store: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from flask_ocpi.models import CommandDirection, CommandRecord, CommandType

    now = datetime(2026, 1, 1, tzinfo=UTC)
    record = CommandRecord(
        id="to-discard",
        partner_id="p",
        direction=CommandDirection.RECEIVED,
        type=CommandType.START_SESSION,
        version="2.1.1",
        response_url="https://emsp.example.com/r",
        created=now,
        deadline=now + timedelta(minutes=1),
    )
    command_store.add(record=record)
    command_store.discard(command_id="to-discard")
    assert command_store.get(command_id="to-discard") is None
    command_store.discard(command_id="never-stored")
