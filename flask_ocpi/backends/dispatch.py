"""The dispatcher a host may supply: what runs deliveries outside the host's request.

Implementations ship in :mod:`flask_ocpi.outbound.dispatch` (thread, inline, store only)
and :mod:`flask_ocpi.contrib.rq` (RQ jobs).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from flask import Flask


class Dispatcher(ABC):
    """Runs deliveries outside the host's request."""

    @abstractmethod
    def wake(self, app: Flask, delivery_ids: list[str]) -> None:
        """New deliveries were stored and are due now."""

    def retry_later(self, app: Flask, delivery_id: str, delay: float) -> None:
        """A delivery failed and is due again in ``delay`` seconds (polling dispatchers
        find it by themselves: nothing to do by default)."""
        return None

    def start(self, app: Flask) -> None:
        """Begin delivering what is due (e.g. left by a previous run). Called on the first
        OCPI request of a process; idempotent."""
        return None
