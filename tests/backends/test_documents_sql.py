"""What only the SQLAlchemy object stores have: their table and indexes, the cost of a
page, bounded memory, bind forms, and the race on first insert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import PartyKey, Status, TokenType
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryDocuments, MemoryLocations, MemoryTokens
from flask_ocpi.stores.modules import LocationsStore
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyCdrs,
    SQLAlchemyDocuments,
    SQLAlchemyLocations,
    SQLAlchemySessions,
    SQLAlchemyTariffs,
    SQLAlchemyTokens,
    create_tables,
    metadata,
)
from flask_ocpi.stores.sqlalchemy.tables import objects_table

from .conftest import Database
from .objects import CPO, CPO2, EMSP, T0, full_cdr, full_location, full_session, full_tariff, full_token, partner


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) of every statement ``engine`` runs from now on."""
    recorded: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool) -> None:
        recorded.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    yield recorded
    event.remove(engine, "before_cursor_execute", record)


def test_schema_has_the_document_table_and_its_indexes(engine: Engine) -> None:
    inspector = inspect(engine)
    assert "ocpi_objects" in inspector.get_table_names()
    assert "ocpi_objects" in metadata.tables
    columns = {c["name"]: c for c in inspector.get_columns("ocpi_objects")}
    assert set(columns) == {
        "id",
        "kind",
        "country_code",
        "party_id",
        "object_id",
        "token_type",
        "audience_country_code",
        "audience_party_id",
        "last_updated",
        "document",
        "revision",
    }
    assert columns["audience_country_code"]["nullable"] and not columns["token_type"]["nullable"]
    assert inspector.get_pk_constraint("ocpi_objects")["constrained_columns"] == ["id"]
    unique = [u["column_names"] for u in inspector.get_unique_constraints("ocpi_objects")]
    assert ["kind", "country_code", "party_id", "object_id", "token_type"] in unique
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("ocpi_objects")}
    assert indexes["ix_ocpi_objects_owner_seq"] == ["kind", "country_code", "party_id", "id"]
    assert indexes["ix_ocpi_objects_owner_last_updated"] == ["kind", "country_code", "party_id", "last_updated"]
    assert indexes["ix_ocpi_objects_audience_seq"] == ["kind", "audience_country_code", "audience_party_id", "id"]


