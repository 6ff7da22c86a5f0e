"""Pagination response headers of every list endpoint: ``X-Total-Count``, ``X-Limit`` and ``Link``.

``Link: <...>; rel="next"`` repeats the filters, unless this is the last page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from flask_ocpi.pagination import PageRequest
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.urls import public_url


def pagination_headers(page: PageRequest, *, total: int, returned: int) -> dict[str, str]:
    """``X-Total-Count``, ``X-Limit`` and, when more objects follow, ``Link``."""
    headers = {"X-Total-Count": str(total), "X-Limit": str(page.limit)}
    next_offset = page.offset + returned
    if returned and next_offset < total:
        query = urlencode({"offset": next_offset, "limit": page.limit, **page.filters()})
        headers["Link"] = f'<{public_url(request.path)}?{query}>; rel="next"'
    return headers


def paginated_response(data: list[Any], page: PageRequest, *, total: int, returned: int | None = None) -> Response:
    """A success envelope for a list page, with the pagination headers.

    :param returned: how many objects the backend returned for this page, when the view
        left some out of ``data`` (the next page starts after all of them).
    """
    headers = pagination_headers(page, total=total, returned=len(data) if returned is None else returned)
    return ok(data, headers=headers)
