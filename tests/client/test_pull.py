"""Pulling a partner's lists over real HTTP: Link, offset fallback, broken Links, bad objects."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, Response, request

from example_app.demo import location as demo_location
from flask_ocpi import OCPI
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    ModuleID,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.live import LiveServer, serve

CPO = PartyKey("NL", "CPO")
TOKEN = "our-token-at-the-cpo"
BUSINESS = BusinessDetails(name="Party")


def _valid(number: int, prefix: str) -> Any:
    """A valid 2.1.1 location of the CPO with id ``{prefix}{number:02d}``."""
    location = demo_location(CPO, number + 1)
    location.id = f"{prefix}{number:02d}"
    return location


def their_cpo(locations_url: str) -> Partner:
    """How our eMSP side knows a registered CPO partner."""
    return Partner(
        id="cpo",
        local_party=PartyKey("NL", "ABC"),
        local_role=Role.EMSP,
        status=PartnerStatus.REGISTERED,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.CPO, country_code="NL", party_id="CPO", business_details=BusinessDetails(name="C")
            )
        ],
        endpoints=[Endpoint(identifier="locations", url=locations_url)],
        outbound_token=TOKEN,
    )


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()  # our side: outbound http/loopback allowed for the tests' 127.0.0.1 peers


def pull(app: Flask, url: str, **kwargs: Any) -> list[Any]:
    with app.app_context():
        return list(PartnerClient.connect(their_cpo(url)).pull(ModuleID.LOCATIONS, **kwargs))


def test_pull_follows_link_headers_of_a_flask_ocpi_cpo(app: Flask) -> None:
    store = MemoryLocations()
    store.save_many(_valid(n, "L") for n in range(23))
    with _cpo_with([store.sender()]) as url:
        got = pull(app, url, limit=50)
    assert [loc.id for loc in got] == [f"L{n:02d}" for n in range(23)]
    assert all(loc.country_code == "NL" and loc.party_id == "CPO" for loc in got)


class _Peer:
    """A CPO stand-in answering a list of 25 locations in pages of 10, with bendable headers."""

    def __init__(self, *, link: str = "good", total: bool = True, bad_index: int | None = None) -> None:
        self.link, self.total, self.bad_index = link, total, bad_index
        self.requests: list[str] = []

    def app(self) -> Flask:
        peer = Flask("peer")
        items = [dump_location(_valid(n, "P")) for n in range(25)]
        if self.bad_index is not None:
            items[self.bad_index] = {**items[self.bad_index], "coordinates": {"latitude": "north"}}

        @peer.get("/locations")
        def locations() -> Response:
            assert request.headers["Authorization"] == f"Token {TOKEN}"
            self.requests.append(request.full_path)
            offset, limit = int(request.args.get("offset", 0)), min(int(request.args.get("limit", 10)), 10)
            page = items[offset : offset + limit]
            headers = {"X-Limit": str(limit)}
            if self.total:
                headers["X-Total-Count"] = str(len(items))
            if offset + limit < len(items):
                if self.link == "good":
                    headers["Link"] = f'<{request.host_url}locations?offset={offset + limit}&limit={limit}>; rel="next"'
                elif self.link == "loop":
                    headers["Link"] = f'<{request.host_url}locations?offset={offset}&limit={limit}>; rel="next"'
                elif self.link == "elsewhere":  # another origin: our token must not go there
                    headers["Link"] = f'<https://127.0.0.2:9/locations?offset={offset + limit}>; rel="next"'
                elif self.link == "relative":
                    headers["Link"] = f'</locations?offset={offset + limit}>; rel="next"'
            body = {"data": page, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
            return Response(json.dumps(body, default=float), headers=headers, mimetype="application/json")

        return peer


@pytest.mark.parametrize(
    ("link", "total"),
    [("good", True), ("none", True), ("loop", True), ("relative", True), ("elsewhere", True), ("none", False)],
)
def test_pull_pages_through_any_partner(app: Flask, link: str, total: bool) -> None:
    peer = _Peer(link=link, total=total)
    with serve(peer.app()) as server:
        got = pull(app, f"{server.url}/locations")
    assert [loc.id for loc in got] == [f"P{n:02d}" for n in range(25)]
    assert len(peer.requests) <= 4  # three pages (plus at most one repeat for a looping Link)


def test_an_invalid_object_is_logged_and_skipped(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    peer = _Peer(bad_index=12)
    caplog.set_level(logging.WARNING, "flask_ocpi")
    with serve(peer.app()) as server:
        got = pull(app, f"{server.url}/locations")
    assert [loc.id for loc in got] == [f"P{n:02d}" for n in range(25) if n != 12]
    assert any("P12" in r.getMessage() and "skipping" in r.getMessage() for r in caplog.records)


def test_filters_are_sent(app: Flask) -> None:
    from datetime import UTC, datetime

    peer = _Peer()
    with serve(peer.app()) as server:
        pull(app, f"{server.url}/locations", date_from=datetime(2026, 1, 1, tzinfo=UTC))
    assert "date_from=2026-01-01T00%3A00%3A00Z" in peer.requests[0]


@contextmanager
def _cpo_with(backends: list[Any]) -> Iterator[str]:
    """A Flask-OCPI CPO serving ``backends`` and accepting TOKEN; yields its locations URL."""
    partners = MemoryPartnerStore()
    partners.add(
        partner=Partner(
            id="emsp",
            local_party=CPO,
            local_role=Role.CPO,
            status=PartnerStatus.REGISTERED,
            roles=[
                CredentialsRole(
                    role=Role.EMSP, country_code="NL", party_id="ABC", business_details=BusinessDetails(name="E")
                )
            ],
            grants=[TokenGrant(token_hash=hash_token(TOKEN), scope=TokenScope.FULL)],
        )
    )
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    cpo = Flask("cpo")
    cpo.config.update(
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "CPO", "business_details": {"name": "C"}}],
        OCPI_BASE_URL=server.url,
        OCPI_MAX_PAGE_SIZE=10,
        OCPI_DEFAULT_PAGE_SIZE=10,
    )
    OCPI(cpo, partners=partners, backends=backends)
    holder["app"] = cpo
    server.start()
    try:
        yield f"{server.url}/ocpi/cpo/2.1.1/locations"
    finally:
        server.stop()
