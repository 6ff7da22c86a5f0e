"""The versions endpoint of each role tree (``{prefix}/cpo/versions``, ``{prefix}/emsp/versions``)."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from flask_ocpi.models import Role
from flask_ocpi.state import get_state
from flask_ocpi.transport.auth import registration_token_allowed
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import envelope_schema
from flask_ocpi.transport.urls import version_url


class VersionEntrySchema(Schema):
    """One entry of a versions list (the same in every OCPI version)."""

    version = fields.String(required=True)
    url = fields.String(required=True)


def register(blp: Blueprint, role: Role) -> None:
    """Add the versions endpoint of one role tree to the root blueprint."""

    @blp.route(f"/{role.path}/versions", methods=["GET"], endpoint=f"{role.path}_versions", strict_slashes=False)
    @blp.alt_response(200, schema=envelope_schema(VersionEntrySchema, many=True), success=True, description="Versions")
    @registration_token_allowed
    def versions() -> Response:
        """The OCPI versions this role tree speaks, with their details URLs."""
        config = get_state(current_app).config
        return ok([{"version": v, "url": version_url(role, v)} for v in config.versions])

    versions.__name__ = f"{role.path}_versions"
