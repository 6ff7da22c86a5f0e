"""OCPI 2.1.1 CDRs module: the CDR object (``mod_cdrs.md``).

Wire ↔ model: ``stop_date_time`` is ``end_date_time``; ``auth_id`` is ``cdr_token.contract_id``
(the token's eMSP is given to the loader); the embedded ``location`` (with only the EVSE and
connector used) is kept as ``location`` and also gives the 2.2.1 ``cdr_location`` snapshot;
``total_cost`` is ``Price.excl_vat``; embedded tariffs belong to the CDR's CPO. The 2.2.1-only
fields (cost breakdown, signed data, credit, ...) are absent on load and left out on dump.
"""

from __future__ import annotations

import logging
from typing import Any

from marshmallow import fields, pre_load, validates_schema

from flask_ocpi.dates import format_datetime
from flask_ocpi.models import CDR, AuthMethod, CdrLocation, Location, PartyKey, Price
from flask_ocpi.schemas import CiString, OcpiDateTime, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    CURRENCY,
    MAX_HOURS,
    MAX_KWH,
    MAX_MONEY,
    Between,
    Enum,
    ListOf,
    ListPlus,
    ModelSchema,
    NotExpressible,
    Number,
    Opt,
    Str,
)
from flask_ocpi.v2_1_1.schemas.locations import LocationSchema, dump_location, dump_location_with
from flask_ocpi.v2_1_1.schemas.sessions import (
    AUTH_METHODS,
    ChargingPeriodSchema,
    auth_method_211,
    check_embedded_location,
    dump_charging_periods,
    resolve_token_and_location,
)
from flask_ocpi.v2_1_1.schemas.tariffs import TariffSchema, dump_tariff, tariff_from_data

log = logging.getLogger("flask_ocpi")

#: ``#NA``: the 2.2.1 placeholder for a required string that cannot be filled (CdrLocation
#: requires ``evse_id``, which a 2.1.1 EVSE may lack).
NOT_AVAILABLE = "#NA"


class CdrSchema(ModelSchema):
    """``CDR`` object (3.1). Loads into a dict of model field names, except ``auth_id``,
    ``location`` and ``tariffs`` which need the owners; see :func:`load_cdr`."""

    id = CiString(36, required=True)
    start_date_time = OcpiDateTime(required=True)
    end_date_time = OcpiDateTime(required=True, data_key="stop_date_time")
    auth_id = Str(36, required=True)
    auth_method = Enum(AuthMethod, AUTH_METHODS, required=True)
    location = fields.Nested(LocationSchema, required=True)
    meter_id = Opt(Str, 255)
    currency = Str(3, required=True, **CURRENCY)
    tariffs = ListOf(fields.Nested(TariffSchema))
    charging_periods = ListPlus(fields.Nested(ChargingPeriodSchema))
    total_cost = Number(required=True, validate=Between(-MAX_MONEY, MAX_MONEY))
    total_energy = Number(required=True, validate=Between(0, MAX_KWH))
    total_time = Number(required=True, validate=Between(0, MAX_HOURS))
    total_parking_time = Opt(Number, validate=Between(0, MAX_HOURS))
    remark = Opt(Str, 255)
    last_updated = OcpiDateTime(required=True)

    @pre_load
    def _end_date_time(self, data: Any, **_: Any) -> Any:
        """Tolerate 2.2.1's ``end_date_time`` for a missing ``stop_date_time`` (logged)."""
        if isinstance(data, dict) and "stop_date_time" not in data and "end_date_time" in data:
            log.warning("CDR %r has end_date_time (OCPI 2.2.1) instead of stop_date_time; accepted", data.get("id"))
            data = {**data, "stop_date_time": data["end_date_time"]}
            del data["end_date_time"]
        return data

    @validates_schema
    def _one_evse(self, data: dict[str, Any], **_: Any) -> None:
        check_embedded_location(data)

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        if "total_cost" in data:
            data["total_cost"] = Price(excl_vat=data["total_cost"])
        return data


_CDR = CdrSchema()


def cdr_location_of(location: Location) -> CdrLocation:
    """The 2.2.1 ``CdrLocation`` snapshot of a 2.1.1 embedded location (its first EVSE and
    connector; ``evse_id`` is ``#NA`` when the EVSE has none)."""
    evse = location.evses[0]
    connector = evse.connectors[0]
    return CdrLocation(
        id=location.id,
        name=location.name,
        address=location.address,
        city=location.city,
        postal_code=location.postal_code,
        state=location.state,
        country=location.country,
        coordinates=location.coordinates,
        evse_uid=evse.uid,
        evse_id=evse.evse_id if evse.evse_id is not None else NOT_AVAILABLE,
        connector_id=connector.id,
        connector_standard=connector.standard,
        connector_format=connector.format,
        connector_power_type=connector.power_type,
    )


def load_cdr(data: Any, *, owner: PartyKey, token_owner: PartyKey) -> CDR:
    """Load a 2.1.1 CDR of the CPO ``owner`` for a token of the eMSP ``token_owner``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    loaded = resolve_token_and_location(load_or_raise(_CDR, data), owner=owner, token_owner=token_owner)
    for key in ("location_id", "evse_uid", "connector_id"):
        del loaded[key]
    location: Location = loaded["location"]
    loaded["cdr_location"] = cdr_location_of(location)
    loaded["tariffs"] = [tariff_from_data(t, owner) for t in loaded.get("tariffs", ())]
    return CDR(country_code=owner.country_code, party_id=owner.party_id, **loaded)


def _tariffs(cdr: CDR) -> list[dict[str, Any]]:
    out = []
    for tariff in cdr.tariffs:
        try:
            out.append(dump_tariff(tariff))
        except NotExpressible:
            continue
    return out


def dump_cdr(cdr: CDR) -> dict[str, Any]:
    """A CDR as 2.1.1 JSON, embedding ``cdr.location`` (with only the EVSE and connector of
    ``cdr.cdr_location`` when that is set; as is otherwise).

    :raises ValueError: when ``cdr.location`` is ``None`` (the view fills it) or lacks the
        EVSE/connector named by ``cdr.cdr_location``.
    """
    if cdr.location is None:
        raise ValueError(f"CDR {cdr.id!r} has no location to embed (OCPI 2.1.1 requires it)")
    where = cdr.cdr_location
    if where is not None:
        location = dump_location_with(cdr.location, where.evse_uid, where.connector_id)
    else:
        location = dump_location(cdr.location)
    out: dict[str, Any] = {
        "id": cdr.id,
        "start_date_time": format_datetime(cdr.start_date_time),
        "stop_date_time": format_datetime(cdr.end_date_time),
        "auth_id": cdr.cdr_token.contract_id,
        "auth_method": auth_method_211(cdr.auth_method),
        "location": location,
    }
    if cdr.meter_id is not None:
        out["meter_id"] = cdr.meter_id
    out["currency"] = cdr.currency
    if cdr.tariffs:
        out["tariffs"] = _tariffs(cdr)
    out["charging_periods"] = dump_charging_periods(cdr.charging_periods)
    out["total_cost"] = cdr.total_cost.excl_vat
    out["total_energy"] = cdr.total_energy
    out["total_time"] = cdr.total_time
    if cdr.total_parking_time is not None:
        out["total_parking_time"] = cdr.total_parking_time
    if cdr.remark is not None:
        out["remark"] = cdr.remark
    out["last_updated"] = format_datetime(cdr.last_updated)
    return out
