"""OCPI 2.1.1 Credentials object (one party per credentials object)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields, validate

from flask_ocpi.models import Credentials, CredentialsRole, Role
from flask_ocpi.schemas import OcpiSchema, OcpiString, OcpiURL
from flask_ocpi.v2_1_1.schemas.common import BusinessDetailsSchema

_TOKEN = re.compile(r"^[\x21-\x7e]+$")


class CredentialsSchema(OcpiSchema):
    """``Credentials`` object (credentials 2.1)."""

    token = OcpiString(
        64,
        required=True,
        validate=[validate.Regexp(_TOKEN, error="Must be printable ASCII without whitespace.")],
    )
    url = OcpiURL(required=True)
    business_details = fields.Nested(BusinessDetailsSchema, required=True)
    party_id = OcpiString(required=True, validate=[validate.Length(equal=3)])
    country_code = OcpiString(required=True, validate=[validate.Length(equal=2)])


def credentials_from_wire(data: dict[str, Any], *, role: Role) -> Credentials:
    """The version-independent credentials of a loaded 2.1.1 object.

    2.1.1 credentials carry one party; its role is implied by the tree they were
    exchanged on (a party POSTing to our CPO tree is an eMSP, and the reverse).
    """
    return Credentials(
        token=data["token"],
        url=data["url"],
        roles=[
            CredentialsRole(
                role=role,
                country_code=data["country_code"].upper(),
                party_id=data["party_id"].upper(),
                business_details=data["business_details"],
            )
        ],
    )


def credentials_to_wire(credentials: Credentials) -> dict[str, Any]:
    """Dump version-independent credentials as a 2.1.1 object (the first party)."""
    party = credentials.roles[0]
    dumped: dict[str, Any] = CredentialsSchema().dump(
        {
            "token": credentials.token,
            "url": credentials.url,
            "business_details": party.business_details,
            "party_id": party.party_id,
            "country_code": party.country_code,
        }
    )
    return dumped
