"""Lost updates and write throughput over HTTP with several gunicorn workers on one database.

The example app runs under gunicorn with ``--workers W`` (sync) on SQLite (WAL, its default
database) or PostgreSQL. A CPO partner is registered on its eMSP tree and PUTs one location
with 16 EVSEs; then 16 client threads PATCH it at once, as a CPO pushing status changes does:

* ``evses``: thread *t* PATCHes EVSE *t* (``physical_reference`` = ``t-n``), N times;
* ``fields``: thread *t* PATCHes its own top-level field of the location, N times.

Afterwards the location is read back: every EVSE (field) must hold its thread's last value;
each one that does not is a lost update (answered 1000 Success but gone). Printed: PATCHes/s
and lost updates. Beside them, the bare-Flask floor of ``benchmarks/floor.py``-style: the same
threads PATCHing a trivial Flask app under the same gunicorn settings (no database).

    python benchmarks/concurrent_http.py --workers 4 --patches 40 \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--repo PATH]

``--repo`` measures another checkout of Flask-OCPI (e.g. an older commit in a git worktree),
for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from servers import free_port, request, start_gunicorn  # noqa: E402

TOKEN = "benchmark-cpo-token-0123456789-abcdefghijkl"  # noqa: S105 - a made-up test token
THREADS = 16
FIELDS = ["name", "address", "city", "postal_code", "country", "operator", "time_zone", "type"]

SETUP = """
import sys, json
from example_app import create_app
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.models import (
    BusinessDetails, CredentialsRole, Partner, PartnerStatus, PartyKey, Role, TokenGrant, TokenScope,
)
app = create_app({"TESTING": True})
with app.app_context():
    app.extensions["ocpi"].partners.add(partner=Partner(
        id="bench-cpo", local_party=PartyKey("NL", "EXA"), local_roles={Role.EMSP}, status=PartnerStatus.REGISTERED,
        version="2.1.1", outbound_token="unused",
        roles=[CredentialsRole(
            role=Role.CPO, country_code="BE", party_id="CPO", business_details=BusinessDetails(name="CPO"),
        )],
        grants=[TokenGrant(token_hash=hash_token(sys.argv[1]), scope=TokenScope.FULL)]))
