"""Helpers every module view uses: the caller, paging, ownership, bodies, URL ids.

The receiver writes (PUT/PATCH) go through :mod:`flask_ocpi.modules.receiver`; the limits
of URL ids are a version's rules (:class:`flask_ocpi.versions.rules.IdLimits`)."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from flask import current_app, request
from webargs import core

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.exceptions import InvalidOrMissingParameters, NotFound
from flask_ocpi.models import Partner, PartyKey
from flask_ocpi.pagination import PageRequest
from flask_ocpi.state import get_state
from flask_ocpi.transport.auth import current_caller
from flask_ocpi.transport.body import request_json

log = logging.getLogger("flask_ocpi")
B = TypeVar("B", bound=ModuleBackend)


def installed(kind: type[B]) -> B:
    """The host's backend of the ABC ``kind`` (its module and interface); views of a module
    are registered only when that backend was given, so it is always there."""
    found = get_state(current_app).backend(kind.module, kind.interface)
    assert isinstance(found, kind), f"no {kind.__name__} installed"
    return found


def caller() -> Partner:
    """The authenticated partner of this request."""
    return current_caller().partner


def page_request(*, require_date_from: bool = False) -> PageRequest:
    """The validated pagination parameters of this request."""
    config = get_state(current_app).config
    return PageRequest.from_args(
        request.args,
        default_limit=config.default_page_size,
        max_limit=config.max_page_size,
        require_date_from=require_date_from,
    )


def own_party(country_code: str, party_id: str) -> PartyKey:
    """The URL's party, refused (HTTP 404, before any backend call) unless it is the caller's.

    The spec allows a 404 for a client-owned object URL whose country_code/party_id are not
    the ones the client announced in its credentials. One of *our own* parties is never the
    caller's, whatever its stored credentials claim: refused the same way, and logged.
    """
    key = PartyKey(country_code, party_id)
    partner = caller()
    if get_state(current_app).config.is_ours(key):
        log.warning("Partner %s addressed %s, one of our own parties: refused", partner.id, key)
        raise NotFound(f"{key} is not one of your parties")
    if key not in partner.parties:
        mine = ", ".join(str(k) for k in partner.parties) or "none"
        raise NotFound(f"{key} is not one of your parties (yours: {mine})")
    return key


def json_body() -> Any:
    """The request body as JSON (whatever the Content-Type; numbers with decimals as Decimal),
    read by :func:`flask_ocpi.transport.body.request_json` within the ``OCPI_MAX_*`` limits.

    :raises InvalidOrMissingParameters: (2001) when the body is empty or breaks a limit.
    """
    data = request_json()
    if data is core.missing:
        raise InvalidOrMissingParameters("body: a JSON body is required")
    return data


def url_id(name: str, value: str, max_length: int) -> str:
    """A URL id segment, or 2001 naming it: 1 to ``max_length`` printable ASCII characters."""
    if not value or len(value) > max_length:
        raise InvalidOrMissingParameters(f"{name}: must be 1 to {max_length} characters, got {len(value)}")
    if not all(0x20 <= ord(c) < 0x7F for c in value):
        raise InvalidOrMissingParameters(f"{name}: only printable ASCII is allowed")
    return value
