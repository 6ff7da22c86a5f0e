"""Interop with python-ocpi (PyPI ``python-ocpi``), a Flask/flask-restx OCPI 2.2 library.

python-ocpi runs in its own virtualenv (``.peers/python_ocpi``) as a CPO: the driver
(``peers/python_ocpi/driver.py``) serves python-ocpi's blueprint for our discovery, registers
with our eMSP tree through python-ocpi's ``_sendRegisterResponse`` and pushes locations through
its ``sendToModule``. The driver runs once per module; each test checks one outcome on our side
against the driver's JSON report. See docs/interop.md, "python-ocpi".
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.models import Partner, PartnerStatus, PartyKey, Role
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
PEER = "python_ocpi"
PEER_PYTHON = ROOT / ".peers" / PEER / "bin" / "python"
DRIVER = Path(__file__).resolve().parent / "peers" / PEER / "driver.py"
THEM = PartyKey("DE", "PYO")
PUSHED = 3


@dataclass
class Run:
    """One driver run: its report, stderr, our side's state afterwards and what it logged."""

    report: dict[str, Any]
    stderr: str
    partners: list[Partner]
    store: MemoryLocations
    token_a: str
    versions_url: str
    logged: list[str]

    def step(self, name: str) -> dict[str, Any]:
        step: dict[str, Any] = self.report["steps"][name]
        return step

    def why(self) -> str:
        """Context for a failure message: the report's steps and the driver's stderr."""
        steps = json.dumps(self.report.get("steps"), indent=1, default=str)[:6000]
        return f"\n--- driver report steps ---\n{steps}\n--- driver stderr ---\n{self.stderr[-4000:]}"


@contextmanager
def _emsp(store: MemoryLocations) -> Iterator[tuple[Flask, OCPI, LiveServer]]:
    """Our eMSP (party NL-FOC) with a locations receiver, served on 127.0.0.1."""
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask("flask-ocpi-emsp")
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "FOC", "business_details": {"name": "Flask-OCPI"}}],
        OCPI_ROLES=["EMSP"],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,  # python-ocpi is served over plain HTTP on 127.0.0.1
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_OUTBOUND_TIMEOUT=5.0,
    )
    ocpi = OCPI(app, partners=MemoryPartnerStore(), backends=[store.receiver()])
    holder["app"] = app
    server.start()
    try:
        yield app, ocpi, server
    finally:
        server.stop()


def _drive(*extra: str) -> Run:
    """Serve our eMSP, invite python-ocpi, run the driver with ``extra`` options."""
    if not PEER_PYTHON.exists():
        pytest.fail(
            f"The {PEER} peer virtualenv is missing ({PEER_PYTHON}): run `python tests/interop/install_peers.py`",
            pytrace=False,
        )
    store = MemoryLocations()
    with _emsp(store) as (app, ocpi, _server):
        with app.app_context():
            invitation = ocpi.invite(name="python-ocpi")
        versions_url = invitation.versions_urls["emsp"]
        command = [
            str(PEER_PYTHON),
            str(DRIVER),
            "--versions-url",
            versions_url,
            "--token-a",
            invitation.token,
            "--country-code",
            THEM.country_code,
            "--party-id",
            THEM.party_id,
            "--locations",
            str(PUSHED),
            *extra,
        ]
        with _logged() as logged:
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
            except subprocess.TimeoutExpired as exc:
                pytest.fail(f"python-ocpi driver timed out; stderr:\n{exc.stderr!r}", pytrace=False)
        try:
            report = json.loads(done.stdout)
        except ValueError:
            pytest.fail(
                f"python-ocpi driver exited {done.returncode} without a JSON report\n"
                f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-4000:]}",
                pytrace=False,
            )
        with app.app_context():
            partners = ocpi.partners()
    return Run(report, done.stderr, partners, store, invitation.token, versions_url, logged)


