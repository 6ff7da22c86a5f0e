"""``Authorization: Token ...``: parsing, hashing, constant-time checks, masking.

OCPI 2.1.1 parties send the raw credentials token; 2.2.1 parties send it Base64
encoded, and many peers do either. We accept both: the raw value is tried first,
then its Base64 decoding. Tokens we issue are stored only as SHA-256 digests
(they are 256-bit random values, so a fast hash is enough), looked up by digest and
confirmed with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request

from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import Unauthorized
from flask_ocpi.models import Caller as Caller
from flask_ocpi.models import PartnerStatus, Role, TokenScope
from flask_ocpi.state import get_state

_F = TypeVar("_F", bound=Callable[..., object])
log = logging.getLogger("flask_ocpi")
_PRINTABLE = frozenset(range(0x21, 0x7F))


def new_token() -> str:
    """A fresh credentials token: 43 printable, non-whitespace ASCII characters."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a token we issued is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mask_token(token: str | None) -> str:
    """A loggable hint of a token: its first 4 characters and its length."""
    if not token:
        return "<none>"
    if len(token) <= 8:
        return f"…({len(token)})"
    return f"{token[:4]}…({len(token)})"


def token_candidates(header: str | None) -> list[str]:
    """The tokens an ``Authorization`` header may carry: raw first, then Base64-decoded."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    candidates = [value]
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return candidates
    # Tolerate peers that encode a trailing newline (as the 2.2.1-d2 examples do).
    decoded = decoded.rstrip(b"\r\n")
    if decoded and all(b in _PRINTABLE for b in decoded):
        text = decoded.decode("ascii")
        if text != value:
            candidates.append(text)
    return candidates


def encode_token(token: str, *, base64_encode: bool) -> str:
    """The ``Authorization`` header value for ``token``."""
    if base64_encode:
        token = base64.b64encode(token.encode("utf-8")).decode("ascii")
    return f"Token {token}"


def authenticate(store: PartnerStore, header: str | None) -> Caller:
    """Find the partner whose token the header carries.

    :raises Unauthorized: missing header, unknown token, or an unregistered partner.
    """
    for candidate in token_candidates(header):
        digest = hash_token(candidate)
        partner = store.find_by_token(token_hash=digest)
        if partner is None or partner.status is PartnerStatus.UNREGISTERED:
            continue
        for grant in partner.grants:
            if hmac.compare_digest(grant.token_hash, digest):
                return Caller(partner, grant.scope, candidate)
    if not header:
        raise Unauthorized("Missing Authorization header (expected 'Token <token>')")
    raise Unauthorized("Unknown or invalid Authorization token")


_CALLER_KEY = "_flask_ocpi_caller"


def set_caller(caller: Caller) -> None:
    """Remember the authenticated caller for the rest of the request."""
    setattr(g, _CALLER_KEY, caller)


def current_caller() -> Caller:
    """The authenticated caller of the current OCPI request.

    :raises Unauthorized: outside an authenticated OCPI request.
    """
    caller = getattr(g, _CALLER_KEY, None)
    if caller is None:
        raise Unauthorized()
    return caller  # type: ignore[no-any-return]


_REGISTRATION_ALLOWED = "_ocpi_registration_allowed"


def registration_token_allowed(view: _F) -> _F:
    """Mark a view as reachable with a registration token (token A).

    Only the versions, version details and credentials views carry this mark; it is read
    by :func:`authenticate_request` and nowhere else.
    """
    setattr(view, _REGISTRATION_ALLOWED, True)
    return view


def _registration_allowed(endpoint: str) -> bool:
    view = current_app.view_functions[endpoint]
    return bool(
        getattr(view, _REGISTRATION_ALLOWED, False)
        or getattr(getattr(view, "view_class", None), _REGISTRATION_ALLOWED, False)
    )


def foreign_caller(caller: Caller, config: OcpiConfig) -> Caller:
    """``caller`` with a partner whose roles omit our own parties (logged as an error:
    such a row was not written by a registration of this release)."""
    ours = set(caller.partner.parties) & config.own_keys
    if not ours:
        return caller
    log.error(
        "Partner %s is stored with our own part%s %s; ignored (fix or unregister this connection)",
        caller.partner.id,
        "ies" if len(ours) > 1 else "y",
        ", ".join(str(k) for k in sorted(ours, key=str)),
    )
    return Caller(caller.partner.without_parties(ours), caller.scope, caller.token)


def authenticate_request(tree: Role | None, *, public: bool) -> None:
    """The one authentication step of every OCPI request (a ``before_request`` of each OCPI
    blueprint): who is calling, and may its token open this endpoint?

    A registration token opens only views marked :func:`registration_token_allowed`. A
    registered connection opens the module endpoints of the role trees it speaks for
    (OCPI 2.1.1 registers role pairs separately, one tree per connection). Views and backends
    get a caller whose parties never include ours, whatever its stored row claims
    (:func:`foreign_caller`).

    :param tree: the role tree of the blueprint (``None`` for the versions root).
    :param public: the request needs no token (``OPTIONS``, the catch-all answering 404/405).
    """
    if public or request.endpoint is None:
        return
    state = get_state(current_app)
    header = request.headers.get("Authorization")
    caller = state.auth_cache.get(header) if header else None
    if caller is None:
        caller = authenticate(state.partners, header)
        if caller.partner.registered:  # a connection mid-registration changes at once: never cached
            state.auth_cache.put(header, caller)
    allowed = _registration_allowed(request.endpoint)
    if caller.scope is TokenScope.REGISTRATION and not allowed:
        raise Unauthorized("A registration token opens only the versions and credentials endpoints")
    partner = caller.partner
    if not allowed and tree is not None and not partner.opens(tree):
        roles = "+".join(sorted(role.value for role in partner.local_roles))
        raise Unauthorized(f"This token belongs to a connection with our {roles} interfaces")
    set_caller(foreign_caller(caller, state.config))
