"""SQLAlchemy stores: persistent storage in any database SQLAlchemy supports.

Needs the ``sqlalchemy`` extra (``pip install 'flask-ocpi[sqlalchemy]'``); importing this
package without SQLAlchemy installed raises an :class:`ImportError` saying so. Nothing
else in Flask-OCPI imports SQLAlchemy.

:class:`SQLAlchemyStores` gives every store on one database, built from an
:class:`~sqlalchemy.engine.Engine`, a :class:`~sqlalchemy.orm.sessionmaker`, a
:class:`~sqlalchemy.orm.scoped_session` or a Flask-SQLAlchemy ``db`` object::

    from flask_ocpi.stores.sqlalchemy import SQLAlchemyStores

    stores = SQLAlchemyStores(db)
    with app.app_context():
        stores.create_tables()   # or add flask_ocpi.stores.sqlalchemy.metadata to your migrations
    ocpi = OCPI(app, partners=stores.partners, deliveries=stores.deliveries,
                commands=stores.commands, sync=stores.sync,
                backends=[stores.locations.sender(), stores.locations.receiver()])

Its attributes: ``locations``, ``sessions``, ``cdrs``, ``tariffs``, ``tokens`` (the stores
of :mod:`flask_ocpi.stores.modules`, sharing one :class:`SQLAlchemyDocuments`),
``partners`` (:class:`SQLAlchemyPartnerStore`), ``deliveries``
(:class:`SQLAlchemyDeliveryStore`), ``commands`` (:class:`SQLAlchemyCommandStore`) and
``sync`` (:class:`SQLAlchemySyncStore`), all on one session source; ``transaction()``
runs them (and the host's writes) in one transaction. The stores can also be built one
by one: ``SQLAlchemyPartnerStore(db)``, ``SQLAlchemyLocations(db)`` (also
``SQLAlchemySessions``, ``SQLAlchemyCdrs``, ``SQLAlchemyTariffs``, ``SQLAlchemyTokens``:
the module store on a repository of its own), ...

The object stores keep locations, sessions, CDRs, tariffs and tokens as JSON documents
in one table, ``ocpi_objects`` (see :data:`~flask_ocpi.stores.sqlalchemy.tables.objects_table`).

Every Flask-OCPI table is declared in :mod:`flask_ocpi.stores.sqlalchemy.tables`, on
:data:`metadata` (all named ``ocpi_*``), separate from the host's declarative ``Base``:
include it in the host's migrations, or call :func:`create_tables` in development and tests.
"""

try:
    import sqlalchemy  # noqa: F401 - only checks that the extra is installed
except ImportError as missing:  # pragma: no cover - tests/test_without_sqlalchemy.py runs it in a subprocess
    raise ImportError(
        "flask_ocpi.stores.sqlalchemy needs SQLAlchemy: pip install 'flask-ocpi[sqlalchemy]' "
        "(or use the memory stores of flask_ocpi.stores.memory)"
    ) from missing

from flask_ocpi.stores.sqlalchemy.base import SessionSource, SQLAlchemyBackendBase
from flask_ocpi.stores.sqlalchemy.bundle import SQLAlchemyStores, create_tables
from flask_ocpi.stores.sqlalchemy.commands import SQLAlchemyCommandStore
from flask_ocpi.stores.sqlalchemy.deliveries import SQLAlchemyDeliveryStore, SQLAlchemySyncStore
from flask_ocpi.stores.sqlalchemy.documents import SQLAlchemyDocuments
from flask_ocpi.stores.sqlalchemy.partners import SQLAlchemyPartnerStore
from flask_ocpi.stores.sqlalchemy.standalone import (
    SQLAlchemyCdrs,
    SQLAlchemyLocations,
    SQLAlchemySessions,
    SQLAlchemyTariffs,
    SQLAlchemyTokens,
)
from flask_ocpi.stores.sqlalchemy.tables import metadata

__all__ = [
    "SQLAlchemyBackendBase",
    "SQLAlchemyCdrs",
    "SQLAlchemyCommandStore",
    "SQLAlchemyDeliveryStore",
    "SQLAlchemyDocuments",
    "SQLAlchemyLocations",
    "SQLAlchemyPartnerStore",
    "SQLAlchemySessions",
    "SQLAlchemyStores",
    "SQLAlchemySyncStore",
    "SQLAlchemyTariffs",
    "SQLAlchemyTokens",
    "SessionSource",
    "create_tables",
    "metadata",
]
