"""The flask-smorest blueprint class of every OCPI blueprint, and its request parsing.

Request bodies are read as JSON whatever their ``Content-Type`` (tolerant), a body
that is not JSON is answered 400/2001, and a body that fails its schema 2001 naming
the fields: one parser, configured here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

import flask_smorest
from flask import Request
from marshmallow import Schema, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser

from flask_ocpi.errors import describe_validation_errors
from flask_ocpi.exceptions import InvalidJson, InvalidOrMissingParameters


class OcpiArgumentsParser(FlaskParser):
    """webargs parser raising OCPI exceptions instead of HTTP 422."""

    #: Documented status of a request that fails parsing (a body that is not JSON).
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req: Request) -> Any:
        body = req.get_data(cache=True)
        if not body:
            return core.missing
        try:
            return json.loads(body, parse_float=Decimal)
        except ValueError:
            raise InvalidJson() from None

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


class OcpiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint using :class:`OcpiArgumentsParser`."""

    ARGUMENTS_PARSER = OcpiArgumentsParser()
