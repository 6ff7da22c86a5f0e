"""An in-process cache of serialised list pages, validated by the backend's ``list_etag``.

Partners page through the same lists again and again; when a sender backend can say
cheaply that nothing changed (:class:`~flask_ocpi.backends.base.CacheableList`), the page's
``data`` JSON and pagination headers are reused and only a fresh envelope is built around
them. Bounded (LRU, ``OCPI_LIST_CACHE_SIZE`` entries), per application and process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A serialised page: the JSON text of ``data`` and the pagination headers."""

    data_json: str
    headers: dict[str, str]


class ListCache:
    """A thread-safe LRU of :class:`CachedPage` by key.

    :param size: the most pages kept; 0 keeps none.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> CachedPage | None:
        """The page stored under ``key``, if any (and mark it recently used)."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        """Store a page, evicting the least recently used beyond ``size``."""
        if self.size <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
