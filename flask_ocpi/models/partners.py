"""The partner: one OCPI connection between one of our parties and another platform."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum, StrEnum

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


class _Unset(Enum):
    """The default of ``Partner(local_role=...)``: the keyword was not given."""

    UNSET = "UNSET"


@dataclass(slots=True, kw_only=True, init=False)
class Partner:
    """One OCPI connection.

    ``local_roles`` are the roles of ours this connection speaks for (empty while an
    invitation has not been used yet). An OCPI 2.1.1 connection has exactly one: a
    company that is both CPO and eMSP keeps one connection per role pair, each on one of
    our role trees. An OCPI 2.2.1 connection may have several (our CPO and our eMSP
    with a partner that is eMSP and CPO). ``roles`` are the partner's parties as its
    credentials announced them (several, with different roles, in 2.2.1), ``endpoints``
    its version details.

    ``outbound_token`` is the token *we* send when calling the partner (it cannot be
    hashed; with ``OCPI_ENCRYPTION_KEYS`` it is encrypted at rest, see
    :mod:`flask_ocpi.stores.secrets`); ``grants`` are the tokens the partner may present to us, hashed.

    ``local_role`` (the keyword and the attribute) is the one-role form of
    ``local_roles`` kept for one release (removed in 0.2.0), see :attr:`local_role`.
    """

    id: str
    local_party: PartyKey
    status: PartnerStatus
    local_roles: frozenset[Role]
    name: str | None
    versions_url: str | None
    version: str | None
    roles: list[CredentialsRole]
    endpoints: list[Endpoint]
    outbound_token: str | None
    grants: list[TokenGrant]
    created: datetime
    updated: datetime

    def __init__(
        self,
        *,
        id: str,
        local_party: PartyKey,
        status: PartnerStatus,
        local_roles: Iterable[Role] = (),
        name: str | None = None,
        versions_url: str | None = None,
        version: str | None = None,
        roles: list[CredentialsRole] | None = None,
        endpoints: list[Endpoint] | None = None,
        outbound_token: str | None = None,
        grants: list[TokenGrant] | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
        local_role: Role | _Unset | None = _Unset.UNSET,
    ) -> None:
        """Build a connection; ``local_role=X`` (deprecated) stands for ``local_roles={X}``
        and wins over ``local_roles`` (``local_role=None``: no role), so that
        ``dataclasses.replace(partner, local_role=...)`` keeps its old meaning."""
        now = datetime.now(UTC)
        self.id = id
        self.local_party = local_party
        self.status = status
        self.local_roles = frozenset(local_roles)
        if not isinstance(local_role, _Unset):
            self.local_role = local_role
        self.name = name
        self.versions_url = versions_url
        self.version = version
        self.roles = roles if roles is not None else []
        self.endpoints = endpoints if endpoints is not None else []
        self.outbound_token = outbound_token
        self.grants = grants if grants is not None else []
        self.created = created if created is not None else now
        self.updated = updated if updated is not None else now

    @property
    def local_role(self) -> Role | None:
        """Deprecated (removed in 0.2.0): the one role of :attr:`local_roles`, ``None`` when
        it has none *or several* (no single tree to name: use :attr:`local_roles` or
        :meth:`opens`). Assigning it sets ``local_roles`` to that role (``None``: none)."""
        return next(iter(self.local_roles)) if len(self.local_roles) == 1 else None

    @local_role.setter
    def local_role(self, role: Role | None) -> None:
        self.local_roles = frozenset() if role is None else frozenset({role})

    def opens(self, tree: Role) -> bool:
        """Whether a token of this connection may call the endpoints of our ``tree`` role.

        Those of the roles the connection speaks for; a connection without roles (an
        invitation, mid-registration) is not bound to a tree yet, so every tree is open
        to it (its registration token's scope limits it to versions and credentials).
        """
        return not self.local_roles or tree in self.local_roles

    def endpoint(self, module: ModuleID | str) -> Endpoint | None:
        """The partner's endpoint for ``module`` (first match), if it advertised one."""
        wanted = str(module)
        return next((e for e in self.endpoints if e.identifier == wanted), None)

    @property
    def parties(self) -> list[PartyKey]:
        """The partner's party keys (the namespaces it may write into), in the order of
        :attr:`roles`, each once (a party may appear in several roles)."""
        return list(dict.fromkeys(r.key for r in self.roles))

    def parties_in(self, role: Role) -> list[PartyKey]:
        """The keys of the partner's parties that have the role ``role``."""
        return list(dict.fromkeys(r.key for r in self.roles if r.role is role))

    def without_parties(self, keys: Collection[PartyKey]) -> Partner:
        """A copy of this connection whose ``roles`` omit the parties ``keys``."""
        return replace(self, roles=[r for r in self.roles if r.key not in keys])

    @property
    def registered(self) -> bool:
        """Whether the connection is in the REGISTERED state."""
        return self.status is PartnerStatus.REGISTERED
