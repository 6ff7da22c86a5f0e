"""The flask-smorest blueprint class of every OCPI blueprint, and how it reads requests.

One reader for every request body under the prefix (module views through
:func:`flask_ocpi.transport.views.json_body`, flask-smorest arguments through
:class:`OcpiArgumentsParser`, which every OCPI blueprint uses): the body is read as JSON whatever its ``Content-Type``
(tolerant), within the limits of ``OCPI_MAX_BODY_SIZE`` (HTTP 413), ``OCPI_MAX_JSON_DEPTH``
and ``OCPI_MAX_LIST_LENGTH`` (2001 naming the field). A body that is not JSON is answered
400/2001, one that fails its schema 2001 naming the fields.

Numbers are read as :class:`~decimal.Decimal` (decimals, also ``NaN``/``Infinity``, which
:func:`json.loads` accepts) or ``int``; each number field of a schema refuses what is not
finite or outside its range (``1E+999999``), naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from flask import Request, request
from marshmallow import Schema, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import RequestEntityTooLarge

from flask_ocpi.config import current_config
from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.schemas import describe_validation_errors
from flask_ocpi.transport.jsonlimits import JsonLimits, parse_json


def request_limits() -> JsonLimits:
    """The JSON limits of the current application (``OCPI_MAX_JSON_DEPTH``, ``OCPI_MAX_LIST_LENGTH``)."""
    config = current_config()
    return JsonLimits(max_depth=config.max_json_depth, max_list_length=config.max_list_length)


def request_body(req: Request | None = None) -> bytes:
    """The raw body of the current request, at most ``OCPI_MAX_BODY_SIZE`` bytes.

    :raises RequestEntityTooLarge: (HTTP 413) when the body is larger.
    """
    req = req or request
    raw = req.get_data(cache=True)
    if len(raw) > current_config().max_body_size:  # a chunked body cut by limit_body
        raise RequestEntityTooLarge()
    return raw


def request_json(req: Request | None = None) -> Any:
    """The body of the current request as JSON within the limits, or ``core.missing`` when empty.

    :raises RequestEntityTooLarge: (HTTP 413) when the body exceeds ``OCPI_MAX_BODY_SIZE``.
    :raises InvalidJson: when the body is not JSON.
    :raises InvalidOrMissingParameters: naming the field that breaks the limits.
    """
    raw = request_body(req)
    if not raw:
        return core.missing
    return parse_json(raw, request_limits())


def limit_body() -> None:
    """``before_request`` of every OCPI blueprint: at most ``OCPI_MAX_BODY_SIZE`` bytes are read.

    A declared ``Content-Length`` above it is refused at once. A body without one (chunked)
    is read up to one byte more than the limit (werkzeug stops silently at the request's
    ``max_content_length``), so :func:`request_body` tells a body cut there from one that
    ends within the limit. Either way the error handler answers HTTP 413 in an envelope.
    The host's app-wide ``MAX_CONTENT_LENGTH`` is left alone: this is set per OCPI request.
    """
    limit = current_config().max_body_size
    request.max_content_length = limit + 1
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


class OcpiArgumentsParser(FlaskParser):
    """webargs parser reading bodies with :func:`request_json` and raising OCPI exceptions."""

    #: Documented status of a request that fails parsing (a body that is not JSON).
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req: Request) -> Any:
        return request_json(req)

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        raise InvalidOrMissingParameters(describe_validation_errors(error.messages))