def test_a_page_costs_the_same_statements_whatever_its_size(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    store = SQLAlchemyLocations(engine)
    store.save_many(full_location(f"L{n:03d}", evses=3, connectors=2) for n in range(60))
    store.save(full_location("FOREIGN", owner=CPO2))
    sender = store.sender()
    cost = {}
    for size in (5, 50):
        statements.clear()
        page = sender.list_locations(partner=partner(), page=PageRequest(limit=size))
        assert len(page.items) == size and page.total == 60
        assert all(len(loc.evses) == 3 and len(loc.evses[2].connectors) == 2 for loc in page.items)
        cost[size] = [sql for sql, _ in statements]

    assert len(cost[5]) == len(cost[50]) == 2, cost
    select_page, count = cost[50]
    assert "LIMIT" in select_page.upper() and "ORDER BY ocpi_objects.id" in select_page
    # The owner's object counter gives X-Total-Count: no COUNT scan, whatever the table size.
    assert "ocpi_generations" in count and "ocpi_objects" not in count

    # The last, short page shows the total by itself: no COUNT.
    statements.clear()
    last = sender.list_locations(partner=partner(), page=PageRequest(offset=55, limit=50))
    assert [loc.id for loc in last.items] == [f"L{n:03d}" for n in range(55, 60)] and last.total == 60
    assert len(statements) == 1


def test_totals_come_from_counters_that_follow_every_write(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    store = SQLAlchemyLocations(engine)
    owner = PartyKey("NL", "CPO")
    store.save_many(full_location(f"L{n:03d}") for n in range(10))
    store.save_many(full_location(f"L{n:03d}") for n in range(5, 15))  # 5 replaced, 5 new
    store.save(full_location("L000"))  # replaced
    store.save(full_location("L100"))  # new
    store.delete("NL", "CPO", "L001")
    store.delete("NL", "CPO", "NOPE")
    expected = 15 - 1 + 1
    statements.clear()
    assert store.count(owners=[owner]) == expected
    assert store.page(owners=[owner], page=PageRequest(limit=3)).total == expected
    assert not any("count(" in sql.lower() for sql, _ in statements)
    # With a date window, the total is counted.
    windowed = store.page(owners=[owner], page=PageRequest(limit=3, date_from=T0 - timedelta(days=1)))
    assert windowed.total == expected


def test_a_page_loads_only_its_rows(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    store = SQLAlchemyTariffs(engine)
    store.save_many(full_tariff(f"T{n:04d}") for n in range(300))
    statements.clear()
    page = store.page(page=PageRequest(offset=120, limit=7))

    assert [t.id for t in page.items] == [f"T{n:04d}" for n in range(120, 127)] and page.total == 300
    select_page = statements[0]
    assert "LIMIT" in select_page[0].upper() and "OFFSET" in select_page[0].upper()
    parameters = select_page[1].values() if isinstance(select_page[1], dict) else select_page[1]
    assert 7 in parameters and 120 in parameters
    assert "document" in select_page[0] and "count" not in select_page[0].lower()


def test_single_object_operations_are_a_constant_few_statements(
    engine: Engine, statements: list[tuple[str, Any]]
) -> None:
    store = SQLAlchemyLocations(engine)
    store.save(full_location("LOC0"))  # the owner's write counter exists from now on
    statements.clear()
    assert store.save(full_location()) is WriteResult.CREATED
    assert len(statements) == 3  # SELECT the key, INSERT, bump the owner's write counter
    statements.clear()
    assert store.get("NL", "CPO", "LOC1") is not None
    assert len(statements) == 1
    statements.clear()
    assert store.patch_evse("NL", "CPO", "LOC1", "E1", {"status": Status.AVAILABLE}) is WriteResult.UPDATED
    assert len(statements) == 3  # SELECT ... FOR UPDATE, UPDATE, bump


def test_every_write_bumps_the_generation_of_its_owner_only(engine: Engine) -> None:
    store = SQLAlchemyLocations(engine)
    owner, other = PartyKey("NL", "CPO"), PartyKey("DE", "OTH")
    generation = store.documents.generation
    assert generation(store.kind, [owner]) == 0
    store.save(full_location())
    first = generation(store.kind, [owner])
    store.patch_evse("NL", "CPO", "LOC1", "E1", {"status": Status.CHARGING})
    second = generation(store.kind, [owner])
    store.save_many([full_location("LOC2"), full_location("LOC3")])
    third = generation(store.kind, [owner])
    store.delete("NL", "CPO", "LOC2")
    fourth = generation(store.kind, [owner])
    assert 0 < first < second < third < fourth
    assert generation(store.kind, [other]) == 0
    assert store.patch_evse("NL", "CPO", "NOPE", "E1", {"status": Status.CHARGING}) is WriteResult.NOT_FOUND
    assert not store.delete("NL", "CPO", "NOPE")
    assert generation(store.kind, [owner]) == fourth  # failed writes change nothing


def test_save_many_batches_its_statements(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    store = SQLAlchemyTokens(engine)
    store.save_many(full_token(f"U{n}") for n in range(0, 1100, 2))
    statements.clear()

    results = store.save_many(full_token(f"U{n}") for n in range(1100))

    assert results == [WriteResult.UPDATED if n % 2 == 0 else WriteResult.CREATED for n in range(1100)]
    assert len(statements) <= 3 * 4, len(statements)  # 3 batches of at most SELECT, bump, INSERT, UPDATE
    assert store.count() == 1100
    assert [t.uid for t in store.page(page=PageRequest(limit=3)).items] == ["U0", "U2", "U4"]


def test_rows_hold_the_key_audience_and_a_json_document(engine: Engine) -> None:
    SQLAlchemySessions(engine).save(full_session(owner=CPO, emsp=EMSP))
    SQLAlchemyTokens(engine).save(full_token(token_type=TokenType.APP_USER))
    SQLAlchemyLocations(engine).save(full_location())
    with engine.connect() as connection:
        rows = {r.kind: r for r in connection.execute(select(objects_table))}

    session = rows["session"]
    assert (session.country_code, session.party_id, session.object_id, session.token_type) == ("NL", "CPO", "S1", "")
    assert (session.audience_country_code, session.audience_party_id) == ("DE", "MSP")
    assert session.last_updated == T0 and session.document["kwh"] == "12.345"
    assert rows["token"].token_type == "APP_USER" and rows["token"].audience_party_id is None
    assert rows["location"].document["evses"][1]["connectors"][0]["id"] == "1"


def test_the_first_insert_race_is_settled_by_the_unique_key(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent writer inserted the key between our SELECT and INSERT."""
    store = SQLAlchemyCdrs(engine)
    store.save(full_cdr())
    documents = store.documents
    assert isinstance(documents, SQLAlchemyDocuments)
    real_find = documents._find_row
    calls: list[int] = []

    def miss_once(session: Any, values: dict[str, Any]) -> int | None:
        calls.append(1)
        return None if len(calls) == 1 else real_find(session, values)

    monkeypatch.setattr(documents, "_find_row", miss_once)
    assert store.create(full_cdr(last_updated=T0 + timedelta(1))) is WriteResult.UPDATED
    assert store.get("NL", "CPO", "CDR1") == full_cdr()  # not replaced
    calls.clear()
    assert store.save(full_cdr(last_updated=T0 + timedelta(1))) is WriteResult.UPDATED
    assert store.get("NL", "CPO", "CDR1") == full_cdr(last_updated=T0 + timedelta(1))
    assert store.count() == 1


def test_a_failed_patch_writes_nothing(engine: Engine) -> None:
    store = SQLAlchemyLocations(engine)
    store.save(full_location())

    def explode(location: Any) -> Any:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.documents.update(store.kind, CPO, "LOC1", explode)
    with pytest.raises(ValueError):
        store.patch("NL", "CPO", "LOC1", {"country_code": "BE"})
    assert store.get("NL", "CPO", "LOC1") == full_location()


def exercise(store: LocationsStore, check: LocationsStore) -> None:
    """Every kind of write through ``store``, read back through ``check``."""
    assert store.save(full_location()) is WriteResult.CREATED
    assert store.save_many([full_location("B"), full_location("C")]) == [WriteResult.CREATED] * 2
    assert store.patch_evse("NL", "CPO", "LOC1", "E1", {"status": Status.OUTOFORDER}) is WriteResult.UPDATED
    assert store.delete("NL", "CPO", "C") is True
    got = check.get("NL", "CPO", "LOC1")
    assert got is not None and got.evses[0].status is Status.OUTOFORDER
    assert [loc.id for loc in check.page().items] == ["LOC1", "B"] and check.count() == 2
    assert [loc.id for loc in store.sender().list_locations(partner=partner(), page=PageRequest()).items] == [
        "LOC1",
        "B",
    ]


@pytest.mark.parametrize("form", ["engine", "sessionmaker", "scoped_session"])
def test_bind_forms(database: Database, form: str) -> None:
    sql_engine = database.create_engine()
    binds: dict[str, Any] = {
        "engine": sql_engine,
        "sessionmaker": sessionmaker(bind=sql_engine),
        "scoped_session": scoped_session(sessionmaker(bind=sql_engine)),
    }
    store = SQLAlchemyLocations(binds[form])
    store.create_tables()
    exercise(store, SQLAlchemyLocations(database.create_engine()))


def test_flask_sqlalchemy_db(database: Database) -> None:
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options
    db = SQLAlchemy(app)
    stores: list[Any] = [
        SQLAlchemyLocations(db),
        SQLAlchemySessions(db),
        SQLAlchemyCdrs(db),
        SQLAlchemyTariffs(db),
        SQLAlchemyTokens(db),
    ]  # no application context needed to build them
    with app.app_context():
        create_tables(db)
        exercise(stores[0], SQLAlchemyLocations(database.create_engine()))
        stores[1].save(full_session())
        stores[2].create(full_cdr())
        stores[3].save(full_tariff())
        stores[4].save(full_token())
        assert stores[1].get("NL", "CPO", "S1") == full_session()
        assert stores[2].get("NL", "CPO", "CDR1") == full_cdr()
        assert stores[3].get("NL", "CPO", "T1") == full_tariff()
        assert stores[4].get("DE", "MSP", "TOK1") == full_token()
        kinds = db.session.execute(select(objects_table.c.kind).order_by(objects_table.c.id)).scalars().all()
        assert kinds == ["location", "location", "session", "cdr", "tariff", "token"]
        db.engine.dispose()


def test_memory_stores_can_share_one_repository() -> None:
    shared = MemoryDocuments()
    locations, tokens = MemoryLocations(shared), MemoryTokens(shared)
    locations.save(full_location())
    tokens.save(full_token())
    assert locations.documents is tokens.documents
    assert locations.count() == 1 and tokens.count() == 1
    assert locations.get("DE", "MSP", "TOK1") is None


def test_a_generation_is_reused_for_its_ttl_unless_this_repository_writes(engine: Engine) -> None:
    import time

    here, elsewhere = SQLAlchemyLocations(engine), SQLAlchemyLocations(engine)  # e.g. two processes
    here.documents.generation_ttl = 0.05  # type: ignore[attr-defined]
    owner = PartyKey("NL", "CPO")
    here.save(full_location("LOC1"))
    seen = here.etag(owner)
    elsewhere.save(full_location("LOC2"))
    assert here.etag(owner) == seen  # another writer shows only after the TTL
    time.sleep(0.06)
    later = here.etag(owner)
    assert later != seen
    here.patch_evse("NL", "CPO", "LOC1", "E1", {"status": Status.CHARGING})
    assert here.etag(owner) != later  # our own writes show at once


def test_create_tables_upgrades_a_database_of_an_earlier_release(database: Database) -> None:
    """Tables of the previous release (no ``revision``, a 64-character outbound token) get the
    new column with its default and the wider one; their rows keep working."""
    from sqlalchemy import Column, MetaData, String, Table

    from flask_ocpi.stores.codec import to_document

    engine = database.create_engine()
    old = MetaData()
    for table in metadata.sorted_tables:
        columns = [c._copy() for c in table.columns if c.name != "revision"]
        if table.name == "ocpi_partners":
            columns = [Column("outbound_token", String(64)) if c.name == "outbound_token" else c for c in columns]
        Table(table.name, old, *columns)
    old.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            old.tables["ocpi_objects"]
            .insert()
            .values(
                kind="location",
                country_code="NL",
                party_id="CPO",
                object_id="OLD",
                token_type="",
                last_updated=T0,
                document=to_document(full_location("OLD")),
            )
        )
    create_tables(engine)
    create_tables(engine)  # idempotent
    columns = {c["name"]: c for c in inspect(engine).get_columns("ocpi_objects")}
    assert "revision" in columns
    if database.kind != "sqlite":
        partners = {c["name"]: c for c in inspect(engine).get_columns("ocpi_partners")}
        assert partners["outbound_token"]["type"].length == 512
    locations = SQLAlchemyLocations(engine)
    assert locations.patch_evse("NL", "CPO", "OLD", "E1", {"floor_level": "2"}).value == "UPDATED"
    stored = locations.get("NL", "CPO", "OLD")
    assert stored is not None and stored.evses[0].floor_level == "2"
