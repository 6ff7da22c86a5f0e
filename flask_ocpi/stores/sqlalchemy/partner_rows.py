"""The rows of :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyPartnerStore`: a
:class:`~flask_ocpi.models.Partner` to and from ``ocpi_partners``, ``ocpi_partner_tokens``
and ``ocpi_party_claims`` values (roles and endpoints as JSON, enums as their values, our
local roles as comma-separated text)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import RowMapping

from flask_ocpi.backends.partners import claims
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    Image,
    ImageCategory,
    InterfaceRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)

JSONDict = dict[str, Any]


# --- JSON columns -------------------------------------------------------------------


def _image_to_json(image: Image) -> JSONDict:
    return {
        "url": image.url,
        "category": image.category.value,
        "type": image.type,
        "thumbnail": image.thumbnail,
        "width": image.width,
        "height": image.height,
    }


def _image_from_json(data: Mapping[str, Any]) -> Image:
    return Image(
        url=data["url"],
        category=ImageCategory(data["category"]),
        type=data["type"],
        thumbnail=data.get("thumbnail"),
        width=data.get("width"),
        height=data.get("height"),
    )


def _role_to_json(role: CredentialsRole) -> JSONDict:
    details = role.business_details
    return {
        "role": role.role.value,
        "country_code": role.country_code,
        "party_id": role.party_id,
        "business_details": {
            "name": details.name,
            "website": details.website,
            "logo": _image_to_json(details.logo) if details.logo is not None else None,
        },
    }


def _role_from_json(data: Mapping[str, Any]) -> CredentialsRole:
    details = data["business_details"]
    logo = details.get("logo")
    return CredentialsRole(
        role=Role(data["role"]),
        country_code=data["country_code"],
        party_id=data["party_id"],
        business_details=BusinessDetails(
            name=details["name"],
            website=details.get("website"),
            logo=_image_from_json(logo) if logo is not None else None,
        ),
    )


def _endpoint_to_json(endpoint: Endpoint) -> JSONDict:
    return {
        "identifier": endpoint.identifier,
        "url": endpoint.url,
        "role": endpoint.role.value if endpoint.role is not None else None,
    }


def _endpoint_from_json(data: Mapping[str, Any]) -> Endpoint:
    role = data.get("role")
    return Endpoint(
        identifier=data["identifier"],
        url=data["url"],
        role=InterfaceRole(role) if role is not None else None,
    )


# --- rows -----------------------------------------------------------------------------


def partner_values(partner: Partner) -> JSONDict:
    """The ``ocpi_partners`` row of ``partner``."""
    return {
        "id": partner.id,
        "local_country_code": partner.local_party.country_code,
        "local_party_id": partner.local_party.party_id,
        "local_role": partner.local_role.value if partner.local_role is not None else None,
        "local_roles": local_roles_value(partner.local_roles),
        "status": partner.status.value,
        "name": partner.name,
        "versions_url": partner.versions_url,
        "version": partner.version,
        "roles": [_role_to_json(r) for r in partner.roles],
        "endpoints": [_endpoint_to_json(e) for e in partner.endpoints],
        "outbound_token": partner.outbound_token,
        "created": partner.created,
        "updated": partner.updated,
    }


def grant_values(partner: Partner) -> list[JSONDict]:
    """The ``ocpi_partner_tokens`` rows of ``partner``'s grants, in order."""
    return [
        {
            "token_hash": grant.token_hash,
            "partner_id": partner.id,
            "scope": grant.scope.value,
            "position": position,
            "created": grant.created,
        }
        for position, grant in enumerate(partner.grants)
    ]


def claim_values(partner: Partner) -> list[JSONDict]:
    """The ``ocpi_party_claims`` rows of ``partner`` (none unless it claims its parties)."""
    return [
        {"local_role": role.value, "country_code": key.country_code, "party_id": key.party_id, "partner_id": partner.id}
        for role, key in sorted(claims(partner), key=str)
    ]


def grant_from_row(row: Mapping[str, Any] | RowMapping) -> TokenGrant:
    return TokenGrant(token_hash=row["token_hash"], scope=TokenScope(row["scope"]), created=row["created"])


def local_roles_value(roles: Iterable[Role]) -> str:
    """The ``local_roles`` column of ``roles``: their values, sorted, comma-separated."""
    return ",".join(sorted(role.value for role in roles))


def local_roles_of(row: Mapping[str, Any] | RowMapping) -> frozenset[Role]:
    """A row's ``local_roles``; a row without that value (written by an earlier release)
    has those of its ``local_role`` column."""
    value = row.get("local_roles")
    if value is None:
        return frozenset({Role(row["local_role"])}) if row["local_role"] is not None else frozenset()
    return frozenset(Role(part) for part in value.split(",") if part)


def partner_from_row(row: RowMapping, grants: Iterable[TokenGrant]) -> Partner:
    return Partner(
        id=row["id"],
        local_party=PartyKey(row["local_country_code"], row["local_party_id"]),
        status=PartnerStatus(row["status"]),
        local_roles=local_roles_of(row),
        name=row["name"],
        versions_url=row["versions_url"],
        version=row["version"],
        roles=[_role_from_json(r) for r in row["roles"] or ()],
        endpoints=[_endpoint_from_json(e) for e in row["endpoints"] or ()],
        outbound_token=row["outbound_token"],
        grants=list(grants),
        created=row["created"],
        updated=row["updated"],
    )
