"""Tariffs module backends."""

from __future__ import annotations

from abc import abstractmethod

from flask_ocpi.backends.base import CacheableList, ModuleBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.models import InterfaceRole, ModuleID, Partner, Tariff
from flask_ocpi.pagination import Page, PageRequest


class TariffsSenderBackend(CacheableList, ModuleBackend):
    """CPO: the tariffs eMSPs pull."""

    module = ModuleID.TARIFFS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def list_tariffs(self, *, partner: Partner, page: PageRequest) -> Page[Tariff]:
        """The page of tariffs ``partner`` may see, oldest first, filtered on ``last_updated``."""


class TariffsReceiverBackend(ModuleBackend):
    """eMSP: tariffs a CPO pushes."""

    module = ModuleID.TARIFFS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def get_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> Tariff | None:
        """A stored tariff, or ``None``."""

    @abstractmethod
    def put_tariff(self, *, partner: Partner, tariff: Tariff) -> WriteResult:
        """Create or replace a tariff."""

    @abstractmethod
    def patch_tariff(
        self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str, changes: Changes
    ) -> WriteResult:
        """Apply top-level ``changes`` (2.1.1 only); ``NOT_FOUND`` when unknown."""

    @abstractmethod
    def delete_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> WriteResult:
        """Remove a tariff: ``UPDATED`` when it existed, ``NOT_FOUND`` otherwise."""
