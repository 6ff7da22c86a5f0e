"""Tokens module backends: the eMSP's sender interface and the CPO's receiver interface."""

from __future__ import annotations

from abc import abstractmethod

from flask_ocpi.backends.base import CacheableList, ModuleBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.models import AuthorizationInfo, InterfaceRole, LocationReferences, ModuleID, Partner, Token, TokenType
from flask_ocpi.pagination import Page, PageRequest


class TokensSenderBackend(CacheableList, ModuleBackend):
    """eMSP: the tokens CPOs pull, and real-time authorization."""

    module = ModuleID.TOKENS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def list_tokens(self, *, partner: Partner, page: PageRequest) -> Page[Token]:
        """The page of our tokens ``partner`` may see, oldest first, filtered on ``last_updated``."""

    @abstractmethod
    def authorize(
        self, *, partner: Partner, token_uid: str, token_type: TokenType, location: LocationReferences | None
    ) -> AuthorizationInfo | None:
        """Decide whether a token may charge (at ``location``, when given).

        Return ``None`` for an unknown token. Raise
        :class:`~flask_ocpi.exceptions.NotEnoughInformation` (2002) when the decision
        needs a location the request did not give.
        """


class TokensReceiverBackend(ModuleBackend):
    """CPO: tokens an eMSP pushes (2.1.1 addresses them by uid only)."""

    module = ModuleID.TOKENS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def get_token(
        self, *, partner: Partner, country_code: str, party_id: str, token_uid: str, token_type: TokenType | None
    ) -> Token | None:
        """A stored token (of ``token_type`` when given), or ``None``."""

    @abstractmethod
    def put_token(self, *, partner: Partner, token: Token) -> WriteResult:
        """Create or replace a token."""

    @abstractmethod
    def patch_token(
        self,
        *,
        partner: Partner,
        country_code: str,
        party_id: str,
        token_uid: str,
        token_type: TokenType | None,
        changes: Changes,
    ) -> WriteResult:
        """Apply top-level ``changes``; ``NOT_FOUND`` when unknown."""
