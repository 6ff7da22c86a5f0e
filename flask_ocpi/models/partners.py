"""The partner: one OCPI connection between one of our parties and another platform."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from flask_ocpi.models.common import ModuleID, PartyKey, Role
from flask_ocpi.models.credentials import CredentialsRole, Endpoint


class PartnerStatus(StrEnum):
    """Where a connection stands in the credentials life cycle."""

    #: We issued a registration token (token A); the partner has not registered yet.
    INVITED = "INVITED"
    #: We started registering with the partner (token B issued, POST under way).
    REGISTERING = "REGISTERING"
    #: Registration completed in either direction; tokens C/B are in use.
    REGISTERED = "REGISTERED"
    #: The connection was ended (DELETE sent or received); no token works any more.
    UNREGISTERED = "UNREGISTERED"


class TokenScope(StrEnum):
    """What a token we issued opens."""

    #: Token A: the versions and credentials endpoints only.
    REGISTRATION = "REGISTRATION"
    #: Token B/C after registration: every endpoint.
    FULL = "FULL"


@dataclass(slots=True, kw_only=True)
class TokenGrant:
    """A token we issued to a partner, stored only as its SHA-256 hex digest."""

    token_hash: str
    scope: TokenScope
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(slots=True, kw_only=True)
class Partner:
    """One OCPI connection.

    In OCPI 2.1.1 a company that is both CPO and eMSP keeps one connection per role
    pair, so ``local_role`` says which of our role trees the connection lives on
    (``None`` while an invitation has not been used yet). ``roles`` are the partner's
    parties as its credentials announced them, ``endpoints`` its version details.

    ``outbound_token`` is the token *we* send when calling the partner (it cannot be
    hashed; with ``OCPI_ENCRYPTION_KEYS`` it is encrypted at rest, see
    :mod:`flask_ocpi.stores.secrets`); ``grants`` are the tokens the partner may present to us, hashed.
    """

    id: str
    local_party: PartyKey
    status: PartnerStatus
    local_role: Role | None = None
    name: str | None = None
    versions_url: str | None = None
    version: str | None = None
    roles: list[CredentialsRole] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    outbound_token: str | None = None
    grants: list[TokenGrant] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    def endpoint(self, module: ModuleID | str) -> Endpoint | None:
        """The partner's endpoint for ``module`` (first match), if it advertised one."""
        wanted = str(module)
        return next((e for e in self.endpoints if e.identifier == wanted), None)

    @property
    def parties(self) -> list[PartyKey]:
        """The partner's party keys (the namespaces it may write into)."""
        return [r.key for r in self.roles]

    def without_parties(self, keys: Collection[PartyKey]) -> Partner:
        """A copy of this connection whose ``roles`` omit the parties ``keys``."""
        return replace(self, roles=[r for r in self.roles if r.key not in keys])

    @property
    def registered(self) -> bool:
        """Whether the connection is in the REGISTERED state."""
        return self.status is PartnerStatus.REGISTERED
