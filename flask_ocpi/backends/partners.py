"""Storage of partners (OCPI connections) and the tokens they authenticate with."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from flask_ocpi.models import Partner, PartnerStatus, PartyKey, Role


class PartnerExists(ValueError):
    """A partner with this id is already stored."""


class PartyTaken(ValueError):
    """Another live connection on the same role tree already claims one of the party keys.

    :ivar role: our role tree (one of ``Partner.local_roles``) the claim is on.
    :ivar keys: the party keys that are taken (those known; never empty).
    """

    def __init__(self, role: Role, keys: Iterable[PartyKey]) -> None:
        self.role = role
        self.keys = sorted(set(keys), key=str)
        taken = ", ".join(str(k) for k in self.keys)
        super().__init__(f"Party {taken} is already registered by another connection on our {role.value} tree")

    @classmethod
    def of(cls, taken: Iterable[tuple[Role, PartyKey]]) -> PartyTaken:
        """The error of the (our role tree, party key) claims ``taken`` (not empty): on the
        first tree (in :class:`Role` order) with a taken key, naming its keys."""
        pairs = list(taken)
        role = min((r for r, _ in pairs), key=list(Role).index)
        return cls(role, (key for r, key in pairs if r is role))


class StatusChanged(ValueError):
    """A conditional :meth:`PartnerStore.save` found the partner in another status.

    :ivar expected: the status the caller read and expected still to be stored.
    :ivar actual: the status stored now.
    """

    def __init__(self, partner_id: str, expected: PartnerStatus, actual: PartnerStatus) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"Partner {partner_id} is {actual.value} now, not {expected.value}")


#: The statuses in which a partner holds its party claims.
CLAIMING: frozenset[PartnerStatus] = frozenset({PartnerStatus.REGISTERING, PartnerStatus.REGISTERED})


def claims(partner: Partner) -> set[tuple[Role, PartyKey]]:
    """The (our role tree, party key) pairs ``partner`` claims: each of its parties on each
    of its ``local_roles`` while it is REGISTERING or REGISTERED; none otherwise."""
    if partner.status not in CLAIMING:
        return set()
    return {(role, key) for role in partner.local_roles for key in partner.parties}


class PartnerStore(ABC):
    """Where the host keeps its OCPI connections.

    A :class:`~flask_ocpi.models.Partner` is one aggregate: its parties, endpoints,
    outbound token and the hashes of the tokens it may present. :meth:`save` replaces
    all of it atomically, so a registration step is either wholly stored or not at all.
    Implementations must make :meth:`find_by_token` an indexed lookup.

    **Party claims.** A party key belongs to at most one live connection per role tree:
    a partner that is REGISTERING or REGISTERED claims each of its
    :attr:`~flask_ocpi.models.Partner.parties` on each tree of its ``local_roles`` (:func:`claims`). :meth:`add`
    and :meth:`save` refuse, with :class:`PartyTaken`, a partner claiming a key another
    partner holds on the same tree, atomically with their write (two racing
    registrations cannot both win). A partner releases its claims when it stops claiming
    them (INVITED, UNREGISTERED, other parties) or is deleted. Whether a key is one of
    *our own* parties is not the store's business: registration refuses those.
    """

    @abstractmethod
    def add(self, *, partner: Partner) -> None:
        """Store a new partner.

        :raises PartnerExists: when a partner with the same id exists.
        :raises PartyTaken: when another partner claims one of its parties on its tree.
        :raises ValueError: when one of its token hashes already belongs to another partner,
            or is granted twice.
        """

    @abstractmethod
    def get(self, *, partner_id: str) -> Partner | None:
        """The partner with this id, or ``None``."""

    @abstractmethod
    def find_by_token(self, *, token_hash: str) -> Partner | None:
        """The partner holding a grant with this token hash, or ``None``."""

    @abstractmethod
    def list(self) -> list[Partner]:
        """All partners, oldest first."""

    @abstractmethod
    def save(self, *, partner: Partner, expected_status: PartnerStatus | None = None) -> None:
        """Replace a stored partner (all fields, grants and party claims) atomically.

        :param expected_status: compare-and-set: save only if the stored partner still has
            this status, checked atomically with the write (two registrations with the
            same token A cannot both succeed). ``None`` (the default): save whatever the
            stored status.
        :raises KeyError: when no partner with this id is stored.
        :raises StatusChanged: when the stored status is not ``expected_status``.
        :raises PartyTaken: when another partner claims one of its parties on its tree.
        :raises ValueError: when one of its token hashes belongs to another partner, or is
            granted twice.

        After any of these errors the stored partner is left unchanged.
        """

    @abstractmethod
    def delete(self, *, partner_id: str) -> None:
        """Remove a partner, its grants and its claims; no error when it does not exist."""
