"""The CDRs store and its sender (CPO) and receiver (eMSP) backends."""

from __future__ import annotations

from flask_ocpi.backends.cdrs import CdrsReceiverBackend, CdrsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import CDR, Partner
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores.documents import CDR_KIND, DocumentRepository
from flask_ocpi.stores.modules.base import DocumentStore


class CdrsStore(DocumentStore[CDR]):
    """CDRs, keyed by owner (the CPO) and id, addressed to the eMSP of ``cdr_token``.

    As a CPO, :meth:`save` your CDRs and serve them with :meth:`sender`: a partner sees
    the CDRs of our party it is connected to whose token belongs to one of its parties.
    As an eMSP, serve :meth:`receiver`: posted CDRs are stored once and never replaced.
    """

    def __init__(self, documents: DocumentRepository) -> None:
        super().__init__(documents, CDR_KIND)

    def create(self, cdr: CDR) -> WriteResult:
        """Store a new CDR: ``CREATED``; ``UPDATED`` when one with its owner and id
        exists, which is then left as it was (CDRs are immutable)."""
        return self.documents.create(self.kind, cdr)

    def sender(self) -> CdrsStoreSender:
        """The CPO's sender backend."""
        return CdrsStoreSender(self)

    def receiver(self) -> CdrsStoreReceiver:
        """The eMSP's receiver backend."""
        return CdrsStoreReceiver(self)


class CdrsStoreSender(CdrsSenderBackend):
    """:class:`~flask_ocpi.backends.cdrs.CdrsSenderBackend` on a :class:`CdrsStore`: CDRs of
    ``partner.local_party`` whose ``cdr_token`` party is one of ``partner.parties``."""

    def __init__(self, store: CdrsStore) -> None:
        self.store = store

    def list_cdrs(self, *, partner: Partner, page: PageRequest) -> Page[CDR]:
        """The partner's CDRs at our party, oldest first."""
        return self.store.page(owners=[partner.local_party], audience=partner.parties, page=page)


class CdrsStoreReceiver(CdrsReceiverBackend):
    """:class:`~flask_ocpi.backends.cdrs.CdrsReceiverBackend` on a :class:`CdrsStore`."""

    def __init__(self, store: CdrsStore) -> None:
        self.store = store

    def create_cdr(self, *, partner: Partner, cdr: CDR) -> WriteResult:
        """Store a posted CDR unless it exists (then ``UPDATED``, not replaced)."""
        return self.store.create(cdr)

    def get_cdr(self, *, partner: Partner, country_code: str, party_id: str, cdr_id: str) -> CDR | None:
        """A stored CDR, or ``None``."""
        return self.store.get(country_code, party_id, cdr_id)


__all__ = ["CdrsStore", "CdrsStoreReceiver", "CdrsStoreSender"]
