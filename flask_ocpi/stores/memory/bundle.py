"""Every in-memory store in one object: :class:`MemoryStores`.

Its module stores are the engine-independent ones of :mod:`flask_ocpi.stores.modules`,
given one :class:`MemoryDocuments`: the memory engine adds nothing to them.
"""

from __future__ import annotations

from flask_ocpi.stores.memory.commands import MemoryCommandStore
from flask_ocpi.stores.memory.deliveries import MemoryDeliveryStore, MemorySyncStore
from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.memory.partners import MemoryPartnerStore
from flask_ocpi.stores.modules import CdrsStore, LocationsStore, SessionsStore, TariffsStore, TokensStore


class MemoryStores:
    """Every Flask-OCPI store, kept in this process's memory (tests, demos, one process).

    The five module stores share one :class:`MemoryDocuments` (:attr:`documents`)::

        stores = MemoryStores()
        ocpi = OCPI(app, partners=stores.partners, deliveries=stores.deliveries,
                    commands=stores.commands, sync=stores.sync,
                    backends=[stores.locations.sender(), stores.tokens.receiver()])
        stores.locations.save(location)

    Nothing is shared between two bundles, nor kept when the process ends.
    """

    def __init__(self) -> None:
        #: The repository of the module stores' objects.
        self.documents = MemoryDocuments()
        self.locations = LocationsStore(self.documents)
        self.sessions = SessionsStore(self.documents)
        self.cdrs = CdrsStore(self.documents)
        self.tariffs = TariffsStore(self.documents)
        self.tokens = TokensStore(self.documents)
        self.partners = MemoryPartnerStore()
        self.deliveries = MemoryDeliveryStore()
        self.commands = MemoryCommandStore()
        self.sync = MemorySyncStore()


__all__ = ["MemoryStores"]
