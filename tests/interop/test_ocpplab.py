"""Interop with ocpplab-ocpi-211-sdk (PyPI), a generated OCPI 2.1.1 client (httpx + pydantic).

The SDK runs in its own virtualenv (``.peers/ocpplab``) as an eMSP: the driver
(``peers/ocpplab/driver.py``) reads our CPO's versions and version details with token A,
registers through ``credentials.post_credentials``, then reads every page of our locations and
one location, EVSE and connector with token C, checking each parsed object against the SDK's
2.1.1 types. The driver runs once per module; each test checks one outcome against our side.
See docs/interop.md, "ocpplab-ocpi-211-sdk".
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from example_app.demo import location as demo_location
from flask_ocpi import OCPI
from flask_ocpi.models import (
    AdditionalGeoLocation,
    BusinessDetails,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorType,
    DisplayText,
    EnergyMix,
    EnergySource,
    EnergySourceCategory,
    ExceptionalPeriod,
    Facility,
    GeoLocation,
    Hours,
    Image,
    ImageCategory,
    Location,
    ParkingRestriction,
    ParkingType,
    Partner,
    PartnerStatus,
    PartyKey,
    PowerType,
    Role,
    Status,
    StatusSchedule,
)
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.v2_1_1.schemas.locations import dump_connector, dump_evse, dump_location
from tests.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
PEER = "ocpplab"
PEER_PYTHON = ROOT / ".peers" / PEER / "bin" / "python"
DRIVER = Path(__file__).resolve().parent / "peers" / PEER / "driver.py"
US = PartyKey("NL", "FOC")
THEM = PartyKey("DE", "OLB")
COUNT, PAGE = 23, 10


def _rich(number: int) -> Location:
    """A location using every 2.1.1 field, plus 2.2-only values our 2.1.1 dump must leave out."""
    base = demo_location(US, number)
    when = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    logo = Image(url="https://example.com/logo.png", category=ImageCategory.OPERATOR, type="png", width=64, height=64)
    evse = replace(
        base.evses[0],
        status=Status.AVAILABLE,
        status_schedule=[StatusSchedule(period_begin=when, period_end=when.replace(hour=9), status=Status.INOPERATIVE)],
        capabilities=[Capability.RESERVABLE, Capability.CHIP_CARD_SUPPORT],  # the second is 2.2 only
        coordinates=GeoLocation(latitude="52.370216", longitude="4.895168"),
        directions=[DisplayText(language="en", text="Left of the entrance")],
        parking_restrictions=[ParkingRestriction.EV_ONLY],
        images=[Image(url="https://example.com/evse.jpg", category=ImageCategory.CHARGER, type="jpeg")],
        connectors=[
            replace(base.evses[0].connectors[0], tariff_ids=["AC-1", "AC-2"], max_electric_power=22000),
            Connector(  # GB/T and AC_2_PHASE do not exist in 2.1.1: this connector is not sent
                id="9",
                standard=ConnectorType.GBT_AC,
                format=ConnectorFormat.SOCKET,
                power_type=PowerType.AC_2_PHASE,
                max_voltage=230,
                max_amperage=16,
                last_updated=base.last_updated,
            ),
        ],
    )
    return replace(
        base,
        id=f"RICH{number:02d}",
        type=None,
        parking_type=ParkingType.UNDERGROUND_GARAGE,
        state="Noord-Holland",
        related_locations=[
            AdditionalGeoLocation(
                latitude="52.371000", longitude="4.896000", name=DisplayText(language="nl", text="Ingang")
            )
        ],
        evses=[evse, *base.evses[1:]],
        directions=[DisplayText(language="en", text="Level -2")],
        operator=BusinessDetails(name="Operator", website="https://example.com", logo=logo),
        suboperator=BusinessDetails(name="Sub"),
        owner=BusinessDetails(name="Owner"),
        facilities=[Facility.MALL, Facility.BIKE_SHARING],  # BIKE_SHARING is 2.2 only
        opening_times=Hours(
            exceptional_openings=[ExceptionalPeriod(period_begin=when, period_end=when.replace(hour=20))],
            exceptional_closings=[ExceptionalPeriod(period_begin=when.replace(day=2), period_end=when.replace(day=3))],
            twentyfourseven=True,
        ),
        charging_when_closed=False,
        images=[Image(url="https://example.com/site.jpg", category=ImageCategory.LOCATION, type="jpeg")],
        energy_mix=EnergyMix(
            is_green_energy=False,
            energy_sources=[
                EnergySource(source=EnergySourceCategory.SOLAR, percentage=Decimal("60")),
                EnergySource(source=EnergySourceCategory.GAS, percentage=Decimal("40")),
            ],
            supplier_name="Supplier",
            energy_product_name="Mix",
        ),
    )


def _locations() -> list[Location]:
    """23 locations of ours, the 2nd and the 15th rich ones (so two pages carry one)."""
    return [_rich(n) if n in (2, 15) else demo_location(US, n) for n in range(1, COUNT + 1)]


@dataclass
class Run:
    """One driver run: its report, stderr, and our side's state afterwards."""

    report: dict[str, Any]
    stderr: str
    partners: list[Partner]
    served: list[Location]
    token_a: str
    versions_url: str

    def step(self, name: str) -> dict[str, Any]:
        step: dict[str, Any] = self.report["steps"].get(name, {})
        return step

    def why(self) -> str:
        """Context for a failure message: the report's steps and the driver's stderr."""
        steps = json.dumps(self.report.get("steps"), indent=1, default=str)[:6000]
        return f"\n--- driver report steps ---\n{steps}\n--- driver stderr ---\n{self.stderr[-4000:]}"


