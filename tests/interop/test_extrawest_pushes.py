"""Interop with extrawest-ocpi: pushes both ways (locations, tariffs, sessions, CDRs) and commands.

See tests/interop/extrawest.py for the set-up and docs/interop.md, "extrawest-ocpi".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

import pytest

from example_app import demo
from flask_ocpi.client import PartnerError
from flask_ocpi.models import CommandResultType, Location, ModuleID, Role
from tests.interop.conftest import PeerProcess
from tests.interop.extrawest import (
    PEER_EMSP,
    US,
    messages,
    our_party,
    our_token,
    peer_pushes,
    peer_registers,
    peer_requests,
    request_count,
    seeded,
    wait_for,
    we_register,
)

# ----------------------------------------------------------------------------- it pushes to us (its CPO, our eMSP)


def test_extrawest_cpo_pushes_locations_sessions_and_tariffs_to_us(extrawest_cpo: PeerProcess) -> None:
    """py_ocpi PUTs to ``{endpoint url}{country_code}/{party_id}/{id}`` (no separator): it reaches
    our objects because our endpoint URLs end with ``/``, as in the spec's examples."""
    with our_party() as us:
        answer = peer_registers(us, extrawest_cpo, Role.EMSP)
        token_c = answer["body"]["data"]["token"]
        pushed = {
            "locations": peer_pushes(us, extrawest_cpo, "locations", "LOC-2"),
            "tariffs": peer_pushes(us, extrawest_cpo, "tariffs", "TARIFF-2"),
            "sessions": peer_pushes(us, extrawest_cpo, "sessions", "SES-1"),
        }
        assert all(r["status_code"] in (200, 201) and r["response"]["status_code"] == 1000 for r in pushed.values()), (
            f"{pushed}\n{us.exchanges().dump()}"
        )
        puts = [(e.path, e.status[:3]) for e in us.exchanges().exchanges if e.method == "PUT"]
        assert puts == [
            ("/ocpi/emsp/2.1.1/locations/DE/XWC/LOC-2", "201"),
            ("/ocpi/emsp/2.1.1/tariffs/DE/XWC/TARIFF-2", "201"),
            ("/ocpi/emsp/2.1.1/sessions/DE/XWC/SES-1", "201"),
        ], us.exchanges().dump()
        location = us.locations.get("DE", "XWC", "LOC-2")
        tariff = us.tariffs.get("DE", "XWC", "TARIFF-2")
        session = us.sessions.get("DE", "XWC", "SES-1")
    assert token_c  # the pushes above carried it (we answered 201, not 401)
    want = seeded(extrawest_cpo, "locations")["LOC-2"]
    assert location is not None and (location.name, location.city) == (want["name"], want["city"])
    assert [e.uid for e in location.evses] == ["LOC-2-E1"]
    assert tariff is not None and tariff.elements[0].price_components[0].step_size == 300
    assert session is not None and session.kwh == Decimal("12.5") and session.status.value == "COMPLETED"
    assert session.location is not None and session.location.id == "LOC-1"


def test_extrawest_cdr_push_with_end_date_time_is_accepted(extrawest_cpo: PeerProcess) -> None:
    """Its CDR carries ``end_date_time`` instead of 2.1.1's ``stop_date_time``: tolerated (logged)."""
    with our_party() as us:
        peer_registers(us, extrawest_cpo, Role.EMSP)
        response = peer_pushes(us, extrawest_cpo, "cdrs", "CDR-1")
        assert response["status_code"] == 201  # HTTP; the package keeps only the headers of a CDR push answer
        (exchange,) = us.exchanges().find("POST", "/ocpi/emsp/2.1.1/cdrs")
        assert exchange.path == "/ocpi/emsp/2.1.1/cdrs/" and exchange.status.startswith("201")
        assert exchange.body["status_code"] == 1000
        assert us.cdrs.count() == 1


# ----------------------------------------------------------------------------- we push to it (our CPO, its eMSP)


