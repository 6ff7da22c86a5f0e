"""The module stores standing alone in memory: ``MemoryLocations()`` and the others.

Each is the engine-independent store of :mod:`flask_ocpi.stores.modules` with its
repository made optional: a new :class:`MemoryDocuments` unless one is given (pass one
to several stores to share it). They exist as classes because hosts name them as types
and subclass them (e.g. to override :meth:`~flask_ocpi.stores.modules.TokensStore.decide`);
nothing else is built on them: :class:`~flask_ocpi.stores.memory.MemoryStores` gives the
plain module stores.
"""

from __future__ import annotations

from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.modules import CdrsStore, LocationsStore, SessionsStore, TariffsStore, TokensStore


class MemoryLocations(LocationsStore):
    """:class:`~flask_ocpi.stores.modules.LocationsStore` in ``documents`` (default: a new
    :class:`MemoryDocuments`; pass one to several stores to share it)."""

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


class MemorySessions(SessionsStore):
    """:class:`~flask_ocpi.stores.modules.SessionsStore` in ``documents`` (default: a new
    :class:`MemoryDocuments`)."""

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


class MemoryCdrs(CdrsStore):
    """:class:`~flask_ocpi.stores.modules.CdrsStore` in ``documents`` (default: a new
    :class:`MemoryDocuments`)."""

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


class MemoryTariffs(TariffsStore):
    """:class:`~flask_ocpi.stores.modules.TariffsStore` in ``documents`` (default: a new
    :class:`MemoryDocuments`)."""

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


class MemoryTokens(TokensStore):
    """:class:`~flask_ocpi.stores.modules.TokensStore` in ``documents`` (default: a new
    :class:`MemoryDocuments`)."""

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


__all__ = ["MemoryCdrs", "MemoryLocations", "MemorySessions", "MemoryTariffs", "MemoryTokens"]
