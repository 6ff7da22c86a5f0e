"""The contract of the tariff stores (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tariffs import TariffsReceiverBackend, TariffsSenderBackend
from flask_ocpi.models import DayOfWeek, DisplayText, PriceComponent, TariffDimensionType, TariffElement, TariffType
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryTariffs
from flask_ocpi.stores.modules import TariffsStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyTariffs

from .conftest import ObjectBackend
from .objects import CPO, CPO2, EMSP, T0, full_tariff, partner


@pytest.fixture
def store(object_backend: ObjectBackend) -> TariffsStore:
    built: TariffsStore = object_backend.build(MemoryTariffs, SQLAlchemyTariffs)
    return built


@pytest.fixture
def sender(store: TariffsStore) -> TariffsSenderBackend:
    return store.sender()


@pytest.fixture
def receiver(store: TariffsStore) -> TariffsReceiverBackend:
    return store.receiver()


PUSHER = partner(EMSP, CPO)
KEY: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "tariff_id": "T1"}


def ids(items: object) -> list[str]:
    return [item.id for item in items]  # type: ignore[attr-defined]


def test_round_trip_of_a_fully_populated_tariff(receiver: TariffsReceiverBackend) -> None:
    assert receiver.put_tariff(partner=PUSHER, tariff=full_tariff()) is WriteResult.CREATED

    got = receiver.get_tariff(**KEY)

    assert got == full_tariff()
    assert got is not None
    assert got.type is TariffType.PROFILE_GREEN
    restrictions = got.elements[0].restrictions
    assert restrictions is not None and restrictions.day_of_week == [DayOfWeek.MONDAY, DayOfWeek.SUNDAY]
    assert restrictions.max_current == Decimal("32.5") and isinstance(restrictions.max_current, Decimal)
    assert got.elements[0].price_components[0].price == Decimal("0.25")


def test_put_replaces_and_keeps_the_order(receiver: TariffsReceiverBackend, store: TariffsStore) -> None:
    for name in ("T1", "T2"):
        receiver.put_tariff(partner=PUSHER, tariff=full_tariff(name))
    replacement = dataclasses.replace(full_tariff(), currency="CHF", elements=[])

    assert receiver.put_tariff(partner=PUSHER, tariff=replacement) is WriteResult.UPDATED

    assert receiver.get_tariff(**KEY) == replacement
    assert ids(store.page().items) == ["T1", "T2"]


def test_patch_merges_and_replaces_lists(receiver: TariffsReceiverBackend) -> None:
    receiver.put_tariff(partner=PUSHER, tariff=full_tariff())
    element = TariffElement(
        price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("3"), step_size=60)]
    )

    result = receiver.patch_tariff(
        **KEY, changes={"elements": [element], "tariff_alt_text": [], "last_updated": T0 + timedelta(hours=1)}
    )

    assert result is WriteResult.UPDATED
    expected = dataclasses.replace(
        full_tariff(), elements=[element], tariff_alt_text=[], last_updated=T0 + timedelta(hours=1)
    )
    assert receiver.get_tariff(**KEY) == expected


def test_patch_unknown_tariff_is_not_found(receiver: TariffsReceiverBackend) -> None:
    changes = {"tariff_alt_text": [DisplayText(language="en", text="x")]}
    assert receiver.patch_tariff(**KEY, changes=changes) is WriteResult.NOT_FOUND
    assert receiver.get_tariff(**KEY) is None


def test_delete_tariff(receiver: TariffsReceiverBackend, store: TariffsStore) -> None:
    receiver.put_tariff(partner=PUSHER, tariff=full_tariff())
    receiver.put_tariff(partner=PUSHER, tariff=full_tariff("T2"))
    receiver.put_tariff(partner=PUSHER, tariff=full_tariff(owner=CPO2))

    assert receiver.delete_tariff(**KEY) is WriteResult.UPDATED
    assert receiver.delete_tariff(**KEY) is WriteResult.NOT_FOUND

    assert receiver.get_tariff(**KEY) is None
    assert receiver.get_tariff(**{**KEY, "party_id": "OTH"}) == full_tariff(owner=CPO2)
    assert ids(store.page().items) == ["T2", "T1"] and store.page().total == 2


def test_sender_lists_the_tariffs_of_the_local_party(store: TariffsStore, sender: TariffsSenderBackend) -> None:
    store.save(full_tariff("A"))
    store.save(full_tariff("X", owner=CPO2))
    store.save(full_tariff("B"))

    ours = sender.list_tariffs(partner=partner(CPO), page=PageRequest())
    theirs = sender.list_tariffs(partner=partner(CPO2), page=PageRequest())

    assert ids(ours.items) == ["A", "B"] and ours.total == 2
    assert ids(theirs.items) == ["X"] and theirs.total == 1
    assert ours.items[0] == full_tariff("A")


def test_pagination(store: TariffsStore, sender: TariffsSenderBackend) -> None:
    for number in range(6):
        store.save(full_tariff(f"T{number}", last_updated=T0 + timedelta(seconds=number)))
    page = PageRequest(offset=1, limit=3, date_from=T0 + timedelta(seconds=1), date_to=T0 + timedelta(seconds=5))

    got = sender.list_tariffs(partner=partner(), page=page)

    assert ids(got.items) == ["T2", "T3", "T4"] and got.total == 4
