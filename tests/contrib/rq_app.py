"""The CPO application an RQ worker builds (``tests.contrib.rq_app:create_app``): the same
database as the test's CPO (``OCPI_TEST_RQ_DB``), as a worker process on another machine would."""

from __future__ import annotations

import os

from flask import Flask
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine

from flask_ocpi.contrib.rq import RQDispatcher
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, SQLAlchemyPartnerStore
from tests.roaming import cpo_side


def create_app() -> Flask:
    engine = create_engine(os.environ["OCPI_TEST_RQ_DB"])
    queue = Queue(os.environ["OCPI_TEST_RQ_QUEUE"], connection=Redis.from_url(os.environ["OCPI_TEST_REDIS_URL"]))
    side = cpo_side(
        {
            "partners": SQLAlchemyPartnerStore(engine),
            "deliveries": SQLAlchemyDeliveryStore(engine),
            "dispatcher": RQDispatcher(queue, app_factory="tests.contrib.rq_app:create_app"),
        },
        OCPI_PUSH_RETRY_DELAY=30.0,
    )
    return side.app
