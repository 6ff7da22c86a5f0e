"""A CPO process killed (SIGKILL) in the middle of a burst of changes loses no push.

Real processes (``tests/backends/crash_cpo.py``) change the EVSE statuses of many
locations on one database (SQLite, and PostgreSQL with ``OCPI_TEST_POSTGRES_URL``), each
change committed together with its deliveries (the transactional outbox), while their
dispatchers push to a real eMSP over HTTP on 127.0.0.1. The eMSP is flaky: it applies some
requests and then answers 503, as a partner that crashes after its commit does. We kill
the CPO twice at random moments, restart it, let the last run drain, and then every
location the eMSP holds must equal ours, with no delivery left or given up.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.models import (
    DeliveryStatus,
    Endpoint,
    InterfaceRole,
    PartyKey,
    Role,
)
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyDeliveryStore,
    SQLAlchemyLocations,
    SQLAlchemyPartnerStore,
    create_tables,
)
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.live import LiveServer

from .conftest import Database
from .objects import full_location, partner

ROOT = Path(__file__).resolve().parents[2]
CPO = PartyKey("NL", "CPO")
EMSP = PartyKey("DE", "MSP")
TOKEN = "crash-test-token-of-the-cpo-at-the-emsp-0123"
LOCATIONS = 25


class ApplyThen503:
    """The eMSP's WSGI wrapper: a fifth of the writes are applied, then answered 503."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.rng = random.Random(7)
        self.lock = threading.Lock()
        self.failed = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            fail = environ["REQUEST_METHOD"] in ("PUT", "PATCH") and self.rng.random() < 0.2
        if not fail:
            return self.app(environ, start_response)
        b"".join(self.app(environ, lambda *a, **k: None))
        with self.lock:
            self.failed += 1
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"crashed after the commit"]


def _emsp() -> tuple[Flask, MemoryLocations, LiveServer, ApplyThen503]:
    holder: dict[str, Any] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask("crash-emsp")
    app.config.update(
        OCPI_PARTIES=[{"country_code": "DE", "party_id": "MSP", "business_details": {"name": "eMSP"}}],
        OCPI_ROLES=["EMSP"],
        OCPI_BASE_URL=server.url,
    )
    partners = MemoryPartnerStore()
    partners.add(partner=partner(EMSP, CPO, partner_id="cpo", local_role=Role.EMSP, outbound_token="x", token=TOKEN))
    locations = MemoryLocations()
    OCPI(app, partners=partners, backends=[locations.receiver()])
    flaky = ApplyThen503(app.wsgi_app)
    holder["app"] = flaky
    return app, locations, server.start(), flaky


def _prepare_cpo(database: Database, emsp_url: str) -> tuple[SQLAlchemyLocations, SQLAlchemyDeliveryStore]:
    engine = database.create_engine()
    create_tables(engine)
    url = f"{emsp_url}/ocpi/emsp/2.1.1/locations/"
    receiver = Endpoint(identifier="locations", url=url, role=InterfaceRole.RECEIVER)
    SQLAlchemyPartnerStore(engine).add(
        partner=partner(CPO, EMSP, partner_id="emsp", endpoints=[receiver], outbound_token=TOKEN)
    )
    locations = SQLAlchemyLocations(engine)
    locations.save_many([full_location(f"LOC{n:02d}", owner=CPO, evses=4, connectors=1) for n in range(LOCATIONS)])
    return locations, SQLAlchemyDeliveryStore(engine)


def _start(database: Database, seed: int, changes: int) -> subprocess.Popen[str]:
    spec = {"url": database.url, "engine_options": database.engine_options, "seed": seed, "changes": changes}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.backends.crash_cpo", json.dumps(spec)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _kill_after(process: subprocess.Popen[str], committed: int) -> int:
    """Read the process's progress until ``committed`` changes are in, then SIGKILL it."""
    assert process.stdout is not None
    seen = 0
    deadline = time.monotonic() + 60
    while seen < committed and time.monotonic() < deadline:
        if process.stdout.readline().strip().isdigit():
            seen += 1
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    return seen


def test_a_cpo_killed_mid_burst_leaves_the_partner_with_exactly_our_state(database: Database) -> None:
    _app, theirs, server, flaky = _emsp()
    try:
        ours, deliveries = _prepare_cpo(database, server.url)
        for location in ours.page(page=PageRequest(limit=LOCATIONS)).items:  # the eMSP starts in sync (as after a pull)
            theirs.save(dataclasses.replace(location))
        rng = random.Random(int(time.time()))
        _kill_after(_start(database, seed=1, changes=400), committed=rng.randint(40, 160))
        _kill_after(_start(database, seed=2, changes=400), committed=rng.randint(40, 160))
        last = _start(database, seed=3, changes=60)
        out, _ = last.communicate(timeout=120)
        assert last.returncode == 0 and out.strip().endswith("drained"), out[-500:]

        assert flaky.failed > 0  # the eMSP did fail some applied writes
        assert deliveries.count() == 0 and deliveries.count(status=DeliveryStatus.FAILED) == 0
        mismatched = []
        for location in ours.page(page=PageRequest(limit=LOCATIONS)).items:
            copy = theirs.get(CPO.country_code, CPO.party_id, location.id)
            if copy is None or dump_location(copy) != dump_location(location):
                mismatched.append(location.id)
        assert mismatched == []
    finally:
        server.stop()
