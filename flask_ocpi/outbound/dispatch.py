"""Who runs the deliveries of :mod:`flask_ocpi.outbound.push`: never the host's web request.

* :class:`ThreadDispatcher` (the default): one background thread per process, started at
  the first change or the first OCPI request, that delivers what is due and looks for due
  deliveries (retries, and deliveries left by a previous run) every ``interval`` seconds.
* :class:`InlineDispatcher`: delivers at once, in the caller's thread (tests, scripts).
* :class:`StoreOnlyDispatcher`: only stores; a ``flask ocpi deliver --loop`` worker sends.
* :class:`flask_ocpi.contrib.rq.RQDispatcher`: one RQ job per delivery on Redis, for hosts
  running many workers or machines.

Whatever runs them, deliveries are claimed from the store with a lease, so several
processes may deliver at once without sending anything twice in parallel.
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from flask_ocpi.backends.dispatch import Dispatcher
from flask_ocpi.outbound.push import deliver, deliver_due

log = logging.getLogger("flask_ocpi")


class StoreOnlyDispatcher(Dispatcher):
    """Only stores: a separate worker process delivers (``flask ocpi deliver --loop``), for
    hosts whose web processes should never call partners."""

    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        return None


class InlineDispatcher(Dispatcher):
    """Delivers in the caller's thread at once: for tests and scripts (a slow partner
    slows the caller down; do not use it in a web app)."""

    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        with app.app_context():
            for delivery_id in delivery_ids:
                deliver(delivery_id)


class ThreadDispatcher(Dispatcher):
    """A daemon thread per process delivering due deliveries.

    :param interval: seconds between looks for due deliveries (retries, leftovers).
    :param batch: deliveries claimed per look.
    """

    def __init__(self, *, interval: float = 1.0, batch: int = 50) -> None:
        self.interval = interval
        self.batch = batch
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._events: dict[int, threading.Event] = {}
        self._stopping = threading.Event()
        self._atexit = False
        self._drain = False

    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        self.start(app)
        self._events[id(app)].set()

    def start(self, app: Flask) -> None:
        key = id(app)
        with self._lock:
            thread = self._threads.get(key)
            if thread is not None and thread.is_alive():
                return
            event = self._events.setdefault(key, threading.Event())
            thread = threading.Thread(target=self._run, args=(app, event), name="flask-ocpi-deliveries", daemon=True)
            self._threads[key] = thread
            thread.start()
            if not self._atexit:  # a process exiting (a CLI command) first sends what it was woken for
                atexit.register(self.stop, drain=True)
                self._atexit = True

    def stop(self, timeout: float = 5.0, *, drain: bool = False) -> None:
        """Stop every thread; with ``drain``, each first makes one last pass over what is due
        (done at process exit, so a CLI command's changes leave with it). ``timeout`` bounds
        the wait per thread; a delivery still in flight after it is retried once its lease
        (``OCPI_PUSH_LEASE``) ends."""
        self._drain = drain
        self._stopping.set()
        for event in self._events.values():
            event.set()
        for thread in list(self._threads.values()):
            thread.join(timeout)
        self._threads.clear()
        self._stopping.clear()

    def _run(self, app: Flask, event: threading.Event) -> None:
        while not self._stopping.is_set():
            event.wait(self.interval)
            event.clear()
            if self._stopping.is_set() and not self._drain:
                return
            try:
                with app.app_context():
                    while deliver_due(limit=self.batch) and not self._stopping.is_set():
                        pass
                    if self._stopping.is_set():  # draining: one last pass, then stop
                        deliver_due(limit=self.batch)
                        return
            except Exception:  # keep the worker alive whatever a store or partner does
                log.exception("Delivering OCPI changes failed; retrying in %.1f s", self.interval)


__all__ = ["Dispatcher", "InlineDispatcher", "StoreOnlyDispatcher", "ThreadDispatcher"]
