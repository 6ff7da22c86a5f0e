"""The bundles of every store of an engine: :class:`MemoryStores` and :class:`SQLAlchemyStores`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.models import CommandDirection, CommandRecord, CommandType, DeliveryOperation, ModuleID
from flask_ocpi.stores.memory import (
    MemoryCommandStore,
    MemoryDeliveryStore,
    MemoryDocuments,
    MemoryLocations,
    MemoryPartnerStore,
    MemoryStores,
    MemorySyncStore,
)
from flask_ocpi.stores.modules import CdrsStore, LocationsStore, SessionsStore, TariffsStore, TokensStore
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyBackendBase,
    SQLAlchemyCommandStore,
    SQLAlchemyDeliveryStore,
    SQLAlchemyDocuments,
    SQLAlchemyLocations,
    SQLAlchemyPartnerStore,
    SQLAlchemyStores,
    SQLAlchemySyncStore,
    metadata,
)
from flask_ocpi.stores.sqlalchemy.base import _engine_of

from .conftest import T0, Database
from .objects import CPO, full_location, full_session, full_token, partner

MODULE_STORES = {
    "locations": LocationsStore,
    "sessions": SessionsStore,
    "cdrs": CdrsStore,
    "tariffs": TariffsStore,
    "tokens": TokensStore,
}


def command(command_id: str = "cmd-1") -> CommandRecord:
    return CommandRecord(
        id=command_id,
        partner_id="p",
        direction=CommandDirection.RECEIVED,
        type=CommandType.START_SESSION,
        version="2.1.1",
        response_url=f"https://emsp.example.com/commands/START_SESSION/{command_id}",
        created=T0,
        deadline=T0 + timedelta(minutes=2),
    )


def write_everything(stores: Any) -> None:
    """One write through each store of a bundle."""
    stores.locations.save(full_location())
    stores.sessions.save(full_session())
    stores.tokens.save(full_token())
    stores.partners.add(partner=partner())
    stores.deliveries.enqueue(
        partner_id="p",
        module=ModuleID.LOCATIONS,
        object_key="NL/CPO/LOC1",
        operation=DeliveryOperation.PUT,
        payload="{}",
        previous=None,
        now=T0,
    )
    stores.commands.add(record=command())
    stores.sync.set(partner_id="p", module=ModuleID.TOKENS, synced_until=T0)


def written(stores: Any) -> list[bool]:
    """Whether each write of :func:`write_everything` is stored."""
    return [
        stores.locations.get("NL", "CPO", "LOC1") is not None,
        stores.sessions.count() == 1,
        stores.tokens.count() == 1,
        stores.partners.get(partner_id="p") is not None,
        stores.deliveries.count() == 1,
        stores.commands.get(command_id="cmd-1") is not None,
        stores.sync.get(partner_id="p", module=ModuleID.TOKENS) is not None,
    ]


# --- memory ------------------------------------------------------------------------------


def test_memory_stores_gives_every_store_on_one_repository() -> None:
    stores = MemoryStores()
    for name, kind in MODULE_STORES.items():
        store = getattr(stores, name)
        assert type(store) is kind and store.documents is stores.documents
    assert isinstance(stores.documents, MemoryDocuments)
    assert isinstance(stores.partners, MemoryPartnerStore)
    assert isinstance(stores.deliveries, MemoryDeliveryStore)
    assert isinstance(stores.commands, MemoryCommandStore)
    assert isinstance(stores.sync, MemorySyncStore)
    write_everything(stores)
    assert all(written(stores))
    assert stores.locations.count() == 1 and stores.tokens.count() == 1  # kinds stay apart
    assert not any(written(MemoryStores()))  # nothing shared between two bundles


def test_the_standalone_memory_stores_are_module_stores() -> None:
    locations = MemoryLocations()
    assert isinstance(locations, LocationsStore) and isinstance(locations.documents, MemoryDocuments)
    shared = MemoryDocuments()
    assert MemoryLocations(documents=shared).documents is shared


# --- SQLAlchemy --------------------------------------------------------------------------

SQL_STORES = ("partners", "deliveries", "commands", "sync")


def engines_of(stores: SQLAlchemyStores) -> set[int]:
    """The ids of the engines behind the bundle's stores (and its repository)."""
    backends: list[SQLAlchemyBackendBase] = [stores.documents, *(getattr(stores, name) for name in SQL_STORES)]
    return {id(_engine_of(backend._bind)) for backend in backends}


