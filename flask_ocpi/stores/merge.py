"""PATCH semantics in one place: top-level fields merge, lists replace, and a change to an
EVSE or connector moves ``last_updated`` of its parents.

Lists that grow by writes to their items (a location's EVSEs, an EVSE's connectors, a
session's charging periods appended by PATCH) grow with :func:`append_items`: within the
current application's ``OCPI_MAX_LIST_LENGTH``, the same cap a received list has, or 2001.

Used by the shipped backends; a host writing its own receiver backend can use them too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from flask_ocpi.backends.results import Changes
from flask_ocpi.config import app_config
from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.models import EVSE, Connector, Location

T = TypeVar("T")


def list_cap() -> int | None:
    """``OCPI_MAX_LIST_LENGTH`` of the current application; ``None`` (no cap) outside one."""
    config = app_config()
    return None if config is None else config.max_list_length


def append_items(items: Sequence[T], added: Sequence[T], *, field: str, cap: int | None = None) -> list[T]:
    """A new list: ``items`` followed by ``added``.

    :param field: the list's name in the error message.
    :param cap: most items the result may hold (default: :func:`list_cap`).
    :raises InvalidOrMissingParameters: (2001) naming ``field`` when the result would hold more.
    """
    limit = list_cap() if cap is None else cap
    if limit is not None and len(items) + len(added) > limit:
        raise InvalidOrMissingParameters(
            f"{field}: would hold {len(items) + len(added)} items, more than {limit} (OCPI_MAX_LIST_LENGTH)"
        )
    return [*items, *added]


def apply_changes(obj: T, changes: Changes) -> T:
    """A copy of dataclass ``obj`` with the top-level ``changes`` applied.

    :raises KeyError: when a change names a field ``obj`` does not have.
    """
    names = {f.name for f in dataclasses.fields(obj)}  # type: ignore[arg-type]
    unknown = sorted(set(changes) - names)
    if unknown:
        raise KeyError(f"{type(obj).__name__} has no field(s) {unknown}")
    return dataclasses.replace(obj, **dict(changes))  # type: ignore[type-var]


def _touch(location: Location, when: datetime | None) -> None:
    if when is not None and when > location.last_updated:
        location.last_updated = when


def put_evse(location: Location, evse: EVSE) -> tuple[Location, bool]:
    """``location`` with ``evse`` added or replaced; ``True`` when it was added."""
    index = next((i for i, e in enumerate(location.evses) if e.uid == evse.uid), None)
    if index is None:
        location = dataclasses.replace(location, evses=append_items(location.evses, [evse], field="evses"))
    else:
        location = dataclasses.replace(location, evses=list(location.evses))
        location.evses[index] = evse
    _touch(location, evse.last_updated)
    return location, index is None


def patch_evse(location: Location, evse_uid: str, changes: Changes) -> Location | None:
    """``location`` with one EVSE patched, or ``None`` when the EVSE does not exist."""
    evse = location.evse(evse_uid)
    if evse is None:
        return None
    patched = apply_changes(evse, changes)
    return put_evse(location, patched)[0]


def put_connector(location: Location, evse_uid: str, connector: Connector) -> tuple[Location, bool] | None:
    """``location`` with a connector added or replaced under an EVSE; ``None`` without that EVSE."""
    evse = location.evse(evse_uid)
    if evse is None:
        return None
    index = next((i for i, c in enumerate(evse.connectors) if c.id == connector.id), None)
    if index is None:
        connectors = append_items(evse.connectors, [connector], field="connectors")
    else:
        connectors = list(evse.connectors)
        connectors[index] = connector
    when = max(evse.last_updated, connector.last_updated)
    location, _ = put_evse(location, dataclasses.replace(evse, connectors=connectors, last_updated=when))
    return location, index is None


def patch_connector(location: Location, evse_uid: str, connector_id: str, changes: Changes) -> Location | None:
    """``location`` with one connector patched, or ``None`` when it does not exist."""
    evse = location.evse(evse_uid)
    connector = evse.connector(connector_id) if evse else None
    if connector is None:
        return None
    result = put_connector(location, evse_uid, apply_changes(connector, changes))
    return result[0] if result else None
