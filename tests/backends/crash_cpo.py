"""A CPO process for the crash test (``tests/backends/test_crash_recovery.py``).

``python -m tests.backends.crash_cpo SPEC`` (SPEC: JSON with ``url``, ``engine_options``,
``seed``, ``changes``): a Flask-OCPI CPO on the given database that changes the EVSE
statuses of its locations ``changes`` times at random, each change stored together with
its push (``ocpi.transaction()``), while its ThreadDispatcher delivers them to the eMSP;
it prints one line per committed change, then waits until every delivery is sent and exits.
The test kills it with SIGKILL at any moment.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time

from flask import Flask
from sqlalchemy import create_engine

from flask_ocpi import OCPI
from flask_ocpi.dates import utcnow
from flask_ocpi.models import Status
from flask_ocpi.outbound.dispatch import ThreadDispatcher
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, SQLAlchemyLocations, SQLAlchemyPartnerStore

CPO = {"country_code": "NL", "party_id": "CPO", "business_details": {"name": "Crash CPO"}}
STATUSES = [Status.AVAILABLE, Status.BLOCKED, Status.CHARGING, Status.OUTOFORDER, Status.RESERVED]


def main(spec: dict[str, object]) -> None:
    engine = create_engine(str(spec["url"]), **dict(spec.get("engine_options") or {}))  # type: ignore[call-overload]
    locations = SQLAlchemyLocations(engine)
    deliveries = SQLAlchemyDeliveryStore(engine)
    app = Flask("crash-cpo")
    app.config.update(
        OCPI_PARTIES=[CPO],
        OCPI_ROLES=["CPO"],
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_PUSH_RETRY_DELAY=0.05,
        OCPI_PUSH_MAX_RETRY_DELAY=0.2,
        OCPI_PUSH_MAX_ATTEMPTS=1000,
        OCPI_PUSH_LEASE=1.0,  # a killed worker's leases end quickly
    )
    ocpi = OCPI(
        app,
        partners=SQLAlchemyPartnerStore(engine),
        deliveries=deliveries,
        dispatcher=ThreadDispatcher(interval=0.05),
        backends=[locations.sender()],
    )
    rng = random.Random(int(str(spec["seed"])))
    with app.app_context():
        ocpi.start_delivering(app)
        ids = [loc.id for loc in locations.page().items]
        for n in range(int(str(spec["changes"]))):
            old = locations.get("NL", "CPO", rng.choice(ids))
            assert old is not None
            evse = rng.choice(old.evses)
            now = utcnow()
            evses = [
                dataclasses.replace(e, status=rng.choice(STATUSES), last_updated=now) if e.uid == evse.uid else e
                for e in old.evses
            ]
            new = dataclasses.replace(old, evses=evses, last_updated=now)
            with ocpi.transaction():
                locations.save(new)
                ocpi.changed(new, previous=old)
            print(n, flush=True)
        while deliveries.count():
            time.sleep(0.05)
    print("drained", flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
