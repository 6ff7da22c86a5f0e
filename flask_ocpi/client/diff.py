"""PATCH bodies computed from an object's previous and new wire form.

OCPI PATCH requests carry only the fields that changed (plus ``last_updated``); a list
field is replaced whole. A field that *disappeared* cannot be expressed in a PATCH (2.1.1
has no way to unset a field), so that level is PUT instead. Locations are diffed level by
level: an EVSE status change becomes one small PATCH on the EVSE (or on its connector),
as the locations chapter intends, instead of a PATCH of the whole location.

``last_updated`` alone does not make a field change, but the partner's copy must end
equal to ours: when it moved at a level and no request of that level or below carries
the new value (a receiver moves a parent's ``last_updated`` with a later child's), that
level gets a PATCH of ``last_updated`` only. Nothing is sent when nothing, not even
``last_updated``, changed.

Everything here works on the JSON a version's ``dump_*`` produced, so it is
version-independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LAST_UPDATED = "last_updated"


@dataclass(frozen=True, slots=True)
class Change:
    """One request that brings a partner from the previous to the new state.

    :ivar method: ``"PATCH"`` or ``"PUT"``.
    :ivar ids: the object path below the object's own id: ``()`` for the object itself,
        ``(evse_uid,)`` or ``(evse_uid, connector_id)`` within a location.
    :ivar body: the request body.
    """

    method: str
    ids: tuple[str, ...]
    body: dict[str, Any]


def changed_fields(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of ``new`` that differ from ``previous`` (``last_updated`` not counted).

    :returns: ``{}`` when nothing changed, ``None`` when a field was removed (only a PUT
        can express that).
    """
    if any(key not in new for key in previous):
        return None
    return {k: v for k, v in new.items() if k != LAST_UPDATED and previous.get(k, _MISSING) != v}


_MISSING = object()


def _with_last_updated(body: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    if LAST_UPDATED in new:
        body[LAST_UPDATED] = new[LAST_UPDATED]
    return body


def _touched(previous: dict[str, Any], new: dict[str, Any], ids: tuple[str, ...], below: list[Change]) -> list[Change]:
    """A PATCH of ``last_updated`` alone, when it moved at this level and none of the
    requests ``below`` (this level's children) carries its new value."""
    moved = new.get(LAST_UPDATED)
    if moved is None or previous.get(LAST_UPDATED) == moved:
        return []
    if any(change.body.get(LAST_UPDATED) == moved for change in below):
        return []
    return [Change("PATCH", ids, {LAST_UPDATED: moved})]


def object_changes(previous: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The request for a one-level object (session, tariff, token): a PATCH of the changed
    fields, a PUT when a field was removed, a PATCH of ``last_updated`` when only it moved,
    nothing when nothing changed."""
    fields = changed_fields(previous, new)
    if fields is None:
        return [Change("PUT", (), new)]
    return [Change("PATCH", (), _with_last_updated(fields, new))] if fields else _touched(previous, new, (), [])


def _by_key(items: Any, key: str) -> dict[str, dict[str, Any]] | None:
    """``items`` indexed by ``key`` when it is a list of objects with unique keys."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and key in i for i in items):
        return None
    indexed = {str(i[key]): i for i in items}
    return indexed if len(indexed) == len(items) else None


def _nested(
    previous: dict[str, Any], new: dict[str, Any], field: str, key: str, ids: tuple[str, ...]
) -> tuple[dict[str, Any] | None, list[Change]]:
    """Split changes of the child list ``field`` into per-child changes, when the children
    are the same (same keys, same order); otherwise keep the list in the parent's body."""
    fields = changed_fields(previous, new)
    if fields is None or field not in fields:
        return fields, []
    before, after = _by_key(previous.get(field), key), _by_key(new.get(field), key)
    if before is None or after is None or list(before) != list(after):
        return fields, []
    del fields[field]
    children: list[Change] = []
    for child_id, child in after.items():
        children.extend(_child_changes(before[child_id], child, (*ids, child_id)))
    return fields, children


def _child_changes(previous: dict[str, Any], new: dict[str, Any], ids: tuple[str, ...]) -> list[Change]:
    if len(ids) == 1:  # an EVSE: its connectors are diffed one by one
        fields, children = _nested(previous, new, "connectors", "id", ids)
    else:
        fields, children = changed_fields(previous, new), []
    if fields is None:
        return [Change("PUT", ids, new)]
    own = [Change("PATCH", ids, _with_last_updated(fields, new))] if fields else _touched(previous, new, ids, children)
    return own + children


def location_changes(previous: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The requests that bring a partner's copy of a location from ``previous`` to ``new``:
    PATCHes at the location, EVSE and connector levels (a PUT at a level where a field
    disappeared), in parent-before-child order; ``[]`` when nothing changed."""
    fields, children = _nested(previous, new, "evses", "uid", ())
    if fields is None:
        return [Change("PUT", (), new)]
    own = [Change("PATCH", (), _with_last_updated(fields, new))] if fields else _touched(previous, new, (), children)
    return own + children


__all__ = ["Change", "changed_fields", "location_changes", "object_changes"]
