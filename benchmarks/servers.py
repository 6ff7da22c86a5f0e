"""gunicorn servers on 127.0.0.1 for the benchmark: start, wait until ready, stop, and plain requests."""

from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"

Answer = tuple[int, list[tuple[str, str]], bytes]


class BenchmarkError(RuntimeError):
    """The benchmark cannot go on (a server did not start, an answer is wrong...)."""


def gunicorn_available() -> bool:
    """Whether gunicorn can be imported by this interpreter."""
    return importlib.util.find_spec("gunicorn") is not None


def gunicorn_version() -> str:
    """The installed gunicorn's version (``?`` when unknown)."""
    try:
        import gunicorn

        return str(gunicorn.__version__)
    except ImportError:
        return "?"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    port: int,
    method: str,
    target: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One HTTP request on a new connection: status, headers (in order) and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, list(response.getheaders()), response.read()
    finally:
        conn.close()


@dataclass
class Server:
    """One gunicorn (master and one worker) in its own process group."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]
    _log_file: object = field(repr=False, default=None)

    def alive(self) -> bool:
        """Whether the master is still running."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL after ``timeout``)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout)
        close = getattr(self._log_file, "close", None)
        if close is not None:
            close()


def start_gunicorn(
    name: str,
    app: str,
    *,
    port: int,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    ready_path: str = "/",
    extra: list[str] | None = None,
    timeout: float = 60.0,
) -> Server:
    """Start ``gunicorn -w 1`` (sync worker) serving ``app`` on 127.0.0.1:``port``.

    Returns once ``ready_path`` answers (any HTTP status); raises :class:`BenchmarkError`
    with the log's tail when the server exits or is not ready within ``timeout`` seconds.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        *(extra or []),
        app,
    ]
    log_file = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole, never by name
    )
    server = Server(name=name, port=port, log=log, process=process, _log_file=log_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            server.stop()
            raise BenchmarkError(f"{name} exited while starting:\n{server.log_tail()}")
        try:
            request(port, "GET", ready_path, timeout=5.0)
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise BenchmarkError(f"{name} not ready after {timeout:.0f} s:\n{server.log_tail()}")
