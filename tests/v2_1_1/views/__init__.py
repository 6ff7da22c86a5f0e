"""Tests of the OCPI 2.1.1 module views, and the helpers they share.

``connect()`` builds a host application with fake backends and one REGISTERED partner
whose parties the test chooses (a CPO on our eMSP tree, an eMSP on our CPO tree);
``captured()`` records a signal's kwargs; the ``*_json`` builders give valid 2.1.1 bodies.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from blinker import Signal
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token, new_token

CPO = "/ocpi/cpo/2.1.1"
EMSP = "/ocpi/emsp/2.1.1"

#: Our party (tests/conftest.py's OCPI_PARTIES).
US = PartyKey("NL", "ABC")
#: The partner's party: a CPO pushing to our eMSP tree, or an eMSP calling our CPO tree.
PARTNER_CPO = PartyKey("DE", "CPO")
PARTNER_EMSP = PartyKey("DE", "XYZ")
#: A party of another connection.
OTHER = PartyKey("FR", "OTH")

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass
class Connection:
    """A host app and a partner connected to one of its role trees."""

    app: Flask
    client: FlaskClient
    store: MemoryPartnerStore
    partner: Partner
    headers: dict[str, str]

    def call(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.open(path, method=method, headers=headers or self.headers, **kwargs)

    def add_partner(self, tree: Role, parties: Iterable[PartyKey]) -> dict[str, str]:
        """Register another partner on ``tree``; its Authorization header."""
        _, headers = _register(self.store, tree, parties)
        return headers


def _register(store: MemoryPartnerStore, tree: Role, parties: Iterable[PartyKey]) -> tuple[Partner, dict[str, str]]:
    token = new_token()
    theirs = Role.CPO if tree is Role.EMSP else Role.EMSP
    partner = Partner(
        id=f"partner-{uuid.uuid4().hex[:8]}",
        local_party=US,
        status=PartnerStatus.REGISTERED,
        local_role=tree,
        name="partner",
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=theirs,
                country_code=p.country_code,
                party_id=p.party_id,
                business_details=BusinessDetails(name=f"Party {p}"),
            )
            for p in parties
        ],
        outbound_token=new_token(),
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
    )
    store.add(partner=partner)
    return partner, {"Authorization": f"Token {token}"}


def connect(
    make_app: Callable[..., Flask],
    *backends: ModuleBackend,
    tree: Role,
    parties: Iterable[PartyKey] | None = None,
    config: dict[str, Any] | None = None,
) -> Connection:
    """An app with ``backends`` and a partner on our ``tree`` (default party: DE-CPO / DE-XYZ)."""
    store = MemoryPartnerStore()
    app = make_app(config, partners=store, backends=backends)
    if parties is None:
        parties = [PARTNER_CPO if tree is Role.EMSP else PARTNER_EMSP]
    partner, headers = _register(store, tree, parties)
    # Another connection owning OTHER, so that "another party's namespace" is a real party.
    _register(store, tree, [OTHER])
    return Connection(app, app.test_client(), store, partner, headers)


def assert_envelope(response: Any, *, http_status: int, status_code: int) -> dict[str, Any]:
    """The envelope of ``response``, checked for its HTTP status, OCPI status and shape."""
    assert response.status_code == http_status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["status_code"] == status_code, body
    assert TIMESTAMP.match(body["timestamp"]), body
    if status_code != 1000:
        assert "data" not in body, body
    return body


@contextmanager
def captured(signal: Signal, app: Flask) -> Iterator[list[dict[str, Any]]]:
    """The kwargs of every ``signal`` sent by ``app`` inside the block."""
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        assert sender is app
        received.append(kwargs)

    signal.connect(receiver, app)
    try:
        yield received
    finally:
        signal.disconnect(receiver, app)


# --- valid 2.1.1 bodies ------------------------------------------------------------------------------

_CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "CABLE",
    "power_type": "AC_3_PHASE",
    "voltage": 220,
    "amperage": 16,
    "tariff_id": "11",
    "last_updated": "2015-03-16T10:10:02Z",
}

_EVSE: dict[str, Any] = {
    "uid": "3256",
    "evse_id": "BE-BEC-E041503001",
    "status": "AVAILABLE",
    "capabilities": ["RESERVABLE"],
    "connectors": [_CONNECTOR, {**_CONNECTOR, "id": "2", "format": "SOCKET"}],
    "physical_reference": "1",
    "floor_level": "-1",
    "last_updated": "2015-06-28T08:12:01Z",
}

_LOCATION: dict[str, Any] = {
    "id": "LOC1",
    "type": "ON_STREET",
    "name": "Gent Zuid",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "evses": [_EVSE, {**_EVSE, "uid": "3257", "evse_id": "BE-BEC-E041503002", "status": "RESERVED"}],
    "operator": {"name": "BeCharged"},
    "last_updated": "2015-06-29T20:39:09Z",
}


def connector_json(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_CONNECTOR), **changes}


def evse_json(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_EVSE), **changes}


def location_json(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_LOCATION), **changes}


def _embedded_location() -> dict[str, Any]:
    return location_json(evses=[evse_json(connectors=[connector_json()])])


def session_json(**changes: Any) -> dict[str, Any]:
    body = {
        "id": "101",
        "start_datetime": "2015-06-29T22:39:09Z",
        "kwh": 0.00,
        "auth_id": "DE8ACC12E46L89",
        "auth_method": "WHITELIST",
        "location": _embedded_location(),
        "currency": "EUR",
        "total_cost": 2.50,
        "status": "PENDING",
        "last_updated": "2015-06-29T22:39:09Z",
    }
    return {**body, **changes}


def tariff_json(**changes: Any) -> dict[str, Any]:
    body = {
        "id": "12",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "TIME", "price": 2.00, "step_size": 300}]}],
        "last_updated": "2015-06-29T20:39:09Z",
    }
    return {**body, **changes}


def cdr_json(**changes: Any) -> dict[str, Any]:
    body = {
        "id": "12345",
        "start_date_time": "2015-06-29T21:39:09Z",
        "stop_date_time": "2015-06-29T23:37:32Z",
        "auth_id": "DE8ACC12E46L89",
        "auth_method": "WHITELIST",
        "location": _embedded_location(),
        "currency": "EUR",
        "tariffs": [tariff_json()],
        "charging_periods": [
            {"start_date_time": "2015-06-29T21:39:09Z", "dimensions": [{"type": "TIME", "volume": 1.973}]}
        ],
        "total_cost": 4.00,
        "total_energy": 15.342,
        "total_time": 1.973,
        "last_updated": "2015-06-29T22:01:13Z",
    }
    return {**body, **changes}


def token_json(**changes: Any) -> dict[str, Any]:
    body = {
        "uid": "012345678",
        "type": "RFID",
        "auth_id": "DE8ACC12E46L89",
        "visual_number": "DF000-2001-8999",
        "issuer": "TheNewMotion",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2015-06-29T22:39:09Z",
    }
    return {**body, **changes}


#: Bodies that are JSON but not an object of the module: each must be answered 2001.
NOT_AN_OBJECT: list[Any] = [[], [{"id": "x"}], "text", 12, True]
