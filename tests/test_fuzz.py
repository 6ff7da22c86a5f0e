"""Property-based fuzzing: no request under the OCPI prefix ever yields a 5xx or a non-OCPI body.

Schemathesis generates requests from our own OpenAPI document (``/ocpi/docs/openapi.json``) for
every operation of both role trees, valid ones and invalid ones, and sends them in-process
(WSGI) to an application whose backends are the shipped SQLAlchemy stores on SQLite. Each
tree is called with the token of a partner registered on it; the ``country_code``/``party_id``
of receiver URLs are pinned to that partner's party, valid bodies name the object of their URL,
and some valid requests use the ids of seeded objects, so requests get past the ownership and id
checks into the backends. A second property sends arbitrary methods and paths under the prefix.

Deterministic (``derandomize``, no example database) and bounded: :data:`EXAMPLES` per
operation, valid and invalid ones mixed (about 550 requests, some 30 s). Every answer must be
< 500, ``application/json``, an OCPI envelope, and carry the request-id headers.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from example_app import demo
from flask_ocpi import OCPI
from flask_ocpi.backends.commands import CommandsReceiverBackend, CommandsSenderBackend
from flask_ocpi.models import (
    BusinessDetails,
    CommandRecord,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyCdrs,
    SQLAlchemyCommandStore,
    SQLAlchemyLocations,
    SQLAlchemyPartnerStore,
    SQLAlchemySessions,
    SQLAlchemyTariffs,
    SQLAlchemyTokens,
    create_tables,
)
from flask_ocpi.transport.auth import hash_token

#: Examples per operation: valid ones (generated or seeded ids) and invalid ones, mixed.
#: ``OCPI_FUZZ_EXAMPLES=150 OCPI_FUZZ_RANDOM=1 pytest tests/test_fuzz.py`` runs a longer,
#: randomised campaign by hand; CI runs the bounded, deterministic default.
EXAMPLES = int(os.environ.get("OCPI_FUZZ_EXAMPLES", "15"))
PREFIX = "/ocpi"
DOCS = f"{PREFIX}/docs/"
OURS = PartyKey("NL", "ABC")
EMSP = PartyKey("DE", "MSP")  # an eMSP connected to our CPO tree
CPO = PartyKey("BE", "CPO")  # a CPO connected to our eMSP tree
TOKENS = {Role.CPO: "fuzz-emsp-token-0123456789", Role.EMSP: "fuzz-cpo-token-0123456789"}
ENVELOPE_KEYS = {"data", "status_code", "status_message", "timestamp"}

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("OCPI_FUZZ_RANDOM"),
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


class _ChargePoints(CommandsReceiverBackend):
    """Accepts every command (nothing is ever reported: they stay pending)."""

    def _accept(self, **_: Any) -> CommandResponse:
        return CommandResponse(result=CommandResponseType.ACCEPTED)

    start_session = stop_session = reserve_now = unlock_connector = _accept


class _Results(CommandsSenderBackend):
    def command_result(self, *, partner: Partner, command: CommandRecord, result: CommandResult) -> None:
        """Results of commands we sent are dropped."""


@dataclasses.dataclass
class Fuzzed:
    app: Flask
    engine: Engine
    partners: dict[Role, Partner]
    #: Ids of seeded objects, by path parameter name, per role tree.
    ids: dict[Role, dict[str, str]]


def _partner(tree: Role, key: PartyKey) -> Partner:
    role = Role.EMSP if tree is Role.CPO else Role.CPO
    return Partner(
        id=f"fuzz-{tree.path}",
        local_party=OURS,
        status=PartnerStatus.REGISTERED,
        local_role=tree,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=role,
                country_code=key.country_code,
                party_id=key.party_id,
                business_details=BusinessDetails(name=f"fuzz {role.value}"),
            )
        ],
        outbound_token=f"our-token-for-{tree.path}",
        grants=[TokenGrant(token_hash=hash_token(TOKENS[tree]), scope=TokenScope.FULL)],
    )


def _seed(engine: Engine) -> dict[Role, dict[str, str]]:
    locations, sessions, cdrs = SQLAlchemyLocations(engine), SQLAlchemySessions(engine), SQLAlchemyCdrs(engine)
    tariffs, tokens = SQLAlchemyTariffs(engine), SQLAlchemyTokens(engine)
    ids: dict[Role, dict[str, str]] = {}
    for tree, owner, emsp in ((Role.CPO, OURS, EMSP), (Role.EMSP, CPO, OURS)):
        location = demo.location(owner, 1)
        session, cdr = demo.session_and_cdr(owner, emsp, location, 1)
        locations.save(location)
        sessions.save(session)
        cdrs.save(cdr)
        tariff = demo.tariffs(owner)[0]
        tariffs.save(tariff)
        token_owner = OURS if tree is Role.EMSP else EMSP
        token = demo.tokens(token_owner)[0]
        tokens.save(token)
        evse = location.evses[0]
        ids[tree] = {
            "location_id": location.id,
            "evse_uid": evse.uid,
            "connector_id": evse.connectors[0].id,
            "session_id": session.id,
            "cdr_id": cdr.id,
            "tariff_id": tariff.id,
            "token_uid": token.uid,
        }
    return ids


@cache
def fuzzed() -> Fuzzed:
    """The application under test (built once per test run, also for collecting operations)."""
    directory = Path(tempfile.mkdtemp(prefix="ocpi-fuzz-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)  # built at collection, even if not run
    engine = create_engine(f"sqlite:///{directory / 'fuzz.db'}")
    create_tables(engine)
    app = Flask("fuzzed")
    app.config.update(
        TESTING=False,  # errors must become envelopes, never propagate
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}],
        OCPI_DEFAULT_PAGE_SIZE=10,
        OCPI_MAX_PAGE_SIZE=20,
    )
    locations, tokens = SQLAlchemyLocations(engine), SQLAlchemyTokens(engine)
    OCPI(
        app,
        partners=SQLAlchemyPartnerStore(engine),
        commands=SQLAlchemyCommandStore(engine),
        backends=[
            locations.sender(),
            SQLAlchemySessions(engine).sender(),
            SQLAlchemyCdrs(engine).sender(),
            SQLAlchemyTariffs(engine).sender(),
            tokens.receiver(),
            _ChargePoints(),
            locations.receiver(),
            SQLAlchemySessions(engine).receiver(),
            SQLAlchemyCdrs(engine).receiver(),
            SQLAlchemyTariffs(engine).receiver(),
            tokens.sender(),
            _Results(),
        ],
    )
    partners = {Role.CPO: _partner(Role.CPO, EMSP), Role.EMSP: _partner(Role.EMSP, CPO)}
    with app.app_context():
        for partner in partners.values():
            app.extensions["ocpi"].partners.add(partner=partner)
    return Fuzzed(app=app, engine=engine, partners=partners, ids=_seed(engine))


@cache
def api_schema() -> Any:
    return schemathesis.openapi.from_wsgi(f"{DOCS}openapi.json", fuzzed().app)


def _labels() -> list[str]:
    return sorted(op.ok().label for op in api_schema().get_all_operations())


@pytest.fixture(scope="module", autouse=True)
def _offline() -> Iterator[None]:
    """No network: host names never resolve (the URL policy lets them through, as for any
    unresolvable name) and outbound calls fail at once (registration answers 3001)."""

    def unresolvable(*_: Any, **__: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "offline fuzzing")

    def unreachable(self: requests.Session, method: str, url: str, **_: Any) -> requests.Response:
        raise requests.ConnectionError(f"offline fuzzing: {method} {url}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", unresolvable)
        patch.setattr(requests.Session, "request", unreachable)
        yield
    fuzzed().engine.dispose()


def assert_ocpi_answer(status: int, mimetype: str, body: Any, headers: Any, what: str) -> None:
    """The custom check: < 500, JSON, an OCPI envelope, request ids echoed."""
    assert status < 500, f"{what}: HTTP {status} {body!r}"
    assert mimetype == "application/json", f"{what}: {mimetype} answer"
    assert isinstance(body, dict), f"{what}: body {body!r}"
    assert set(body) <= ENVELOPE_KEYS and {"status_code", "timestamp"} <= set(body), f"{what}: {body!r}"
    assert isinstance(body["status_code"], int) and 1000 <= body["status_code"] < 4000, f"{what}: {body!r}"
    assert isinstance(body.get("status_message", ""), str), f"{what}: {body!r}"
    assert headers.get("x-request-id"), f"{what}: no X-Request-ID"
    if status >= 400:
        assert body["status_code"] >= 2000, f"{what}: an HTTP error with OCPI success: {body!r}"


def _pins(path: str, tree: Role) -> dict[str, str]:
    """``country_code``/``party_id`` of receiver URLs: the calling partner's party."""
    key = EMSP if tree is Role.CPO else CPO
    if "{country_code}" not in path:
        return {}
    return {"country_code": key.country_code, "party_id": key.party_id}


