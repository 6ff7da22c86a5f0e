"""The contract of :class:`~flask_ocpi.backends.PartnerStore`, run against every implementation.

``store`` is parametrized over ``memory``, ``sqlite`` and (with ``OCPI_TEST_POSTGRES_URL``)
``postgresql``. The tests after the contract cover what only the SQLAlchemy store has:
its bind forms, its schema and its query count.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.backends import PartnerExists, PartnerStore
from flask_ocpi.backends.sqlalchemy import SQLAlchemyPartnerStore, create_tables, metadata
from flask_ocpi.backends.sqlalchemy.tables import partners_table
from flask_ocpi.models import (
    Endpoint,
    ImageCategory,
    InterfaceRole,
    PartnerStatus,
    Role,
    TokenGrant,
    TokenScope,
)

from .conftest import (
    T0,
    Database,
    exercise,
    full_partner,
    make_save_fail_after_writing,
    minimal_partner,
    token_hash,
)

# --- the contract ---------------------------------------------------------------------


def test_round_trip_of_a_fully_populated_partner(store: PartnerStore) -> None:
    store.add(partner=full_partner())

    got = store.get(partner_id="full")

    assert got == full_partner()
    assert got is not None
    # Enums come back as enums, not as equal strings.
    assert got.status is PartnerStatus.REGISTERED
    assert got.local_role is Role.CPO
    assert got.roles[0].role is Role.EMSP and got.roles[1].role is Role.HUB
    assert got.roles[0].business_details.logo is not None
    assert got.roles[0].business_details.logo.category is ImageCategory.OPERATOR
    assert got.roles[1].business_details.logo is None
    assert got.endpoints[0].role is None
    assert got.endpoints[1].role is InterfaceRole.RECEIVER
    assert got.endpoints[2].role is InterfaceRole.SENDER
    assert got.grants[0].scope is TokenScope.FULL
    assert got.grants[1].scope is TokenScope.REGISTRATION
    for moment in (got.created, got.updated, *(g.created for g in got.grants)):
        assert moment.utcoffset() == timedelta(0)


def test_round_trip_with_every_optional_field_empty(store: PartnerStore) -> None:
    store.add(partner=minimal_partner())

    got = store.get(partner_id="minimal")

    assert got == minimal_partner()
    assert got is not None
    assert got.local_role is None and got.outbound_token is None and got.grants == []


def test_get_unknown_partner_returns_none(store: PartnerStore) -> None:
    store.add(partner=minimal_partner())
    assert store.get(partner_id="unknown") is None


def test_add_duplicate_id_raises_partner_exists(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    duplicate = minimal_partner("full")

    with pytest.raises(PartnerExists):
        store.add(partner=duplicate)

    assert store.get(partner_id="full") == full_partner()


def test_add_with_token_of_another_partner_raises_value_error(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    intruder = minimal_partner("intruder")
    intruder.grants = [
        TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0),
        TokenGrant(token_hash=token_hash("full-a"), scope=TokenScope.FULL, created=T0),
    ]

    with pytest.raises(ValueError) as excinfo:
        store.add(partner=intruder)

    assert not isinstance(excinfo.value, PartnerExists)
    assert store.get(partner_id="intruder") is None
    assert store.find_by_token(token_hash=token_hash("new")) is None
    found = store.find_by_token(token_hash=token_hash("full-a"))
    assert found is not None and found.id == "full"


def test_find_by_token_finds_the_partner_of_each_grant(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))

    for name in ("full-c", "full-a"):
        assert store.find_by_token(token_hash=token_hash(name)) == full_partner()
    for name in ("other-c", "other-a"):
        found = store.find_by_token(token_hash=token_hash(name))
        assert found == full_partner("other", tokens=("other-c", "other-a"))


@pytest.mark.parametrize("unknown", [token_hash("nobody"), "", token_hash("full-a").upper()])
def test_find_by_token_unknown_hash_returns_none(store: PartnerStore, unknown: str) -> None:
    store.add(partner=full_partner())
    assert store.find_by_token(token_hash=unknown) is None


def test_save_replaces_fields_and_grants(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    changed = full_partner()
    changed.status = PartnerStatus.UNREGISTERED
    changed.local_role = None
    changed.name = None
    changed.outbound_token = None
    changed.roles = []
    changed.endpoints = [Endpoint(identifier="cdrs", url="https://x.example.com/cdrs")]
    changed.updated = T0 + timedelta(days=9)
    kept = changed.grants[1]
    new = TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0)
    changed.grants = [new, kept]

    store.save(partner=changed)

    assert store.get(partner_id="full") == changed
    assert store.find_by_token(token_hash=token_hash("full-c")) is None
    assert store.find_by_token(token_hash=token_hash("new")) == changed
    assert store.find_by_token(token_hash=kept.token_hash) == changed


def test_save_unknown_partner_raises_key_error(store: PartnerStore) -> None:
    with pytest.raises(KeyError):
        store.save(partner=full_partner())

    assert store.get(partner_id="full") is None
    assert store.find_by_token(token_hash=token_hash("full-a")) is None


def test_failed_save_leaves_the_previous_state_intact(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))
    changed = full_partner()
    changed.status = PartnerStatus.UNREGISTERED
    changed.grants = [
        TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0),
        TokenGrant(token_hash=token_hash("other-a"), scope=TokenScope.FULL, created=T0),
    ]

    with pytest.raises(ValueError):
        store.save(partner=changed)

    assert store.get(partner_id="full") == full_partner()
    assert store.find_by_token(token_hash=token_hash("full-c")) == full_partner()
    assert store.find_by_token(token_hash=token_hash("new")) is None
    other = store.find_by_token(token_hash=token_hash("other-a"))
    assert other == full_partner("other", tokens=("other-c", "other-a"))


def test_list_returns_whole_partners_oldest_first(store: PartnerStore) -> None:
    assert store.list() == []
    later = full_partner("later", tokens=("l1", "l2"), created=T0 + timedelta(seconds=2))
    first = minimal_partner("zz-first", created=T0)
    middle = full_partner("middle", tokens=("m1", "m2"), created=T0 + timedelta(microseconds=1))
    for partner in (later, first, middle):
        store.add(partner=partner)

    assert store.list() == [first, middle, later]


def test_delete_removes_the_partner_and_its_grants(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))

    store.delete(partner_id="full")

    assert store.get(partner_id="full") is None
    assert store.find_by_token(token_hash=token_hash("full-c")) is None
    assert store.find_by_token(token_hash=token_hash("full-a")) is None
    assert [p.id for p in store.list()] == ["other"]
    assert store.find_by_token(token_hash=token_hash("other-a")) is not None
    store.delete(partner_id="full")
    store.delete(partner_id="never-existed")
    # The hashes are free again.
    store.add(partner=full_partner("again", tokens=("full-c", "full-a")))
    assert store.find_by_token(token_hash=token_hash("full-a")) is not None


def test_returned_and_given_partners_are_detached(store: PartnerStore) -> None:
    given = full_partner()
    store.add(partner=given)
    given.status = PartnerStatus.UNREGISTERED
    given.roles[0].business_details.name = "changed after add"
    given.grants.clear()

    for got in (
        store.get(partner_id="full"),
        store.find_by_token(token_hash=token_hash("full-a")),
        store.list()[0],
    ):
        assert got is not None
        got.status = PartnerStatus.INVITED
        logo = got.roles[0].business_details.logo
        assert logo is not None
        logo.url = "https://evil.example.com"
        got.endpoints.append(Endpoint(identifier="x", url="https://x"))
        got.grants[0].scope = TokenScope.REGISTRATION
        got.grants.pop()

    assert store.get(partner_id="full") == full_partner()


def test_list_breaks_ties_by_id(store: PartnerStore) -> None:
    for partner_id in ("b", "c", "a"):
        store.add(partner=minimal_partner(partner_id))
    assert [p.id for p in store.list()] == ["a", "b", "c"]


def test_duplicate_hash_within_one_partner_is_rejected(store: PartnerStore) -> None:
    partner = minimal_partner()
    partner.grants = [TokenGrant(token_hash=token_hash("x"), scope=scope) for scope in TokenScope]
    with pytest.raises(ValueError):
        store.add(partner=partner)
    assert store.get(partner_id="minimal") is None


# --- SQLAlchemy only ------------------------------------------------------------------


def test_datetimes_are_stored_as_utc_instants(engine: Engine) -> None:
    store = SQLAlchemyPartnerStore(engine)
    partner = full_partner()
    plus_two = timezone(timedelta(hours=2))
    partner.created = T0.astimezone(plus_two)
    partner.grants[0].created = T0.astimezone(plus_two)

    store.add(partner=partner)
    got = store.get(partner_id="full")

    assert got is not None
    assert got.created == T0 and got.created.utcoffset() == timedelta(0)
    assert got.grants[0].created == T0 and got.grants[0].created.utcoffset() == timedelta(0)
    assert store.list()[0].created == T0


def test_reads_cost_at_most_two_statements(engine: Engine, count_statements: Callable[[Engine], list[str]]) -> None:
    store = SQLAlchemyPartnerStore(engine)
    for index in range(4):
        store.add(partner=full_partner(f"p{index}", tokens=(f"c{index}", f"a{index}")))
    statements = count_statements(engine)

    found = store.find_by_token(token_hash=token_hash("a2"))
    assert found is not None and found.id == "p2" and len(found.grants) == 2
    assert len(statements) == 1, statements  # authentication runs on every request: one statement

    statements.clear()
    assert store.get(partner_id="p3") is not None
    assert len(statements) <= 2, statements

    statements.clear()
    assert len(store.list()) == 4
    assert len(statements) <= 2, statements


def test_schema_indexes_token_lookups_and_cascades(engine: Engine) -> None:
    assert all(table.startswith("ocpi_") for table in metadata.tables)
    inspector = inspect(engine)
    assert {"ocpi_partners", "ocpi_partner_tokens"} <= set(inspector.get_table_names())
    assert inspector.get_pk_constraint("ocpi_partner_tokens")["constrained_columns"] == ["token_hash"]
    indexed = [i["column_names"] for i in inspector.get_indexes("ocpi_partner_tokens")]
    assert ["partner_id"] in indexed
    (foreign_key,) = inspector.get_foreign_keys("ocpi_partner_tokens")
    assert foreign_key["referred_table"] == "ocpi_partners"
    assert foreign_key["options"].get("ondelete") == "CASCADE"


def test_database_cascades_row_deletes_to_grants(engine: Engine) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA foreign_keys=ON"))
        connection.execute(delete(partners_table).where(partners_table.c.id == "full"))
    store.add(partner=full_partner("again"))  # would collide with left-over grants
    assert store.find_by_token(token_hash=token_hash("full-a")) == full_partner("again")


def test_save_rolls_back_when_a_write_fails(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    changed = dataclasses.replace(full_partner(), status=PartnerStatus.UNREGISTERED)
    changed.grants = [TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL)]
    make_save_fail_after_writing(store, monkeypatch)

    with pytest.raises(RuntimeError):
        store.save(partner=changed)

    assert store.get(partner_id="full") == full_partner()
    assert store.find_by_token(token_hash=token_hash("new")) is None
    assert store.find_by_token(token_hash=token_hash("full-c")) == full_partner()


def test_lost_races_still_raise_the_documented_errors(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent writer got in between the checks and the writes: constraints decide."""
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    monkeypatch.setattr(store, "_exists", lambda session, partner_id: False)
    monkeypatch.setattr(store, "_check_owners", lambda session, partner: None)

    with pytest.raises(PartnerExists):
        store.add(partner=minimal_partner("full"))
    intruder = minimal_partner("intruder")
    intruder.grants = [TokenGrant(token_hash=token_hash("full-a"), scope=TokenScope.FULL)]
    with pytest.raises(ValueError) as excinfo:
        store.add(partner=intruder)
    assert not isinstance(excinfo.value, PartnerExists)
    store.add(partner=minimal_partner("intruder"))
    with pytest.raises(ValueError):
        store.save(partner=intruder)

    assert store.get(partner_id="full") == full_partner()
    assert store.get(partner_id="intruder") == minimal_partner("intruder")


