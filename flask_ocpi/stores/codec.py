"""A generic codec between the model dataclasses and JSON-safe documents, for storage.

:func:`to_document` turns any dataclass of :mod:`flask_ocpi.models` into a ``dict`` that
:func:`json.dumps` accepts; :func:`from_document` turns it back into an equal object::

    document = to_document(location)           # {"country_code": "NL", ..., "evses": [...]}
    assert from_document(Location, document) == location

The format is version-independent (it is the model's shape, not any OCPI wire format)
and is driven by the dataclass fields and their type hints:

* ``str``, ``int``, ``bool``, ``float`` are kept as they are;
* :class:`~decimal.Decimal` becomes its string (``"0.25"``): no precision is lost;
* :class:`~datetime.datetime` becomes an ISO 8601 string with its offset
  (``"2024-03-01T12:30:45.123456+00:00"``);
* enums become their value; nested dataclasses become nested documents; lists and
  ``dict[str, X]`` are converted element by element; ``X | None`` is ``X`` or ``null``;
* a field whose default is ``None`` (or an empty list) is left out of the document
  while it has that value, which keeps stored documents small. Unknown keys are
  ignored when decoding, so documents written before a field was removed still load.

For speed, the conversion plan of each class (one converter per field) is built once,
on first use, and cached.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

#: Converts one non-``None`` value (``None`` means: keep the value as it is).
Converter = Callable[[Any], Any] | None

_PRIMITIVES: tuple[type, ...] = (str, int, bool, float)


class _FieldPlan(NamedTuple):
    """How one dataclass field is encoded and decoded."""

    name: str
    encode: Converter
    decode: Converter
    #: Leave the field out of the document while it is ``None`` (its default).
    omit_none: bool
    #: Leave the field out of the document while it is an empty list (its default).
    omit_empty: bool


#: Field plans by dataclass, built on first use.
_PLANS: dict[type, tuple[_FieldPlan, ...]] = {}


def to_document(obj: object) -> dict[str, Any]:
    """The JSON-safe document of the dataclass instance ``obj``.

    :raises TypeError: when ``obj`` is not a dataclass instance, or one of its fields
        has a type this codec does not support.
    """
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"expected a dataclass instance, got {type(obj).__name__}")
    return _encode(type(obj), obj)


def from_document(cls: type[T], data: Mapping[str, Any]) -> T:
    """The instance of dataclass ``cls`` that ``data`` (from :func:`to_document`) describes.

    :raises TypeError: when ``cls`` is not a dataclass, has an unsupported field type, or
        ``data`` lacks a required field.
    :raises ValueError: when a value cannot be converted (e.g. an unknown enum value).
    """
    return _decode(cls, data)  # type: ignore[no-any-return]


def _encode(cls: type, obj: Any) -> dict[str, Any]:
    plan = _PLANS.get(cls) or _plan(cls)
    document: dict[str, Any] = {}
    for name, encode, _, omit_none, omit_empty in plan:
        value = getattr(obj, name)
        if value is None:
            if not omit_none:
                document[name] = None
        elif omit_empty and not value:
            continue
        else:
            document[name] = value if encode is None else encode(value)
    return document


def _decode(cls: type, data: Mapping[str, Any]) -> Any:
    plan = _PLANS.get(cls) or _plan(cls)
    kwargs: dict[str, Any] = {}
    for name, _, decode, _, _ in plan:
        if name in data:
            value = data[name]
            kwargs[name] = value if decode is None or value is None else decode(value)
    return cls(**kwargs)


def _plan(cls: type) -> tuple[_FieldPlan, ...]:
    """Build (and cache) the field plan of dataclass ``cls``."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    hints = typing.get_type_hints(cls)
    plan: list[_FieldPlan] = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        hint = _strip_optional(hints[field.name])
        try:
            encode, decode = _converters(hint)
        except TypeError as exc:
            raise TypeError(f"{cls.__name__}.{field.name}: {exc}") from None
        plan.append(
            _FieldPlan(
                name=field.name,
                encode=encode,
                decode=decode,
                omit_none=field.default is None,
                omit_empty=field.default_factory is list,
            )
        )
    result = tuple(plan)
    _PLANS[cls] = result
    return result


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _strip_optional(hint: Any) -> Any:
    """``X`` for ``X | None``; ``hint`` otherwise (``None`` is handled per field)."""
    if _is_union(hint):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _converters(hint: Any) -> tuple[Converter, Converter]:
    """The (encode, decode) converters of non-``None`` values of type ``hint``."""
    if hint is Any or hint in _PRIMITIVES:
        return None, None
    if hint is Decimal:
        return str, _decimal
    if hint is datetime:
        return datetime.isoformat, datetime.fromisoformat
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return _list_converters(item)
    if origin is frozenset:
        (item,) = typing.get_args(hint) or (Any,)
        encode, decode = _converters(item)
        enc, dec = encode or _identity, decode or _identity
        return (
            (lambda values: sorted((enc(v) for v in values), key=str)),
            (lambda values: frozenset(dec(v) for v in values)),
        )
    if origin is dict:
        key, value = typing.get_args(hint) or (str, Any)
        if key is not str:
            raise TypeError(f"only dict[str, ...] is supported, not {hint}")
        return _dict_converters(value)
    if _is_union(hint):
        inner = _strip_optional(hint)
        if inner is hint:
            if all(a in _PRIMITIVES or a is type(None) for a in typing.get_args(hint)):
                return None, None
            raise TypeError(f"unions other than X | None are not supported: {hint}")
        return _optional_converters(inner)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return attrgetter("value"), hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        cls = hint
        return (lambda value: _encode(cls, value)), (lambda data: _decode(cls, data))
    raise TypeError(f"unsupported type {hint!r}")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(value if isinstance(value, str) else str(value))


def _list_converters(item: Any) -> tuple[Converter, Converter]:
    encode, decode = _converters(item)
    if encode is None and decode is None:
        return list, list
    enc = encode or _identity
    dec = decode or _identity
    return (lambda values: [enc(v) for v in values]), (lambda values: [dec(v) for v in values])


def _dict_converters(item: Any) -> tuple[Converter, Converter]:
    encode, decode = _converters(item)
    if encode is None and decode is None:
        return dict, dict
    enc = encode or _identity
    dec = decode or _identity
    return (
        (lambda values: {k: enc(v) for k, v in values.items()}),
        (lambda values: {k: dec(v) for k, v in values.items()}),
    )


def _optional_converters(inner: Any) -> tuple[Converter, Converter]:
    """Converters of ``inner | None`` inside a container (fields handle ``None`` themselves)."""
    encode, decode = _converters(inner)
    if encode is None and decode is None:
        return None, None
    enc = encode or _identity
    dec = decode or _identity
    return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))


def _identity(value: Any) -> Any:
    return value


__all__ = ["from_document", "to_document"]
