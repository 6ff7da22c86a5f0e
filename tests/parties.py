"""Flask-OCPI parties served over real HTTP on 127.0.0.1, for interop tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.stores.memory import MemoryPartnerStore
from tests.live import LiveServer


@dataclass
class Party:
    """A served Flask-OCPI application."""

    app: Flask
    ocpi: OCPI
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    def versions_url(self, role: str) -> str:
        return f"{self.url}/ocpi/{role}/versions"

    def partners(self) -> list[Any]:
        with self.app.app_context():
            return self.ocpi.partners()


@contextmanager
def served_party(party_id: str, *, store: PartnerStore | None = None, **config: Any) -> Iterator[Party]:
    """Create and serve an OCPI app for party ``NL-<party_id>`` until the block ends."""
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask(f"party-{party_id}")
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": party_id, "business_details": {"name": f"Party {party_id}"}}],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,  # the parties talk plain HTTP on 127.0.0.1
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        **config,
    )
    ocpi = OCPI(app, partners=store or MemoryPartnerStore())
    holder["app"] = app
    server.start()
    try:
        yield Party(app, ocpi, server)
    finally:
        server.stop()
