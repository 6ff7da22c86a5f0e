"""The contract of the sessions stores (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.sessions import SessionsReceiverBackend, SessionsSenderBackend
from flask_ocpi.models import AuthMethod, CdrDimensionType, Price, SessionStatus
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemorySessions
from flask_ocpi.stores.modules import SessionsStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemySessions

from .conftest import ObjectBackend
from .objects import CPO, CPO2, EMSP, EMSP2, T0, cdr_token, charging_period, full_session, partner


@pytest.fixture
def store(object_backend: ObjectBackend) -> SessionsStore:
    built: SessionsStore = object_backend.build(MemorySessions, SQLAlchemySessions)
    return built


@pytest.fixture
def sender(store: SessionsStore) -> SessionsSenderBackend:
    return store.sender()


@pytest.fixture
def receiver(store: SessionsStore) -> SessionsReceiverBackend:
    return store.receiver()


PUSHER = partner(EMSP, CPO)


def ids(items: object) -> list[str]:
    return [item.id for item in items]  # type: ignore[attr-defined]


def test_round_trip_of_a_fully_populated_session(store: SessionsStore, sender: SessionsSenderBackend) -> None:
    assert store.save(full_session()) is WriteResult.CREATED

    got = store.get("NL", "CPO", "S1")

    assert got == full_session()
    assert got is not None
    assert got.status is SessionStatus.ACTIVE and got.auth_method is AuthMethod.AUTH_REQUEST
    assert got.kwh == Decimal("12.345") and isinstance(got.kwh, Decimal)
    assert got.charging_periods[0].dimensions[0].type is CdrDimensionType.ENERGY
    assert got.location is not None and got.location.evses[0].connectors[0].id == "1"
    assert sender.list_sessions(partner=partner(), page=PageRequest()).items == [full_session()]


def test_receiver_put_get_and_replace(receiver: SessionsReceiverBackend) -> None:
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "session_id": "S1"}
    assert receiver.put_session(partner=PUSHER, session=full_session()) is WriteResult.CREATED
    assert receiver.get_session(**key) == full_session()

    replacement = dataclasses.replace(full_session(), status=SessionStatus.COMPLETED, charging_periods=[])
    assert receiver.put_session(partner=PUSHER, session=replacement) is WriteResult.UPDATED

    assert receiver.get_session(**key) == replacement  # a PUT replaces the charging periods
    assert receiver.get_session(**{**key, "party_id": "OTH"}) is None
    assert receiver.get_session(**{**key, "session_id": "S2"}) is None


def test_sender_lists_only_the_partners_own_sessions_at_its_local_party(
    store: SessionsStore, sender: SessionsSenderBackend
) -> None:
    store.save(full_session("MINE1"))
    store.save(full_session("OTHER_EMSP", emsp=EMSP2))
    store.save(full_session("OTHER_CPO", owner=CPO2))
    store.save(full_session("MINE2"))

    mine = sender.list_sessions(partner=partner(CPO, EMSP), page=PageRequest())
    other = sender.list_sessions(partner=partner(CPO, EMSP2), page=PageRequest())
    both = sender.list_sessions(partner=partner(CPO, EMSP2, EMSP), page=PageRequest())
    at_cpo2 = sender.list_sessions(partner=partner(CPO2, EMSP), page=PageRequest())
    nobody = sender.list_sessions(partner=partner(CPO, CPO2), page=PageRequest())

    assert ids(mine.items) == ["MINE1", "MINE2"] and mine.total == 2
    assert ids(other.items) == ["OTHER_EMSP"] and other.total == 1
    assert ids(both.items) == ["MINE1", "OTHER_EMSP", "MINE2"] and both.total == 3
    assert ids(at_cpo2.items) == ["OTHER_CPO"] and at_cpo2.total == 1
    assert nobody.items == [] and nobody.total == 0


def test_host_page_filters_on_owners_and_audience(store: SessionsStore) -> None:
    store.save(full_session("A"))
    store.save(full_session("B", emsp=EMSP2))
    store.save(full_session("C", owner=CPO2, emsp=EMSP2))
    assert ids(store.page().items) == ["A", "B", "C"]
    assert ids(store.page(audience=[EMSP2]).items) == ["B", "C"]
    assert ids(store.page(owners=[CPO], audience=[EMSP2]).items) == ["B"]
    assert store.count(audience=[EMSP2]) == 2 and store.count(owners=[CPO2]) == 1 and store.count() == 3


def test_pagination_with_audience_and_dates(store: SessionsStore, sender: SessionsSenderBackend) -> None:
    for number in range(8):
        emsp = EMSP if number % 2 == 0 else EMSP2
        store.save(full_session(f"S{number}", emsp=emsp, last_updated=T0 + timedelta(hours=7 - number)))
    window = PageRequest(date_from=T0 + timedelta(hours=1), date_to=T0 + timedelta(hours=7), limit=2)

    first = sender.list_sessions(partner=partner(), page=window)
    second = sender.list_sessions(partner=partner(), page=dataclasses.replace(window, offset=2))

    # EMSP's sessions are S0, S2, S4, S6 at hours 7, 5, 3, 1; hour 7 is excluded (date_to).
    assert ids(first.items) == ["S2", "S4"] and first.total == 3
    assert ids(second.items) == ["S6"] and second.total == 3


def test_patch_appends_charging_periods(receiver: SessionsReceiverBackend) -> None:
    receiver.put_session(partner=PUSHER, session=full_session())
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "session_id": "S1"}
    new_period = charging_period(T0, "3.75")
    later = T0 + timedelta(minutes=15)

    result = receiver.patch_session(
        **key, changes={"charging_periods": [new_period], "kwh": Decimal("16.095"), "last_updated": later}
    )

    assert result is WriteResult.UPDATED
    got = receiver.get_session(**key)
    assert got is not None
    assert got.charging_periods == [*full_session().charging_periods, new_period]
    assert got.kwh == Decimal("16.095") and got.last_updated == later
    assert got.cdr_token == full_session().cdr_token and got.location == full_session().location


def test_patch_with_no_charging_periods_keeps_them(receiver: SessionsReceiverBackend) -> None:
    receiver.put_session(partner=PUSHER, session=full_session())
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "session_id": "S1"}

    receiver.patch_session(**key, changes={"charging_periods": [], "status": SessionStatus.COMPLETED})
    receiver.patch_session(**key, changes={"total_cost": Price(excl_vat=Decimal("9.99"))})

    got = receiver.get_session(**key)
    assert got is not None
    assert got.charging_periods == full_session().charging_periods
    assert got.status is SessionStatus.COMPLETED and got.total_cost == Price(excl_vat=Decimal("9.99"))


def test_patch_unknown_session_is_not_found(receiver: SessionsReceiverBackend) -> None:
    receiver.put_session(partner=PUSHER, session=full_session())
    result = receiver.patch_session(
        partner=PUSHER, country_code="NL", party_id="OTH", session_id="S1", changes={"status": SessionStatus.INVALID}
    )
    assert result is WriteResult.NOT_FOUND
    got = receiver.get_session(partner=PUSHER, country_code="NL", party_id="CPO", session_id="S1")
    assert got == full_session()


def test_patching_cdr_token_moves_the_session_to_its_new_emsp(
    store: SessionsStore, sender: SessionsSenderBackend
) -> None:
    store.save(full_session())
    assert store.patch("NL", "CPO", "S1", {"cdr_token": cdr_token(EMSP2)}) is WriteResult.UPDATED
    assert sender.list_sessions(partner=partner(CPO, EMSP), page=PageRequest()).total == 0
    assert ids(sender.list_sessions(partner=partner(CPO, EMSP2), page=PageRequest()).items) == ["S1"]


def test_replace_keeps_the_order(store: SessionsStore) -> None:
    for name in ("A", "B", "C"):
        store.save(full_session(name))
    store.save(dataclasses.replace(full_session("A"), status=SessionStatus.COMPLETED))
    store.patch("NL", "CPO", "B", {"status": SessionStatus.COMPLETED})
    page = store.page()
    assert ids(page.items) == ["A", "B", "C"]
    assert [s.status for s in page.items] == [SessionStatus.COMPLETED, SessionStatus.COMPLETED, SessionStatus.ACTIVE]
