"""CDRs module backends."""

from __future__ import annotations

from abc import abstractmethod

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import CDR, InterfaceRole, ModuleID, Partner
from flask_ocpi.pagination import Page, PageRequest


class CdrsSenderBackend(ModuleBackend):
    """CPO: the CDRs eMSPs pull."""

    module = ModuleID.CDRS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def list_cdrs(self, *, partner: Partner, page: PageRequest) -> Page[CDR]:
        """The page of CDRs *for ``partner``* (``cdr_token`` party among ``partner.parties``),
        oldest first, filtered on ``last_updated``."""


class CdrsReceiverBackend(ModuleBackend):
    """eMSP: CDRs a CPO posts (CDRs are immutable: no PUT, PATCH or DELETE)."""

    module = ModuleID.CDRS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def create_cdr(self, *, partner: Partner, cdr: CDR) -> WriteResult:
        """Store a new CDR: ``CREATED``, or ``UPDATED`` when one with this id already
        exists (it is then *not* replaced)."""

    @abstractmethod
    def get_cdr(self, *, partner: Partner, country_code: str, party_id: str, cdr_id: str) -> CDR | None:
        """A stored CDR, or ``None``."""