def _seeded(path: str, tree: Role) -> dict[str, str]:
    return {name: value for name, value in fuzzed().ids[tree].items() if f"{{{name}}}" in path}


#: The body field holding the id of the object a URL names by its last segment.
_BODY_ID = {
    "location_id": "id",
    "evse_uid": "uid",
    "connector_id": "id",
    "session_id": "id",
    "tariff_id": "id",
    "token_uid": "uid",
}


def _aligned(case: Any) -> Any:
    """A valid case whose body names the object of its URL (else it is 2001, never stored)."""
    last = case.operation.path.rsplit("{", 1)[-1].rstrip("}/")
    if isinstance(case.body, dict) and last in _BODY_ID and last in case.path_parameters:
        case.body[_BODY_ID[last]] = unquote(str(case.path_parameters[last]))  # as the view will see it
    return case


def _strategy(label: str) -> tuple[Any, Role]:
    """Valid cases (with generated or seeded ids, bodies naming their URL's object) and
    invalid cases, for the operation ``label``; and the role tree it is on."""
    operation = api_schema().find_operation_by_label(label)
    assert operation is not None, label
    tree = Role.CPO if operation.path.startswith(f"{PREFIX}/cpo/") else Role.EMSP
    headers = {"Authorization": f"Token {TOKENS[tree]}"}
    pins = _pins(operation.path, tree)
    seeded = {**pins, **_seeded(operation.path, tree)}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pins or None, headers=headers).map(_aligned),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pins or None, headers=headers),
    ]
    if seeded != pins:
        positive = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=seeded, headers=headers)
        strategies.append(positive.map(_aligned))
    return st.one_of(strategies), tree


