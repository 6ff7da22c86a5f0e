"""Small types shared by module backends."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

#: A PATCH: model field names (not wire names) to model-typed values. Top-level only;
#: a list value replaces the stored list. See :func:`flask_ocpi.stores.merge.apply_changes`.
Changes = Mapping[str, Any]


class WriteResult(Enum):
    """What a receiver write did."""

    #: The object did not exist and was stored (HTTP 201 for a PUT).
    CREATED = "CREATED"
    #: The object existed and was replaced or patched (HTTP 200).
    UPDATED = "UPDATED"
    #: The object (for a PATCH) or its parent location/EVSE (for a PUT) does not exist.
    NOT_FOUND = "NOT_FOUND"
