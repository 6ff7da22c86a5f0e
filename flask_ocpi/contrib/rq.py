"""Deliveries on RQ (Redis Queue), for hosts running many processes or machines.

Install with ``pip install flask-ocpi[rq]``. The store stays the truth: a job carries only
a delivery id, claims the delivery with a lease and sends it, so a lost or duplicated job
loses or duplicates nothing. Retries are scheduled with ``enqueue_in`` (run workers with
``rq worker --with-scheduler``); ``flask ocpi deliver`` from cron is a safety net for jobs
lost with a Redis that keeps nothing.

::

    from redis import Redis
    from rq import Queue
    from flask_ocpi.contrib.rq import RQDispatcher

    queue = Queue("ocpi", connection=Redis())
    ocpi = OCPI(app, ..., deliveries=SQLAlchemyDeliveryStore(db),
                dispatcher=RQDispatcher(queue, app_factory="myapp:create_app"))

``app_factory`` is ``"module:callable"`` returning the Flask app (or ``"module:app"``): the
worker builds the application once per process to run the jobs in its context.
"""

from __future__ import annotations

import importlib
import logging
import threading
from datetime import timedelta
from typing import Any

from flask import Flask

from flask_ocpi.outbound.dispatch import Dispatcher

log = logging.getLogger("flask_ocpi")

_apps: dict[str, Flask] = {}
_apps_lock = threading.Lock()


def load_app(app_factory: str) -> Flask:
    """The Flask application named by ``"module:attribute"`` (called when it is a factory),
    built once per process."""
    with _apps_lock:
        app = _apps.get(app_factory)
        if app is None:
            module_name, _, attribute = app_factory.partition(":")
            target: Any = getattr(importlib.import_module(module_name), attribute or "create_app")
            app = target if isinstance(target, Flask) else target()
            if not isinstance(app, Flask):
                raise TypeError(f"{app_factory} did not give a Flask application")
            _apps[app_factory] = app
        return app


def deliver_job(app_factory: str, delivery_id: str) -> bool | None:
    """The RQ job: deliver one delivery in the application's context."""
    from flask_ocpi.outbound.push import deliver

    with load_app(app_factory).app_context():
        return deliver(delivery_id)


class RQDispatcher(Dispatcher):
    """Enqueues one :func:`deliver_job` per due delivery on an RQ queue.

    :param queue: an ``rq.Queue``.
    :param app_factory: ``"module:callable"`` giving the application in the worker.
    """

    def __init__(self, queue: Any, *, app_factory: str) -> None:
        self.queue = queue
        self.app_factory = app_factory

    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        for delivery_id in delivery_ids:
            self.queue.enqueue(deliver_job, self.app_factory, delivery_id)

    def retry_later(self, app: Flask, delivery_id: str, delay: float) -> None:
        self.queue.enqueue_in(timedelta(seconds=delay), deliver_job, self.app_factory, delivery_id)


__all__ = ["RQDispatcher", "deliver_job", "load_app"]
