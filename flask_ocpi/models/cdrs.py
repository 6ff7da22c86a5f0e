"""CDRs module objects (version-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_ocpi.models.common import Price
from flask_ocpi.models.locations import ConnectorFormat, ConnectorType, GeoLocation, Location, PowerType
from flask_ocpi.models.sessions import AuthMethod, CdrToken, ChargingPeriod
from flask_ocpi.models.tariffs import Tariff


@dataclass(slots=True, kw_only=True)
class CdrLocation:
    """``CdrLocation`` (2.2.1): where the session took place, as a snapshot."""

    id: str
    address: str
    city: str
    country: str
    coordinates: GeoLocation
    evse_uid: str
    evse_id: str
    connector_id: str
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType
    name: str | None = None
    postal_code: str | None = None
    state: str | None = None


@dataclass(slots=True, kw_only=True)
class SignedValue:
    """``SignedValue`` (2.2.1)."""

    nature: str
    plain_data: str
    signed_data: str


@dataclass(slots=True, kw_only=True)
class SignedData:
    """``SignedData`` (2.2.1): calibration-law signed meter values."""

    encoding_method: str
    signed_values: list[SignedValue] = field(default_factory=list)
    encoding_method_version: int | None = None
    public_key: str | None = None
    url: str | None = None


@dataclass(slots=True, kw_only=True)
class CDR:
    """``CDR``: the final, immutable record of a charging session.

    ``country_code``/``party_id`` are the owning CPO's; ``cdr_token`` names the eMSP the
    CDR is for. 2.1.1 embeds a full ``location`` snapshot; 2.2.1 a ``cdr_location``: both
    are kept, at least one is set. Amounts are :class:`~flask_ocpi.models.Price`; 2.1.1's
    plain numbers (excluding VAT) are their ``excl_vat``.
    """

    country_code: str
    party_id: str
    id: str
    start_date_time: datetime
    end_date_time: datetime
    cdr_token: CdrToken
    auth_method: AuthMethod
    currency: str
    total_cost: Price
    total_energy: Decimal
    total_time: Decimal
    last_updated: datetime
    charging_periods: list[ChargingPeriod] = field(default_factory=list)
    session_id: str | None = None
    authorization_reference: str | None = None
    cdr_location: CdrLocation | None = None
    location: Location | None = None
    meter_id: str | None = None
    tariffs: list[Tariff] = field(default_factory=list)
    signed_data: SignedData | None = None
    total_fixed_cost: Price | None = None
    total_energy_cost: Price | None = None
    total_time_cost: Price | None = None
    total_parking_time: Decimal | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: str | None = None
    invoice_reference_id: str | None = None
    credit: bool | None = None
    credit_reference_id: str | None = None
    home_charging_compensation: bool | None = None
