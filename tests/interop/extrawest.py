"""Shared parts of the extrawest-ocpi interop tests (``test_extrawest_*.py``).

extrawest-ocpi (PyPI ``extrawest-ocpi``, module ``py_ocpi``) is a FastAPI OCPI library. It runs
in its own virtualenv (``.peers/extrawest``) as ``peers/extrawest/server.py``: the package's
application for OCPI 2.1.1, one process as CPO (party DE-XWC) and one as eMSP (DE-XWE), with
in-memory host code seeded with a few objects and a control API (``/_control/...``). The
``extrawest_cpo`` and ``extrawest_emsp`` fixtures (tests/interop/conftest.py) run them once for
the whole package. Each test serves a fresh Flask-OCPI party NL-ABC (:func:`our_party`: both
roles, memory stores) on 127.0.0.1 and drives the peer through its control API. Deviations of
the peer from OCPI 2.1.1 and how Flask-OCPI handles them: docs/interop.md, "extrawest-ocpi".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.backends.commands import CommandsSenderBackend
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.models import (
    CommandRecord,
    CommandResult,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    Token,
    TokenType,
    WhitelistType,
)
from flask_ocpi.stores.memory import (
    MemoryCdrs,
    MemoryCommandStore,
    MemoryLocations,
    MemoryPartnerStore,
    MemorySessions,
    MemoryTariffs,
    MemoryTokens,
)
from tests.interop.conftest import PeerProcess, running_peer
from tests.live import LiveServer

SCRIPT = Path(__file__).resolve().parent / "peers" / "extrawest" / "server.py"
#: py_ocpi base64-decodes every token at its /versions endpoint and answers 3000 unless the
#: decoding fails with a UnicodeDecodeError: a token A that survives ("////" decodes to 0xFF bytes).
TOKEN_A = "////" + "0123456789abcdef" * 2
#: A token A the package's /versions endpoint cannot take (not valid base64).
PLAIN_TOKEN_A = "extrawest-token-a"
US = PartyKey("NL", "ABC")
PEER_CPO = PartyKey("DE", "XWC")
PEER_EMSP = PartyKey("DE", "XWE")


# ----------------------------------------------------------------------------- the peer


@contextmanager
def extrawest_peer(role: str) -> Iterator[PeerProcess]:
    """extrawest-ocpi as ``role`` ("CPO" or "EMSP") until the block ends."""
    with running_peer("extrawest", SCRIPT, "--role", role, "--token-a", TOKEN_A, "--token-a", PLAIN_TOKEN_A) as peer:
        yield peer


def seeded(peer: PeerProcess, module: str) -> dict[str, dict[str, Any]]:
    """The peer's own objects of ``module``, by id (uid for tokens)."""
    return {o.get("id", o.get("uid")): o for o in peer.call("GET", "/_control/state")["own"][module]}


def peer_requests(peer: PeerProcess, method: str, fragment: str, *, since: int = 0) -> list[dict[str, Any]]:
    """The OCPI requests the peer received (``method``, ``url``, ``status``, ``token``) whose
    URL contains ``fragment``, from the ``since``-th one on (see :func:`request_count`)."""
    received = peer.call("GET", "/_control/state")["requests"][since:]
    return [r for r in received if r["method"] == method and fragment in r["url"]]


def request_count(peer: PeerProcess) -> int:
    """How many OCPI requests the peer received so far (it serves every test of the package)."""
    return len(peer.call("GET", "/_control/state")["requests"])


def peer_partners(peer: PeerProcess, versions_url: str) -> list[dict[str, Any]]:
    """The partners the peer keeps for the party at ``versions_url``."""
    return [p for p in peer.call("GET", "/_control/state")["partners"] if p["versions_url"] == versions_url]


# ----------------------------------------------------------------------------- our side


@dataclass
class Exchange:
    """One request our party answered."""

    method: str
    path: str
    status: str
    body: Any


class Wire:
    """WSGI middleware around our app: records every exchange (the body of each answer as JSON)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            start(status, headers, exc_info)
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        self.exchanges.append(Exchange(environ["REQUEST_METHOD"], environ["PATH_INFO"], captured["status"], body))
        return [raw]

    def find(self, method: str, fragment: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and fragment in e.path]

    def dump(self) -> str:
        return "\n".join(f"{e.method} {e.path} -> {e.status} {json.dumps(e.body)[:500]}" for e in self.exchanges)


class CommandResults(CommandsSenderBackend):
    """Our eMSP's commands sender backend: records the results CPOs report."""

    def __init__(self) -> None:
        self.results: list[tuple[str, CommandResult]] = []

    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        self.results.append((command.id, result))


