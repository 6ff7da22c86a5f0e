"""OCPI 2.1.1 Locations module: Location, EVSE, Connector and their classes (``mod_locations.md``).

Wire ↔ model differences handled here: Connector ``voltage``/``amperage``/``tariff_id`` are
``max_voltage``/``max_amperage``/``tariff_ids``; a Location carries no owner on the wire (the
loader takes it); 2.1.1 requires ``type`` and ``postal_code``, which the model may lack (dumped
as derived from ``parking_type`` / as ``""``). 2.2.1-only values cannot travel: dumps leave out
capabilities and facilities 2.1.1 does not know, and connectors whose standard or power type
2.1.1 does not know (then EVSEs left without connectors).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from flask_ocpi.dates import format_datetime
from flask_ocpi.models import (
    EVSE,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorType,
    ExceptionalPeriod,
    Facility,
    Hours,
    Location,
    LocationType,
    ParkingRestriction,
    PartyKey,
    PowerType,
    RegularHours,
    Status,
    StatusSchedule,
)
from flask_ocpi.schemas import OcpiDateTime, OcpiURL, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    COUNTRY,
    MAX_AMPERAGE,
    MAX_VOLTAGE,
    TIME,
    AdditionalGeoLocationSchema,
    Between,
    Bool,
    BusinessDetailsSchema,
    DisplayTextSchema,
    EnergyMixSchema,
    Enum,
    GeoLocationSchema,
    ImageSchema,
    Int,
    ListOf,
    ListPlus,
    ModelSchema,
    NotExpressible,
    Opt,
    Str,
    dump_additional_geo_location,
    dump_business_details,
    dump_display_text,
    dump_energy_mix,
    dump_geo_location,
    dump_image,
    load_changes,
)

#: Enum values OCPI 2.1.1 defines (the model enums also hold 2.2.1's).
CAPABILITIES = frozenset(list(Capability)[:6])
CONNECTOR_TYPES = frozenset(list(ConnectorType)[:25])
FACILITIES = frozenset(list(Facility)[:16])
POWER_TYPES = frozenset({PowerType.AC_1_PHASE, PowerType.AC_3_PHASE, PowerType.DC})
_LOCATION_TYPES = frozenset(t.value for t in LocationType)


class RegularHoursSchema(ModelSchema):
    """``RegularHours`` class (4.19): weekday 1 to 7, ``period_end`` later than ``period_begin``."""

    model = RegularHours
    weekday = Int(required=True, validate=validate.Range(min=1, max=7))
    period_begin = Str(5, required=True, **TIME)
    period_end = Str(5, required=True, **TIME)

    @validates_schema
    def _later(self, data: dict[str, Any], **_: Any) -> None:
        if data["period_end"] <= data["period_begin"]:
            raise ValidationError("Must be later than period_begin.", "period_end")


class ExceptionalPeriodSchema(ModelSchema):
    """``ExceptionalPeriod`` class (4.10)."""

    model = ExceptionalPeriod
    period_begin = OcpiDateTime(required=True)
    period_end = OcpiDateTime(required=True)


class HoursSchema(ModelSchema):
    """``Hours`` class (4.13): a choice of ``regular_hours`` or ``twentyfourseven``.

    The spec's own example sends both (``twentyfourseven: false`` with regular hours), which
    is accepted; ``twentyfourseven: true`` with regular hours is a contradiction.
    """

    model = Hours
    regular_hours = ListOf(fields.Nested(RegularHoursSchema))
    twentyfourseven = Opt(Bool)
    exceptional_openings = ListOf(fields.Nested(ExceptionalPeriodSchema))
    exceptional_closings = ListOf(fields.Nested(ExceptionalPeriodSchema))

    @validates_schema
    def _choice(self, data: dict[str, Any], **_: Any) -> None:
        always = data.get("twentyfourseven")
        if always is None and "regular_hours" not in data:
            raise ValidationError(
                "Missing data: one of regular_hours or twentyfourseven is required.", "twentyfourseven"
            )
        if always and data.get("regular_hours"):
            raise ValidationError("Must be empty when twentyfourseven is true.", "regular_hours")

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("twentyfourseven", False) is None:
            del data["twentyfourseven"]
        return data


class StatusScheduleSchema(ModelSchema):
    """``StatusSchedule`` class (4.21)."""

    model = StatusSchedule
    period_begin = OcpiDateTime(required=True)
    period_end = Opt(OcpiDateTime)
    status = Enum(Status, required=True)


def _no_duplicates(items: Iterable[Any], attr: str, field: str) -> None:
    seen: set[str] = set()
    for item in items:
        key = getattr(item, attr)
        if key in seen:
            raise ValidationError(f"Duplicate {attr} {key!r}.", field)
        seen.add(key)


class ConnectorSchema(ModelSchema):
    """``Connector`` object (3.3)."""

    model = Connector
    id = Str(36, required=True)
    standard = Enum(ConnectorType, CONNECTOR_TYPES, required=True)
    format = Enum(ConnectorFormat, required=True)
    power_type = Enum(PowerType, POWER_TYPES, required=True)
    max_voltage = Int(required=True, data_key="voltage", validate=Between(0, MAX_VOLTAGE))
    max_amperage = Int(required=True, data_key="amperage", validate=Between(0, MAX_AMPERAGE))
    tariff_ids = Opt(Str, 36, data_key="tariff_id")
    terms_and_conditions = Opt(OcpiURL)
    last_updated = OcpiDateTime(required=True)

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        if "tariff_ids" in data:
            tariff_id = data["tariff_ids"]
            data["tariff_ids"] = [] if tariff_id is None else [tariff_id]
        return data


class EVSESchema(ModelSchema):
    """``EVSE`` object (3.2)."""

    model = EVSE
    uid = Str(39, required=True)
    evse_id = Opt(Str, 48)
    status = Enum(Status, required=True)
    status_schedule = ListOf(fields.Nested(StatusScheduleSchema))
    capabilities = ListOf(Enum(Capability, CAPABILITIES))
    connectors = ListPlus(fields.Nested(ConnectorSchema))
    floor_level = Opt(Str, 4)
    coordinates = Opt(fields.Nested, GeoLocationSchema)
    physical_reference = Opt(Str, 16)
    directions = ListOf(fields.Nested(DisplayTextSchema))
    parking_restrictions = ListOf(Enum(ParkingRestriction))
    images = ListOf(fields.Nested(ImageSchema))
    last_updated = OcpiDateTime(required=True)

    @validates_schema
    def _unique(self, data: dict[str, Any], **_: Any) -> None:
        _no_duplicates(data.get("connectors", ()), "id", "connectors")


class LocationSchema(ModelSchema):
    """``Location`` object (3.1). Loads into a dict of model field names: the owner
    (``country_code``/``party_id``) is not on the 2.1.1 wire; see :func:`load_location`."""

    id = Str(39, required=True)
    type = Enum(LocationType, required=True)
    name = Opt(Str, 255)
    address = Str(45, required=True)
    city = Str(45, required=True)
    postal_code = Str(10, required=True)
    country = Str(3, required=True, **COUNTRY)
    coordinates = fields.Nested(GeoLocationSchema, required=True)
    related_locations = ListOf(fields.Nested(AdditionalGeoLocationSchema))
    evses = ListOf(fields.Nested(EVSESchema))
    directions = ListOf(fields.Nested(DisplayTextSchema))
    operator = Opt(fields.Nested, BusinessDetailsSchema)
    suboperator = Opt(fields.Nested, BusinessDetailsSchema)
    owner = Opt(fields.Nested, BusinessDetailsSchema)
    facilities = ListOf(Enum(Facility, FACILITIES))
    time_zone = Opt(Str, 255)
    opening_times = Opt(fields.Nested, HoursSchema)
    charging_when_closed = Opt(Bool)
    images = ListOf(fields.Nested(ImageSchema))
    energy_mix = Opt(fields.Nested, EnergyMixSchema)
    last_updated = OcpiDateTime(required=True)

    @validates_schema
    def _unique(self, data: dict[str, Any], **_: Any) -> None:
        _no_duplicates(data.get("evses", ()), "uid", "evses")


_LOCATION = LocationSchema()
_EVSE = EVSESchema()
_CONNECTOR = ConnectorSchema()


def location_from_data(data: dict[str, Any], owner: PartyKey) -> Location:
    """The model of a Location loaded by :class:`LocationSchema`, owned by ``owner``."""
    return Location(country_code=owner.country_code, party_id=owner.party_id, **data)


def load_location(data: Any, *, owner: PartyKey) -> Location:
    """Load a 2.1.1 Location owned by the CPO ``owner``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    return location_from_data(load_or_raise(_LOCATION, data), owner)


