"""Push after attempts without a definitive answer, and the transactional outbox.

A partner that applied a PATCH and then answered 503 (or timed out) has a state we do not
know: the next attempt must send the whole object, never "nothing changed". A host's
change and the push it queues are committed together (``ocpi.transaction()``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine

from example_app.demo import location as demo_location
from flask_ocpi.dates import utcnow
from flask_ocpi.models import DeliveryStatus, Location, Status
from flask_ocpi.outbound.dispatch import InlineDispatcher
from flask_ocpi.outbound.push import deliver_due
from flask_ocpi.stores.memory import MemoryDeliveryStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyDeliveryStore, SQLAlchemyLocations, create_tables
from tests.roaming import CPO, Side, roaming

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Flaky:
    """WSGI middleware of the partner: the next ``failures`` writes are applied by the app
    and then answered with ``status`` (as a partner crashing after its commit does), or,
    with ``apply=False``, refused without being applied."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.failures = 0
        self.status = "503 Service Unavailable"
        self.body = b"upstream timeout"
        self.apply = True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.failures and environ["REQUEST_METHOD"] in ("PUT", "PATCH") and "/locations/" in environ["PATH_INFO"]:
            self.failures -= 1
            if self.apply:
                b"".join(self.app(environ, lambda *a, **k: None))
            start_response(self.status, [("Content-Type", "application/json")])
            return [self.body]
        return self.app(environ, start_response)


@pytest.fixture
def sides() -> Iterator[tuple[Side, Side, Flaky, MemoryDeliveryStore]]:
    deliveries = MemoryDeliveryStore()
    outbound = {"deliveries": deliveries, "dispatcher": InlineDispatcher()}
    with roaming(cpo_outbound=outbound) as (cpo, emsp):
        flaky = Flaky(emsp.app.wsgi_app)
        emsp.app.wsgi_app = flaky  # type: ignore[method-assign]
        yield cpo, emsp, flaky, deliveries


def _with_status(location: Location, status: Status) -> Location:
    evse = dataclasses.replace(location.evses[0], status=status, last_updated=utcnow())
    return dataclasses.replace(location, evses=[evse, *location.evses[1:]], last_updated=utcnow())


def _retry_now(side: Side, deliveries: MemoryDeliveryStore) -> None:
    with side.app.app_context():
        deliveries.hurry(now=utcnow())
        deliver_due()


def _partner_status(emsp: Side, location: Location) -> Status:
    stored = emsp.locations.get(CPO.country_code, CPO.party_id, location.id)
    assert stored is not None
    return stored.evses[0].status


def test_a_change_applied_then_answered_503_and_reverted_still_reaches_the_partner(
    sides: tuple[Side, Side, Flaky, MemoryDeliveryStore],
) -> None:
    cpo, emsp, flaky, deliveries = sides
    blocked = _with_status(demo_location(CPO, 1), Status.BLOCKED)
    with cpo.app.app_context():
        cpo.ocpi.changed(blocked)
    assert _partner_status(emsp, blocked) is Status.BLOCKED

    available = _with_status(blocked, Status.AVAILABLE)
    flaky.failures = 1
    with cpo.app.app_context():
        cpo.ocpi.changed(available, previous=blocked)  # the partner applies it, then answers 503
    assert _partner_status(emsp, blocked) is Status.AVAILABLE
    (pending,) = deliveries.list()
    assert pending.previous is None  # what the partner has is unknown now

    back = _with_status(available, Status.BLOCKED)
    with cpo.app.app_context():
        cpo.ocpi.changed(back, previous=available)
    _retry_now(cpo, deliveries)
    assert _partner_status(emsp, blocked) is Status.BLOCKED
    assert deliveries.count() == 0
    method, path, body = [s for s in emsp.seen if s[0] in ("PUT", "PATCH")][-1]
    assert method == "PUT" and path.endswith(f"/{blocked.id}") and body["evses"][0]["status"] == "BLOCKED"


