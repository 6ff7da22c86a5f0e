"""OCPI 2.1.1 shared field types and classes: DisplayText, GeoLocation, EnergyMix, Image, ..."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.models import (
    AdditionalGeoLocation,
    BusinessDetails,
    DisplayText,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    GeoLocation,
)
from flask_ocpi.schemas import load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    AdditionalGeoLocationSchema,
    BusinessDetailsSchema,
    DisplayTextSchema,
    EnergyMixSchema,
    GeoLocationSchema,
    ImageSchema,
    dump_additional_geo_location,
    dump_business_details,
    dump_display_text,
    dump_energy_mix,
    dump_geo_location,
    dump_image,
)
from tests.v2_1_1.examples import errors, example, rich_energy_mix, rich_image


def test_display_text_example_loads() -> None:
    # types.md 1.3: the DisplayText example.
    loaded = load_or_raise(DisplayTextSchema(), example("types__display_text").body)
    assert loaded == DisplayText(language="en", text="Standard Tariff")


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"text": "x"}, "language", "Missing data for required field."),
        ({"language": "en"}, "text", "Missing data for required field."),
        (
            {"language": "eng", "text": "x"},
            "language",
            "Must be an ISO 639-1 language code (2 letters). Longer than maximum length 2.",
        ),
        ({"language": "e1", "text": "x"}, "language", "Must be an ISO 639-1 language code (2 letters)."),
        ({"language": "en", "text": "x" * 513}, "text", "Longer than maximum length 512."),
        ({"language": "en", "text": "caf\u00e9"}, "text", "Only printable ASCII is allowed."),
        ({"language": "en", "text": 5}, "text", "Not a valid string."),
        ({"language": None, "text": "x"}, "language", "Field may not be null."),
    ],
)
def test_display_text_refusals(data: dict[str, Any], path: str, message: str) -> None:
    assert errors(load_or_raise, DisplayTextSchema(), data) == {path: message}


def test_display_text_at_maximum_length_loads() -> None:
    assert load_or_raise(DisplayTextSchema(), {"language": "NL", "text": "x" * 512}).text == "x" * 512


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("51.047599", "3.729944"), ("-9.000000", "-126.104965"), ("0.000000", "179.999999")],
)
def test_geo_location_valid(latitude: str, longitude: str) -> None:
    geo = load_or_raise(GeoLocationSchema(), {"latitude": latitude, "longitude": longitude})
    assert geo == GeoLocation(latitude=latitude, longitude=longitude)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "51.04759"),  # 5 decimals: 2.2.1 allows 5 to 7, 2.1.1 exactly 6
        ("latitude", "51.0475991"),
        ("latitude", "151.047599"),  # three integer digits
        ("latitude", "+51.047599"),
        ("latitude", "51,047599"),
        ("latitude", "51"),
        ("longitude", "1000.000000"),
        ("longitude", "3.72994"),
        ("longitude", " 3.729944"),
        ("longitude", "3.729944e0"),
    ],
)
def test_geo_location_regexes(field: str, value: str) -> None:
    data = {"latitude": "51.047599", "longitude": "3.729944", field: value}
    pattern = r"-?[0-9]{1,2}\.[0-9]{6}" if field == "latitude" else r"-?[0-9]{1,3}\.[0-9]{6}"
    (message,) = errors(load_or_raise, GeoLocationSchema(), data).values()
    assert set(errors(load_or_raise, GeoLocationSchema(), data)) == {field}
    assert pattern in message or "maximum length" in message


def test_geo_location_numbers_are_refused() -> None:
    assert errors(load_or_raise, GeoLocationSchema(), {"latitude": 51.047599, "longitude": "3.729944"}) == {
        "latitude": "Not a valid string."
    }


def test_additional_geo_location_with_name_and_nested_error_path() -> None:
    data = {"latitude": "51.047599", "longitude": "3.729944", "name": {"language": "nl", "text": "Ingang"}}
    assert load_or_raise(AdditionalGeoLocationSchema(), data) == AdditionalGeoLocation(
        latitude="51.047599", longitude="3.729944", name=DisplayText(language="nl", text="Ingang")
    )
    data["name"] = {"language": "nl"}
    assert errors(load_or_raise, AdditionalGeoLocationSchema(), data) == {
        "name.text": "Missing data for required field."
    }


@pytest.mark.parametrize(
    "name",
    ["mod_locations__energy_mix_simple", "mod_locations__energy_mix_tariff_name", "mod_locations__energy_mix_complete"],
)
def test_energy_mix_examples_load(name: str) -> None:
    # mod_locations.md 4.5: the three EnergyMix examples (fragments "energy_mix": {...}).
    mix = load_or_raise(EnergyMixSchema(), example(name).body["energy_mix"])
    assert isinstance(mix, EnergyMix)


def test_energy_mix_complete_example_values() -> None:
    mix = load_or_raise(EnergyMixSchema(), example("mod_locations__energy_mix_complete").body["energy_mix"])
    assert mix.is_green_energy is False
    assert mix.energy_sources[0] == EnergySource(source=EnergySourceCategory.GENERAL_GREEN, percentage=Decimal("35.9"))
    assert sum(s.percentage for s in mix.energy_sources) == Decimal("100.0")
    # 2.1.1's "source" of an EnvironmentalImpact is the model's "category".
    assert mix.environ_impact == [
        EnvironmentalImpact(category=EnvironmentalImpactCategory.NUCLEAR_WASTE, amount=Decimal("0.0006")),
        EnvironmentalImpact(category=EnvironmentalImpactCategory.CARBON_DIOXIDE, amount=Decimal("372")),
    ]
    assert mix.supplier_name == "E.ON Energy Deutschland"


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({}, "is_green_energy", "Missing data for required field."),
        ({"is_green_energy": "true"}, "is_green_energy", "Not a valid boolean."),
        ({"is_green_energy": 1}, "is_green_energy", "Not a valid boolean."),
        (
            {"is_green_energy": True, "energy_sources": [{"source": "SOLAR", "percentage": Decimal("100.5")}]},
            "energy_sources.0.percentage",
            "Must be greater than or equal to 0 and less than or equal to 100.",
        ),
        (
            {"is_green_energy": True, "energy_sources": [{"source": "SOLAR", "percentage": "50"}]},
            "energy_sources.0.percentage",
            "Not a valid number.",
        ),
        (
            {"is_green_energy": True, "energy_sources": [{"source": "HYDRO", "percentage": 50}]},
            "energy_sources.0.source",
            "Not an OCPI 2.1.1 value: 'HYDRO'. Must be one of: NUCLEAR, GENERAL_FOSSIL, COAL, GAS, "
            "GENERAL_GREEN, SOLAR, WIND, WATER.",
        ),
        (
            # 2.2.1 calls the field "category": in 2.1.1 it is "source", so it is missing here.
            {"is_green_energy": True, "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 372}]},
            "environ_impact.0.source",
            "Missing data for required field.",
        ),
        ({"is_green_energy": True, "supplier_name": "x" * 65}, "supplier_name", "Longer than maximum length 64."),
        ({"is_green_energy": True, "energy_sources": {}}, "energy_sources", "Not a valid list."),
    ],
)
def test_energy_mix_refusals(data: dict[str, Any], path: str, message: str) -> None:
    assert errors(load_or_raise, EnergyMixSchema(), data) == {path: message}


def test_star_lists_accept_null_as_empty_and_optionals_null() -> None:
    mix = load_or_raise(
        EnergyMixSchema(),
        {"is_green_energy": True, "energy_sources": None, "environ_impact": [], "supplier_name": None},
    )
    assert mix == EnergyMix(is_green_energy=True)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"width": 100000}, "width", "Must be greater than or equal to 0 and less than or equal to 99999."),
        ({"width": "800"}, "width", "Not a valid integer."),
        ({"height": 600.0}, "height", "Not a valid integer."),
        ({"height": True}, "height", "Not a valid integer."),
        ({"type": "jpeg2"}, "type", "Longer than maximum length 4."),
        ({"url": "not a url"}, "url", "Not a valid URL."),
        ({"category": "LOGO"}, "category", None),
    ],
)
def test_image_refusals(change: dict[str, Any], path: str, message: str | None) -> None:
    data = {**dump_image(rich_image()), **change}
    found = errors(load_or_raise, ImageSchema(), data)
    assert set(found) == {path}
    if message is not None:
        assert found[path] == message


def test_business_details_nested_image_error_path() -> None:
    data = {"name": "X", "logo": {"url": "https://x.example.com/l.png", "category": "OPERATOR"}}
    assert errors(load_or_raise, BusinessDetailsSchema(), data) == {"logo.type": "Missing data for required field."}


def test_unknown_fields_are_ignored_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="flask_ocpi")
    loaded = load_or_raise(BusinessDetailsSchema(), {"name": "X", "phone": "123"})
    assert loaded == BusinessDetails(name="X")
    assert "phone" in caplog.text


def test_dumps_validate_and_round_trip() -> None:
    image = rich_image()
    assert ImageSchema().validate(dump_image(image)) == {}
    assert load_or_raise(ImageSchema(), dump_image(image)) == image
    details = BusinessDetails(name="BeCharged", website="https://becharged.example.com", logo=image)
    assert load_or_raise(BusinessDetailsSchema(), dump_business_details(details)) == details
    mix = rich_energy_mix()
    dumped = dump_energy_mix(mix)
    assert dumped["environ_impact"][0] == {"source": "NUCLEAR_WASTE", "amount": Decimal("0.0006")}
    assert isinstance(dumped["energy_sources"][0]["percentage"], Decimal)
    assert EnergyMixSchema().validate(dumped) == {}
    assert load_or_raise(EnergyMixSchema(), dumped) == mix
    geo = AdditionalGeoLocation(latitude="1.000000", longitude="2.000000", name=DisplayText(language="en", text="E"))
    assert load_or_raise(AdditionalGeoLocationSchema(), dump_additional_geo_location(geo)) == geo
    assert dump_geo_location(GeoLocation(latitude="1.000000", longitude="2.000000")) == {
        "latitude": "1.000000",
        "longitude": "2.000000",
    }
    assert dump_display_text(DisplayText(language="en", text="t")) == {"language": "en", "text": "t"}


def test_dumps_omit_absent_optionals() -> None:
    assert dump_energy_mix(EnergyMix(is_green_energy=True)) == {"is_green_energy": True}
    assert dump_business_details(BusinessDetails(name="X")) == {"name": "X"}
    assert dump_additional_geo_location(AdditionalGeoLocation(latitude="1.000000", longitude="2.000000")) == {
        "latitude": "1.000000",
        "longitude": "2.000000",
    }


def test_coordinates_are_sent_with_the_six_decimals_2_1_1_requires() -> None:
    from flask_ocpi.models import AdditionalGeoLocation, GeoLocation
    from flask_ocpi.v2_1_1.schemas.common import (
        AdditionalGeoLocationSchema,
        GeoLocationSchema,
        dump_additional_geo_location,
        dump_geo_location,
    )

    geo = dump_geo_location(GeoLocation(latitude="52.37", longitude="4.9041237"))  # 2.2.1 allows 5 to 7 decimals
    assert geo == {"latitude": "52.370000", "longitude": "4.904124"}
    assert GeoLocationSchema().validate(geo) == {}
    extra = dump_additional_geo_location(AdditionalGeoLocation(latitude="-3.1234567", longitude="-120.00001"))
    assert extra == {"latitude": "-3.123457", "longitude": "-120.000010"}
    assert AdditionalGeoLocationSchema().validate(extra) == {}
    assert dump_geo_location(GeoLocation(latitude="north", longitude="1.000000"))["latitude"] == "north"
