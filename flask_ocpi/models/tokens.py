"""Tokens module objects (version-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_ocpi.models.common import DisplayText


class TokenType(StrEnum):
    """``TokenType`` (2.2.1 adds AD_HOC_USER and APP_USER)."""

    OTHER = "OTHER"
    RFID = "RFID"
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"


class WhitelistType(StrEnum):
    """``WhitelistType``: when a CPO may authorize without asking the eMSP."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    """``Allowed`` (2.1.1) / ``AllowedType`` (2.2.1)."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(StrEnum):
    """``ProfileType`` (2.2.1)."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


@dataclass(slots=True, kw_only=True)
class EnergyContract:
    """``EnergyContract`` (2.2.1)."""

    supplier_name: str
    contract_id: str | None = None


@dataclass(slots=True, kw_only=True)
class Token:
    """``Token``. 2.1.1's ``auth_id`` is ``contract_id`` here; ``country_code``/``party_id``
    (the owning eMSP) are always set, from the URL or the credentials in 2.1.1."""

    country_code: str
    party_id: str
    uid: str
    type: TokenType
    contract_id: str
    issuer: str
    valid: bool
    whitelist: WhitelistType
    last_updated: datetime
    visual_number: str | None = None
    group_id: str | None = None
    language: str | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None


@dataclass(slots=True, kw_only=True)
class LocationReferences:
    """``LocationReferences``: where a token asks to charge (``connector_ids`` is 2.1.1 only)."""

    location_id: str
    evse_uids: list[str] = field(default_factory=list)
    connector_ids: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class AuthorizationInfo:
    """``AuthorizationInfo``: the eMSP's answer to a real-time authorization.

    ``token`` and ``authorization_reference`` are 2.2.1 fields (``token`` is required there).
    """

    allowed: AllowedType
    location: LocationReferences | None = None
    info: DisplayText | None = None
    token: Token | None = None
    authorization_reference: str | None = None
