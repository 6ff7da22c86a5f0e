"""Where a benchmark request spends its time: the example app in-process under cProfile.

::

    python benchmarks/profile_views.py [--locations 1000] [--endpoint page] [--requests 200] [--top 15]

Seeds a temporary database as ``run.py`` does, builds the example app in this process,
sends the endpoint's request ``--requests`` times through Flask's test client (no
server, no sockets), and prints the mean time per request without and with the
profiler, then the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENDPOINTS = ("page", "page_last", "location", "put_session", "patch_evse", "authorize")


def main(argv: list[str] | None = None) -> int:
    """Seed, then time and profile one endpoint."""
    parser = argparse.ArgumentParser(description="Profile one benchmark endpoint in-process.")
    parser.add_argument("--locations", type=int, default=1000, help="data set size (default %(default)s)")
    parser.add_argument("--endpoint", choices=ENDPOINTS, default="page", help="which request (default %(default)s)")
    parser.add_argument("--requests", type=int, default=200, help="requests to time and profile (default 200)")
    parser.add_argument("--top", type=int, default=15, help="functions to list (default %(default)s)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="turn the list cache off (OCPI_LIST_CACHE_SIZE=0)")
    args = parser.parse_args(argv)
    if args.locations < 5 or args.requests < 1:
        parser.error("--locations must be at least 5 and --requests at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="ocpi-profile-"))
    try:
        plan_file, database = workdir / "plan.json", workdir / "bench.db"
        command = [
            sys.executable,
            str(HERE / "seeding.py"),
            "--database",
            str(database),
            "--locations",
            str(args.locations),
            "--out",
            str(plan_file),
        ]
        subprocess.run(command, cwd=REPO, check=True, timeout=3600)  # noqa: S603
        plan: dict[str, Any] = json.loads(plan_file.read_text(encoding="utf-8"))
        item = next(r for r in plan["requests"] if r["key"] == args.endpoint)

        os.environ.update(
            DATABASE_URL=f"sqlite:///{database}",
            COMMAND_SWEEPER="0",
            LOG_LEVEL="WARNING",
            OCPI_BASE_URL="http://127.0.0.1:5000",
        )
        sys.path.insert(0, str(REPO))
        from example_app import create_app

        client = create_app({"OCPI_LIST_CACHE_SIZE": 0} if args.no_cache else None).test_client()
        headers = {"Authorization": f"Token {item['token']}"}
        body = item.get("body")
        if body:
            headers["Content-Type"] = "application/json"

        def send(check: bool = False) -> None:
            response = client.open(item["target"], method=item["method"], data=body, headers=headers)
            if response.status_code >= 300 or (check and response.get_json()["status_code"] != 1000):
                raise SystemExit(f"unexpected answer: {response.status_code} {response.get_data()[:300]!r}")

        for _ in range(5):
            send(check=True)
        started = time.perf_counter()
        for _ in range(args.requests):
            send()
        plain = (time.perf_counter() - started) / args.requests
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            send()
        profiler.disable()
        profiled = (time.perf_counter() - started) / args.requests
        print(
            f"{item['name']} ({item['method']} {item['target']}), {args.locations:,} locations, "
            f"{args.requests} requests via the test client{', list cache off' if args.no_cache else ''}"
        )
        print(
            f"mean {plain * 1000:.2f} ms/request ({1 / plain:.0f} req/s) without profiler, "
            f"{profiled * 1000:.2f} ms with"
        )
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
