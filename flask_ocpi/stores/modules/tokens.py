"""The tokens store and its sender (eMSP) and receiver (CPO) backends."""

from __future__ import annotations

from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.backends.tokens import TokensReceiverBackend, TokensSenderBackend
from flask_ocpi.models import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Partner,
    PartyKey,
    Token,
    TokenType,
)
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores import merge
from flask_ocpi.stores.documents import TOKEN, DocumentRepository
from flask_ocpi.stores.modules.base import DocumentStore


def _type_key(token_type: TokenType | None) -> str | None:
    return None if token_type is None else TokenType(token_type).value


class TokensStore(DocumentStore[Token]):
    """Tokens, keyed by owner (the eMSP), ``uid`` **and** ``type``.

    OCPI 2.2.1 makes (uid, type) unique within an eMSP, so two tokens may share a uid
    with different types; they are two objects here. OCPI 2.1.1's receiver URLs carry
    no type: every lookup taking ``token_type=None`` then selects the token of type
    ``RFID`` with that uid if there is one, else the first stored with that uid.

    As an eMSP, save your tokens and serve :meth:`sender` (listing and real-time
    authorization, decided by :meth:`decide`, which hosts may override in a subclass).
    As a CPO, serve :meth:`receiver` to store the tokens eMSPs push.
    """

    def __init__(self, documents: DocumentRepository) -> None:
        super().__init__(documents, TOKEN)

    def get(self, country_code: str, party_id: str, uid: str, token_type: TokenType | None = None) -> Token | None:
        """The token with this owner, uid and type (``None``: RFID first, see above)."""
        return self.documents.get(self.kind, PartyKey(country_code, party_id), uid, token_type=_type_key(token_type))

    def delete(self, country_code: str, party_id: str, uid: str, token_type: TokenType | None = None) -> bool:
        """Remove the token selected as by :meth:`get`; whether it existed."""
        owner = PartyKey(country_code, party_id)
        return self.documents.delete(self.kind, owner, uid, token_type=_type_key(token_type))

    def patch(
        self, country_code: str, party_id: str, uid: str, changes: Changes, token_type: TokenType | None = None
    ) -> WriteResult:
        """Apply top-level ``changes`` to the token selected as by :meth:`get`:
        ``UPDATED`` or ``NOT_FOUND``.

        :raises KeyError: when a change names a field a token does not have.
        :raises ValueError: when a change alters the token's owner, uid or type.
        """

        def change(token: Token) -> Token:
            return merge.apply_changes(token, changes)

        return self._update(country_code, party_id, uid, change, _type_key(token_type))

    def decide(self, token: Token, location: LocationReferences | None) -> AuthorizationInfo:
        """The answer to a real-time authorization of our known ``token``.

        The default policy: ``ALLOWED`` when the token is valid, otherwise ``BLOCKED``;
        ``location`` is echoed unfiltered and the token is returned. The token's
        ``whitelist`` is not consulted: it tells the CPO *when* to ask, not what to answer.
        Override this method to check credit, locations, opening hours, etc.; raise
        :class:`~flask_ocpi.exceptions.NotEnoughInformation` when a location is needed.
        """
        allowed = AllowedType.ALLOWED if token.valid else AllowedType.BLOCKED
        return AuthorizationInfo(allowed=allowed, location=location, token=token)

    def authorize(
        self, owner: PartyKey, token_uid: str, token_type: TokenType, location: LocationReferences | None
    ) -> AuthorizationInfo | None:
        """Authorize our party ``owner``'s token: ``None`` when unknown, else :meth:`decide`."""
        token = self.get(owner.country_code, owner.party_id, token_uid, token_type)
        return None if token is None else self.decide(token, location)

    def sender(self) -> TokensStoreSender:
        """The eMSP's sender backend: a partner sees and authorizes the tokens of its
        ``local_party``."""
        return TokensStoreSender(self)

    def receiver(self) -> TokensStoreReceiver:
        """The CPO's receiver backend."""
        return TokensStoreReceiver(self)


class TokensStoreSender(TokensSenderBackend):
    """:class:`~flask_ocpi.backends.tokens.TokensSenderBackend` on a :class:`TokensStore`."""

    def __init__(self, store: TokensStore) -> None:
        self.store = store

    def list_etag(self, *, partner: Partner, page: PageRequest) -> str | None:
        """Changes with every write to the objects this list shows (``CacheableList``)."""
        return self.store.etag(partner.local_party)

    def list_tokens(self, *, partner: Partner, page: PageRequest) -> Page[Token]:
        """Our party's tokens, oldest first."""
        return self.store.page(owners=[partner.local_party], page=page)

    def authorize(
        self, *, partner: Partner, token_uid: str, token_type: TokenType, location: LocationReferences | None
    ) -> AuthorizationInfo | None:
        """See :meth:`TokensStore.authorize` and :meth:`TokensStore.decide`."""
        return self.store.authorize(partner.local_party, token_uid, token_type, location)


class TokensStoreReceiver(TokensReceiverBackend):
    """:class:`~flask_ocpi.backends.tokens.TokensReceiverBackend` on a :class:`TokensStore`."""

    def __init__(self, store: TokensStore) -> None:
        self.store = store

    def get_token(
        self, *, partner: Partner, country_code: str, party_id: str, token_uid: str, token_type: TokenType | None
    ) -> Token | None:
        """A stored token (``token_type=None``: RFID first, then the first stored)."""
        return self.store.get(country_code, party_id, token_uid, token_type)

    def put_token(self, *, partner: Partner, token: Token) -> WriteResult:
        """Create or replace a token (keyed by owner, uid and type)."""
        return self.store.save(token)

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
        """Patch a token (selected as by :meth:`get_token`); ``NOT_FOUND`` when unknown."""
        return self.store.patch(country_code, party_id, token_uid, changes, token_type)


__all__ = ["TokensStore", "TokensStoreReceiver", "TokensStoreSender"]
