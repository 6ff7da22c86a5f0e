"""The storage codec: every model class survives a trip through JSON, types included."""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from types import ModuleType
from typing import Any

import pytest

from flask_ocpi.models import (
    CDR,
    Connector,
    ConnectorFormat,
    ConnectorType,
    Location,
    PartyKey,
    PowerType,
    Price,
    Session,
    Tariff,
    Token,
    cdrs,
    commands,
    common,
    credentials,
    locations,
    partners,
    sessions,
    tariffs,
    tokens,
)
from flask_ocpi.stores.codec import from_document, to_document

from .objects import T0, full_cdr, full_location, full_session, full_tariff, full_token

MODEL_MODULES: tuple[ModuleType, ...] = (
    common,
    credentials,
    partners,
    locations,
    sessions,
    cdrs,
    tariffs,
    tokens,
    commands,
)
#: An offset with minutes, and microseconds: both must survive.
INDIA = timezone(timedelta(hours=5, minutes=30))


def model_classes() -> list[type]:
    """Every dataclass defined in :mod:`flask_ocpi.models`."""
    found = []
    for module in MODEL_MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                found.append(value)
    return found


def sample(hint: Any, name: str, second: bool = False) -> Any:
    """A non-default value of type ``hint`` (``second``: another one, for lists)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        return sample(next(a for a in args if a is not type(None)), name, second)
    if origin is list:
        return [sample(args[0], name), sample(args[0], name, second=True)]
    if origin is frozenset:
        return frozenset(sample(list[args[0]], name))  # type: ignore[valid-type]
    if hint is str:
        return f"{name}-{'b' if second else 'a'}"
    if hint is bool:
        return not second
    if hint is int:
        return 42 if second else 7
    if hint is Decimal:
        return Decimal("-0.001") if second else Decimal("12.3450")
    if hint is datetime:
        moment = datetime(2024, 2, 29, 23, 59, 58, 987654, tzinfo=INDIA)
        return moment + timedelta(days=1) if second else moment
    if isinstance(hint, type) and issubclass(hint, Enum):
        members = list(hint)
        return members[-2] if second else members[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return populated(hint, variant=second)
    raise AssertionError(f"no sample for {hint!r}")


def populated(cls: type, *, variant: bool = False) -> Any:
    """An instance of ``cls`` with every field set to a non-default value."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        value = sample(hints[f.name], f.name, variant)
        if f.default is True:
            value = False
        kwargs[f.name] = value
    return cls(**kwargs)


