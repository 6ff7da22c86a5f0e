"""OCPI 2.1.1 locations views: CPO sender (GET list/objects) and eMSP receiver (GET/PUT/PATCH)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.models import ConnectorType, Location, PowerType, Role, Status
from tests.v2_1_1.views import (
    CPO,
    EMSP,
    NOT_AN_OBJECT,
    OTHER,
    PARTNER_CPO,
    Connection,
    assert_envelope,
    captured,
    connect,
    connector_json,
    evse_json,
    location_json,
)
from tests.v2_1_1.views.fakes import (
    WHEN,
    FakeLocationsReceiver,
    FakeLocationsSender,
    make_connector,
    make_evse,
    make_location,
)

MakeApp = Callable[..., Flask]

# --- CPO sender ------------------------------------------------------------------------------------


@pytest.fixture
def sender() -> FakeLocationsSender:
    return FakeLocationsSender(
        [make_location(f"LOC{i}", last_updated=WHEN + timedelta(days=i)) for i in range(1, 4)],
    )


@pytest.fixture
def cpo(make_app: MakeApp, sender: FakeLocationsSender) -> Connection:
    return connect(make_app, sender, tree=Role.CPO)


def test_list_answers_the_locations_in_2_1_1_form(cpo: Connection, sender: FakeLocationsSender) -> None:
    body = assert_envelope(cpo.call("GET", f"{CPO}/locations"), http_status=200, status_code=1000)
    assert [loc["id"] for loc in body["data"]] == ["LOC1", "LOC2", "LOC3"]
    first = body["data"][0]
    assert first["type"] == "ON_STREET"
    assert "country_code" not in first  # not a 2.1.1 field
    connector = first["evses"][0]["connectors"][0]
    assert (connector["voltage"], connector["amperage"], connector["tariff_id"]) == (220, 16, "11")
    assert sender.calls == ["list_locations"]
    assert sender.kwargs[0]["partner"].id == cpo.partner.id


def test_list_is_paginated_with_headers_keeping_the_filters(cpo: Connection, sender: FakeLocationsSender) -> None:
    query = "date_from=2015-06-30T00:00:00Z&limit=1"
    response = cpo.call("GET", f"{CPO}/locations?{query}")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert [loc["id"] for loc in body["data"]] == ["LOC1"]
    assert response.headers["X-Total-Count"] == "3"
    assert response.headers["X-Limit"] == "1"
    link = response.headers["Link"]
    assert link.startswith("<http://localhost/ocpi/cpo/2.1.1/locations?") and link.endswith('>; rel="next"')
    assert "offset=1" in link and "limit=1" in link and "date_from=2015-06-30T00%3A00%3A00Z" in link
    page = sender.kwargs[0]["page"]
    assert (page.offset, page.limit, page.date_from) == (0, 1, datetime(2015, 6, 30, tzinfo=UTC))

    last = cpo.call("GET", f"{CPO}/locations?offset=2&limit=1")
    assert [loc["id"] for loc in last.get_json()["data"]] == ["LOC3"]
    assert "Link" not in last.headers


@pytest.mark.parametrize(
    "query", ["limit=abc", "offset=-1", "limit=0", "date_from=yesterday", "date_to=2015&date_from=2015-07-01T00:00:00Z"]
)
def test_list_refuses_bad_parameters_before_the_backend(
    cpo: Connection, sender: FakeLocationsSender, query: str
) -> None:
    body = assert_envelope(cpo.call("GET", f"{CPO}/locations?{query}"), http_status=200, status_code=2001)
    assert query.split("=")[0] in body["status_message"]
    assert sender.calls == []


@pytest.mark.parametrize("slash", ["", "/"])
def test_objects_are_served_at_each_level(cpo: Connection, slash: str) -> None:
    location = cpo.call("GET", f"{CPO}/locations/LOC2{slash}")
    assert assert_envelope(location, http_status=200, status_code=1000)["data"]["id"] == "LOC2"
    evse = cpo.call("GET", f"{CPO}/locations/LOC2/3257{slash}")
    assert assert_envelope(evse, http_status=200, status_code=1000)["data"]["uid"] == "3257"
    connector = cpo.call("GET", f"{CPO}/locations/LOC2/3257/2{slash}")
    assert assert_envelope(connector, http_status=200, status_code=1000)["data"] == {
        "id": "2",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "voltage": 220,
        "amperage": 16,
        "tariff_id": "11",
        "last_updated": "2015-06-29T20:39:09Z",
    }


@pytest.mark.parametrize("path", ["/locations/NOPE", "/locations/LOC1/NOPE", "/locations/LOC1/3256/9"])
def test_unknown_objects_are_404(cpo: Connection, path: str) -> None:
    body = assert_envelope(cpo.call("GET", f"{CPO}{path}"), http_status=404, status_code=2000)
    assert "NOPE" in body["status_message"] or "'9'" in body["status_message"]


def test_objects_2_1_1_cannot_express_are_404_and_left_out_of_lists(make_app: MakeApp) -> None:
    gbt = make_connector("1", standard=ConnectorType.GBT_DC, power_type=PowerType.DC)
    location = make_location(evses=[make_evse("3256"), make_evse("GBT", connectors=[gbt])])
    cpo = connect(make_app, FakeLocationsSender([location]), tree=Role.CPO)
    assert_envelope(cpo.call("GET", f"{CPO}/locations/LOC1/GBT"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("GET", f"{CPO}/locations/LOC1/GBT/1"), http_status=404, status_code=2000)
    listed = cpo.call("GET", f"{CPO}/locations").get_json()["data"][0]
    assert [e["uid"] for e in listed["evses"]] == ["3256"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/locations/" + "L" * 40, "location_id"),
        ("/locations/LOC1/" + "E" * 40, "evse_uid"),
        ("/locations/LOC1/3256/" + "C" * 37, "connector_id"),
        ("/locations/%C3%A9t%C3%A9", "location_id"),
        ("/locations/LOC1/%00", "evse_uid"),
        ("/locations/LOC1/3256/%7F", "connector_id"),
    ],
)
def test_bad_url_ids_are_2001_without_backend_call(
    cpo: Connection, sender: FakeLocationsSender, path: str, name: str
) -> None:
    body = assert_envelope(cpo.call("GET", f"{CPO}{path}"), http_status=200, status_code=2001)
    assert name in body["status_message"]
    assert sender.calls == []


def test_longest_ids_are_accepted(cpo: Connection, sender: FakeLocationsSender) -> None:
    assert_envelope(cpo.call("GET", f"{CPO}/locations/{'L' * 39}"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("GET", f"{CPO}/locations/LOC1/{'E' * 39}/x"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("GET", f"{CPO}/locations/LOC1/3256/{'C' * 36}"), http_status=404, status_code=2000)
    assert len(sender.calls) == 3


def test_sender_refuses_writes(cpo: Connection, sender: FakeLocationsSender) -> None:
    response = cpo.call("PUT", f"{CPO}/locations/LOC1", json=location_json())
    assert_envelope(response, http_status=405, status_code=2000)
    assert response.headers["Allow"] == "GET"
    assert_envelope(cpo.call("POST", f"{CPO}/locations", json={}), http_status=405, status_code=2000)
    assert sender.calls == []


def test_sender_needs_a_token(cpo: Connection, sender: FakeLocationsSender) -> None:
    assert_envelope(cpo.client.get(f"{CPO}/locations"), http_status=401, status_code=2000)
    assert sender.calls == []


# --- eMSP receiver -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> FakeLocationsReceiver:
    return FakeLocationsReceiver()


@pytest.fixture
def emsp(make_app: MakeApp, receiver: FakeLocationsReceiver) -> Connection:
    return connect(make_app, receiver, tree=Role.EMSP)


URL = f"{EMSP}/locations/DE/CPO/LOC1"


def stored(receiver: FakeLocationsReceiver) -> Location:
    return receiver.stored[("DE", "CPO", "LOC1")]


def put_location(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    assert_envelope(emsp.call("PUT", URL, json=location_json()), http_status=201, status_code=1000)
    receiver.calls.clear()
    receiver.kwargs.clear()


def test_put_creates_then_replaces_a_location_and_signals(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    with captured(signals.location_updated, emsp.app) as sent:
        assert_envelope(emsp.call("PUT", URL, json=location_json()), http_status=201, status_code=1000)
        assert_envelope(emsp.call("PUT", URL + "/", json=location_json(name="New")), http_status=200, status_code=1000)
    location = stored(receiver)
    assert (location.country_code, location.party_id, location.name) == ("DE", "CPO", "New")
    assert [e.uid for e in location.evses] == ["3256", "3257"]
    assert [(s["method"], s["created"]) for s in sent] == [("PUT", True), ("PUT", False)]
    assert sent[0]["partner"].id == emsp.partner.id
    assert {k: sent[1][k] for k in ("country_code", "party_id", "location_id", "evse_uid", "connector_id")} == {
        "country_code": "DE",
        "party_id": "CPO",
        "location_id": "LOC1",
        "evse_uid": None,
        "connector_id": None,
    }
    assert sent[1]["location"] is location


def test_url_party_is_case_insensitive(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    assert_envelope(
        emsp.call("PUT", f"{EMSP}/locations/de/cpo/LOC1", json=location_json()), http_status=201, status_code=1000
    )
    assert ("DE", "CPO", "LOC1") in receiver.stored
    assert_envelope(emsp.call("GET", URL), http_status=200, status_code=1000)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH"])
@pytest.mark.parametrize("suffix", ["", "/3256", "/3256/1"])
def test_another_partys_namespace_is_404_without_backend_call(
    emsp: Connection, receiver: FakeLocationsReceiver, method: str, suffix: str
) -> None:
    url = f"{EMSP}/locations/{OTHER.country_code}/{OTHER.party_id}/LOC1{suffix}"
    body = assert_envelope(emsp.call(method, url, json=location_json()), http_status=404, status_code=2000)
    assert str(OTHER) in body["status_message"]
    assert receiver.calls == []


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("", location_json(id="LOC2"), "id"),
        ("/3256", evse_json(uid="3257"), "uid"),
        ("/3256/1", connector_json(id="2"), "id"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_id_must_equal_url_id(
    emsp: Connection, receiver: FakeLocationsReceiver, suffix: str, body: dict[str, Any], field: str, method: str
) -> None:
    put_location(emsp, receiver)
    answer = assert_envelope(emsp.call(method, URL + suffix, json=body), http_status=200, status_code=2001)
    assert answer["status_message"].startswith(f"{field}:")
    assert receiver.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (location_json(address=None), "address"),
        ({k: v for k, v in location_json().items() if k != "coordinates"}, "coordinates"),
        (location_json(type="CASTLE"), "type"),
        (location_json(name="x" * 256), "name"),
        (location_json(name="caf\u00e9"), "name"),
        (location_json(last_updated="yesterday"), "last_updated"),
        (location_json(evses={"uid": "1"}), "evses"),
        (location_json(id=12), "id"),
    ],
)
def test_invalid_location_is_2001_and_not_stored(
    emsp: Connection, receiver: FakeLocationsReceiver, body: dict[str, Any], field: str
) -> None:
    answer = assert_envelope(emsp.call("PUT", URL, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert receiver.calls == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
@pytest.mark.parametrize("suffix", ["", "/3256", "/3256/1"])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_bodies_that_are_not_objects_are_2001(
    emsp: Connection, receiver: FakeLocationsReceiver, body: Any, suffix: str, method: str
) -> None:
    assert_envelope(emsp.call(method, URL + suffix, json=body), http_status=200, status_code=2001)
    assert receiver.calls == []


@pytest.mark.parametrize(("data", "http_status"), [("{not json", 400), ("", 200), ("null", 200)])
def test_missing_or_broken_json_is_2001(
    emsp: Connection, receiver: FakeLocationsReceiver, data: str, http_status: int
) -> None:
    response = emsp.call("PUT", URL, data=data, content_type="application/json")
    assert_envelope(response, http_status=http_status, status_code=2001)
    assert receiver.calls == []


@pytest.mark.parametrize(
    ("suffix", "name"),
    [("/" + "L" * 40, "location_id"), ("/LOC1/" + "E" * 40, "evse_uid"), ("/LOC1/3256/" + "C" * 37, "connector_id")],
)
def test_receiver_url_ids_over_max_length_are_2001(
    emsp: Connection, receiver: FakeLocationsReceiver, suffix: str, name: str
) -> None:
    url = f"{EMSP}/locations/DE/CPO{suffix}"
    for method in ("GET", "PUT", "PATCH"):
        body = assert_envelope(emsp.call(method, url, json={}), http_status=200, status_code=2001)
        assert name in body["status_message"]
    assert receiver.calls == []


def test_get_answers_what_was_stored_at_each_level(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    location = assert_envelope(emsp.call("GET", URL), http_status=200, status_code=1000)["data"]
    assert location == json.loads(json.dumps(location_json()))
    evse = assert_envelope(emsp.call("GET", URL + "/3257/"), http_status=200, status_code=1000)["data"]
    assert (evse["uid"], evse["status"]) == ("3257", "RESERVED")
    connector = assert_envelope(emsp.call("GET", URL + "/3256/2"), http_status=200, status_code=1000)["data"]
    assert connector == connector_json(id="2", format="SOCKET")


@pytest.mark.parametrize("suffix", ["", "/3256", "/3256/1", "/NOPE", "/3256/NOPE"])
def test_get_of_unknown_objects_is_404(emsp: Connection, receiver: FakeLocationsReceiver, suffix: str) -> None:
    if "NOPE" in suffix:
        put_location(emsp, receiver)
    assert_envelope(emsp.call("GET", URL + suffix), http_status=404, status_code=2000)


def test_put_evse_adds_or_replaces_and_signals(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    with captured(signals.location_updated, emsp.app) as sent:
        new = evse_json(uid="3258", last_updated="2016-01-01T00:00:00Z")
        assert_envelope(emsp.call("PUT", URL + "/3258", json=new), http_status=201, status_code=1000)
        again = evse_json(status="BLOCKED")
        assert_envelope(emsp.call("PUT", URL + "/3256", json=again), http_status=200, status_code=1000)
    location = stored(receiver)
    assert [e.uid for e in location.evses] == ["3256", "3257", "3258"]
    assert location.evse("3256").status is Status.BLOCKED  # type: ignore[union-attr]
    assert location.last_updated == datetime(2016, 1, 1, tzinfo=UTC)
    assert [(s["evse_uid"], s["connector_id"], s["created"]) for s in sent] == [
        ("3258", None, True),
        ("3256", None, False),
    ]


def test_put_connector_adds_or_replaces(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    with captured(signals.location_updated, emsp.app) as sent:
        assert_envelope(
            emsp.call("PUT", URL + "/3256/3", json=connector_json(id="3")), http_status=201, status_code=1000
        )
        body = connector_json(voltage=400)
        assert_envelope(emsp.call("PUT", URL + "/3256/1", json=body), http_status=200, status_code=1000)
    evse = stored(receiver).evse("3256")
    assert evse is not None
    assert [(c.id, c.max_voltage) for c in evse.connectors] == [("1", 400), ("2", 220), ("3", 220)]
    assert [(s["evse_uid"], s["connector_id"], s["method"]) for s in sent] == [
        ("3256", "3", "PUT"),
        ("3256", "1", "PUT"),
    ]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize(("suffix", "body"), [("/3256", evse_json()), ("/3256/1", connector_json())])
def test_writes_under_an_unknown_location_are_404_2003(
    emsp: Connection, receiver: FakeLocationsReceiver, method: str, suffix: str, body: dict[str, Any]
) -> None:
    with captured(signals.location_updated, emsp.app) as sent:
        answer = assert_envelope(emsp.call(method, URL + suffix, json=body), http_status=404, status_code=2003)
    assert "LOC1" in answer["status_message"]
    assert receiver.calls[-1] == "get_location"  # only to tell an unknown location apart
    assert receiver.stored == {} and sent == []


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "/NOPE/1", connector_json()),
        ("PATCH", "/NOPE", {"status": "CHARGING"}),
        ("PATCH", "/3256/NOPE", {"tariff_id": "15"}),
        ("PATCH", "/NOPE/1", {"tariff_id": "15"}),
    ],
)
def test_writes_to_unknown_evse_or_connector_of_known_location_are_404_2000(
    emsp: Connection, receiver: FakeLocationsReceiver, method: str, suffix: str, body: dict[str, Any]
) -> None:
    put_location(emsp, receiver)
    before = stored(receiver)
    assert_envelope(emsp.call(method, URL + suffix, json=body), http_status=404, status_code=2000)
    assert stored(receiver) is before


def test_patch_of_unknown_location_is_404_2003(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    assert_envelope(emsp.call("PATCH", URL, json={"name": "x"}), http_status=404, status_code=2003)
    assert receiver.calls == ["patch_location"]


def test_patch_location_name_spec_example(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    before = datetime.now(UTC)
    with captured(signals.location_updated, emsp.app) as sent:
        response = emsp.call("PATCH", URL, json={"name": "Interparking Gent Zuid"})
    assert_envelope(response, http_status=200, status_code=1000)
    location = stored(receiver)
    assert location.name == "Interparking Gent Zuid"
    assert location.address == "F.Rooseveltlaan 3A"
    assert before <= location.last_updated <= datetime.now(UTC)  # 2.1.1 PATCH without last_updated
    assert receiver.kwargs[0]["changes"] == {"name": "Interparking Gent Zuid", "last_updated": location.last_updated}
    assert [(s["method"], s["created"], s["location"]) for s in sent] == [("PATCH", False, location)]


def test_patch_keeps_a_given_last_updated(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    body = {"status": "CHARGING", "last_updated": "2016-02-02T10:00:00Z"}
    assert_envelope(emsp.call("PATCH", URL + "/3256", json=body), http_status=200, status_code=1000)
    evse = stored(receiver).evse("3256")
    assert evse is not None and evse.last_updated == datetime(2016, 2, 2, 10, tzinfo=UTC)


def test_patch_evse_status_spec_example_moves_the_location(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    with captured(signals.location_updated, emsp.app) as sent:
        response = emsp.call("PATCH", URL + "/3256", json={"status": "CHARGING"})
    assert_envelope(response, http_status=200, status_code=1000)
    location = stored(receiver)
    evse = location.evse("3256")
    assert evse is not None and evse.status is Status.CHARGING
    assert location.last_updated == evse.last_updated > datetime(2020, 1, 1, tzinfo=UTC)
    assert [(s["evse_uid"], s["connector_id"], s["method"]) for s in sent] == [("3256", None, "PATCH")]


def test_patch_connector_tariff_spec_example(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    put_location(emsp, receiver)
    with captured(signals.location_updated, emsp.app) as sent:
        response = emsp.call("PATCH", URL + "/3256/2", json={"tariff_id": "15"})
    assert_envelope(response, http_status=200, status_code=1000)
    evse = stored(receiver).evse("3256")
    assert evse is not None
    assert [c.tariff_ids for c in evse.connectors] == [["11"], ["15"]]
    assert [(s["evse_uid"], s["connector_id"]) for s in sent] == [("3256", "2")]


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("", {"name": "x" * 256}, "name"),
        ("", {"type": "CASTLE"}, "type"),
        ("/3256", {"status": "SLEEPING"}, "status"),
        ("/3256", {"connectors": []}, "connectors"),
        ("/3256/1", {"voltage": "high"}, "voltage"),
        ("/3256/1", {"last_updated": 5}, "last_updated"),
    ],
)
def test_invalid_patch_is_2001_and_changes_nothing(
    emsp: Connection, receiver: FakeLocationsReceiver, suffix: str, body: dict[str, Any], field: str
) -> None:
    put_location(emsp, receiver)
    before = stored(receiver)
    answer = assert_envelope(emsp.call("PATCH", URL + suffix, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert receiver.calls == [] and stored(receiver) is before


def test_receiver_refuses_post_and_delete(emsp: Connection, receiver: FakeLocationsReceiver) -> None:
    for method in ("POST", "DELETE"):
        response = emsp.call(method, URL, json=location_json())
        assert_envelope(response, http_status=405, status_code=2000)
        assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT", "PATCH"}
    assert receiver.calls == []


# --- version details and documentation ------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_version_details_list_each_interface_on_its_tree(make_app: MakeApp, slash: str) -> None:
    receiver = FakeLocationsReceiver()
    both = connect(make_app, FakeLocationsSender([make_location()]), receiver, tree=Role.CPO)
    emsp_headers = both.add_partner(Role.EMSP, [PARTNER_CPO])
    for tree, headers in (("cpo", both.headers), ("emsp", emsp_headers)):
        details = both.call("GET", f"/ocpi/{tree}/2.1.1", headers=headers).get_json()["data"]["endpoints"]
        url = f"http://localhost/ocpi/{tree}/2.1.1/locations/"
        assert {"identifier": "locations", "url": url} in details
    listed = both.call("GET", f"http://localhost/ocpi/cpo/2.1.1/locations{slash}")
    assert assert_envelope(listed, http_status=200, status_code=1000)["data"][0]["id"] == "LOC1"
    put = both.call("PUT", f"{EMSP}/locations/DE/CPO/LOC1{slash}", json=location_json(), headers=emsp_headers)
    assert_envelope(put, http_status=201, status_code=1000)


def test_only_installed_interfaces_are_listed(make_app: MakeApp) -> None:
    cpo = connect(make_app, FakeLocationsSender(), tree=Role.CPO)
    emsp_headers = cpo.add_partner(Role.EMSP, [PARTNER_CPO])
    details = cpo.call("GET", f"{EMSP}/", headers=emsp_headers).get_json()["data"]["endpoints"]
    assert "locations" not in {e["identifier"] for e in details}
    assert_envelope(cpo.call("GET", URL, headers=emsp_headers), http_status=404, status_code=2000)


def test_openapi_documents_both_interfaces(make_app: MakeApp) -> None:
    app = make_app(backends=[FakeLocationsSender(), FakeLocationsReceiver()])
    doc = app.test_client().get("/ocpi/docs/openapi.json").get_json()
    paths = doc["paths"]
    assert set(paths[f"{CPO}/locations"]) == {"get"}
    assert {p["name"] for p in paths[f"{CPO}/locations"]["get"]["parameters"]} >= {"offset", "limit", "date_from"}
    receiver = paths[f"{EMSP}/locations/{{country_code}}/{{party_id}}/{{location_id}}/{{evse_uid}}"]
    assert set(receiver) >= {"get", "put", "patch"}
    assert "requestBody" in receiver["put"] and {"200", "201"} <= set(receiver["put"]["responses"])


def test_a_write_reads_the_stored_location_back_only_for_signal_listeners(
    emsp: Connection, receiver: FakeLocationsReceiver
) -> None:
    put_location(emsp, receiver)
    assert_envelope(emsp.call("PATCH", URL + "/3256", json={"status": "CHARGING"}), http_status=200, status_code=1000)
    assert "get_location" not in receiver.calls  # nobody listens: no extra read
    with captured(signals.location_updated, emsp.app) as sent:
        emsp.call("PATCH", URL + "/3256", json={"status": "AVAILABLE"})
    assert "get_location" in receiver.calls and sent[0]["location"] is not None
