"""Fixtures of the backend tests: stores and databases of every kind.

SQLite runs always (a fresh file per test). PostgreSQL runs when
``OCPI_TEST_POSTGRES_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1/test``);
each test then gets its own schema, dropped afterwards, so runs never interfere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from flask_ocpi.backends import PartnerExists, PartnerStore
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    Image,
    ImageCategory,
    InterfaceRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore, create_tables

POSTGRES_URL = os.environ.get("OCPI_TEST_POSTGRES_URL", "")
SQL_BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
ALL_BACKENDS = ["memory", *SQL_BACKENDS]

#: A fixed instant with microseconds, so precision loss would show.
T0 = datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)


def token_hash(name: str) -> str:
    """The SHA-256 hex digest of a made-up token."""
    return hashlib.sha256(name.encode()).hexdigest()


def full_partner(
    partner_id: str = "full", *, tokens: tuple[str, str] = ("full-c", "full-a"), created: datetime = T0
) -> Partner:
    """A partner with every field set, two kinds of roles, endpoints and both grant scopes."""
    return Partner(
        id=partner_id,
        local_party=PartyKey("nl", "abc"),
        status=PartnerStatus.REGISTERED,
        local_role=Role.CPO,
        name=f"Partner {partner_id}",
        versions_url=f"https://{partner_id}.example.com/ocpi/versions",
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.EMSP,
                country_code="DE",
                party_id="XYZ",
                business_details=BusinessDetails(
                    name="XYZ GmbH",
                    website="https://xyz.example.com",
                    logo=Image(
                        url="https://xyz.example.com/logo.png",
                        category=ImageCategory.OPERATOR,
                        type="png",
                        thumbnail="https://xyz.example.com/logo-small.png",
                        width=512,
                        height=256,
                    ),
                ),
            ),
            CredentialsRole(
                role=Role.HUB,
                country_code="BE",
                party_id="HUB",
                business_details=BusinessDetails(name="Bare hub"),
            ),
        ],
        endpoints=[
            Endpoint(identifier="credentials", url="https://x.example.com/cred"),
            Endpoint(
                identifier="locations",
                url="https://x.example.com/loc",
                role=InterfaceRole.RECEIVER,
            ),
            Endpoint(identifier="nltnm-tokens", url="https://x.example.com/t", role=InterfaceRole.SENDER),
        ],
        outbound_token="outbound-token-for-" + partner_id,
        # Neither in hash nor in creation order: the stored order must be kept.
        grants=[
            TokenGrant(
                token_hash=token_hash(tokens[0]),
                scope=TokenScope.FULL,
                created=created + timedelta(hours=1),
            ),
            TokenGrant(token_hash=token_hash(tokens[1]), scope=TokenScope.REGISTRATION, created=created),
        ],
        created=created,
        updated=created + timedelta(days=2, microseconds=7),
    )


def minimal_partner(partner_id: str = "minimal", *, created: datetime = T0) -> Partner:
    """A partner with every optional field ``None`` or empty."""
    return Partner(
        id=partner_id,
        local_party=PartyKey("NL", "MIN"),
        status=PartnerStatus.INVITED,
        created=created,
        updated=created,
    )


@dataclass
class Database:
    """A test database: its URL and the engine options to reach the test's own data."""

    kind: str
    url: str
    engine_options: dict[str, Any] = field(default_factory=dict)
    engines: list[Engine] = field(default_factory=list)

    def create_engine(self) -> Engine:
        """A new engine on this database, disposed of after the test."""
        engine = create_engine(self.url, **self.engine_options)
        self.engines.append(engine)
        return engine


@contextmanager
def open_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database of ``kind`` (``sqlite`` or ``postgresql``) for one test."""
    if kind == "sqlite":
        database = Database(kind, f"sqlite:///{tmp_path / 'ocpi.sqlite'}")
        try:
            yield database
        finally:
            for engine in database.engines:
                engine.dispose()
        return
    schema = f"ocpi_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A non-UTC session time zone, so that UTC normalisation on load is exercised.
    options = f"-c search_path={schema} -c TimeZone=Asia/Kolkata"
    database = Database(kind, POSTGRES_URL, {"connect_args": {"options": options}})
    try:
        yield database
    finally:
        for engine in database.engines:
            engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=SQL_BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty SQL database (no tables yet), one per SQL backend."""
    with open_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
