"""OCPI 2.1.1 Tariffs module: Tariff and its classes (``mod_tariffs.md``).

A 2.1.1 Tariff carries no owner (the loader takes it), no VAT, no ``type``, no min/max price
and no validity window. When dumping a model tariff, those 2.2.1 fields are left out, and so
are whole elements whose restrictions 2.1.1 cannot express (``reservation``,
``min_current``/``max_current``): dropping only the restriction would apply the element's
prices where they were never meant to apply.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from flask_ocpi.dates import format_datetime
from flask_ocpi.models import (
    DayOfWeek,
    PartyKey,
    PriceComponent,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)
from flask_ocpi.schemas import OcpiDateTime, OcpiURL, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    CURRENCY,
    DATE,
    INT32_MAX,
    MAX_KW,
    MAX_KWH,
    MAX_MONEY,
    TIME,
    Between,
    DisplayTextSchema,
    EnergyMixSchema,
    Enum,
    Int,
    ListOf,
    ListPlus,
    ModelSchema,
    NotExpressible,
    Number,
    Opt,
    Str,
    dump_display_text,
    dump_energy_mix,
    load_changes,
)


class PriceComponentSchema(ModelSchema):
    """``PriceComponent`` class (4.2): price per unit excluding VAT, ``step_size`` blocks."""

    model = PriceComponent
    type = Enum(TariffDimensionType, required=True)
    price = Number(required=True, validate=Between(-MAX_MONEY, MAX_MONEY))
    step_size = Int(required=True, validate=Between(0, INT32_MAX))


class TariffRestrictionsSchema(ModelSchema):
    """``TariffRestrictions`` class (4.5)."""

    model = TariffRestrictions
    start_time = Opt(Str, 5, **TIME)
    end_time = Opt(Str, 5, **TIME)
    start_date = Opt(Str, 10, **DATE)
    end_date = Opt(Str, 10, **DATE)
    min_kwh = Opt(Number, validate=Between(0, MAX_KWH))
    max_kwh = Opt(Number, validate=Between(0, MAX_KWH))
    min_power = Opt(Number, validate=Between(0, MAX_KW))
    max_power = Opt(Number, validate=Between(0, MAX_KW))
    min_duration = Opt(Int, validate=Between(0, INT32_MAX))
    max_duration = Opt(Int, validate=Between(0, INT32_MAX))
    day_of_week = ListOf(Enum(DayOfWeek))


class TariffElementSchema(ModelSchema):
    """``TariffElement`` class (4.3)."""

    model = TariffElement
    price_components = ListPlus(fields.Nested(PriceComponentSchema))
    restrictions = Opt(fields.Nested, TariffRestrictionsSchema)


class TariffSchema(ModelSchema):
    """``Tariff`` object (3.1). Loads into a dict of model field names (the owner is not on
    the 2.1.1 wire); see :func:`load_tariff`."""

    id = Str(36, required=True)
    currency = Str(3, required=True, **CURRENCY)
    tariff_alt_text = ListOf(fields.Nested(DisplayTextSchema))
    tariff_alt_url = Opt(OcpiURL)
    elements = ListPlus(fields.Nested(TariffElementSchema))
    energy_mix = Opt(fields.Nested, EnergyMixSchema)
    last_updated = OcpiDateTime(required=True)


_TARIFF = TariffSchema()


def tariff_from_data(data: dict[str, Any], owner: PartyKey) -> Tariff:
    """The model of a Tariff loaded by :class:`TariffSchema`, owned by ``owner``."""
    return Tariff(country_code=owner.country_code, party_id=owner.party_id, **data)


def load_tariff(data: Any, *, owner: PartyKey) -> Tariff:
    """Load a 2.1.1 Tariff owned by the CPO ``owner``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    return tariff_from_data(load_or_raise(_TARIFF, data), owner)


def load_tariff_changes(data: Any) -> dict[str, Any]:
    """Validate a Tariff PATCH body (2.1.1 only) into model-named changes."""
    return load_changes(_TARIFF, data)


# --------------------------------------------------------------------------------- dumps

_RESTRICTIONS = (
    "start_time",
    "end_time",
    "start_date",
    "end_date",
    "min_kwh",
    "max_kwh",
    "min_power",
    "max_power",
    "min_duration",
    "max_duration",
)


def _restrictions(r: TariffRestrictions) -> dict[str, Any] | None:
    if r.reservation is not None or r.min_current is not None or r.max_current is not None:
        return None
    out: dict[str, Any] = {}
    for key in _RESTRICTIONS:
        value = getattr(r, key)
        if value is not None:
            out[key] = value
    if r.day_of_week:
        out["day_of_week"] = list(r.day_of_week)
    return out


def _element(e: TariffElement) -> dict[str, Any] | None:
    if not e.price_components:
        return None
    out: dict[str, Any] = {
        "price_components": [{"type": p.type, "price": p.price, "step_size": p.step_size} for p in e.price_components]
    }
    if e.restrictions is not None:
        restrictions = _restrictions(e.restrictions)
        if restrictions is None:
            return None
        out["restrictions"] = restrictions
    return out


def dump_tariff(tariff: Tariff) -> dict[str, Any]:
    """A Tariff as 2.1.1 JSON (prices excluding VAT; 2.2.1-only fields left out).

    :raises NotExpressible: when no element is left that 2.1.1 can express.
    """
    elements = [d for d in map(_element, tariff.elements) if d is not None]
    if not elements:
        raise NotExpressible(f"tariff {tariff.id!r} has no element OCPI 2.1.1 can express")
    out: dict[str, Any] = {"id": tariff.id, "currency": tariff.currency}
    if tariff.tariff_alt_text:
        out["tariff_alt_text"] = [dump_display_text(t) for t in tariff.tariff_alt_text]
    if tariff.tariff_alt_url is not None:
        out["tariff_alt_url"] = tariff.tariff_alt_url
    out["elements"] = elements
    if tariff.energy_mix is not None:
        out["energy_mix"] = dump_energy_mix(tariff.energy_mix)
    out["last_updated"] = format_datetime(tariff.last_updated)
    return out
