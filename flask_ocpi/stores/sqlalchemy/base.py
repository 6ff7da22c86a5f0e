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

**One transaction for several writes** (the transactional outbox): inside
``with store.transaction() as session:`` every Flask-OCPI SQLAlchemy store on the same
database (the same engine) runs in that one transaction instead of its own, and so does
whatever the host writes with ``session`` (with Flask-SQLAlchemy it is ``db.session``).
:meth:`flask_ocpi.OCPI.transaction` opens it on the delivery store, so that a host's
change and the push it queues (``ocpi.changed``) are committed together or not at all::

    with ocpi.transaction():
        locations.save(new)
        ocpi.changed(new, previous=old)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from inspect import getattr_static
from typing import Any, Protocol, TypeAlias

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.schema import CreateColumn

from flask_ocpi.stores.sqlalchemy.tables import metadata as ocpi_metadata


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
    """Create the Flask-OCPI tables that do not exist yet, and bring existing ones up to
    date: add the columns a newer release added (with their defaults) and widen string
    columns that became longer. Nothing is ever dropped or narrowed.

    For development, tests and the example app; in production manage the schema with
    migrations that include :data:`flask_ocpi.stores.sqlalchemy.metadata`.
    """
    with transaction_factory(bind)() as session:
        connection = session.connection()
        metadata.create_all(connection, checkfirst=True)
        _upgrade_tables(connection, metadata)


def _upgrade_tables(connection: Any, metadata: MetaData) -> None:
    """``ALTER TABLE`` what :func:`create_tables` found older than ``metadata``."""
    inspector = inspect(connection)
    preparer = connection.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        existing = {c["name"]: c for c in inspector.get_columns(table.name)}
        for column in table.columns:
            found = existing.get(column.name)
            if found is None:
                ddl = CreateColumn(column).compile(dialect=connection.dialect)
                connection.execute(text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {ddl}"))
                continue
            wanted, have = getattr(column.type, "length", None), getattr(found["type"], "length", None)
            if wanted and have and have < wanted and connection.dialect.name != "sqlite":
                kind = column.type.compile(dialect=connection.dialect)
                name = preparer.format_column(column)
                connection.execute(text(f"ALTER TABLE {preparer.format_table(table)} ALTER COLUMN {name} TYPE {kind}"))


@dataclass(slots=True)
class _Shared:
    """An open :meth:`SQLAlchemyBackendBase.transaction`: its engine, session and what to
    run once it has committed."""

    engine: Any
    session: Session
    after_commit: list[Callable[[], None]] = field(default_factory=list)


#: The open shared transaction of this thread / task, if any.
_SHARED: ContextVar[_Shared | None] = ContextVar("flask_ocpi_sqlalchemy_transaction", default=None)


def _engine_of(bind: SessionSource) -> Any:
    """The engine behind ``bind`` (Flask-SQLAlchemy: needs an application context)."""
    if isinstance(bind, Engine):
        return bind
    if isinstance(bind, sessionmaker):
        return bind.kw.get("bind")
    if isinstance(bind, scoped_session):
        return bind().get_bind()
    return bind.session().get_bind()


@contextmanager
def _joined(session: Session) -> Iterator[Session]:
    """One operation inside the shared transaction: a SAVEPOINT where a failed statement
    would abort the whole transaction (PostgreSQL and others), so a store's own retry
    (e.g. after a concurrent insert of the same key) stays possible; none on SQLite, where
    a failed statement is rolled back alone. Nothing is committed here."""
    if session.get_bind().dialect.name == "sqlite":
        yield session
        return
    with session.begin_nested():
        yield session


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
        """One transaction: the yielded session is committed on success, rolled back on error.

        Inside an open :meth:`transaction` on the same database, the operation joins it
        instead (committed with it, not on its own)."""
        shared = _SHARED.get()
        if shared is not None and _engine_of(self._bind) is shared.engine:
            return _joined(shared.session)
        return self._open_transaction()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run everything Flask-OCPI's SQLAlchemy stores do on this database inside the
        block in one transaction, committed when the block ends (rolled back if it raises).

        Yields the session of that transaction, for the host's own writes (with
        Flask-SQLAlchemy it is ``db.session``). Re-entrant: a nested call joins the open
        transaction. Stores on another database keep their own transactions.
        """
        shared = _SHARED.get()
        if shared is not None and _engine_of(self._bind) is shared.engine:
            yield shared.session
            return
        with self._open_transaction() as session:
            opened = _Shared(engine=session.get_bind(), session=session)
            token = _SHARED.set(opened)
            try:
                yield session
            finally:
                _SHARED.reset(token)
        for callback in opened.after_commit:
            callback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once what this store just wrote is committed: at once, or when
        the open :meth:`transaction` on this database commits (never if it rolls back)."""
        shared = _SHARED.get()
        if shared is not None and _engine_of(self._bind) is shared.engine:
            shared.after_commit.append(callback)
        else:
            callback()

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