def load_evse(data: Any) -> EVSE:
    """Load a 2.1.1 EVSE. :raises InvalidOrMissingParameters: naming the invalid fields."""
    evse: EVSE = load_or_raise(_EVSE, data)
    return evse


def load_connector(data: Any) -> Connector:
    """Load a 2.1.1 Connector. :raises InvalidOrMissingParameters: naming the invalid fields."""
    connector: Connector = load_or_raise(_CONNECTOR, data)
    return connector


def load_location_changes(data: Any) -> dict[str, Any]:
    """Validate a Location PATCH body into model-named changes (``evses`` replaces the list)."""
    return load_changes(_LOCATION, data)


def load_evse_changes(data: Any) -> dict[str, Any]:
    """Validate an EVSE PATCH body into model-named changes."""
    return load_changes(_EVSE, data)


def load_connector_changes(data: Any) -> dict[str, Any]:
    """Validate a Connector PATCH body into model-named changes (``tariff_id`` → ``tariff_ids``)."""
    return load_changes(_CONNECTOR, data)


# --------------------------------------------------------------------------------- dumps


def _connector(c: Connector) -> dict[str, Any] | None:
    if c.standard not in CONNECTOR_TYPES or c.power_type not in POWER_TYPES:
        return None
    out: dict[str, Any] = {
        "id": c.id,
        "standard": c.standard,
        "format": c.format,
        "power_type": c.power_type,
        "voltage": c.max_voltage,
        "amperage": c.max_amperage,
        "last_updated": format_datetime(c.last_updated),
    }
    if c.tariff_ids:
        out["tariff_id"] = c.tariff_ids[0]
    if c.terms_and_conditions is not None:
        out["terms_and_conditions"] = c.terms_and_conditions
    return out


