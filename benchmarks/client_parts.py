"""Parts of ``client.py``: the in-process host, the example-app partners, the recordings.

The *host* is a Flask app in the benchmark's own process, built the way a company would
embed Flask-OCPI: SQLite through SQLAlchemy (WAL, like the example app), an
``SQLAlchemyLocations`` store serving our CPO locations and receiving a CPO partner's,
an ``SQLAlchemyDeliveryStore`` and the default ``ThreadDispatcher``. It is served on
127.0.0.1 by a threaded werkzeug server (``tests/live.py``) only so that partners can
reach its versions endpoints while registering. Two wrappers let the benchmark observe
it without changing what is measured: :class:`TimedDeliveryStore` notes when each
delivery completed, :class:`GatedDispatcher` can hold deliveries back (to time a burst).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from floor import record
from servers import BenchmarkError, Server, start_gunicorn
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # example_app and tests are not installed packages
    sys.path.insert(0, str(REPO))

import flask_ocpi.v2_1_1.client as wire  # noqa: E402
from example_app import demo  # noqa: E402
from flask_ocpi import OCPI  # noqa: E402
from flask_ocpi.client import OcpiHttp, PartnerClient  # noqa: E402
from flask_ocpi.client.diff import location_changes  # noqa: E402
from flask_ocpi.models import Location, ModuleID, Partner, PartyKey, Role, Status  # noqa: E402
from flask_ocpi.outbound.dispatch import Dispatcher, ThreadDispatcher  # noqa: E402
from flask_ocpi.stores.sqlalchemy import (  # noqa: E402
    SQLAlchemyDeliveryStore,
    SQLAlchemyLocations,
    SQLAlchemyPartnerStore,
    SQLAlchemySyncStore,
    create_tables,
)
from flask_ocpi.transport.envelope import json_text  # noqa: E402
from tests.live import LiveServer  # noqa: E402

#: The host's party (both roles); the eMSP partner's party.
HOST_PARTY = PartyKey("NL", "BEN")
EMSP_PARTY = PartyKey("DE", "MSP")
#: The page size asked for when pulling.
PAGE = 50
#: Seconds to wait after registering, past the partners' OCPI_AUTH_CACHE_TTL (1 s).


class TimedDeliveryStore(SQLAlchemyDeliveryStore):
    """The SQLAlchemy delivery store, noting when each delivery completed and every failure."""

    def __init__(self, bind: Any) -> None:
        super().__init__(bind)
        self.delivered_at: list[float] = []
        self.errors: list[str] = []

    def delivered(self, *, delivery_id: str, revision: int, sent: str | None) -> bool:
        done = super().delivered(delivery_id=delivery_id, revision=revision, sent=sent)
        self.delivered_at.append(time.perf_counter())
        return done

    def failed(self, *, delivery_id: str, revision: int, error: str, next_attempt: datetime) -> Any:
        self.errors.append(error)
        return super().failed(delivery_id=delivery_id, revision=revision, error=error, next_attempt=next_attempt)

    def give_up(self, *, delivery_id: str, revision: int, error: str) -> Any:
        self.errors.append(error)
        return super().give_up(delivery_id=delivery_id, revision=revision, error=error)


class GatedDispatcher(Dispatcher):
    """A :class:`ThreadDispatcher` that can be held (its thread stopped, wakes ignored)."""

    def __init__(self) -> None:
        self.inner = ThreadDispatcher()
        self.open = True

    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        if self.open:
            self.inner.wake(app, delivery_ids)

    def retry_later(self, app: Flask, delivery_id: str, delay: float) -> None:
        self.inner.retry_later(app, delivery_id, delay)

    def start(self, app: Flask) -> None:
        if self.open:
            self.inner.start(app)

    def hold(self) -> None:
        """Stop delivering (a delivery in flight finishes) until :meth:`release`."""
        self.open = False
        self.inner.stop()

    def release(self, app: Flask) -> None:
        """Deliver again, starting now with everything due."""
        self.open = True
        self.inner.wake(app, [])


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """The example app's SQLite settings: WAL, fsync at checkpoints, wait for the writer lock."""
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@dataclass
class Host:
    """The in-process host: CPO towards the eMSP partner, eMSP towards the CPO partner."""

    app: Flask
    ocpi: OCPI
    engine: Engine
    locations: SQLAlchemyLocations
    deliveries: TimedDeliveryStore
    dispatcher: GatedDispatcher
    server: LiveServer

    def partner(self, role: Role) -> Partner:
        """The registered partner connected to our ``role`` tree."""
        with self.app.app_context():
            found = [p for p in self.ocpi.partners() if p.registered and role in p.local_roles]
        if len(found) != 1:
            raise BenchmarkError(f"expected one registered partner on our {role.value} tree, found {len(found)}")
        return found[0]

    def close(self) -> None:
        """Stop the delivery thread and the server, close the database."""
        self.dispatcher.inner.stop()
        self.server.stop()
        self.engine.dispose()


