"""SQLAlchemy backends: persistent storage in any database SQLAlchemy supports.

Build a backend from an :class:`~sqlalchemy.engine.Engine`, a
:class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session` or a
Flask-SQLAlchemy ``db`` object::

    from flask_ocpi.backends.sqlalchemy import SQLAlchemyPartnerStore, create_tables

    partners = SQLAlchemyPartnerStore(db)

The tables live in :data:`metadata` (all named ``ocpi_*``), separate from the host's
declarative ``Base``: include it in the host's migrations, or call
:func:`create_tables` in development and tests.
"""

from flask_ocpi.backends.sqlalchemy.base import (
    SessionSource,
    SQLAlchemyBackendBase,
    create_tables,
)
from flask_ocpi.backends.sqlalchemy.partners import SQLAlchemyPartnerStore
from flask_ocpi.backends.sqlalchemy.tables import metadata

__all__ = [
    "SQLAlchemyBackendBase",
    "SQLAlchemyPartnerStore",
    "SessionSource",
    "create_tables",
    "metadata",
]
