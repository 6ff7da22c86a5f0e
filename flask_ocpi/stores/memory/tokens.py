"""In-memory tokens store: :class:`~flask_ocpi.stores.modules.TokensStore` on :class:`MemoryDocuments`."""

from __future__ import annotations

from flask_ocpi.stores.memory.documents import MemoryDocuments
from flask_ocpi.stores.modules.tokens import TokensStore


class MemoryTokens(TokensStore):
    """The tokens store kept in memory (per process; thread-safe; objects copied in and out).

    :param documents: the repository to keep the objects in; pass one
        :class:`MemoryDocuments` to several stores to share it (default: a new one).
    """

    def __init__(self, documents: MemoryDocuments | None = None) -> None:
        super().__init__(documents if documents is not None else MemoryDocuments())


__all__ = ["MemoryTokens"]
