"""Base classes and field types shared by every version's wire schemas.

Receive tolerantly (unknown fields are dropped and logged, DateTimes in any ISO 8601
form), send strictly (``None`` optional fields omitted, DateTimes in UTC ``Z`` form).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, pre_load, validate

from flask_ocpi.dates import format_datetime, parse_datetime
from flask_ocpi.exceptions import InvalidOrMissingParameters

log = logging.getLogger("flask_ocpi")

#: JSON Schema pattern of OCPI 2.1.1 ``string``: printable ASCII only.
PRINTABLE_ASCII = "^[ -~]*$"


class OcpiSchema(Schema):
    """Base of every wire schema: tolerant on load, strict on dump."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _log_unknown(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            known = {f.data_key or name for name, f in self.load_fields.items()}
            extra = sorted(k for k in data if k not in known)
            if extra:
                log.info("Ignoring unknown field(s) %s in %s", extra, type(self).__name__)
        return data

    @post_dump
    def _drop_none(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None}


class OcpiString(fields.String):
    """``string(n)``: printable ASCII (2.1.1), at most ``n`` characters."""

    def __init__(self, max_length: int | None = None, *, ascii_only: bool = True, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", []) or [])
        if max_length is not None:
            validators.append(validate.Length(max=max_length))
        if ascii_only and not any(isinstance(v, validate.Regexp | validate.URL) for v in validators):
            # Documented in OpenAPI (a field with its own pattern documents that one instead).
            kwargs["metadata"] = {"pattern": PRINTABLE_ASCII, **(kwargs.get("metadata") or {})}
        super().__init__(validate=validators, **kwargs)
        self.ascii_only = ascii_only

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.ascii_only and not all(0x20 <= ord(c) < 0x7F for c in text):
            raise ValidationError("Only printable ASCII is allowed.")
        return text


class CiString(OcpiString):
    """``CiString(n)``: case-insensitive printable ASCII."""


class OcpiURL(OcpiString):
    """``URL``: string(255) holding an absolute URL."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"format": "uri", **(kwargs.get("metadata") or {})}
        super().__init__(255, validate=[validate.URL(require_tld=False)], **kwargs)


class OcpiDateTime(fields.DateTime):
    """``DateTime``: accepts any ISO 8601 form, dumps ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_datetime(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return parse_datetime(value)
        except (ValueError, TypeError, OverflowError):
            raise ValidationError("Not a valid OCPI DateTime.") from None


def OcpiEnum(enum: type[Any], **kwargs: Any) -> fields.Enum[Any]:
    """An OCPI enum field: one of the enum's (case-sensitive) values."""
    return fields.Enum(enum, by_value=True, **kwargs)


def load_or_raise(schema: Schema, data: Any) -> Any:
    """Load ``data`` with ``schema``; validation errors become OCPI 2001 naming the fields."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidOrMissingParameters(describe_validation_errors(exc.messages)) from None
    except RecursionError:  # defensive: bodies read under the prefix are depth-checked first
        raise InvalidOrMissingParameters("body: nested too deeply") from None


def describe_validation_errors(messages: Any, path: str = "") -> str:
    """Flatten marshmallow/webargs error messages into ``field.sub: message; ...``."""
    parts: list[str] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key in ("json", "query", "querystring", "view_args") and not path:
                parts.append(describe_validation_errors(value, path))
                continue
            if key == "_schema":  # an error of the object itself, not of a field in it
                parts.append(describe_validation_errors(value, path or "body"))
                continue
            parts.append(describe_validation_errors(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(messages, list | tuple):
        texts = [m for m in messages if isinstance(m, str)]
        nested = [m for m in messages if not isinstance(m, str)]
        if texts:
            parts.append(f"{path or 'body'}: {' '.join(texts)}")
        parts.extend(describe_validation_errors(m, path) for m in nested)
    else:
        parts.append(f"{path or 'body'}: {messages}")
    return "; ".join(p for p in parts if p)
