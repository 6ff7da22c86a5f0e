"""OCPI 2.1.1 field types and the classes several modules share.

Loading validates strictly what the 2.1.1 text defines (``types.md`` and the data types of
``mod_locations.md``): exact JSON types (no numbers as strings, no ``0``/``1`` booleans),
string lengths, the regular expressions, and only the enum values 2.1.1 defines, even where
the version-independent model enum also holds 2.2.1 values. Lists of cardinality ``*`` read
``null`` as empty. Dumping is done by hand-written functions building plain dicts (fast:
no marshmallow at dump time); numbers stay :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, post_load, validate

from flask_ocpi.models import (
    AdditionalGeoLocation,
    BusinessDetails,
    DisplayText,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    EnvironmentalImpact,
    EnvironmentalImpactCategory,
    GeoLocation,
    Image,
    ImageCategory,
)
from flask_ocpi.schemas import OcpiSchema, OcpiString, OcpiURL, load_or_raise


class NotExpressible(ValueError):
    """A model object OCPI 2.1.1 cannot carry, where leaving it out is impossible (e.g. a
    connector of a 2.2.1-only standard dumped on its own). Inside lists such objects are
    omitted instead."""


# --------------------------------------------------------------------------- field types


class Int(fields.Integer):
    """``int``: a JSON integer (not a string, float or boolean)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError("Not a valid integer.")
        return value


class Number(fields.Decimal):
    """``number``: a JSON number (not a string or boolean), loaded as :class:`~decimal.Decimal`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise ValidationError("Not a valid number.")
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            raise ValidationError("Not a valid number.")
        return number

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class Bool(fields.Boolean):
    """``boolean``: JSON ``true``/``false`` only."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


class Enum(fields.String):
    """An enum of 2.1.1: one of ``values`` (default: all values of the model enum)."""

    def __init__(self, enum: type[StrEnum], values: Iterable[str] | None = None, **kwargs: Any) -> None:
        allowed = frozenset(values if values is not None else (m.value for m in enum))
        ordered = [m.value for m in enum if m.value in allowed]
        super().__init__(metadata={"enum": ordered}, **kwargs)
        self.enum = enum
        self.values = allowed
        self.choices = ", ".join(ordered)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> StrEnum:
        if not isinstance(value, str) or value not in self.values:
            raise ValidationError(f"Not an OCPI 2.1.1 value: {value!r}. Must be one of: {self.choices}.")
        return self.enum(value)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value)


