"""The object stores shipped with Flask-OCPI, independent of where objects are kept.

One store per module (locations, sessions, CDRs, tariffs, tokens) offers a host-facing
API (``save``, ``save_many``, ``get``, ``delete``, ``page``, ``count`` and the module's
own operations) plus ``sender()`` and ``receiver()``, which return the module's backend
ABC implementations to pass to :class:`flask_ocpi.OCPI`.

Each store is given the :class:`~flask_ocpi.stores.documents.DocumentRepository` that
keeps its objects (``LocationsStore(documents)``); the engines only provide that
repository (:class:`~flask_ocpi.stores.memory.MemoryDocuments`,
:class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDocuments`). Usually take the stores from
an engine's bundle, which builds them all on one repository::

    stores = SQLAlchemyStores(db)        # or MemoryStores()
    OCPI(app, partners=stores.partners, backends=[stores.locations.sender(), stores.locations.receiver()])
    stores.locations.save(location)

To change a store's behaviour (e.g. :meth:`TokensStore.decide`), subclass it and give it
the bundle's repository: ``MyTokens(stores.documents)``.
"""

from flask_ocpi.stores.modules.base import DocumentStore
from flask_ocpi.stores.modules.cdrs import CdrsStore, CdrsStoreReceiver, CdrsStoreSender
from flask_ocpi.stores.modules.locations import LocationsStore, LocationsStoreReceiver, LocationsStoreSender
from flask_ocpi.stores.modules.sessions import SessionsStore, SessionsStoreReceiver, SessionsStoreSender
from flask_ocpi.stores.modules.tariffs import TariffsStore, TariffsStoreReceiver, TariffsStoreSender
from flask_ocpi.stores.modules.tokens import TokensStore, TokensStoreReceiver, TokensStoreSender

__all__ = [
    "CdrsStore",
    "CdrsStoreReceiver",
    "CdrsStoreSender",
    "DocumentStore",
    "LocationsStore",
    "LocationsStoreReceiver",
    "LocationsStoreSender",
    "SessionsStore",
    "SessionsStoreReceiver",
    "SessionsStoreSender",
    "TariffsStore",
    "TariffsStoreReceiver",
    "TariffsStoreSender",
    "TokensStore",
    "TokensStoreReceiver",
    "TokensStoreSender",
]
