"""Pagination value types every list operation uses: :class:`PageRequest` and :class:`Page`.

Importable without Flask (backends, stores and hosts use them); the response headers are
:mod:`flask_ocpi.transport.paging`.

Query parameters ``offset``, ``limit`` (capped at ``OCPI_MAX_PAGE_SIZE``),
``date_from`` and ``date_to`` (on ``last_updated``; from inclusive, to exclusive, as
OCPI 2.2.1 makes precise). Response headers ``X-Total-Count``, ``X-Limit`` and, unless
this is the last page, ``Link: <...>; rel="next"`` repeating the filters.

An ``offset`` beyond :data:`MAX_OFFSET` is clamped to it: no store holds that many objects,
so the answer is the same (an empty page with the true ``X-Total-Count``), and no backend
or database ever sees a number its integers cannot hold (``offset=10**30`` overflows
SQLite's and PostgreSQL's 64-bit integers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from flask_ocpi.dates import format_datetime, parse_datetime
from flask_ocpi.exceptions import InvalidOrMissingParameters, shown

T = TypeVar("T")

#: Largest ``offset`` handed to a backend (larger ones are clamped): a 32-bit signed integer,
#: which every database and ORM holds.
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """One page of a list: what a backend's list operation receives."""

    offset: int = 0
    limit: int = 50
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def from_args(
        cls,
        args: Any,
        *,
        default_limit: int,
        max_limit: int,
        require_date_from: bool = False,
    ) -> PageRequest:
        """Parse query arguments; a bad value raises 2001 naming the parameter."""
        offset = _int_arg(args, "offset", 0, MAX_OFFSET)
        limit = _int_arg(args, "limit", default_limit, max_limit)
        if limit < 1:
            raise InvalidOrMissingParameters("limit: must be at least 1")
        date_from = _date_arg(args, "date_from")
        date_to = _date_arg(args, "date_to")
        if require_date_from and date_from is None:
            raise InvalidOrMissingParameters("date_from: required for this list")
        if date_from and date_to and date_to <= date_from:
            raise InvalidOrMissingParameters("date_to: must be later than date_from")
        return cls(offset=offset, limit=limit, date_from=date_from, date_to=date_to)

    def filters(self) -> dict[str, str]:
        """The filters of this request, formatted for a URL."""
        result = {}
        if self.date_from is not None:
            result["date_from"] = format_datetime(self.date_from)
        if self.date_to is not None:
            result["date_to"] = format_datetime(self.date_to)
        return result


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of objects and the total number matching the filters for this caller."""

    items: Sequence[T]
    total: int


def _int_arg(args: Any, name: str, default: int, ceiling: int) -> int:
    """A non-negative integer parameter, at most ``ceiling`` (larger values are clamped)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return min(default, ceiling)
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidOrMissingParameters(f"{name}: must be a non-negative integer, got {shown(raw)!r}")
    digits = raw.lstrip("0")
    if len(digits) > len(str(ceiling)):  # int() of thousands of digits is slow, then refused
        return ceiling
    return min(int(digits or "0"), ceiling)


def _date_arg(args: Any, name: str) -> datetime | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime(raw)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out of range by its offset
        raise InvalidOrMissingParameters(f"{name}: not an OCPI DateTime: {shown(raw)!r}") from None
