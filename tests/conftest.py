"""Shared pytest configuration of the Flask-OCPI test suite.

Fixtures of one area live next to its tests (e.g. ``tests/backends/conftest.py``).

Shared here: ``make_app`` (a factory of host applications with Flask-OCPI on them),
``app`` and ``client`` (the default one), ``partners`` (its memory store),
``registration_token`` (token A from an invitation), ``full_token`` (a partner
REGISTERED on our CPO tree) and ``auth`` (``auth(token)`` -> request headers).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi import OCPI
from flask_ocpi.backends.base import ModuleBackend
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

#: The one party of the default test application.
PARTIES: list[dict[str, Any]] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app() -> AppFactory:
    """``make_app(config=None, *, partners=None, backends=())``: a host app with Flask-OCPI.

    ``config`` is merged over ``TESTING=True`` and the default ``OCPI_PARTIES``.
    """

    def factory(
        config: dict[str, Any] | None = None,
        *,
        partners: MemoryPartnerStore | None = None,
        backends: Iterable[ModuleBackend] = (),
    ) -> Flask:
        app = Flask("host")
        app.config["TESTING"] = True
        app.config["OCPI_PARTIES"] = [dict(p) for p in PARTIES]
        # Test peers listen on plain HTTP on 127.0.0.1 (tests/test_urlpolicy.py covers the defaults).
        app.config["OCPI_OUTBOUND_ALLOW_HTTP"] = True
        app.config["OCPI_OUTBOUND_ALLOW_LOOPBACK"] = True
        app.config.update(config or {})
        OCPI(app, partners=partners if partners is not None else MemoryPartnerStore(), backends=backends)
        return app

    return factory


@pytest.fixture
def partners() -> MemoryPartnerStore:
    """The partner store of the default ``app``."""
    return MemoryPartnerStore()


@pytest.fixture
def app(make_app: AppFactory, partners: MemoryPartnerStore) -> Flask:
    """The default host application: one party NL-ABC, both roles, memory store."""
    return make_app(partners=partners)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ocpi(app: Flask) -> OCPI:
    """The extension object of the default ``app``."""
    extension: OCPI = app.extensions["ocpi"].extension
    return extension


@pytest.fixture
def invitation(app: Flask, ocpi: OCPI) -> Any:
    """An :class:`~flask_ocpi.Invitation` (token A) on the default ``app``."""
    with app.test_request_context():
        return ocpi.invite(name="invited")


@pytest.fixture
def registration_token(invitation: Any) -> str:
    """A registration token (token A)."""
    token: str = invitation.token
    return token


@pytest.fixture
def full_token(partners: MemoryPartnerStore) -> str:
    """The FULL-scope token of a partner (DE-XYZ, an eMSP) REGISTERED on our CPO tree."""
    token = new_token()
    partners.add(
        partner=Partner(
            id=f"full-{uuid.uuid4().hex[:8]}",
            local_party=PartyKey("NL", "ABC"),
            status=PartnerStatus.REGISTERED,
            local_role=Role.CPO,
            name="registered",
            version="2.1.1",
            roles=[
                CredentialsRole(
                    role=Role.EMSP,
                    country_code="DE",
                    party_id="XYZ",
                    business_details=BusinessDetails(name="Partner"),
                )
            ],
            outbound_token=new_token(),
            grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
        )
    )
    return token


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``auth(token)``: the ``Authorization`` header carrying ``token``."""
    return _auth
