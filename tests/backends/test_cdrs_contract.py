"""The contract of the CDR stores (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from flask_ocpi.backends.cdrs import CdrsReceiverBackend, CdrsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import AuthMethod, ConnectorType, Price, TariffDimensionType
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryCdrs
from flask_ocpi.stores.modules import CdrsStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyCdrs

from .conftest import ObjectBackend
from .objects import CPO, CPO2, EMSP, EMSP2, T0, full_cdr, partner


@pytest.fixture
def store(object_backend: ObjectBackend) -> CdrsStore:
    built: CdrsStore = object_backend.build(MemoryCdrs, SQLAlchemyCdrs)
    return built


@pytest.fixture
def sender(store: CdrsStore) -> CdrsSenderBackend:
    return store.sender()


@pytest.fixture
def receiver(store: CdrsStore) -> CdrsReceiverBackend:
    return store.receiver()


PUSHER = partner(EMSP, CPO)


def ids(items: object) -> list[str]:
    return [item.id for item in items]  # type: ignore[attr-defined]


def test_round_trip_of_a_fully_populated_cdr(receiver: CdrsReceiverBackend) -> None:
    assert receiver.create_cdr(partner=PUSHER, cdr=full_cdr()) is WriteResult.CREATED

    got = receiver.get_cdr(partner=PUSHER, country_code="NL", party_id="CPO", cdr_id="CDR1")

    assert got == full_cdr()
    assert got is not None
    assert got.auth_method is AuthMethod.WHITELIST
    assert got.total_cost == Price(excl_vat=Decimal("10.01"), incl_vat=Decimal("12.11"))
    assert got.cdr_location is not None and got.cdr_location.connector_standard is ConnectorType.IEC_62196_T2
    assert got.tariffs[0].elements[0].price_components[1].type is TariffDimensionType.PARKING_TIME
    assert got.credit is False and got.home_charging_compensation is False


def test_posting_an_existing_cdr_does_not_replace_it(receiver: CdrsReceiverBackend, store: CdrsStore) -> None:
    receiver.create_cdr(partner=PUSHER, cdr=full_cdr())
    store.create(full_cdr("CDR2"))
    changed = dataclasses.replace(full_cdr(), total_energy=Decimal("99"), last_updated=T0 + timedelta(days=1))

    assert receiver.create_cdr(partner=PUSHER, cdr=changed) is WriteResult.UPDATED

    assert receiver.get_cdr(partner=PUSHER, country_code="NL", party_id="CPO", cdr_id="CDR1") == full_cdr()
    assert ids(store.page().items) == ["CDR1", "CDR2"]
    assert store.page(page=PageRequest(date_from=T0 + timedelta(hours=1))).total == 0


def test_same_id_under_another_party_is_another_cdr(receiver: CdrsReceiverBackend) -> None:
    assert receiver.create_cdr(partner=PUSHER, cdr=full_cdr()) is WriteResult.CREATED
    assert receiver.create_cdr(partner=PUSHER, cdr=full_cdr(owner=CPO2)) is WriteResult.CREATED
    got = receiver.get_cdr(partner=PUSHER, country_code="nl", party_id="oth", cdr_id="CDR1")
    assert got == full_cdr(owner=CPO2)
    assert receiver.get_cdr(partner=PUSHER, country_code="NL", party_id="CPO", cdr_id="CDR9") is None


def test_sender_lists_only_the_partners_own_cdrs_at_its_local_party(
    store: CdrsStore, sender: CdrsSenderBackend
) -> None:
    store.save(full_cdr("MINE1"))
    store.save(full_cdr("OTHER_EMSP", emsp=EMSP2))
    store.save(full_cdr("OTHER_CPO", owner=CPO2))
    store.save(full_cdr("MINE2"))

    mine = sender.list_cdrs(partner=partner(CPO, EMSP), page=PageRequest())
    other = sender.list_cdrs(partner=partner(CPO, EMSP2), page=PageRequest())
    at_cpo2 = sender.list_cdrs(partner=partner(CPO2, EMSP, EMSP2), page=PageRequest())

    assert ids(mine.items) == ["MINE1", "MINE2"] and mine.total == 2
    assert ids(other.items) == ["OTHER_EMSP"] and other.total == 1
    assert ids(at_cpo2.items) == ["OTHER_CPO"] and at_cpo2.total == 1
    assert mine.items[0] == full_cdr("MINE1")


def test_pagination(store: CdrsStore, sender: CdrsSenderBackend) -> None:
    for number in range(5):
        store.save(full_cdr(f"C{number}", last_updated=T0 + timedelta(minutes=10 * (4 - number))))
    store.save(full_cdr("FOREIGN", emsp=EMSP2, last_updated=T0 + timedelta(minutes=15)))

    first = sender.list_cdrs(partner=partner(), page=PageRequest(limit=2))
    third = sender.list_cdrs(partner=partner(), page=PageRequest(offset=4, limit=2))
    window = sender.list_cdrs(
        partner=partner(), page=PageRequest(date_from=T0 + timedelta(minutes=10), date_to=T0 + timedelta(minutes=30))
    )

    assert ids(first.items) == ["C0", "C1"] and first.total == 5
    assert ids(third.items) == ["C4"] and third.total == 5
    assert ids(window.items) == ["C2", "C3"] and window.total == 2


def test_host_save_replaces_and_delete_removes(store: CdrsStore) -> None:
    store.save(full_cdr())
    corrected = dataclasses.replace(full_cdr(), remark="corrected")
    assert store.save(corrected) is WriteResult.UPDATED
    assert store.get("NL", "CPO", "CDR1") == corrected
    assert store.delete("NL", "CPO", "CDR1") is True
    assert store.get("NL", "CPO", "CDR1") is None and store.count() == 0
