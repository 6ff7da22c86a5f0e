"""How SQLAlchemy backends get their sessions.

Every SQLAlchemy backend derives from :class:`SQLAlchemyBackendBase` and can be built
from any of:

* an :class:`~sqlalchemy.engine.Engine`: the backend makes its own
  :class:`~sqlalchemy.orm.sessionmaker` and runs each operation in its own transaction;
* a :class:`~sqlalchemy.orm.sessionmaker`: used the same way;
* a :class:`~sqlalchemy.orm.scoped_session`: each operation uses the current scope's
  session and commits it on success (rolls it back on error);
* a Flask-SQLAlchemy ``db`` object: like a scoped session, with ``db.session``. It needs
  an application context, as any use of ``db.session`` does.

Note that with the last two forms the commit covers whatever else the host has
pending in that session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from inspect import getattr_static
from typing import Any, Protocol, TypeAlias

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from flask_ocpi.backends.sqlalchemy.tables import metadata as ocpi_metadata


class FlaskSQLAlchemyLike(Protocol):
    """What is used of a Flask-SQLAlchemy ``db`` object: its scoped ``session``."""

    @property
    def session(self) -> scoped_session[Any]:
        """The scoped session of the current application context."""


#: Anything a SQLAlchemy backend can be built from.
SessionSource: TypeAlias = "Engine | sessionmaker[Any] | scoped_session[Any] | FlaskSQLAlchemyLike"

#: Opens one transaction and yields the session to run it in.
TransactionFactory: TypeAlias = Callable[[], AbstractContextManager[Session]]


@contextmanager
def _factory_transaction(factory: sessionmaker[Any]) -> Iterator[Session]:
    """A new session and transaction: committed on success, rolled back on error."""
    with factory.begin() as session:
        yield session


@contextmanager
def _scoped_transaction(get_scoped: Callable[[], scoped_session[Any]]) -> Iterator[Session]:
    """The current scoped session: committed on success, rolled back on error."""
    session: Session = get_scoped()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def is_flask_sqlalchemy(value: object) -> bool:
    """Whether ``value`` looks like a Flask-SQLAlchemy ``db`` object (duck typing).

    Uses static attribute lookup so that no application context is needed.
    """
    has_session = getattr_static(value, "session", None) is not None
    has_engine = any(getattr_static(value, name, None) is not None for name in ("engine", "get_engine"))
    return has_session and has_engine


def transaction_factory(bind: SessionSource) -> TransactionFactory:
    """Turn any :data:`SessionSource` into a function opening a transaction.

    :raises TypeError: when ``bind`` is none of the supported forms.
    """
    if isinstance(bind, Engine):
        factory: sessionmaker[Session] = sessionmaker(bind=bind)
        return lambda: _factory_transaction(factory)
    if isinstance(bind, sessionmaker):
        maker = bind
        return lambda: _factory_transaction(maker)
    if isinstance(bind, scoped_session):
        scoped = bind
        return lambda: _scoped_transaction(lambda: scoped)
    if is_flask_sqlalchemy(bind):
        db = bind
        # Looked up on each use: db.session belongs to the current app context.
        return lambda: _scoped_transaction(lambda: db.session)
    raise TypeError(
        "expected a SQLAlchemy Engine, sessionmaker, scoped_session or Flask-SQLAlchemy "
        f"db object, got {type(bind).__name__}"
    )


def create_tables(bind: SessionSource, *, metadata: MetaData = ocpi_metadata) -> None:
    """Create the Flask-OCPI tables that do not exist yet, and only those.

    For development and tests; in production manage the schema with migrations that
    include :data:`flask_ocpi.backends.sqlalchemy.metadata`.
    """
    with transaction_factory(bind)() as session:
        metadata.create_all(session.connection(), checkfirst=True)


class SQLAlchemyBackendBase:
    """Base class of the SQLAlchemy backends: turns a :data:`SessionSource` into sessions.

    Subclasses run each operation in ``with self._transaction() as session:``.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object.
    :raises TypeError: when ``bind`` is none of these.
    """

    def __init__(self, bind: SessionSource) -> None:
        self._bind = bind
        self._open_transaction = transaction_factory(bind)

    def _transaction(self) -> AbstractContextManager[Session]:
        """One transaction: the yielded session is committed on success, rolled back on error."""
        return self._open_transaction()

    def create_tables(self) -> None:
        """Create the Flask-OCPI tables on the bound database (see :func:`create_tables`)."""
        create_tables(self._bind)


__all__ = [
    "FlaskSQLAlchemyLike",
    "SQLAlchemyBackendBase",
    "SessionSource",
    "TransactionFactory",
    "create_tables",
    "is_flask_sqlalchemy",
    "transaction_factory",
]