def assert_same(got: Any, expected: Any, path: str = "") -> None:
    """``got == expected`` with identical types all the way down (an enum is not a str)."""
    assert type(got) is type(expected), f"{path}: {type(got).__name__} is not {type(expected).__name__}"
    if dataclasses.is_dataclass(expected):
        for f in dataclasses.fields(expected):
            assert_same(getattr(got, f.name), getattr(expected, f.name), f"{path}.{f.name}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), path
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_same(g, e, f"{path}[{index}]")
    elif isinstance(expected, datetime):
        assert got == expected and got.utcoffset() == expected.utcoffset(), path
    else:
        assert got == expected, path


def through_json(cls: type, obj: Any) -> Any:
    return from_document(cls, json.loads(json.dumps(to_document(obj))))


def test_the_models_have_the_expected_classes() -> None:
    names = {cls.__name__ for cls in model_classes()}
    assert {"Location", "EVSE", "Connector", "Session", "CDR", "Tariff", "Token", "Partner", "CommandRecord"} <= names
    assert len(names) >= 45


@pytest.mark.parametrize("cls", model_classes(), ids=lambda cls: cls.__name__)
def test_every_model_class_round_trips_fully_populated(cls: type) -> None:
    obj = populated(cls)
    for f in dataclasses.fields(cls):
        value = getattr(obj, f.name)
        assert value is not None and value != [], f"{cls.__name__}.{f.name} is not populated"
        if f.default is not dataclasses.MISSING:
            assert value != f.default, f"{cls.__name__}.{f.name} has its default"

    assert_same(through_json(cls, obj), obj, cls.__name__)


@pytest.mark.parametrize("cls", model_classes(), ids=lambda cls: cls.__name__)
def test_every_model_class_round_trips_with_optional_fields_empty(cls: type) -> None:
    hints = typing.get_type_hints(cls)
    required = {
        f.name: sample(hints[f.name], f.name)
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    obj = cls(**required)
    assert_same(through_json(cls, obj), obj, cls.__name__)


@pytest.mark.parametrize(
    ("cls", "obj"),
    [
        (Location, full_location()),
        (Session, full_session()),
        (CDR, full_cdr()),
        (Tariff, full_tariff()),
        (Token, full_token()),
    ],
    ids=["location", "session", "cdr", "tariff", "token"],
)
def test_the_contract_suites_objects_round_trip(cls: type, obj: Any) -> None:
    assert_same(through_json(cls, obj), obj)


def test_document_format() -> None:
    connector = Connector(
        id="1",
        standard=ConnectorType.CHADEMO,
        format=ConnectorFormat.SOCKET,
        power_type=PowerType.DC,
        max_voltage=500,
        max_amperage=125,
        last_updated=T0.astimezone(INDIA),
    )

    assert to_document(connector) == {
        "id": "1",
        "standard": "CHADEMO",
        "format": "SOCKET",
        "power_type": "DC",
        "max_voltage": 500,
        "max_amperage": 125,
        "last_updated": "2024-03-01T18:00:45.123456+05:30",
    }
    document = to_document(Price(excl_vat=Decimal("0.10"), incl_vat=Decimal("1E+2")))
    assert document == {"excl_vat": "0.10", "incl_vat": "1E+2"}
    assert type(to_document(connector)["standard"]) is str
    location = to_document(full_location(evses=1, connectors=1))
    assert location["evses"][0]["connectors"][0]["tariff_ids"] == ["T1", "T2"]
    assert location["energy_mix"]["energy_sources"][0] == {"source": "SOLAR", "percentage": "62.5"}
    assert to_document(PartyKey("nl", "abc")) == {"country_code": "NL", "party_id": "ABC"}


def test_decimals_keep_their_exact_value() -> None:
    price = Price(excl_vat=Decimal("0.1000000000000000000000001"), incl_vat=Decimal("-0"))
    back = through_json(Price, price)
    assert str(back.excl_vat) == "0.1000000000000000000000001" and str(back.incl_vat) == "-0"


def test_decoding_is_tolerant() -> None:
    assert from_document(Price, {"excl_vat": 2, "incl_vat": 0.5, "gross": "ignored"}) == Price(
        excl_vat=Decimal("2"), incl_vat=Decimal("0.5")
    )
    assert from_document(Price, {"excl_vat": "1", "incl_vat": None}) == Price(excl_vat=Decimal("1"))


def test_decoding_errors() -> None:
    with pytest.raises(TypeError):
        from_document(Price, {"incl_vat": "1"})  # excl_vat is required
    with pytest.raises(ValueError):
        from_document(Connector, {**to_document(full_location().evses[0].connectors[0]), "standard": "NOPE"})


@dataclass
class Odd:
    shape: tuple[int, int] = (1, 2)


@dataclass
class Mapped:
    limits: dict[str, Decimal] = field(default_factory=dict)
    moments: list[datetime | None] = field(default_factory=list)


def test_unsupported_types_and_non_dataclasses_raise_type_error() -> None:
    with pytest.raises(TypeError, match=r"Odd\.shape"):
        to_document(Odd())
    with pytest.raises(TypeError):
        to_document({"a": 1})
    with pytest.raises(TypeError):
        to_document(Price)
    with pytest.raises(TypeError):
        from_document(dict, {})


def test_dicts_and_optional_items_in_lists() -> None:
    obj = Mapped(limits={"max": Decimal("1.50")}, moments=[None, datetime(2024, 1, 1, tzinfo=UTC)])
    assert to_document(obj) == {"limits": {"max": "1.50"}, "moments": [None, "2024-01-01T00:00:00+00:00"]}
    assert_same(through_json(Mapped, obj), obj)
