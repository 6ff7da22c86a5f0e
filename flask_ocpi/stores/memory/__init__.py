"""In-memory backends: for tests, demos and as a reference implementation.

The object stores (:class:`MemoryLocations`, :class:`MemorySessions`, :class:`MemoryCdrs`,
:class:`MemoryTariffs`, :class:`MemoryTokens`) keep their objects in a
:class:`MemoryDocuments`; by default each store has its own.
"""

from flask_ocpi.stores.memory.cdrs import MemoryCdrs
from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.stores.memory.deliveries import MemoryDeliveryStore, MemorySyncStore
from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.memory.locations import MemoryLocations
from flask_ocpi.stores.memory.partners import MemoryPartnerStore
from flask_ocpi.stores.memory.sessions import MemorySessions
from flask_ocpi.stores.memory.tariffs import MemoryTariffs
from flask_ocpi.stores.memory.tokens import MemoryTokens

__all__ = [
    "MemoryCdrs",
    "MemoryCommandStore",
    "MemoryDeliveryStore",
    "MemoryDocuments",
    "MemoryLocations",
    "MemoryPartnerStore",
    "MemorySessions",
    "MemorySyncStore",
    "MemoryTariffs",
    "MemoryTokens",
]
