"""OCPI 2.1.1 classes used across modules: Image, BusinessDetails."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from flask_ocpi.models import BusinessDetails, Image, ImageCategory
from flask_ocpi.schemas import OcpiEnum, OcpiSchema, OcpiString, OcpiURL


class ImageSchema(OcpiSchema):
    """``Image`` class (mod_locations 4.14)."""

    url = OcpiURL(required=True)
    thumbnail = OcpiURL(allow_none=True)
    category = OcpiEnum(ImageCategory, required=True)
    type = OcpiString(4, required=True)
    width = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=99999))
    height = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=99999))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Image:
        return Image(**data)


class BusinessDetailsSchema(OcpiSchema):
    """``BusinessDetails`` class (mod_locations 4.1)."""

    name = OcpiString(100, required=True)
    website = OcpiURL(allow_none=True)
    logo = fields.Nested(ImageSchema, allow_none=True)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> BusinessDetails:
        return BusinessDetails(**data)
