"""OCPI 2.1.1 CDR schema (``mod_cdrs.md``)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.models import (
    AuthMethod,
    CdrLocation,
    CdrToken,
    ConnectorFormat,
    ConnectorType,
    GeoLocation,
    PartyKey,
    PowerType,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    SignedData,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)
from flask_ocpi.transport.envelope import ok
from flask_ocpi.v2_1_1.schemas.cdrs import CdrSchema, dump_cdr, load_cdr
from flask_ocpi.v2_1_1.schemas.locations import dump_evse
from tests.v2_1_1.examples import CPO, EMSP, at, errors, example, rich_cdr, rich_evse, rich_location, rich_tariff

MISSING = "Missing data for required field."


def test_cdr_example_fails_for_its_two_documented_defects() -> None:
    # mod_cdrs.md 3.1 "Example of a CDR": the embedded Location has "country": "BE" (must be
    # ISO 3166-1 alpha-3, string(3)) and the embedded Tariff gives "price": "2.00" as a string
    # (PriceComponent.price is a number; OCPI 2.0's decimal strings were dropped in 2.1).
    body = example("mod_cdrs__cdr").body
    assert errors(load_cdr, body, owner=CPO, token_owner=EMSP) == {
        "location.country": "Must be an ISO 3166-1 alpha-3 country code (3 upper-case letters).",
        "tariffs.0.elements.0.price_components.0.price": "Not a valid number.",
    }


def test_cdr_example_loads_once_its_defects_are_fixed() -> None:
    body = copy.deepcopy(example("mod_cdrs__cdr").body)
    body["location"]["country"] = "BEL"
    body["tariffs"][0]["elements"][0]["price_components"][0]["price"] = Decimal("2.00")
    cdr = load_cdr(body, owner=PartyKey("be", "bec"), token_owner=PartyKey("de", "acc"))
    assert (cdr.country_code, cdr.party_id, cdr.id) == ("BE", "BEC", "12345")
    assert (cdr.start_date_time, cdr.end_date_time) == (at(21, 39), at(23, 37).replace(second=32))
    assert cdr.cdr_token == CdrToken(country_code="DE", party_id="ACC", contract_id="DE8ACC12E46L89")
    assert cdr.auth_method is AuthMethod.WHITELIST
    assert cdr.total_cost == Price(excl_vat=Decimal("4.00"))
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (Decimal("15.342"), Decimal("1.973"), None)
    (tariff,) = cdr.tariffs
    assert (tariff.country_code, tariff.party_id, tariff.id) == ("BE", "BEC", "12")
    assert cdr.location is not None and cdr.location.party_id == "BEC"
    # the 2.2.1 snapshot derived from the embedded location (the example swaps Gent's
    # latitude and longitude; both still match the regular expressions)
    assert cdr.cdr_location == CdrLocation(
        id="LOC1",
        name="Gent Zuid",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        coordinates=GeoLocation(latitude="3.729944", longitude="51.047599"),
        evse_uid="3256",
        evse_id="BE-BEC-E041503003",
        connector_id="1",
        connector_standard=ConnectorType.IEC_62196_T2,
        connector_format=ConnectorFormat.SOCKET,
        connector_power_type=PowerType.AC_1_PHASE,
    )


def valid() -> dict[str, Any]:
    return dump_cdr(rich_cdr())


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "start_date_time",
        "stop_date_time",
        "auth_id",
        "auth_method",
        "location",
        "currency",
        "charging_periods",
        "total_cost",
        "total_energy",
        "total_time",
        "last_updated",
    ],
)
def test_required_fields(field: str) -> None:
    data = valid()
    del data[field]
    assert errors(load_cdr, data, owner=CPO, token_owner=EMSP) == {field: MISSING}


def test_end_date_time_stands_in_for_a_missing_stop_date_time(caplog: pytest.LogCaptureFixture) -> None:
    """Tolerant in what we receive: some 2.1.1 parties send 2.2.1's name (logged); never sent."""
    data = valid()
    data["end_date_time"] = data.pop("stop_date_time")
    cdr = load_cdr(data, owner=CPO, token_owner=EMSP)
    assert cdr.end_date_time == rich_cdr().end_date_time
    assert any("instead of stop_date_time" in r.getMessage() for r in caplog.records)
    assert "end_date_time" not in dump_cdr(cdr) and "stop_date_time" in dump_cdr(cdr)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("id",), "x" * 37, "Longer than maximum length 36."),
        (("remark",), "x" * 256, "Longer than maximum length 255."),
        (("charging_periods",), [], "Shorter than minimum length 1."),
        (("charging_periods",), None, "Field may not be null."),
        (("total_cost",), "4.00", "Not a valid number."),
        (("total_time",), None, "Field may not be null."),
        (("total_parking_time",), False, "Not a valid number."),
        (("auth_method",), "COMMAND", None),
        (("charging_periods", 0, "dimensions", 0, "type"), "MIN_POWER", None),
        (("charging_periods", 0, "dimensions", 0, "type"), "ENERGY_IMPORT", None),
        (("tariffs", 0, "currency"), None, "Field may not be null."),
        (("tariffs", 0, "elements", 1, "restrictions", "end_time"), "25:00", "Must be a time HH:MM (00:00 to 23:59)."),
        (("location", "evses", 0, "capabilities", 0), "PED_TERMINAL", None),
    ],
)
def test_wrong_values_are_named_by_path(path: tuple[Any, ...], value: Any, message: str | None) -> None:
    data = valid()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    found = errors(load_cdr, data, owner=CPO, token_owner=EMSP)
    dotted = ".".join(str(p) for p in path)
    assert set(found) == {dotted}
    if message is None:
        assert found[dotted].startswith(f"Not an OCPI 2.1.1 value: {value!r}.")
    else:
        assert found[dotted] == message


