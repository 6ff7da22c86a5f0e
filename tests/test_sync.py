"""Synchronisation: pulling a partner's lists into our receiver backends, incrementally."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from example_app.demo import location as demo_location
from example_app.demo import session_and_cdr, tariffs, tokens
from flask_ocpi import signals
from flask_ocpi.dates import utcnow
from flask_ocpi.models import ModuleID, PartyKey
from flask_ocpi.outbound.sync import sync
from flask_ocpi.stores.memory import MemorySyncStore
from flask_ocpi.v2_1_1 import client as wire
from tests.roaming import CPO, EMSP, Side, roaming


@pytest.fixture
def pair() -> Iterator[tuple[Side, Side]]:
    with roaming(
        cpo_outbound={"sync": MemorySyncStore()}, emsp_outbound={"sync": MemorySyncStore()}, OCPI_SYNC_OVERLAP=0
    ) as sides:
        yield sides


def _seed(cpo: Side, count: int = 3) -> None:
    locations = [demo_location(CPO, n) for n in range(1, count + 1)]
    cpo.locations.save_many(locations)
    cpo.tariffs.save_many(tariffs(CPO))
    for n, location in enumerate(locations, start=1):
        session, cdr = session_and_cdr(CPO, EMSP, location, n)
        cpo.sessions.save(session)
        cpo.cdrs.save(cdr)


def test_first_sync_pulls_everything_into_the_receivers(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    _seed(cpo)
    heard: list[dict[str, Any]] = []
    signals.pull_finished.connect(lambda _app, **kw: heard.append(kw), emsp.app, weak=False)
    with emsp.app.app_context():
        results = emsp.ocpi.sync(emsp.partner().id)
    assert [(r.module, r.stored, r.skipped, r.ok) for r in results] == [
        (ModuleID.LOCATIONS, 3, 0, True),
        (ModuleID.TARIFFS, len(tariffs(CPO)), 0, True),
        (ModuleID.SESSIONS, 3, 0, True),
        (ModuleID.CDRS, 3, 0, True),
    ]
    assert emsp.locations.count() == 3 and emsp.sessions.count() == 3 and emsp.cdrs.count() == 3
    assert [r.date_from for r in results if r.date_from is not None] == [datetime(1970, 1, 1, tzinfo=UTC)]  # sessions
    assert [h["module"] for h in heard] == [r.module for r in results] and heard[0]["result"] is results[0]


def test_later_syncs_ask_only_for_changes_since_the_last_one(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    _seed(cpo)
    with emsp.app.app_context():
        first = sync(emsp.partner(), modules=["locations"])
        moved = dataclasses.replace(demo_location(CPO, 2), name="Moved", last_updated=utcnow() + timedelta(seconds=1))
        cpo.locations.save(moved)
        (second,) = sync(emsp.partner(), modules=[ModuleID.LOCATIONS])
    assert second.date_from == first[0].date_to  # OCPI_SYNC_OVERLAP = 0 here
    assert second.stored == 1
    stored = emsp.locations.get("NL", "CPO", moved.id)
    assert stored is not None and stored.name == "Moved"
    pulls = [p for m, p, _ in cpo.seen if m == "GET" and p.rstrip("/").endswith("/locations")]
    assert len(pulls) == 2


def test_the_overlap_window_reaches_back(pair: tuple[Side, Side]) -> None:
    _, emsp = pair
    emsp.app.extensions["ocpi"].config = dataclasses.replace(emsp.app.extensions["ocpi"].config, sync_overlap=600.0)
    with emsp.app.app_context():
        (first,) = sync(emsp.partner(), modules=["tariffs"])
        (second,) = sync(emsp.partner(), modules=["tariffs"])
        (full,) = sync(emsp.partner(), modules=["tariffs"], full=True)
    assert second.date_from == first.date_to - timedelta(seconds=600)
    assert full.date_from is None


def test_a_cpo_syncs_the_emsps_tokens(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    emsp.tokens.save_many(tokens(EMSP))
    with cpo.app.app_context():
        (result,) = cpo.ocpi.sync(cpo.partner())
    assert (result.module, result.stored) == (ModuleID.TOKENS, len(tokens(EMSP)))
    assert cpo.tokens.count() == len(tokens(EMSP))


def test_a_partner_down_stops_the_pull_and_keeps_the_mark(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    with emsp.app.app_context():
        (first,) = sync(emsp.partner(), modules=["locations"])
        cpo.server.stop()
        (failed,) = sync(emsp.partner(), modules=["locations"])
        assert not failed.ok and "failed" in (failed.error or "")
        store = emsp.app.extensions["ocpi"].sync
        assert store.get(partner_id=emsp.partner().id, module=ModuleID.LOCATIONS) == first.date_to
        result = emsp.app.test_cli_runner().invoke(args=["ocpi", "sync", emsp.partner().id, "--module", "locations"])
    assert result.exit_code == 1 and "stopped" in result.output


def test_cli_sync_and_refusals(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    _seed(cpo, 2)
    runner = emsp.app.test_cli_runner()
    ok = runner.invoke(args=["ocpi", "sync", emsp.partner().id])
    assert ok.exit_code == 0, ok.output
    assert "locations" in ok.output and "2 stored" in ok.output
    wrong = runner.invoke(args=["ocpi", "sync", emsp.partner().id, "--module", "tokens"])
    assert wrong.exit_code == 1 and "Cannot sync tokens" in wrong.output
    unknown = runner.invoke(args=["ocpi", "sync", "nobody"])
    assert unknown.exit_code == 1 and "No partner" in unknown.output


def test_cdrs_a_pull_stores_for_the_first_time_are_billed_once(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    _seed(cpo, 2)
    billed: list[str] = []
    signals.cdr_received.connect(lambda _app, **kw: billed.append(kw["cdr"].id), emsp.app, weak=False)
    with emsp.app.app_context():
        sync(emsp.partner(), modules=["cdrs"])
        sync(emsp.partner(), modules=["cdrs"], full=True)  # the same CDRs again: not billed twice
    assert sorted(billed) == ["CDR000001", "CDR000002"]


# --- pulled objects land only in the partner's own namespaces ------------------------------------


def test_a_pull_never_stores_objects_in_one_of_our_own_parties(
    pair: tuple[Side, Side], caplog: pytest.LogCaptureFixture
) -> None:
    """A partner row claiming our own party (an older release, a host's write): 2.1.1 objects
    are owned by the row's first party, ours here, and none of them is stored."""
    cpo, emsp = pair
    _seed(cpo, 3)
    store = emsp.app.extensions["ocpi"].partners
    row = emsp.partner()
    store.save(
        partner=dataclasses.replace(
            row, roles=[dataclasses.replace(row.roles[0], party_id=EMSP.party_id, country_code=EMSP.country_code)]
        )
    )
    with emsp.app.app_context(), caplog.at_level(logging.WARNING, logger="flask_ocpi"):
        (result,) = sync(emsp.partner(), modules=["locations"])
    assert (result.ok, result.stored, result.skipped) == (True, 0, 3)
    assert emsp.locations.count() == 0
    warnings = [r.getMessage() for r in caplog.records if "skipped its objects" in r.getMessage()]
    assert warnings == [
        f"Sync of locations from partner {row.id}: skipped its objects of {EMSP}, one of our own parties"
    ]


def test_a_pull_skips_objects_of_a_party_the_partner_did_not_register(
    pair: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo, emsp = pair
    _seed(cpo, 3)
    load = wire.LOADERS[ModuleID.LOCATIONS]
    stranger = PartyKey("FR", "OTH")

    def some_elsewhere(data: Any, partner: Any) -> Any:
        location = load(data, partner)
        if location.id.endswith("2"):
            return dataclasses.replace(location, country_code=stranger.country_code, party_id=stranger.party_id)
        return location

    monkeypatch.setitem(wire.LOADERS, ModuleID.LOCATIONS, some_elsewhere)
    with emsp.app.app_context():
        (result,) = sync(emsp.partner(), modules=["locations"])
    assert (result.stored, result.skipped) == (2, 1)
    assert emsp.locations.count(owners=[stranger]) == 0 and emsp.locations.count(owners=[CPO]) == 2