def _evse(e: EVSE, connectors: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"uid": e.uid, "status": e.status, "connectors": connectors}
    if e.evse_id is not None:
        out["evse_id"] = e.evse_id
    if e.status_schedule:
        out["status_schedule"] = [_status_schedule(s) for s in e.status_schedule]
    if e.capabilities:
        out["capabilities"] = [c for c in e.capabilities if c in CAPABILITIES]
    if e.floor_level is not None:
        out["floor_level"] = e.floor_level
    if e.coordinates is not None:
        out["coordinates"] = dump_geo_location(e.coordinates)
    if e.physical_reference is not None:
        out["physical_reference"] = e.physical_reference
    if e.directions:
        out["directions"] = [dump_display_text(d) for d in e.directions]
    if e.parking_restrictions:
        out["parking_restrictions"] = list(e.parking_restrictions)
    if e.images:
        out["images"] = [dump_image(i) for i in e.images]
    out["last_updated"] = format_datetime(e.last_updated)
    return out


def _status_schedule(s: StatusSchedule) -> dict[str, Any]:
    out: dict[str, Any] = {"period_begin": format_datetime(s.period_begin), "status": s.status}
    if s.period_end is not None:
        out["period_end"] = format_datetime(s.period_end)
    return out


def _evse_or_none(e: EVSE) -> dict[str, Any] | None:
    connectors = [d for d in map(_connector, e.connectors) if d is not None]
    return _evse(e, connectors) if connectors else None


def _period(p: ExceptionalPeriod) -> dict[str, Any]:
    return {"period_begin": format_datetime(p.period_begin), "period_end": format_datetime(p.period_end)}