def engine(database: Database) -> Engine:
    """An engine on :func:`database`, with the Flask-OCPI tables created."""
    sql_engine = database.create_engine()
    create_tables(sql_engine)
    return sql_engine


@pytest.fixture(params=ALL_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PartnerStore]:
    """A fresh, empty partner store of every implementation."""
    if request.param == "memory":
        yield MemoryPartnerStore()
        return
    with open_database(request.param, tmp_path) as db:
        sql_store = SQLAlchemyPartnerStore(db.create_engine())
        sql_store.create_tables()
        yield sql_store


@dataclass
class ObjectBackend:
    """Where a module store under test keeps its objects: memory, or an engine on a
    fresh database with the Flask-OCPI tables created."""

    kind: str
    engine: Engine | None = None

    def build(self, memory_store: Callable[[], Any], sql_store: Callable[[Engine], Any]) -> Any:
        """A store of this backend: ``memory_store()`` or ``sql_store(engine)``."""
        return memory_store() if self.engine is None else sql_store(self.engine)


@pytest.fixture(params=ALL_BACKENDS)
def object_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectBackend]:
    """Memory, SQLite and (with ``OCPI_TEST_POSTGRES_URL``) PostgreSQL, for the module stores."""
    if request.param == "memory":
        yield ObjectBackend("memory")
        return
    with open_database(request.param, tmp_path) as db:
        sql_engine = db.create_engine()
        create_tables(sql_engine)
        yield ObjectBackend(request.param, sql_engine)


@pytest.fixture
def count_statements() -> Callable[[Engine], list[str]]:
    """Start recording the SQL statements an engine runs; returns the live list."""

    def start(sql_engine: Engine) -> list[str]:
        statements: list[str] = []

        @event.listens_for(sql_engine, "before_cursor_execute")
        def record(*args: Any) -> None:
            statements.append(args[2])

        return statements

    return start


def make_save_fail_after_writing(store: SQLAlchemyPartnerStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``store.save`` raise ``RuntimeError`` after all of its writes."""
    insert_grants = store._insert_grants

    def insert_then_fail(session: Session, partner: Any) -> None:
        insert_grants(session, partner)
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "_insert_grants", insert_then_fail)


def exercise(store: SQLAlchemyPartnerStore, check: SQLAlchemyPartnerStore) -> None:
    """Run every operation through ``store``; ``check`` reads through another engine."""
    store.add(partner=full_partner())
    store.add(partner=minimal_partner())
    assert check.get(partner_id="full") == full_partner()
    with pytest.raises(PartnerExists):
        store.add(partner=minimal_partner("full"))
    changed = dataclasses.replace(full_partner(), status=PartnerStatus.UNREGISTERED, grants=[])
    store.save(partner=changed)
    assert store.get(partner_id="full") == changed
    assert check.find_by_token(token_hash=token_hash("full-a")) is None
    store.delete(partner_id="minimal")
    assert check.list() == [changed]
    assert store.list() == [changed]


# --- stores of deliveries and sync marks -------------------------------------------------


@pytest.fixture(params=ALL_BACKENDS)
def store_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database | None]:
    """The database behind a store under test, with the Flask-OCPI tables created: ``None``
    for memory, else SQLite and (with ``OCPI_TEST_POSTGRES_URL``) PostgreSQL."""
    if request.param == "memory":
        yield None
        return
    with open_database(request.param, tmp_path) as database:
        create_tables(database.create_engine())
        yield database


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables in threads released together by a barrier; their results in order."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(len(workers))

    def run(work: Callable[[], Any]) -> Any:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        return list(pool.map(run, workers))
