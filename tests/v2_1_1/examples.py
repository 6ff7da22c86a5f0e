"""Test material for the OCPI 2.1.1 schemas.

* :func:`example` reads the specification's inline examples, copied verbatim into
  ``tests/v2_1_1/examples/`` (see ``NOTICE.md`` there; never read from a spec checkout).
* ``rich_*`` build model objects with every field OCPI 2.1.1 can carry populated, to prove
  that dumps validate and round-trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.models import (
    CDR,
    EVSE,
    AdditionalGeoLocation,
    AllowedType,
    AuthMethod,
    AuthorizationInfo,
    BusinessDetails,
    Capability,
    CdrDimension,
    CdrDimensionType,
    CdrLocation,
    CdrToken,
    ChargingPeriod,
    Connector,
    ConnectorFormat,
    ConnectorType,
    DayOfWeek,
    DisplayText,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    ExceptionalPeriod,
    Facility,
    GeoLocation,
    Hours,
    Image,
    ImageCategory,
    Location,
    LocationReferences,
    LocationType,
    ParkingRestriction,
    PartyKey,
    PowerType,
    Price,
    PriceComponent,
    RegularHours,
    Session,
    SessionStatus,
    Status,
    StatusSchedule,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    Token,
    TokenType,
    WhitelistType,
)

EXAMPLES = Path(__file__).parent / "examples"

#: Where each example file comes from (chapter of the 2.1.1 text, section).
SOURCES: dict[str, tuple[str, str]] = {
    "mod_locations__patch_status_update": ("mod_locations.md", "2.2.3 PATCH, Example: a simple status update"),
    "mod_locations__patch_location_name": ("mod_locations.md", "2.2.3 PATCH, Example: change the location name"),
    "mod_locations__patch_set_tariff": ("mod_locations.md", "2.2.3 PATCH, Example: set tariff update"),
    "mod_locations__put_add_evse": ("mod_locations.md", "2.2.3 PATCH, Example: add an EVSE"),
    "mod_locations__patch_delete_evse": ("mod_locations.md", "2.2.3 PATCH, Example: delete an EVSE"),
    "mod_locations__location": ("mod_locations.md", "3.1 Location Object, Example"),
    "mod_locations__energy_mix_simple": ("mod_locations.md", "4.5 EnergyMix, Examples: Simple"),
    "mod_locations__energy_mix_tariff_name": ("mod_locations.md", "4.5 EnergyMix, Examples: Tariff name based"),
    "mod_locations__energy_mix_complete": ("mod_locations.md", "4.5 EnergyMix, Examples: Complete"),
    "mod_locations__opening_times": ("mod_locations.md", "4.19.1 RegularHours, Example"),
    "mod_sessions__patch_total_cost": ("mod_sessions.md", "2.2.3 PATCH, Example: update the total cost"),
    "mod_sessions__session_just_started": ("mod_sessions.md", "3.1 Session, example of a just starting session"),
    "mod_sessions__session_short_finished": ("mod_sessions.md", "3.1 Session, example of a short finished session"),
    "mod_cdrs__cdr": ("mod_cdrs.md", "3.1 CDR Object, Example of a CDR"),
    "mod_tariffs__put_new_tariff": ("mod_tariffs.md", "2.2.2 PUT, Example: New Tariff 2 euro per hour"),
    "mod_tariffs__patch_change_tariff": ("mod_tariffs.md", "2.2.3 PATCH, Example: Change Tariff to 2,50"),
    "mod_tariffs__simple_2_euro_per_hour": ("mod_tariffs.md", "3.1 Tariff, Simple Tariff example 2 euro per hour"),
    "mod_tariffs__alt_text": ("mod_tariffs.md", "3.1 Tariff, example with alternative multi language text"),
    "mod_tariffs__alt_url": ("mod_tariffs.md", "3.1 Tariff, example with alternative URL"),
    "mod_tariffs__complex": ("mod_tariffs.md", "3.1 Tariff, Complex Tariff example"),
    "mod_tariffs__free_of_charge": ("mod_tariffs.md", "3.1 Tariff, Free of Charge Tariff example"),
    "mod_tokens__put_token": ("mod_tokens.md", "2.1.1 PUT, Example: put a new Token"),
    "mod_tokens__patch_invalidate": ("mod_tokens.md", "2.1.2 PATCH, Example: invalidate a Token"),
    "mod_tokens__token": ("mod_tokens.md", "3.2 Token Object, Example"),
    "transport_and_format__tokens_get_one": ("transport_and_format.md", "Tokens GET Response with one Token"),
    "transport_and_format__tokens_get_list": ("transport_and_format.md", "Tokens GET Response with list of Tokens"),
    "types__display_text": ("types.md", "1.3 DisplayText class, Example"),
}


@dataclass(frozen=True)
class Example:
    """One example: the HTTP method and URL of its ``... To URL:`` line, if any, and its body."""

    name: str
    method: str | None
    url: str | None
    body: Any


def example(name: str) -> Example:
    """Read example ``name`` as a peer's JSON would arrive (numbers with decimals as Decimal)."""
    assert name in SOURCES, name
    path = next(EXAMPLES.glob(f"{name}.*"))
    text = path.read_text()
    method = url = None
    first, _, rest = text.lstrip().partition("\n")
    if " To URL: " in first:
        method, _, url = first.partition(" To URL: ")
        text = rest
    if text.strip().startswith('"'):  # a fragment: "key": {...}
        text = "{" + text + "}"
    return Example(name, method, url, json.loads(text, parse_float=Decimal))


