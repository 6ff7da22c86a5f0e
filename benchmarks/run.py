"""Requests per second of Flask-OCPI's example app against a bare-Flask floor, in one run.

::

    python benchmarks/run.py [--locations 1000,100000] [--duration 10] [--connections 8]

For each data set size: seed a fresh SQLite database (``seeding.py``), serve the example
app with gunicorn (one sync worker), record one answer per benchmark request, serve those
exact bytes from the bare Flask floor app (``floor.py``, same gunicorn setup), then load
both alternately (OCPI, floor, OCPI, floor...) with ``wrk`` and print requests per second
and their ratio. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import load
import report
from floor import record
from servers import BenchmarkError, Server, free_port, gunicorn_available, gunicorn_version, request, start_gunicorn

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: What is measured: (key, plan request, server, row name suffix). ``ocpi_nocache`` is the
#: example app with Flask-OCPI's list cache turned off (``OCPI_LIST_CACHE_SIZE=0``).
MEASURES = (
    ("page", "page", "ocpi", ""),
    ("page_uncached", "page", "ocpi_nocache", " (list cache off)"),
    ("page_last", "page_last", "ocpi", ""),
    ("page_last_uncached", "page_last", "ocpi_nocache", " (list cache off)"),
    ("location", "location", "ocpi", ""),
    ("put_session", "put_session", "ocpi", ""),
    ("patch_evse", "patch_evse", "ocpi", ""),
    ("authorize", "authorize", "ocpi", ""),
)
ENDPOINTS = tuple(m[0] for m in MEASURES)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Flask-OCPI example app vs bare Flask floor (requests/s).")
    parser.add_argument(
        "--locations", default="1000,100000", help="data set sizes, comma-separated (default %(default)s)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default %(default)s)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=2, help="OCPI/floor alternations per endpoint (default 2)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per server and endpoint")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help="which to measure, comma-separated (default: all)"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    parser.add_argument("--log-level", default="WARNING", help="the example app's LOG_LEVEL (default %(default)s)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json", help="JSON results file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases and server logs")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(x.replace("_", "")) for x in args.locations.split(",") if x.strip()})
    except ValueError:
        parser.error("--locations takes integers, e.g. 1000,100000")
    if not args.sizes or min(args.sizes) < 5:
        parser.error("--locations: each size must be at least 5 (the example app's demo data)")
    args.keys = [k.strip() for k in args.endpoints.split(",") if k.strip()]
    unknown = set(args.keys) - set(ENDPOINTS)
    if unknown or not args.keys:
        parser.error(f"--endpoints: choose from {', '.join(ENDPOINTS)}")
    if args.duration < 1 or args.connections < 1 or args.repeats < 1 or args.threads < 1:
        parser.error("--duration, --connections, --threads and --repeats must be at least 1")
    return args


def say(message: str) -> None:
    """Progress on stderr (results go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def environment(client: str, wrk: str | None) -> dict[str, Any]:
    """What the figures were measured with."""
    from importlib.metadata import version

    import sqlalchemy

    import flask_ocpi

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "client": load.wrk_version(wrk) if client == "wrk" and wrk else "python http.client (fallback)",
        "gunicorn": gunicorn_version(),
        "flask": version("flask"),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "flask_ocpi": flask_ocpi.__version__,
    }


def seed(size: int, workdir: Path, log_level: str) -> dict[str, Any]:
    """Run ``seeding.py`` in a child process; its plan."""
    plan_file = workdir / "plan.json"
    command = [
        sys.executable,
        str(HERE / "seeding.py"),
        "--database",
        str(workdir / "bench.db"),
        "--locations",
        str(size),
        "--out",
        str(plan_file),
    ]
    env = {**os.environ, "LOG_LEVEL": log_level}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BenchmarkError(f"seeding {size} locations failed:\n{done.stdout}\n{done.stderr}")
    plan: dict[str, Any] = json.loads(plan_file.read_text(encoding="utf-8"))
    files = [Path(plan["database"] + suffix) for suffix in ("", "-wal", "-shm")]  # WAL checkpointed at exit
    plan["database_bytes"] = sum(path.stat().st_size for path in files if path.exists())
    return plan


def target_of(item: dict[str, Any]) -> load.Target:
    """The load target of one plan request."""
    headers = {"Authorization": f"Token {item['token']}"}
    body = item.get("body", "").encode("utf-8")
    if body:
        headers["Content-Type"] = "application/json"
    return load.Target(method=item["method"], target=item["target"], headers=headers, body=body)


def check_envelope(name: str, status: int, body: bytes) -> None:
    """Fail loudly unless the answer is a 2xx OCPI envelope with status_code 1000."""
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    if not 200 <= status < 300 or not isinstance(envelope, dict) or envelope.get("status_code") != 1000:
        raise BenchmarkError(f"{name}: expected an OCPI 1000 answer, got HTTP {status}: {body[:500]!r}")


