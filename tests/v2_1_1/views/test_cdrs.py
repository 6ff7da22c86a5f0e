"""OCPI 2.1.1 CDRs views: CPO sender (GET list) and eMSP receiver (POST, GET of the Location URL)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.models import CdrLocation, ConnectorFormat, ConnectorType, PartyKey, PowerType, Price, Role
from tests.v2_1_1.views import (
    CPO,
    EMSP,
    NOT_AN_OBJECT,
    OTHER,
    PARTNER_CPO,
    PARTNER_EMSP,
    US,
    Connection,
    assert_envelope,
    captured,
    cdr_json,
    connect,
)
from tests.v2_1_1.views.fakes import (
    WHEN,
    FakeCdrsReceiver,
    FakeCdrsSender,
    FakeLocationsReceiver,
    FakeLocationsSender,
    make_cdr,
    make_cdr_token,
    make_location,
)

MakeApp = Callable[..., Flask]

# --- CPO sender ------------------------------------------------------------------------------------


@pytest.fixture
def sender() -> FakeCdrsSender:
    return FakeCdrsSender([make_cdr(f"CDR{i}", last_updated=WHEN + timedelta(hours=i)) for i in range(3)])


@pytest.fixture
def cpo(make_app: MakeApp, sender: FakeCdrsSender) -> Connection:
    return connect(make_app, sender, tree=Role.CPO)


@pytest.mark.parametrize("slash", ["", "/"])
def test_list_answers_the_callers_cdrs(cpo: Connection, sender: FakeCdrsSender, slash: str) -> None:
    response = cpo.call("GET", f"{CPO}/cdrs{slash}?limit=2&date_to=2016-01-01T00:00:00Z")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert [c["id"] for c in body["data"]] == ["CDR0", "CDR1"]
    first = body["data"][0]
    assert (first["auth_id"], first["stop_date_time"], first["total_cost"]) == (
        "DE8ACC12E46L89",
        "2015-06-29T22:39:09Z",
        4,
    )
    assert first["tariffs"][0]["id"] == "12"
    assert response.headers["X-Total-Count"] == "3"
    assert "offset=2" in response.headers["Link"] and "date_to=2016-01-01T00%3A00%3A00Z" in response.headers["Link"]
    assert sender.kwargs[0]["partner"].id == cpo.partner.id


def test_list_parameters_are_validated(cpo: Connection, sender: FakeCdrsSender) -> None:
    assert_envelope(cpo.call("GET", f"{CPO}/cdrs?offset=x"), http_status=200, status_code=2001)
    assert sender.calls == []


def test_cdrs_of_other_parties_tokens_are_dropped_and_logged(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    leaked = make_cdr("LEAK", cdr_token=make_cdr_token(OTHER.country_code, OTHER.party_id))
    cpo = connect(make_app, FakeCdrsSender([make_cdr("A"), leaked, make_cdr("B")], leak=True), tree=Role.CPO)
    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        body = assert_envelope(cpo.call("GET", f"{CPO}/cdrs"), http_status=200, status_code=1000)
    assert [c["id"] for c in body["data"]] == ["A", "B"]
    assert any("LEAK" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_a_cdr_without_location_is_completed_from_its_cdr_location(make_app: MakeApp) -> None:
    where = CdrLocation(
        id="LOC1",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        country="BEL",
        coordinates=make_location().coordinates,
        evse_uid="3257",
        evse_id="BE-BEC-E041503257",
        connector_id="2",
        connector_standard=ConnectorType.IEC_62196_T2,
        connector_format=ConnectorFormat.SOCKET,
        connector_power_type=PowerType.AC_3_PHASE,
    )
    locations = FakeLocationsSender([make_location(country_code="NL", party_id="ABC")])
    cpo = connect(make_app, FakeCdrsSender([make_cdr(location=None, cdr_location=where)]), locations, tree=Role.CPO)
    body = assert_envelope(cpo.call("GET", f"{CPO}/cdrs"), http_status=200, status_code=1000)
    evses = body["data"][0]["location"]["evses"]
    assert [(e["uid"], [c["id"] for c in e["connectors"]]) for e in evses] == [("3257", ["2"])]


def test_a_cdr_with_no_location_at_all_is_3000(make_app: MakeApp) -> None:
    cpo = connect(make_app, FakeCdrsSender([make_cdr("BARE", location=None)]), tree=Role.CPO)
    body = assert_envelope(cpo.call("GET", f"{CPO}/cdrs"), http_status=500, status_code=3000)
    assert "BARE" in body["status_message"]


# --- eMSP receiver -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> FakeCdrsReceiver:
    return FakeCdrsReceiver()


@pytest.fixture
def emsp(make_app: MakeApp, receiver: FakeCdrsReceiver) -> Connection:
    return connect(make_app, receiver, tree=Role.EMSP)


LOCATION = "http://localhost/ocpi/emsp/2.1.1/cdrs/DE/CPO/12345"


@pytest.mark.parametrize("slash", ["", "/"])
def test_post_stores_the_cdr_answers_201_with_location_and_signals(
    emsp: Connection, receiver: FakeCdrsReceiver, slash: str
) -> None:
    with captured(signals.cdr_received, emsp.app) as sent:
        response = emsp.call("POST", f"{EMSP}/cdrs{slash}", json=cdr_json())
    assert_envelope(response, http_status=201, status_code=1000)
    assert response.headers["Location"] == LOCATION
    cdr = receiver.stored[("DE", "CPO", "12345")]
    assert (cdr.country_code, cdr.party_id, cdr.total_cost) == ("DE", "CPO", Price(excl_vat=Decimal("4.00")))
    assert (cdr.cdr_token.country_code, cdr.cdr_token.party_id) == (US.country_code, US.party_id)
    assert [t.party_id for t in cdr.tariffs] == ["CPO"]
    assert len(sent) == 1 and sent[0]["cdr"] is cdr and sent[0]["partner"].id == emsp.partner.id
    assert set(sent[0]) == {"partner", "cdr"}


def test_reposting_a_known_cdr_is_200_same_location_no_signal(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    assert_envelope(emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json()), http_status=201, status_code=1000)
    first = receiver.stored[("DE", "CPO", "12345")]
    with captured(signals.cdr_received, emsp.app) as sent:
        response = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json(total_cost=99))
    assert_envelope(response, http_status=200, status_code=1000)
    assert response.headers["Location"] == LOCATION
    assert sent == [] and receiver.stored[("DE", "CPO", "12345")] is first


def test_the_location_url_serves_the_cdr(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    url = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json()).headers["Location"]
    body = assert_envelope(emsp.call("GET", url), http_status=200, status_code=1000)
    assert body["data"]["id"] == "12345" and body["data"]["auth_id"] == "DE8ACC12E46L89"
    assert body["data"]["location"]["evses"][0]["connectors"][0]["id"] == "1"
    assert_envelope(emsp.call("GET", url + "/"), http_status=200, status_code=1000)
    assert_envelope(emsp.call("GET", f"{EMSP}/cdrs/DE/CPO/NOPE"), http_status=404, status_code=2000)


def test_only_the_owning_partner_reads_a_cdr(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    url = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json()).headers["Location"]
    receiver.calls.clear()
    other = emsp.add_partner(Role.EMSP, [PartyKey("FR", "ALT")])  # OTHER is another connection's already
    assert_envelope(emsp.call("GET", url, headers=other), http_status=404, status_code=2000)
    mine_in_their_namespace = f"{EMSP}/cdrs/{OTHER.country_code}/{OTHER.party_id}/12345"
    assert_envelope(emsp.call("GET", mine_in_their_namespace), http_status=404, status_code=2000)
    assert receiver.calls == []


def test_a_cdr_id_with_odd_characters_round_trips(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    response = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json(id="A/B C?#"))
    assert_envelope(response, http_status=201, status_code=1000)
    assert response.headers["Location"] == "http://localhost/ocpi/emsp/2.1.1/cdrs/DE/CPO/A%2FB%20C%3F%23"
    body = assert_envelope(emsp.call("GET", response.headers["Location"]), http_status=200, status_code=1000)
    assert body["data"]["id"] == "A/B C?#"


def test_location_header_follows_ocpi_base_url(make_app: MakeApp) -> None:
    emsp = connect(make_app, FakeCdrsReceiver(), tree=Role.EMSP, config={"OCPI_BASE_URL": "https://ocpi.example.com"})
    response = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json())
    assert response.headers["Location"] == "https://ocpi.example.com/ocpi/emsp/2.1.1/cdrs/DE/CPO/12345"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (cdr_json(id="x" * 37), "id"),
        (cdr_json(total_cost=None), "total_cost"),
        (cdr_json(charging_periods=[]), "charging_periods"),
        (cdr_json(auth_method="COMMAND"), "auth_method"),
        (cdr_json(stop_date_time="tomorrow"), "stop_date_time"),
        (cdr_json(tariffs=[{"id": "12"}]), "tariffs"),
        (cdr_json(location=None), "location"),
    ],
)
def test_invalid_cdr_is_2001_and_not_stored(
    emsp: Connection, receiver: FakeCdrsReceiver, body: dict[str, Any], field: str
) -> None:
    with captured(signals.cdr_received, emsp.app) as sent:
        response = emsp.call("POST", f"{EMSP}/cdrs", json=body)
    answer = assert_envelope(response, http_status=200, status_code=2001)
    assert field in answer["status_message"] and "Location" not in response.headers
    assert receiver.calls == [] and sent == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
def test_bodies_that_are_not_objects_are_2001(emsp: Connection, receiver: FakeCdrsReceiver, body: Any) -> None:
    assert_envelope(emsp.call("POST", f"{EMSP}/cdrs", json=body), http_status=200, status_code=2001)
    assert receiver.calls == []


def test_broken_json_is_400(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    assert_envelope(emsp.call("POST", f"{EMSP}/cdrs", data="{"), http_status=400, status_code=2001)
    assert_envelope(emsp.call("POST", f"{EMSP}/cdrs"), http_status=200, status_code=2001)
    assert receiver.calls == []


def test_cdrs_cannot_be_replaced_patched_or_deleted(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    url = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json()).headers["Location"]
    for method in ("PUT", "PATCH", "DELETE"):
        response = emsp.call(method, url, json=cdr_json())
        assert_envelope(response, http_status=405, status_code=2000)
        assert response.headers["Allow"] == "GET"
    assert_envelope(emsp.call("GET", f"{EMSP}/cdrs"), http_status=405, status_code=2000)


def test_cdr_id_in_url_over_36_characters_is_2001(emsp: Connection, receiver: FakeCdrsReceiver) -> None:
    body = assert_envelope(emsp.call("GET", f"{EMSP}/cdrs/DE/CPO/{'C' * 37}"), http_status=200, status_code=2001)
    assert "cdr_id" in body["status_message"]
    assert receiver.calls == []


def test_a_stored_cdr_without_location_uses_the_received_locations(make_app: MakeApp) -> None:
    cdrs, locations = FakeCdrsReceiver(), FakeLocationsReceiver()
    emsp = connect(make_app, cdrs, locations, tree=Role.EMSP)
    posted = emsp.call("POST", f"{EMSP}/cdrs", json=cdr_json())
    stored = cdrs.stored[("DE", "CPO", "12345")]
    cdrs.stored[("DE", "CPO", "12345")] = dataclasses.replace(stored, location=None)
    assert_envelope(emsp.call("GET", posted.headers["Location"]), http_status=500, status_code=3000)
    locations.stored[("DE", "CPO", "LOC1")] = make_location()
    body = assert_envelope(emsp.call("GET", posted.headers["Location"]), http_status=200, status_code=1000)
    assert [e["uid"] for e in body["data"]["location"]["evses"]] == ["3256"]


# --- version details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_version_details_list_each_interface_on_its_tree(make_app: MakeApp, slash: str) -> None:
    both = connect(make_app, FakeCdrsSender([make_cdr()]), FakeCdrsReceiver(), tree=Role.CPO, parties=[PARTNER_EMSP])
    emsp_headers = both.add_partner(Role.EMSP, [PARTNER_CPO])
    for tree, headers in (("cpo", both.headers), ("emsp", emsp_headers)):
        details = both.call("GET", f"/ocpi/{tree}/2.1.1", headers=headers).get_json()["data"]["endpoints"]
        assert {"identifier": "cdrs", "url": f"http://localhost/ocpi/{tree}/2.1.1/cdrs/"} in details
    assert_envelope(both.call("GET", f"{CPO}/cdrs{slash}"), http_status=200, status_code=1000)
    posted = both.call("POST", f"{EMSP}/cdrs{slash}", json=cdr_json(), headers=emsp_headers)
    assert_envelope(posted, http_status=201, status_code=1000)


def test_openapi_documents_both_interfaces(make_app: MakeApp) -> None:
    app = make_app(backends=[FakeCdrsSender(), FakeCdrsReceiver()])
    paths = app.test_client().get("/ocpi/docs/openapi.json").get_json()["paths"]
    assert set(paths[f"{CPO}/cdrs"]) == {"get"}
    assert set(paths[f"{EMSP}/cdrs"]) == {"post"}
    assert {"200", "201"} <= set(paths[f"{EMSP}/cdrs"]["post"]["responses"])
    assert set(paths[f"{EMSP}/cdrs/{{country_code}}/{{party_id}}/{{cdr_id}}"]) - {"parameters"} == {"get"}