@pytest.mark.parametrize("label", _labels())
def test_no_operation_answers_a_5xx_or_a_non_envelope(label: str) -> None:
    env = fuzzed()
    _seed(env.engine)  # the seeded objects again, as earlier operations may have changed them
    strategy, tree = _strategy(label)

    @FUZZ_SETTINGS
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        response = case.call()
        headers = {name.lower(): values[0] for name, values in response.headers.items()}
        mimetype = headers.get("content-type", "").split(";")[0]
        body = response.json() if mimetype == "application/json" else response.text[:200]
        what = f"{case.method} {case.formatted_path} {case.query or ''} {str(case.body)[:300]}"
        assert_ocpi_answer(response.status_code, mimetype, body, headers, what)
        if case.method == "DELETE" and case.path.endswith("/credentials"):  # unregistered: connect again
            with env.app.app_context():
                env.app.extensions["ocpi"].partners.save(partner=env.partners[tree])

    fuzz()


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "QUERY", "BREW"]
_SEGMENTS = st.one_of(
    st.sampled_from(["cpo", "emsp", "2.1.1", "versions", "locations", "tokens", "NL", "ABC", "", "..", "%0A", "docs"]),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#"), max_size=12),
)


@settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=st.sampled_from(_METHODS),
    segments=st.lists(_SEGMENTS, max_size=6),
    tree=st.sampled_from([Role.CPO, Role.EMSP]),
)
def test_any_method_and_path_under_the_prefix_is_an_envelope(method: str, segments: list[str], tree: Role) -> None:
    env = fuzzed()
    path = f"{PREFIX}/" + "/".join(segments)
    if (path.startswith(DOCS) or path == DOCS.rstrip("/")) and method in ("GET", "HEAD", "OPTIONS"):
        return  # the API docs (Swagger UI, openapi.json, the redirect to them) are not envelopes
    client = env.app.test_client()
    response = client.open(path, method=method, headers={"Authorization": f"Token {TOKENS[tree]}"})
    headers = {name.lower(): value for name, value in response.headers.items()}
    if method == "HEAD":
        assert response.status_code < 500 and headers.get("x-request-id"), (path, response.status_code)
        return
    body = response.get_json(silent=True)
    assert_ocpi_answer(response.status_code, response.mimetype or "", body, headers, f"{method} {path!r}")


def test_the_fuzz_covers_both_role_trees_and_every_module() -> None:
    labels = _labels()
    for tree in ("cpo", "emsp"):
        for module in ("credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands"):
            assert any(f" {PREFIX}/{tree}/2.1.1/{module}" in label for label in labels), (tree, module)
    assert len(labels) >= 40
