"""In-memory stores: for tests, demos and as a reference implementation.

:class:`MemoryStores` gives every store, the five module stores sharing one
:class:`MemoryDocuments`::

    from flask_ocpi.stores.memory import MemoryStores

    stores = MemoryStores()
    ocpi = OCPI(app, partners=stores.partners, deliveries=stores.deliveries,
                commands=stores.commands, sync=stores.sync,
                backends=[stores.locations.sender(), stores.locations.receiver()])

Its attributes: ``locations``, ``sessions``, ``cdrs``, ``tariffs``, ``tokens`` (the stores
of :mod:`flask_ocpi.stores.modules`), ``partners`` (:class:`MemoryPartnerStore`),
``deliveries`` (:class:`MemoryDeliveryStore`), ``commands`` (:class:`MemoryCommandStore`)
and ``sync`` (:class:`MemorySyncStore`). The stores can also be built one by one:
``MemoryLocations()`` (also :class:`MemorySessions`, :class:`MemoryCdrs`,
:class:`MemoryTariffs`, :class:`MemoryTokens`) has its own :class:`MemoryDocuments`
unless given one. Nothing here needs SQLAlchemy.
"""

from flask_ocpi.stores.memory.bundle import MemoryStores
from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.stores.memory.deliveries import MemoryDeliveryStore, MemorySyncStore
from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.memory.partners import MemoryPartnerStore
from flask_ocpi.stores.memory.standalone import MemoryCdrs, MemoryLocations, MemorySessions, MemoryTariffs, MemoryTokens

__all__ = [
    "MemoryCdrs",
    "MemoryCommandStore",
    "MemoryDeliveryStore",
    "MemoryDocuments",
    "MemoryLocations",
    "MemoryPartnerStore",
    "MemorySessions",
    "MemoryStores",
    "MemorySyncStore",
    "MemoryTariffs",
    "MemoryTokens",
]
