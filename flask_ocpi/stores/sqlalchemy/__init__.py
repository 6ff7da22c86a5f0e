"""SQLAlchemy backends: persistent storage in any database SQLAlchemy supports.

Build a backend from an :class:`~sqlalchemy.engine.Engine`, a
:class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session` or a
Flask-SQLAlchemy ``db`` object::

    from flask_ocpi.stores.sqlalchemy import SQLAlchemyLocations, SQLAlchemyPartnerStore, create_tables

    partners = SQLAlchemyPartnerStore(db)
    locations = SQLAlchemyLocations(db)   # also Sessions, Cdrs, Tariffs, Tokens

The object stores keep locations, sessions, CDRs, tariffs and tokens as JSON documents
in one table, ``ocpi_objects`` (see :data:`~flask_ocpi.stores.sqlalchemy.tables.objects_table`).

Importing this package declares every Flask-OCPI table (the command store's
``ocpi_commands``, the pushes waiting in ``ocpi_deliveries`` and the pull marks in
``ocpi_sync_marks`` included) on :data:`metadata`, whatever else was imported. The
tables live in :data:`metadata` (all named ``ocpi_*``), separate from the host's
declarative ``Base``: include it in the host's migrations, or call
:func:`create_tables` in development and tests.
"""

from sqlalchemy import MetaData

from flask_ocpi.stores.sqlalchemy.base import (
    SessionSource,
    SQLAlchemyBackendBase,
)
from flask_ocpi.stores.sqlalchemy.base import create_tables as _create_tables
from flask_ocpi.stores.sqlalchemy.cdrs import SQLAlchemyCdrs
from flask_ocpi.stores.sqlalchemy.commands import SQLAlchemyCommandStore
from flask_ocpi.stores.sqlalchemy.deliveries import SQLAlchemyDeliveryStore, SQLAlchemySyncStore
from flask_ocpi.stores.sqlalchemy.documents import SQLAlchemyDocuments
from flask_ocpi.stores.sqlalchemy.locations import SQLAlchemyLocations
from flask_ocpi.stores.sqlalchemy.partners import SQLAlchemyPartnerStore
from flask_ocpi.stores.sqlalchemy.sessions import SQLAlchemySessions
from flask_ocpi.stores.sqlalchemy.tables import metadata
from flask_ocpi.stores.sqlalchemy.tariffs import SQLAlchemyTariffs
from flask_ocpi.stores.sqlalchemy.tokens import SQLAlchemyTokens


def create_tables(bind: SessionSource, *, metadata: MetaData = metadata) -> None:
    """Create the Flask-OCPI tables that do not exist yet, bring existing ones up to date
    (see :func:`flask_ocpi.stores.sqlalchemy.base.create_tables`) and write the party
    claims of partners stored before ``ocpi_party_claims`` existed
    (:meth:`SQLAlchemyPartnerStore.backfill_claims`). Idempotent.

    For development, tests and the example app; in production manage the schema with
    migrations that include :data:`metadata`, then call ``backfill_claims()`` once.
    """
    _create_tables(bind, metadata=metadata)
    SQLAlchemyPartnerStore(bind).backfill_claims()


__all__ = [
    "SQLAlchemyBackendBase",
    "SQLAlchemyCdrs",
    "SQLAlchemyCommandStore",
    "SQLAlchemyDeliveryStore",
    "SQLAlchemyDocuments",
    "SQLAlchemyLocations",
    "SQLAlchemyPartnerStore",
    "SQLAlchemySessions",
    "SQLAlchemySyncStore",
    "SQLAlchemyTariffs",
    "SQLAlchemyTokens",
    "SessionSource",
    "create_tables",
    "metadata",
]
