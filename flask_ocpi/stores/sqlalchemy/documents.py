"""SQLAlchemy :class:`~flask_ocpi.stores.documents.DocumentRepository` on ``ocpi_objects``."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import PartyKey
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores.codec import from_document
from flask_ocpi.stores.documents import (
    DocumentKind,
    DocumentRepository,
    check_same_key,
    dedupe_by_key,
    party_set,
)
from flask_ocpi.stores.sqlalchemy import cas
from flask_ocpi.stores.sqlalchemy.base import SQLAlchemyBackendBase
from flask_ocpi.stores.sqlalchemy.cas import ConcurrentWriteError
from flask_ocpi.stores.sqlalchemy.document_rows import bump, parties_clause, row_of
from flask_ocpi.stores.sqlalchemy.tables import generations_table as generations
from flask_ocpi.stores.sqlalchemy.tables import objects_table as objects

T = TypeVar("T")

#: Keys looked up per query by :meth:`SQLAlchemyDocuments.save_many`.
_BATCH = 500

_KEY_COLUMNS = (objects.c.country_code, objects.c.party_id, objects.c.object_id, objects.c.token_type)


W = TypeVar("W", bound=Callable[..., Any])


def _forgets_generation(method: W) -> W:
    """After a write of ``kind`` (committed or not), drop the remembered generations of it."""

    @functools.wraps(method)
    def wrapper(self: SQLAlchemyDocuments, kind: DocumentKind[Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, kind, *args, **kwargs)
        finally:
            self._forget(kind)

    return wrapper  # type: ignore[return-value]


class SQLAlchemyDocuments(SQLAlchemyBackendBase, DocumentRepository):
    """Keeps objects in the ``ocpi_objects`` table, one row and one JSON document each.

    Every operation runs in one transaction. Reads of one object are one ``SELECT`` on
    the unique key; :meth:`page` is one ``SELECT ... ORDER BY id LIMIT ... OFFSET ...``
    of the documents plus one ``COUNT`` (skipped when the page itself shows the total),
    so its cost and memory do not grow with the table or with the nesting of objects.
    :meth:`update` reads the row ``FOR UPDATE`` where the database supports it.

    :param bind: an :class:`~sqlalchemy.engine.Engine`, a
        :class:`~sqlalchemy.orm.sessionmaker`, a :class:`~sqlalchemy.orm.scoped_session`
        or a Flask-SQLAlchemy ``db`` object (see :mod:`flask_ocpi.stores.sqlalchemy.base`).
    """

    def __init__(self, bind: Any, *, generation_ttl: float = 1.0) -> None:
        super().__init__(bind)
        #: Seconds a generation read from the database is reused; writes made through
        #: this repository forget it at once, writes from other processes show after it.
        self.generation_ttl = generation_ttl
        self._generations: dict[tuple[str, frozenset[PartyKey]], tuple[int, float]] = {}

    def _forget(self, kind: DocumentKind[Any]) -> None:
        for key in [k for k in self._generations if k[0] == kind.name]:
            self._generations.pop(key, None)

    # -- helpers --

    @staticmethod
    def _selector(
        kind: DocumentKind[Any], owner: PartyKey, object_id: str, token_type: str | None
    ) -> tuple[list[ColumnElement[bool]], list[Any]]:
        """WHERE clauses and ORDER BY selecting one object (as :meth:`get` documents)."""
        where = [
            objects.c.kind == kind.name,
            objects.c.country_code == owner.country_code,
            objects.c.party_id == owner.party_id,
            objects.c.object_id == object_id,
        ]
        order: list[Any] = []
        if not kind.typed:
            where.append(objects.c.token_type == "")
        elif token_type is not None:
            where.append(objects.c.token_type == token_type)
        else:
            order = [case((objects.c.token_type == kind.preferred_type, 0), else_=1), objects.c.id]
        return where, order

    @staticmethod
    def _find_row(session: Session, values: dict[str, Any]) -> int | None:
        """The id of the row with the key of ``values`` (locked), or ``None``."""
        key = [objects.c.kind == values["kind"], *(c == values[c.name] for c in _KEY_COLUMNS)]
        row_id: int | None = session.execute(select(objects.c.id).where(*key).with_for_update()).scalar()
        return row_id

    def _write(self, session: Session, values: dict[str, Any], *, replace: bool) -> WriteResult:
        """Insert ``values``, or update the row with its key when ``replace``."""
        row_id = self._find_row(session, values)
        if row_id is None:
            session.execute(insert(objects).values(values))
            bump(session, values["kind"], {(values["country_code"], values["party_id"]): 1})
            return WriteResult.CREATED
        if replace:
            session.execute(
                update(objects).where(objects.c.id == row_id).values({**values, "revision": objects.c.revision + 1})
            )
            bump(session, values["kind"], {(values["country_code"], values["party_id"]): 0})
        return WriteResult.UPDATED

    def _write_retrying(self, values: dict[str, Any], *, replace: bool) -> WriteResult:
        try:
            return self._write_retrying_once_more(values, replace=replace)
        finally:
            self._generations.clear()  # after the commit: no reader keeps the old value

    def _write_retrying_once_more(self, values: dict[str, Any], *, replace: bool) -> WriteResult:
        for attempt in range(1, cas.CAS_TRIES + 1):
            try:
                with self._transaction() as session:
                    return self._write(session, values, replace=replace)
            except IntegrityError:
                # A concurrent writer inserted the same key between our SELECT and INSERT:
                # the row exists now, so the next attempt updates (or leaves) it.
                if attempt > 1:
                    raise
            except OperationalError as exc:
                if not cas.is_busy(exc) or attempt == cas.CAS_TRIES:
                    raise
                cas.pause_after_lost_race(attempt)
        raise ConcurrentWriteError(f"could not write a {values['kind']} after {cas.CAS_TRIES} attempts")

    # -- writes --

    def save(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Create or replace ``obj`` (see :meth:`DocumentRepository.save`)."""
        return self._write_retrying(row_of(kind, obj), replace=True)

    def create(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Store ``obj`` unless its key exists (see :meth:`DocumentRepository.create`)."""
        return self._write_retrying(row_of(kind, obj), replace=False)

    @_forgets_generation
    def save_many(self, kind: DocumentKind[T], objs: Iterable[T]) -> list[WriteResult]:
        """Save each of ``objs`` in one transaction: per batch of 500, one ``SELECT`` of
        the existing rows, one multi-row ``INSERT`` and one executemany ``UPDATE``."""
        unique, positions = dedupe_by_key(kind, objs)
        for attempt in (1, 2):
            written: list[WriteResult] = []
            try:
                with self._transaction() as session:
                    for start in range(0, len(unique), _BATCH):
                        written.extend(self._save_batch(session, kind, unique[start : start + _BATCH]))
                break
            except IntegrityError:
                # A concurrent writer inserted one of the keys meanwhile: the second run
                # finds its row and updates it, as save() does.
                if attempt == 2:
                    raise
        seen: set[int] = set()
        results = []
        for position in positions:
            results.append(WriteResult.UPDATED if position in seen else written[position])
            seen.add(position)
        return results

    @staticmethod
    def _save_batch(session: Session, kind: DocumentKind[Any], batch: Sequence[Any]) -> list[WriteResult]:
        rows = [row_of(kind, obj) for obj in batch]
        existing: dict[tuple[str, ...], int] = {}
        found = session.execute(
            select(objects.c.id, *_KEY_COLUMNS)
            .where(objects.c.kind == kind.name, objects.c.object_id.in_(sorted({r["object_id"] for r in rows})))
            .with_for_update()
        )
        for row_id, *key in found:
            existing[tuple(key)] = row_id
        inserts, updates, results = [], [], []
        for row in rows:
            row_id = existing.get(tuple(row[c.name] for c in _KEY_COLUMNS))
            if row_id is None:
                inserts.append(row)
                results.append(WriteResult.CREATED)
            else:
                updates.append({**row, "row_id": row_id})
                results.append(WriteResult.UPDATED)
        owners: dict[tuple[str, str], int] = {}
        for row, result in zip(rows, results, strict=True):
            owner = (str(row["country_code"]), str(row["party_id"]))
            owners[owner] = owners.get(owner, 0) + (result is WriteResult.CREATED)
        bump(session, kind.name, owners)
        if inserts:
            session.execute(insert(objects), inserts)
        if updates:
            changed = ("audience_country_code", "audience_party_id", "last_updated", "document")
            statement = (
                update(objects)
                .where(objects.c.id == bindparam("row_id"))
                .values({**{name: bindparam(f"new_{name}") for name in changed}, "revision": objects.c.revision + 1})
            )
            params = [{"row_id": u["row_id"], **{f"new_{name}": u[name] for name in changed}} for u in updates]
            session.connection().execute(statement, params)
        return results

    @_forgets_generation
    def update(
        self,
        kind: DocumentKind[T],
        owner: PartyKey,
        object_id: str,
        change: Callable[[T], T | None],
        *,
        token_type: str | None = None,
    ) -> T | None:
        """Replace a stored object by ``change(object)``, atomically on every database.

        A compare-and-set on the row's ``revision``: the row is read (``FOR UPDATE`` where
        the database supports it, so PostgreSQL writers queue instead of retrying), changed,
        and written only if its revision is still the one read; otherwise (another process
        wrote meanwhile, which SQLite's ignored ``FOR UPDATE`` cannot prevent) the change is
        applied again to the fresh row, on SQLite under its write lock (``BEGIN IMMEDIATE``)
        so that writers of a hot object queue rather than keep colliding, while writers of
        different objects still change their documents in parallel. ``change`` may therefore
        run more than once; the result of its last run is stored.

        :raises ConcurrentWriteError: after :data:`~flask_ocpi.stores.sqlalchemy.cas.CAS_TRIES` lost races in a row.
        """
        where, order = self._selector(kind, owner, object_id, token_type)
        query = (
            select(objects.c.id, *_KEY_COLUMNS, objects.c.revision, objects.c.document)
            .where(*where)
            .order_by(*order)
            .limit(1)
            .with_for_update()
        )
        for attempt in range(1, cas.CAS_TRIES + 1):
            try:
                with self._transaction() as session:
                    if attempt > 1:  # lost a race: queue on SQLite's write lock from now on
                        cas.take_write_lock(session)
                    found = session.execute(query).first()
                    if found is None:
                        return None
                    row_id, country_code, party_id, stored_id, stored_type, revision, document = found
                    changed = change(from_document(kind.model, document))
                    if changed is None:
                        return None
                    check_same_key(kind, (PartyKey(country_code, party_id), stored_id, stored_type), changed)
                    written = session.execute(
                        update(objects)
                        .where(objects.c.id == row_id, objects.c.revision == revision)
                        .values({**row_of(kind, changed), "revision": revision + 1})
                    )
                    if getattr(written, "rowcount", 0) == 1:
                        bump(session, kind.name, {(country_code, party_id): 0})
                        return changed
            except OperationalError as exc:
                if not cas.is_busy(exc) or attempt == cas.CAS_TRIES:
                    raise
            cas.pause_after_lost_race(attempt)
        raise ConcurrentWriteError(f"{kind.name} {owner}/{object_id}: still changing after {cas.CAS_TRIES} tries")

    @_forgets_generation
    def delete(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> bool:
        """Remove an object; whether there was one."""
        where, order = self._selector(kind, owner, object_id, token_type)
        with self._transaction() as session:
            if order:
                row_id = session.execute(select(objects.c.id).where(*where).order_by(*order).limit(1)).scalar()
                if row_id is None:
                    return False
                where = [objects.c.id == row_id]
            result = session.execute(delete(objects).where(*where))
            deleted = bool(getattr(result, "rowcount", 0))
            if deleted:
                bump(session, kind.name, {(owner.country_code, owner.party_id): -1})
            return deleted

    # -- reads --

    def get(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> T | None:
        """The stored object, or ``None``: one ``SELECT`` on the unique key."""
        where, order = self._selector(kind, owner, object_id, token_type)
        with self._transaction() as session:
            document = session.execute(select(objects.c.document).where(*where).order_by(*order).limit(1)).scalar()
        return None if document is None else from_document(kind.model, document)

    @staticmethod
    def _filters(
        kind: DocumentKind[Any],
        owners: Iterable[PartyKey] | None,
        audience: Iterable[PartyKey] | None,
        page: PageRequest | None = None,
    ) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = [objects.c.kind == kind.name]
        owner_set, audience_set = party_set(owners), party_set(audience)
        if owner_set is not None:
            filters.append(parties_clause(objects.c.country_code, objects.c.party_id, owner_set))
        if audience_set is not None:
            filters.append(parties_clause(objects.c.audience_country_code, objects.c.audience_party_id, audience_set))
        if page is not None and page.date_from is not None:
            filters.append(objects.c.last_updated >= page.date_from)
        if page is not None and page.date_to is not None:
            filters.append(objects.c.last_updated < page.date_to)
        return filters

    def page(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
        page: PageRequest,
    ) -> Page[T]:
        """A page of objects, oldest first, and the total matching the filters."""
        filters = self._filters(kind, owners, audience, page)
        limit = max(page.limit, 0)
        with self._transaction() as session:
            documents: Sequence[Any] = []
            if limit:
                query = select(objects.c.document).where(*filters).order_by(objects.c.id)
                documents = session.execute(query.limit(limit).offset(page.offset)).scalars().all()
            if 0 < len(documents) < limit or (not documents and limit and page.offset == 0):
                # A short page is the last one: it shows the total by itself.
                total = page.offset + len(documents)
            else:
                total = self._total(session, kind, owners, audience, page, filters)
        return Page(items=[from_document(kind.model, d) for d in documents], total=total)

    def generation(self, kind: DocumentKind[T], owners: Iterable[PartyKey]) -> int:
        """The sum of the write counters of ``owners``: one primary-key ``SELECT``, reused for
        ``generation_ttl`` seconds unless this repository writes ``kind`` meanwhile."""
        keys = sorted(set(owners), key=str)
        if not keys:
            return 0
        memo_key = (kind.name, frozenset(keys))
        known = self._generations.get(memo_key)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        value = self._read_generation(kind, keys)
        if self.generation_ttl > 0:
            self._generations[memo_key] = (value, time.monotonic() + self.generation_ttl)
        return value

    def _read_generation(self, kind: DocumentKind[Any], keys: list[PartyKey]) -> int:
        owned = parties_clause(generations.c.country_code, generations.c.party_id, keys)
        where = [generations.c.kind == kind.name, owned]
        with self._transaction() as session:
            total = session.execute(select(func.coalesce(func.sum(generations.c.generation), 0)).where(*where))
            return int(total.scalar_one())

    def count(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
    ) -> int:
        """How many objects match the filters: one ``COUNT``."""
        filters = self._filters(kind, owners, audience)
        with self._transaction() as session:
            return self._total(session, kind, owners, audience, None, filters)

    @staticmethod
    def _total(
        session: Session,
        kind: DocumentKind[Any],
        owners: Iterable[PartyKey] | None,
        audience: Iterable[PartyKey] | None,
        page: PageRequest | None,
        filters: list[ColumnElement[bool]],
    ) -> int:
        """How many objects match: from the owners' counters when only owners filter
        (one primary-key read, whatever the table size), else a ``COUNT``."""
        owner_set = party_set(owners)
        unfiltered = page is None or (page.date_from is None and page.date_to is None)
        if owner_set is not None and audience is None and unfiltered:
            where = [
                generations.c.kind == kind.name,
                parties_clause(generations.c.country_code, generations.c.party_id, owner_set),
            ]
            counted = session.execute(select(func.coalesce(func.sum(generations.c.objects), 0)).where(*where))
            return int(counted.scalar_one())
        total: int = session.execute(select(func.count()).select_from(objects).where(*filters)).scalar_one()
        return total


__all__ = ["ConcurrentWriteError", "SQLAlchemyDocuments"]