def test_sqlalchemy_stores_gives_every_store_on_one_engine(engine: Engine) -> None:
    stores = SQLAlchemyStores(engine)
    for name, kind in MODULE_STORES.items():
        store = getattr(stores, name)
        assert type(store) is kind and store.documents is stores.documents
    assert isinstance(stores.documents, SQLAlchemyDocuments)
    assert isinstance(stores.partners, SQLAlchemyPartnerStore)
    assert isinstance(stores.deliveries, SQLAlchemyDeliveryStore)
    assert isinstance(stores.commands, SQLAlchemyCommandStore)
    assert isinstance(stores.sync, SQLAlchemySyncStore)
    assert engines_of(stores) == {id(engine)}
    # One session source: one sessionmaker made from the engine, shared by every store.
    assert len({id(getattr(stores, name)._bind) for name in SQL_STORES} | {id(stores.documents._bind)}) == 1
    write_everything(stores)
    assert all(written(stores))


@pytest.mark.parametrize("form", ["sessionmaker", "scoped_session"])
def test_sqlalchemy_stores_from_other_session_sources(engine: Engine, form: str) -> None:
    maker = sessionmaker(bind=engine)
    source = maker if form == "sessionmaker" else scoped_session(maker)
    stores = SQLAlchemyStores(source)
    assert stores.bind is source and engines_of(stores) == {id(engine)}
    write_everything(stores)
    assert all(written(SQLAlchemyStores(engine)))


def test_create_tables_of_the_bundle_creates_every_table(database: Database) -> None:
    sql_engine = database.create_engine()
    SQLAlchemyStores(sql_engine).create_tables()
    assert set(metadata.tables) <= set(inspect(sql_engine).get_table_names())


def test_every_store_of_the_bundle_joins_one_transaction(engine: Engine, database: Database) -> None:
    stores = SQLAlchemyStores(engine)
    other = SQLAlchemyStores(database.create_engine())  # reads through its own connections
    with pytest.raises(RuntimeError), stores.transaction():
        write_everything(stores)
        assert all(written(stores))  # seen inside the transaction ...
        raise RuntimeError("roll back")
    assert not any(written(stores)) and not any(written(other))  # ... and all rolled back together
    with stores.transaction() as session:
        write_everything(stores)
        assert session.in_transaction()
        assert not any(written(other))  # nothing committed before the block ends
    assert all(written(other))


def test_the_bundle_shares_the_transaction_of_a_standalone_store_on_its_engine(engine: Engine) -> None:
    stores = SQLAlchemyStores(engine)
    standalone = SQLAlchemyLocations(engine)
    with pytest.raises(RuntimeError), standalone.documents.transaction():
        stores.partners.add(partner=partner())
        stores.locations.save(full_location())
        raise RuntimeError("roll back")
    assert stores.partners.get(partner_id="p") is None and standalone.get("NL", "CPO", "LOC1") is None


def test_sqlalchemy_stores_from_a_flask_sqlalchemy_db(database: Database) -> None:
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options
    db = SQLAlchemy(app)
    stores = SQLAlchemyStores(db)  # no application context needed to build it
    with app.app_context():
        stores.create_tables()
        with stores.transaction() as session:
            assert session is db.session()
            write_everything(stores)
        assert all(written(stores))
        assert stores.locations.page(owners=[CPO]).items == [full_location()]
        db.engine.dispose()
