"""Storage of partners (OCPI connections) and the tokens they authenticate with."""

from __future__ import annotations

from abc import ABC, abstractmethod

from flask_ocpi.models import Partner


class PartnerExists(ValueError):
    """A partner with this id is already stored."""


class PartnerStore(ABC):
    """Where the host keeps its OCPI connections.

    A :class:`~flask_ocpi.models.Partner` is one aggregate: its parties, endpoints,
    outbound token and the hashes of the tokens it may present. :meth:`save` replaces
    all of it atomically, so a registration step is either wholly stored or not at all.
    Implementations must make :meth:`find_by_token` an indexed lookup.
    """

    @abstractmethod
    def add(self, *, partner: Partner) -> None:
        """Store a new partner.

        :raises PartnerExists: when a partner with the same id exists.
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
    def save(self, *, partner: Partner) -> None:
        """Replace a stored partner (all fields and grants) atomically.

        :raises KeyError: when no partner with this id is stored.
        :raises ValueError: when one of its token hashes belongs to another partner, or is
            granted twice; the stored partner is then left unchanged.
        """

    @abstractmethod
    def delete(self, *, partner_id: str) -> None:
        """Remove a partner and its grants; no error when it does not exist."""
