"""OCPI 2.1.1 version information and version details."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from flask_ocpi.models import Endpoint, Version, VersionDetails
from flask_ocpi.schemas import OcpiSchema, OcpiString, OcpiURL


class VersionSchema(OcpiSchema):
    """``Version`` class: a version number and the URL of its details."""

    version = OcpiString(required=True)
    url = OcpiURL(required=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Version:
        return Version(**data)


class EndpointSchema(OcpiSchema):
    """``Endpoint`` class. ``identifier`` is any ModuleID, custom ones included."""

    identifier = OcpiString(required=True, validate=[validate.Length(min=1)])
    url = OcpiURL(required=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Endpoint:
        return Endpoint(**data)


class VersionDetailsSchema(OcpiSchema):
    """Version details: ``version`` and at least one endpoint."""

    version = OcpiString(required=True)
    endpoints = fields.List(fields.Nested(EndpointSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> VersionDetails:
        return VersionDetails(**data)
