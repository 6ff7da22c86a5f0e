"""SQLAlchemy tariffs store: :class:`~flask_ocpi.stores.modules.TariffsStore` on the ``ocpi_objects`` table."""

from __future__ import annotations

from flask_ocpi.stores.modules.tariffs import TariffsStore
from flask_ocpi.stores.sqlalchemy.base import SessionSource, create_tables
from flask_ocpi.stores.sqlalchemy.documents import SQLAlchemyDocuments


class SQLAlchemyTariffs(TariffsStore):
    """The tariffs store kept in the ``ocpi_objects`` table (see :class:`SQLAlchemyDocuments`).

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object; no application context is needed to build it.
    """

    def __init__(self, bind: SessionSource) -> None:
        self.bind = bind
        super().__init__(SQLAlchemyDocuments(bind))

    def create_tables(self) -> None:
        """Create the Flask-OCPI tables that do not exist yet (development and tests)."""
        create_tables(self.bind)


__all__ = ["SQLAlchemyTariffs"]
