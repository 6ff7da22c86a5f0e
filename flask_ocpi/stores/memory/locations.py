"""In-memory locations store: :class:`~flask_ocpi.stores.modules.LocationsStore` on :class:`MemoryDocuments`."""

from __future__ import annotations

from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.modules.locations import LocationsStore


class MemoryLocations(LocationsStore):
    """The locations store kept in memory (per process; thread-safe; objects copied in and out).

    :param documents: the repository to keep the objects in; pass one
        :class:`MemoryDocuments` to several stores to share it (default: a new one).
    """

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


__all__ = ["MemoryLocations"]
