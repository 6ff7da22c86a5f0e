"""Demo data: what a small CPO and eMSP would have in their systems.

Everything is generated from a seeded random generator, so ``seed --locations N`` is
repeatable and two runs with the same arguments produce the same objects.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_ocpi.models import (
    CDR,
    EVSE,
    AuthMethod,
    BusinessDetails,
    Capability,
    CdrDimension,
    CdrDimensionType,
    CdrToken,
    ChargingPeriod,
    Connector,
    ConnectorFormat,
    ConnectorType,
    DisplayText,
    Facility,
    GeoLocation,
    Hours,
    Location,
    LocationType,
    PartyKey,
    PowerType,
    Price,
    PriceComponent,
    RegularHours,
    Session,
    SessionStatus,
    Status,
    Tariff,
    TariffDimensionType,
    TariffElement,
    Token,
    TokenType,
    WhitelistType,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CITIES = [
    ("Amsterdam", "1011", Decimal("52.3676"), Decimal("4.9041")),
    ("Rotterdam", "3011", Decimal("51.9244"), Decimal("4.4777")),
    ("Utrecht", "3511", Decimal("52.0907"), Decimal("5.1214")),
    ("Eindhoven", "5611", Decimal("51.4416"), Decimal("5.4697")),
    ("Groningen", "9711", Decimal("53.2194"), Decimal("6.5665")),
]
STREETS = ["Stationsplein", "Marktstraat", "Kerkweg", "Havenkade", "Parklaan", "Dorpsstraat"]
TARIFF_IDS = ("AC-STANDARD", "DC-FAST")


def _coordinate(value: Decimal, rng: random.Random) -> str:
    return f"{value + Decimal(rng.randint(-50000, 50000)) / Decimal(1000000):.6f}"


def location(owner: PartyKey, number: int, *, rng: random.Random | None = None) -> Location:
    """Location ``number`` of ``owner``: two or three EVSEs with one or two connectors each."""
    rng = rng or random.Random(number)
    city, postal, lat, lon = CITIES[number % len(CITIES)]
    updated = EPOCH + timedelta(minutes=number)
    fast = number % 4 == 0
    evses = []
    for e in range(1, 2 + rng.randint(1, 2)):
        connectors = [
            Connector(
                id=str(c),
                standard=ConnectorType.IEC_62196_T2_COMBO if fast else ConnectorType.IEC_62196_T2,
                format=ConnectorFormat.CABLE if fast else ConnectorFormat.SOCKET,
                power_type=PowerType.DC if fast else PowerType.AC_3_PHASE,
                max_voltage=920 if fast else 230,
                max_amperage=200 if fast else 32,
                tariff_ids=[TARIFF_IDS[1] if fast else TARIFF_IDS[0]],
                last_updated=updated,
            )
            for c in range(1, 2 + (e % 2))
        ]
        evses.append(
            EVSE(
                uid=f"{owner.country_code}{owner.party_id}-{number:06d}-{e}",
                evse_id=f"{owner.country_code}*{owner.party_id}*E{number:06d}*{e}",
                status=rng.choice([Status.AVAILABLE, Status.AVAILABLE, Status.CHARGING, Status.OUTOFORDER]),
                capabilities=[Capability.RFID_READER, Capability.REMOTE_START_STOP_CAPABLE, Capability.UNLOCK_CAPABLE],
                connectors=connectors,
                physical_reference=str(e),
                floor_level="0",
                last_updated=updated,
            )
        )
    return Location(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=f"LOC{number:06d}",
        type=LocationType.PARKING_LOT if number % 3 else LocationType.ON_STREET,
        name=f"{city} {STREETS[number % len(STREETS)]} {number}",
        address=f"{STREETS[number % len(STREETS)]} {1 + number % 200}",
        city=city,
        postal_code=f"{postal} AB",
        country="NLD",
        coordinates=GeoLocation(latitude=_coordinate(lat, rng), longitude=_coordinate(lon, rng)),
        evses=evses,
        operator=BusinessDetails(name="Example Charging"),
        facilities=[Facility.CAFE] if number % 2 else [],
        time_zone="Europe/Amsterdam",
        opening_times=Hours(twentyfourseven=True)
        if number % 5
        else Hours(
            regular_hours=[RegularHours(weekday=d, period_begin="07:00", period_end="22:00") for d in range(1, 8)]
        ),
        charging_when_closed=True,
        last_updated=updated,
    )


def tariffs(owner: PartyKey) -> list[Tariff]:
    """An AC tariff (energy + parking) and a DC fast-charging tariff (energy + start fee)."""
    return [
        Tariff(
            country_code=owner.country_code,
            party_id=owner.party_id,
            id=TARIFF_IDS[0],
            currency="EUR",
            tariff_alt_text=[DisplayText(language="en", text="0.35 EUR/kWh, parking 1.00 EUR/h after charging")],
            elements=[
                TariffElement(
                    price_components=[
                        PriceComponent(type=TariffDimensionType.ENERGY, price=Decimal("0.35"), step_size=1)
                    ]
                ),
                TariffElement(
                    price_components=[
                        PriceComponent(type=TariffDimensionType.PARKING_TIME, price=Decimal("1.00"), step_size=300)
                    ]
                ),
            ],
            last_updated=EPOCH,
        ),
        Tariff(
            country_code=owner.country_code,
            party_id=owner.party_id,
            id=TARIFF_IDS[1],
            currency="EUR",
            tariff_alt_text=[DisplayText(language="en", text="0.59 EUR/kWh + 0.50 EUR per session")],
            elements=[
                TariffElement(
                    price_components=[
                        PriceComponent(type=TariffDimensionType.FLAT, price=Decimal("0.50"), step_size=1),
                        PriceComponent(type=TariffDimensionType.ENERGY, price=Decimal("0.59"), step_size=1),
                    ]
                )
            ],
            last_updated=EPOCH,
        ),
    ]


def tokens(owner: PartyKey, count: int = 5) -> list[Token]:
    """RFID cards of the eMSP's customers; the last one is blocked."""
    return [
        Token(
            country_code=owner.country_code,
            party_id=owner.party_id,
            uid=f"04A1B2C3D4{n:04d}",
            type=TokenType.RFID,
            contract_id=f"{owner.country_code}-{owner.party_id}-C{n:08d}-X",
            visual_number=f"{owner.party_id}-{n:06d}",
            issuer="Example Charging",
            valid=n < count,
            whitelist=WhitelistType.ALLOWED,
            language="en",
            last_updated=EPOCH,
        )
        for n in range(1, count + 1)
    ]


