"""Enums and small classes shared by every OCPI module and version."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Role(StrEnum):
    """The role of a party (OCPI 2.2.1 ``Role``; 2.1.1 knows only CPO and eMSP)."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"

    @property
    def path(self) -> str:
        """The URL segment of this role's 2.1.1 tree (``cpo``, ``emsp``)."""
        return self.value.lower()

    @classmethod
    def from_path(cls, value: str) -> Role:
        """Parse ``cpo``/``emsp`` (any case) into a :class:`Role`."""
        return cls(value.upper())


class InterfaceRole(StrEnum):
    """Which side of a module an endpoint implements (OCPI 2.2.1 ``InterfaceRole``)."""

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class ModuleID(StrEnum):
    """Module identifiers (``ModuleID`` enum of both versions)."""

    CDRS = "cdrs"
    CHARGINGPROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUBCLIENTINFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class ImageCategory(StrEnum):
    """``ImageCategory`` enum."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


@dataclass(frozen=True, slots=True)
class PartyKey:
    """The identity of a party: ISO 3166-1 alpha-2 country code and 3-character party id.

    Both are case-insensitive in OCPI; instances are normalised to upper case so they
    can be compared and used as keys.
    """

    country_code: str
    party_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "country_code", self.country_code.upper())
        object.__setattr__(self, "party_id", self.party_id.upper())

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id}"

    @classmethod
    def parse(cls, value: str) -> PartyKey:
        """Parse ``"NL-ABC"`` (or ``"NLABC"``) into a key."""
        text = value.replace("-", "").replace("*", "").strip()
        if len(text) != 5 or not text.isalnum():
            raise ValueError(f"not a party key (expected CC-PID, e.g. NL-ABC): {value!r}")
        return cls(text[:2], text[2:])


@dataclass(slots=True, kw_only=True)
class DisplayText:
    """``DisplayText`` class: a text in one language (ISO 639-1)."""

    language: str
    text: str


@dataclass(slots=True, kw_only=True)
class Price:
    """``Price`` class (OCPI 2.2.1). OCPI 2.1.1 amounts are plain numbers excluding VAT:
    they map to ``excl_vat`` with ``incl_vat`` unknown (``None``)."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class Image:
    """``Image`` class."""

    url: str
    category: ImageCategory
    type: str
    thumbnail: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(slots=True, kw_only=True)
class BusinessDetails:
    """``BusinessDetails`` class."""

    name: str
    website: str | None = None
    logo: Image | None = None
