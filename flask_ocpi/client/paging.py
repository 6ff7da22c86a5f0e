"""Following a partner's paginated list: ``Link`` headers, with an offset/limit fallback.

Pages are followed through the ``Link: <...>; rel="next"`` header; when a partner sends
no usable ``Link`` (missing, malformed, or not continuing where the last page ended), the
client continues with ``offset``/``limit`` until ``X-Total-Count`` is reached or a page
comes back empty (transport and format chapter, pagination).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from flask_ocpi.transport.http import OcpiHttp, OcpiResponse

log = logging.getLogger("flask_ocpi")

#: The most pages one pull follows (a runaway partner cannot keep us paging forever).
MAX_PAGES = 100_000


def iterate_pages(
    http: OcpiHttp, base: str, *, filters: dict[str, Any], limit: int | None, label: str
) -> Iterator[list[Any]]:
    """The raw items of the list at ``base``, one page at a time.

    :param filters: query parameters every page keeps (``date_from``, ``date_to``).
    :param limit: the page size to ask for (``None``: the partner's default).
    :param label: names the list in log messages (``"partner X locations"``).
    """
    offset = 0
    seen: set[str] = set()
    url: str = base
    params: dict[str, Any] | None = {**filters, **({"limit": limit} if limit else {})}
    for _ in range(MAX_PAGES):
        answer = http.get(url, params=params)
        items = answer.data if isinstance(answer.data, list) else []
        if not isinstance(answer.data, list):
            log.warning("%s: a page is not a list; stopping", label)
        if items:
            yield items
        offset += len(items)
        seen.add(_page_key(url, params))
        following = _next_link(answer, base)
        if following is not None and following not in seen and _link_offset(following) in (None, offset):
            url, params = following, None
            continue
        if following is not None:
            log.warning("%s: Link %s does not continue at offset %d; paging by offset", label, following, offset)
        total, page_size = _header_int(answer, "x-total-count"), _header_int(answer, "x-limit")
        more = offset < total if total is not None else page_size is not None and len(items) >= page_size
        if not items or not more:
            return
        if not any(k.lower() == "link" for k in answer.headers):
            log.info("%s: no Link header on a page; paging by offset", label)
        url, params = base, {**filters, "offset": offset, **({"limit": limit} if limit else {})}
    log.warning("%s: stopped after %d pages", label, MAX_PAGES)


def _page_key(url: str, params: dict[str, Any] | None) -> str:
    return requests.Request("GET", url, params=params).prepare().url or url


def _next_link(answer: OcpiResponse, base: str) -> str | None:
    """The ``rel="next"`` URL of a page, when it points at the list itself (same scheme,
    host, port and path as the endpoint: our token never goes to another origin)."""
    header = next((v for k, v in answer.headers.items() if k.lower() == "link"), None)
    if not header:
        return None
    for link in requests.utils.parse_header_links(header):
        if link.get("rel") == "next":
            target = link.get("url", "")
            if _same_list(target, base):
                return target
            log.warning("Ignoring a Link %r that is not the list at %s", target, base)
    return None


def _same_list(url: str, base: str) -> bool:
    try:
        got, want = urlsplit(url), urlsplit(base)
        return (
            got.scheme.lower() == want.scheme.lower()
            and got.hostname == want.hostname
            and got.port == want.port
            and got.path.rstrip("/") == want.path.rstrip("/")
        )
    except ValueError:
        return False


def _link_offset(url: str) -> int | None:
    """The ``offset`` a next-page URL asks for, when it has a numeric one."""
    values = parse_qs(urlsplit(url).query).get("offset")
    return int(values[0]) if values and values[0].isdigit() else None


def _header_int(answer: OcpiResponse, name: str) -> int | None:
    raw = next((v for k, v in answer.headers.items() if k.lower() == name), None)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None