def test_we_push_locations_tariffs_and_sessions_to_extrawest_emsp(
    extrawest_emsp: PeerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """Stored by it under NL/ABC; read back, each comes wrapped in a list (taken, with a warning)."""
    caplog.set_level(logging.WARNING, "flask_ocpi")
    with our_party() as us:
        location = demo.location(US, 1)
        us.own_locations.save(location)
        tariff = demo.tariffs(US)[0]
        session, _ = demo.session_and_cdr(US, PEER_EMSP, location, 1)
        partner = we_register(us, extrawest_emsp, Role.CPO)
        with us.client() as client:
            client.put_location(location)
            client.put_tariff(tariff)
            client.put_session(session)
            assert not caplog.records
            back = (client.get_location(location.id), client.get_tariff(tariff.id), client.get_session(session.id))
    received = {
        (r["module"], r["id"]): r
        for r in extrawest_emsp.call("GET", "/_control/state")["received"]
        if (r["country_code"], r["party_id"]) == ("NL", "ABC")
    }
    assert {("locations", location.id), ("tariffs", tariff.id), ("sessions", session.id)} <= set(received)
    got = received[("locations", location.id)]["object"]
    assert [e["uid"] for e in got["evses"]] == [e.uid for e in location.evses]
    assert received[("sessions", session.id)]["object"]["location"]["id"] == location.id
    back_location, back_tariff, back_session = back
    assert isinstance(back_location, Location) and back_location.id == location.id
    assert [e.uid for e in back_location.evses] == [e.uid for e in location.evses]
    assert back_tariff is not None and back_tariff.id == tariff.id
    assert back_session is not None and (back_session.id, back_session.kwh) == (session.id, session.kwh)
    assert messages(caplog.records) == [
        f"Partner {partner.id} answered {what} wrapped in a list; using its one element"
        for what in ("a location", "a tariff", "a session")
    ]


def test_we_post_cdrs_to_the_advertised_extrawest_url(extrawest_emsp: PeerProcess) -> None:
    """We POST to the CDRs endpoint URL exactly as advertised (``.../cdrs/``); the peer then
    refuses any 2.1.1 CDR (HTTP 422: its schema wants ``end_date_time``)."""
    with our_party() as us:
        location = demo.location(US, 1)
        us.own_locations.save(location)
        _, cdr = demo.session_and_cdr(US, PEER_EMSP, location, 1)
        cdr = replace(
            cdr,
            location=replace(location, evses=[replace(location.evses[0], connectors=location.evses[0].connectors[:1])]),
        )
        partner = we_register(us, extrawest_emsp, Role.CPO)
        advertised = partner.endpoint(ModuleID.CDRS)
        assert advertised is not None and advertised.url.endswith("/cdrs/")
        before = request_count(extrawest_emsp)
        with us.client() as client, pytest.raises(PartnerError) as failure:
            client.post_cdr(cdr)
    assert (failure.value.http_status, failure.value.url) == (422, advertised.url)
    posted = peer_requests(extrawest_emsp, "POST", "/cdrs", since=before)
    assert [(r["url"], r["status"]) for r in posted] == [(advertised.url, 422)]


# ----------------------------------------------------------------------------- commands (our eMSP, its CPO)


def test_extrawest_cpo_does_not_advertise_its_commands_endpoint(extrawest_cpo: PeerProcess) -> None:
    extrawest_cpo.call("POST", "/_control/endpoints", json={"commands": False})
    with our_party() as us:
        partner = we_register(us, extrawest_cpo, Role.EMSP)
        assert partner.endpoint(ModuleID.COMMANDS) is None
        with us.client() as client, pytest.raises(LookupError, match="offers no commands endpoint"):
            client.start_session(token=our_token(), location_id="LOC-1")


def test_start_session_at_extrawest_is_accepted_and_its_result_arrives(
    extrawest_cpo: PeerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """With the commands endpoint advertised (harness workaround), the command reaches it
    intact; its answer ``data: [CommandResponse]`` is taken (with a warning) as ACCEPTED, and
    its asynchronous result reaches our ``response_url`` and our backend."""
    extrawest_cpo.call("POST", "/_control/endpoints", json={"commands": True})
    caplog.set_level(logging.WARNING, "flask_ocpi")
    with our_party() as us:
        partner = we_register(us, extrawest_cpo, Role.EMSP)
        with us.client() as client:
            sent = client.start_session(token=our_token(), location_id="LOC-1", evse_uid="LOC-1-E1")
            assert sent.accepted
            result = client.wait_for_result(sent.record.id, timeout=5.0)
        assert result is not None and result.result is CommandResultType.ACCEPTED
        assert [command_id for command_id, _ in us.results.results] == [sent.record.id]
        (command,) = [c for c in extrawest_cpo.call("GET", "/_control/state")["commands"] if us.url in str(c)]
        body = command["body"]
        assert command["command"] == "START_SESSION"
        assert (body["location_id"], body["evse_uid"]) == ("LOC-1", "LOC-1-E1")
        assert (body["token"]["uid"], body["token"]["auth_id"], body["token"]["type"]) == (
            "AABB0011",
            "NL-ABC-C00001",
            "RFID",
        )
        assert body["response_url"] == f"{us.url}/ocpi/emsp/2.1.1/commands/START_SESSION/{sent.record.id}"
        results = wait_for(lambda: us.exchanges().find("POST", "/commands/START_SESSION/"))
        assert [r.body["status_code"] for r in results] == [1000], us.exchanges().dump()
    assert messages(caplog.records) == [
        f"Partner {partner.id} answered a CommandResponse wrapped in a list; using its one element"
    ]
