"""Tolerant in what we receive: partners that wrap single objects in lists, answer
commands unreadably, or join our endpoint URLs with doubled slashes."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, Response

from example_app.demo import location as demo_location
from example_app.demo import tokens
from flask_ocpi import OCPI
from flask_ocpi.client import PartnerClient, PartnerError, PartnerUnreachable
from flask_ocpi.models import (
    BusinessDetails,
    CommandResponseType,
    CredentialsRole,
    Endpoint,
    Location,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
)
from flask_ocpi.stores.memory import MemoryCommandStore, MemoryPartnerStore
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.live import serve
from tests.roaming import CommandResults, roaming

CPO = PartyKey("NL", "CPO")
EMSP = PartyKey("NL", "ABC")


class _Peer:
    """A CPO stand-in whose answers the test chooses."""

    def __init__(self, command_answer: Any) -> None:
        self.command_answer = command_answer

    def app(self) -> Flask:
        peer = Flask("peer")

        @peer.get("/locations/<location_id>")
        def location(location_id: str) -> Response:
            data = [dump_location(demo_location(CPO, 1))]  # wrapped in a list
            return Response(json.dumps({"data": data, "status_code": 1000}, default=float), mimetype="application/json")

        @peer.post("/commands/<command>")
        def command(command: str) -> Response:
            if self.command_answer == "slow":
                time.sleep(1.0)  # longer than the caller's OCPI_OUTBOUND_TIMEOUT
            body = {"data": self.command_answer, "status_code": 1000}
            return Response(json.dumps(body), mimetype="application/json")

        return peer


@pytest.fixture
def emsp() -> Flask:
    app = Flask("emsp")
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "E"}}],
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_BASE_URL="http://127.0.0.1:1",  # where the CPO would POST results (never, here)
    )
    OCPI(app, partners=MemoryPartnerStore(), commands=MemoryCommandStore(), backends=[CommandResults()])
    return app


def _cpo(url: str) -> Partner:
    return Partner(
        id="cpo",
        local_party=EMSP,
        local_role=Role.EMSP,
        status=PartnerStatus.REGISTERED,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.CPO, country_code="NL", party_id="CPO", business_details=BusinessDetails(name="C")
            )
        ],
        endpoints=[
            Endpoint(identifier="locations", url=f"{url}/locations/"),
            Endpoint(identifier="commands", url=f"{url}/commands/"),
        ],
        outbound_token="t",
    )


@pytest.fixture
def peer_url() -> Iterator[tuple[_Peer, str]]:
    peer = _Peer([{"result": "ACCEPTED"}])
    with serve(peer.app()) as server:
        yield peer, server.url


def test_single_objects_wrapped_in_a_list_are_accepted(emsp: Flask, peer_url: tuple[_Peer, str]) -> None:
    _, url = peer_url
    with emsp.app_context():
        client = PartnerClient.connect(_cpo(url))
        got = client.get_location("LOC000001")
        sent = client.start_session(token=tokens(EMSP)[0], location_id="LOC000001")
    assert isinstance(got, Location) and got.id == "LOC000001"
    assert sent.response.result is CommandResponseType.ACCEPTED


def test_an_unreadable_command_answer_leaves_the_command_pending(emsp: Flask, peer_url: tuple[_Peer, str]) -> None:
    peer, url = peer_url
    peer.command_answer = {"result": "MAYBE"}
    store = emsp.extensions["ocpi"].commands
    with emsp.app_context(), pytest.raises(PartnerError, match="awaits its result") as caught:
        PartnerClient.connect(_cpo(url)).start_session(token=tokens(EMSP)[0], location_id="LOC000001")
    command_id = caught.value.message.split("command ")[1].split(" ")[0]
    record = store.get(command_id=command_id)
    assert record is not None and record.result is None  # its result (or a TIMEOUT) will settle it


def test_a_command_without_an_answer_stays_pending(emsp: Flask, peer_url: tuple[_Peer, str]) -> None:
    """A read timeout: the CPO may have accepted it, so its result (or a TIMEOUT) must still count."""
    peer, url = peer_url
    peer.command_answer = "slow"
    emsp.extensions["ocpi"].config = dataclasses.replace(emsp.extensions["ocpi"].config, outbound_timeout=0.2)
    store = emsp.extensions["ocpi"].commands
    with emsp.app_context(), pytest.raises(PartnerUnreachable):
        PartnerClient.connect(_cpo(url)).start_session(token=tokens(EMSP)[0], location_id="LOC000001")
    (record,) = store._records.values()
    assert record.result is None


def test_doubled_slashes_from_a_partner_are_served() -> None:
    with roaming() as (cpo, emsp):
        cpo.locations.save(demo_location(PartyKey("NL", "CPO"), 1))
        partner = emsp.partner()
        (endpoint,) = [e for e in partner.endpoints if e.identifier == "locations"]
        assert endpoint.url.endswith("/locations/")  # advertised with a trailing slash, as in the spec
        answer = requests.get(
            endpoint.url + "/LOC000001", headers={"Authorization": f"Token {partner.outbound_token}"}, timeout=5
        )
    assert answer.status_code == 200 and answer.json()["data"]["id"] == "LOC000001"
