"""Tariffs module objects (version-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_ocpi.models.common import DisplayText, Price
from flask_ocpi.models.locations import EnergyMix


class DayOfWeek(StrEnum):
    """``DayOfWeek``."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class TariffDimensionType(StrEnum):
    """``TariffDimensionType``."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    """``TariffType`` (2.2.1)."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class ReservationRestrictionType(StrEnum):
    """``ReservationRestrictionType`` (2.2.1)."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


@dataclass(slots=True, kw_only=True)
class PriceComponent:
    """``PriceComponent``: price per unit excluding VAT, and the step size."""

    type: TariffDimensionType
    price: Decimal
    step_size: int
    vat: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class TariffRestrictions:
    """``TariffRestrictions`` (times and dates local to the location)."""

    start_time: str | None = None
    end_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: list[DayOfWeek] = field(default_factory=list)
    reservation: ReservationRestrictionType | None = None


@dataclass(slots=True, kw_only=True)
class TariffElement:
    """``TariffElement``: price components that apply under the restrictions."""

    price_components: list[PriceComponent] = field(default_factory=list)
    restrictions: TariffRestrictions | None = None


@dataclass(slots=True, kw_only=True)
class Tariff:
    """``Tariff``. ``country_code``/``party_id`` are the owning CPO's."""

    country_code: str
    party_id: str
    id: str
    currency: str
    last_updated: datetime
    elements: list[TariffElement] = field(default_factory=list)
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] = field(default_factory=list)
    tariff_alt_url: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    energy_mix: EnergyMix | None = None
