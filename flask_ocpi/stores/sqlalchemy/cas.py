"""Compare-and-set on ``ocpi_objects``: what a read-modify-write does when it lost a race.

:meth:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDocuments.update` writes a row only if its
``revision`` is still the one it read; these helpers decide how it tries again.
"""

from __future__ import annotations

import random
import time

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

#: How often a read-modify-write that lost a race (the row changed between its read and
#: its conditional write) is tried again before giving up.
CAS_TRIES = 200


class ConcurrentWriteError(RuntimeError):
    """A read-modify-write lost the race against other writers of the same object more than
    :data:`CAS_TRIES` times in a row (never seen outside deliberate stress tests)."""


def pause_after_lost_race(attempt: int) -> None:
    """A short, jittered pause before retrying a lost compare-and-set, growing with attempts
    (at most ~20 ms), so that writers of one hot object take turns instead of colliding."""
    time.sleep(random.uniform(0, min(0.02, 0.0005 * attempt)))


def take_write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now (``BEGIN IMMEDIATE``) when this session
    is not inside a transaction yet, so that concurrent read-modify-writes queue on the lock
    (``busy_timeout``) instead of reading the same revision and retrying. Elsewhere, or when
    a transaction is already open (the host's, or :meth:`transaction`), nothing: the
    compare-and-set alone keeps every write."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_busy(exc: OperationalError) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" / busy snapshot: worth retrying."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return "database is locked" in text or "database table is locked" in text


__all__ = ["CAS_TRIES", "ConcurrentWriteError", "is_busy", "pause_after_lost_race", "take_write_lock"]
