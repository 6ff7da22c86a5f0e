"""Push on change: stored deliveries, coalescing, PATCH from the previous state, retries,
giving up, and a partner down while we push (across a restart of our app)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from example_app.demo import location as demo_location
from example_app.demo import session_and_cdr, tariffs, tokens
from flask_ocpi import signals
from flask_ocpi.dates import utcnow
from flask_ocpi.models import DeliveryOperation, DeliveryStatus, Location, ModuleID, PartyKey, Status
from flask_ocpi.outbound.dispatch import InlineDispatcher, StoreOnlyDispatcher, ThreadDispatcher
from flask_ocpi.outbound.push import audience, deliver_due, encode
from flask_ocpi.stores.memory import MemoryDeliveryStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, SQLAlchemyPartnerStore, create_tables
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.live import LiveServer
from tests.roaming import CPO, EMSP, Side, cpo_side, roaming


def _writes(side: Side) -> list[tuple[str, str, Any]]:
    return [s for s in side.seen if s[0] in ("PUT", "PATCH", "POST", "DELETE") and "/credentials" not in s[1]]


def _charging(location: Location, minutes: int = 1) -> Location:
    moved = location.last_updated + timedelta(minutes=minutes)  # the EVSE's and its location's
    evse = dataclasses.replace(location.evses[0], status=Status.CHARGING, last_updated=moved)
    return dataclasses.replace(location, evses=[evse, *location.evses[1:]], last_updated=moved)


@pytest.fixture
def inline() -> Iterator[tuple[Side, Side]]:
    outbound = {"deliveries": MemoryDeliveryStore(), "dispatcher": InlineDispatcher()}
    with roaming(cpo_outbound=outbound, emsp_outbound=dict(outbound, deliveries=MemoryDeliveryStore())) as sides:
        yield sides


def test_a_changed_location_reaches_the_emsp_and_a_change_is_a_patch(inline: tuple[Side, Side]) -> None:
    cpo, emsp = inline
    location = demo_location(CPO, 1)
    with cpo.app.app_context():
        (delivery,) = cpo.ocpi.changed(location)
        assert delivery.partner_id == cpo.partner().id
        cpo.ocpi.changed(_charging(location), previous=location)
        assert cpo.ocpi.changed(demo_location(PartyKey("BE", "OTH"), 1)) == []  # not our party on this connection
    stored = emsp.locations.get("NL", "CPO", location.id)
    assert stored is not None and stored.evses[0].status is Status.CHARGING
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in _writes(emsp)] == [
        ("PUT", location.id),
        ("PATCH", location.evses[0].uid),
    ]


def test_sessions_and_cdrs_go_only_to_the_eMSP_of_their_token(inline: tuple[Side, Side]) -> None:
    cpo, emsp = inline
    location = demo_location(CPO, 1)
    cpo.locations.save(location)
    session, cdr = session_and_cdr(CPO, EMSP, location, 1)
    stranger, _ = session_and_cdr(CPO, PartyKey("FR", "OTH"), location, 2)
    billed: list[Any] = []
    signals.cdr_received.connect(lambda _app, **kw: billed.append(kw["cdr"].id), emsp.app, weak=False)
    with cpo.app.app_context():
        assert audience(stranger) == []
        assert cpo.ocpi.changed(stranger) == []
        cpo.ocpi.changed(dataclasses.replace(session, location=None))
        cpo.ocpi.changed(cdr)
    assert emsp.sessions.get("NL", "CPO", session.id) is not None
    assert emsp.sessions.get("NL", "CPO", stranger.id) is None
    assert billed == [cdr.id]


def test_tariff_deletion_and_tokens_from_the_emsp(inline: tuple[Side, Side]) -> None:
    cpo, emsp = inline
    tariff = tariffs(CPO)[0]
    with cpo.app.app_context():
        cpo.ocpi.changed(tariff)
        assert emsp.tariffs.get("NL", "CPO", tariff.id) is not None
        cpo.ocpi.deleted(tariff)
        with pytest.raises(TypeError, match="Only tariffs"):
            cpo.ocpi.deleted(demo_location(CPO, 1))  # type: ignore[arg-type]
    assert emsp.tariffs.get("NL", "CPO", tariff.id) is None
    token = tokens(EMSP)[0]
    with emsp.app.app_context():
        emsp.ocpi.changed(token)
        emsp.ocpi.changed(dataclasses.replace(token, valid=False), previous=token)
    stored = cpo.tokens.get("DE", "MSP", token.uid)
    assert stored is not None and stored.valid is False
    assert _writes(cpo)[-1][0] == "PATCH"


def test_the_thread_dispatcher_delivers_outside_the_caller() -> None:
    dispatcher = ThreadDispatcher(interval=0.05)
    outbound = {"deliveries": MemoryDeliveryStore(), "dispatcher": dispatcher}
    try:
        with roaming(cpo_outbound=outbound) as (cpo, emsp):
            location = demo_location(CPO, 1)
            with cpo.app.app_context():
                cpo.ocpi.changed(location)
            deadline = time.monotonic() + 5
            while emsp.locations.get("NL", "CPO", location.id) is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert emsp.locations.get("NL", "CPO", location.id) is not None
            assert outbound["deliveries"].count() == 0  # type: ignore[attr-defined]
    finally:
        dispatcher.stop()


def _engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'cpo.db'}")
    create_tables(engine)
    return engine


def test_a_partner_down_gets_the_latest_state_after_our_restart(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    outbound = {
        "partners": SQLAlchemyPartnerStore(engine),
        "deliveries": SQLAlchemyDeliveryStore(engine),
        "dispatcher": InlineDispatcher(),
    }
    with roaming(cpo_outbound=outbound, OCPI_PUSH_RETRY_DELAY=0.0) as (cpo, emsp):
        port = emsp.server.port
        emsp.server.stop()  # the partner goes down
        v1 = demo_location(CPO, 1)
        v2, v3 = _charging(v1, 1), dataclasses.replace(_charging(v1, 2), name="Renamed")
        with cpo.app.app_context():
            cpo.ocpi.changed(v1)
            cpo.ocpi.changed(v2, previous=v1)
            cpo.ocpi.changed(v3, previous=v2)
        store = SQLAlchemyDeliveryStore(engine)
        (pending,) = store.list()
        assert (pending.revision, pending.attempts, pending.status) == (3, 1, DeliveryStatus.PENDING)  # per payload
        assert pending.last_error and "failed" in pending.last_error
        seen_before = len(_writes(emsp))

        # Our app restarts: a new application on the same database; the partner comes back.
        restarted = cpo_side(
            {"partners": SQLAlchemyPartnerStore(engine), "deliveries": store, "dispatcher": InlineDispatcher()},
            OCPI_PUSH_RETRY_DELAY=0.0,
        )
        back = LiveServer(emsp.app, port=port).start()
        try:
            with restarted.app.app_context():
                assert deliver_due() == 1
        finally:
            back.stop()
    sent = _writes(emsp)[seen_before:]
    assert [m for m, _, _ in sent] == ["PUT"]  # only the latest state, whole (the partner never had it)
    assert sent[0][2] == dump_location(v3)
    stored = emsp.locations.get("NL", "CPO", v1.id)
    assert stored is not None and stored.name == "Renamed" and stored.evses[0].status is Status.CHARGING
    assert store.count() == 0


def test_failures_are_retried_with_backoff_then_recorded_for_an_operator(tmp_path: Path) -> None:
    failed: list[Any] = []
    outbound = {"deliveries": MemoryDeliveryStore(), "dispatcher": InlineDispatcher()}
    with roaming(cpo_outbound=outbound, OCPI_PUSH_RETRY_DELAY=0.0, OCPI_PUSH_MAX_ATTEMPTS=3) as (cpo, emsp):
        signals.delivery_failed.connect(lambda _app, **kw: failed.append(kw), cpo.app, weak=False)
        emsp.server.stop()
        store: MemoryDeliveryStore = outbound["deliveries"]  # type: ignore[assignment]
        with cpo.app.app_context():
            cpo.ocpi.changed(demo_location(CPO, 1))  # attempt 1
            assert store.list()[0].attempts == 1
            deliver_due()  # attempt 2
            deliver_due()  # attempt 3: given up
            assert deliver_due() == 0
        (kept,) = store.list()
        assert kept.status is DeliveryStatus.FAILED and kept.attempts == 3
        assert len(failed) == 1 and failed[0]["delivery"].id == kept.id and "after 3 attempts" in failed[0]["error"]
        runner = cpo.app.test_cli_runner()
        listed = runner.invoke(args=["ocpi", "deliveries", "--failed"])
        assert kept.id in listed.output and "FAILED" in listed.output
        retried = runner.invoke(args=["ocpi", "retry-delivery", kept.id])
        assert retried.exit_code == 0, retried.output
        assert store.list()[0].status is DeliveryStatus.PENDING


def test_backoff_doubles_up_to_its_cap() -> None:
    outbound = {"deliveries": MemoryDeliveryStore(), "dispatcher": InlineDispatcher()}
    config = {"OCPI_PUSH_RETRY_DELAY": 0.05, "OCPI_PUSH_MAX_RETRY_DELAY": 0.08}
    with roaming(cpo_outbound=outbound, **config) as (cpo, emsp):
        emsp.server.stop()
        store: MemoryDeliveryStore = outbound["deliveries"]  # type: ignore[assignment]
        with cpo.app.app_context():
            for attempt, delay in ((1, 0.05), (2, 0.08), (3, 0.08)):
                before = utcnow()
                if attempt == 1:
                    cpo.ocpi.changed(demo_location(CPO, 1))
                else:
                    while not deliver_due():  # wait until it is due again
                        time.sleep(0.01)
                after = utcnow()
                (row,) = store.list()
                assert row.attempts == attempt
                step = timedelta(seconds=delay)
                assert before + step <= row.next_attempt <= after + step


def test_a_process_exiting_sends_what_it_queued_first() -> None:
    """The ThreadDispatcher's exit pass (registered with atexit): a CLI command's change leaves with it."""
    dispatcher = ThreadDispatcher(interval=60)  # it would not look again for a minute
    deliveries = MemoryDeliveryStore()
    with roaming(cpo_outbound={"deliveries": deliveries, "dispatcher": dispatcher}) as (cpo, emsp):
        location = demo_location(CPO, 1)
        dispatcher.start(cpo.app)
        time.sleep(0.05)  # the thread now waits for its interval
        with cpo.app.app_context():
            deliveries.enqueue(
                partner_id=cpo.partner().id,
                module=ModuleID.LOCATIONS,
                object_key=f"NL/CPO/{location.id}",
                operation=DeliveryOperation.PUT,
                payload=encode(location),
                previous=None,
                now=utcnow(),
            )
        dispatcher.stop(drain=True)
        assert emsp.locations.get("NL", "CPO", location.id) is not None
        assert deliveries.count() == 0


def test_store_only_leaves_delivery_to_a_worker_process() -> None:
    deliveries = MemoryDeliveryStore()
    with roaming(cpo_outbound={"deliveries": deliveries, "dispatcher": StoreOnlyDispatcher()}) as (cpo, emsp):
        location = demo_location(CPO, 1)
        with cpo.app.app_context():
            cpo.ocpi.changed(location)
        assert deliveries.count() == 1 and emsp.locations.get("NL", "CPO", location.id) is None
        result = cpo.app.test_cli_runner().invoke(args=["ocpi", "deliver"])  # the worker's pass
        assert result.exit_code == 0 and "Attempted 1 deliveries" in result.output
        assert emsp.locations.get("NL", "CPO", location.id) is not None and deliveries.count() == 0


def test_an_operator_sends_waiting_retries_now_once_the_partner_is_back() -> None:
    deliveries = MemoryDeliveryStore()
    outbound = {"deliveries": deliveries, "dispatcher": InlineDispatcher()}
    with roaming(cpo_outbound=outbound, OCPI_PUSH_RETRY_DELAY=600.0) as (cpo, emsp):
        port = emsp.server.port
        emsp.server.stop()
        location = demo_location(CPO, 1)
        with cpo.app.app_context():
            cpo.ocpi.changed(location)  # fails: next try in 10 minutes
        back = LiveServer(emsp.app, port=port).start()
        try:
            runner = cpo.app.test_cli_runner()
            assert "Attempted 0 deliveries" in runner.invoke(args=["ocpi", "deliver"]).output
            result = runner.invoke(args=["ocpi", "deliver", "--now", "--partner", cpo.partner().id])
        finally:
            back.stop()
    assert result.exit_code == 0, result.output
    assert "1 waiting deliveries made due now" in result.output and "Attempted 1 deliveries" in result.output
    assert emsp.locations.get("NL", "CPO", location.id) is not None and deliveries.count() == 0


def test_delivery_commands_explain_what_is_missing(make_app: Any) -> None:
    runner = make_app().test_cli_runner()  # no delivery store
    for args in (["deliveries"], ["retry-delivery", "x"], ["deliver"], ["deliver", "--now"]):
        result = runner.invoke(args=["ocpi", *args])
        assert result.exit_code == 1 and "No delivery store" in result.output, (args, result.output)
    with roaming(cpo_outbound={"deliveries": MemoryDeliveryStore(), "dispatcher": StoreOnlyDispatcher()}) as (cpo, _):
        runner = cpo.app.test_cli_runner()
        unknown = runner.invoke(args=["ocpi", "retry-delivery", "nope"])
        assert unknown.exit_code == 1 and "No failed delivery nope" in unknown.output
        nobody = runner.invoke(args=["ocpi", "deliveries", "--partner", "nobody"])
        assert nobody.exit_code == 1 and "No partner matches 'nobody'" in nobody.output
        with cpo.app.app_context():
            cpo.ocpi.changed(demo_location(CPO, 1))
        by_name = runner.invoke(args=["ocpi", "deliveries", "--partner", "emsp", "--json"])
        assert by_name.exit_code == 0 and json.loads(by_name.output)[0]["sent_as"] == "PUT"


def test_a_partner_row_claiming_our_own_party_never_gets_its_sessions(inline: tuple[Side, Side]) -> None:
    """Defence in depth: a connection stored with one of *our* parties (an older release, a
    host's mistake) is not the eMSP of sessions charged with that party's tokens."""
    from flask_ocpi.models import Endpoint, InterfaceRole
    from tests.backends.objects import partner

    cpo, _emsp = inline
    sessions = Endpoint(identifier="sessions", url="http://127.0.0.1:9/sessions/", role=InterfaceRole.RECEIVER)
    forged = partner(CPO, CPO, partner_id="forged", endpoints=[sessions], outbound_token="t")
    with cpo.app.app_context():
        cpo.app.extensions["ocpi"].partners.add(partner=forged)
        session, _cdr = session_and_cdr(CPO, CPO, demo_location(CPO, 1), 1)  # charged with our own token
        assert [p.id for p in audience(session)] == []
