"""OCPI 2.1.1 sessions views: CPO sender (GET list) and eMSP receiver (GET/PUT/PATCH)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.models import Price, Role, Session, SessionStatus
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
    connect,
    session_json,
)
from tests.v2_1_1.views.fakes import (
    WHEN,
    FakeLocationsReceiver,
    FakeLocationsSender,
    FakeSessionsReceiver,
    FakeSessionsSender,
    make_cdr_token,
    make_location,
    make_session,
)

MakeApp = Callable[..., Flask]
FROM = "date_from=2015-01-01T00:00:00Z"

# --- CPO sender ------------------------------------------------------------------------------------


@pytest.fixture
def sender() -> FakeSessionsSender:
    return FakeSessionsSender(
        [make_session(str(100 + i), location=make_location(), last_updated=WHEN + timedelta(hours=i)) for i in range(3)]
    )


@pytest.fixture
def cpo(make_app: MakeApp, sender: FakeSessionsSender) -> Connection:
    return connect(make_app, sender, tree=Role.CPO)


def test_list_requires_date_from(cpo: Connection, sender: FakeSessionsSender) -> None:
    body = assert_envelope(cpo.call("GET", f"{CPO}/sessions"), http_status=200, status_code=2001)
    assert "date_from" in body["status_message"]
    assert sender.calls == []


@pytest.mark.parametrize("slash", ["", "/"])
def test_list_answers_the_callers_sessions_with_their_location(
    cpo: Connection, sender: FakeSessionsSender, slash: str
) -> None:
    response = cpo.call("GET", f"{CPO}/sessions{slash}?{FROM}&limit=2")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert [s["id"] for s in body["data"]] == ["100", "101"]
    first = body["data"][0]
    assert (first["auth_id"], first["start_datetime"], first["status"]) == (
        "DE8ACC12E46L89",
        "2015-06-29T20:39:09Z",
        "PENDING",
    )
    # 2.1.1 embeds the location with only the session's EVSE and connector.
    assert [(e["uid"], [c["id"] for c in e["connectors"]]) for e in first["location"]["evses"]] == [("3256", ["1"])]
    assert response.headers["X-Total-Count"] == "3" and response.headers["X-Limit"] == "2"
    assert "offset=2" in response.headers["Link"] and "date_from=2015-01-01T00%3A00%3A00Z" in response.headers["Link"]
    assert sender.kwargs[0]["partner"].id == cpo.partner.id
    assert sender.kwargs[0]["page"].date_from == datetime(2015, 1, 1, tzinfo=UTC)


def test_date_window_is_passed_to_the_backend(cpo: Connection, sender: FakeSessionsSender) -> None:
    query = "date_from=2015-06-29T21:39:09Z&date_to=2015-06-29T22:39:09Z"
    body = assert_envelope(cpo.call("GET", f"{CPO}/sessions?{query}"), http_status=200, status_code=1000)
    assert [s["id"] for s in body["data"]] == ["101"]


def test_sessions_of_other_parties_tokens_are_dropped_and_logged(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    theirs = make_session("1", location=make_location())
    leaked = make_session("2", location=make_location(), cdr_token=make_cdr_token(OTHER.country_code, OTHER.party_id))
    later = make_session("3", location=make_location())
    cpo = connect(make_app, FakeSessionsSender([theirs, leaked, later], leak=True), tree=Role.CPO)
    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        response = cpo.call("GET", f"{CPO}/sessions?{FROM}&limit=2")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert [s["id"] for s in body["data"]] == ["1"]
    # The next page starts after what the backend returned, not after what was sent.
    assert "offset=2" in response.headers["Link"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "'2'" in errors[0].getMessage() and str(OTHER) in errors[0].getMessage()
    assert cpo.call("GET", f"{CPO}/sessions?{FROM}&offset=2").get_json()["data"][0]["id"] == "3"


def test_a_session_without_location_gets_ours(make_app: MakeApp) -> None:
    locations = FakeLocationsSender([make_location(country_code="NL", party_id="ABC")])
    session = make_session(evse_uid="3257", connector_id="2")
    cpo = connect(make_app, FakeSessionsSender([session]), locations, tree=Role.CPO)
    body = assert_envelope(cpo.call("GET", f"{CPO}/sessions?{FROM}"), http_status=200, status_code=1000)
    location = body["data"][0]["location"]
    assert location["id"] == "LOC1"
    assert [(e["uid"], [c["id"] for c in e["connectors"]]) for e in location["evses"]] == [("3257", ["2"])]
    assert locations.calls == ["get_location"] and locations.kwargs[0]["location_id"] == "LOC1"


@pytest.mark.parametrize("installed", [False, True])
def test_a_session_whose_location_cannot_be_found_is_3000(make_app: MakeApp, installed: bool) -> None:
    backends: list[Any] = [FakeSessionsSender([make_session(location_id="GONE")])]
    if installed:
        backends.append(FakeLocationsSender([make_location()]))
    cpo = connect(make_app, *backends, tree=Role.CPO)
    body = assert_envelope(cpo.call("GET", f"{CPO}/sessions?{FROM}"), http_status=500, status_code=3000)
    assert "GONE" in body["status_message"] and "location" in body["status_message"]


def test_a_session_on_an_evse_the_location_lacks_is_3000(make_app: MakeApp) -> None:
    session = make_session(evse_uid="9999")
    cpo = connect(make_app, FakeSessionsSender([session]), FakeLocationsSender([make_location()]), tree=Role.CPO)
    body = assert_envelope(cpo.call("GET", f"{CPO}/sessions?{FROM}"), http_status=500, status_code=3000)
    assert "9999" in body["status_message"]


def test_sender_has_no_object_urls(cpo: Connection, sender: FakeSessionsSender) -> None:
    assert_envelope(cpo.call("GET", f"{CPO}/sessions/100"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("PUT", f"{CPO}/sessions", json=session_json()), http_status=405, status_code=2000)
    assert sender.calls == []


# --- eMSP receiver -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> FakeSessionsReceiver:
    return FakeSessionsReceiver()


@pytest.fixture
def emsp(make_app: MakeApp, receiver: FakeSessionsReceiver) -> Connection:
    return connect(make_app, receiver, tree=Role.EMSP)


URL = f"{EMSP}/sessions/DE/CPO/101"


def stored(receiver: FakeSessionsReceiver) -> Session:
    return receiver.stored[("DE", "CPO", "101")]


def put_session(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    assert_envelope(emsp.call("PUT", URL, json=session_json()), http_status=201, status_code=1000)
    receiver.calls.clear()
    receiver.kwargs.clear()


def test_put_creates_then_replaces_and_signals(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    with captured(signals.session_updated, emsp.app) as sent:
        assert_envelope(emsp.call("PUT", URL, json=session_json()), http_status=201, status_code=1000)
        body = session_json(status="ACTIVE", kwh=1.5)
        assert_envelope(emsp.call("PUT", URL + "/", json=body), http_status=200, status_code=1000)
    session = stored(receiver)
    assert (session.country_code, session.party_id, session.status) == ("DE", "CPO", SessionStatus.ACTIVE)
    assert session.kwh == Decimal("1.5")
    # Sessions we receive as eMSP are for our tokens.
    token = session.cdr_token
    assert (token.country_code, token.party_id, token.contract_id) == (US.country_code, US.party_id, "DE8ACC12E46L89")
    assert (session.location_id, session.evse_uid, session.connector_id) == ("LOC1", "3256", "1")
    assert [(s["method"], s["created"]) for s in sent] == [("PUT", True), ("PUT", False)]
    assert {k: sent[0][k] for k in ("country_code", "party_id", "session_id")} == {
        "country_code": "DE",
        "party_id": "CPO",
        "session_id": "101",
    }
    assert sent[0]["partner"].id == emsp.partner.id and sent[1]["session"] is session


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH"])
def test_another_partys_namespace_is_404_without_backend_call(
    emsp: Connection, receiver: FakeSessionsReceiver, method: str
) -> None:
    url = f"{EMSP}/sessions/{OTHER.country_code}/{OTHER.party_id}/101"
    assert_envelope(emsp.call(method, url, json=session_json()), http_status=404, status_code=2000)
    assert receiver.calls == []


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_id_must_equal_url_id(emsp: Connection, receiver: FakeSessionsReceiver, method: str) -> None:
    put_session(emsp, receiver)
    body = assert_envelope(emsp.call(method, URL, json=session_json(id="102")), http_status=200, status_code=2001)
    assert body["status_message"].startswith("id:")
    assert receiver.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (session_json(auth_id=None), "auth_id"),
        (session_json(status="PAUSED"), "status"),
        (session_json(status="RESERVATION"), "status"),  # 2.2.1 only
        (session_json(kwh="lots"), "kwh"),
        (session_json(currency="EURO"), "currency"),
        (session_json(location={"id": "LOC1"}), "location"),
        (session_json(start_datetime="x" * 10_000), "start_datetime"),
    ],
)
def test_invalid_session_is_2001_and_not_stored(
    emsp: Connection, receiver: FakeSessionsReceiver, body: dict[str, Any], field: str
) -> None:
    answer = assert_envelope(emsp.call("PUT", URL, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert receiver.calls == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_bodies_that_are_not_objects_are_2001(
    emsp: Connection, receiver: FakeSessionsReceiver, body: Any, method: str
) -> None:
    assert_envelope(emsp.call(method, URL, json=body), http_status=200, status_code=2001)
    assert receiver.calls == []


def test_session_id_over_36_characters_is_2001(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    for method in ("GET", "PUT", "PATCH"):
        url = f"{EMSP}/sessions/DE/CPO/{'S' * 37}"
        body = assert_envelope(emsp.call(method, url, json={}), http_status=200, status_code=2001)
        assert "session_id" in body["status_message"]
    assert receiver.calls == []


def test_get_answers_the_stored_session(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    put_session(emsp, receiver)
    body = assert_envelope(emsp.call("GET", URL), http_status=200, status_code=1000)
    assert body["data"]["id"] == "101" and body["data"]["total_cost"] == 2.5
    assert body["data"]["location"]["evses"][0]["uid"] == "3256"
    assert_envelope(emsp.call("GET", f"{EMSP}/sessions/DE/CPO/999"), http_status=404, status_code=2000)


def test_get_of_a_stored_session_without_location_uses_the_received_locations(make_app: MakeApp) -> None:
    sessions, locations = FakeSessionsReceiver(), FakeLocationsReceiver()
    emsp = connect(make_app, sessions, locations, tree=Role.EMSP)
    sessions.stored[("DE", "CPO", "101")] = make_session(country_code="DE", party_id="CPO")
    missing = emsp.call("GET", URL)
    assert_envelope(missing, http_status=500, status_code=3000)
    locations.stored[("DE", "CPO", "LOC1")] = make_location()
    body = assert_envelope(emsp.call("GET", URL), http_status=200, status_code=1000)
    assert body["data"]["location"]["id"] == "LOC1"
    assert locations.kwargs[-1] == {"country_code": "DE", "party_id": "CPO", "location_id": "LOC1"}


def test_patch_total_cost_spec_example(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    put_session(emsp, receiver)
    before = datetime.now(UTC)
    with captured(signals.session_updated, emsp.app) as sent:
        response = emsp.call("PATCH", URL, json={"total_cost": 0.60})
    assert_envelope(response, http_status=200, status_code=1000)
    session = stored(receiver)
    assert session.total_cost == Price(excl_vat=Decimal("0.60"))
    assert session.status is SessionStatus.PENDING
    assert before <= session.last_updated <= datetime.now(UTC)
    assert [(s["method"], s["created"], s["session"]) for s in sent] == [("PATCH", False, session)]


def test_patch_with_a_new_location_and_token(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    put_session(emsp, receiver)
    location = session_json()["location"]
    location["evses"][0]["uid"] = "3257"
    body = {"location": location, "auth_id": "OTHER-CONTRACT", "last_updated": "2016-01-01T00:00:00Z"}
    assert_envelope(emsp.call("PATCH", URL, json=body), http_status=200, status_code=1000)
    session = stored(receiver)
    assert session.evse_uid == "3257" and session.location is not None and session.location.country_code == "DE"
    assert (session.cdr_token.party_id, session.cdr_token.contract_id) == (US.party_id, "OTHER-CONTRACT")
    assert session.last_updated == datetime(2016, 1, 1, tzinfo=UTC)


def test_patch_of_unknown_session_is_404(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    with captured(signals.session_updated, emsp.app) as sent:
        assert_envelope(emsp.call("PATCH", URL, json={"kwh": 1}), http_status=404, status_code=2000)
    assert receiver.calls == ["patch_session"] and sent == []


def test_invalid_patch_is_2001_and_changes_nothing(emsp: Connection, receiver: FakeSessionsReceiver) -> None:
    put_session(emsp, receiver)
    answer = assert_envelope(
        emsp.call("PATCH", URL, json={"kwh": -1, "status": "X"}), http_status=200, status_code=2001
    )
    assert "status" in answer["status_message"]
    assert receiver.calls == []


# --- version details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_version_details_list_each_interface_on_its_tree(make_app: MakeApp, slash: str) -> None:
    sender = FakeSessionsSender([make_session(location=make_location())])
    both = connect(make_app, sender, FakeSessionsReceiver(), tree=Role.CPO, parties=[PARTNER_EMSP])
    emsp_headers = both.add_partner(Role.EMSP, [PARTNER_CPO])
    for tree, headers in (("cpo", both.headers), ("emsp", emsp_headers)):
        details = both.call("GET", f"/ocpi/{tree}/2.1.1/", headers=headers).get_json()["data"]["endpoints"]
        assert {"identifier": "sessions", "url": f"http://localhost/ocpi/{tree}/2.1.1/sessions/"} in details
    listed = both.call("GET", f"{CPO}/sessions{slash}?{FROM}")
    assert assert_envelope(listed, http_status=200, status_code=1000)["data"][0]["id"] == "101"
    put = both.call("PUT", f"{URL}{slash}", json=session_json(), headers=emsp_headers)
    assert_envelope(put, http_status=201, status_code=1000)


def test_openapi_documents_both_interfaces(make_app: MakeApp) -> None:
    app = make_app(backends=[FakeSessionsSender(), FakeSessionsReceiver()])
    paths = app.test_client().get("/ocpi/docs/openapi.json").get_json()["paths"]
    date_from = next(p for p in paths[f"{CPO}/sessions"]["get"]["parameters"] if p["name"] == "date_from")
    assert date_from["required"] is True
    assert set(paths[f"{EMSP}/sessions/{{country_code}}/{{party_id}}/{{session_id}}"]) >= {"get", "put", "patch"}