def _periods(start: datetime, kwh: Decimal, hours: Decimal) -> list[ChargingPeriod]:
    return [
        ChargingPeriod(
            start_date_time=start,
            dimensions=[
                CdrDimension(type=CdrDimensionType.ENERGY, volume=kwh),
                CdrDimension(type=CdrDimensionType.TIME, volume=hours),
            ],
        )
    ]


def session_and_cdr(owner: PartyKey, emsp: PartyKey, loc: Location, number: int) -> tuple[Session, CDR]:
    """A completed session at ``loc`` for a token of ``emsp``, and its CDR."""
    start = EPOCH + timedelta(hours=number)
    end = start + timedelta(hours=2)
    kwh, hours = Decimal("18.5") + number, Decimal("2")
    evse = loc.evses[0]
    used = dataclasses.replace(loc, evses=[dataclasses.replace(evse, connectors=[evse.connectors[0]])])
    token = CdrToken(
        country_code=emsp.country_code,
        party_id=emsp.party_id,
        contract_id=f"{emsp.country_code}-{emsp.party_id}-C{number:08d}-X",
        uid=f"04A1B2C3D4{number:04d}",
        type=TokenType.RFID,
    )
    cost = Price(excl_vat=(kwh * Decimal("0.35")).quantize(Decimal("0.01")))
    session = Session(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=f"SES{number:06d}",
        start_date_time=start,
        end_date_time=end,
        kwh=kwh,
        cdr_token=token,
        auth_method=AuthMethod.WHITELIST,
        location_id=loc.id,
        evse_uid=evse.uid,
        connector_id=evse.connectors[0].id,
        currency="EUR",
        status=SessionStatus.COMPLETED,
        charging_periods=_periods(start, kwh, hours),
        total_cost=cost,
        last_updated=end,
    )
    cdr = CDR(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=f"CDR{number:06d}",
        start_date_time=start,
        end_date_time=end,
        session_id=session.id,
        cdr_token=token,
        auth_method=AuthMethod.WHITELIST,
        location=used,  # 2.1.1 embeds only the EVSE and connector used
        currency="EUR",
        tariffs=tariffs(owner)[:1],
        charging_periods=_periods(start, kwh, hours),
        total_cost=cost,
        total_energy=kwh,
        total_time=hours,
        last_updated=end,
    )
    return session, cdr
