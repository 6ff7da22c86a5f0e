"""The module stores standing alone on a database: ``SQLAlchemyLocations(db)`` and the others.

Each is the engine-independent store of :mod:`flask_ocpi.stores.modules` on a
:class:`~flask_ocpi.stores.sqlalchemy.documents.SQLAlchemyDocuments` of its own, made from
``bind`` (an :class:`~sqlalchemy.engine.Engine`, a :class:`~sqlalchemy.orm.sessionmaker`,
a :class:`~sqlalchemy.orm.scoped_session` or a Flask-SQLAlchemy ``db`` object; no
application context is needed to build one). They exist as classes because hosts name
them as types and subclass them; nothing else is built on them:
:class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyStores` gives the plain module stores,
sharing one repository.
"""

from __future__ import annotations

from flask_ocpi.stores.modules import CdrsStore, LocationsStore, SessionsStore, TariffsStore, TokensStore
from flask_ocpi.stores.sqlalchemy.base import SessionSource
from flask_ocpi.stores.sqlalchemy.documents import SQLAlchemyDocuments


class SQLAlchemyLocations(LocationsStore):
    """:class:`~flask_ocpi.stores.modules.LocationsStore` in the ``ocpi_objects`` table of ``bind``."""

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))


class SQLAlchemySessions(SessionsStore):
    """:class:`~flask_ocpi.stores.modules.SessionsStore` in the ``ocpi_objects`` table of ``bind``."""

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))


class SQLAlchemyCdrs(CdrsStore):
    """:class:`~flask_ocpi.stores.modules.CdrsStore` in the ``ocpi_objects`` table of ``bind``."""

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))


class SQLAlchemyTariffs(TariffsStore):
    """:class:`~flask_ocpi.stores.modules.TariffsStore` in the ``ocpi_objects`` table of ``bind``."""

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))


class SQLAlchemyTokens(TokensStore):
    """:class:`~flask_ocpi.stores.modules.TokensStore` in the ``ocpi_objects`` table of ``bind``."""

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))


__all__ = ["SQLAlchemyCdrs", "SQLAlchemyLocations", "SQLAlchemySessions", "SQLAlchemyTariffs", "SQLAlchemyTokens"]
