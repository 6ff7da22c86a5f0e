"""Deliveries on RQ with a real Redis (``OCPI_TEST_REDIS_URL``, set by ``.ci/run``).

Without that variable there is no Redis to talk to and this module is not collected
(tests/contrib/conftest.py), as the PostgreSQL backend tests are left out without theirs;
the thread and inline dispatchers are tested always.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from example_app.demo import location as demo_location
from flask_ocpi.contrib import rq as rq_contrib
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, SQLAlchemyPartnerStore, create_tables
from tests.roaming import CPO, Side, roaming

REDIS_URL = os.environ.get("OCPI_TEST_REDIS_URL", "")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Side, Side, object, object]]:
    from redis import Redis
    from rq import Queue
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'cpo.db'}"
    name = f"ocpi-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("OCPI_TEST_RQ_DB", url)
    monkeypatch.setenv("OCPI_TEST_RQ_QUEUE", name)
    monkeypatch.setenv("OCPI_TEST_REDIS_URL", REDIS_URL)
    engine = create_engine(url)
    create_tables(engine)
    redis = Redis.from_url(REDIS_URL)
    queue = Queue(name, connection=redis)
    outbound = {
        "partners": SQLAlchemyPartnerStore(engine),
        "deliveries": SQLAlchemyDeliveryStore(engine),
        "dispatcher": rq_contrib.RQDispatcher(queue, app_factory="tests.contrib.rq_app:create_app"),
    }
    try:
        with roaming(cpo_outbound=outbound) as (cpo, emsp):
            yield cpo, emsp, queue, redis
    finally:
        queue.empty()
        for key in redis.keys(f"rq:*{name}*"):
            redis.delete(key)
        rq_contrib._apps.clear()


def _work(queue: object, redis: object) -> None:
    from rq import SimpleWorker

    SimpleWorker([queue], connection=redis).work(burst=True)  # type: ignore[list-item,arg-type]


def test_a_change_becomes_a_job_that_a_worker_delivers(setup: tuple[Side, Side, object, object]) -> None:
    cpo, emsp, queue, redis = setup
    location = demo_location(CPO, 1)
    with cpo.app.app_context():
        (delivery,) = cpo.ocpi.changed(location)
    assert queue.count == 1  # type: ignore[attr-defined]
    assert emsp.locations.get("NL", "CPO", location.id) is None  # nothing sent in the caller
    _work(queue, redis)
    assert emsp.locations.get("NL", "CPO", location.id) is not None
    assert cpo.app.extensions["ocpi"].deliveries.get(delivery_id=delivery.id) is None


def test_a_failed_job_schedules_its_retry(setup: tuple[Side, Side, object, object]) -> None:
    cpo, emsp, queue, redis = setup
    emsp.server.stop()
    with cpo.app.app_context():
        (delivery,) = cpo.ocpi.changed(demo_location(CPO, 1))
    _work(queue, redis)
    stored = cpo.app.extensions["ocpi"].deliveries.get(delivery_id=delivery.id)
    assert stored is not None and stored.attempts == 1
    assert queue.scheduled_job_registry.count == 1  # type: ignore[attr-defined]