class ListOf(fields.List[Any]):
    """A list of cardinality ``*``: absent, ``null`` and ``[]`` all mean empty."""

    def __init__(self, inner: fields.Field[Any], **kwargs: Any) -> None:
        super().__init__(inner, **kwargs)

    def deserialize(
        self, value: Any, attr: str | None = None, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        return super().deserialize([] if value is None else value, attr, data, **kwargs)


def ListPlus(inner: fields.Field[Any], **kwargs: Any) -> fields.List[Any]:
    """A required list of cardinality ``+`` (at least one element)."""
    return fields.List(inner, required=True, validate=validate.Length(min=1), **kwargs)


def Str(max_length: int, *, pattern: str | None = None, error: str | None = None, **kwargs: Any) -> OcpiString:
    """``string(max_length)`` (printable ASCII), optionally matching ``pattern`` wholly."""
    validators = list(kwargs.pop("validate", []))
    if pattern is not None:
        message = (error or f"Must match {pattern}.").replace("{", "{{").replace("}", "}}")
        validators.append(validate.Regexp(re.compile(pattern + r"\Z"), error=message))
        # OpenAPI (JSON Schema) patterns are searched, not matched: anchored for the docs.
        kwargs["metadata"] = {"pattern": f"^(?:{pattern})$", **(kwargs.get("metadata") or {})}
    return OcpiString(max_length, validate=validators, **kwargs)


def Opt(field: type[fields.Field[Any]] | Any, *args: Any, **kwargs: Any) -> Any:
    """An optional (``?``) field: may be absent or ``null``."""
    return field(*args, allow_none=True, **kwargs)


# ------------------------------------------------------------------------------- ranges
# OCPI 2.1.1 types numbers as plain ``int``/``number``; these bounds are far beyond any real
# charge point, session or price, and refuse what no physical quantity can be (docs/guide.md,
# "Limits"). Money may be negative (wholesale energy prices can be), quantities may not.

#: ``int`` quantities without a physical unit (step_size, seconds): a signed 32-bit integer.
INT32_MAX = 2**31 - 1
#: Volts and amperes of a connector (the largest truck connectors: ~1250 V, ~3000 A).
MAX_VOLTAGE = 10_000
MAX_AMPERAGE = 10_000
#: Kilowatts (tariff power restrictions; the largest chargers deliver a few MW).
MAX_KW = 10_000
#: Kilowatt-hours of one session, CDR or restriction (a truck battery holds ~1 MWh).
MAX_KWH = 1_000_000
#: Hours of one CDR (charging or parking): more than eleven years.
MAX_HOURS = 100_000
#: A CDR dimension's volume (kWh, A, hours or a count, depending on its type).
MAX_VOLUME = 1_000_000
#: Money in any currency (a price per unit or a total; 10^9 covers even IDR or VND totals).
MAX_MONEY = 1_000_000_000
#: Grams per kWh of an environmental impact (coal is ~1000).
MAX_GRAMS_PER_KWH = 1_000_000


class Between(validate.Range):
    """A ``low`` to ``high`` bound (both inclusive) of a number, whose message names only the
    bound broken (documented as ``minimum``/``maximum`` in OpenAPI, as any ``Range``)."""

    def __init__(self, low: int, high: int) -> None:
        super().__init__(min=low, max=high)

    def __call__(self, value: Any) -> Any:
        if value < self.min:
            raise ValidationError(f"Must be greater than or equal to {self.min}.")
        if value > self.max:
            raise ValidationError(f"Must be less than or equal to {self.max}.")
        return value


def _coordinate(limit: int) -> Any:
    def check(value: str) -> None:
        try:
            number = Decimal(value)
        except ArithmeticError:
            return  # not a number: the field's pattern says why
        if not number.is_finite() or abs(number) > limit:
            raise ValidationError(f"Must be between -{limit} and {limit} (WGS 84 degrees).")

    return check


#: ISO 3166-1 alpha-3, ISO 4217 and ISO 639-1 codes, ``HH:MM`` and ``YYYY-MM-DD``; WGS 84
#: coordinates (the 2.1.1 patterns allow 99.999999 and 999.999999: the ranges are checked too).
COUNTRY = {"pattern": "[A-Z]{3}", "error": "Must be an ISO 3166-1 alpha-3 country code (3 upper-case letters)."}
CURRENCY = {"pattern": "[A-Z]{3}", "error": "Must be an ISO 4217 currency code (3 upper-case letters)."}
LANGUAGE = {"pattern": "[A-Za-z]{2}", "error": "Must be an ISO 639-1 language code (2 letters)."}
TIME = {"pattern": "([0-1][0-9]|2[0-3]):[0-5][0-9]", "error": "Must be a time HH:MM (00:00 to 23:59)."}
LATITUDE: dict[str, Any] = {
    "pattern": r"-?[0-9]{1,2}\.[0-9]{6}",
    "error": r"Must match -?[0-9]{1,2}\.[0-9]{6}.",
    "validate": [_coordinate(90)],
}
LONGITUDE: dict[str, Any] = {
    "pattern": r"-?[0-9]{1,3}\.[0-9]{6}",
    "error": r"Must match -?[0-9]{1,3}\.[0-9]{6}.",
    "validate": [_coordinate(180)],
}


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _calendar_date(value: str) -> None:
    try:
        if _DATE.match(value):
            date.fromisoformat(value)
            return
    except ValueError:
        pass
    raise ValidationError("Must be a date YYYY-MM-DD.")


DATE = {"validate": [_calendar_date]}


# ------------------------------------------------------------------------------- schemas


class ModelSchema(OcpiSchema):
    """A schema loading into ``model`` (or into a dict of model field names when ``model``
    is ``None`` or the load is partial, as for a PATCH). ``convert`` adapts loaded values."""

    model: ClassVar[type[Any] | None] = None

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        """Turn loaded wire values into model values (renames are done by ``data_key``)."""
        return data

    @post_load
    def _make(self, data: dict[str, Any], *, partial: Any = None, **_: Any) -> Any:
        data = self.convert(data)
        if partial or self.model is None:
            return data
        return self.model(**data)


@functools.cache
def changes_schema(schema: type[ModelSchema]) -> ModelSchema:
    """The (cached) instance of ``schema`` loading PATCH bodies: every top-level field is
    optional, nested objects stay complete, the result is a dict of model field names."""
    return schema(partial=tuple(schema().load_fields))


def load_changes(schema: ModelSchema, data: Any) -> dict[str, Any]:
    """Load a PATCH body: only the fields present, each fully validated, model field names."""
    result: dict[str, Any] = load_or_raise(changes_schema(type(schema)), data)
    return result


class DisplayTextSchema(ModelSchema):
    """``DisplayText`` class (types 1.3)."""

    model = DisplayText
    language = Str(2, required=True, **LANGUAGE)
    text = Str(512, required=True)


class GeoLocationSchema(ModelSchema):
    """``GeoLocation`` class (mod_locations 4.12)."""

    model = GeoLocation
    latitude = Str(10, required=True, **LATITUDE)
    longitude = Str(11, required=True, **LONGITUDE)


class AdditionalGeoLocationSchema(ModelSchema):
    """``AdditionalGeoLocation`` class (mod_locations 4.1)."""

    model = AdditionalGeoLocation
    latitude = Str(10, required=True, **LATITUDE)
    longitude = Str(11, required=True, **LONGITUDE)
    name = Opt(fields.Nested, DisplayTextSchema)


class ImageSchema(ModelSchema):
    """``Image`` class (mod_locations 4.14)."""

    model = Image
    url = OcpiURL(required=True)
    thumbnail = Opt(OcpiURL)
    category = Enum(ImageCategory, required=True)
    type = Str(4, required=True)
    width = Opt(Int, validate=validate.Range(min=0, max=99999))
    height = Opt(Int, validate=validate.Range(min=0, max=99999))


class BusinessDetailsSchema(ModelSchema):
    """``BusinessDetails`` class (mod_locations 4.1)."""

    model = BusinessDetails
    name = Str(100, required=True)
    website = Opt(OcpiURL)
    logo = Opt(fields.Nested, ImageSchema)


class EnergySourceSchema(ModelSchema):
    """``EnergySource`` class (mod_locations 4.6)."""

    model = EnergySource
    source = Enum(EnergySourceCategory, required=True)
    percentage = Number(required=True, validate=validate.Range(min=0, max=100))


class EnvironmentalImpactSchema(ModelSchema):
    """``EnvironmentalImpact`` class (mod_locations 4.8): 2.1.1's ``source`` is ``category``."""

    model = EnvironmentalImpact
    category = Enum(EnvironmentalImpactCategory, required=True, data_key="source")
    amount = Number(required=True, validate=Between(0, MAX_GRAMS_PER_KWH))


class EnergyMixSchema(ModelSchema):
    """``EnergyMix`` class (mod_locations 4.5)."""

    model = EnergyMix
    is_green_energy = Bool(required=True)
    energy_sources = ListOf(fields.Nested(EnergySourceSchema))
    environ_impact = ListOf(fields.Nested(EnvironmentalImpactSchema))
    supplier_name = Opt(Str, 64)
    energy_product_name = Opt(Str, 64)


# --------------------------------------------------------------------------------- dumps


def dump_display_text(text: DisplayText) -> dict[str, Any]:
    """A ``DisplayText`` as 2.1.1 JSON."""
    return {"language": text.language, "text": text.text}


def _six_decimals(coordinate: str) -> str:
    """A coordinate as 2.1.1 writes it: exactly 6 decimals (2.2.1 allows 5 to 7)."""
    try:
        value = Decimal(coordinate)
    except ArithmeticError:
        return coordinate  # not a number: left for the receiver to refuse, never guessed at
    if not value.is_finite():
        return coordinate
    return f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_EVEN):f}"


