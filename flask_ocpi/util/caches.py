"""A small time-bounded cache (for authentication lookups on the hot path)."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Values kept for ``ttl`` seconds, at most ``size`` of them (oldest dropped first).

    :param ttl: seconds a value is reused; 0 disables the cache.
    :param size: the most values kept.
    """

    def __init__(self, ttl: float, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._values: dict[Hashable, tuple[V, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value under ``key`` if it has not expired."""
        found = self._values.get(key)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._values) >= self.size:
                self._values.pop(next(iter(self._values)))
            self._values[key] = (value, time.monotonic() + self.ttl)

    def clear(self) -> None:
        """Forget everything (e.g. after a partner's tokens changed)."""
        with self._lock:
            self._values.clear()
