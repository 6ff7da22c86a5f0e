"""The OCPI response envelope: ``data``, ``status_code``, ``status_message``, ``timestamp``.

Responses are serialised here with the standard library, never through the host
application's JSON provider, so a host's JSON customisations cannot change the wire.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Response

from flask_ocpi.dates import format_datetime, utcnow

_MISSING: Any = object()


def envelope(data: Any = _MISSING, *, status_code: int = 1000, status_message: str | None = None) -> dict[str, Any]:
    """Build an envelope dictionary; ``data`` is omitted when not given (errors)."""
    body: dict[str, Any] = {}
    if data is not _MISSING:
        body["data"] = data
    body["status_code"] = status_code
    if status_message is not None:
        body["status_message"] = status_message
    body["timestamp"] = format_datetime(utcnow())
    return body


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_text(value: Any) -> str:
    """``value`` as compact JSON text, the way every OCPI body is written.

    :raises ValueError: for ``NaN``/``Infinity`` (which :func:`json.dumps` would write, making
        the body invalid JSON): a view raising it is answered 500 in an envelope instead.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False)


def envelope_response(
    body: dict[str, Any], *, http_status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Serialise an envelope into a ``application/json`` response."""
    payload = json_text(body)
    return Response(payload, status=http_status, headers=headers, mimetype="application/json")


def ok_json(data_json: str, *, headers: dict[str, str] | None = None) -> Response:
    """A success (1000) response whose ``data`` is already serialised JSON text."""
    tail = json_text(envelope(status_message="Success"))
    payload = '{"data":' + data_json + "," + tail[1:]
    return Response(payload, status=200, headers=headers, mimetype="application/json")


def ok(
    data: Any = _MISSING,
    *,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
    status_message: str = "Success",
) -> Response:
    """A success (1000) response carrying ``data`` (already dumped to JSON types)."""
    return envelope_response(envelope(data, status_message=status_message), http_status=http_status, headers=headers)