def record_answers(server: Server, plan: dict[str, Any], keys: list[str], path: Path) -> None:
    """Request each benchmark target twice (a first PUT creates), check and record the second answer."""
    responses = []
    for item in plan["requests"]:
        if item["key"] not in keys:
            continue
        t = target_of(item)
        for _ in range(2):
            status, headers, body = request(server.port, t.method, t.target, body=t.body or None, headers=t.headers)
            check_envelope(f"{item['name']} ({t.method} {t.target})", status, body)
        responses.append(record(t.method, t.target, status, headers, body))
    path.write_text(json.dumps({"responses": responses}, indent=1), encoding="utf-8")


def check_floor(floor: Server, responses: Path) -> None:
    """The floor answers each recorded target with the recorded status and body."""
    for item in json.loads(responses.read_text(encoding="utf-8"))["responses"]:
        status, _, body = request(floor.port, item["method"], item["target"], body=b"{}")
        if status != item["status"] or body != base64.b64decode(item["body_base64"]):
            raise BenchmarkError(f"floor answered {item['method']} {item['target']} with HTTP {status}: {body[:200]!r}")


def measure(
    server: Server, t: load.Target, script: Path, args: argparse.Namespace, client: str, seconds: float
) -> dict[str, Any]:
    """One load run; the server must survive it."""
    if client == "wrk":
        result = load.run_wrk(
            args.wrk, server.port, t, script, connections=args.connections, threads=args.threads, duration=seconds
        )
    else:
        result = load.run_python(server.port, t, connections=args.connections, duration=seconds)
    if not server.alive():
        raise BenchmarkError(f"{server.name} died under load:\n{server.log_tail()}")
    return result.as_dict()


def log_problems(server: Server) -> list[str]:
    """Lines of a server log that show errors (tracebacks, worker timeouts, ERROR logs)."""
    text = server.log.read_text(encoding="utf-8", errors="replace") if server.log.exists() else ""
    words = ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "Exception")
    return [line for line in text.splitlines() if any(w in line for w in words)][:20]


def start_servers(plan: dict[str, Any], args: argparse.Namespace, workdir: Path, servers: list[Server]) -> None:
    """The example app (and its cache-off twin when needed), answers recorded, then the floor."""
    plan_keys = {m[1] for m in MEASURES if m[0] in args.keys}
    apps = {"ocpi": "example_app:create_app()"}
    if any(m[2] == "ocpi_nocache" for m in MEASURES if m[0] in args.keys):
        apps["ocpi_nocache"] = "example_app:create_app({'OCPI_LIST_CACHE_SIZE': 0})"
    for name, app in apps.items():
        port = free_port()
        env = {
            "DATABASE_URL": f"sqlite:///{plan['database']}",
            "COMMAND_SWEEPER": "0",
            "OCPI_BASE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": args.log_level,
        }
        servers.append(start_gunicorn(name, app, port=port, env=env, cwd=REPO, log=workdir / f"{name}.log"))
    responses = workdir / "responses.json"
    record_answers(servers[0], plan, sorted(plan_keys), responses)
    floor = start_gunicorn(
        "floor",
        "floor:create_app()",
        port=free_port(),
        env={"BENCH_FLOOR_RESPONSES": str(responses)},
        cwd=REPO,
        log=workdir / "floor.log",
        extra=["--pythonpath", str(HERE)],
    )
    servers.append(floor)
    check_floor(floor, responses)


