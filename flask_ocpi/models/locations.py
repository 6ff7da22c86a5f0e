"""Locations module objects (version-independent: the union of 2.1.1 and 2.2.1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_ocpi.models.common import BusinessDetails, DisplayText, Image


class LocationType(StrEnum):
    """``LocationType`` (2.1.1 only; 2.2.1 replaced it by the optional ``parking_type``)."""

    ON_STREET = "ON_STREET"
    PARKING_GARAGE = "PARKING_GARAGE"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class ParkingType(StrEnum):
    """``ParkingType`` (2.2.1)."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class Capability(StrEnum):
    """``Capability`` of an EVSE (2.1.1 values, then the 2.2.1 additions)."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"  # noqa: S105 - an enum value, not a secret


class ConnectorFormat(StrEnum):
    """``ConnectorFormat``."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class ConnectorType(StrEnum):
    """``ConnectorType`` (2.1.1's 25 values, then the 2.2.1 additions)."""

    CHADEMO = "CHADEMO"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"
    CHAOJI = "CHAOJI"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"


class EnergySourceCategory(StrEnum):
    """``EnergySourceCategory``."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    """``EnvironmentalImpactCategory``."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class Facility(StrEnum):
    """``Facility`` (2.1.1's 16 values, then the 2.2.1 additions)."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"
    BIKE_SHARING = "BIKE_SHARING"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    PARKING_LOT = "PARKING_LOT"


class ParkingRestriction(StrEnum):
    """``ParkingRestriction``."""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class PowerType(StrEnum):
    """``PowerType`` (2.2.1 adds the two AC_2_PHASE values)."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"


class Status(StrEnum):
    """``Status`` of an EVSE."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


@dataclass(slots=True, kw_only=True)
class GeoLocation:
    """``GeoLocation``: WGS 84 coordinates as decimal strings."""

    latitude: str
    longitude: str


@dataclass(slots=True, kw_only=True)
class AdditionalGeoLocation:
    """``AdditionalGeoLocation``: a related point (entrance, parking) with an optional name."""

    latitude: str
    longitude: str
    name: DisplayText | None = None


@dataclass(slots=True, kw_only=True)
class EnergySource:
    """``EnergySource``: a share (0-100) of one energy source category."""

    source: EnergySourceCategory
    percentage: Decimal


@dataclass(slots=True, kw_only=True)
class EnvironmentalImpact:
    """``EnvironmentalImpact`` (2.1.1 names the category field ``source``, 2.2.1 ``category``)."""

    category: EnvironmentalImpactCategory
    amount: Decimal


@dataclass(slots=True, kw_only=True)
class EnergyMix:
    """``EnergyMix``."""

    is_green_energy: bool
    energy_sources: list[EnergySource] = field(default_factory=list)
    environ_impact: list[EnvironmentalImpact] = field(default_factory=list)
    supplier_name: str | None = None
    energy_product_name: str | None = None


@dataclass(slots=True, kw_only=True)
class RegularHours:
    """``RegularHours``: weekday 1 (Monday) to 7, ``HH:MM`` local times."""

    weekday: int
    period_begin: str
    period_end: str


@dataclass(slots=True, kw_only=True)
class ExceptionalPeriod:
    """``ExceptionalPeriod`` (UTC)."""

    period_begin: datetime
    period_end: datetime


@dataclass(slots=True, kw_only=True)
class Hours:
    """``Hours``: 24/7, or regular hours, plus exceptional openings and closings."""

    twentyfourseven: bool = False
    regular_hours: list[RegularHours] = field(default_factory=list)
    exceptional_openings: list[ExceptionalPeriod] = field(default_factory=list)
    exceptional_closings: list[ExceptionalPeriod] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class StatusSchedule:
    """``StatusSchedule``: a planned status."""

    period_begin: datetime
    status: Status
    period_end: datetime | None = None


@dataclass(slots=True, kw_only=True)
class PublishTokenType:
    """``PublishTokenType`` (2.2.1): who may see an unpublished location."""

    uid: str | None = None
    type: str | None = None
    visual_number: str | None = None
    issuer: str | None = None
    group_id: str | None = None


@dataclass(slots=True, kw_only=True)
class Connector:
    """``Connector``. 2.1.1's ``voltage``/``amperage``/``tariff_id`` are
    ``max_voltage``/``max_amperage``/``tariff_ids[0]`` here."""

    id: str
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    last_updated: datetime
    max_electric_power: int | None = None
    tariff_ids: list[str] = field(default_factory=list)
    terms_and_conditions: str | None = None


@dataclass(slots=True, kw_only=True)
class EVSE:
    """``EVSE``: one charging point with its connectors."""

    uid: str
    status: Status
    last_updated: datetime
    connectors: list[Connector] = field(default_factory=list)
    evse_id: str | None = None
    status_schedule: list[StatusSchedule] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    floor_level: str | None = None
    coordinates: GeoLocation | None = None
    physical_reference: str | None = None
    directions: list[DisplayText] = field(default_factory=list)
    parking_restrictions: list[ParkingRestriction] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    def connector(self, connector_id: str) -> Connector | None:
        """The connector with this id, if any."""
        return next((c for c in self.connectors if c.id == connector_id), None)


@dataclass(slots=True, kw_only=True)
class Location:
    """``Location``. ``country_code``/``party_id`` (the owning CPO) are always set, also for
    2.1.1 where the wire object lacks them (they come from the URL or the credentials)."""

    country_code: str
    party_id: str
    id: str
    address: str
    city: str
    country: str
    coordinates: GeoLocation
    last_updated: datetime
    type: LocationType | None = None
    parking_type: ParkingType | None = None
    publish: bool = True
    publish_allowed_to: list[PublishTokenType] = field(default_factory=list)
    name: str | None = None
    postal_code: str | None = None
    state: str | None = None
    related_locations: list[AdditionalGeoLocation] = field(default_factory=list)
    evses: list[EVSE] = field(default_factory=list)
    directions: list[DisplayText] = field(default_factory=list)
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] = field(default_factory=list)
    time_zone: str | None = None
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] = field(default_factory=list)
    energy_mix: EnergyMix | None = None

    def evse(self, evse_uid: str) -> EVSE | None:
        """The EVSE with this uid, if any."""
        return next((e for e in self.evses if e.uid == evse_uid), None)
