"""OCPI 2.1.1 Tariffs schemas (``mod_tariffs.md``)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.models import (
    DayOfWeek,
    DisplayText,
    PartyKey,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)
from flask_ocpi.transport.envelope import ok
from flask_ocpi.v2_1_1.schemas.common import NotExpressible
from flask_ocpi.v2_1_1.schemas.tariffs import TariffSchema, dump_tariff, load_tariff, load_tariff_changes
from tests.v2_1_1.examples import CPO, at, errors, example, rich_tariff

MISSING = "Missing data for required field."


@pytest.mark.parametrize(
    "name",
    [
        "mod_tariffs__simple_2_euro_per_hour",
        "mod_tariffs__alt_text",
        "mod_tariffs__alt_url",
        "mod_tariffs__complex",
        "mod_tariffs__free_of_charge",
    ],
)
def test_tariff_examples_load_and_round_trip(name: str) -> None:
    # mod_tariffs.md 3.1 Examples.
    tariff = load_tariff(example(name).body, owner=PartyKey("nl", "tnm"))
    assert (tariff.country_code, tariff.party_id, tariff.currency) == ("NL", "TNM", "EUR")
    assert tariff.last_updated == at(20, 39)
    assert load_tariff(dump_tariff(tariff), owner=PartyKey("NL", "TNM")) == tariff


def test_simple_example_values() -> None:
    tariff = load_tariff(example("mod_tariffs__simple_2_euro_per_hour").body, owner=CPO)
    assert tariff.id == "12"
    assert tariff.elements == [
        TariffElement(
            price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("2.00"), step_size=300)]
        )
    ]


def test_alt_text_and_url_examples() -> None:
    text = load_tariff(example("mod_tariffs__alt_text").body, owner=CPO)
    assert text.tariff_alt_text == [
        DisplayText(language="en", text="2 euro p/hour"),
        DisplayText(language="nl", text="2 euro p/uur"),
    ]
    url = load_tariff(example("mod_tariffs__alt_url").body, owner=CPO)
    assert url.tariff_alt_url == "https://company.com/tariffs/12"


def test_complex_example_restrictions() -> None:
    # The example labels "max_power": 32.00 as "less than 32A" although max_power is in kW
    # (notes 6.1): the schema cannot tell, it loads the number.
    tariff = load_tariff(example("mod_tariffs__complex").body, owner=CPO)
    assert len(tariff.elements) == 6
    assert tariff.elements[0].restrictions is None
    assert tariff.elements[1].restrictions == TariffRestrictions(max_power=Decimal("32.00"))
    weekend = tariff.elements[3]
    assert weekend.price_components[0].price == Decimal("1.25")
    assert weekend.restrictions == TariffRestrictions(
        min_power=Decimal("32.00"), day_of_week=[DayOfWeek.SATURDAY, DayOfWeek.SUNDAY]
    )
    assert tariff.elements[5].restrictions == TariffRestrictions(
        start_time="10:00", end_time="17:00", day_of_week=[DayOfWeek.SATURDAY]
    )


def test_free_of_charge_example_step_size_zero_is_accepted() -> None:
    # 2.1.1 defines step_size only as "int"; 0 on a FLAT component (which has no unit) is allowed.
    tariff = load_tariff(example("mod_tariffs__free_of_charge").body, owner=CPO)
    assert tariff.elements[0].price_components == [
        PriceComponent(type=TariffDimensionType.FLAT, price=Decimal("0.00"), step_size=0)
    ]


def test_put_example_lacks_last_updated() -> None:
    # mod_tariffs.md 2.2.2 "Example: New Tariff 2 euro per hour": the PUT body has no
    # last_updated, which the Tariff object requires (card. 1).
    ex = example("mod_tariffs__put_new_tariff")
    assert (ex.method, ex.url) == ("PUT", "https://www.server.com/ocpi/emsp/2.0/tariffs/NL/TNM/12")
    assert errors(load_tariff, ex.body, owner=CPO) == {"last_updated": MISSING}


def test_patch_example_loads_as_changes() -> None:
    # mod_tariffs.md 2.2.3 "Example: Change Tariff to 2,50": a PATCH body, although its first
    # line says "PUT To URL".
    ex = example("mod_tariffs__patch_change_tariff")
    assert ex.method == "PUT"
    assert load_tariff_changes(ex.body) == {
        "elements": [
            TariffElement(
                price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("2.50"), step_size=300)]
            )
        ]
    }
    assert errors(load_tariff, ex.body, owner=CPO) == {"id": MISSING, "currency": MISSING, "last_updated": MISSING}


def valid() -> dict[str, Any]:
    return dump_tariff(rich_tariff())


@pytest.mark.parametrize("field", ["id", "currency", "elements", "last_updated"])
def test_required_fields(field: str) -> None:
    data = valid()
    del data[field]
    assert errors(load_tariff, data, owner=CPO) == {field: MISSING}


@pytest.mark.parametrize("field", ["type", "price", "step_size"])
def test_price_component_required_fields(field: str) -> None:
    data = valid()
    del data["elements"][1]["price_components"][1][field]
    assert errors(load_tariff, data, owner=CPO) == {f"elements.1.price_components.1.{field}": MISSING}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("id",), "x" * 37, "Longer than maximum length 36."),
        (("currency",), "eur", "Must be an ISO 4217 currency code (3 upper-case letters)."),
        (
            ("currency",),
            "EURO",
            "Must be an ISO 4217 currency code (3 upper-case letters). Longer than maximum length 3.",
        ),
        (("tariff_alt_url",), "tariffs/11", "Not a valid URL."),
        (("elements",), [], "Shorter than minimum length 1."),
        (("elements", 0, "price_components"), [], "Shorter than minimum length 1."),
        (("elements", 0, "price_components", 0, "price"), "2.00", "Not a valid number."),
        (("elements", 0, "price_components", 0, "step_size"), Decimal("300.0"), "Not a valid integer."),
        (("elements", 0, "price_components", 0, "step_size"), -1, "Must be greater than or equal to 0."),
        (("elements", 0, "price_components", 0, "type"), "RESERVATION_TIME", None),
        (("elements", 0, "price_components", 0, "type"), "time", None),
        (("elements", 1, "restrictions", "start_time"), "24:00", "Must be a time HH:MM (00:00 to 23:59)."),
        (("elements", 1, "restrictions", "end_time"), "9:00", "Must be a time HH:MM (00:00 to 23:59)."),
        (("elements", 1, "restrictions", "start_date"), "2015-13-01", "Must be a date YYYY-MM-DD."),
        (("elements", 1, "restrictions", "end_date"), "2015-02-30", "Must be a date YYYY-MM-DD."),
        (("elements", 1, "restrictions", "end_date"), "20151227", "Must be a date YYYY-MM-DD."),
        (("elements", 1, "restrictions", "start_date"), "24/12/2015", "Must be a date YYYY-MM-DD."),
        (("elements", 1, "restrictions", "min_kwh"), "20", "Not a valid number."),
        (("elements", 1, "restrictions", "max_power"), True, "Not a valid number."),
        (("elements", 1, "restrictions", "min_duration"), Decimal("1.5"), "Not a valid integer."),
        (("elements", 1, "restrictions", "day_of_week", 0), "monday", None),
        (("elements", 1, "restrictions", "day_of_week"), "MONDAY", "Not a valid list."),
        (("tariff_alt_text", 0, "language"), "eng", None),
        (("energy_mix", "energy_sources", 0, "percentage"), Decimal("-1"), None),
    ],
)
def test_wrong_values_are_named_by_path(path: tuple[Any, ...], value: Any, message: str | None) -> None:
    data = valid()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    found = errors(load_tariff, data, owner=CPO)
    dotted = ".".join(str(p) for p in path)
    assert set(found) == {dotted}
    if message is not None:
        assert found[dotted] == message


def test_211_restrictions_only(caplog: pytest.LogCaptureFixture) -> None:
    # 2.2.1's min_current/max_current/reservation restrictions and vat are unknown fields in 2.1.1.
    caplog.set_level("INFO", logger="flask_ocpi")
    data = valid()
    data["elements"][1]["restrictions"]["reservation"] = "RESERVATION"
    data["elements"][1]["restrictions"]["max_current"] = 16
    data["elements"][0]["price_components"][0]["vat"] = 21
    data["type"] = "AD_HOC_PAYMENT"
    assert load_tariff(data, owner=CPO) == rich_tariff()
    assert "max_current" in caplog.text


def test_null_optionals_and_lists() -> None:
    data = valid()
    data["tariff_alt_text"] = None
    data["tariff_alt_url"] = None
    data["energy_mix"] = None
    data["elements"][1]["restrictions"] = {"day_of_week": None, "start_time": None}
    tariff = load_tariff(data, owner=CPO)
    assert tariff.tariff_alt_text == [] and tariff.tariff_alt_url is None and tariff.energy_mix is None
    assert tariff.elements[1].restrictions == TariffRestrictions()


def test_changes() -> None:
    assert load_tariff_changes({"currency": "USD", "tariff_alt_url": None, "last_updated": "2016-01-01T00:00:00Z"}) == {
        "currency": "USD",
        "tariff_alt_url": None,
        "last_updated": at(0).replace(year=2016, month=1, day=1, second=0),
    }
    assert errors(load_tariff_changes, {"elements": [{"price_components": [{"type": "TIME"}]}]}) == {
        "elements.0.price_components.0.price": MISSING,
        "elements.0.price_components.0.step_size": MISSING,
    }
    assert errors(load_tariff_changes, {"currency": None}) == {"currency": "Field may not be null."}


def test_rich_tariff_dump_validates_and_round_trips() -> None:
    tariff = rich_tariff()
    dumped = dump_tariff(tariff)
    assert TariffSchema().validate(dumped) == {}
    assert load_tariff(dumped, owner=CPO) == tariff
    assert isinstance(dumped["elements"][0]["price_components"][0]["price"], Decimal)
    response = ok(dumped)
    assert load_tariff(json.loads(response.get_data(), parse_float=Decimal)["data"], owner=CPO) == tariff


def test_dump_leaves_out_what_211_cannot_express() -> None:
    tariff = rich_tariff()
    tariff.type = TariffType.PROFILE_GREEN
    tariff.min_price = Price(excl_vat=Decimal("1"), incl_vat=Decimal("1.21"))
    tariff.max_price = Price(excl_vat=Decimal("10"))
    tariff.start_date_time = at(0)
    tariff.end_date_time = at(23)
    tariff.elements[0].price_components[0] = replace(tariff.elements[0].price_components[0], vat=Decimal("21"))
    reservation = TariffElement(
        price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("5"), step_size=60)],
        restrictions=TariffRestrictions(reservation=ReservationRestrictionType.RESERVATION),
    )
    current = TariffElement(
        price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("9"), step_size=60)],
        restrictions=TariffRestrictions(max_current=Decimal("16")),
    )
    tariff.elements[1:1] = [reservation, current]
    dumped = dump_tariff(tariff)
    assert TariffSchema().validate(dumped) == {}
    assert set(dumped) == {
        "id",
        "currency",
        "tariff_alt_text",
        "tariff_alt_url",
        "elements",
        "energy_mix",
        "last_updated",
    }
    assert dumped["elements"][0]["price_components"][0] == {"type": "FLAT", "price": Decimal("2.50"), "step_size": 1}
    # elements whose restrictions 2.1.1 cannot state are left out, not loosened
    assert dumped["elements"] == dump_tariff(rich_tariff())["elements"]
    with pytest.raises(NotExpressible):
        dump_tariff(replace(tariff, elements=[reservation, current]))


def test_dump_omits_absent_optionals() -> None:
    tariff = replace(rich_tariff(), tariff_alt_text=[], tariff_alt_url=None, energy_mix=None)
    tariff.elements[1].restrictions = TariffRestrictions()
    dumped = dump_tariff(tariff)
    assert set(dumped) == {"id", "currency", "elements", "last_updated"}
    assert dumped["elements"][1]["restrictions"] == {}
    assert load_tariff(dumped, owner=CPO) == tariff
