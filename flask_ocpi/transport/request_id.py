"""``X-Request-ID`` and ``X-Correlation-ID``: accepted or generated, always echoed.

These headers are OCPI 2.2.1's; answering them on 2.1.1 is harmless and gives every
log line and every error envelope a request id to quote.
"""

from __future__ import annotations

import re
import uuid

from flask import Response, g, request

_VALID = re.compile(r"^[\x21-\x7e]{1,255}$")
_KEY = "_flask_ocpi_request_ids"


def _incoming(name: str) -> str | None:
    value = request.headers.get(name)
    return value if value and _VALID.match(value) else None


def assign_request_ids() -> None:
    """``before_request``: take the caller's ids when sane, otherwise generate them."""
    request_id = _incoming("X-Request-ID") or str(uuid.uuid4())
    correlation_id = _incoming("X-Correlation-ID") or request_id
    setattr(g, _KEY, (request_id, correlation_id))


def current_request_id() -> str:
    """The request id of the current OCPI request (generated on first use)."""
    ids = getattr(g, _KEY, None)
    if ids is None:
        assign_request_ids()
        ids = getattr(g, _KEY)
    return str(ids[0])


def add_request_id_headers(response: Response) -> Response:
    """``after_request``: echo both ids on the response."""
    ids = getattr(g, _KEY, None)
    if ids is not None:
        response.headers.setdefault("X-Request-ID", ids[0])
        response.headers.setdefault("X-Correlation-ID", ids[1])
    return response
