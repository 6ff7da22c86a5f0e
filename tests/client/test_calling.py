"""Commands sent to a CPO and real-time authorization at an eMSP, over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from example_app.demo import location as demo_location
from example_app.demo import tokens
from flask_ocpi import signals
from flask_ocpi.client import PartnerClient, PartnerNotFound, PartnerUnknownLocation
from flask_ocpi.dates import utcnow
from flask_ocpi.models import (
    AllowedType,
    CommandResponseType,
    CommandResultType,
    LocationReferences,
    StartSession,
    TokenType,
)
from tests.roaming import CPO, EMSP, Side, roaming


@pytest.fixture
def pair() -> Iterator[tuple[Side, Side]]:
    with roaming() as sides:
        yield sides


def test_start_session_is_accepted_and_its_result_arrives(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    cpo.locations.save(location)
    token = tokens(EMSP)[0]
    heard: list[dict[str, object]] = []
    signals.command_result_received.connect(lambda _app, **kw: heard.append(kw), emsp.app, weak=False)
    with emsp.app.app_context():
        client = PartnerClient.connect(emsp.partner())
        sent = client.start_session(token=token, location_id=location.id, evse_uid=location.evses[0].uid)
        assert sent.accepted and sent.response.result is CommandResponseType.ACCEPTED
        result = client.wait_for_result(sent.record.id, timeout=5)
    assert result is not None and result.result is CommandResultType.ACCEPTED
    assert emsp.extras["results"].results[sent.record.id].result is CommandResultType.ACCEPTED
    received = cpo.extras["charge_points"].received[-1]
    assert isinstance(received, StartSession) and received.token.uid == token.uid
    assert received.response_url == sent.record.response_url
    assert received.response_url.startswith(f"{emsp.server.url}/ocpi/emsp/2.1.1/commands/START_SESSION/")
    assert heard and heard[0]["direction"].value == "SENT"  # type: ignore[union-attr]


def test_other_commands_reach_the_cpo(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    cpo.locations.save(location)
    evse = location.evses[0]
    with emsp.app.app_context():
        client = PartnerClient.connect(emsp.partner())
        sent = [
            client.stop_session(session_id="S1"),
            client.unlock_connector(location_id=location.id, evse_uid=evse.uid, connector_id=evse.connectors[0].id),
            client.reserve_now(
                token=tokens(EMSP)[0],
                expiry_date=utcnow() + timedelta(minutes=15),
                reservation_id="42",
                location_id=location.id,
            ),
        ]
        results = [client.wait_for_result(s.record.id, timeout=5) for s in sent]
    assert [type(c).__name__ for c in cpo.extras["charge_points"].received] == [
        "StopSession",
        "UnlockConnector",
        "ReserveNow",
    ]
    assert all(r is not None and r.result is CommandResultType.ACCEPTED for r in results)


def test_an_unknown_location_is_a_typed_error_and_settles_the_command(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    with emsp.app.app_context():
        client = PartnerClient.connect(emsp.partner())
        with pytest.raises(PartnerUnknownLocation) as caught:
            client.start_session(token=tokens(EMSP)[0], location_id="NOWHERE")
    assert caught.value.status_code == 2003
    (body,) = [b for m, p, b in cpo.seen if p.endswith("/commands/START_SESSION")]
    command_id = body["response_url"].rsplit("/", 1)[1]  # type: ignore[index]
    record = emsp.commands.get(command_id=command_id)
    assert record is not None and record.result is not None
    assert record.result.result is CommandResultType.REJECTED  # nothing waits for a result that will not come


def test_commands_are_an_emsp_operation(pair: tuple[Side, Side]) -> None:
    cpo, _ = pair
    with cpo.app.app_context(), pytest.raises(ValueError, match="EMSP operation"):
        PartnerClient.connect(cpo.partner()).stop_session(session_id="S1")


def test_authorize_a_token_at_its_emsp(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    valid, blocked = tokens(EMSP)[0], dataclasses.replace(tokens(EMSP)[1], valid=False)
    emsp.tokens.save_many([valid, blocked])
    where = LocationReferences(location_id="LOC1", evse_uids=["E1"])
    with cpo.app.app_context():
        client = PartnerClient.connect(cpo.partner())
        allowed = client.authorize(valid.uid, location=where)
        refused = client.authorize(blocked.uid, token_type=TokenType.RFID)
        with pytest.raises(PartnerNotFound) as caught:
            client.authorize("UNKNOWN")
    assert allowed.allowed is AllowedType.ALLOWED and allowed.location == where
    assert refused.allowed is AllowedType.BLOCKED
    assert caught.value.http_status == 404
    method, path, body = next(s for s in emsp.seen if s[1].endswith("/authorize"))
    assert (method, path, body) == (
        "POST",
        f"/ocpi/emsp/2.1.1/tokens/{valid.uid}/authorize",
        {
            "location_id": "LOC1",
            "evse_uids": ["E1"],
        },
    )
