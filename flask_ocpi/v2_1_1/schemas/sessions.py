"""OCPI 2.1.1 Sessions module: Session, and the ChargingPeriod/CdrDimension classes it shares
with CDRs (``mod_sessions.md``, ``mod_cdrs.md`` 4.2-4.4).

Wire ↔ model: ``start_datetime``/``end_datetime`` are ``start_date_time``/``end_date_time``;
``auth_id`` is ``cdr_token.contract_id`` (the token's eMSP is given to the loader); the embedded
``location`` (with only the session's EVSE and connector) is kept as ``location`` and also gives
``location_id``/``evse_uid``/``connector_id``; ``total_cost`` is ``Price.excl_vat``.
Dumping maps 2.2.1-only values: auth method COMMAND → AUTH_REQUEST, status RESERVATION →
PENDING; dimensions 2.1.1 does not define are left out (and periods left without any).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from flask_ocpi.dates import format_datetime
from flask_ocpi.models import (
    AuthMethod,
    CdrDimension,
    CdrDimensionType,
    CdrToken,
    ChargingPeriod,
    PartyKey,
    Price,
    Session,
    SessionStatus,
)
from flask_ocpi.schemas import OcpiDateTime, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    CURRENCY,
    MAX_KWH,
    MAX_MONEY,
    MAX_VOLUME,
    Between,
    Enum,
    ListOf,
    ListPlus,
    ModelSchema,
    Number,
    Opt,
    Str,
    load_changes,
)
from flask_ocpi.v2_1_1.schemas.locations import LocationSchema, dump_location_with, location_from_data

#: Enum values OCPI 2.1.1 defines (the model enums also hold 2.2.1's).
AUTH_METHODS = frozenset({AuthMethod.AUTH_REQUEST, AuthMethod.WHITELIST})
DIMENSION_TYPES = frozenset(list(CdrDimensionType)[:6])
SESSION_STATUSES = frozenset(list(SessionStatus)[:4])


class CdrDimensionSchema(ModelSchema):
    """``CdrDimension`` class (mod_cdrs 4.2)."""

    model = CdrDimension
    type = Enum(CdrDimensionType, DIMENSION_TYPES, required=True)
    volume = Number(required=True, validate=Between(0, MAX_VOLUME))


class ChargingPeriodSchema(ModelSchema):
    """``ChargingPeriod`` class (mod_cdrs 4.4)."""

    model = ChargingPeriod
    start_date_time = OcpiDateTime(required=True)
    dimensions = ListPlus(fields.Nested(CdrDimensionSchema))


def check_embedded_location(data: dict[str, Any]) -> None:
    """A Session's or CDR's ``location`` must hold exactly the one EVSE and connector used.

    :raises ValidationError: naming ``location.evses`` or ``location.evses.0.connectors``.
    """
    location = data.get("location")
    if location is None:
        return
    evses = location.get("evses", [])
    if len(evses) != 1:
        message = f"Must hold exactly the one EVSE used (found {len(evses)})."
        raise ValidationError({"location": {"evses": [message]}})
    if len(evses[0].connectors) != 1:
        message = f"Must hold exactly the one connector used (found {len(evses[0].connectors)})."
        raise ValidationError({"location": {"evses": {0: {"connectors": [message]}}}})


def _price(data: dict[str, Any], key: str) -> None:
    if key in data and data[key] is not None:
        data[key] = Price(excl_vat=data[key])


class SessionSchema(ModelSchema):
    """``Session`` object (3.1). Loads into a dict of model field names, except ``auth_id``
    and ``location`` which need the token's eMSP and the owner; see :func:`load_session`."""

    id = Str(36, required=True)
    start_date_time = OcpiDateTime(required=True, data_key="start_datetime")
    end_date_time = Opt(OcpiDateTime, data_key="end_datetime")
    kwh = Number(required=True, validate=Between(0, MAX_KWH))
    auth_id = Str(36, required=True)
    auth_method = Enum(AuthMethod, AUTH_METHODS, required=True)
    location = fields.Nested(LocationSchema, required=True)
    meter_id = Opt(Str, 255)
    currency = Str(3, required=True, **CURRENCY)
    charging_periods = ListOf(fields.Nested(ChargingPeriodSchema))
    total_cost = Opt(Number, validate=Between(-MAX_MONEY, MAX_MONEY))
    status = Enum(SessionStatus, SESSION_STATUSES, required=True)
    last_updated = OcpiDateTime(required=True)

    @validates_schema
    def _one_evse(self, data: dict[str, Any], **_: Any) -> None:
        check_embedded_location(data)

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        _price(data, "total_cost")
        return data


