"""OpenAPI document and interactive docs of the OCPI API, kept apart from the host's.

flask-smorest's :class:`~flask_smorest.Api` is used with the ``OCPI_`` config prefix,
its doc blueprint mounted under the OCPI prefix, and without the application-wide
error handler it would otherwise install.
"""

from __future__ import annotations

from collections import ChainMap
from functools import cache
from typing import Any

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

from flask_ocpi.config import OcpiConfig


@cache
def envelope_schema(data: type[Schema] | None, *, many: bool = False) -> type[Schema]:
    """A schema documenting the OCPI envelope around ``data`` (for OpenAPI only)."""
    name = f"{data.__name__.removesuffix('Schema') if data else 'Empty'}{'List' if many else ''}Envelope"
    attrs: dict[str, Any] = {
        "status_code": fields.Integer(required=True, metadata={"description": "OCPI status code"}),
        "status_message": fields.String(),
        "timestamp": fields.DateTime(required=True),
    }
    if data is not None:
        attrs["data"] = fields.List(fields.Nested(data)) if many else fields.Nested(data)
    return type(name, (Schema,), attrs)


class OcpiApi(Api):
    """flask-smorest ``Api`` that leaves the host application's error handling alone."""

    #: Errors are OCPI envelopes (without ``data``), not flask-smorest's error payload.
    ERROR_SCHEMA = envelope_schema(None)

    def __init__(self, app: Flask, config: OcpiConfig) -> None:
        self._ocpi_defaults = {
            "OPENAPI_URL_PREFIX": f"{config.url_prefix}/docs" if config.openapi_enabled else None,
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "/",
            "OPENAPI_SWAGGER_UI_URL": config.swagger_ui_url,
        }
        super().__init__(
            app,
            config_prefix="OCPI_",
            spec_kwargs={
                "title": "OCPI",
                "version": ", ".join(config.versions),
                "openapi_version": "3.0.3",
                "info": {"description": "Open Charge Point Interface endpoints served by Flask-OCPI."},
            },
        )

    def _init_spec(self, **kwargs: Any) -> None:
        # Defaults for the doc blueprint without writing into the host's app.config.
        self.config: Any = ChainMap(self.config, self._ocpi_defaults)
        super()._init_spec(**kwargs)
        self.spec.components.security_scheme(
            "OcpiToken",
            {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <credentials token>"},
        )
        self.spec.options["security"] = [{"OcpiToken": []}]

    def _register_error_handlers(self) -> None:
        """Do nothing: OCPI errors are handled on the OCPI blueprints only."""


def pagination_doc(*, date_from_required: bool = False) -> dict[str, Any]:
    """OpenAPI query parameters of a paginated list (parsed by ``page_request()``)."""
    dates = "``last_updated`` on or after"
    date_time = {"type": "string", "format": "date-time"}
    parameters: list[tuple[str, dict[str, Any], bool, str]] = [
        ("date_from", date_time, date_from_required, f"Only objects with {dates} this DateTime"),
        ("date_to", date_time, False, "Only objects with ``last_updated`` before this DateTime"),
        ("offset", {"type": "integer", "minimum": 0}, False, "Index of the first object (default 0)"),
        ("limit", {"type": "integer", "minimum": 1}, False, "Maximum number of objects (capped at OCPI_MAX_PAGE_SIZE)"),
    ]
    return {
        "parameters": [
            {"name": name, "in": "query", "required": required, "schema": schema, "description": text}
            for name, schema, required, text in parameters
        ]
    }


#: OpenAPI schemas of the URL segments whose form OCPI fixes.
_SEGMENTS: dict[str, dict[str, Any]] = {
    "country_code": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    "party_id": {"type": "string", "pattern": "^[A-Za-z0-9]{3}$"},
}


def path_doc(*, enums: dict[str, list[str]] | None = None, **max_lengths: int) -> list[dict[str, Any]]:
    """OpenAPI descriptions of a route's path parameters, for ``blp.route(parameters=...)``.

    :param max_lengths: ids: 1 to n printable ASCII characters (as :func:`flask_ocpi.transport.views.url_id`
        checks); ``country_code`` and ``party_id`` are described by their OCPI form whatever
        their value here.
    :param enums: segments taking one of a few values (e.g. a command).
    """
    parameters = []
    for name, length in max_lengths.items():
        schema = _SEGMENTS.get(name) or {"type": "string", "minLength": 1, "maxLength": length, "pattern": "^[ -~]+$"}
        parameters.append({"in": "path", "name": name, "required": True, "schema": dict(schema)})
    for name, values in (enums or {}).items():
        parameters.append({"in": "path", "name": name, "required": True, "schema": {"type": "string", "enum": values}})
    return parameters


def body_doc(schema: type[Schema], description: str, *, required: bool = True) -> dict[str, Any]:
    """OpenAPI ``requestBody`` of a view that parses its body itself (owner taken from the URL)."""
    return {
        "requestBody": {
            "required": required,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


WRITE_ANSWERS = {201: "Created", 200: "Replaced"}
PATCH_ANSWERS = {200: "Patched"}


def written_doc(blp: Blueprint, *, patch: bool = False) -> Any:
    """Decorator documenting the answers of a receiver write (PUT: 201/200, PATCH: 200)."""

    def decorate(view: Any) -> Any:
        for status, text in (PATCH_ANSWERS if patch else WRITE_ANSWERS).items():
            view = blp.alt_response(status, schema=envelope_schema(None), success=True, description=text)(view)
        return view

    return decorate
