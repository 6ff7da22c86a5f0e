"""Several processes writing one object at once lose no write, on SQLite and PostgreSQL.

Real processes (``spawn``), not threads of one process, each with its own engine, race
against one SQLite file and one PostgreSQL schema. SQLite ignores ``SELECT ... FOR
UPDATE``, so before the revision compare-and-set of
:meth:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDocuments.update` about half of these
read-modify-writes were lost (and every one of them reported success).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from typing import Any

from sqlalchemy import create_engine

from flask_ocpi.models import Location
from flask_ocpi.stores.documents import LOCATION
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDocuments, SQLAlchemyLocations, create_tables

from .conftest import Database
from .objects import CPO, full_evse, full_location

PROCESSES = 4
WRITES = 60


def _engine(url: str, options: dict[str, Any]) -> Any:
    return create_engine(url, **options)


def _count_up(url: str, options: dict[str, Any], evse_uid: str, field: str, writes: int) -> None:
    """A worker process: ``writes`` read-modify-writes, each adding 1 to a counter kept in
    ``field`` of EVSE ``evse_uid`` (or of the location itself when ``evse_uid`` is empty)."""
    documents = SQLAlchemyDocuments(_engine(url, options))

    def add_one(location: Location) -> Location:
        if not evse_uid:
            return dataclasses.replace(location, **{field: str(int(getattr(location, field)) + 1)})
        evses = [
            dataclasses.replace(e, **{field: str(int(getattr(e, field)) + 1)}) if e.uid == evse_uid else e
            for e in location.evses
        ]
        return dataclasses.replace(location, evses=evses)

    for _ in range(writes):
        assert documents.update(LOCATION, CPO, "LOC1", add_one) is not None


def _patch_evse(url: str, options: dict[str, Any], evse_uid: str, writes: int) -> None:
    """A worker process: PATCHes through the receiver backend, as partners' requests do."""
    receiver = SQLAlchemyLocations(_engine(url, options)).receiver()
    for n in range(writes):
        receiver.patch_evse(
            partner=None,  # type: ignore[arg-type]  # the shipped store does not read it
            country_code=CPO.country_code,
            party_id=CPO.party_id,
            location_id="LOC1",
            evse_uid=evse_uid,
            changes={"physical_reference": f"{evse_uid}-{n}"},
        )


def _race(targets: list[tuple[Any, tuple[Any, ...]]]) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=target, args=args) for target, args in targets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * len(processes)


def _seeded(database: Database) -> SQLAlchemyLocations:
    engine = database.create_engine()
    create_tables(engine)
    evses = [dataclasses.replace(full_evse(f"E{n}"), floor_level="0") for n in range(PROCESSES)]
    locations = SQLAlchemyLocations(engine)
    locations.save(dataclasses.replace(full_location("LOC1"), evses=evses, name="0", postal_code="0"))
    return locations


def test_processes_changing_different_evses_of_one_location_lose_nothing(database: Database) -> None:
    locations = _seeded(database)
    _race(
        [
            (_count_up, (database.url, database.engine_options, f"E{n}", "floor_level", WRITES))
            for n in range(PROCESSES)
        ]
    )
    stored = locations.get(CPO.country_code, CPO.party_id, "LOC1")
    assert stored is not None
    counted = {e.uid: int(e.floor_level or 0) for e in stored.evses}
    lost = PROCESSES * WRITES - sum(counted.values())
    assert lost == 0, counted


def test_processes_changing_different_fields_of_one_location_lose_nothing(database: Database) -> None:
    locations = _seeded(database)
    _race([(_count_up, (database.url, database.engine_options, "", name, WRITES)) for name in ("name", "postal_code")])
    stored = locations.get(CPO.country_code, CPO.party_id, "LOC1")
    assert stored is not None and stored.name is not None and stored.postal_code is not None
    assert (int(stored.name), int(stored.postal_code)) == (WRITES, WRITES)


def test_processes_patching_evses_through_the_receiver_keep_every_last_change(database: Database) -> None:
    locations = _seeded(database)
    _race([(_patch_evse, (database.url, database.engine_options, f"E{n}", WRITES)) for n in range(PROCESSES)])
    stored = locations.get(CPO.country_code, CPO.party_id, "LOC1")
    assert stored is not None
    assert {e.uid: e.physical_reference for e in stored.evses} == {
        f"E{n}": f"E{n}-{WRITES - 1}" for n in range(PROCESSES)
    }