def start_host(workdir: Path) -> Host:
    """Build and serve the host on a fresh SQLite database in ``workdir``."""
    engine = create_engine(f"sqlite:///{workdir / 'host.db'}")
    event.listen(engine, "connect", _sqlite_pragmas)
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask("bench_host")
    app.config.update(
        OCPI_PARTIES=[
            {
                "country_code": HOST_PARTY.country_code,
                "party_id": HOST_PARTY.party_id,
                "business_details": {"name": "Bench Host"},
            }
        ],
        OCPI_ROLES=["CPO", "EMSP"],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
    )
    locations = SQLAlchemyLocations(engine)
    deliveries = TimedDeliveryStore(engine)
    dispatcher = GatedDispatcher()
    ocpi = OCPI(
        app,
        partners=SQLAlchemyPartnerStore(engine),
        deliveries=deliveries,
        sync=SQLAlchemySyncStore(engine),
        dispatcher=dispatcher,
        backends=[locations.sender(), locations.receiver()],
    )
    create_tables(engine)
    holder["app"] = app
    server.start()
    return Host(app, ocpi, engine, locations, deliveries, dispatcher, server)


# --- the example-app partners ----------------------------------------------------------


@dataclass
class Example:
    """One example app under gunicorn, with the environment its CLI needs."""

    server: Server
    env: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def flask(self, *args: str) -> str:
        """``flask --app example_app ARGS`` on this instance's database; its output."""
        command = [sys.executable, "-m", "flask", "--app", "example_app", *args]
        done = subprocess.run(  # noqa: S603 - our own command line
            command, cwd=REPO, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise BenchmarkError(f"flask {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def start_example(
    name: str,
    database: Path,
    port: int,
    workdir: Path,
    log_level: str,
    *,
    app: str = "example_app:create_app()",
    **env: str,
) -> Example:
    """The example app on ``database`` under ``gunicorn -w 1`` (sync), like ``run.py`` serves it."""
    full = {
        "DATABASE_URL": f"sqlite:///{database}",
        "COMMAND_SWEEPER": "0",
        "OCPI_BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": log_level,
        **env,
    }
    server = start_gunicorn(name, app, port=port, env=full, cwd=REPO, log=workdir / f"{name}.log")
    return Example(server, full)


def register(host: Host, cpo: Example, emsp: Example) -> tuple[Partner, Partner]:
    """The real credentials handshakes: our eMSP tree with ``cpo``, ``emsp``'s eMSP tree with
    our CPO tree. Returns our partner records (the CPO, the eMSP)."""
    invitation = json.loads(cpo.flask("ocpi", "invite", "--json", "--name", "bench-host"))
    with host.app.app_context():
        host.ocpi.register(invitation["versions_urls"]["cpo"], invitation["token"], role=Role.EMSP, name="cpo")
    with host.app.test_request_context():
        ours = host.ocpi.invite(name="emsp")
    emsp.flask("ocpi", "register", ours.versions_urls["cpo"], ours.token, "--role", "emsp", "--name", "bench-host")
    return host.partner(Role.EMSP), host.partner(Role.CPO)


def moved(partner: Partner, origin: str, to: str) -> Partner:
    """``partner`` with its endpoints at another origin (same paths): the floor, a twin server."""
    endpoints = [dataclasses.replace(e, url=to + e.url.removeprefix(origin)) for e in partner.endpoints]
    return dataclasses.replace(partner, endpoints=endpoints)


def target_of(url: str) -> str:
    """The path and query of a URL (what ``floor.py`` looks answers up by)."""
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


def record_pages(host: Host, partner: Partner, origin: str, floor_origin: str) -> tuple[list[dict[str, Any]], int]:
    """Pull the list once as the client does, recording every page for the floor (its
    ``Link`` headers pointed at the floor's origin). Returns the recordings and the count."""
    recorded: list[dict[str, Any]] = []

    def keep(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        headers = [
            (k, v.replace(origin, floor_origin) if k.lower() == "link" else v) for k, v in response.headers.items()
        ]
        url = response.request.url or ""
        recorded.append(record("GET", target_of(url), response.status_code, headers, response.content))

    session = requests.Session()
    session.hooks["response"].append(keep)
    with host.app.app_context():
        policy = host.ocpi.client(partner).http.policy
        client = PartnerClient(
            partner, http=OcpiHttp(token=partner.outbound_token, timeout=30, policy=policy, session=session)
        )
        count = sum(len(page) for page in client.pages(ModuleID.LOCATIONS, limit=PAGE))
    session.close()
    return recorded, count


# --- changes -------------------------------------------------------------------------


def host_locations(host: Host, count: int) -> list[Location]:
    """``count`` generated locations of the host (the example app's demo generator), stored."""
    locations = [demo.location(HOST_PARTY, number) for number in range(1, count + 1)]
    host.locations.save_many(locations)
    return locations


def status_change(location: Location, when: datetime) -> Location:
    """``location`` after its first EVSE changed status (AVAILABLE <-> CHARGING), as a host
    storing a charge point's report would have it."""
    first = location.evses[0]
    status = Status.CHARGING if first.status is Status.AVAILABLE else Status.AVAILABLE
    evse = dataclasses.replace(first, status=status, last_updated=when)
    return dataclasses.replace(location, evses=[evse, *location.evses[1:]], last_updated=when)


def flipped(locations: list[Location]) -> list[Location]:
    """Each location after a status change of its first EVSE, a millisecond apart."""
    now = datetime.now(UTC)
    return [status_change(loc, now + timedelta(milliseconds=i)) for i, loc in enumerate(locations)]


def timed_changes(host: Host, pairs: list[tuple[Location | None, Location]]) -> Iterator[float]:
    """``ocpi.changed(new, previous=old)`` for each pair (no previous: a PUT); the duration of each call."""
    for previous, new in pairs:
        started = time.perf_counter()
        host.ocpi.changed(new, previous=previous)
        yield time.perf_counter() - started


def check_delivered(host: Host, emsp: Partner, current: list[Location]) -> None:
    """The eMSP holds the last pushed status of a few EVSEs (read back with the client)."""
    with host.app.app_context():
        client = host.ocpi.client(emsp)
        for loc in (current[0], current[len(current) // 2], current[-1]):
            got = client.get_location(loc.id, loc.evses[0].uid)
            if getattr(got, "status", None) is not loc.evses[0].status:
                raise BenchmarkError(f"the eMSP has {got!r} for {loc.id}, not {loc.evses[0].status}")


def patch_plan(pairs: list[tuple[Location, Location]], endpoint: str) -> list[tuple[str, bytes]]:
    """The (target, body) of the one EVSE PATCH each (previous, new) pair becomes, computed
    with the client's own diff: exactly what the dispatcher sends."""
    plan = []
    for previous, new in pairs:
        changes = location_changes(wire.dump_location(previous), wire.dump_location(new))
        if len(changes) != 1 or changes[0].method != "PATCH" or len(changes[0].ids) != 1:
            raise BenchmarkError(f"{new.id}: expected one EVSE PATCH, the diff gives {changes}")
        path = urlsplit(endpoint).path + wire.object_path(HOST_PARTY, new.id, *changes[0].ids)
        plan.append((path, json_text(changes[0].body).encode()))
    return plan


def wait_delivered(host: Host, timeout: float) -> float:
    """Wait until no delivery is left; the ``perf_counter`` of the last one delivered."""
    deadline = time.monotonic() + timeout
    while True:
        if host.deliveries.errors:
            raise BenchmarkError(f"a delivery failed: {host.deliveries.errors[0]}")
        if host.deliveries.count() == 0:
            return max(host.deliveries.delivered_at, default=time.perf_counter())
        if time.monotonic() > deadline:
            raise BenchmarkError(f"deliveries not done after {timeout:.0f} s ({host.deliveries.count()} left)")
        time.sleep(0.01)


def burst(host: Host, enqueue: Callable[[], Iterator[float]], timeout: float) -> tuple[list[float], float]:
    """Hold the dispatcher, run ``enqueue`` (it yields one duration per change, in seconds),
    release it and wait. Returns the enqueue durations and the seconds from the release to
    the last delivery."""
    host.dispatcher.hold()
    host.deliveries.delivered_at.clear()
    with host.app.app_context():
        durations = list(enqueue())
    started = time.perf_counter()
    host.dispatcher.release(host.app)
    finished = wait_delivered(host, timeout)
    if len(host.deliveries.delivered_at) != len(durations):
        raise BenchmarkError(f"{len(durations)} changes gave {len(host.deliveries.delivered_at)} deliveries")
    return durations, finished - started


def latency(seconds: list[float]) -> dict[str, float]:
    """Median, p99 (nearest rank), mean and max of durations, in ms."""
    ordered = sorted(s * 1000 for s in seconds)
    rank = max(0, -(-99 * len(ordered) // 100) - 1)
    return {
        "n": len(ordered),
        "median_ms": round(median(ordered), 3),
        "p99_ms": round(ordered[rank], 3),
        "mean_ms": round(sum(ordered) / len(ordered), 3),
        "max_ms": round(ordered[-1], 3),
    }


def markdown(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """A Markdown table, numbers right-aligned."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        out = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(out) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