@dataclass
class Stores:
    """The memory stores behind our party's backends."""

    locations: MemoryLocations = field(default_factory=MemoryLocations)  # received (eMSP)
    sessions: MemorySessions = field(default_factory=MemorySessions)
    cdrs: MemoryCdrs = field(default_factory=MemoryCdrs)
    tariffs: MemoryTariffs = field(default_factory=MemoryTariffs)
    tokens: MemoryTokens = field(default_factory=MemoryTokens)  # received (CPO)
    own_locations: MemoryLocations = field(default_factory=MemoryLocations)  # ours (CPO)
    results: CommandResults = field(default_factory=CommandResults)

    def backends(self) -> list[Any]:
        return [
            self.locations.receiver(),
            self.sessions.receiver(),
            self.cdrs.receiver(),
            self.tariffs.receiver(),
            self.tokens.receiver(),
            self.own_locations.sender(),
            self.results,
        ]


@dataclass
class Us(Stores):
    """Our Flask-OCPI party NL-ABC (both roles), served on 127.0.0.1 with memory stores."""

    app: Flask = field(default_factory=lambda: Flask("flask-ocpi-party"))
    server: LiveServer | None = None
    wire: Wire | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    @property
    def ocpi(self) -> OCPI:
        extension: OCPI = self.app.extensions["ocpi"].extension
        return extension

    def versions_url(self, role: Role) -> str:
        return f"{self.url}/ocpi/{role.path}/versions"

    def exchanges(self) -> Wire:
        assert self.wire is not None
        return self.wire

    def registered(self) -> Partner:
        with self.app.app_context():
            found = [p for p in self.ocpi.partners() if p.status is PartnerStatus.REGISTERED]
        assert len(found) == 1, found
        return found[0]

    @contextmanager
    def client(self) -> Iterator[PartnerClient]:
        with self.app.app_context():
            yield PartnerClient.connect(self.registered().id)


@contextmanager
def our_party() -> Iterator[Us]:
    """A fresh Flask-OCPI party NL-ABC, served (behind a recording :class:`Wire`) during the block."""
    us = Us()
    us.wire = Wire(us.app)
    us.server = LiveServer(us.wire)
    us.app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Flask-OCPI"}}],
        OCPI_BASE_URL=us.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,  # the peer listens on plain HTTP on 127.0.0.1
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_OUTBOUND_TIMEOUT=5.0,
    )
    OCPI(us.app, partners=MemoryPartnerStore(), backends=us.backends(), commands=MemoryCommandStore())
    us.server.start()
    try:
        yield us
    finally:
        us.server.stop()


def we_register(us: Us, peer: PeerProcess, role: Role, token: str = TOKEN_A) -> Partner:
    """We register our ``role`` tree with the peer (the peer's credentials POST handler)."""
    with us.app.app_context():
        return us.ocpi.register(f"{peer.url}/ocpi/versions", token, role=role)


def peer_registers(us: Us, peer: PeerProcess, role: Role) -> dict[str, Any]:
    """The peer registers with our ``role`` tree, given an invitation (token A)."""
    with us.app.app_context():
        invitation = us.ocpi.invite()
    answer: dict[str, Any] = peer.call(
        "POST", "/_control/register", json={"versions_url": us.versions_url(role), "token": invitation.token}
    )
    assert answer["ok"], f"{answer}\n{us.exchanges().dump()}"
    return answer


def peer_pushes(us: Us, peer: PeerProcess, module: str, object_id: str) -> dict[str, Any]:
    """The peer pushes one of its objects to us with its own push code; its receiver response."""
    answer = peer.call(
        "POST", f"/_control/push/{module}", json={"object_id": object_id, "versions_url": us.versions_url(Role.EMSP)}
    )
    assert answer["ok"], answer
    responses: list[dict[str, Any]] = answer["receiver_responses"]
    assert len(responses) == 1, answer
    return responses[0]


def our_token() -> Token:
    """The token our eMSP starts sessions with."""
    return Token(
        country_code="NL",
        party_id="ABC",
        uid="AABB0011",
        type=TokenType.RFID,
        contract_id="NL-ABC-C00001",
        issuer="Flask-OCPI",
        valid=True,
        whitelist=WhitelistType.ALLOWED,
        last_updated=datetime(2025, 1, 1, tzinfo=UTC),
    )


def wait_for(probe: Callable[[], list[Any]], timeout: float = 5.0) -> list[Any]:
    """Poll ``probe`` until it returns a non-empty list (the peer answers in a background task)."""
    deadline = time.monotonic() + timeout
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def messages(records: Iterable[Any]) -> list[str]:
    """The messages of captured log records (``caplog.records``)."""
    return [record.getMessage() for record in records]
