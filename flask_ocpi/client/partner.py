"""Pulling a partner's lists page by page, as objects of :mod:`flask_ocpi.models`.

Pages are followed through the ``Link: <...>; rel="next"`` header; when a partner sends
no usable ``Link`` (missing, malformed, or not continuing where the last page ended), the
client continues with ``offset``/``limit`` until ``X-Total-Count`` is reached or a page
comes back empty. An object that does not validate is logged and skipped: one bad
object never stops a pull (transport and format chapter).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask import current_app

from flask_ocpi.client.http import OcpiHttp, OcpiResponse
from flask_ocpi.dates import format_datetime
from flask_ocpi.exceptions import OcpiError
from flask_ocpi.models import ModuleID, Partner
from flask_ocpi.state import get_state

log = logging.getLogger("flask_ocpi")

#: The most pages one pull follows (a runaway partner cannot keep us paging forever).
MAX_PAGES = 100_000


class PartnerClient:
    """Calls one registered partner's endpoints with our token for it.

    :param partner: a REGISTERED partner (its endpoints and outbound token are used).
    :param http: the transport (timeout, URL policy, connection pool).
    """

    def __init__(self, partner: Partner, *, http: OcpiHttp) -> None:
        if not partner.registered or not partner.outbound_token:
            raise ValueError(f"partner {partner.id} is not registered")
        self.partner = partner
        self.http = http

    @classmethod
    def connect(cls, partner: Partner | str) -> PartnerClient:
        """A client for ``partner`` (or its id) of the current application."""
        state = get_state(current_app)
        found = state.partners.get(partner_id=partner) if isinstance(partner, str) else partner
        if found is None:
            raise LookupError(f"No partner {partner!r}")
        config = state.config
        http = OcpiHttp(token=found.outbound_token, timeout=config.outbound_timeout, policy=config.url_policy)
        return cls(found, http=http)

    def url(self, module: ModuleID) -> str:
        """The partner's endpoint URL of ``module``.

        :raises LookupError: when its version details do not list the module.
        """
        endpoint = self.partner.endpoint(module)
        if endpoint is None:
            raise LookupError(f"Partner {self.partner.id} offers no {module.value} endpoint")
        return endpoint.url

    def pages(
        self,
        module: ModuleID,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[list[Any]]:
        """The raw objects of a partner's list, one page at a time."""
        base = self.url(module)
        filters: dict[str, Any] = {}
        if date_from is not None:
            filters["date_from"] = format_datetime(date_from)
        if date_to is not None:
            filters["date_to"] = format_datetime(date_to)
        offset = 0
        seen: set[str] = set()
        url: str = base
        params: dict[str, Any] | None = {**filters, **({"limit": limit} if limit else {})}
        for _ in range(MAX_PAGES):
            answer = self.http.get(url, params=params)
            items = answer.data if isinstance(answer.data, list) else []
            if not isinstance(answer.data, list):
                log.warning("Partner %s: %s page is not a list; stopping", self.partner.id, module.value)
            if items:
                yield items
            offset += len(items)
            seen.add(_page_key(url, params))
            following = _next_link(answer, base)
            if following is not None and following not in seen and _link_offset(following) in (None, offset):
                url, params = following, None
                continue
            if following is not None:
                log.warning(
                    "Partner %s: Link %s does not continue at offset %d; paging by offset",
                    self.partner.id,
                    following,
                    offset,
                )
            total, page_size = _header_int(answer, "x-total-count"), _header_int(answer, "x-limit")
            more = offset < total if total is not None else page_size is not None and len(items) >= page_size
            if not items or not more:
                return
            if "Link" not in answer.headers:
                log.info("Partner %s sent no Link header on a %s page; paging by offset", self.partner.id, module.value)
            url, params = base, {**filters, "offset": offset, **({"limit": limit} if limit else {})}
        log.warning("Partner %s: stopped %s after %d pages", self.partner.id, module.value, MAX_PAGES)

    def pull(
        self,
        module: ModuleID,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Any]:
        """The objects of a partner's list (e.g. ``ModuleID.LOCATIONS`` → Location), skipping
        (and logging) the ones that do not validate."""
        load = _loader(self.partner, module)
        for items in self.pages(module, date_from=date_from, date_to=date_to, limit=limit):
            for item in items:
                try:
                    yield load(item, self.partner)
                except OcpiError as exc:
                    ident = item.get("id", item.get("uid")) if isinstance(item, dict) else None
                    log.warning("Partner %s: skipping an invalid %s %r: %s", self.partner.id, module.value, ident, exc)


def _loader(partner: Partner, module: ModuleID) -> Any:
    if partner.version == "2.1.1":
        from flask_ocpi.v2_1_1.client import LOADERS

        if module in LOADERS:
            return LOADERS[module]
    raise LookupError(f"Cannot pull {module.value} in OCPI {partner.version}")


def _page_key(url: str, params: dict[str, Any] | None) -> str:
    return requests.Request("GET", url, params=params).prepare().url or url


def _next_link(answer: OcpiResponse, base: str) -> str | None:
    header = next((v for k, v in answer.headers.items() if k.lower() == "link"), None)
    if not header:
        return None
    for link in requests.utils.parse_header_links(header):
        if link.get("rel") == "next":
            target = link.get("url", "")
            if target.startswith(("https://", "http://")):
                return target
            log.warning("Ignoring a relative or malformed Link %r (list at %s)", target, base)
    return None


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