@contextmanager
def _cpo(store: MemoryLocations) -> Iterator[tuple[Flask, OCPI]]:
    """Our CPO (party NL-FOC) serving ``store``'s locations in pages of 10, on 127.0.0.1."""
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = Flask("flask-ocpi-cpo")
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": US.country_code, "party_id": US.party_id, "business_details": {"name": "FOC"}}],
        OCPI_ROLES=["CPO"],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,  # the SDK's eMSP is served over plain HTTP on 127.0.0.1
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
        OCPI_OUTBOUND_TIMEOUT=5.0,
        OCPI_MAX_PAGE_SIZE=PAGE,
        OCPI_DEFAULT_PAGE_SIZE=PAGE,
    )
    ocpi = OCPI(app, partners=MemoryPartnerStore(), backends=[store.sender()])
    holder["app"] = app
    server.start()
    try:
        yield app, ocpi
    finally:
        server.stop()


@pytest.fixture(scope="module")
def run() -> Run:
    if not PEER_PYTHON.exists():
        pytest.fail(
            f"The {PEER} peer virtualenv is missing ({PEER_PYTHON}): run `python tests/interop/install_peers.py`",
            pytrace=False,
        )
    store = MemoryLocations()
    store.save_many(_locations())
    with _cpo(store) as (app, ocpi):
        with app.app_context():
            invitation = ocpi.invite(name="ocpplab")
        versions_url = invitation.versions_urls["cpo"]
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
            "--limit",
            str(PAGE),
            "--location-id",
            "RICH15",
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=25, check=False)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"ocpplab driver timed out; stderr:\n{exc.stderr!r}", pytrace=False)
        try:
            report = json.loads(done.stdout)
        except ValueError:
            pytest.fail(
                f"ocpplab driver exited {done.returncode} without a JSON report\n"
                f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-4000:]}",
                pytrace=False,
            )
        with app.app_context():
            partners = ocpi.partners()
    return Run(report, done.stderr, partners, list(store.page(owners=[US]).items), invitation.token, versions_url)


def _ok(run: Run, name: str) -> dict[str, Any]:
    step = run.step(name)
    assert step and "error" not in step, f"step {name} failed" + run.why()
    assert step.get("strict", []) == [], f"the SDK's 2.1.1 types flag our {name} output" + run.why()
    return step


def test_sdk_reads_versions_and_details_with_token_a(run: Run) -> None:
    root = run.versions_url.removesuffix("/versions")
    versions = _ok(run, "versions")
    assert versions["status"] == 200 and versions["parsed"]["status_code"] == 1000, run.why()
    assert versions["parsed"]["data"] == [{"version": "2.1.1", "url": f"{root}/2.1.1"}], run.why()
    details = _ok(run, "details")["parsed"]["data"]
    assert details["version"] == "2.1.1", run.why()
    # Endpoint URLs end with "/", as in the spec's examples (the driver strips it for the SDK's base_url).
    assert {e["identifier"]: e["url"] for e in details["endpoints"]} == {
        "credentials": f"{root}/2.1.1/credentials/",
        "locations": f"{root}/2.1.1/locations/",
    }, run.why()


