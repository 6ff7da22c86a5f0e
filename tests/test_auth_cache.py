"""The authentication cache: fewer store lookups, and no stale token after our own changes."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token, new_token

VERSIONS = "/ocpi/cpo/versions"


class CountingStore(MemoryPartnerStore):
    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def find_by_token(self, *, token_hash: str) -> Partner | None:
        self.lookups += 1
        return super().find_by_token(token_hash=token_hash)


def invite(app: Flask) -> str:
    with app.test_request_context():
        token: str = app.extensions["ocpi"].extension.invite().token
    return token


def registered(store: MemoryPartnerStore) -> str:
    """The token of a REGISTERED partner (the connections the cache is for)."""
    token = new_token()
    store.add(
        partner=Partner(
            id="reg",
            local_party=PartyKey("NL", "ABC"),
            status=PartnerStatus.REGISTERED,
            local_role=Role.CPO,
            version="2.1.1",
            roles=[
                CredentialsRole(
                    role=Role.EMSP, country_code="DE", party_id="XYZ", business_details=BusinessDetails(name="P")
                )
            ],
            outbound_token=new_token(),
            grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
        )
    )
    return token


def status(app: Flask, token: str) -> int:
    return app.test_client().get(VERSIONS, headers={"Authorization": f"Token {token}"}).status_code


def test_repeated_requests_reuse_the_authentication(make_app: Callable[..., Flask]) -> None:
    store = CountingStore()
    app = make_app({"OCPI_AUTH_CACHE_TTL": 5.0}, partners=store)
    token = registered(store)
    assert [status(app, token) for _ in range(5)] == [200] * 5
    assert store.lookups == 1


def test_a_connection_mid_registration_is_never_cached(make_app: Callable[..., Flask]) -> None:
    """Its roles and status change at once when the handshake completes (in any process)."""
    store = CountingStore()
    app = make_app({"OCPI_AUTH_CACHE_TTL": 5.0}, partners=store)
    token = invite(app)  # INVITED: token A
    assert [status(app, token) for _ in range(3)] == [200] * 3
    assert store.lookups == 3


def test_a_change_made_outside_flask_ocpi_shows_after_the_ttl(make_app: Callable[..., Flask]) -> None:
    store = CountingStore()
    app = make_app({"OCPI_AUTH_CACHE_TTL": 0.05}, partners=store)
    token = registered(store)
    assert status(app, token) == 200
    [partner] = store.list()
    store.delete(partner_id=partner.id)  # e.g. another process, or the host directly
    assert status(app, token) == 200  # still within the TTL
    time.sleep(0.06)
    assert status(app, token) == 401


def test_zero_ttl_looks_up_every_request(make_app: Callable[..., Flask]) -> None:
    store = CountingStore()
    app = make_app({"OCPI_AUTH_CACHE_TTL": 0}, partners=store)
    token = registered(store)
    for _ in range(3):
        status(app, token)
    assert store.lookups == 3


def test_flask_ocpi_forgets_cached_tokens_when_it_changes_partners(make_app: Callable[..., Flask]) -> None:
    """Invitations and every registration step clear the cache (see tests/test_registration.py)."""
    store = CountingStore()
    app = make_app({"OCPI_AUTH_CACHE_TTL": 60.0}, partners=store)
    first = registered(store)
    status(app, first)
    invite(app)
    status(app, first)
    assert store.lookups == 2


def test_the_ttl_is_validated(make_app: Callable[..., Flask]) -> None:
    for bad in (-1, "1", True):
        try:
            make_app({"OCPI_AUTH_CACHE_TTL": bad})
        except ConfigError as exc:
            assert str(exc).startswith("OCPI_AUTH_CACHE_TTL")
        else:
            raise AssertionError(f"{bad!r} accepted")
