"""Objects of the versions and credentials modules, in a version-independent shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_ocpi.models.common import BusinessDetails, InterfaceRole, ModuleID, PartyKey, Role


@dataclass(slots=True, kw_only=True)
class Version:
    """One entry of a versions list: a version number and its details URL."""

    version: str
    url: str


@dataclass(slots=True, kw_only=True)
class Endpoint:
    """One endpoint of a version details document.

    ``identifier`` is kept as a plain string so that custom modules (``nltnm-tokens``)
    survive a round trip; ``role`` is ``None`` when the version (2.1.1) has no such field.
    """

    identifier: str
    url: str
    role: InterfaceRole | None = None

    @property
    def module(self) -> ModuleID | None:
        """The standard module of this endpoint, or ``None`` for a custom module."""
        try:
            return ModuleID(self.identifier)
        except ValueError:
            return None


@dataclass(slots=True, kw_only=True)
class VersionDetails:
    """A version details document."""

    version: str
    endpoints: list[Endpoint] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class CredentialsRole:
    """A party behind a credentials object (OCPI 2.2.1 ``CredentialsRole``).

    OCPI 2.1.1 credentials carry exactly one party whose role is implied by the tree
    (cpo or emsp) they were exchanged on; the 2.1.1 schema maps it to one of these.
    """

    role: Role
    country_code: str
    party_id: str
    business_details: BusinessDetails

    @property
    def key(self) -> PartyKey:
        """The party's :class:`PartyKey`."""
        return PartyKey(self.country_code, self.party_id)


@dataclass(slots=True, kw_only=True)
class Credentials:
    """A credentials object: a token, a versions URL and the parties behind them."""

    token: str
    url: str
    roles: list[CredentialsRole] = field(default_factory=list)
