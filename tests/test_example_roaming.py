"""Two example-app instances roam end to end over real HTTP, each a separate ``flask run``.

Company AAA's eMSP registers with company BBB's CPO, pulls its data (``flask ocpi sync``),
and receives what the CPO pushes when it changes: an EVSE status, a session started by
AAA's START_SESSION (whose result AAA receives), the CPO asking AAA in real time whether
a token may charge, and the CDR of the stopped session, which AAA's billing turns into an
invoice line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_example_app import Instance, start

pytestmark = pytest.mark.interop


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    emsp = start(tmp_path, "AAA")
    try:
        cpo = start(tmp_path, "BBB", CHARGE_POINT_DELAY="0.3")
    except Exception:
        emsp.process.kill()
        raise
    try:
        yield emsp, cpo
    finally:
        for instance in (emsp, cpo):
            instance.process.terminate()
            instance.process.wait(timeout=10)


def _rows(instance: Instance, *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in instance.flask("example", *args).splitlines() if line.strip()]


def _eventually(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_two_example_apps_roam_end_to_end(pair: tuple[Instance, Instance]) -> None:
    emsp, cpo = pair
    invite = json.loads(cpo.cli("invite", "--json"))
    emsp.cli("register", invite["versions_urls"]["cpo"], invite["token"], "--role", "emsp", "--name", "bbb")
    cpo_partner = next(p for p in cpo.partners() if p["local_role"] == "CPO")["id"]

    # The eMSP pulls the CPO's data.
    synced = emsp.cli("sync", "bbb")
    assert "locations" in synced and "5 stored" in synced and "tariffs" in synced
    locations = {row["id"]: row for row in _rows(emsp, "show", "locations", "--party", "NL-BBB")}
    assert sorted(locations) == [f"LOC{n:06d}" for n in range(1, 6)]
    evse = next(uid for uid, status in locations["LOC000002"]["evses"].items() if status == "AVAILABLE")

    # The CPO's charge point reports a status: the eMSP receives the change by itself.
    cpo.flask("example", "set-status", "LOC000002", evse, "OUTOFORDER")

    def evse_status() -> bool:
        rows = {r["id"]: r for r in _rows(emsp, "show", "locations", "--party", "NL-BBB")}
        return rows["LOC000002"]["evses"][evse] == "OUTOFORDER"

    _eventually(evse_status, "the pushed EVSE status")

    # The eMSP's driver starts charging with a command; the CPO's result comes back.
    started = emsp.flask("example", "start-session", "bbb", "LOC000001", "--wait", "20")
    assert "result: ACCEPTED" in started, started
    session = _eventually(
        lambda: [r for r in _rows(emsp, "show", "sessions", "--party", "NL-BBB") if r["status"] == "ACTIVE"],
        "the pushed session",
    )[0]

    # A driver of the eMSP swipes a card at the CPO: the CPO asks the eMSP in real time.
    assert emsp_tokens_allowed(cpo, cpo_partner) == ("ALLOWED", "BLOCKED")

    # The driver stops: the session completes and its CDR reaches the eMSP's billing.
    stopped = emsp.flask("example", "stop-session", "bbb", session["id"], "--wait", "20")
    assert "result: ACCEPTED" in stopped, stopped
    invoices = _eventually(lambda: _rows(emsp, "invoices"), "the invoice of the CDR")
    assert [i["cdr_id"] for i in invoices] == [f"CDR-{session['id']}"]
    assert invoices[0]["cpo"] == "NL-BBB" and float(invoices[0]["amount"]) > 0
    _eventually(
        lambda: any(
            r["id"] == session["id"] and r["status"] == "COMPLETED"
            for r in _rows(emsp, "show", "sessions", "--party", "NL-BBB")
        ),
        "the completed session",
    )
    assert "0 deliveries" in cpo.cli("deliveries")  # everything reached the eMSP


def emsp_tokens_allowed(cpo: Instance, partner: str) -> tuple[str, str]:
    """The CPO authorizes the eMSP's first (valid) and fifth (blocked) demo token."""
    allowed = cpo.flask("example", "authorize", partner, "04A1B2C3D40001").strip()
    blocked = cpo.flask("example", "authorize", partner, "04A1B2C3D40005").strip()
    return allowed, blocked
