"""OCPI 2.1.1 version details: credentials plus exactly the installed modules."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint

from flask_ocpi.models import ModuleID, Role
from flask_ocpi.state import get_state
from flask_ocpi.transport.auth import registration_token_allowed
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import envelope_schema
from flask_ocpi.transport.urls import public_url
from flask_ocpi.v2_1_1 import VERSION
from flask_ocpi.v2_1_1.schemas.versions import VersionDetailsSchema


def register(blp: Blueprint, role: Role) -> None:
    """Add the version details view of one role tree."""

    @blp.route("/", methods=["GET"], endpoint="version_details", strict_slashes=False)
    @blp.alt_response(200, schema=envelope_schema(VersionDetailsSchema), success=True, description="Version details")
    @registration_token_allowed
    def version_details() -> Response:
        """The endpoints of OCPI 2.1.1 on this role tree."""
        state = get_state(current_app)
        base = f"{state.config.url_prefix}/{role.path}/{VERSION}"
        installed = sorted(
            {
                module
                for (module, _), backend in state.backends.items()
                if backend.role() is role and module in state.versions.get(VERSION).modules
            },
            key=lambda m: m.value,
        )
        modules = [ModuleID.CREDENTIALS, *installed]
        endpoints = [{"identifier": m.value, "url": public_url(f"{base}/{m.value}/")} for m in modules]
        return ok(VersionDetailsSchema().dump({"version": VERSION, "endpoints": endpoints}))
