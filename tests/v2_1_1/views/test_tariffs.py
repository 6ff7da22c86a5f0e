"""OCPI 2.1.1 tariffs views: CPO sender (GET list) and eMSP receiver (GET/PUT/PATCH/DELETE)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.models import (
    PriceComponent,
    ReservationRestrictionType,
    Role,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)
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
    tariff_json,
)
from tests.v2_1_1.views.fakes import WHEN, FakeTariffsReceiver, FakeTariffsSender, make_tariff

MakeApp = Callable[..., Flask]

# --- CPO sender ------------------------------------------------------------------------------------


@pytest.fixture
def sender() -> FakeTariffsSender:
    return FakeTariffsSender([make_tariff(str(i), last_updated=WHEN + timedelta(days=i)) for i in range(1, 4)])


@pytest.fixture
def cpo(make_app: MakeApp, sender: FakeTariffsSender) -> Connection:
    return connect(make_app, sender, tree=Role.CPO)


@pytest.mark.parametrize("slash", ["", "/"])
def test_list_answers_our_tariffs(cpo: Connection, sender: FakeTariffsSender, slash: str) -> None:
    response = cpo.call("GET", f"{CPO}/tariffs{slash}?offset=1&limit=1")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert body["data"] == [
        {
            "id": "2",
            "currency": "EUR",
            "elements": [{"price_components": [{"type": "TIME", "price": 2, "step_size": 300}]}],
            "last_updated": "2015-07-01T20:39:09Z",
        }
    ]
    assert response.headers["X-Total-Count"] == "3" and response.headers["X-Limit"] == "1"
    assert "offset=2" in response.headers["Link"]
    assert sender.kwargs[0]["partner"].id == cpo.partner.id


def test_list_limit_is_capped(make_app: MakeApp, sender: FakeTariffsSender) -> None:
    cpo = connect(make_app, sender, tree=Role.CPO, config={"OCPI_MAX_PAGE_SIZE": 2, "OCPI_DEFAULT_PAGE_SIZE": 2})
    response = cpo.call("GET", f"{CPO}/tariffs?limit=1000")
    assert len(response.get_json()["data"]) == 2 and response.headers["X-Limit"] == "2"


def test_tariffs_2_1_1_cannot_express_are_left_out(make_app: MakeApp, caplog: pytest.LogCaptureFixture) -> None:
    reservation = TariffElement(
        price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal(5), step_size=60)],
        restrictions=TariffRestrictions(reservation=ReservationRestrictionType.RESERVATION),
    )
    tariffs = [make_tariff("A"), make_tariff("RES", elements=[reservation]), make_tariff("B")]
    cpo = connect(make_app, FakeTariffsSender(tariffs), tree=Role.CPO)
    with caplog.at_level(logging.WARNING, logger="flask_ocpi"):
        response = cpo.call("GET", f"{CPO}/tariffs?limit=2")
    assert [t["id"] for t in assert_envelope(response, http_status=200, status_code=1000)["data"]] == ["A"]
    assert "offset=2" in response.headers["Link"]  # the next page does not return RES again
    assert any("RES" in r.getMessage() for r in caplog.records)


def test_sender_has_no_object_urls(cpo: Connection, sender: FakeTariffsSender) -> None:
    assert_envelope(cpo.call("GET", f"{CPO}/tariffs/DE/XYZ/1"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("DELETE", f"{CPO}/tariffs"), http_status=405, status_code=2000)
    assert sender.calls == []


# --- eMSP receiver -----------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> FakeTariffsReceiver:
    return FakeTariffsReceiver()


@pytest.fixture
def emsp(make_app: MakeApp, receiver: FakeTariffsReceiver) -> Connection:
    return connect(make_app, receiver, tree=Role.EMSP)


URL = f"{EMSP}/tariffs/DE/CPO/12"


def stored(receiver: FakeTariffsReceiver) -> Tariff:
    return receiver.stored[("DE", "CPO", "12")]


def put_tariff(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    assert_envelope(emsp.call("PUT", URL, json=tariff_json()), http_status=201, status_code=1000)
    receiver.calls.clear()
    receiver.kwargs.clear()


@pytest.mark.parametrize("slash", ["", "/"])
def test_put_creates_then_replaces_and_signals(emsp: Connection, receiver: FakeTariffsReceiver, slash: str) -> None:
    with captured(signals.tariff_updated, emsp.app) as sent:
        assert_envelope(emsp.call("PUT", URL + slash, json=tariff_json()), http_status=201, status_code=1000)
        assert_envelope(
            emsp.call("PUT", URL + slash, json=tariff_json(currency="USD")), http_status=200, status_code=1000
        )
    tariff = stored(receiver)
    assert (tariff.country_code, tariff.party_id, tariff.currency) == ("DE", "CPO", "USD")
    assert tariff.elements[0].price_components[0].price == Decimal("2.00")
    assert [(s["method"], s["created"]) for s in sent] == [("PUT", True), ("PUT", False)]
    assert {k: sent[0][k] for k in ("country_code", "party_id", "tariff_id")} == {
        "country_code": "DE",
        "party_id": "CPO",
        "tariff_id": "12",
    }
    assert sent[0]["partner"].id == emsp.partner.id and sent[1]["tariff"] is tariff


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_another_partys_namespace_is_404_without_backend_call(
    emsp: Connection, receiver: FakeTariffsReceiver, method: str
) -> None:
    url = f"{EMSP}/tariffs/{OTHER.country_code}/{OTHER.party_id}/12"
    assert_envelope(emsp.call(method, url, json=tariff_json()), http_status=404, status_code=2000)
    assert receiver.calls == []


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_id_must_equal_url_id(emsp: Connection, receiver: FakeTariffsReceiver, method: str) -> None:
    put_tariff(emsp, receiver)
    body = assert_envelope(emsp.call(method, URL, json=tariff_json(id="13")), http_status=200, status_code=2001)
    assert body["status_message"].startswith("id:")
    assert receiver.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (tariff_json(elements=[]), "elements"),
        (tariff_json(currency=None), "currency"),
        (tariff_json(elements=[{"price_components": [{"type": "KWH", "price": 1, "step_size": 1}]}]), "type"),
        (tariff_json(elements=[{"price_components": [{"type": "TIME", "price": "2.00", "step_size": 1}]}]), "price"),
        (tariff_json(tariff_alt_url="not a url"), "tariff_alt_url"),
        (tariff_json(id="T" * 37), "id"),
    ],
)
def test_invalid_tariff_is_2001_and_not_stored(
    emsp: Connection, receiver: FakeTariffsReceiver, body: dict[str, Any], field: str
) -> None:
    answer = assert_envelope(emsp.call("PUT", URL, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert receiver.calls == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_bodies_that_are_not_objects_are_2001(
    emsp: Connection, receiver: FakeTariffsReceiver, body: Any, method: str
) -> None:
    assert_envelope(emsp.call(method, URL, json=body), http_status=200, status_code=2001)
    assert receiver.calls == []


def test_tariff_id_over_36_characters_is_2001(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = assert_envelope(
            emsp.call(method, f"{EMSP}/tariffs/DE/CPO/{'T' * 37}", json={}), http_status=200, status_code=2001
        )
        assert "tariff_id" in body["status_message"]
    assert receiver.calls == []


def test_get_answers_the_stored_tariff(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    put_tariff(emsp, receiver)
    assert assert_envelope(emsp.call("GET", URL), http_status=200, status_code=1000)["data"] == tariff_json()
    assert_envelope(emsp.call("GET", f"{EMSP}/tariffs/DE/CPO/99"), http_status=404, status_code=2000)


def test_patch_changes_the_tariff_spec_example(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    put_tariff(emsp, receiver)
    before = datetime.now(UTC)
    body = {"elements": [{"price_components": [{"type": "TIME", "price": 2.50, "step_size": 300}]}]}
    with captured(signals.tariff_updated, emsp.app) as sent:
        assert_envelope(emsp.call("PATCH", URL, json=body), http_status=200, status_code=1000)
    tariff = stored(receiver)
    assert tariff.elements[0].price_components[0].price == Decimal("2.50")
    assert tariff.currency == "EUR"
    assert before <= tariff.last_updated <= datetime.now(UTC)
    assert [(s["method"], s["created"], s["tariff"]) for s in sent] == [("PATCH", False, tariff)]


def test_patch_of_unknown_tariff_is_404(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    assert_envelope(emsp.call("PATCH", URL, json={"currency": "USD"}), http_status=404, status_code=2000)
    assert receiver.calls == ["patch_tariff"]


def test_invalid_patch_is_2001_and_changes_nothing(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    put_tariff(emsp, receiver)
    answer = assert_envelope(emsp.call("PATCH", URL, json={"currency": 978}), http_status=200, status_code=2001)
    assert "currency" in answer["status_message"]
    assert receiver.calls == []


def test_delete_removes_and_signals(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    put_tariff(emsp, receiver)
    with captured(signals.tariff_deleted, emsp.app) as sent:
        assert_envelope(emsp.call("DELETE", URL), http_status=200, status_code=1000)
        assert_envelope(emsp.call("DELETE", URL + "/"), http_status=404, status_code=2000)
    assert receiver.stored == {}
    assert len(sent) == 1 and sent[0]["partner"].id == emsp.partner.id
    assert {k: v for k, v in sent[0].items() if k != "partner"} == {
        "country_code": "DE",
        "party_id": "CPO",
        "tariff_id": "12",
    }
    assert_envelope(emsp.call("GET", URL), http_status=404, status_code=2000)


def test_receiver_refuses_post(emsp: Connection, receiver: FakeTariffsReceiver) -> None:
    response = emsp.call("POST", URL, json=tariff_json())
    assert_envelope(response, http_status=405, status_code=2000)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE"}


# --- version details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_version_details_list_each_interface_on_its_tree(make_app: MakeApp, slash: str) -> None:
    both = connect(make_app, FakeTariffsSender([make_tariff()]), FakeTariffsReceiver(), tree=Role.CPO)
    emsp_headers = both.add_partner(Role.EMSP, [PARTNER_CPO])
    for tree, headers in (("cpo", both.headers), ("emsp", emsp_headers)):
        details = both.call("GET", f"/ocpi/{tree}/2.1.1", headers=headers).get_json()["data"]["endpoints"]
        assert {"identifier": "tariffs", "url": f"http://localhost/ocpi/{tree}/2.1.1/tariffs/"} in details
    assert_envelope(both.call("GET", f"{CPO}/tariffs{slash}"), http_status=200, status_code=1000)
    put = both.call("PUT", f"{URL}{slash}", json=tariff_json(), headers=emsp_headers)
    assert_envelope(put, http_status=201, status_code=1000)


def test_openapi_documents_both_interfaces(make_app: MakeApp) -> None:
    app = make_app(backends=[FakeTariffsSender(), FakeTariffsReceiver()])
    paths = app.test_client().get("/ocpi/docs/openapi.json").get_json()["paths"]
    assert set(paths[f"{CPO}/tariffs"]) == {"get"}
    receiver = paths[f"{EMSP}/tariffs/{{country_code}}/{{party_id}}/{{tariff_id}}"]
    assert set(receiver) >= {"get", "put", "patch", "delete"}
