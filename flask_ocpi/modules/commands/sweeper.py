"""The command-timeout sweeper: a background thread sending TIMEOUT for overdue commands.

Opt-in (``start_sweeper(app, interval)``); hosts with several workers may run one in each,
since claiming an overdue command is atomic. Cron users run ``flask ocpi expire-commands``.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from flask_ocpi.models import CommandRecord
from flask_ocpi.modules.commands import expire_commands

log = logging.getLogger("flask_ocpi")


def sweep(app: Flask, *, limit: int = 100) -> list[CommandRecord]:
    """Expire every due command of ``app``, in batches of ``limit``, in an app context."""
    done: list[CommandRecord] = []
    with app.app_context():
        while True:
            batch = expire_commands(limit=limit)
            done.extend(batch)
            if len(batch) < limit:
                return done


class Sweeper:
    """A daemon thread running :func:`sweep` at once, then every ``interval`` seconds.

    Errors (e.g. a database outage) are logged and the next sweep runs as planned.
    Start it with :func:`start_sweeper`; :meth:`stop` ends it.

    :raises ValueError: when ``interval`` is not positive.
    """

    def __init__(self, app: Flask, interval: float, *, limit: int = 100) -> None:
        if not interval > 0:
            raise ValueError("interval must be a positive number of seconds")
        self.app = app
        self.interval = float(interval)
        self.limit = limit
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flask-ocpi-command-sweeper", daemon=True)

    def start(self) -> Sweeper:
        """Start the thread; returns ``self``."""
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to end and wait up to ``timeout`` seconds for it."""
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        """Whether the thread is running."""
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                sweep(self.app, limit=self.limit)
            except Exception:
                log.exception("Expiring OCPI commands failed; next attempt in %s s", self.interval)
            self._stopping.wait(self.interval)


def start_sweeper(app: Flask, interval: float, *, limit: int = 100) -> Sweeper:
    """Opt-in: expire due commands of ``app`` in a daemon thread every ``interval`` seconds.

    A host with several worker processes may start one in each: each command still
    times out exactly once. ::

        sweeper = start_sweeper(app, 10.0)
        ...
        sweeper.stop()
    """
    return Sweeper(app, interval, limit=limit).start()


__all__ = ["Sweeper", "start_sweeper", "sweep"]
