"""Shared helpers of the interop tests: other OCPI implementations run as peer processes.

Each peer is a package from PyPI installed in a virtualenv of its own, ``.peers/<name>/``
(``python tests/interop/install_peers.py`` creates them from
``tests/interop/peers/<name>/requirements.txt``). A peer script is started with that
virtualenv's interpreter on a free loopback port, must print a line starting with ``READY``
once it serves, and is killed at teardown. Its stdout and stderr go to files; the tail of
both is attached to the report of any test that fails while the peer runs.

Peer-specific helpers live in each peer's test module (or, when several modules share them,
in a helper module next to them, e.g. ``extrawest.py``); general ones belong here:

* :func:`running_peer` (context manager) and the ``start_peer`` fixture (function scope,
  ``start_peer(name, script, *args)``) start a peer and give a :class:`PeerProcess`;
* :func:`peer_python` (the interpreter of a peer's virtualenv, failing with the install hint);
* ``extrawest_cpo`` and ``extrawest_emsp``: extrawest-ocpi as CPO and as eMSP, started once for
  all ``test_extrawest_*.py`` modules (package scope).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PEERS_DIR = ROOT / ".peers"
INSTALL_HINT = "run `python tests/interop/install_peers.py` (creates .peers/<name>/ from tests/interop/peers/)"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Peers currently running, so a failing test's report can show their logs.
_RUNNING: list[PeerProcess] = []


def peer_python(name: str) -> Path:
    """The interpreter of peer ``name``'s virtualenv; fails the test when it is missing."""
    python = PEERS_DIR / name / "bin" / "python"
    if not python.exists():
        pytest.fail(f"The interop peer {name!r} is not installed ({python} is missing): {INSTALL_HINT}", pytrace=False)
    return python


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PeerProcess:
    """A running peer: its process, where it listens, and its logs."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    stdout_path: Path
    stderr_path: Path
    ready_line: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return _ANSI.sub("", self.stdout_path.read_text(errors="replace"))

    def stderr(self) -> str:
        return _ANSI.sub("", self.stderr_path.read_text(errors="replace"))

    def logs(self, tail: int = 6000) -> str:
        """The last ``tail`` characters of stdout and stderr, for failure messages."""
        return (
            f"--- peer {self.name} (pid {self.process.pid}, exit {self.process.poll()}) stdout ---\n"
            f"{self.stdout()[-tail:]}\n--- peer {self.name} stderr ---\n{self.stderr()[-tail:]}"
        )

    def call(self, method: str, path: str, *, timeout: float = 10.0, **kwargs: Any) -> Any:
        """Call the peer's own (non-OCPI) control API; the JSON answer, or a failure with its logs."""
        try:
            response = self.session.request(method, f"{self.url}{path}", timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            pytest.fail(f"{method} {path} on peer {self.name} failed: {exc}\n{self.logs()}", pytrace=False)
        if response.status_code != 200:
            pytest.fail(
                f"{method} {path} on peer {self.name}: HTTP {response.status_code} {response.text[:2000]}\n"
                f"{self.logs()}",
                pytrace=False,
            )
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.session.close()


@contextmanager
def running_peer(
    name: str, script: Path, *args: str, ready_timeout: float = 30.0, env: dict[str, str] | None = None
) -> Iterator[PeerProcess]:
    """Run ``script`` with peer ``name``'s interpreter as ``script --port N *args`` until the block ends.

    Waits for a stdout line starting with ``READY``; fails (with the peer's output) when the
    process exits first or ``ready_timeout`` seconds pass.
    """
    python = peer_python(name)
    port = free_port()
    logdir = Path(tempfile.mkdtemp(prefix=f"peer-{name}-"))
    stdout_path, stderr_path = logdir / "stdout.log", logdir / "stderr.log"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(
            [str(python), str(Path(script).resolve()), "--port", str(port), *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=logdir,  # not the repository: some packages read a .env from the working directory
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    peer = PeerProcess(name, process, port, stdout_path, stderr_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            ready = next((line for line in peer.stdout().splitlines() if line.startswith("READY")), None)
            if ready is not None:
                peer.ready_line = ready
                break
            if process.poll() is not None:
                pytest.fail(f"Peer {name} exited before it was READY\n{peer.logs()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"Peer {name} was not READY within {ready_timeout:.0f}s\n{peer.logs()}", pytrace=False)
            time.sleep(0.05)
        _RUNNING.append(peer)
        yield peer
    finally:
        if peer in _RUNNING:
            _RUNNING.remove(peer)
        peer.stop()


PeerStarter = Callable[..., PeerProcess]


@pytest.fixture
def start_peer() -> Iterator[PeerStarter]:
    """``start_peer(name, script, *args)``: a peer running until the end of the test."""
    with ExitStack() as stack:

        def start(name: str, script: Path, *args: str, **kwargs: Any) -> PeerProcess:
            return stack.enter_context(running_peer(name, script, *args, **kwargs))

        yield start


@pytest.fixture(scope="package")
def extrawest_cpo() -> Iterator[PeerProcess]:
    """extrawest-ocpi as a CPO (DE-XWC), seeded with locations, tariffs, sessions and a CDR."""
    from tests.interop.extrawest import extrawest_peer  # imports this module

    with extrawest_peer("CPO") as peer:
        yield peer


@pytest.fixture(scope="package")
def extrawest_emsp() -> Iterator[PeerProcess]:
    """extrawest-ocpi as an eMSP (DE-XWE), seeded with tokens."""
    from tests.interop.extrawest import extrawest_peer

    with extrawest_peer("EMSP") as peer:
        yield peer


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Attach the logs of the running peers to the report of a failing test."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for peer in _RUNNING:
            report.sections.append((f"peer {peer.name} logs", peer.logs(4000)))