def test_a_read_timeout_counts_as_maybe_applied(
    sides: tuple[Side, Side, Flaky, MemoryDeliveryStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    cpo, _emsp, _flaky, deliveries = sides
    location = demo_location(CPO, 2)
    with cpo.app.app_context():
        cpo.ocpi.changed(location)

    def timeout(*_a: Any, **_k: Any) -> Any:
        raise requests.ReadTimeout("read timed out")

    monkeypatch.setattr(requests.Session, "request", timeout)
    with cpo.app.app_context():
        cpo.ocpi.changed(_with_status(location, Status.CHARGING), previous=location)
    (pending,) = deliveries.list()
    assert pending.previous is None and pending.attempts == 1


def test_a_refused_connection_is_definitive_and_keeps_the_previous_state(
    sides: tuple[Side, Side, Flaky, MemoryDeliveryStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    cpo, _emsp, _flaky, deliveries = sides
    location = demo_location(CPO, 3)
    with cpo.app.app_context():
        cpo.ocpi.changed(location)

    def refused(*_a: Any, **_k: Any) -> Any:
        reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
        raise requests.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", refused)
    with cpo.app.app_context():
        cpo.ocpi.changed(_with_status(location, Status.CHARGING), previous=location)
    (pending,) = deliveries.list()
    assert pending.previous is not None and pending.attempts == 1  # nothing left: PATCH still right


def test_a_refusal_after_part_of_a_change_was_applied_forgets_the_previous_state(
    sides: tuple[Side, Side, Flaky, MemoryDeliveryStore],
) -> None:
    cpo, emsp, flaky, deliveries = sides
    location = demo_location(CPO, 4)
    with cpo.app.app_context():
        cpo.ocpi.changed(location)
    changed = dataclasses.replace(_with_status(location, Status.OUTOFORDER), name="Renamed")
    # Two requests: PATCH of the location (applied), then PATCH of the EVSE (refused).
    seen = len(emsp.seen)
    flaky.failures, flaky.apply = 0, False
    original = flaky.__call__

    def second_refused(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if len(emsp.seen) > seen and environ["REQUEST_METHOD"] == "PATCH":
            start_response("200 OK", [("Content-Type", "application/json")])
            body = {"status_code": 2001, "status_message": "no", "timestamp": "2024-01-01T00:00:00Z"}
            return [json.dumps(body).encode()]
        return original(environ, start_response)

    emsp.app.wsgi_app = second_refused  # type: ignore[method-assign]
    with cpo.app.app_context():
        cpo.ocpi.changed(changed, previous=location)
    (kept,) = deliveries.list()
    assert kept.status is DeliveryStatus.FAILED and kept.previous is None
    stored = emsp.locations.get(CPO.country_code, CPO.party_id, location.id)
    assert stored is not None and stored.name == "Renamed" and stored.evses[0].status is not Status.OUTOFORDER


# --- the outbox -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bind", ["engine", "flask_sqlalchemy"])
def test_a_change_and_its_push_commit_together_or_not_at_all(tmp_path: Path, bind: str) -> None:
    url = f"sqlite:///{tmp_path / 'cpo.db'}"
    engine = create_engine(url)
    create_tables(engine)
    db = SQLAlchemy()
    source: Any = engine
    deliveries_bind: Any = engine
    if bind == "flask_sqlalchemy":
        source = deliveries_bind = db
    store = SQLAlchemyDeliveryStore(deliveries_bind)
    outbound = {"deliveries": store, "dispatcher": InlineDispatcher()}
    def setup(cpo: Side, _emsp: Side) -> None:
        if bind == "flask_sqlalchemy":
            db.init_app(cpo.app)

    with roaming(cpo_outbound=outbound, before_serving=setup, SQLALCHEMY_DATABASE_URI=url) as (cpo, emsp):
        locations = SQLAlchemyLocations(source)
        location = demo_location(CPO, 1)
        with cpo.app.app_context():
            with pytest.raises(RuntimeError, match="crash"), cpo.ocpi.transaction():
                locations.save(location)
                cpo.ocpi.changed(location)
                raise RuntimeError("crash between the write and the commit")
            assert locations.get(CPO.country_code, CPO.party_id, location.id) is None
            assert store.count() == 0
            assert emsp.locations.get(CPO.country_code, CPO.party_id, location.id) is None  # never sent

            with cpo.ocpi.transaction():
                locations.save(location)
                cpo.ocpi.changed(location)
                # Not yet: the partner is told only after the commit.
                assert emsp.locations.get(CPO.country_code, CPO.party_id, location.id) is None
            assert locations.get(CPO.country_code, CPO.party_id, location.id) is not None
            assert emsp.locations.get(CPO.country_code, CPO.party_id, location.id) is not None
            assert store.count() == 0