def _hours(h: Hours) -> dict[str, Any]:
    out: dict[str, Any] = {"twentyfourseven": h.twentyfourseven}
    if not h.twentyfourseven and h.regular_hours:
        out["regular_hours"] = [
            {"weekday": r.weekday, "period_begin": r.period_begin, "period_end": r.period_end} for r in h.regular_hours
        ]
    if h.exceptional_openings:
        out["exceptional_openings"] = [_period(p) for p in h.exceptional_openings]
    if h.exceptional_closings:
        out["exceptional_closings"] = [_period(p) for p in h.exceptional_closings]
    return out


def _location_type(loc: Location) -> str:
    if loc.type is not None:
        return loc.type
    if loc.parking_type is not None and loc.parking_type.value in _LOCATION_TYPES:
        return LocationType(loc.parking_type.value)
    return LocationType.UNKNOWN


def _location(loc: Location, evses: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": loc.id,
        "type": _location_type(loc),
        "address": loc.address,
        "city": loc.city,
        "postal_code": loc.postal_code if loc.postal_code is not None else "",
        "country": loc.country,
        "coordinates": dump_geo_location(loc.coordinates),
    }
    if loc.name is not None:
        out["name"] = loc.name
    if loc.related_locations:
        out["related_locations"] = [dump_additional_geo_location(g) for g in loc.related_locations]
    if evses:
        out["evses"] = evses
    if loc.directions:
        out["directions"] = [dump_display_text(d) for d in loc.directions]
    for key in ("operator", "suboperator", "owner"):
        details = getattr(loc, key)
        if details is not None:
            out[key] = dump_business_details(details)
    if loc.facilities:
        out["facilities"] = [f for f in loc.facilities if f in FACILITIES]
    if loc.time_zone is not None:
        out["time_zone"] = loc.time_zone
    if loc.opening_times is not None:
        out["opening_times"] = _hours(loc.opening_times)
    if loc.charging_when_closed is not None:
        out["charging_when_closed"] = loc.charging_when_closed
    if loc.images:
        out["images"] = [dump_image(i) for i in loc.images]
    if loc.energy_mix is not None:
        out["energy_mix"] = dump_energy_mix(loc.energy_mix)
    out["last_updated"] = format_datetime(loc.last_updated)
    return out


def dump_location(location: Location) -> dict[str, Any]:
    """A Location as 2.1.1 JSON (EVSEs 2.1.1 cannot express are left out)."""
    return _location(location, [d for d in map(_evse_or_none, location.evses) if d is not None])


def dump_location_with(location: Location, evse_uid: str, connector_id: str) -> dict[str, Any]:
    """A Location as 2.1.1 embeds it in a Session or CDR: with only the one EVSE and connector.

    :raises ValueError: when the location lacks that EVSE or connector.
    :raises NotExpressible: when 2.1.1 cannot express that connector.
    """
    evse = location.evse(evse_uid)
    connector = evse.connector(connector_id) if evse is not None else None
    if evse is None or connector is None:
        raise ValueError(f"location {location.id!r} has no EVSE {evse_uid!r} with connector {connector_id!r}")
    return _location(location, [_evse(evse, [dump_connector(connector)])])


def dump_evse(evse: EVSE) -> dict[str, Any]:
    """An EVSE as 2.1.1 JSON. :raises NotExpressible: when none of its connectors fits 2.1.1."""
    out = _evse_or_none(evse)
    if out is None:
        raise NotExpressible(f"EVSE {evse.uid!r} has no connector OCPI 2.1.1 can express")
    return out


def dump_connector(connector: Connector) -> dict[str, Any]:
    """A Connector as 2.1.1 JSON (the first of ``tariff_ids`` as ``tariff_id``).

    :raises NotExpressible: for a standard or power type 2.1.1 does not define.
    """
    out = _connector(connector)
    if out is None:
        what = f"{connector.standard}, {connector.power_type}"
        raise NotExpressible(f"connector {connector.id!r} ({what}) is not expressible in OCPI 2.1.1")
    return out
