"""Sessions module backends."""

from __future__ import annotations

from abc import abstractmethod

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.models import InterfaceRole, ModuleID, Partner, Session
from flask_ocpi.pagination import Page, PageRequest


class SessionsSenderBackend(ModuleBackend):
    """CPO: the sessions eMSPs pull."""

    module = ModuleID.SESSIONS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def list_sessions(self, *, partner: Partner, page: PageRequest) -> Page[Session]:
        """The page of sessions *of ``partner``'s tokens* (``cdr_token`` party among
        ``partner.parties``), oldest first, filtered on ``last_updated``."""


class SessionsReceiverBackend(ModuleBackend):
    """eMSP: sessions a CPO pushes."""

    module = ModuleID.SESSIONS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def get_session(self, *, partner: Partner, country_code: str, party_id: str, session_id: str) -> Session | None:
        """A stored session, or ``None``."""

    @abstractmethod
    def put_session(self, *, partner: Partner, session: Session) -> WriteResult:
        """Create or replace a session."""

    @abstractmethod
    def patch_session(
        self, *, partner: Partner, country_code: str, party_id: str, session_id: str, changes: Changes
    ) -> WriteResult:
        """Apply top-level ``changes``; ``NOT_FOUND`` when unknown."""
