"""Sessions module objects (version-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from flask_ocpi.models.common import Price
from flask_ocpi.models.locations import Location
from flask_ocpi.models.tokens import TokenType


class SessionStatus(StrEnum):
    """``SessionStatus`` (2.2.1 adds RESERVATION)."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class AuthMethod(StrEnum):
    """``AuthMethod`` (2.2.1 adds COMMAND)."""

    AUTH_REQUEST = "AUTH_REQUEST"
    WHITELIST = "WHITELIST"
    COMMAND = "COMMAND"


class CdrDimensionType(StrEnum):
    """``CdrDimensionType``: 2.1.1 values (FLAT is 2.1.1 only), then 2.2.1's."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"
    CURRENT = "CURRENT"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"


@dataclass(slots=True, kw_only=True)
class CdrDimension:
    """``CdrDimension``: a volume of one dimension in a charging period."""

    type: CdrDimensionType
    volume: Decimal


@dataclass(slots=True, kw_only=True)
class ChargingPeriod:
    """``ChargingPeriod``: from ``start_date_time`` until the next period starts."""

    start_date_time: datetime
    dimensions: list[CdrDimension] = field(default_factory=list)
    tariff_id: str | None = None


@dataclass(slots=True, kw_only=True)
class CdrToken:
    """``CdrToken``: the token a session or CDR was authorized with, and its eMSP.

    ``country_code``/``party_id`` name the eMSP owning the token: they decide which
    partner may see the session or CDR. In 2.1.1 only ``auth_id`` travels (it is
    ``contract_id`` here); ``uid`` and ``type`` may then be unknown.
    """

    country_code: str
    party_id: str
    contract_id: str
    uid: str | None = None
    type: TokenType | None = None


@dataclass(slots=True, kw_only=True)
class Session:
    """``Session``. ``country_code``/``party_id`` are the owning CPO's.

    2.1.1 embeds a ``location`` (with only the EVSE and connector in use); 2.2.1 carries
    ``location_id``/``evse_uid``/``connector_id``. Both are kept: the ids always, the
    embedded location when known (a 2.1.1 view fills it from the locations backend).
    """

    country_code: str
    party_id: str
    id: str
    start_date_time: datetime
    kwh: Decimal
    cdr_token: CdrToken
    auth_method: AuthMethod
    location_id: str
    evse_uid: str
    connector_id: str
    currency: str
    status: SessionStatus
    last_updated: datetime
    end_date_time: datetime | None = None
    authorization_reference: str | None = None
    location: Location | None = None
    meter_id: str | None = None
    charging_periods: list[ChargingPeriod] = field(default_factory=list)
    total_cost: Price | None = None
