"""Fully populated OCPI objects and partners for the store contract tests.

Every optional field is set (to a value unlike its default), amounts have decimals,
times carry microseconds and some a non-UTC offset, so any loss in storage shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from flask_ocpi.models import (
    CDR,
    EVSE,
    AdditionalGeoLocation,
    AuthMethod,
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
    CredentialsRole,
    DayOfWeek,
    DisplayText,
    Endpoint,
    EnergyContract,
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
    LocationType,
    ParkingRestriction,
    ParkingType,
    Partner,
    PartnerStatus,
    PartyKey,
    PowerType,
    Price,
    PriceComponent,
    ProfileType,
    PublishTokenType,
    RegularHours,
    ReservationRestrictionType,
    Role,
    Session,
    SessionStatus,
    SignedData,
    SignedValue,
    Status,
    StatusSchedule,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
    Token,
    TokenGrant,
    TokenScope,
    TokenType,
    WhitelistType,
)
from flask_ocpi.transport.auth import hash_token

#: A fixed instant with microseconds.
T0 = datetime(2024, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))

#: Our CPO party, another CPO party of ours, and two eMSPs.
CPO = PartyKey("NL", "CPO")
CPO2 = PartyKey("NL", "OTH")
EMSP = PartyKey("DE", "MSP")
EMSP2 = PartyKey("BE", "EMP")


def partner(
    local: PartyKey = CPO,
    *parties: PartyKey,
    partner_id: str = "p",
    local_role: Role = Role.CPO,
    endpoints: Sequence[Endpoint] = (),
    outbound_token: str | None = None,
    token: str | None = None,
) -> Partner:
    """A registered partner connected to our party ``local`` on our ``local_role`` tree, with
    ``parties`` (default EMSP) in the other role; ``token``: the FULL token it presents to us."""
    roles = [
        CredentialsRole(
            role=Role.EMSP if local_role is Role.CPO else Role.CPO,
            country_code=p.country_code,
            party_id=p.party_id,
            business_details=BusinessDetails(name=str(p)),
        )
        for p in (parties or (EMSP,))
    ]
    return Partner(
        id=partner_id,
        local_party=local,
        status=PartnerStatus.REGISTERED,
        local_role=local_role,
        version="2.1.1" if endpoints or outbound_token else None,
        roles=roles,
        endpoints=list(endpoints),
        outbound_token=outbound_token,
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)] if token else [],
    )


def image(name: str) -> Image:
    return Image(
        url=f"https://img.example.com/{name}.png",
        category=ImageCategory.CHARGER,
        type="png",
        thumbnail=f"https://img.example.com/{name}-s.png",
        width=640,
        height=480,
    )


def business(name: str) -> BusinessDetails:
    return BusinessDetails(name=name, website=f"https://{name.lower()}.example.com", logo=image(name))


def energy_mix() -> EnergyMix:
    return EnergyMix(
        is_green_energy=True,
        energy_sources=[
            EnergySource(source=EnergySourceCategory.SOLAR, percentage=Decimal("62.5")),
            EnergySource(source=EnergySourceCategory.WIND, percentage=Decimal("37.5")),
        ],
        environ_impact=[
            EnvironmentalImpact(category=EnvironmentalImpactCategory.CARBON_DIOXIDE, amount=Decimal("0.1"))
        ],
        supplier_name="Green Power",
        energy_product_name="Sun+Wind",
    )


def full_connector(connector_id: str = "1", last_updated: datetime = T0) -> Connector:
    return Connector(
        id=connector_id,
        standard=ConnectorType.IEC_62196_T2_COMBO,
        format=ConnectorFormat.CABLE,
        power_type=PowerType.DC,
        max_voltage=920,
        max_amperage=500,
        last_updated=last_updated,
        max_electric_power=350000,
        tariff_ids=["T1", "T2"],
        terms_and_conditions="https://example.com/terms",
    )


def full_evse(uid: str = "E1", last_updated: datetime = T0, connectors: int = 2) -> EVSE:
    return EVSE(
        uid=uid,
        status=Status.CHARGING,
        last_updated=last_updated,
        connectors=[full_connector(str(n + 1), last_updated) for n in range(connectors)],
        evse_id=f"NL*CPO*E{uid}",
        status_schedule=[
            StatusSchedule(
                period_begin=T0.astimezone(PLUS_TWO),
                status=Status.PLANNED,
                period_end=T0 + timedelta(days=1),
            )
        ],
        capabilities=[Capability.RFID_READER, Capability.REMOTE_START_STOP_CAPABLE],
        floor_level="-1",
        coordinates=GeoLocation(latitude="52.370216", longitude="4.895168"),
        physical_reference="left",
        directions=[DisplayText(language="en", text="Turn left")],
        parking_restrictions=[ParkingRestriction.EV_ONLY],
        images=[image(f"evse-{uid}")],
    )


def full_location(
    location_id: str = "LOC1",
    *,
    owner: PartyKey = CPO,
    last_updated: datetime = T0,
    evses: int = 2,
    connectors: int = 2,
) -> Location:
    """A location with every field set and ``evses`` EVSEs of ``connectors`` connectors."""
    return Location(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=location_id,
        address="Stationsplein 1",
        city="Amsterdam",
        country="NLD",
        coordinates=GeoLocation(latitude="52.378901", longitude="4.900581"),
        last_updated=last_updated,
        type=LocationType.PARKING_GARAGE,
        parking_type=ParkingType.PARKING_GARAGE,
        publish=False,
        publish_allowed_to=[PublishTokenType(uid="U1", type="RFID", visual_number="V1", issuer="I", group_id="G")],
        name=f"Location {location_id}",
        postal_code="1012AB",
        state="NH",
        related_locations=[
            AdditionalGeoLocation(latitude="52.1", longitude="4.1", name=DisplayText(language="nl", text="Ingang"))
        ],
        evses=[full_evse(f"E{n + 1}", last_updated, connectors) for n in range(evses)],
        directions=[DisplayText(language="en", text="Follow the signs")],
        operator=business("Operator"),
        suboperator=business("Sub"),
        owner=business("Owner"),
        facilities=[Facility.CAFE, Facility.TRAIN_STATION],
        time_zone="Europe/Amsterdam",
        opening_times=Hours(
            twentyfourseven=False,
            regular_hours=[RegularHours(weekday=1, period_begin="08:00", period_end="20:00")],
            exceptional_openings=[ExceptionalPeriod(period_begin=T0, period_end=T0 + timedelta(hours=3))],
            exceptional_closings=[
                ExceptionalPeriod(period_begin=T0.astimezone(PLUS_TWO), period_end=T0 + timedelta(days=2))
            ],
        ),
        charging_when_closed=False,
        images=[image("location")],
        energy_mix=energy_mix(),
    )


def charging_period(start: datetime, kwh: str = "1.25") -> ChargingPeriod:
    return ChargingPeriod(
        start_date_time=start,
        dimensions=[
            CdrDimension(type=CdrDimensionType.ENERGY, volume=Decimal(kwh)),
            CdrDimension(type=CdrDimensionType.TIME, volume=Decimal("0.25")),
        ],
        tariff_id="T1",
    )


def cdr_token(emsp: PartyKey = EMSP, uid: str = "TOK1") -> CdrToken:
    return CdrToken(
        country_code=emsp.country_code,
        party_id=emsp.party_id,
        contract_id=f"{emsp}-C-{uid}",
        uid=uid,
        type=TokenType.RFID,
    )


def full_session(
    session_id: str = "S1", *, owner: PartyKey = CPO, emsp: PartyKey = EMSP, last_updated: datetime = T0
) -> Session:
    """A session with every field set, for the token of ``emsp``."""
    return Session(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=session_id,
        start_date_time=T0 - timedelta(hours=1),
        kwh=Decimal("12.345"),
        cdr_token=cdr_token(emsp),
        auth_method=AuthMethod.AUTH_REQUEST,
        location_id="LOC1",
        evse_uid="E1",
        connector_id="1",
        currency="EUR",
        status=SessionStatus.ACTIVE,
        last_updated=last_updated,
        end_date_time=T0.astimezone(PLUS_TWO),
        authorization_reference="AUTH-1",
        location=full_location(owner=owner, evses=1, connectors=1),
        meter_id="M-1",
        charging_periods=[charging_period(T0 - timedelta(hours=1)), charging_period(T0 - timedelta(minutes=30), "2.5")],
        total_cost=Price(excl_vat=Decimal("4.20"), incl_vat=Decimal("5.08")),
    )


def full_tariff(tariff_id: str = "T1", *, owner: PartyKey = CPO, last_updated: datetime = T0) -> Tariff:
    """A tariff with every field set."""
    return Tariff(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=tariff_id,
        currency="EUR",
        last_updated=last_updated,
        elements=[
            TariffElement(
                price_components=[
                    PriceComponent(
                        type=TariffDimensionType.ENERGY, price=Decimal("0.25"), step_size=1, vat=Decimal("21")
                    ),
                    PriceComponent(type=TariffDimensionType.PARKING_TIME, price=Decimal("2.00"), step_size=900),
                ],
                restrictions=TariffRestrictions(
                    start_time="08:00",
                    end_time="20:00",
                    start_date="2024-01-01",
                    end_date="2025-01-01",
                    min_kwh=Decimal("0.5"),
                    max_kwh=Decimal("100.5"),
                    min_current=Decimal("6"),
                    max_current=Decimal("32.5"),
                    min_power=Decimal("1.5"),
                    max_power=Decimal("22"),
                    min_duration=60,
                    max_duration=7200,
                    day_of_week=[DayOfWeek.MONDAY, DayOfWeek.SUNDAY],
                    reservation=ReservationRestrictionType.RESERVATION,
                ),
            ),
            TariffElement(
                price_components=[PriceComponent(type=TariffDimensionType.FLAT, price=Decimal("1"), step_size=1)]
            ),
        ],
        type=TariffType.PROFILE_GREEN,
        tariff_alt_text=[DisplayText(language="en", text="25 ct/kWh")],
        tariff_alt_url="https://example.com/tariffs/T1",
        min_price=Price(excl_vat=Decimal("0.50"), incl_vat=Decimal("0.61")),
        max_price=Price(excl_vat=Decimal("50"), incl_vat=Decimal("60.5")),
        start_date_time=T0.astimezone(PLUS_TWO),
        end_date_time=T0 + timedelta(days=365),
        energy_mix=energy_mix(),
    )


def full_cdr(cdr_id: str = "CDR1", *, owner: PartyKey = CPO, emsp: PartyKey = EMSP, last_updated: datetime = T0) -> CDR:
    """A CDR with every field set, for the token of ``emsp``."""
    return CDR(
        country_code=owner.country_code,
        party_id=owner.party_id,
        id=cdr_id,
        start_date_time=T0 - timedelta(hours=2),
        end_date_time=T0.astimezone(PLUS_TWO),
        cdr_token=cdr_token(emsp),
        auth_method=AuthMethod.WHITELIST,
        currency="EUR",
        total_cost=Price(excl_vat=Decimal("10.01"), incl_vat=Decimal("12.11")),
        total_energy=Decimal("30.125"),
        total_time=Decimal("2.0"),
        last_updated=last_updated,
        charging_periods=[charging_period(T0 - timedelta(hours=2))],
        session_id="S1",
        authorization_reference="AUTH-9",
        cdr_location=CdrLocation(
            id="LOC1",
            address="Stationsplein 1",
            city="Amsterdam",
            country="NLD",
            coordinates=GeoLocation(latitude="52.378901", longitude="4.900581"),
            evse_uid="E1",
            evse_id="NL*CPO*EE1",
            connector_id="1",
            connector_standard=ConnectorType.IEC_62196_T2,
            connector_format=ConnectorFormat.SOCKET,
            connector_power_type=PowerType.AC_3_PHASE,
            name="Central",
            postal_code="1012AB",
            state="NH",
        ),
        location=full_location(owner=owner, evses=1, connectors=1),
        meter_id="M-9",
        tariffs=[full_tariff(owner=owner)],
        signed_data=SignedData(
            encoding_method="OCMF",
            signed_values=[SignedValue(nature="Start", plain_data="p", signed_data="s")],
            encoding_method_version=1,
            public_key="KEY",
            url="https://example.com/signed",
        ),
        total_fixed_cost=Price(excl_vat=Decimal("1")),
        total_energy_cost=Price(excl_vat=Decimal("7.53"), incl_vat=Decimal("9.11")),
        total_time_cost=Price(excl_vat=Decimal("0.48")),
        total_parking_time=Decimal("0.5"),
        total_parking_cost=Price(excl_vat=Decimal("1.00")),
        total_reservation_cost=Price(excl_vat=Decimal("0.00")),
        remark="ok",
        invoice_reference_id="INV-1",
        credit=False,
        credit_reference_id="CDR0",
        home_charging_compensation=False,
    )


def full_token(
    uid: str = "TOK1",
    *,
    owner: PartyKey = EMSP,
    token_type: TokenType = TokenType.RFID,
    valid: bool = True,
    last_updated: datetime = T0,
) -> Token:
    """A token with every field set."""
    return Token(
        country_code=owner.country_code,
        party_id=owner.party_id,
        uid=uid,
        type=token_type,
        contract_id=f"{owner}-C-{uid}",
        issuer="Issuer Inc.",
        valid=valid,
        whitelist=WhitelistType.ALLOWED_OFFLINE,
        last_updated=last_updated,
        visual_number=f"V-{uid}",
        group_id="GROUP",
        language="nl",
        default_profile_type=ProfileType.GREEN,
        energy_contract=EnergyContract(supplier_name="Supplier", contract_id="EC-1"),
    )
