"""Flask-OCPI as a client: pulling a partner's list and pushing changes, next to floors, in one run.

::

    python benchmarks/client.py [--locations 1000] [--changes 500] [--repeats 3] [--out benchmarks/results/client.json]

On 127.0.0.1, with every partner under gunicorn (one sync worker, as ``run.py`` serves):

1. **Pull**: our in-process host (eMSP) pulls the N locations of an example-app CPO (pages
   of 50, following ``Link``) with ``PartnerClient``; the floor is the same client code
   pulling the recorded page bytes from the bare Flask app of ``floor.py``. Then
   ``ocpi.sync()`` end to end into the host's SQLite ``SQLAlchemyLocations``.
2. **Push, caller side**: how long ``ocpi.changed(location, previous=...)`` keeps the
   host's code (enqueue in ``SQLAlchemyDeliveryStore`` + waking the dispatcher), next to
   a plain ``requests.put`` of the location to the eMSP (what an inline push would cost).
3. **Push, delivery**: EVSE status PATCHes per second from the host's ``ThreadDispatcher``
   to an example-app eMSP, next to the same PATCHes from a plain ``requests.Session``
   loop (to the eMSP, and to the floor answering the recorded bytes).

Tables on stdout, progress on stderr, everything in the JSON file. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import platform
import shutil
import signal
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from statistics import median
from types import FrameType
from typing import Any

import client_parts as parts
import requests
import run
from floor import record
from servers import BenchmarkError, Server, free_port, gunicorn_available, request, start_gunicorn

import flask_ocpi.v2_1_1.client as wire
from flask_ocpi.models import Location, ModuleID, Partner
from flask_ocpi.transport.envelope import json_text

HERE = Path(__file__).resolve().parent
say = run.say


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Flask-OCPI client: pull and push vs bare floors.")
    parser.add_argument("--locations", type=int, default=1000, help="locations the CPO serves (default %(default)s)")
    parser.add_argument("--changes", type=int, default=500, help="changes pushed per measure (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per pull and delivery measure (default 3)")
    parser.add_argument("--log-level", default="WARNING", help="log level of the apps (default %(default)s)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "client.json", help="JSON results file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases and server logs")
    args = parser.parse_args(argv)
    if args.locations < 5 or args.changes < 10 or args.repeats < 1:
        parser.error("--locations must be at least 5, --changes at least 10, --repeats at least 1")
    return args


def environment() -> dict[str, Any]:
    """What the figures were measured with."""
    packages = ("flask", "werkzeug", "requests", "sqlalchemy", "gunicorn", "flask-ocpi")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        **{name.replace("-", "_"): version(name) for name in packages},
    }


# --- 1. pull ---------------------------------------------------------------------------


def pull_once(host: parts.Host, partner: Partner, kind: str, expected: int) -> float:
    """Seconds for one pull of the whole list (``pull``: Location objects; ``pages``: raw JSON)."""
    with host.app.app_context():
        client = host.ocpi.client(partner)
        started = time.perf_counter()
        if kind == "pull":
            count = sum(1 for _ in client.pull(ModuleID.LOCATIONS, limit=parts.PAGE))
        else:
            count = sum(len(page) for page in client.pages(ModuleID.LOCATIONS, limit=parts.PAGE))
        seconds = time.perf_counter() - started
    if count != expected:
        raise BenchmarkError(f"{kind} from {partner.endpoints[0].url} gave {count} locations, not {expected}")
    return seconds


def measure_pull(host: parts.Host, targets: dict[str, Partner], n: int, repeats: int) -> list[dict[str, Any]]:
    """Alternate the servers for each kind of pull; objects per second from the median run."""
    rows = []
    for kind, label in (("pull", "PartnerClient.pull (Location objects)"), ("pages", "PartnerClient.pages (raw JSON)")):
        for server, note in (("ocpi", "list cache on"), ("ocpi_nocache", "list cache off")):
            runs: dict[str, list[float]] = {server: [], "floor": []}
            for who in runs:  # warm-up: connections, authentication memo, imports
                pull_once(host, targets[who], kind, n)
            for repeat in range(repeats):
                for who in runs:
                    runs[who].append(pull_once(host, targets[who], kind, n))
                    say(f"pull: {kind}, {who} run {repeat + 1}/{repeats}: {n / runs[who][-1]:.0f} objects/s")
            ocpi_rate, floor_rate = n / median(runs[server]), n / median(runs["floor"])
            rows.append(
                {
                    "name": f"{label}, {note}",
                    "ocpi_objects_per_s": round(ocpi_rate, 1),
                    "floor_objects_per_s": round(floor_rate, 1),
                    "ratio": round(ocpi_rate / floor_rate, 3),
                    "ocpi_seconds": [round(s, 4) for s in runs[server]],
                    "floor_seconds": [round(s, 4) for s in runs["floor"]],
                }
            )
    return rows


def measure_sync(host: parts.Host, partner: Partner, n: int, repeats: int) -> dict[str, Any]:
    """``ocpi.sync()`` of the locations, full: first into an empty receiver, then again."""
    seconds = []
    for repeat in range(repeats + 1):
        with host.app.app_context():
            started = time.perf_counter()
            (result,) = host.ocpi.sync(partner, modules=[ModuleID.LOCATIONS], full=True)
            seconds.append(time.perf_counter() - started)
        if not result.ok or result.stored != n or result.skipped:
            raise BenchmarkError(f"sync: {result}")
        say(f"sync run {repeat + 1}/{repeats + 1}: {n / seconds[-1]:.0f} objects/s")
    return {
        "first_objects_per_s": round(n / seconds[0], 1),
        "again_objects_per_s": round(n / median(seconds[1:]), 1),
        "seconds": [round(s, 3) for s in seconds],
    }


# --- 2. and 3. push --------------------------------------------------------------------


def plain_loop(url: str, plan: list[tuple[str, bytes]], token: str) -> float:
    """The PATCHes of ``plan`` from one ``requests.Session``; seconds for all."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    with requests.Session() as session:
        started = time.perf_counter()
        for target, body in plan:
            answer = session.patch(url + target, data=body, headers=headers, timeout=30)
            if answer.status_code != 200 or answer.json().get("status_code") != 1000:
                raise BenchmarkError(f"PATCH {url}{target}: HTTP {answer.status_code} {answer.content[:200]!r}")
        return time.perf_counter() - started


