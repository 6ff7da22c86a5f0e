"""Every SQLAlchemy store in one object (:class:`SQLAlchemyStores`), and :func:`create_tables`.

Its module stores are the engine-independent ones of :mod:`flask_ocpi.stores.modules`,
given one :class:`~flask_ocpi.stores.sqlalchemy.documents.SQLAlchemyDocuments`: the
SQLAlchemy engine adds nothing to them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from flask_ocpi.stores.modules import CdrsStore, LocationsStore, SessionsStore, TariffsStore, TokensStore
from flask_ocpi.stores.sqlalchemy.base import SessionSource
from flask_ocpi.stores.sqlalchemy.base import create_tables as _create_tables
from flask_ocpi.stores.sqlalchemy.commands import SQLAlchemyCommandStore
from flask_ocpi.stores.sqlalchemy.deliveries import SQLAlchemyDeliveryStore, SQLAlchemySyncStore
from flask_ocpi.stores.sqlalchemy.documents import SQLAlchemyDocuments
from flask_ocpi.stores.sqlalchemy.partners import SQLAlchemyPartnerStore
from flask_ocpi.stores.sqlalchemy.tables import metadata as ocpi_metadata


def create_tables(bind: SessionSource, *, metadata: MetaData = ocpi_metadata) -> None:
    """Create the Flask-OCPI tables that do not exist yet, bring existing ones up to date
    (see :func:`flask_ocpi.stores.sqlalchemy.base.create_tables`), fill the
    ``local_roles`` of partners stored before that column existed
    (:meth:`SQLAlchemyPartnerStore.backfill_local_roles`) and write the party claims of
    partners stored before ``ocpi_party_claims`` existed
    (:meth:`SQLAlchemyPartnerStore.backfill_claims`). Idempotent.

    For development, tests and the example app; in production manage the schema with
    migrations that include :data:`~flask_ocpi.stores.sqlalchemy.tables.metadata`, then
    call ``backfill_local_roles()`` and ``backfill_claims()`` once.
    """
    _create_tables(bind, metadata=metadata)
    store = SQLAlchemyPartnerStore(bind)
    store.backfill_local_roles()
    store.backfill_claims()


def shared_source(bind: SessionSource) -> SessionSource:
    """The one session source every store of a bundle uses: an engine becomes one
    :class:`~sqlalchemy.orm.sessionmaker`; the other forms are used as they are."""
    if isinstance(bind, Engine):
        return sessionmaker(bind=bind)
    return bind


class SQLAlchemyStores:
    """Every Flask-OCPI store on one database, sharing one session source.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see :mod:`flask_ocpi.stores.sqlalchemy.base`);
        no application context is needed to build the bundle.
    :param generation_ttl: see :class:`~flask_ocpi.stores.sqlalchemy.documents.SQLAlchemyDocuments`.

    The five module stores share one repository (:attr:`documents`, the ``ocpi_objects``
    table); :meth:`transaction` is the one every store of the bundle (and every other
    Flask-OCPI store on the same engine) joins::

        stores = SQLAlchemyStores(db)
        ocpi = OCPI(app, partners=stores.partners, deliveries=stores.deliveries,
                    commands=stores.commands, sync=stores.sync,
                    backends=[stores.locations.sender(), stores.tokens.receiver()])
        with stores.transaction():
            stores.locations.save(new)
            ocpi.changed(new, previous=old)
    """

    def __init__(self, bind: SessionSource, *, generation_ttl: float = 1.0) -> None:
        #: What the bundle was built from.
        self.bind = bind
        source = shared_source(bind)
        #: The repository of the module stores' objects.
        self.documents = SQLAlchemyDocuments(source, generation_ttl=generation_ttl)
        self.locations = LocationsStore(self.documents)
        self.sessions = SessionsStore(self.documents)
        self.cdrs = CdrsStore(self.documents)
        self.tariffs = TariffsStore(self.documents)
        self.tokens = TokensStore(self.documents)
        self.partners = SQLAlchemyPartnerStore(source)
        self.deliveries = SQLAlchemyDeliveryStore(source)
        self.commands = SQLAlchemyCommandStore(source)
        self.sync = SQLAlchemySyncStore(source)

    def transaction(self) -> AbstractContextManager[Session]:
        """One transaction for everything the stores do inside the block, committed when
        it ends (see :meth:`~flask_ocpi.stores.sqlalchemy.base.SQLAlchemyBackendBase.transaction`);
        yields its session, for the host's own writes."""
        return self.deliveries.transaction()

    def create_tables(self) -> None:
        """Create (and upgrade) the Flask-OCPI tables, see :func:`create_tables`."""
        create_tables(self.bind)


__all__ = ["SQLAlchemyStores", "create_tables", "shared_source"]