@contextmanager
def _logged() -> Iterator[list[str]]:
    """The messages Flask-OCPI logs (INFO and up) during the block."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger, handler = logging.getLogger("flask_ocpi"), Collect(logging.INFO)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture(scope="module")
def run() -> Run:
    """The whole scenario, python-ocpi's details also mounted at /2.1.1."""
    return _drive()


def _only_call(run: Run, step: str) -> dict[str, Any]:
    calls = run.step(step)["calls"]
    assert len(calls) == 1, run.why()
    call: dict[str, Any] = calls[0]
    return call


def test_python_ocpi_sends_2_2_credentials_and_we_answer_2001(run: Run) -> None:
    """Its own credentials body is the 2.2 one: we name the missing 2.1.1 fields, register nothing."""
    call = _only_call(run, "register_as_is")
    assert call["method"] == "POST" and call["url"] == f"{run.report['our_base']}/2.1.1/credentials", run.why()
    assert set(call["body"]) == {"token", "url", "roles"}, run.why()
    # It Base64-encodes token A (the 2.2 rule); we accepted it: no 401, an OCPI answer.
    header = call["headers"]["Authorization"]
    assert header == "Token " + base64.b64encode(run.token_a.encode()).decode(), run.why()
    assert call["status"] == 200, run.why()
    assert call["response"]["status_code"] == 2001, run.why()
    for field in ("business_details", "party_id", "country_code"):
        assert field in call["response"]["status_message"], run.why()
    assert "data" not in call["response"], run.why()
    # python-ocpi ignores the OCPI status code and then trips over the missing data.
    assert run.step("register_as_is")["error"] == "KeyError: 'data'", run.why()
    assert run.step("register_as_is")["peer_received"] == [], run.why()  # refused before any discovery


def test_python_ocpi_registers_with_211_credentials(run: Run) -> None:
    """The rejected attempt left token A usable; the 2.1.1-shaped one registers python-ocpi."""
    call = _only_call(run, "register_adapted")
    assert call["status"] == 200 and call["response"]["status_code"] == 1000, run.why()
    ours = call["response"]["data"]
    assert ours["party_id"] == "FOC" and ours["country_code"] == "NL", run.why()
    assert ours["url"] == run.versions_url, run.why()
    token_c = run.report["token_c"]
    assert token_c == ours["token"], run.why()

    assert len(run.partners) == 1, run.why()
    partner = run.partners[0]
    assert partner.status is PartnerStatus.REGISTERED, run.why()
    assert partner.local_role is Role.EMSP and partner.version == "2.1.1", run.why()
    assert [(r.role, r.key, r.business_details.name) for r in partner.roles] == [(Role.CPO, THEM, "python-ocpi CPO")], (
        run.why()
    )
    peer_versions = run.report["peer_versions_url"]
    assert partner.versions_url == peer_versions, run.why()
    peer_base = peer_versions.removesuffix("/versions")
    assert {(e.identifier, e.url) for e in partner.endpoints} == {
        ("credentials", f"{peer_base}/2.1.1/credentials"),
        ("locations", f"{peer_base}/2.1.1/locations"),
    }, run.why()
    assert partner.outbound_token == run.report["token_b"], run.why()
    assert [g.token_hash for g in partner.grants] == [hash_token(token_c)], run.why()
    # We discovered python-ocpi with token B, sent raw (2.1.1), despite its wrapped versions list.
    received = [(r["method"], r["path"], r["authorization"]) for r in run.step("register_adapted")["peer_received"]]
    assert received == [
        ("GET", "/ocpi/versions", f"Token {run.report['token_b']}"),
        ("GET", "/ocpi/2.1.1", f"Token {run.report['token_b']}"),
    ], run.why()


