"""Benchmark data set: the example app's database with N locations and two known partners.

Run as a child process by ``run.py`` (so the 100,000 generated locations never live in the
runner's memory)::

    python benchmarks/seeding.py --database /tmp/x/bench.db --locations 1000 --out /tmp/x/plan.json

It builds the example app in-process (``create_app()``, which creates the tables and the
first-start demo data, our tokens among them), adds generated locations with the store's
``save_many`` until our party has ``--locations`` of them, and inserts two registered
partners with known FULL tokens:

* ``bench-emsp``: the eMSP ``DE-MSP`` connected to our CPO tree (pulls our locations);
* ``bench-cpo``: the CPO ``DE-CPO`` connected to our eMSP tree (pushes sessions and EVSE
  statuses, asks for real-time authorization). One of its locations is stored in our
  eMSP-side locations store so that its EVSE can be PATCHed.

It writes a JSON *plan*: the requests to benchmark (method, target, body, token) and the
seeding figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # example_app is not an installed package
    sys.path.insert(0, str(REPO))

#: Our party, as the example app configures it by default.
OUR_COUNTRY, OUR_PARTY = "NL", "EXA"
#: The benchmark partners' parties.
EMSP_PARTY = ("DE", "MSP")
CPO_PARTY = ("DE", "CPO")
#: Locations are added by ``save_many`` in chunks of this size (bounded memory).
CHUNK = 10_000


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), default=_json_default)


def seed(database: Path, locations: int, *, chunk: int = CHUNK) -> dict[str, Any]:
    """Create and fill the database; return the benchmark plan (see the module docstring)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["COMMAND_SWEEPER"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from example_app import create_app, demo
    from example_app.seed import add_locations, stores
    from flask_ocpi.models import (
        BusinessDetails,
        CredentialsRole,
        LocationReferences,
        Partner,
        PartnerStatus,
        PartyKey,
        Role,
        SessionStatus,
        TokenGrant,
        TokenScope,
    )
    from flask_ocpi.state import get_state
    from flask_ocpi.transport.auth import hash_token, new_token
    from flask_ocpi.v2_1_1.schemas.sessions import dump_session
    from flask_ocpi.v2_1_1.schemas.tokens import dump_location_references

    started = time.perf_counter()
    app = create_app()
    created = time.perf_counter() - started
    ours = PartyKey(OUR_COUNTRY, OUR_PARTY)
    cpo = PartyKey(*CPO_PARTY)
    with app.app_context():
        found = stores(app)
        location_store, token_store = found.locations, found.tokens

        # Our locations: the first-start demo ones, then generated ones up to ``locations``.
        started = time.perf_counter()
        have = location_store.count(owners=[ours])
        while have < locations:
            add_locations(app, min(chunk, locations - have), start=have + 1)
            have = location_store.count(owners=[ours])
        seeding = time.perf_counter() - started
        if have != locations:
            raise SystemExit(f"expected {locations} locations of {ours}, found {have} (the demo data has 5)")

        # The token the CPO partner asks authorization for (seeded at first start).
        token = demo.tokens(ours)[0]
        if token_store.get(ours.country_code, ours.party_id, token.uid) is None:
            token_store.save(token)

        # The CPO partner's location, pushed to our eMSP side, and one of its sessions.
        theirs = demo.location(cpo, 1)
        location_store.save(theirs)
        session, _ = demo.session_and_cdr(cpo, ours, theirs, 1)
        session = dataclasses.replace(
            session, status=SessionStatus.ACTIVE, end_date_time=None, location=theirs, total_cost=None
        )
        evse = theirs.evses[0]

        # Two registered partners with known FULL tokens.
        tokens = {"cpo_tree": new_token(), "emsp_tree": new_token()}
        partner_store = get_state(app).partners
        for partner_id, local_role, role, party, name, key in (
            ("bench-emsp", Role.CPO, Role.EMSP, EMSP_PARTY, "Bench eMSP", "cpo_tree"),
            ("bench-cpo", Role.EMSP, Role.CPO, CPO_PARTY, "Bench CPO", "emsp_tree"),
        ):
            if partner_store.get(partner_id=partner_id) is not None:
                partner_store.delete(partner_id=partner_id)
            partner_store.add(
                partner=Partner(
                    id=partner_id,
                    local_party=ours,
                    status=PartnerStatus.REGISTERED,
                    local_roles={local_role},
                    name=name,
                    versions_url=f"https://{partner_id}.invalid/ocpi/versions",
                    version="2.1.1",
                    roles=[
                        CredentialsRole(
                            role=role,
                            country_code=party[0],
                            party_id=party[1],
                            business_details=BusinessDetails(name=name),
                        )
                    ],
                    outbound_token=new_token(),
                    grants=[TokenGrant(token_hash=hash_token(tokens[key]), scope=TokenScope.FULL)],
                )
            )
    total = seeding + created
    middle = f"LOC{max(1, locations // 2):06d}"
    last_offset = max(0, locations - 50)
    cc, pid = CPO_PARTY
    authorize_body = dump_location_references(LocationReferences(location_id=theirs.id, evse_uids=[evse.uid]))
    requests = [
        {
            "name": "locations page",
            "key": "page",
            "method": "GET",
            "target": "/ocpi/cpo/2.1.1/locations?limit=50",
            "token": tokens["cpo_tree"],
        },
        {
            "name": f"locations page, last (offset {last_offset})",
            "key": "page_last",
            "method": "GET",
            "target": f"/ocpi/cpo/2.1.1/locations?offset={last_offset}&limit=50",
            "token": tokens["cpo_tree"],
        },
        {
            "name": "one location",
            "key": "location",
            "method": "GET",
            "target": f"/ocpi/cpo/2.1.1/locations/{middle}",
            "token": tokens["cpo_tree"],
        },
        {
            "name": "PUT session",
            "key": "put_session",
            "method": "PUT",
            "target": f"/ocpi/emsp/2.1.1/sessions/{cc}/{pid}/{session.id}",
            "token": tokens["emsp_tree"],
            "body": _dumps(dump_session(session)),
        },
        {
            "name": "PATCH EVSE status",
            "key": "patch_evse",
            "method": "PATCH",
            "target": f"/ocpi/emsp/2.1.1/locations/{cc}/{pid}/{theirs.id}/{evse.uid}",
            "token": tokens["emsp_tree"],
            "body": _dumps({"status": "CHARGING", "last_updated": "2026-02-01T12:00:00Z"}),
        },
        {
            "name": "POST authorize",
            "key": "authorize",
            "method": "POST",
            "target": f"/ocpi/emsp/2.1.1/tokens/{token.uid}/authorize",
            "token": tokens["emsp_tree"],
            "body": _dumps(authorize_body),
        },
    ]
    return {
        "locations": locations,
        "database": str(database),
        "database_bytes": sum(  # the WAL and shared-memory files too (SQLite in WAL mode)
            path.stat().st_size
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
            if path.exists()
        ),
        "create_app_seconds": round(created, 3),
        "seed_seconds": round(seeding, 3),
        "setup_seconds": round(total, 3),
        "requests": requests,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: seed one database and write its plan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", type=Path, required=True, help="SQLite file to create (must not exist)")
    parser.add_argument("--locations", type=int, required=True, help="how many locations our party has")
    parser.add_argument("--out", type=Path, required=True, help="where to write the plan (JSON)")
    args = parser.parse_args(argv)
    if args.locations < 1:
        parser.error("--locations must be at least 1")
    if args.database.exists():
        parser.error(f"{args.database} exists: the benchmark seeds a fresh database")
    plan = seed(args.database.resolve(), args.locations)
    args.out.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