_SESSION = SessionSchema()


def cdr_token_of(auth_id: str, token_owner: PartyKey) -> CdrToken:
    """The model token of a 2.1.1 ``auth_id`` issued by the eMSP ``token_owner``."""
    return CdrToken(country_code=token_owner.country_code, party_id=token_owner.party_id, contract_id=auth_id)


def resolve_token_and_location(
    data: dict[str, Any], *, owner: PartyKey | None, token_owner: PartyKey
) -> dict[str, Any]:
    """Turn loaded ``auth_id`` into ``cdr_token`` and the embedded location into the model's
    ``location`` (``None`` without ``owner``) plus ``location_id``/``evse_uid``/``connector_id``."""
    if "auth_id" in data:
        data["cdr_token"] = cdr_token_of(data.pop("auth_id"), token_owner)
    if "location" in data:
        location = data["location"]
        evse = location["evses"][0]
        data["location_id"] = location["id"]
        data["evse_uid"] = evse.uid
        data["connector_id"] = evse.connectors[0].id
        data["location"] = location_from_data(location, owner) if owner is not None else None
    return data


def load_session(data: Any, *, owner: PartyKey, token_owner: PartyKey) -> Session:
    """Load a 2.1.1 Session of the CPO ``owner``, authorized with a token of ``token_owner``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    loaded = resolve_token_and_location(load_or_raise(_SESSION, data), owner=owner, token_owner=token_owner)
    return Session(country_code=owner.country_code, party_id=owner.party_id, **loaded)


def load_session_changes(data: Any, *, token_owner: PartyKey, owner: PartyKey | None = None) -> dict[str, Any]:
    """Validate a Session PATCH body into model-named changes.

    ``auth_id`` becomes ``cdr_token``; a ``location`` becomes ``location_id``/``evse_uid``/
    ``connector_id`` and, when ``owner`` (the session's CPO, from the URL) is given, the
    embedded ``location`` (else ``location`` is ``None``: the caller fills it).
    ``charging_periods`` replaces the list (2.1.1 does not say append or replace).
    """
    loaded = load_changes(_SESSION, data)
    return resolve_token_and_location(loaded, owner=owner, token_owner=token_owner)


# --------------------------------------------------------------------------------- dumps


def _period(p: ChargingPeriod) -> dict[str, Any] | None:
    dimensions = [{"type": d.type, "volume": d.volume} for d in p.dimensions if d.type in DIMENSION_TYPES]
    if not dimensions:
        return None
    return {"start_date_time": format_datetime(p.start_date_time), "dimensions": dimensions}


def dump_charging_periods(periods: list[ChargingPeriod]) -> list[dict[str, Any]]:
    """Charging periods as 2.1.1 JSON (dimensions 2.1.1 lacks left out, then empty periods)."""
    return [d for d in map(_period, periods) if d is not None]


def auth_method_211(method: AuthMethod) -> str:
    """The 2.1.1 auth method (2.2.1's COMMAND: the eMSP authorized it, so AUTH_REQUEST)."""
    return method if method in AUTH_METHODS else AuthMethod.AUTH_REQUEST


def dump_session(session: Session) -> dict[str, Any]:
    """A Session as 2.1.1 JSON, embedding ``session.location`` with only its EVSE and connector.

    :raises ValueError: when ``session.location`` is ``None`` (the view fills it) or lacks the
        session's EVSE/connector.
    """
    if session.location is None:
        raise ValueError(f"session {session.id!r} has no location to embed (OCPI 2.1.1 requires it)")
    out: dict[str, Any] = {
        "id": session.id,
        "start_datetime": format_datetime(session.start_date_time),
    }
    if session.end_date_time is not None:
        out["end_datetime"] = format_datetime(session.end_date_time)
    out["kwh"] = session.kwh
    out["auth_id"] = session.cdr_token.contract_id
    out["auth_method"] = auth_method_211(session.auth_method)
    out["location"] = dump_location_with(session.location, session.evse_uid, session.connector_id)
    if session.meter_id is not None:
        out["meter_id"] = session.meter_id
    out["currency"] = session.currency
    if session.charging_periods:
        out["charging_periods"] = dump_charging_periods(session.charging_periods)
    if session.total_cost is not None:
        out["total_cost"] = session.total_cost.excl_vat
    status = session.status
    out["status"] = status if status in SESSION_STATUSES else SessionStatus.PENDING
    out["last_updated"] = format_datetime(session.last_updated)
    return out