def test_python_ocpi_reads_version_details_without_a_token_and_gets_401(run: Run) -> None:
    call = _only_call(run, "endpoints")
    assert call["method"] == "GET" and "Authorization" not in call["headers"], run.why()
    assert call["status"] == 401 and call["response"]["status_code"] == 2000, run.why()
    assert run.step("endpoints")["result"] == [], run.why()  # python-ocpi logs and carries on with none


def test_python_ocpi_pushes_locations_into_our_receiver(run: Run) -> None:
    """python-ocpi PUTs to ``{endpoint url}/{country_code}/{party_id}/{id}``: our endpoint URL ends
    with ``/`` (as in the spec's examples), so the path has ``//``, which we serve as ``/`` (logged)."""
    calls = run.step("push")["calls"]
    pushed = run.report["pushed"]
    assert [c["method"] for c in calls] == ["PUT"] * PUSHED, run.why()
    locations = f"{run.report['our_base']}/2.1.1/locations/"
    assert [c["url"] for c in calls] == [f"{locations}/DE/PYO/{p['id']}" for p in pushed], run.why()
    for p in pushed:
        assert f"Tolerating doubled slashes in PUT /ocpi/emsp/2.1.1/locations//DE/PYO/{p['id']}" in run.logged
    assert [c["status"] for c in calls] == [201] * PUSHED, run.why()
    assert all(c["response"]["status_code"] == 1000 for c in calls), run.why()
    encoded = "Token " + base64.b64encode(run.report["token_c"].encode()).decode()
    assert all(c["headers"]["Authorization"] == encoded for c in calls), run.why()  # Base64 again: accepted
    stored = run.store.page(owners=[THEM]).items
    assert [loc.id for loc in stored] == [p["id"] for p in pushed], run.why()
    for location, sent in zip(stored, pushed, strict=True):
        expected = {k: v for k, v in sent.items() if k not in ("country_code", "party_id")}
        assert dump_location(location) == expected, run.why()
        assert (location.country_code, location.party_id) == (THEM.country_code, THEM.party_id)


def test_python_ocpi_own_location_model_is_rejected_with_2001(run: Run) -> None:
    """Its 2.2 ``Location`` model drops ``type``, ``voltage``, ``amperage``: we refuse, store nothing."""
    call = _only_call(run, "push_marshalled")
    assert call["url"] == f"{run.report['our_base']}/2.1.1/locations//DE/PYO/PYMARSHAL", run.why()
    assert "type" not in call["body"] and "voltage" not in call["body"]["evses"][0]["connectors"][0], run.why()
    assert call["status"] == 200 and call["response"]["status_code"] == 2001, run.why()
    message = call["response"]["status_message"]
    for field in ("type", "evses.0.connectors.0.voltage", "evses.0.connectors.0.amperage"):
        assert f"{field}: Missing data for required field." in message, run.why()
    assert run.store.get("DE", "PYO", "PYMARSHAL") is None
    assert "error" not in run.step("push_marshalled"), run.why()  # python-ocpi doesn't notice the 2001


def test_python_ocpi_as_shipped_cannot_be_discovered_and_we_answer_3001() -> None:
    """Configured for 2.1.1, python-ocpi lists details at /2.1.1 but serves them at /2.2 only."""
    run = _drive("--no-details-alias")
    call = _only_call(run, "register_adapted")
    assert call["status"] == 200 and call["response"]["status_code"] == 3001, run.why()
    assert "Could not read version details" in call["response"]["status_message"], run.why()
    received = [(r["method"], r["path"]) for r in run.step("register_adapted")["peer_received"]]
    assert received == [("GET", "/ocpi/versions"), ("GET", "/ocpi/2.1.1")], run.why()
    # Nothing half-registered: the partner is still only invited, with its token A.
    assert [(p.status, p.local_role, p.endpoints) for p in run.partners] == [(PartnerStatus.INVITED, None, [])]
    assert [g.token_hash for g in run.partners[0].grants] == [hash_token(run.token_a)], run.why()
    assert "token_c" in run.report and run.report["token_c"] is None, run.why()
