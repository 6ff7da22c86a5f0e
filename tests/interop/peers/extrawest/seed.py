"""Seed data of the extrawest-ocpi peer: a few valid OCPI 2.1.1 objects, as the dicts its
host code hands to ``py_ocpi``'s adapter (one deviation forced by the package: see ``cpo``)."""

from __future__ import annotations

import copy
from typing import Any


def _connector(cid: str, tariff: str, stamp: str) -> dict[str, Any]:
    return {
        "id": cid,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "voltage": 230,
        "amperage": 32,
        "tariff_id": tariff,
        "last_updated": stamp,
    }


def _location(name: str, lid: str, city: str, lat: str, lon: str, evses: int, stamp: str) -> dict[str, Any]:
    return {
        "id": lid,
        "type": "ON_STREET",
        "name": f"{city} {lid}",
        "address": f"{lid} Main Street 1",
        "city": city,
        "postal_code": "10115",
        "country": "DEU",
        "coordinates": {"latitude": lat, "longitude": lon},
        "evses": [
            {
                "uid": f"{lid}-E{n}",
                "evse_id": f"DE*XWC*E{lid}{n}",
                "status": "AVAILABLE",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                "connectors": [_connector("1", "TARIFF-1", stamp)],
                "physical_reference": f"{n}",
                "last_updated": stamp,
            }
            for n in range(1, evses + 1)
        ],
        "operator": {"name": name, "website": "https://cpo.example.com"},
        "time_zone": "Europe/Berlin",
        "opening_times": {"twentyfourseven": True},
        "last_updated": stamp,
    }


def cpo(name: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The CPO's locations, tariffs, sessions and CDRs (module name -> id -> object)."""
    locations = [
        _location(name, "LOC-1", "Berlin", "52.520008", "13.404954", 2, "2025-01-01T10:00:00Z"),
        _location(name, "LOC-2", "Hamburg", "53.551086", "9.993682", 1, "2025-01-02T10:00:00Z"),
        _location(name, "LOC-3", "Munich", "48.135125", "11.581981", 1, "2025-01-03T10:00:00Z"),
    ]
    in_session = copy.deepcopy(locations[0])
    in_session["evses"] = in_session["evses"][:1]
    tariffs = [
        {
            "id": "TARIFF-1",
            "currency": "EUR",
            "tariff_alt_text": [{"language": "en", "text": "0.25 EUR/kWh"}],
            "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
            "last_updated": "2025-01-01T09:00:00Z",
        },
        {
            "id": "TARIFF-2",
            "currency": "EUR",
            "elements": [
                {
                    "price_components": [{"type": "TIME", "price": 2.0, "step_size": 300}],
                    "restrictions": {"start_time": "08:00", "end_time": "20:00", "day_of_week": ["MONDAY"]},
                }
            ],
            "last_updated": "2025-01-01T09:30:00Z",
        },
    ]
    period = [{"start_date_time": "2025-01-05T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 12.5}]}]
    sessions = [
        {
            "id": "SES-1",
            "start_datetime": "2025-01-05T10:00:00Z",
            "end_datetime": "2025-01-05T11:00:00Z",
            "kwh": 12.5,
            "auth_id": "DE-XWE-AUTH1",
            "auth_method": "WHITELIST",
            "location": in_session,
            "meter_id": "METER-1",
            "currency": "EUR",
            "charging_periods": period,
            "total_cost": 3.13,
            "status": "COMPLETED",
            "last_updated": "2025-01-05T11:00:00Z",
        },
        {
            "id": "SES-2",
            "start_datetime": "2025-01-06T08:00:00Z",
            "kwh": 0.0,
            "auth_id": "DE-XWE-AUTH2",
            "auth_method": "AUTH_REQUEST",
            "location": in_session,
            "currency": "EUR",
            "status": "ACTIVE",
            "last_updated": "2025-01-06T08:00:00Z",
        },
    ]
    # The package's 2.1.1 Cdr schema names the end "end_date_time" (the 2.2.1 name); a host
    # must give it that or its adapter fails, so that is what is seeded.
    cdrs = [
        {
            "id": "CDR-1",
            "start_date_time": "2025-01-05T10:00:00Z",
            "end_date_time": "2025-01-05T11:00:00Z",
            "auth_id": "DE-XWE-AUTH1",
            "auth_method": "WHITELIST",
            "location": in_session,
            "meter_id": "METER-1",
            "currency": "EUR",
            "tariffs": [tariffs[0]],
            "charging_periods": period,
            "total_cost": 3.13,
            "total_energy": 12.5,
            "total_time": 1.0,
            "total_parking_time": 0.0,
            "last_updated": "2025-01-05T11:05:00Z",
        }
    ]
    return {
        "locations": {o["id"]: o for o in locations},
        "tariffs": {o["id"]: o for o in tariffs},
        "sessions": {o["id"]: o for o in sessions},
        "cdrs": {o["id"]: o for o in cdrs},
    }


def emsp(name: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The eMSP's tokens (module name -> uid -> object)."""
    tokens = [
        {
            "uid": f"0102030{n}",
            "type": "RFID",
            "auth_id": f"DE-XWE-AUTH{n}",
            "visual_number": f"DE-XWE-{n:06d}",
            "issuer": name,
            "valid": n != 3,
            "whitelist": "ALLOWED" if n == 1 else "ALWAYS",
            "language": "de",
            "last_updated": f"2025-01-0{n}T12:00:00Z",
        }
        for n in (1, 2, 3)
    ]
    return {"tokens": {str(o["uid"]): o for o in tokens}}
