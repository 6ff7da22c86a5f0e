"""OCPI 2.1.1 Tokens module: Token, LocationReferences, AuthorizationInfo (``mod_tokens.md``).

Wire ↔ model: ``auth_id`` is ``contract_id``; a Token carries no owner on the wire (the loader
takes it). Dumping maps 2.2.1's APP_USER/AD_HOC_USER token types to OTHER and leaves out the
2.2.1-only fields (``group_id``, ``default_profile_type``, ``energy_contract``; the token and
``authorization_reference`` of an AuthorizationInfo).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from flask_ocpi.dates import format_datetime
from flask_ocpi.models import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    PartyKey,
    Token,
    TokenType,
    WhitelistType,
)
from flask_ocpi.schemas import OcpiDateTime, load_or_raise
from flask_ocpi.v2_1_1.schemas.common import (
    LANGUAGE,
    Bool,
    DisplayTextSchema,
    Enum,
    ListOf,
    ModelSchema,
    Opt,
    Str,
    dump_display_text,
    load_changes,
)

#: Token types OCPI 2.1.1 defines (the model enum also holds 2.2.1's).
TOKEN_TYPES = frozenset({TokenType.OTHER, TokenType.RFID})


class TokenSchema(ModelSchema):
    """``Token`` object (3.2). Loads into a dict of model field names (the owner is not on
    the 2.1.1 wire); see :func:`load_token`."""

    uid = Str(36, required=True)
    type = Enum(TokenType, TOKEN_TYPES, required=True)
    contract_id = Str(36, required=True, data_key="auth_id")
    visual_number = Opt(Str, 64)
    issuer = Str(64, required=True)
    valid = Bool(required=True)
    whitelist = Enum(WhitelistType, required=True)
    language = Opt(Str, 2, **LANGUAGE)
    last_updated = OcpiDateTime(required=True)


class LocationReferencesSchema(ModelSchema):
    """``LocationReferences`` class (4.2)."""

    model = LocationReferences
    location_id = Str(39, required=True)
    evse_uids = ListOf(Str(39))
    connector_ids = ListOf(Str(36))


class AuthorizationInfoSchema(ModelSchema):
    """``AuthorizationInfo`` object (3.1)."""

    model = AuthorizationInfo
    allowed = Enum(AllowedType, required=True)
    location = Opt(fields.Nested, LocationReferencesSchema)
    info = Opt(fields.Nested, DisplayTextSchema)


_TOKEN = TokenSchema()
_REFERENCES = LocationReferencesSchema()
_INFO = AuthorizationInfoSchema()


def token_from_data(data: dict[str, Any], owner: PartyKey) -> Token:
    """The model of a Token loaded by :class:`TokenSchema`, issued by the eMSP ``owner``."""
    return Token(country_code=owner.country_code, party_id=owner.party_id, **data)


def load_token(data: Any, *, owner: PartyKey) -> Token:
    """Load a 2.1.1 Token of the eMSP ``owner``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    return token_from_data(load_or_raise(_TOKEN, data), owner)


def load_token_changes(data: Any) -> dict[str, Any]:
    """Validate a Token PATCH body into model-named changes (``auth_id`` → ``contract_id``)."""
    return load_changes(_TOKEN, data)


def load_location_references(data: Any) -> LocationReferences:
    """Load the optional body of a real-time authorization.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    references: LocationReferences = load_or_raise(_REFERENCES, data)
    return references


def load_authorization_info(data: Any, *, token_owner: PartyKey) -> AuthorizationInfo:
    """Load an eMSP's 2.1.1 answer to a real-time authorization.

    ``token_owner`` is accepted for symmetry with 2.2.1 (whose answer carries the token); a
    2.1.1 answer has no token, so ``token`` stays ``None``.

    :raises InvalidOrMissingParameters: naming the invalid fields.
    """
    info: AuthorizationInfo = load_or_raise(_INFO, data)
    return info


# --------------------------------------------------------------------------------- dumps


def dump_token(token: Token) -> dict[str, Any]:
    """A Token as 2.1.1 JSON (2.2.1's APP_USER/AD_HOC_USER types become OTHER)."""
    out: dict[str, Any] = {
        "uid": token.uid,
        "type": token.type if token.type in TOKEN_TYPES else TokenType.OTHER,
        "auth_id": token.contract_id,
    }
    if token.visual_number is not None:
        out["visual_number"] = token.visual_number
    out["issuer"] = token.issuer
    out["valid"] = token.valid
    out["whitelist"] = token.whitelist
    if token.language is not None:
        out["language"] = token.language
    out["last_updated"] = format_datetime(token.last_updated)
    return out


def dump_location_references(refs: LocationReferences) -> dict[str, Any]:
    """LocationReferences as 2.1.1 JSON."""
    out: dict[str, Any] = {"location_id": refs.location_id}
    if refs.evse_uids:
        out["evse_uids"] = list(refs.evse_uids)
    if refs.connector_ids:
        out["connector_ids"] = list(refs.connector_ids)
    return out


def dump_authorization_info(info: AuthorizationInfo) -> dict[str, Any]:
    """An AuthorizationInfo as 2.1.1 JSON (``allowed``, ``location``, ``info``)."""
    out: dict[str, Any] = {"allowed": info.allowed}
    if info.location is not None:
        out["location"] = dump_location_references(info.location)
    if info.info is not None:
        out["info"] = dump_display_text(info.info)
    return out