def inline_puts(endpoint: str, locations: list[Location], token: str) -> list[float]:
    """A plain ``requests.put`` of each location to the eMSP; the duration of each."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    durations = []
    for loc in locations:
        body = json_text(wire.dump_location(loc)).encode()
        url = endpoint + wire.object_path(parts.HOST_PARTY, loc.id)
        started = time.perf_counter()
        answer = requests.put(url, data=body, headers=headers, timeout=30)
        durations.append(time.perf_counter() - started)
        if answer.status_code != 200 or answer.json().get("status_code") != 1000:
            raise BenchmarkError(f"PUT {url}: HTTP {answer.status_code} {answer.content[:200]!r}")
    return durations


def measure_push(
    host: parts.Host, emsp: Partner, emsp_origin: str, floor_origin: str, base: list[Location], repeats: int
) -> dict[str, Any]:
    """Caller-side latency of ``ocpi.changed`` and delivery throughput (see the module docs)."""
    endpoint = emsp.endpoint(ModuleID.LOCATIONS)
    assert endpoint is not None and emsp.outbound_token
    token, n, timeout = emsp.outbound_token, len(base), max(120.0, len(base) * 0.5)

    # 2. Caller side, the dispatcher delivering meanwhile (a burst of back-to-back changes).
    current = parts.flipped(base)
    host.deliveries.delivered_at.clear()
    started = time.perf_counter()
    with host.app.app_context():
        running = list(parts.timed_changes(host, list(zip(base, current, strict=True))))
    calls = time.perf_counter() - started
    drain = parts.wait_delivered(host, timeout) - started
    say(f"push: {n} ocpi.changed() calls in {calls:.2f} s, all delivered {drain:.2f} s after the first")
    puts = inline_puts(endpoint.url, current, token)
    say(f"push: {n} requests.put to the eMSP, median {median(puts) * 1000:.2f} ms")

    # 3. Delivery bursts: hold the dispatcher, enqueue n changes, release, time the drain.
    held: list[float] = []
    runs: dict[str, list[float]] = {"dispatcher": [], "loop_emsp": [], "loop_floor": []}
    for repeat in range(repeats):
        after = parts.flipped(current)
        pairs = list(zip(current, after, strict=True))
        plan = parts.patch_plan(pairs, endpoint.url)
        durations, seconds = parts.burst(host, functools.partial(parts.timed_changes, host, pairs), timeout)
        held.extend(durations)
        runs["dispatcher"].append(seconds)
        runs["loop_emsp"].append(plain_loop(emsp_origin, plan, token))
        runs["loop_floor"].append(plain_loop(floor_origin, plan, token))
        current = after
        progress = ", ".join(f"{k} {n / v[-1]:.0f}/s" for k, v in runs.items())
        say(f"push: delivery run {repeat + 1}/{repeats}: {progress}")
    parts.check_delivered(host, emsp, current)
    rates = {k: round(n / median(v), 1) for k, v in runs.items()}
    return {
        "changed_dispatcher_running": parts.latency(running),
        "changed_dispatcher_held": parts.latency(held),
        "requests_put_inline": parts.latency(puts),
        "caller_calls_seconds": round(calls, 3),
        "caller_delivered_seconds": round(drain, 3),
        "per_second": rates,
        "ratio_dispatcher_to_floor": round(rates["dispatcher"] / rates["loop_floor"], 3),
        "ratio_loop_emsp_to_floor": round(rates["loop_emsp"] / rates["loop_floor"], 3),
        "seconds": {k: [round(s, 4) for s in v] for k, v in runs.items()},
    }


# --- the run ---------------------------------------------------------------------------


def bench(args: argparse.Namespace, workdir: Path, servers: list[Server], hosts: list[parts.Host]) -> dict[str, Any]:
    """Seed, serve, register, record, then measure; the figures."""
    n, level = args.locations, args.log_level
    say(f"seeding {n:,} locations in {workdir} ...")
    plan = run.seed(n, workdir, level)
    cpo_port, twin_port, emsp_port, floor_port = (free_port() for _ in range(4))
    cpo = parts.start_example("cpo", Path(plan["database"]), cpo_port, workdir, level)
    servers.append(cpo.server)
    twin_app = "example_app:create_app({'OCPI_LIST_CACHE_SIZE': 0})"
    twin = parts.start_example("cpo_nocache", Path(plan["database"]), twin_port, workdir, level, app=twin_app)
    servers.append(twin.server)
    party = {"OCPI_COUNTRY_CODE": parts.EMSP_PARTY.country_code, "OCPI_PARTY_ID": parts.EMSP_PARTY.party_id}
    emsp = parts.start_example("emsp", workdir / "emsp.db", emsp_port, workdir, level, **party)
    servers.append(emsp.server)
    host = parts.start_host(workdir)
    hosts.append(host)
    their_cpo, their_emsp = parts.register(host, cpo, emsp)
    say(f"registered: host eMSP -> CPO {their_cpo.id}, eMSP -> host CPO {their_emsp.id}")

    floor_origin = f"http://127.0.0.1:{floor_port}"
    pages, count = parts.record_pages(host, their_cpo, cpo.origin, floor_origin)
    if count != n:
        raise BenchmarkError(f"the CPO served {count} locations, not {n}")
    with host.app.app_context():
        base = parts.host_locations(host, args.changes)
    puts = functools.partial(parts.timed_changes, host, [(None, loc) for loc in base])
    durations, put_seconds = parts.burst(host, puts, max(120.0, len(base) * 0.5))
    say(f"setup: {len(base)} locations PUT to the eMSP by the dispatcher in {put_seconds:.2f} s")
    endpoint = their_emsp.endpoint(ModuleID.LOCATIONS)
    assert endpoint is not None
    patch = parts.patch_plan(list(zip(base, parts.flipped(base), strict=True)), endpoint.url)
    headers = {"Authorization": f"Token {their_emsp.outbound_token}", "Content-Type": "application/json"}
    status, answer_headers, answer = request(emsp_port, "PATCH", patch[0][0], body=patch[0][1], headers=headers)
    run.check_envelope("PATCH EVSE status at the eMSP", status, answer)
    patches = [record("PATCH", target, status, answer_headers, answer) for target, _ in patch]
    responses = workdir / "responses.json"
    responses.write_text(json.dumps({"responses": pages + patches}), encoding="utf-8")
    floor = start_gunicorn(
        "floor",
        "floor:create_app()",
        port=floor_port,
        env={"BENCH_FLOOR_RESPONSES": str(responses)},
        cwd=parts.REPO,
        log=workdir / "floor.log",
        extra=["--pythonpath", str(HERE)],
    )
    servers.append(floor)

    pull_targets = {
        "ocpi": their_cpo,
        "ocpi_nocache": parts.moved(their_cpo, cpo.origin, twin.origin),
        "floor": parts.moved(their_cpo, cpo.origin, floor_origin),
    }
    pull = measure_pull(host, pull_targets, n, args.repeats)
    sync = measure_sync(host, their_cpo, n, args.repeats)
    push = measure_push(host, their_emsp, emsp.origin, floor_origin, base, args.repeats)
    return {
        "seed_seconds": plan["seed_seconds"],
        "cpo_database_bytes": plan["database_bytes"],
        "setup_put_per_s": round(len(durations) / put_seconds, 1),
        "pull": pull,
        "sync": sync,
        "push": push,
        "log_problems": {server.name: run.log_problems(server) for server in servers},
    }


def tables(result: dict[str, Any]) -> str:
    """The three tables of a run."""
    p, f = result["parameters"], result["figures"]
    pull = [
        (r["name"], f"{r['ocpi_objects_per_s']:.0f}", f"{r['floor_objects_per_s']:.0f}", f"{r['ratio']:.2f}")
        for r in f["pull"]
    ]
    pull.append(("ocpi.sync() into SQLite, first (new rows)", f"{f['sync']['first_objects_per_s']:.0f}", "-", "-"))
    pull.append(("ocpi.sync() again (rows replaced)", f"{f['sync']['again_objects_per_s']:.0f}", "-", "-"))
    push = f["push"]
    names = (
        ("changed_dispatcher_running", "ocpi.changed(location, previous=...), dispatcher delivering meanwhile"),
        ("changed_dispatcher_held", "ocpi.changed(location, previous=...), dispatcher held"),
        ("requests_put_inline", "floor: requests.put of the location to the eMSP (an inline push)"),
    )
    caller = [
        (label, *(f"{push[key][k]:.2f} ms" for k in ("median_ms", "p99_ms", "mean_ms", "max_ms")), str(push[key]["n"]))
        for key, label in names
    ]
    rates, floor_rate = push["per_second"], push["per_second"]["loop_floor"]
    delivery = [
        (label, f"{rates[key]:.0f}", f"{rates[key] / floor_rate:.2f}")
        for key, label in (
            ("dispatcher", "ThreadDispatcher -> Flask-OCPI eMSP (deliveries/s)"),
            ("loop_emsp", "requests.Session loop -> Flask-OCPI eMSP (same PATCHes)"),
            ("loop_floor", "floor: requests.Session loop -> bare Flask (same bytes)"),
        )
    ]
    delivery.append(("setup: ThreadDispatcher PUT whole locations -> eMSP", f"{f['setup_put_per_s']:.0f}", "-"))
    return "\n\n".join(
        [
            f"Pull: {p['locations']:,} locations, pages of {parts.PAGE} (median of {p['repeats']} runs)\n"
            + parts.markdown(("measure", "Flask-OCPI objects/s", "floor objects/s", "ratio"), pull),
            f"Push, caller side: {p['changes']} calls each\n"
            + parts.markdown(("measure", "median", "p99", "mean", "max", "n"), caller),
            f"Push, delivery: {p['changes']} EVSE status PATCHes per run (median of {p['repeats']} runs)\n"
            + parts.markdown(("measure", "requests/s", "ratio to floor"), delivery),
        ]
    )


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it completed, 1 when it could not run."""
    args = parse_args(argv)
    if not gunicorn_available():
        say('gunicorn is not installed: pip install -e ".[bench]"')
        return 1
    logging.basicConfig(level=args.log_level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the host's server: no access log
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started, source_before = time.monotonic(), run.source_state()
    workdir = Path(tempfile.mkdtemp(prefix="ocpi-bench-client-"))
    servers: list[Server] = []
    hosts: list[parts.Host] = []
    try:
        figures = bench(args, workdir, servers, hosts)
    except BenchmarkError as exc:
        say(f"FAILED: {exc}")
        return 1
    except KeyboardInterrupt:
        say("Interrupted: servers stopped, nothing written")
        return 130
    finally:
        for host in hosts:
            host.close()
        for server in servers:
            server.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    env = {**environment(), **source_before}
    changed = run.source_state() != source_before
    result = {
        "environment": env,
        "parameters": {
            "locations": args.locations,
            "changes": args.changes,
            "repeats": args.repeats,
            "page_size": parts.PAGE,
            "workers": 1,
            "worker_class": "sync",
            "log_level": args.log_level,
        },
        "figures": figures,
        "wall_seconds": round(time.monotonic() - started, 1),
        "sources_changed_during_run": changed,
    }
    print(
        f"Flask-OCPI {env['flask_ocpi']} client vs floors: partners under gunicorn {env['gunicorn']}, 1 sync worker "
        f"each; Python {env['python']}, SQLite {env['sqlite']}, {env['cpus']} CPUs; commit {env['commit'][:10]}"
    )
    if changed:
        print("WARNING: flask_ocpi/ or example_app/ changed during the run")
    print()
    print(tables(result))
    for name, lines in figures["log_problems"].items():
        if lines:
            print(f"  {name}: {len(lines)} error lines, first: {lines[0]}")
    print(f"\nWall time {result['wall_seconds']:.0f} s. JSON: {args.out}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
