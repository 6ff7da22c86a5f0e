"""Load generators: ``wrk`` (preferred) and a multi-process Python client (fallback).

Both report the same figures: requests completed, duration, requests per second, mean
and percentile latency, non-2xx/3xx answers and socket errors.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from servers import HOST, BenchmarkError

_MARKER = "BENCH_RESULT "


@dataclass(frozen=True)
class Target:
    """One request to repeat: method, path with query, headers and body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Result:
    """What one load run measured."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    latency_mean_ms: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures, requests per second included."""
        return {**asdict(self), "rps": round(self.rps, 1)}


def wrk_path() -> str | None:
    """The ``wrk`` executable, if installed."""
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    """``wrk -v``'s first line, e.g. ``wrk 4.1.0 [epoll] ...``."""
    done = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def _lua_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"status_errors":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
    .. '"mean_us":%.3f,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    MARKER, summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def write_wrk_script(path: Path, target: Target) -> Path:
    """A wrk Lua script sending ``target``'s method, headers and body and printing a JSON summary."""
    lines = [f"wrk.method = {_lua_string(target.method)}"]
    for name, value in target.headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    if target.body:
        body_file = path.with_suffix(".body")
        body_file.write_bytes(target.body)
        lines.append(f'local f = assert(io.open({_lua_string(str(body_file))}, "rb"))')
        lines.append('wrk.body = f:read("*a")\nf:close()')
    lines.append(f"MARKER = {_lua_string(_MARKER)}")
    path.write_text("\n".join(lines) + "\n" + _DONE, encoding="utf-8")
    return path


def run_wrk(
    wrk: str, port: int, target: Target, script: Path, *, connections: int, threads: int, duration: float
) -> Result:
    """One wrk run against 127.0.0.1:``port``."""
    seconds = max(1, round(duration))
    command = [
        wrk,
        "-c",
        str(connections),
        "-t",
        str(min(threads, connections)),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}{target.target}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    match = re.search(re.escape(_MARKER) + r"(\{.*\})", done.stdout)
    if done.returncode != 0 or match is None:
        raise BenchmarkError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(match.group(1))
    return Result(
        requests=int(data["requests"]),
        seconds=int(data["duration_us"]) / 1e6,
        non_2xx=int(data["status_errors"]),
        socket_errors=sum(int(data[k]) for k in ("connect", "read", "write", "timeout")),
        latency_mean_ms=float(data["mean_us"]) / 1000,
        latency_p50_ms=int(data["p50_us"]) / 1000,
        latency_p99_ms=int(data["p99_us"]) / 1000,
        latency_max_ms=int(data["max_us"]) / 1000,
    )


# --- fallback: Python client ------------------------------------------------------------------


def _client(args: tuple[int, Target, float]) -> tuple[int, int, int, list[float]]:
    """One client process: requests on new connections until the deadline."""
    port, target, deadline = args
    done = non_2xx = errors = 0
    latencies: list[float] = []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conn.request(target.method, target.target, body=target.body or None, headers=target.headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            errors += 1
            continue
        finally:
            conn.close()
        latencies.append((time.perf_counter() - started) * 1000)
        done += 1
        if not 200 <= status < 400:
            non_2xx += 1
    return done, non_2xx, errors, latencies


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_python(port: int, target: Target, *, connections: int, duration: float) -> Result:
    """One run of ``connections`` client processes, each opening a connection per request."""
    context = multiprocessing.get_context("fork")
    with context.Pool(connections) as pool:
        started = time.monotonic()
        deadline = started + duration
        try:
            parts = pool.map_async(_client, [(port, target, deadline)] * connections).get(duration + 60)
        except multiprocessing.TimeoutError:
            raise BenchmarkError(f"the Python client did not finish within {duration + 60:.0f} s") from None
        seconds = time.monotonic() - started
    latencies = sorted(x for part in parts for x in part[3])
    return Result(
        requests=sum(p[0] for p in parts),
        seconds=seconds,
        non_2xx=sum(p[1] for p in parts),
        socket_errors=sum(p[2] for p in parts),
        latency_mean_ms=sum(latencies) / len(latencies) if latencies else 0.0,
        latency_p50_ms=_percentile(latencies, 0.5),
        latency_p99_ms=_percentile(latencies, 0.99),
        latency_max_ms=latencies[-1] if latencies else 0.0,
    )
