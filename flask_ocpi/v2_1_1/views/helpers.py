"""Helpers shared by the OCPI 2.1.1 module views: dumping what 2.1.1 can express, list answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response

from flask_ocpi.exceptions import NotFound
from flask_ocpi.pagination import Page, PageRequest, paginated_response
from flask_ocpi.v2_1_1.schemas.common import NotExpressible

log = logging.getLogger("flask_ocpi")
T = TypeVar("T")


def dump_each(dump: Callable[[T], dict[str, Any]], items: Iterable[T], what: str) -> list[dict[str, Any]]:
    """Dump the objects of a list, leaving out (logged) those OCPI 2.1.1 cannot express."""
    out = []
    for item in items:
        try:
            out.append(dump(item))
        except NotExpressible as exc:
            log.warning("Leaving a %s out of an OCPI 2.1.1 list: %s", what, exc)
    return out


def dump_one(dump: Callable[[T], dict[str, Any]], item: T) -> dict[str, Any]:
    """Dump one object; HTTP 404 when OCPI 2.1.1 cannot express it (as lists leave it out)."""
    try:
        return dump(item)
    except NotExpressible as exc:
        raise NotFound(f"Not available in OCPI 2.1.1: {exc}") from None


def page_answer(data: list[dict[str, Any]], page: PageRequest, result: Page[Any]) -> Response:
    """A list page answer; the next offset follows the backend's page even if objects were left out."""
    return paginated_response(data, page, total=result.total, returned=len(result.items))