def test_sdk_registers_as_emsp(run: Run) -> None:
    answer = _ok(run, "register")["parsed"]
    assert answer["status_code"] == 1000, run.why()
    ours = answer["data"]
    assert (ours["country_code"], ours["party_id"], ours["url"]) == ("NL", "FOC", run.versions_url), run.why()
    assert len(run.partners) == 1, run.why()
    partner = run.partners[0]
    assert partner.status is PartnerStatus.REGISTERED, run.why()
    assert partner.local_role is Role.CPO and partner.version == "2.1.1", run.why()
    assert [(r.role, r.key, r.business_details.name) for r in partner.roles] == [(Role.EMSP, THEM, "ocpplab eMSP")], (
        run.why()
    )
    peer = run.report["peer_versions_url"]
    assert partner.versions_url == peer, run.why()
    peer_base = peer.removesuffix("/versions")
    assert {(e.identifier, e.url) for e in partner.endpoints} == {
        ("credentials", f"{peer_base}/2.1.1/credentials"),
        ("locations", f"{peer_base}/2.1.1/locations"),
    }, run.why()
    assert partner.outbound_token == run.report["token_b"], run.why()
    assert [g.token_hash for g in partner.grants] == [hash_token(ours["token"])], run.why()
    # We read the SDK party's versions and details back with token B, sent raw (2.1.1).
    received = [(r["path"], r["authorization"]) for r in run.step("register")["peer_received"]]
    token_b = run.report["token_b"]
    assert received == [("/ocpi/emsp/versions", f"Token {token_b}"), ("/ocpi/emsp/2.1.1", f"Token {token_b}")]


def test_token_a_stops_working_after_registration(run: Run) -> None:
    step = run.step("token_a_after")
    assert step.get("error") == "UnauthorizedError: HTTP 401", run.why()
    assert step["error_body"]["status_code"] == 2000, run.why()


def test_sdk_pages_through_our_locations(run: Run) -> None:
    pages = _ok(run, "locations")["pages"]
    assert len(pages) == 3, run.why()
    assert [(p["offset"], p["limit"]) for p in pages] == [(0, PAGE), (PAGE, PAGE), (2 * PAGE, PAGE)], run.why()
    assert [len(p["ids"]) for p in pages] == [PAGE, PAGE, COUNT - 2 * PAGE], run.why()
    assert all(p["status"] == 200 and p["status_code"] == 1000 for p in pages), run.why()
    assert all(p["x_total_count"] == str(COUNT) and p["x_limit"] == str(PAGE) for p in pages), run.why()
    assert pages[-1]["link"] is None, run.why()
    assert all(p["strict"] == [] for p in pages), run.why()
    ids = [i for p in pages for i in p["ids"]]
    assert ids == [loc.id for loc in run.served], run.why()
    parsed = [loc for p in pages for loc in p["parsed"]]
    assert parsed == [dump_location(loc) for loc in run.served], run.why()


def test_rich_location_reaches_the_sdk_as_2_1_1(run: Run) -> None:
    """Everything 2.1.1 can say arrives; the 2.2-only values do not reach the SDK."""
    pages = run.step("locations").get("pages", [])
    rich = next((loc for p in pages for loc in p["parsed"] if loc["id"] == "RICH02"), None)
    assert rich is not None, run.why()
    assert rich["type"] == "UNDERGROUND_GARAGE" and rich["facilities"] == ["MALL"], run.why()
    assert "parking_type" not in rich and "state" not in rich and "publish" not in rich, run.why()
    evse = rich["evses"][0]
    assert evse["capabilities"] == ["RESERVABLE"], run.why()
    assert [c["id"] for c in evse["connectors"]] == ["1"], run.why()  # the GB/T connector is left out
    assert evse["connectors"][0]["tariff_id"] == "AC-1", run.why()
    assert rich["energy_mix"]["energy_sources"][0] == {"source": "SOLAR", "percentage": 60}, run.why()
    assert rich["opening_times"]["twentyfourseven"] is True, run.why()


def test_sdk_reads_single_location_evse_and_connector(run: Run) -> None:
    ids = run.report.get("single_ids")
    assert ids == {"location": "RICH15", "evse": "NLFOC-000015-1", "connector": "1"}, run.why()
    served = next(loc for loc in run.served if loc.id == ids["location"])
    evse = next(e for e in served.evses if e.uid == ids["evse"])
    connector = next(c for c in evse.connectors if c.id == ids["connector"])
    for name in ("location", "evse", "connector"):
        step = _ok(run, name)
        assert step["status"] == 200 and step["status_code"] == 1000, run.why()
    assert run.step("location")["parsed"] == dump_location(served), run.why()
    assert run.step("evse")["parsed"] == dump_evse(evse), run.why()
    assert run.step("connector")["parsed"] == dump_connector(connector), run.why()