"""

FLOOR = """
from flask import Flask, request
app = Flask("floor")
@app.route("/ocpi/emsp/2.1.1/locations/<path:rest>", methods=["PUT", "PATCH", "GET"])
def any(rest):
    request.get_data()
    return {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
"""


def _location() -> dict[str, Any]:
    evse = {
        "status": "AVAILABLE",
        "connectors": [
            {
                "id": "1",
                "standard": "IEC_62196_T2",
                "format": "SOCKET",
                "power_type": "AC_3_PHASE",
                "voltage": 230,
                "amperage": 32,
                "last_updated": "2026-01-01T00:00:00Z",
            }
        ],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    return {
        "id": "LOC1",
        "type": "ON_STREET",
        "name": "Bench",
        "address": "Street 1",
        "city": "Town",
        "postal_code": "1000",
        "country": "BEL",
        "coordinates": {"latitude": "50.850000", "longitude": "4.350000"},
        "evses": [dict(evse, uid=f"E{t}", physical_reference="0") for t in range(THREADS)],
        "last_updated": "2026-01-01T00:00:00Z",
    }


def _patch(port: int, path: str, body: dict[str, Any]) -> int:
    status, _headers, answer = request(
        port,
        "PATCH",
        path,
        body=json.dumps(body).encode(),
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
    )
    ok = status == 200 and json.loads(answer).get("status_code") == 1000
    return 1 if ok else 0


def hammer(port: int, mode: str, patches: int) -> tuple[float, int]:
    """16 threads PATCHing at once; (seconds, successful PATCHes)."""
    base = "/ocpi/emsp/2.1.1/locations/BE/CPO/LOC1"
    done = [0] * THREADS
    barrier = threading.Barrier(THREADS)

    def run(t: int) -> None:
        barrier.wait()
        for n in range(patches):
            if mode == "evses":
                done[t] += _patch(port, f"{base}/E{t}", {"physical_reference": f"{t}-{n}"})
            else:
                field = FIELDS[t % len(FIELDS)]
                value = f"{t}-{n}" if field in ("name", "address", "city", "postal_code") else None
                if value is None:  # fields with a fixed vocabulary: each thread its own text field instead
                    done[t] += _patch(port, f"{base}/E{t}", {"floor_level": f"{n}"})
                else:
                    done[t] += _patch(port, base, {field: value})

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(done)


def lost(port: int, mode: str, patches: int) -> int:
    status, _h, body = request(
        port, "GET", "/ocpi/emsp/2.1.1/locations/BE/CPO/LOC1", headers={"Authorization": f"Token {TOKEN}"}
    )
    assert status == 200, body
    location = json.loads(body)["data"]
    evses = {e["uid"]: e for e in location["evses"]}
    missing = 0
    for t in range(THREADS):
        if mode == "evses":
            missing += evses[f"E{t}"].get("physical_reference") != f"{t}-{patches - 1}"
        else:
            field = FIELDS[t % len(FIELDS)]
            if field in ("name", "address", "city", "postal_code"):
                # several threads share a field: only the last writer's value can stay
                writers = [w for w in range(THREADS) if FIELDS[w % len(FIELDS)] == field]
                missing += location.get(field) not in {f"{w}-{patches - 1}" for w in writers} and t == writers[0]
            else:
                missing += evses[f"E{t}"].get("floor_level") != f"{patches - 1}"
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--patches", type=int, default=40, help="PATCHes per thread")
    parser.add_argument("--postgres", default="", help="also measure on this PostgreSQL URL (its tables are dropped)")
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="the Flask-OCPI checkout to measure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "floorapp.py").write_text(FLOOR)
        floor = start_gunicorn(
            "floor",
            "floorapp:app",
            port=free_port(),
            env={},
            cwd=work,
            log=work / "floor.log",
            extra=["--workers", str(args.workers)],
        )
        urls = [f"sqlite:///{work / 'bench.db'}", *([args.postgres] if args.postgres else [])]
        try:
            for url in urls:
                if url.startswith("postgresql"):
                    from sqlalchemy import create_engine, text

                    with create_engine(url).begin() as connection:
                        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                env = {
                    "DATABASE_URL": url,
                    "COMMAND_SWEEPER": "0",
                    "LOG_LEVEL": "WARNING",
                    "OCPI_ENCRYPTION_KEYS": os.environ.get("OCPI_ENCRYPTION_KEYS", ""),
                    "PYTHONPATH": str(args.repo),
                }
                subprocess.run(  # noqa: S603
                    [sys.executable, "-c", SETUP, TOKEN], cwd=args.repo, env={**os.environ, **env}, check=True
                )
                port = free_port()
                env["OCPI_BASE_URL"] = f"http://127.0.0.1:{port}"
                server = start_gunicorn(
                    "ocpi",
                    "example_app:create_app()",
                    port=port,
                    env=env,
                    cwd=args.repo,
                    log=work / "ocpi.log",
                    extra=["--workers", str(args.workers)],
                )
                try:
                    status, _h, body = request(
                        port,
                        "PUT",
                        "/ocpi/emsp/2.1.1/locations/BE/CPO/LOC1",
                        body=json.dumps(_location()).encode(),
                        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
                    )
                    assert status in (200, 201), body
                    for mode in ("evses", "fields"):
                        seconds, ok = hammer(port, mode, args.patches)
                        floor_seconds, _ = hammer(floor.port, mode, args.patches)
                        total = THREADS * args.patches
                        print(
                            f"{url.split(':')[0].split('+')[0]:<10} {args.workers} workers  {mode:<6} "
                            f"{total / seconds:7.0f} PATCH/s (floor {total / floor_seconds:6.0f}, "
                            f"ratio {floor_seconds / seconds:.2f})  answered 1000: {ok}/{total}  "
                            f"lost updates: {lost(port, mode, args.patches)}",
                            flush=True,
                        )
                finally:
                    server.stop()
        finally:
            floor.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
