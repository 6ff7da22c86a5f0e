"""The sessions store and its sender (CPO) and receiver (eMSP) backends."""

from __future__ import annotations

from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.backends.sessions import SessionsReceiverBackend, SessionsSenderBackend
from flask_ocpi.models import Partner, Session
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores import merge
from flask_ocpi.stores.documents import SESSION, DocumentRepository
from flask_ocpi.stores.modules.base import DocumentStore


class SessionsStore(DocumentStore[Session]):
    """Sessions, keyed by owner (the CPO) and id, addressed to the eMSP of ``cdr_token``.

    As a CPO, save your sessions and serve them with :meth:`sender`: a partner sees the
    sessions of our party it is connected to whose token belongs to one of its parties.
    As an eMSP, serve :meth:`receiver` to store the sessions CPOs push.
    """

    def __init__(self, documents: DocumentRepository) -> None:
        super().__init__(documents, SESSION)

    def patch(self, country_code: str, party_id: str, session_id: str, changes: Changes) -> WriteResult:
        """Apply top-level ``changes``: ``UPDATED`` or ``NOT_FOUND``.

        ``charging_periods`` in ``changes`` are **appended** to the stored ones (an empty
        list changes nothing), as OCPI 2.2.1 defines; OCPI 2.1.1 leaves it open and this
        store applies the same rule. Replace the periods with a PUT (:meth:`save`).
        Other lists replace the stored ones.

        :raises InvalidOrMissingParameters: (2001, nothing stored) when the periods would
            exceed ``OCPI_MAX_LIST_LENGTH`` (:func:`flask_ocpi.stores.merge.append_items`).
        :raises KeyError: when a change names a field a session does not have.
        :raises ValueError: when a change alters the session's owner or id.
        """
        updates = dict(changes)
        periods = updates.pop("charging_periods", None)

        def change(session: Session) -> Session:
            patched = merge.apply_changes(session, updates)
            if periods:
                patched.charging_periods = merge.append_items(
                    session.charging_periods, periods, field="charging_periods"
                )
            return patched

        return self._update(country_code, party_id, session_id, change)

    def sender(self) -> SessionsStoreSender:
        """The CPO's sender backend."""
        return SessionsStoreSender(self)

    def receiver(self) -> SessionsStoreReceiver:
        """The eMSP's receiver backend."""
        return SessionsStoreReceiver(self)


class SessionsStoreSender(SessionsSenderBackend):
    """:class:`~flask_ocpi.backends.sessions.SessionsSenderBackend` on a :class:`SessionsStore`:
    sessions of ``partner.local_party`` whose ``cdr_token`` party is one of ``partner.parties``."""

    def __init__(self, store: SessionsStore) -> None:
        self.store = store

    def list_sessions(self, *, partner: Partner, page: PageRequest) -> Page[Session]:
        """The partner's sessions at our party, oldest first."""
        return self.store.page(owners=[partner.local_party], audience=partner.parties, page=page)


class SessionsStoreReceiver(SessionsReceiverBackend):
    """:class:`~flask_ocpi.backends.sessions.SessionsReceiverBackend` on a :class:`SessionsStore`."""

    def __init__(self, store: SessionsStore) -> None:
        self.store = store

    def get_session(self, *, partner: Partner, country_code: str, party_id: str, session_id: str) -> Session | None:
        """A stored session, or ``None``."""
        return self.store.get(country_code, party_id, session_id)

    def put_session(self, *, partner: Partner, session: Session) -> WriteResult:
        """Create or replace a session (its charging periods included)."""
        return self.store.save(session)

    def patch_session(
        self, *, partner: Partner, country_code: str, party_id: str, session_id: str, changes: Changes
    ) -> WriteResult:
        """Patch a session (charging periods are appended, see :meth:`SessionsStore.patch`)."""
        return self.store.patch(country_code, party_id, session_id, changes)


__all__ = ["SessionsStore", "SessionsStoreReceiver", "SessionsStoreSender"]
