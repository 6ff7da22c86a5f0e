"""The tariffs store and its sender (CPO) and receiver (eMSP) backends."""

from __future__ import annotations

from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.backends.tariffs import TariffsReceiverBackend, TariffsSenderBackend
from flask_ocpi.models import Partner, Tariff
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores import merge
from flask_ocpi.stores.documents import TARIFF, DocumentRepository
from flask_ocpi.stores.modules.base import DocumentStore


class TariffsStore(DocumentStore[Tariff]):
    """Tariffs, keyed by owner (the CPO) and id.

    As a CPO, save your tariffs and serve them with :meth:`sender` (a partner sees the
    tariffs of the party it is connected to); as an eMSP, serve :meth:`receiver`.
    """

    def __init__(self, documents: DocumentRepository) -> None:
        super().__init__(documents, TARIFF)

    def patch(self, country_code: str, party_id: str, tariff_id: str, changes: Changes) -> WriteResult:
        """Apply top-level ``changes`` (lists replace): ``UPDATED`` or ``NOT_FOUND``.

        :raises KeyError: when a change names a field a tariff does not have.
        :raises ValueError: when a change alters the tariff's owner or id.
        """
        return self._update(country_code, party_id, tariff_id, lambda tariff: merge.apply_changes(tariff, changes))

    def sender(self) -> TariffsStoreSender:
        """The CPO's sender backend."""
        return TariffsStoreSender(self)

    def receiver(self) -> TariffsStoreReceiver:
        """The eMSP's receiver backend."""
        return TariffsStoreReceiver(self)


class TariffsStoreSender(TariffsSenderBackend):
    """:class:`~flask_ocpi.backends.tariffs.TariffsSenderBackend` on a :class:`TariffsStore`:
    the tariffs of ``partner.local_party``."""

    def __init__(self, store: TariffsStore) -> None:
        self.store = store

    def list_etag(self, *, partner: Partner, page: PageRequest) -> str | None:
        """Changes with every write to the objects this list shows (``CacheableList``)."""
        return self.store.etag(partner.local_party)

    def list_tariffs(self, *, partner: Partner, page: PageRequest) -> Page[Tariff]:
        """Our party's tariffs, oldest first."""
        return self.store.page(owners=[partner.local_party], page=page)


class TariffsStoreReceiver(TariffsReceiverBackend):
    """:class:`~flask_ocpi.backends.tariffs.TariffsReceiverBackend` on a :class:`TariffsStore`."""

    def __init__(self, store: TariffsStore) -> None:
        self.store = store

    def get_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> Tariff | None:
        """A stored tariff, or ``None``."""
        return self.store.get(country_code, party_id, tariff_id)

    def put_tariff(self, *, partner: Partner, tariff: Tariff) -> WriteResult:
        """Create or replace a tariff."""
        return self.store.save(tariff)

    def patch_tariff(
        self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str, changes: Changes
    ) -> WriteResult:
        """Patch a tariff; ``NOT_FOUND`` when unknown."""
        return self.store.patch(country_code, party_id, tariff_id, changes)

    def delete_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> WriteResult:
        """Remove a tariff: ``UPDATED``, or ``NOT_FOUND`` when unknown."""
        deleted = self.store.delete(country_code, party_id, tariff_id)
        return WriteResult.UPDATED if deleted else WriteResult.NOT_FOUND


__all__ = ["TariffsStore", "TariffsStoreReceiver", "TariffsStoreSender"]
