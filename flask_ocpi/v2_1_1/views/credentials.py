"""OCPI 2.1.1 credentials endpoint: GET, POST (register), PUT (update), DELETE."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi.models import Role
from flask_ocpi.modules import credentials as registration
from flask_ocpi.transport.auth import current_caller, registration_token_allowed
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import envelope_schema
from flask_ocpi.v2_1_1 import VERSION
from flask_ocpi.v2_1_1.schemas.credentials import CredentialsSchema, credentials_from_wire, credentials_to_wire


def register(blp: Blueprint, role: Role) -> None:
    """Add the credentials endpoint of one role tree."""
    partner_role = registration.other_role(role)
    answer = envelope_schema(CredentialsSchema)

    @blp.route("/credentials", endpoint="credentials", strict_slashes=False)
    @registration_token_allowed
    class CredentialsView(MethodView):
        @blp.alt_response(200, schema=answer, success=True, description="Our credentials for the caller")
        def get(self) -> Response:
            """The credentials the caller uses to access us."""
            caller = current_caller()
            ours = registration.our_credentials(caller.partner, role=role, token=caller.token)
            return ok(credentials_to_wire(ours))

        @blp.arguments(CredentialsSchema)
        @blp.alt_response(200, schema=answer, success=True, description="Our credentials, with a new token")
        def post(self, data: dict[str, Any]) -> Response:
            """Register: we read the caller's versions with its token and issue a new token.

            Credentials naming one of our own parties are refused with 2001, a party key
            another connection on this tree holds with 2000 (both HTTP 200, nothing stored).
            """
            theirs = credentials_from_wire(data, role=partner_role)
            ours = registration.accept_registration(current_caller(), theirs, role=role, version=VERSION)
            return ok(credentials_to_wire(ours))

        @blp.arguments(CredentialsSchema)
        @blp.alt_response(200, schema=answer, success=True, description="Our credentials, with a new token")
        def put(self, data: dict[str, Any]) -> Response:
            """Update: we re-read the caller's versions and endpoints and rotate its token.

            Refused as a registration is (2001: one of our parties; 2000: another
            connection's); the previous credentials then stay in force.
            """
            theirs = credentials_from_wire(data, role=partner_role)
            ours = registration.accept_update(current_caller(), theirs, role=role, version=VERSION)
            return ok(credentials_to_wire(ours))

        @blp.alt_response(200, schema=envelope_schema(None), success=True, description="Unregistered")
        def delete(self) -> Response:
            """Unregister: the caller's token stops working."""
            registration.accept_unregistration(current_caller(), role=role)
            return ok()