@pytest.mark.parametrize("form", ["engine", "sessionmaker", "scoped_session"])
def test_bind_forms(database: Database, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sql_engine = database.create_engine()
    binds: dict[str, Any] = {
        "engine": sql_engine,
        "sessionmaker": sessionmaker(bind=sql_engine),
        "scoped_session": scoped_session(sessionmaker(bind=sql_engine)),
    }
    store = SQLAlchemyPartnerStore(binds[form])
    store.create_tables()
    create_tables(binds[form])  # idempotent
    exercise(store, SQLAlchemyPartnerStore(database.create_engine()))

    make_save_fail_after_writing(store, monkeypatch)
    with pytest.raises(RuntimeError):
        store.save(partner=minimal_partner("full"))
    saved = store.get(partner_id="full")
    assert saved is not None and saved.status is PartnerStatus.UNREGISTERED


def test_flask_sqlalchemy_db(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options
    db = SQLAlchemy(app)

    class HostThing(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "host_things"
        id = db.Column(db.Integer, primary_key=True)

    store = SQLAlchemyPartnerStore(db)  # no app context needed to build it
    with app.app_context():
        store.create_tables()
        assert set(inspect(db.engine).get_table_names()) == set(metadata.tables)
        exercise(store, SQLAlchemyPartnerStore(database.create_engine()))

        make_save_fail_after_writing(store, monkeypatch)
        with pytest.raises(RuntimeError):
            store.save(partner=minimal_partner("full"))
        # Rolled back: the same session neither sees the half-done save nor is broken.
        assert db.session.execute(select(partners_table.c.status)).scalars().all() == ["UNREGISTERED"]
        db.engine.dispose()


def test_unsupported_bind_raises_type_error() -> None:
    with pytest.raises(TypeError):
        SQLAlchemyPartnerStore("sqlite://")  # type: ignore[arg-type]


def test_importing_does_not_import_flask_sqlalchemy() -> None:
    code = "import sys, flask_ocpi.backends.sqlalchemy; sys.exit('flask_sqlalchemy' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
