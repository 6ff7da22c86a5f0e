"""In-memory :class:`~flask_ocpi.stores.documents.DocumentRepository`."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import PartyKey
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores.codec import from_document, to_document
from flask_ocpi.stores.documents import (
    DocumentKind,
    DocumentRepository,
    check_same_key,
    dedupe_by_key,
    party_set,
)

T = TypeVar("T")

#: (owner, id, type): the key of a stored object within its kind.
_Key = tuple[PartyKey, str, str]


@dataclass(slots=True)
class _Entry:
    seq: int
    document: dict[str, Any]
    audience: PartyKey | None
    last_updated: datetime


class MemoryDocuments(DocumentRepository):
    """Keeps objects in dicts, per process; thread-safe (one lock).

    Objects are kept as their :func:`~flask_ocpi.stores.codec.to_document` documents
    and rebuilt on every read, exactly as the SQLAlchemy repository does: the caller and
    the repository never share an object (what a caller changes after saving, or in
    an object it got, changes nothing stored), and both implementations convert alike. Each kind's dict keeps insertion
    order and a replaced object keeps its slot, which gives the stable "oldest first"
    order of :meth:`page`. Share one instance between the memory stores to keep
    everything in one place (each store makes its own by default).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._objects: dict[str, dict[_Key, _Entry]] = {}
        # Typed kinds: (owner, id) -> the stored types, to select without a type.
        self._types: dict[str, dict[tuple[PartyKey, str], set[str]]] = {}
        self._generations: dict[tuple[str, PartyKey], int] = {}

    def _bump(self, kind: DocumentKind[Any], owner: PartyKey) -> None:
        key = (kind.name, owner)
        self._generations[key] = self._generations.get(key, 0) + 1

    def generation(self, kind: DocumentKind[T], owners: Iterable[PartyKey]) -> int:
        """The sum of the write counters of ``owners`` for ``kind``."""
        with self._lock:
            return sum(self._generations.get((kind.name, owner), 0) for owner in set(owners))

    # -- helpers (call with the lock held) --

    def _find(self, kind: DocumentKind[Any], owner: PartyKey, object_id: str, token_type: str | None) -> _Key | None:
        objects = self._objects.get(kind.name, {})
        if not kind.typed:
            key: _Key = (owner, object_id, "")
            return key if key in objects else None
        if token_type is not None:
            key = (owner, object_id, token_type)
            return key if key in objects else None
        types = self._types.get(kind.name, {}).get((owner, object_id))
        if not types:
            return None
        if kind.preferred_type in types:
            return owner, object_id, kind.preferred_type
        return min(((owner, object_id, t) for t in types), key=lambda k: objects[k].seq)

    def _put(self, kind: DocumentKind[T], obj: T, *, replace: bool) -> WriteResult:
        key = kind.key(obj)
        objects = self._objects.setdefault(kind.name, {})
        entry = objects.get(key)
        if entry is not None and not replace:
            return WriteResult.UPDATED
        document = to_document(obj)
        self._bump(kind, key[0])
        if entry is None:
            objects[key] = _Entry(next(self._seq), document, kind.audience(obj), kind.last_updated(obj))
            if kind.typed:
                self._types.setdefault(kind.name, {}).setdefault(key[:2], set()).add(key[2])
            return WriteResult.CREATED
        entry.document = document
        entry.audience = kind.audience(obj)
        entry.last_updated = kind.last_updated(obj)
        return WriteResult.UPDATED

    # -- the repository --

    def save(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Create or replace ``obj`` (see :meth:`DocumentRepository.save`)."""
        with self._lock:
            return self._put(kind, obj, replace=True)

    def save_many(self, kind: DocumentKind[T], objs: Iterable[T]) -> list[WriteResult]:
        """Save each of ``objs``, under one lock."""
        unique, positions = dedupe_by_key(kind, objs)
        with self._lock:
            written = [self._put(kind, obj, replace=True) for obj in unique]
        seen: set[int] = set()
        results = []
        for position in positions:
            results.append(WriteResult.UPDATED if position in seen else written[position])
            seen.add(position)
        return results

    def create(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Store ``obj`` unless its key exists (see :meth:`DocumentRepository.create`)."""
        with self._lock:
            return self._put(kind, obj, replace=False)

    def get(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> T | None:
        """The stored object (a new instance), or ``None``."""
        with self._lock:
            key = self._find(kind, owner, object_id, token_type)
            if key is None:
                return None
            return from_document(kind.model, self._objects[kind.name][key].document)

    def update(
        self,
        kind: DocumentKind[T],
        owner: PartyKey,
        object_id: str,
        change: Callable[[T], T | None],
        *,
        token_type: str | None = None,
    ) -> T | None:
        """Replace a stored object by ``change(object)``, under the lock."""
        with self._lock:
            key = self._find(kind, owner, object_id, token_type)
            if key is None:
                return None
            entry = self._objects[kind.name][key]
            changed = change(from_document(kind.model, entry.document))
            if changed is None:
                return None
            check_same_key(kind, key, changed)
            self._put(kind, changed, replace=True)
            return changed

    def delete(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> bool:
        """Remove an object; whether there was one."""
        with self._lock:
            key = self._find(kind, owner, object_id, token_type)
            if key is None:
                return False
            del self._objects[kind.name][key]
            self._bump(kind, key[0])
            if kind.typed:
                types = self._types[kind.name][key[:2]]
                types.discard(key[2])
                if not types:
                    del self._types[kind.name][key[:2]]
            return True

    def _matching(
        self,
        kind: DocumentKind[Any],
        owners: Iterable[PartyKey] | None,
        audience: Iterable[PartyKey] | None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> list[_Entry]:
        owner_set, audience_set = party_set(owners), party_set(audience)
        return [
            entry
            for key, entry in self._objects.get(kind.name, {}).items()
            if (owner_set is None or key[0] in owner_set)
            and (audience_set is None or entry.audience in audience_set)
            and (date_from is None or entry.last_updated >= date_from)
            and (date_to is None or entry.last_updated < date_to)
        ]

    def page(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
        page: PageRequest,
    ) -> Page[T]:
        """A page of objects, oldest first, and the total matching."""
        with self._lock:
            matching = self._matching(kind, owners, audience, page.date_from, page.date_to)
            window = matching[page.offset : page.offset + max(page.limit, 0)]
            documents = [entry.document for entry in window]
        # Documents are never changed in place (a save replaces them): decode unlocked.
        return Page(items=[from_document(kind.model, d) for d in documents], total=len(matching))

    def count(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
    ) -> int:
        """How many objects match the filters."""
        with self._lock:
            return len(self._matching(kind, owners, audience))


__all__ = ["MemoryDocuments"]
