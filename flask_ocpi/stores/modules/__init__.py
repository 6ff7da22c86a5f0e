"""The object stores shipped with Flask-OCPI, independent of where objects are kept.

One store per module (locations, sessions, CDRs, tariffs, tokens) offers a host-facing
API (``save``, ``save_many``, ``get``, ``delete``, ``page``, ``count`` and the module's
own operations) plus ``sender()`` and ``receiver()``, which return the module's backend
ABC implementations to pass to :class:`flask_ocpi.OCPI`. Use them through their memory
(:mod:`flask_ocpi.stores.memory`) or SQLAlchemy (:mod:`flask_ocpi.stores.sqlalchemy`)
subclasses::

    locations = SQLAlchemyLocations(db)
    OCPI(app, partners=..., backends=[locations.sender(), locations.receiver()])
    locations.save(location)
"""

from flask_ocpi.stores.modules.base import AudienceStore, DocumentStore
from flask_ocpi.stores.modules.cdrs import CdrsStore, CdrsStoreReceiver, CdrsStoreSender
from flask_ocpi.stores.modules.locations import LocationsStore, LocationsStoreReceiver, LocationsStoreSender
from flask_ocpi.stores.modules.sessions import SessionsStore, SessionsStoreReceiver, SessionsStoreSender
from flask_ocpi.stores.modules.tariffs import TariffsStore, TariffsStoreReceiver, TariffsStoreSender
from flask_ocpi.stores.modules.tokens import TokensStore, TokensStoreReceiver, TokensStoreSender

__all__ = [
    "AudienceStore",
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
