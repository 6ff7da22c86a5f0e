"""What every shipped object store has: save, get, delete, page and count.

A store is a thin, typed view of one :class:`~flask_ocpi.stores.documents.DocumentKind`
in a :class:`~flask_ocpi.stores.documents.DocumentRepository` it is given (composition,
not inheritance): the engines only provide repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import PartyKey
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores.documents import DocumentKind, DocumentRepository

T = TypeVar("T")


class DocumentStore(Generic[T]):
    """The host-facing API of one kind of owned OCPI object, kept in a
    :class:`~flask_ocpi.stores.documents.DocumentRepository`.

    Party arguments are case-insensitive (``"nl"`` finds ``"NL"``); ids are compared
    exactly. Objects returned are the store's copies: changing them changes nothing
    stored until they are saved.

    :param documents: where the objects are kept.
    :param kind: which kind of object this store keeps.
    """

    def __init__(self, documents: DocumentRepository, kind: DocumentKind[T]) -> None:
        self.documents = documents
        self.kind = kind

    def save(self, obj: T) -> WriteResult:
        """Create or replace ``obj`` under its owner and id: ``CREATED`` or ``UPDATED``.

        A replaced object keeps its place in :meth:`page` (ordered by first creation).
        """
        return self.documents.save(self.kind, obj)

    def save_many(self, objs: Iterable[T]) -> list[WriteResult]:
        """:meth:`save` many objects at once (one transaction for SQL); one result each."""
        return self.documents.save_many(self.kind, objs)

    def get(self, country_code: str, party_id: str, object_id: str) -> T | None:
        """The object with this owner and id, or ``None``."""
        return self.documents.get(self.kind, PartyKey(country_code, party_id), object_id)

    def delete(self, country_code: str, party_id: str, object_id: str) -> bool:
        """Remove an object; whether it existed."""
        return self.documents.delete(self.kind, PartyKey(country_code, party_id), object_id)

    def page(
        self,
        *,
        owners: Iterable[PartyKey] | None = None,
        page: PageRequest | None = None,
        audience: Iterable[PartyKey] | None = None,
    ) -> Page[T]:
        """A page of objects, oldest first (by first creation).

        :param owners: only objects of these parties (default: all parties).
        :param page: offset, limit and ``last_updated`` window (``date_from`` inclusive,
            ``date_to`` exclusive); default the first 50 objects.
        :param audience: sessions and CDRs only: only objects whose ``cdr_token`` belongs
            to one of these eMSP parties (default: no filter). Objects of other kinds have
            no audience, so none matches a filter.
        """
        return self.documents.page(self.kind, owners=owners, audience=audience, page=page or PageRequest())

    def etag(self, owner: PartyKey) -> str:
        """A cache validator of ``owner``'s objects: it changes with every write to them."""
        return f"{self.kind.name}:{owner}:{self.documents.generation(self.kind, [owner])}"

    def count(self, *, owners: Iterable[PartyKey] | None = None, audience: Iterable[PartyKey] | None = None) -> int:
        """How many objects match ``owners`` and ``audience`` (see :meth:`page`; default all)."""
        return self.documents.count(self.kind, owners=owners, audience=audience)

    def create_tables(self) -> None:
        """Prepare the repository's storage (SQL: create the Flask-OCPI tables that do not
        exist yet; memory: nothing). For development and tests."""
        self.documents.create_tables()

    def _update(
        self,
        country_code: str,
        party_id: str,
        object_id: str,
        change: Callable[[T], T | None],
        token_type: str | None = None,
    ) -> WriteResult:
        """Apply ``change`` atomically: ``UPDATED``, or ``NOT_FOUND`` when nothing matched
        or ``change`` returned ``None``."""
        owner = PartyKey(country_code, party_id)
        changed = self.documents.update(self.kind, owner, object_id, change, token_type=token_type)
        return WriteResult.NOT_FOUND if changed is None else WriteResult.UPDATED


__all__ = ["DocumentStore"]
