"""Write throughput of several processes changing locations at once, and what it costs.

Each of ``P`` worker processes (``spawn``, each with its own engine) PATCHes EVSEs through
the shipped receiver backend (``SQLAlchemyLocations(engine).receiver().patch_evse``: the
read-modify-write every partner PATCH takes), either all on **one** location (different
EVSEs: the contended case that lost 56 % of the writes on SQLite before the revision
compare-and-set) or each on its own location. Beside it, in the same run and the same
processes, the **floor**: one bare ``UPDATE`` statement per write on the same database,
the least a write can cost there. Printed: writes/s, the floor's, their ratio, lost races
(compare-and-set retries) per 100 writes, and lost writes (always 0, counted from the
stored state).

    python benchmarks/concurrent_writes.py --processes 1,2,4 --writes 300 \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

It measures the checkout it lies in; copy it into another checkout (e.g. a git worktree
of an older commit) for before/after figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVSES = 4


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine, event

    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def wal(connection: Any, _record: Any) -> None:  # as the example app configures SQLite
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def _worker(url: str, proc: int, writes: int, shared: bool, queue: Any) -> None:
    from sqlalchemy import text

    try:  # where the compare-and-set helpers live (absent before it)
        import flask_ocpi.stores.sqlalchemy.cas as documents
    except ImportError:
        import flask_ocpi.stores.sqlalchemy.documents as documents
    from flask_ocpi.stores.sqlalchemy import SQLAlchemyLocations

    retries = [0]
    pause = getattr(documents, "pause_after_lost_race", None)
    if pause is not None:

        def counted(attempt: int) -> None:
            retries[0] += 1
            pause(attempt)

        documents.pause_after_lost_race = counted
    engine = _engine(url)
    receiver = SQLAlchemyLocations(engine).receiver()
    location_id = "LOC0" if shared else f"LOC{proc + 1}"
    evse_uid = f"E{proc % EVSES}" if shared else "E0"
    started = time.perf_counter()
    for n in range(writes):
        receiver.patch_evse(
            partner=None,  # type: ignore[arg-type]  # the shipped store does not read it
            country_code="NL",
            party_id="CPO",
            location_id=location_id,
            evse_uid=evse_uid,
            changes={"physical_reference": f"{proc}-{n}"},
        )
    ocpi_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect() as connection:
        for n in range(writes):
            with connection.begin():
                connection.execute(text("UPDATE bench_floor SET value = :v WHERE id = :id"), {"v": n, "id": proc})
    floor_seconds = time.perf_counter() - started
    queue.put((ocpi_seconds, floor_seconds, retries[0]))


def _prepare(url: str, processes: int) -> Any:
    from sqlalchemy import text

    from flask_ocpi.stores.sqlalchemy import SQLAlchemyLocations, create_tables
    from flask_ocpi.stores.sqlalchemy.tables import metadata
    from tests.backends.objects import CPO, full_evse, full_location

    engine = _engine(url)
    metadata.drop_all(engine)
    create_tables(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_floor"))
        connection.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, value INTEGER)"))
        for proc in range(processes):
            connection.execute(text("INSERT INTO bench_floor VALUES (:id, 0)"), {"id": proc})
    evses = [full_evse(f"E{n}") for n in range(EVSES)]
    locations = SQLAlchemyLocations(engine)
    locations.save_many(
        [dataclasses.replace(full_location(f"LOC{n}", owner=CPO), evses=evses) for n in range(processes + 1)]
    )
    return locations


def run(url: str, processes: int, writes: int, shared: bool) -> dict[str, Any]:
    """One measurement: ``processes`` workers, ``writes`` each, on one location or their own."""
    locations = _prepare(url, processes)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(url, p, writes, shared, queue)) for p in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    ocpi_wall = max(r[0] for r in results)
    floor_wall = max(r[1] for r in results)
    total = processes * writes
    if shared:
        stored = locations.get("NL", "CPO", "LOC0")
        last = {e.uid: e.physical_reference for e in stored.evses} if stored else {}
        expected = {f"E{p % EVSES}": f"{p}-{writes - 1}" for p in range(processes) if p < EVSES}
        lost = sum(1 for uid, ref in expected.items() if last.get(uid) != ref)
    else:
        lost = 0
        for p in range(processes):
            stored = locations.get("NL", "CPO", f"LOC{p + 1}")
            lost += int(stored is None or stored.evses[0].physical_reference != f"{p}-{writes - 1}")
    return {
        "database": url.split(":", 1)[0].split("+")[0],
        "processes": processes,
        "location": "one (different EVSEs)" if shared else "one each",
        "writes_per_s": total / ocpi_wall,
        "floor_writes_per_s": total / floor_wall,
        "ratio": (total / ocpi_wall) / (total / floor_wall),
        "lost_races_per_100": 100 * sum(r[2] for r in results) / total,
        "lost_writes": lost,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", default="1,2,4", help="comma-separated process counts")
    parser.add_argument("--writes", type=int, default=300, help="writes per process")
    parser.add_argument("--postgres", default="", help="also measure on this PostgreSQL URL (its tables are dropped)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.db'}", *([args.postgres] if args.postgres else [])]
        for url in urls:
            for processes in (int(p) for p in args.processes.split(",")):
                for shared in (True, False):
                    row = run(url, processes, args.writes, shared)
                    rows.append(row)
                    print(
                        f"{row['database']:<10} {processes} proc  {row['location']:<22} "
                        f"{row['writes_per_s']:8.0f} writes/s  floor {row['floor_writes_per_s']:8.0f}  "
                        f"ratio {row['ratio']:.2f}  lost races/100 {row['lost_races_per_100']:5.1f}  "
                        f"lost writes {row['lost_writes']}",
                        flush=True,
                    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
