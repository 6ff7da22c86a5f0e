"""Helpers shared by the OCPI 2.1.1 module views: dumping what 2.1.1 can express, list answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, current_app, request

from flask_ocpi.backends.base import CacheableList
from flask_ocpi.exceptions import NotFound
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.state import get_state
from flask_ocpi.transport.envelope import json_text, ok_json
from flask_ocpi.transport.paging import paginated_response, pagination_headers
from flask_ocpi.transport.views import caller
from flask_ocpi.util.listcache import CachedPage
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


def list_answer(
    backend: CacheableList,
    fetch: Callable[[], Page[T]],
    dump: Callable[[T], dict[str, Any]],
    what: str,
    page: PageRequest,
) -> Response:
    """The answer to a sender list request, from the list cache when the backend's
    ``list_etag`` says nothing changed (see :mod:`flask_ocpi.util.listcache`)."""
    cache = get_state(current_app).list_cache
    etag = backend.list_etag(partner=caller(), page=page) if cache.size else None
    key = None
    if etag is not None:
        window = (page.offset, page.limit, page.date_from, page.date_to)
        key = (request.endpoint, request.host_url, window, etag)
        hit = cache.get(key)
        if hit is not None:
            return ok_json(hit.data_json, headers=dict(hit.headers))
    result = fetch()
    data_json = json_text(dump_each(dump, result.items, what))
    headers = pagination_headers(page, total=result.total, returned=len(result.items))
    if key is not None:
        cache.put(key, CachedPage(data_json, headers))
    return ok_json(data_json, headers=headers)