def test_location_must_hold_exactly_one_evse_and_connector() -> None:
    data = valid()
    data["location"]["evses"] = [dump_evse(rich_evse("3256")), dump_evse(rich_evse("3257"))]
    assert errors(load_cdr, data, owner=CPO, token_owner=EMSP) == {
        "location.evses": "Must hold exactly the one EVSE used (found 2)."
    }
    data["location"]["evses"] = [dump_evse(rich_evse("3256", connectors=2))]
    assert errors(load_cdr, data, owner=CPO, token_owner=EMSP) == {
        "location.evses.0.connectors": "Must hold exactly the one connector used (found 2)."
    }


def test_unknown_22_fields_are_ignored() -> None:
    data = valid()
    data.update(
        end_date_time="2030-01-01T00:00:00Z",
        session_id="S1",
        cdr_location={"id": "X"},
        total_fixed_cost={"excl_vat": 1},
        credit=True,
    )
    assert load_cdr(data, owner=CPO, token_owner=EMSP) == rich_cdr()


def test_evse_without_evse_id_gives_the_na_placeholder() -> None:
    data = valid()
    del data["location"]["evses"][0]["evse_id"]
    cdr = load_cdr(data, owner=CPO, token_owner=EMSP)
    assert cdr.cdr_location is not None and cdr.cdr_location.evse_id == "#NA"


def test_rich_cdr_dump_validates_and_round_trips() -> None:
    cdr = rich_cdr()
    dumped = dump_cdr(cdr)
    assert CdrSchema().validate(dumped) == {}
    assert load_cdr(dumped, owner=CPO, token_owner=EMSP) == cdr
    response = ok(dumped)
    assert load_cdr(json.loads(response.get_data(), parse_float=Decimal)["data"], owner=CPO, token_owner=EMSP) == cdr


def test_dump_wire_names() -> None:
    dumped = dump_cdr(rich_cdr())
    assert dumped["stop_date_time"] == "2015-06-29T23:37:09Z"
    assert dumped["auth_id"] == "DE8ACC12E46L89"
    assert dumped["total_cost"] == Decimal("4.00")
    assert "end_date_time" not in dumped and "cdr_location" not in dumped and "cdr_token" not in dumped


def test_dump_embeds_only_the_cdr_location_evse_and_connector() -> None:
    cdr = replace(rich_cdr(), location=rich_location())
    assert cdr.cdr_location is not None
    cdr.cdr_location.evse_uid, cdr.cdr_location.connector_id = "3256", "2"
    dumped = dump_cdr(cdr)
    assert [(e["uid"], [c["id"] for c in e["connectors"]]) for e in dumped["location"]["evses"]] == [("3256", ["2"])]
    assert CdrSchema().validate(dumped) == {}
    with pytest.raises(ValueError, match="no EVSE '3256' with connector '9'"):
        cdr.cdr_location.connector_id = "9"
        dump_cdr(cdr)


def test_dump_without_cdr_location_embeds_the_location_as_is() -> None:
    cdr = replace(rich_cdr(), cdr_location=None)
    dumped = dump_cdr(cdr)
    assert CdrSchema().validate(dumped) == {}
    assert load_cdr(dumped, owner=CPO, token_owner=EMSP).location == cdr.location


def test_dump_needs_the_location() -> None:
    with pytest.raises(ValueError, match="no location"):
        dump_cdr(replace(rich_cdr(), location=None))


def test_dump_leaves_out_what_211_cannot_express() -> None:
    cdr = rich_cdr()
    cdr.auth_method = AuthMethod.COMMAND
    cdr.session_id = "S1"
    cdr.authorization_reference = "REF"
    cdr.total_cost = Price(excl_vat=Decimal("4.00"), incl_vat=Decimal("4.84"))
    cdr.total_energy_cost = Price(excl_vat=Decimal("1"))
    cdr.signed_data = SignedData(encoding_method="OCMF")
    cdr.credit = False
    reservation_only = replace(
        rich_tariff("R"),
        elements=[
            TariffElement(
                price_components=[PriceComponent(type=TariffDimensionType.FLAT, price=Decimal("2"), step_size=1)],
                restrictions=TariffRestrictions(reservation=ReservationRestrictionType.RESERVATION_EXPIRES),
            )
        ],
    )
    cdr.tariffs.append(reservation_only)
    dumped = dump_cdr(cdr)
    assert CdrSchema().validate(dumped) == {}
    assert dumped["auth_method"] == "AUTH_REQUEST"
    assert dumped["total_cost"] == Decimal("4.00")
    assert [t["id"] for t in dumped["tariffs"]] == ["11"]  # a tariff 2.1.1 cannot express is left out
    for key in ("session_id", "authorization_reference", "total_energy_cost", "signed_data", "credit"):
        assert key not in dumped
