"""Owned OCPI objects kept as documents: the kinds of objects and the repository contract.

The shipped stores of locations, sessions, CDRs, tariffs and tokens
(:mod:`flask_ocpi.stores.modules`) all keep their objects in one
:class:`DocumentRepository`: in memory (:class:`~flask_ocpi.stores.memory.MemoryDocuments`)
or in the ``ocpi_objects`` table (:class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDocuments`).

Every stored object has

* an **owner** (:class:`~flask_ocpi.models.PartyKey`, normalised to upper case): the
  party whose ``country_code``/``party_id`` the object carries;
* an **id**, case as received (``id``, or ``uid`` for tokens);
* for tokens, a **type**: tokens are unique per (owner, uid, type) as OCPI 2.2.1 says.
  Other kinds use the empty string as their type, so one unique key covers all kinds;
* an optional **audience**: for sessions and CDRs, the eMSP the token belongs to
  (``cdr_token.country_code``/``party_id``), so a CPO can list a partner's own sessions;
* a **sequence number** given when the object is first stored and kept when it is
  replaced or patched: lists are ordered by it (oldest first), so paging is stable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import CDR, Location, PartyKey, Session, Tariff, Token, TokenType
from flask_ocpi.pagination import Page, PageRequest

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class DocumentKind(Generic[T]):
    """One kind of stored object and how to read its key from an instance."""

    #: Stored in the ``kind`` column (``"location"``, ``"session"``, ...).
    name: str
    #: The model dataclass.
    model: type[T]
    #: The attribute holding the object's id.
    id_field: str = "id"
    #: Whether objects are also keyed by their ``type`` attribute (tokens).
    typed: bool = False
    #: For typed kinds: the type preferred when a lookup gives no type.
    preferred_type: str = ""
    #: The party an object is addressed to (``None``: no audience).
    audience_of: Callable[[T], PartyKey | None] | None = None

    def owner(self, obj: T) -> PartyKey:
        """The owner of ``obj`` (its ``country_code``/``party_id``)."""
        return PartyKey(getattr(obj, "country_code"), getattr(obj, "party_id"))  # noqa: B009

    def object_id(self, obj: T) -> str:
        """The id of ``obj``."""
        value: str = getattr(obj, self.id_field)
        return value

    def type_of(self, obj: T) -> str:
        """The type key of ``obj``: its ``type`` value for typed kinds, ``""`` otherwise."""
        return str(getattr(obj, "type").value) if self.typed else ""  # noqa: B009

    def key(self, obj: T) -> tuple[PartyKey, str, str]:
        """(owner, id, type) of ``obj``: what identifies it in a repository."""
        return self.owner(obj), self.object_id(obj), self.type_of(obj)

    def audience(self, obj: T) -> PartyKey | None:
        """The party ``obj`` is addressed to, if any."""
        return self.audience_of(obj) if self.audience_of is not None else None

    @staticmethod
    def last_updated(obj: T) -> datetime:
        """``obj.last_updated``."""
        value: datetime = getattr(obj, "last_updated")  # noqa: B009
        return value


def _token_party(obj: Session | CDR) -> PartyKey:
    return PartyKey(obj.cdr_token.country_code, obj.cdr_token.party_id)


LOCATION: DocumentKind[Location] = DocumentKind("location", Location)
SESSION: DocumentKind[Session] = DocumentKind("session", Session, audience_of=_token_party)
CDR_KIND: DocumentKind[CDR] = DocumentKind("cdr", CDR, audience_of=_token_party)
TARIFF: DocumentKind[Tariff] = DocumentKind("tariff", Tariff)
TOKEN: DocumentKind[Token] = DocumentKind(
    "token", Token, id_field="uid", typed=True, preferred_type=TokenType.RFID.value
)


def party_set(parties: Iterable[PartyKey] | None) -> frozenset[PartyKey] | None:
    """``parties`` as a set (``None`` stays ``None``: no filter)."""
    return None if parties is None else frozenset(parties)


def check_same_key(kind: DocumentKind[Any], key: tuple[PartyKey, str, str], changed: Any) -> None:
    """Refuse a change that would move an object to another key.

    :raises ValueError: when ``changed`` has another (owner, id, type) than ``key``.
    """
    if kind.key(changed) != key:
        raise ValueError(f"a change may not alter the owner, id or type of a {kind.name}")


class DocumentRepository(ABC):
    """Stores objects of every :class:`DocumentKind`, each under its (owner, id, type) key.

    Implementations are safe to share between stores and threads. Objects passed in
    and returned are never shared with the repository's own state.
    """

    @abstractmethod
    def save(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Create or replace ``obj``: ``CREATED`` or ``UPDATED``. A replaced object keeps
        its sequence number (its place in lists)."""

    @abstractmethod
    def save_many(self, kind: DocumentKind[T], objs: Iterable[T]) -> list[WriteResult]:
        """:meth:`save` each of ``objs`` in one go (one transaction where there are any);
        one result per object, in order."""

    @abstractmethod
    def create(self, kind: DocumentKind[T], obj: T) -> WriteResult:
        """Store ``obj`` unless an object with its key exists: ``CREATED``, or
        ``UPDATED`` when it existed (the stored object is then left unchanged)."""

    @abstractmethod
    def get(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> T | None:
        """The stored object, or ``None``.

        For typed kinds, ``token_type=None`` selects the object of the preferred type
        (``RFID`` for tokens) if there is one, else the first stored.
        """

    @abstractmethod
    def update(
        self,
        kind: DocumentKind[T],
        owner: PartyKey,
        object_id: str,
        change: Callable[[T], T | None],
        *,
        token_type: str | None = None,
    ) -> T | None:
        """Atomically replace a stored object by ``change(object)``.

        Returns the new object; ``None`` (and nothing written) when no object matches
        or ``change`` returned ``None``. The object keeps its sequence number.

        :raises ValueError: when the new object has another owner, id or type.
        """

    @abstractmethod
    def delete(self, kind: DocumentKind[T], owner: PartyKey, object_id: str, *, token_type: str | None = None) -> bool:
        """Remove an object (selected as by :meth:`get`); whether there was one."""

    @abstractmethod
    def page(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
        page: PageRequest,
    ) -> Page[T]:
        """A page of objects, oldest (lowest sequence number) first.

        :param owners: only objects owned by one of these parties (``None``: any owner).
        :param audience: only objects addressed to one of these parties (``None``: no filter).
        :param page: offset, limit and ``last_updated`` window (``date_from``
            inclusive, ``date_to`` exclusive).
        :returns: the objects and the total number matching the filters.
        """

    @abstractmethod
    def generation(self, kind: DocumentKind[T], owners: Iterable[PartyKey]) -> int:
        """A number that grows with every write to ``kind`` objects of ``owners``.

        Lets readers cache answers: while it is unchanged, nothing they read changed.
        """

    @abstractmethod
    def count(
        self,
        kind: DocumentKind[T],
        *,
        owners: Iterable[PartyKey] | None = None,
        audience: Iterable[PartyKey] | None = None,
    ) -> int:
        """How many objects match the filters (as in :meth:`page`)."""

    def create_tables(self) -> None:
        """Prepare the storage, for development and tests: a SQL repository creates the
        Flask-OCPI tables that do not exist yet; this default (memory) has nothing to do."""
        return None


def dedupe_by_key(kind: DocumentKind[T], objs: Iterable[T]) -> tuple[list[T], Sequence[int]]:
    """The last object of each key (in first-seen order), and for each input which of
    those it maps to; so a batch writing one key twice behaves like two saves."""
    index: dict[tuple[PartyKey, str, str], int] = {}
    unique: list[T] = []
    positions: list[int] = []
    for obj in objs:
        key = kind.key(obj)
        position = index.get(key)
        if position is None:
            position = index[key] = len(unique)
            unique.append(obj)
        else:
            unique[position] = obj
        positions.append(position)
    return unique, positions


__all__ = [
    "CDR_KIND",
    "LOCATION",
    "SESSION",
    "TARIFF",
    "TOKEN",
    "DocumentKind",
    "DocumentRepository",
    "check_same_key",
    "dedupe_by_key",
    "party_set",
]