def dump_geo_location(geo: GeoLocation) -> dict[str, Any]:
    """A ``GeoLocation`` as 2.1.1 JSON."""
    return {"latitude": _six_decimals(geo.latitude), "longitude": _six_decimals(geo.longitude)}


def dump_additional_geo_location(geo: AdditionalGeoLocation) -> dict[str, Any]:
    """An ``AdditionalGeoLocation`` as 2.1.1 JSON."""
    out: dict[str, Any] = {"latitude": _six_decimals(geo.latitude), "longitude": _six_decimals(geo.longitude)}
    if geo.name is not None:
        out["name"] = dump_display_text(geo.name)
    return out


def dump_image(image: Image) -> dict[str, Any]:
    """An ``Image`` as 2.1.1 JSON."""
    out: dict[str, Any] = {"url": image.url, "category": image.category, "type": image.type}
    if image.thumbnail is not None:
        out["thumbnail"] = image.thumbnail
    if image.width is not None:
        out["width"] = image.width
    if image.height is not None:
        out["height"] = image.height
    return out


def dump_business_details(details: BusinessDetails) -> dict[str, Any]:
    """A ``BusinessDetails`` as 2.1.1 JSON."""
    out: dict[str, Any] = {"name": details.name}
    if details.website is not None:
        out["website"] = details.website
    if details.logo is not None:
        out["logo"] = dump_image(details.logo)
    return out


def dump_energy_mix(mix: EnergyMix) -> dict[str, Any]:
    """An ``EnergyMix`` as 2.1.1 JSON (``category`` travels as ``source``)."""
    out: dict[str, Any] = {"is_green_energy": mix.is_green_energy}
    if mix.energy_sources:
        out["energy_sources"] = [{"source": s.source, "percentage": s.percentage} for s in mix.energy_sources]
    if mix.environ_impact:
        out["environ_impact"] = [{"source": e.category, "amount": e.amount} for e in mix.environ_impact]
    if mix.supplier_name is not None:
        out["supplier_name"] = mix.supplier_name
    if mix.energy_product_name is not None:
        out["energy_product_name"] = mix.energy_product_name
    return out
