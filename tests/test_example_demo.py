"""The example app as a demo CPO and eMSP: seeded data, simulated charge points, billing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from example_app import create_app, demo
from example_app.models import Invoice, db
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
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.v2_1_1.schemas.cdrs import dump_cdr
from tests.live import serve

EMSP_TOKEN = "emsp-partner-token-0123456789"  # an eMSP connected to our CPO tree
CPO_TOKEN = "cpo-partner-token-0123456789"  # a CPO connected to our eMSP tree
PARTNER_EMSP = PartyKey("DE", "MSP")  # the demo sessions' and CDRs' eMSP (example_app.seed.DEMO_EMSP)
PARTNER_CPO = PartyKey("BE", "CPO")


def add_partner(app: Flask, partner_id: str, local_role: Role, role: Role, key: PartyKey, token: str) -> None:
    with app.app_context():
        app.extensions["ocpi"].partners.add(
            partner=Partner(
                id=partner_id,
                local_party=PartyKey("NL", "EXA"),
                local_role=local_role,
                status=PartnerStatus.REGISTERED,
                roles=[
                    CredentialsRole(
                        role=role,
                        country_code=key.country_code,
                        party_id=key.party_id,
                        business_details=BusinessDetails(name=partner_id),
                    )
                ],
                outbound_token=f"our-token-for-{partner_id}",
                grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
            )
        )


@dataclass
class Demo:
    app: Flask
    client: FlaskClient

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        return self.client.open(path, method=method, headers={"Authorization": f"Token {token}"}, **kwargs)


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("COMMAND_SWEEPER", "0")
    monkeypatch.setenv("CHARGE_POINT_DELAY", "0.05")
    app = create_app()  # not TESTING: the first start seeds the demo data
    add_partner(app, "emsp", Role.CPO, Role.EMSP, PARTNER_EMSP, EMSP_TOKEN)
    add_partner(app, "cpo", Role.EMSP, Role.CPO, PARTNER_CPO, CPO_TOKEN)
    yield Demo(app, app.test_client())
    with app.app_context():
        db.engine.dispose()


def test_first_start_seeds_cpo_and_emsp_data(demo_app: Demo) -> None:
    locations = demo_app.call("GET", "/ocpi/cpo/2.1.1/locations", EMSP_TOKEN)
    assert locations.status_code == 200 and int(locations.headers["X-Total-Count"]) == 5
    assert {loc["id"] for loc in locations.get_json()["data"]} == {f"LOC{n:06d}" for n in range(1, 6)}
    tariffs = demo_app.call("GET", "/ocpi/cpo/2.1.1/tariffs", EMSP_TOKEN).get_json()["data"]
    assert sorted(t["id"] for t in tariffs) == sorted(demo.TARIFF_IDS)
    sessions = demo_app.call("GET", "/ocpi/cpo/2.1.1/sessions?date_from=2025-01-01T00:00:00Z", EMSP_TOKEN)
    assert [s["id"] for s in sessions.get_json()["data"]] == ["SES000001", "SES000002", "SES000003"]
    cdrs = demo_app.call("GET", "/ocpi/cpo/2.1.1/cdrs", EMSP_TOKEN).get_json()["data"]
    assert [c["id"] for c in cdrs] == ["CDR000001", "CDR000002", "CDR000003"]
    assert cdrs[0]["location"]["evses"][0]["uid"] == "NLEXA-000001-1"
    # Our tokens, seen by a CPO connected to our eMSP tree.
    tokens = demo_app.call("GET", "/ocpi/emsp/2.1.1/tokens", CPO_TOKEN).get_json()["data"]
    assert len(tokens) == 5 and [t["valid"] for t in tokens] == [True, True, True, True, False]


def test_seed_command_adds_generated_locations(demo_app: Demo) -> None:
    result = demo_app.app.test_cli_runner().invoke(args=["seed", "--locations", "7"])
    assert result.exit_code == 0, result.output
    assert "LOC000006..LOC000012" in result.output
    page = demo_app.call("GET", "/ocpi/cpo/2.1.1/locations?limit=1", EMSP_TOKEN)
    assert page.headers["X-Total-Count"] == "12"


@pytest.fixture
def response_urls() -> Iterator[tuple[str, list[Any], threading.Event]]:
    """An eMSP stand-in recording what arrives at its response URLs."""
    received: list[Any] = []
    arrived = threading.Event()
    peer = Flask("response-urls")

    @peer.post("/results/<command_id>")
    def result(command_id: str) -> Any:
        received.append((command_id, request.get_json(), request.headers.get("Authorization")))
        arrived.set()
        return {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}

    with serve(peer) as server:
        yield server.url, received, arrived


def start_session(location_id: str, response_url: str) -> dict[str, Any]:
    token = demo.tokens(PARTNER_EMSP)[0]
    return {
        "response_url": response_url,
        "location_id": location_id,
        "token": {
            "uid": token.uid,
            "type": "RFID",
            "auth_id": token.contract_id,
            "issuer": token.issuer,
            "valid": True,
            "whitelist": "ALLOWED",
            "last_updated": "2026-01-01T00:00:00Z",
        },
    }


def test_simulated_charge_points_accept_then_report_the_result(
    demo_app: Demo, response_urls: tuple[str, list[Any], threading.Event]
) -> None:
    base, received, arrived = response_urls
    answer = demo_app.call(
        "POST",
        "/ocpi/cpo/2.1.1/commands/START_SESSION",
        EMSP_TOKEN,
        json=start_session("LOC000001", f"{base}/results/a"),
    )
    assert answer.get_json()["data"] == {"result": "ACCEPTED"}
    assert arrived.wait(10), "the simulated charge point never reported"
    assert received == [("a", {"result": "ACCEPTED"}, "Token our-token-for-emsp")]


def test_simulated_charge_points_reject_unknown_locations(
    demo_app: Demo, response_urls: tuple[str, list[Any], threading.Event]
) -> None:
    base, received, _ = response_urls
    answer = demo_app.call(
        "POST", "/ocpi/cpo/2.1.1/commands/START_SESSION", EMSP_TOKEN, json=start_session("NOPE", f"{base}/results/b")
    ).get_json()
    assert answer["status_code"] == 2003 and answer["data"] == {"result": "REJECTED"}
    assert received == []


def test_billing_records_the_cost_of_each_cdr_received(demo_app: Demo) -> None:
    cpo_location = demo.location(PARTNER_CPO, 1)
    _, cdr = demo.session_and_cdr(PARTNER_CPO, PartyKey("NL", "EXA"), cpo_location, 7)
    cdr.location = demo.location(PARTNER_CPO, 1)
    cdr.location.evses = cdr.location.evses[:1]
    cdr.location.evses[0].connectors = cdr.location.evses[0].connectors[:1]
    body = json.loads(json.dumps(dump_cdr(cdr), default=float))
    posted = demo_app.call("POST", "/ocpi/emsp/2.1.1/cdrs", CPO_TOKEN, json=body)
    assert posted.status_code == 201, posted.get_json()
    again = demo_app.call("POST", "/ocpi/emsp/2.1.1/cdrs", CPO_TOKEN, json=body)
    assert again.status_code == 200  # not billed twice
    with demo_app.app.app_context():
        invoices = db.session.execute(db.select(Invoice)).scalars().all()
    assert [(i.cdr_id, i.cpo, i.amount, i.currency) for i in invoices] == [
        ("CDR000007", "BE-CPO", cdr.total_cost.excl_vat, "EUR")
    ]


def test_simulated_charge_points_answer_unknown_session_to_a_stop_of_a_session_they_do_not_know(
    demo_app: Demo, response_urls: tuple[str, list[Any], threading.Event]
) -> None:
    base, received, _ = response_urls
    body = {"response_url": f"{base}/results/c", "session_id": "NO-SUCH-SESSION"}
    answer = demo_app.call("POST", "/ocpi/cpo/2.1.1/commands/STOP_SESSION", EMSP_TOKEN, json=body).get_json()
    assert answer["status_code"] == 1000 and answer["data"] == {"result": "UNKNOWN_SESSION"}
    assert received == []  # nothing follows: the answer was final
