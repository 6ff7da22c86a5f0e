"""The ``ocpi_objects`` values of an object, and the per-owner counters every write bumps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flask_ocpi.models import PartyKey
from flask_ocpi.stores.codec import to_document
from flask_ocpi.stores.documents import DocumentKind
from flask_ocpi.stores.sqlalchemy.tables import generations_table as generations


def row_of(kind: DocumentKind[Any], obj: Any) -> dict[str, Any]:
    """The ``ocpi_objects`` values of ``obj`` (without ``id``)."""
    owner, object_id, token_type = kind.key(obj)
    audience = kind.audience(obj)
    return {
        "kind": kind.name,
        "country_code": owner.country_code,
        "party_id": owner.party_id,
        "object_id": object_id,
        "token_type": token_type,
        "audience_country_code": audience.country_code if audience is not None else None,
        "audience_party_id": audience.party_id if audience is not None else None,
        "last_updated": kind.last_updated(obj),
        "document": to_document(obj),
    }


def bump(session: Session, kind: str, owners: Mapping[tuple[str, str], int]) -> None:
    """Increment the write counter of each owner and add its change in number of objects
    (in the caller's transaction): ``owners`` maps (country_code, party_id) to that change."""
    for (country_code, party_id), added in sorted(owners.items()):
        where = (
            generations.c.kind == kind,
            generations.c.country_code == country_code,
            generations.c.party_id == party_id,
        )
        change = {"generation": generations.c.generation + 1, "objects": generations.c.objects + added}
        bumped = session.execute(update(generations).where(*where).values(change))
        if getattr(bumped, "rowcount", 0):
            continue
        try:
            with session.begin_nested():
                values = {"kind": kind, "country_code": country_code, "party_id": party_id}
                session.execute(insert(generations).values({**values, "generation": 1, "objects": added}))
        except IntegrityError:  # a concurrent first write created the row meanwhile
            session.execute(update(generations).where(*where).values(change))


def parties_clause(cc: Any, pid: Any, parties: Iterable[PartyKey]) -> ColumnElement[bool]:
    """``(cc, pid)`` is one of ``parties`` (portable: no tuple IN)."""
    keys = sorted(set(parties), key=str)
    if not keys:
        return false()
    clauses = [and_(cc == key.country_code, pid == key.party_id) for key in keys]
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


__all__ = ["bump", "parties_clause", "row_of"]