def bench_size(size: int, args: argparse.Namespace, client: str, servers: list[Server]) -> dict[str, Any]:
    """Seed, serve, record and measure one data set size."""
    workdir = Path(tempfile.mkdtemp(prefix=f"ocpi-bench-{size}-"))
    try:
        say(f"[{size:,}] seeding {size:,} locations in {workdir} ...")
        plan = seed(size, workdir, args.log_level)
        say(f"[{size:,}] seeded in {plan['seed_seconds']:.1f} s ({plan['database_bytes'] / 1e6:.1f} MB)")
        start_servers(plan, args, workdir, servers)
        by_name = {server.name: server for server in servers}
        floor = by_name["floor"]
        requests = {item["key"]: item for item in plan["requests"]}
        rows = []
        for key, plan_key, server_name, suffix in MEASURES:
            if key not in args.keys:
                continue
            item, ocpi = requests[plan_key], by_name[server_name]
            name = item["name"] + suffix
            t = target_of(item)
            script = load.write_wrk_script(workdir / f"{key}.lua", t)
            for server in (ocpi, floor):
                measure(server, t, script, args, client, args.warmup)
            runs: dict[str, list[dict[str, Any]]] = {"ocpi": [], "floor": []}
            for repeat in range(args.repeats):
                for who, server in (("ocpi", ocpi), ("floor", floor)):
                    runs[who].append(measure(server, t, script, args, client, args.duration))
                    say(f"[{size:,}] {name}: {who} run {repeat + 1}/{args.repeats}: {runs[who][-1]['rps']:.0f} req/s")
            # Still a correct answer after the load.
            status, _, body = request(ocpi.port, t.method, t.target, body=t.body or None, headers=t.headers)
            check_envelope(f"{name} after load", status, body)
            summary = report.summarise(runs["ocpi"], runs["floor"])
            rows.append(
                {"key": key, "name": name, "method": t.method, "target": t.target, "runs": runs, "summary": summary}
            )
        return {
            "locations": size,
            "seed_seconds": plan["seed_seconds"],
            "create_app_seconds": plan["create_app_seconds"],
            "database_bytes": plan["database_bytes"],
            "endpoints": rows,
            "log_problems": {server.name: log_problems(server) for server in servers},
        }
    finally:
        for server in list(servers):  # before the files go
            server.stop()
            servers.remove(server)
        if args.keep:
            say(f"[{size:,}] kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def source_state() -> dict[str, str]:
    """The git commit and a digest of the library and example app sources (changes during a run show)."""
    digest = hashlib.sha256()
    for path in sorted([*REPO.glob("flask_ocpi/**/*.py"), *REPO.glob("example_app/**/*.py")]):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    git, commit = shutil.which("git"), "?"
    if git is not None:
        query = [git, "-C", str(REPO), "rev-parse", "HEAD"]  # read-only
        done = subprocess.run(query, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        commit = done.stdout.strip() or "?"
    return {"commit": commit, "sources_sha256": digest.hexdigest()}


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when it completed (targets met or not), 1 on a failure."""
    args = parse_args(argv)
    if not gunicorn_available():
        say('gunicorn is not installed: pip install -e ".[bench]"')
        return 1
    args.wrk = load.wrk_path()
    client = args.client if args.client != "auto" else ("wrk" if args.wrk else "python")
    if client == "wrk" and not args.wrk:
        say("wrk is not installed (apt-get install wrk), or use --client python")
        return 1
    if client == "python":
        say(
            "NOTE: wrk not used: load comes from a multi-process Python client (http.client, a connection per "
            "request); it is much slower than wrk, so the floor's rate is likely limited by the client."
        )
    per_size = len(args.keys) * (2 * args.warmup + 2 * args.repeats * args.duration)
    say(
        f"Measuring {len(args.keys)} endpoints x {len(args.sizes)} sizes: about {per_size * len(args.sizes) / 60:.1f}"
        " min of load, plus seeding"
    )
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C even when started in the background
    started = time.monotonic()
    source_before = source_state()
    servers: list[Server] = []
    sizes = []
    try:
        for size in args.sizes:
            sizes.append(bench_size(size, args, client, servers))
    except BenchmarkError as exc:
        say(f"FAILED: {exc}")
        return 1
    except KeyboardInterrupt:
        say("Interrupted: servers stopped, nothing written")
        return 130
    finally:
        for server in servers:
            server.stop()
    verdict = report.verdicts(sizes)
    env = environment(client, args.wrk)
    env.update(source_before)
    changed = source_state() != source_before
    result: dict[str, Any] = {
        "environment": env,
        "parameters": {
            "sizes": args.sizes,
            "duration": args.duration,
            "connections": args.connections,
            "threads": args.threads,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "workers": 1,
            "worker_class": "sync",
            "log_level": args.log_level,
        },
        "sizes": sizes,
        "targets": verdict,
        "wall_seconds": round(time.monotonic() - started, 1),
        "sources_changed_during_run": changed,
    }
    print(
        f"Flask-OCPI {env['flask_ocpi']} example app vs bare Flask floor: gunicorn {env['gunicorn']}, 1 sync worker "
        f"each; {env['client']}, {args.connections} connections, {args.duration:g} s x {args.repeats} per server; "
        f"Python {env['python']}, SQLite {env['sqlite']}, {env['cpus']} CPUs; commit {env['commit'][:10]}"
    )
    if changed:
        print("WARNING: flask_ocpi/ or example_app/ changed during the run: sizes may have run different code")
    for size in sizes:
        print()
        print(report.table(size))
        for name, lines in size["log_problems"].items():
            if lines:
                print(f"  {name}: {len(lines)} error lines, first: {lines[0]}")
    print()
    print(report.verdict_lines(verdict))
    print(f"\nWall time {result['wall_seconds']:.0f} s. JSON: {args.out}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