def errors(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Run a loader expected to fail; its 2001 message as ``{field path: message}``."""
    with pytest.raises(InvalidOrMissingParameters) as info:
        call(*args, **kwargs)
    assert info.value.status_code == 2001
    out: dict[str, str] = {}
    for part in info.value.message.split("; "):
        path, _, message = part.partition(": ")
        out[path] = message
    return out


def at(hour: int, minute: int = 0, *, day: int = 29) -> datetime:
    """A whole-second UTC time on 2015-06-``day`` (OCPI DateTimes carry whole seconds)."""
    return datetime(2015, 6, day, hour, minute, 9, tzinfo=UTC)


CPO = PartyKey("BE", "BEC")
EMSP = PartyKey("NL", "TNM")


def rich_image(category: ImageCategory = ImageCategory.CHARGER) -> Image:
    """An Image with every field."""
    return Image(
        url="https://cpo.example.com/img/1.png",
        thumbnail="https://cpo.example.com/img/1-thumb.png",
        category=category,
        type="png",
        width=800,
        height=600,
    )


def rich_energy_mix() -> EnergyMix:
    """An EnergyMix with every field."""
    return EnergyMix(
        is_green_energy=False,
        energy_sources=[
            EnergySource(source=EnergySourceCategory.GENERAL_GREEN, percentage=Decimal("35.9")),
            EnergySource(source=EnergySourceCategory.COAL, percentage=Decimal("64.1")),
        ],
        environ_impact=[
            EnvironmentalImpact(category=EnvironmentalImpactCategory.NUCLEAR_WASTE, amount=Decimal("0.0006")),
            EnvironmentalImpact(category=EnvironmentalImpactCategory.CARBON_DIOXIDE, amount=Decimal("372")),
        ],
        supplier_name="E.ON Energy Deutschland",
        energy_product_name="E.ON DirektStrom eco",
    )


def rich_connector(connector_id: str = "1", *, tariff_id: str = "11") -> Connector:
    """A Connector with every 2.1.1 field."""
    return Connector(
        id=connector_id,
        standard=ConnectorType.IEC_62196_T2,
        format=ConnectorFormat.SOCKET,
        power_type=PowerType.AC_3_PHASE,
        max_voltage=230,
        max_amperage=32,
        last_updated=at(10),
        tariff_ids=[tariff_id],
        terms_and_conditions="https://cpo.example.com/terms",
    )


def rich_evse(uid: str = "3256", connectors: int = 2) -> EVSE:
    """An EVSE with every 2.1.1 field."""
    return EVSE(
        uid=uid,
        evse_id=f"BE*BEC*E{uid}",
        status=Status.CHARGING,
        status_schedule=[
            StatusSchedule(period_begin=at(8), period_end=at(9), status=Status.INOPERATIVE),
            StatusSchedule(period_begin=at(12), status=Status.REMOVED),
        ],
        capabilities=[
            Capability.CHARGING_PROFILE_CAPABLE,
            Capability.CREDIT_CARD_PAYABLE,
            Capability.REMOTE_START_STOP_CAPABLE,
            Capability.RESERVABLE,
            Capability.RFID_READER,
            Capability.UNLOCK_CAPABLE,
        ],
        connectors=[rich_connector(str(i + 1)) for i in range(connectors)],
        floor_level="-1",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        physical_reference="1",
        directions=[DisplayText(language="en", text="Second spot on the left")],
        parking_restrictions=list(ParkingRestriction),
        images=[rich_image()],
        last_updated=at(11),
    )


def rich_location(*, evses: list[EVSE] | None = None) -> Location:
    """A Location with every 2.1.1 field (two EVSEs unless ``evses`` is given)."""
    return Location(
        country_code=CPO.country_code,
        party_id=CPO.party_id,
        id="LOC1",
        type=LocationType.PARKING_GARAGE,
        name="Gent Zuid",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        related_locations=[
            AdditionalGeoLocation(
                latitude="51.047600", longitude="-3.729945", name=DisplayText(language="nl", text="Ingang")
            )
        ],
        evses=[rich_evse("3256"), rich_evse("3257", connectors=1)] if evses is None else evses,
        directions=[DisplayText(language="en", text="Follow the signs")],
        operator=BusinessDetails(name="BeCharged", website="https://becharged.example.com", logo=rich_image()),
        suboperator=BusinessDetails(name="Sub"),
        owner=BusinessDetails(name="Owner", website="https://owner.example.com"),
        facilities=[Facility.HOTEL, Facility.WIFI],
        time_zone="Europe/Brussels",
        opening_times=Hours(
            regular_hours=[RegularHours(weekday=d, period_begin="08:00", period_end="20:00") for d in range(1, 8)],
            exceptional_openings=[ExceptionalPeriod(period_begin=at(9, day=21), period_end=at(12, day=21))],
            exceptional_closings=[ExceptionalPeriod(period_begin=at(0, day=24), period_end=at(23, day=24))],
        ),
        charging_when_closed=False,
        images=[rich_image(ImageCategory.LOCATION)],
        energy_mix=rich_energy_mix(),
        last_updated=at(12),
    )


def rich_tariff(tariff_id: str = "11") -> Tariff:
    """A Tariff with every 2.1.1 field."""
    return Tariff(
        country_code=CPO.country_code,
        party_id=CPO.party_id,
        id=tariff_id,
        currency="EUR",
        tariff_alt_text=[DisplayText(language="en", text="2 euro p/hour"), DisplayText(language="nl", text="2 p/u")],
        tariff_alt_url="https://cpo.example.com/tariffs/11",
        elements=[
            TariffElement(
                price_components=[PriceComponent(type=TariffDimensionType.FLAT, price=Decimal("2.50"), step_size=1)]
            ),
            TariffElement(
                price_components=[
                    PriceComponent(type=TariffDimensionType.TIME, price=Decimal("2.00"), step_size=600),
                    PriceComponent(type=TariffDimensionType.ENERGY, price=Decimal("0.25"), step_size=100),
                ],
                restrictions=TariffRestrictions(
                    start_time="09:00",
                    end_time="18:00",
                    start_date="2015-12-24",
                    end_date="2015-12-27",
                    min_kwh=Decimal("20"),
                    max_kwh=Decimal("50"),
                    min_power=Decimal("0"),
                    max_power=Decimal("22.5"),
                    min_duration=60,
                    max_duration=3600,
                    day_of_week=[DayOfWeek.MONDAY, DayOfWeek.SUNDAY],
                ),
            ),
            TariffElement(
                price_components=[
                    PriceComponent(type=TariffDimensionType.PARKING_TIME, price=Decimal("5"), step_size=300)
                ]
            ),
        ],
        energy_mix=rich_energy_mix(),
        last_updated=at(7),
    )


def rich_periods() -> list[ChargingPeriod]:
    """Charging periods using every 2.1.1 dimension."""
    return [
        ChargingPeriod(
            start_date_time=at(22, 39),
            dimensions=[
                CdrDimension(type=CdrDimensionType.ENERGY, volume=Decimal("12.5")),
                CdrDimension(type=CdrDimensionType.MAX_CURRENT, volume=Decimal("30")),
                CdrDimension(type=CdrDimensionType.MIN_CURRENT, volume=Decimal("6")),
                CdrDimension(type=CdrDimensionType.TIME, volume=Decimal("0.5")),
            ],
        ),
        ChargingPeriod(
            start_date_time=at(23, 9),
            dimensions=[
                CdrDimension(type=CdrDimensionType.PARKING_TIME, volume=Decimal("0.718")),
                CdrDimension(type=CdrDimensionType.FLAT, volume=Decimal("1")),
            ],
        ),
    ]


def one_evse_location() -> Location:
    """A rich location holding only the EVSE and connector a session or CDR used."""
    return rich_location(evses=[rich_evse("3256", connectors=1)])


def rich_session() -> Session:
    """A Session with every 2.1.1 field."""
    return Session(
        country_code=CPO.country_code,
        party_id=CPO.party_id,
        id="101",
        start_date_time=at(22, 39),
        end_date_time=at(23, 50),
        kwh=Decimal("41.00"),
        cdr_token=CdrToken(country_code=EMSP.country_code, party_id=EMSP.party_id, contract_id="DE8ACC12E46L89"),
        auth_method=AuthMethod.AUTH_REQUEST,
        location=one_evse_location(),
        location_id="LOC1",
        evse_uid="3256",
        connector_id="1",
        meter_id="METER-1",
        currency="EUR",
        charging_periods=rich_periods(),
        total_cost=Price(excl_vat=Decimal("8.50")),
        status=SessionStatus.COMPLETED,
        last_updated=at(23, 51),
    )


def rich_cdr() -> CDR:
    """A CDR with every 2.1.1 field (and the CdrLocation its location implies)."""
    return CDR(
        country_code=CPO.country_code,
        party_id=CPO.party_id,
        id="12345",
        start_date_time=at(21, 39),
        end_date_time=at(23, 37),
        cdr_token=CdrToken(country_code=EMSP.country_code, party_id=EMSP.party_id, contract_id="DE8ACC12E46L89"),
        auth_method=AuthMethod.WHITELIST,
        location=one_evse_location(),
        cdr_location=CdrLocation(
            id="LOC1",
            name="Gent Zuid",
            address="F.Rooseveltlaan 3A",
            city="Gent",
            postal_code="9000",
            country="BEL",
            coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
            evse_uid="3256",
            evse_id="BE*BEC*E3256",
            connector_id="1",
            connector_standard=ConnectorType.IEC_62196_T2,
            connector_format=ConnectorFormat.SOCKET,
            connector_power_type=PowerType.AC_3_PHASE,
        ),
        meter_id="METER-1",
        currency="EUR",
        tariffs=[rich_tariff()],
        charging_periods=rich_periods(),
        total_cost=Price(excl_vat=Decimal("4.00")),
        total_energy=Decimal("15.342"),
        total_time=Decimal("1.973"),
        total_parking_time=Decimal("0.718"),
        remark="Stopped by the driver",
        last_updated=at(23, 40),
    )


def rich_token(token_type: TokenType = TokenType.RFID) -> Token:
    """A Token with every 2.1.1 field."""
    return Token(
        country_code=EMSP.country_code,
        party_id=EMSP.party_id,
        uid="012345678",
        type=token_type,
        contract_id="DE8ACC12E46L89",
        visual_number="DF000-2001-8999",
        issuer="TheNewMotion",
        valid=True,
        whitelist=WhitelistType.ALLOWED_OFFLINE,
        language="nl",
        last_updated=at(22, 39),
    )


def rich_authorization_info() -> AuthorizationInfo:
    """An AuthorizationInfo with every 2.1.1 field."""
    return AuthorizationInfo(
        allowed=AllowedType.NOT_ALLOWED,
        location=LocationReferences(location_id="LOC1", evse_uids=["3256", "3257"], connector_ids=["1", "2"]),
        info=DisplayText(language="en", text="Not at this location"),
    )
