"""OCPI 2.1.1 Locations schemas: Location, EVSE, Connector (``mod_locations.md``)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.models import (
    Capability,
    ConnectorType,
    Facility,
    Hours,
    LocationType,
    ParkingType,
    PartyKey,
    PowerType,
    RegularHours,
    Status,
)
from flask_ocpi.transport.envelope import ok
from flask_ocpi.v2_1_1.schemas.common import NotExpressible
from flask_ocpi.v2_1_1.schemas.locations import (
    ConnectorSchema,
    EVSESchema,
    LocationSchema,
    dump_connector,
    dump_evse,
    dump_location,
    load_connector,
    load_connector_changes,
    load_evse,
    load_evse_changes,
    load_location,
    load_location_changes,
)
from tests.v2_1_1.examples import CPO, at, errors, example, rich_connector, rich_evse, rich_location

MISSING = "Missing data for required field."


def valid_location() -> dict[str, Any]:
    """The 2.1.1 JSON of a rich location (checked valid in test_rich_location_dump_validates)."""
    return dump_location(rich_location())


# ------------------------------------------------------------------------------ examples


def test_location_example_loads() -> None:
    # mod_locations.md 3.1 Example.
    location = load_location(example("mod_locations__location").body, owner=PartyKey("be", "bec"))
    assert (location.country_code, location.party_id) == ("BE", "BEC")
    assert location.type is LocationType.ON_STREET
    assert location.country == "BEL"
    assert [e.uid for e in location.evses] == ["3256", "3257"]
    connector = location.evses[0].connectors[1]
    assert (connector.max_voltage, connector.max_amperage, connector.tariff_ids) == (220, 16, ["11"])
    assert connector.last_updated == at(8, 12, day=18).replace(month=3, second=1)
    assert location.evses[0].status_schedule == []  # "status_schedule": []
    assert location.evses[1].status is Status.RESERVED
    assert location.operator is not None and location.operator.name == "BeCharged"
    assert location.last_updated == at(20, 39)


def test_location_example_round_trips() -> None:
    location = load_location(example("mod_locations__location").body, owner=CPO)
    assert load_location(dump_location(location), owner=CPO) == location


@pytest.mark.parametrize(
    ("name", "url", "load", "changes"),
    [
        (
            "mod_locations__patch_status_update",
            "https://www.server.com/ocpi/emsp/2.0/locations/NL/TNM/1012/3255",
            load_evse_changes,
            {"status": Status.CHARGING},
        ),
        (
            "mod_locations__patch_location_name",
            "https://www.server.com/ocpi/emsp/2.0/locations/NL/TNM/1012",
            load_location_changes,
            {"name": "Interparking Gent Zuid"},
        ),
        (
            "mod_locations__patch_set_tariff",
            "https://www.server.com/ocpi/emsp/2.0/locations/NL/TNM/1012/3255/2",
            load_connector_changes,
            {"tariff_ids": ["15"]},
        ),
        (
            "mod_locations__patch_delete_evse",
            "https://www.server.com/ocpi/emsp/2.0/locations/NL/TNM/1012/3256",
            load_evse_changes,
            {"status": Status.REMOVED},
        ),
    ],
)
def test_patch_examples_load(name: str, url: str, load: Any, changes: dict[str, Any]) -> None:
    # mod_locations.md 2.2.3 PATCH examples (the URL names the object level).
    ex = example(name)
    assert (ex.method, ex.url) == ("PATCH", url)
    assert load(ex.body) == changes


def test_add_evse_example_fails_for_its_documented_defects() -> None:
    # mod_locations.md 2.2.3 "Example: add an EVSE": the example itself says incomplete objects
    # may be discarded, and it is incomplete: the connector lacks power_type, voltage, amperage
    # and last_updated (all card. 1), the EVSE lacks last_updated, and physical_reference and
    # floor_level are JSON numbers where the spec defines string(16) / string(4).
    ex = example("mod_locations__put_add_evse")
    assert (ex.method, ex.url) == ("PUT", "https://www.server.com/ocpi/emsp/2.0/locations/NL/TNM/1012/3256")
    assert errors(load_evse, ex.body) == {
        "connectors.0.power_type": MISSING,
        "connectors.0.voltage": MISSING,
        "connectors.0.amperage": MISSING,
        "connectors.0.last_updated": MISSING,
        "physical_reference": "Not a valid string.",
        "floor_level": "Not a valid string.",
        "last_updated": MISSING,
    }


def test_opening_times_example_loads() -> None:
    # mod_locations.md 4.19.1: sends both regular_hours and "twentyfourseven": false.
    data = valid_location()
    data["opening_times"] = example("mod_locations__opening_times").body["opening_times"]
    hours = load_location(data, owner=CPO).opening_times
    assert hours is not None and hours.twentyfourseven is False
    assert hours.regular_hours[0] == RegularHours(weekday=1, period_begin="08:00", period_end="20:00")
    assert [r.weekday for r in hours.regular_hours] == [1, 2, 3, 4, 5]
    assert hours.exceptional_openings[0].period_begin == at(9, day=21).replace(year=2014, second=0)
    assert hours.exceptional_closings[0].period_end == at(0, day=25).replace(year=2014, second=0)


# -------------------------------------------------------------------- required / types


@pytest.mark.parametrize(
    "field", ["id", "type", "address", "city", "postal_code", "country", "coordinates", "last_updated"]
)
def test_location_required_fields(field: str) -> None:
    data = valid_location()
    del data[field]
    assert errors(load_location, data, owner=CPO) == {field: MISSING}
    data[field] = None
    assert errors(load_location, data, owner=CPO) == {field: "Field may not be null."}


@pytest.mark.parametrize("field", ["uid", "status", "connectors", "last_updated"])
def test_evse_required_fields(field: str) -> None:
    data = valid_location()
    del data["evses"][1][field]
    assert errors(load_location, data, owner=CPO) == {f"evses.1.{field}": MISSING}


@pytest.mark.parametrize("field", ["id", "standard", "format", "power_type", "voltage", "amperage", "last_updated"])
def test_connector_required_fields(field: str) -> None:
    data = valid_location()
    del data["evses"][0]["connectors"][1][field]
    assert errors(load_location, data, owner=CPO) == {f"evses.0.connectors.1.{field}": MISSING}
    single = dump_connector(rich_connector())
    del single[field]
    assert errors(load_connector, single) == {field: MISSING}


def test_evse_needs_at_least_one_connector() -> None:
    data = dump_evse(rich_evse())
    data["connectors"] = []
    assert errors(load_evse, data) == {"connectors": "Shorter than minimum length 1."}


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        (("id",), 39),
        (("name",), 255),
        (("address",), 45),
        (("city",), 45),
        (("postal_code",), 10),
        (("time_zone",), 255),
        (("evses", 0, "uid"), 39),
        (("evses", 0, "evse_id"), 48),
        (("evses", 0, "floor_level"), 4),
        (("evses", 0, "physical_reference"), 16),
        (("evses", 0, "connectors", 0, "id"), 36),
        (("evses", 0, "connectors", 0, "tariff_id"), 36),
        (("operator", "name"), 100),
        (("images", 0, "type"), 4),
    ],
)
def test_string_lengths(path: tuple[Any, ...], limit: int) -> None:
    data = valid_location()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = "x" * limit
    assert isinstance(load_location(data, owner=CPO).id, str)  # exactly the limit loads
    parent[path[-1]] = "x" * (limit + 1)
    dotted = ".".join(str(p) for p in path)
    assert errors(load_location, data, owner=CPO) == {dotted: f"Longer than maximum length {limit}."}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("evses", 0, "connectors", 0, "voltage"), "230", "Not a valid integer."),
        (("evses", 0, "connectors", 0, "voltage"), True, "Not a valid integer."),
        (("evses", 0, "connectors", 0, "amperage"), Decimal("16.5"), "Not a valid integer."),
        (("evses", 0, "connectors", 0, "amperage"), -16, "Must be greater than or equal to 0."),
        (("charging_when_closed",), "false", "Not a valid boolean."),
        (("charging_when_closed",), 0, "Not a valid boolean."),
        (("evses",), {"uid": "1"}, "Not a valid list."),
        (("coordinates",), "51.047599,3.729944", "Invalid input type."),
        (("last_updated",), 1435610349, "Not a valid OCPI DateTime."),
        (("last_updated",), "yesterday", "Not a valid OCPI DateTime."),
        (("evses", 0, "status_schedule", 0, "period_begin"), "2015-06-29", "Not a valid OCPI DateTime."),
        (("name",), "Gent Zuid\n", "Only printable ASCII is allowed."),
        (("country",), "BE", "Must be an ISO 3166-1 alpha-3 country code (3 upper-case letters)."),
        (("country",), "bel", "Must be an ISO 3166-1 alpha-3 country code (3 upper-case letters)."),
        (
            ("opening_times", "regular_hours", 0, "weekday"),
            0,
            "Must be greater than or equal to 1 and less than or equal to 7.",
        ),
        (
            ("opening_times", "regular_hours", 0, "weekday"),
            8,
            "Must be greater than or equal to 1 and less than or equal to 7.",
        ),
        (("opening_times", "regular_hours", 0, "period_begin"), "24:00", "Must be a time HH:MM (00:00 to 23:59)."),
        (("opening_times", "regular_hours", 0, "period_begin"), "8:00", "Must be a time HH:MM (00:00 to 23:59)."),
        (("opening_times", "regular_hours", 0, "period_end"), "20:60", "Must be a time HH:MM (00:00 to 23:59)."),
        (("opening_times", "regular_hours", 0, "period_end"), "07:59", "Must be later than period_begin."),
        (("opening_times", "regular_hours", 0, "period_end"), "08:00", "Must be later than period_begin."),
        (("evses", 0, "coordinates", "latitude"), "51.05", r"Must match -?[0-9]{1,2}\.[0-9]{6}."),
        (("related_locations", 0, "longitude"), "3.7", r"Must match -?[0-9]{1,3}\.[0-9]{6}."),
        (("evses", 0, "connectors", 0, "terms_and_conditions"), "terms.html", "Not a valid URL."),
        (("energy_mix", "environ_impact", 0, "source"), "CO2", None),
    ],
)
def test_wrong_values_are_named_by_path(path: tuple[Any, ...], value: Any, message: str | None) -> None:
    data = valid_location()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    found = errors(load_location, data, owner=CPO)
    dotted = ".".join(str(p) for p in path)
    assert set(found) == {dotted}
    if message is not None:
        assert found[dotted] == message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # 2.2.1-only values of the (union) model enums: refused by the 2.1.1 schema.
        (("evses", 0, "connectors", 0, "standard"), "CHAOJI"),
        (("evses", 0, "connectors", 0, "standard"), "GBT_DC"),
        (("evses", 0, "connectors", 0, "standard"), "NEMA_5_20"),
        (("evses", 0, "connectors", 0, "standard"), "PANTOGRAPH_TOP_DOWN"),
        (("evses", 0, "connectors", 0, "power_type"), "AC_2_PHASE"),
        (("evses", 0, "connectors", 0, "power_type"), "AC_2_PHASE_SPLIT"),
        (("evses", 0, "capabilities", 1), "CHIP_CARD_SUPPORT"),
        (("evses", 0, "capabilities", 0), "START_SESSION_CONNECTOR_REQUIRED"),
        (("facilities", 0), "BIKE_SHARING"),
        (("facilities", 1), "PARKING_LOT"),
        (("type",), "ALONG_MOTORWAY"),
        # values of no version, and wrong case (enums are case-sensitive)
        (("type",), "on_street"),
        (("evses", 1, "status"), "Charging"),
        (("evses", 0, "connectors", 0, "format"), "PLUG"),
        (("evses", 0, "connectors", 0, "standard"), "iec_62196_t2"),
        (("evses", 0, "parking_restrictions", 0), "TAXI"),
        (("evses", 0, "status_schedule", 0, "status"), "BROKEN"),
        (("images", 0, "category"), "LOGO"),
    ],
)
def test_unknown_enum_values_are_refused(path: tuple[Any, ...], value: str) -> None:
    data = valid_location()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    dotted = ".".join(str(p) for p in path)
    found = errors(load_location, data, owner=CPO)
    assert set(found) == {dotted}
    assert found[dotted].startswith(f"Not an OCPI 2.1.1 value: {value!r}. Must be one of: ")


def test_enum_messages_list_only_211_values() -> None:
    data = valid_location()
    data["evses"][0]["connectors"][0]["standard"] = "CHAOJI"
    message = errors(load_location, data, owner=CPO)["evses.0.connectors.0.standard"]
    assert "TESLA_S" in message and "IEC_60309_2_single_16" in message
    assert "GBT_AC" not in message and "NEMA" not in message


def test_hours_choice() -> None:
    data = valid_location()
    data["opening_times"] = {"exceptional_openings": []}
    assert errors(load_location, data, owner=CPO) == {
        "opening_times.twentyfourseven": "Missing data: one of regular_hours or twentyfourseven is required."
    }
    data["opening_times"] = {
        "twentyfourseven": True,
        "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "09:00"}],
    }
    assert errors(load_location, data, owner=CPO) == {
        "opening_times.regular_hours": "Must be empty when twentyfourseven is true."
    }
    data["opening_times"] = {"twentyfourseven": True}
    assert load_location(data, owner=CPO).opening_times == Hours(twentyfourseven=True)
    data["opening_times"] = {"regular_hours": [{"weekday": 7, "period_begin": "00:00", "period_end": "23:59"}]}
    assert load_location(data, owner=CPO).opening_times == Hours(
        regular_hours=[RegularHours(weekday=7, period_begin="00:00", period_end="23:59")]
    )


def test_duplicate_ids_are_refused() -> None:
    data = valid_location()
    data["evses"][1]["uid"] = data["evses"][0]["uid"]
    assert errors(load_location, data, owner=CPO) == {"evses": "Duplicate uid '3256'."}
    data = valid_location()
    data["evses"][0]["connectors"][1]["id"] = "1"
    assert errors(load_location, data, owner=CPO) == {"evses.0.connectors": "Duplicate id '1'."}


def test_not_an_object() -> None:
    assert errors(load_location, ["LOC1"], owner=CPO) == {"body": "Invalid input type."}
    assert errors(load_evse_changes, "CHARGING") == {"body": "Invalid input type."}


def test_unknown_fields_are_ignored(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="flask_ocpi")
    data = valid_location()
    data["publish"] = False  # 2.2.1 fields are unknown to 2.1.1
    data["parking_type"] = "ALONG_MOTORWAY"
    data["evses"][0]["foo"] = {"bar": 1}
    data["evses"][0]["connectors"][0]["max_electric_power"] = 22000
    data["evses"][0]["connectors"][0]["tariff_ids"] = ["X", "Y"]
    assert load_location(data, owner=CPO) == load_location(valid_location(), owner=CPO)
    assert "max_electric_power" in caplog.text and "parking_type" in caplog.text


def test_model_names_are_not_wire_names() -> None:
    data = dump_connector(rich_connector())
    data["max_voltage"] = data.pop("voltage")
    assert errors(load_connector, data) == {"voltage": MISSING}


# ------------------------------------------------------------------------------ changes


def test_changes_use_model_names_and_types() -> None:
    assert load_connector_changes({"voltage": 400, "amperage": 63, "tariff_id": None, "foo": 1}) == {
        "max_voltage": 400,
        "max_amperage": 63,
        "tariff_ids": [],
    }
    changes = load_evse_changes(
        {
            "status": "AVAILABLE",
            "last_updated": "2015-06-29T20:39:09",
            "evse_id": None,
            "capabilities": None,
            "connectors": [dump_connector(rich_connector("9"))],
        }
    )
    assert changes == {
        "status": Status.AVAILABLE,
        "last_updated": at(20, 39),
        "evse_id": None,
        "capabilities": [],
        "connectors": [rich_connector("9")],
    }
    evses = [rich_evse("A", connectors=1)]
    changes = load_location_changes({"evses": [dump_evse(e) for e in evses], "type": "OTHER", "postal_code": "9000"})
    assert changes == {"evses": evses, "type": LocationType.OTHER, "postal_code": "9000"}
    assert load_location_changes({}) == {}


@pytest.mark.parametrize(
    ("load", "data", "expected"),
    [
        (load_evse_changes, {"status": None}, {"status": "Field may not be null."}),
        (load_evse_changes, {"status": "CHARGING", "connectors": []}, {"connectors": "Shorter than minimum length 1."}),
        (load_evse_changes, {"capabilities": ["CHIP_CARD_SUPPORT"]}, None),
        (load_connector_changes, {"standard": "CHAOJI"}, None),
        (load_connector_changes, {"voltage": "400"}, {"voltage": "Not a valid integer."}),
        # a nested object in a PATCH is validated in full
        (load_evse_changes, {"connectors": [{"id": "1"}]}, None),
        (load_location_changes, {"coordinates": {"latitude": "51.047599"}}, {"coordinates.longitude": MISSING}),
        (load_location_changes, {"country": "NLD", "name": "x" * 256}, {"name": "Longer than maximum length 255."}),
    ],
)
def test_changes_refusals(load: Any, data: dict[str, Any], expected: dict[str, str] | None) -> None:
    found = errors(load, data)
    if expected is not None:
        assert found == expected
    elif load is load_evse_changes and "connectors" in data:
        assert set(found) == {
            f"connectors.0.{f}" for f in ("standard", "format", "power_type", "voltage", "amperage", "last_updated")
        }
    else:
        (path,) = found
        assert found[path].startswith("Not an OCPI 2.1.1 value")


# -------------------------------------------------------------------------------- dumps


def test_rich_location_dump_validates_and_round_trips() -> None:
    location = rich_location()
    dumped = dump_location(location)
    assert LocationSchema().validate(dumped) == {}
    assert load_location(dumped, owner=CPO) == location
    evse = location.evses[0]
    assert EVSESchema().validate(dump_evse(evse)) == {}
    assert load_evse(dump_evse(evse)) == evse
    connector = evse.connectors[0]
    assert ConnectorSchema().validate(dump_connector(connector)) == {}
    assert load_connector(dump_connector(connector)) == connector


def test_twentyfourseven_location_round_trips() -> None:
    location = replace(rich_location(), opening_times=Hours(twentyfourseven=True))
    dumped = dump_location(location)
    assert dumped["opening_times"] == {"twentyfourseven": True}
    assert load_location(dumped, owner=CPO) == location


def test_dump_wire_names_and_values() -> None:
    dumped = dump_connector(rich_connector())
    assert dumped == {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "voltage": 230,
        "amperage": 32,
        "tariff_id": "11",
        "terms_and_conditions": "https://cpo.example.com/terms",
        "last_updated": "2015-06-29T10:00:09Z",
    }
    full = dump_location(rich_location())
    assert full["energy_mix"]["environ_impact"][0]["source"] == "NUCLEAR_WASTE"
    assert isinstance(full["energy_mix"]["energy_sources"][0]["percentage"], Decimal)
    assert full["opening_times"]["twentyfourseven"] is False


def test_dump_survives_the_envelope() -> None:
    location = rich_location()
    response = ok(dump_location(location))
    data = json.loads(response.get_data(), parse_float=Decimal)["data"]
    assert load_location(data, owner=CPO) == location


def test_dump_omits_absent_optionals() -> None:
    bare = replace(
        rich_location(
            evses=[
                replace(
                    rich_evse(connectors=1),
                    status_schedule=[],
                    capabilities=[],
                    evse_id=None,
                    floor_level=None,
                    coordinates=None,
                    physical_reference=None,
                    directions=[],
                    parking_restrictions=[],
                    images=[],
                )
            ]
        ),
        name=None,
        related_locations=[],
        directions=[],
        operator=None,
        suboperator=None,
        owner=None,
        facilities=[],
        time_zone=None,
        opening_times=None,
        charging_when_closed=None,
        images=[],
        energy_mix=None,
    )
    bare.evses[0].connectors[0] = replace(bare.evses[0].connectors[0], tariff_ids=[], terms_and_conditions=None)
    dumped = dump_location(bare)
    assert set(dumped) == {
        "id",
        "type",
        "address",
        "city",
        "postal_code",
        "country",
        "coordinates",
        "evses",
        "last_updated",
    }
    assert set(dumped["evses"][0]) == {"uid", "status", "connectors", "last_updated"}
    assert set(dumped["evses"][0]["connectors"][0]) == {
        "id",
        "standard",
        "format",
        "power_type",
        "voltage",
        "amperage",
        "last_updated",
    }
    assert load_location(dumped, owner=CPO) == bare
    assert "evses" not in dump_location(replace(bare, evses=[]))


@pytest.mark.parametrize(
    ("location_type", "parking_type", "expected"),
    [
        (LocationType.OTHER, ParkingType.ON_STREET, "OTHER"),
        (None, ParkingType.ON_STREET, "ON_STREET"),
        (None, ParkingType.PARKING_GARAGE, "PARKING_GARAGE"),
        (None, ParkingType.UNDERGROUND_GARAGE, "UNDERGROUND_GARAGE"),
        (None, ParkingType.PARKING_LOT, "PARKING_LOT"),
        (None, ParkingType.ALONG_MOTORWAY, "UNKNOWN"),
        (None, ParkingType.ON_DRIVEWAY, "UNKNOWN"),
        (None, None, "UNKNOWN"),
    ],
)
def test_dump_derives_the_required_type(
    location_type: LocationType | None, parking_type: ParkingType | None, expected: str
) -> None:
    location = replace(rich_location(), type=location_type, parking_type=parking_type)
    dumped = dump_location(location)
    assert dumped["type"] == expected
    assert LocationSchema().validate(dumped) == {}


def test_dump_fills_the_required_postal_code() -> None:
    dumped = dump_location(replace(rich_location(), postal_code=None))
    assert dumped["postal_code"] == ""
    assert LocationSchema().validate(dumped) == {}


def test_dump_leaves_out_what_211_cannot_express() -> None:
    location = rich_location()
    location.facilities = [Facility.HOTEL, Facility.BIKE_SHARING, Facility.PARKING_LOT, Facility.WIFI]
    location.publish = False
    location.state = "Oost-Vlaanderen"
    evse = location.evses[0]
    evse.capabilities = [Capability.RESERVABLE, Capability.CHIP_CARD_SUPPORT, Capability.PED_TERMINAL]
    evse.connectors[0] = replace(evse.connectors[0], standard=ConnectorType.CHAOJI)
    evse.connectors[1] = replace(evse.connectors[1], max_electric_power=11000, tariff_ids=["A", "B"])
    only_2_phase = replace(
        location.evses[1], connectors=[replace(location.evses[1].connectors[0], power_type=PowerType.AC_2_PHASE_SPLIT)]
    )
    location.evses[1] = only_2_phase
    dumped = dump_location(location)
    assert LocationSchema().validate(dumped) == {}
    assert dumped["facilities"] == ["HOTEL", "WIFI"]
    assert "publish" not in dumped and "state" not in dumped
    assert [e["uid"] for e in dumped["evses"]] == ["3256"]  # the EVSE without a 2.1.1 connector is left out
    (evse_dump,) = dumped["evses"]
    assert evse_dump["capabilities"] == ["RESERVABLE"]
    assert [c["id"] for c in evse_dump["connectors"]] == ["2"]
    assert evse_dump["connectors"][0]["tariff_id"] == "A"  # 2.1.1 has one tariff per connector
    assert "max_electric_power" not in evse_dump["connectors"][0]
    with pytest.raises(NotExpressible, match=r"3257.* no connector OCPI 2\.1\.1 can express"):
        dump_evse(only_2_phase)
    with pytest.raises(NotExpressible, match="CHAOJI"):
        dump_connector(evse.connectors[0])


def test_dumps_do_not_touch_the_model() -> None:
    location = rich_location()
    before = copy.deepcopy(location)
    dumped = dump_location(location)
    dumped["evses"][0]["connectors"].clear()
    assert location == before


@pytest.mark.parametrize(
    "path",
    [
        ("coordinates", "latitude"),
        ("coordinates", "longitude"),
        ("related_locations", 0, "latitude"),
        ("related_locations", 0, "longitude"),
        ("related_locations", 0, "name", "language"),
        ("directions", 0, "text"),
        ("operator", "name"),
        ("operator", "logo", "url"),
        ("operator", "logo", "category"),
        ("operator", "logo", "type"),
        ("opening_times", "regular_hours", 0, "weekday"),
        ("opening_times", "regular_hours", 0, "period_begin"),
        ("opening_times", "regular_hours", 0, "period_end"),
        ("opening_times", "exceptional_openings", 0, "period_begin"),
        ("opening_times", "exceptional_closings", 0, "period_end"),
        ("energy_mix", "is_green_energy"),
        ("energy_mix", "energy_sources", 1, "source"),
        ("energy_mix", "energy_sources", 0, "percentage"),
        ("energy_mix", "environ_impact", 1, "source"),
        ("energy_mix", "environ_impact", 0, "amount"),
        ("evses", 0, "status_schedule", 0, "period_begin"),
        ("evses", 0, "status_schedule", 1, "status"),
        ("evses", 1, "coordinates", "latitude"),
        ("evses", 1, "images", 0, "category"),
    ],
)
def test_nested_required_fields_are_named_by_path(path: tuple[Any, ...]) -> None:
    data = valid_location()
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert errors(load_location, data, owner=CPO) == {".".join(str(p) for p in path): MISSING}
