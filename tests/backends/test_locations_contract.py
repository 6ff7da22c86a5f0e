"""The contract of the locations stores (memory, SQLite, PostgreSQL), through the
host-facing API and the sender/receiver backend ABCs only."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.models import (
    ConnectorFormat,
    EnergySourceCategory,
    Facility,
    LocationType,
    PartyKey,
    Status,
)
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryLocations
from flask_ocpi.stores.modules import LocationsStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyLocations

from .conftest import ObjectBackend
from .objects import CPO, CPO2, EMSP, PLUS_TWO, T0, full_connector, full_evse, full_location, partner


@pytest.fixture
def store(object_backend: ObjectBackend) -> LocationsStore:
    built: LocationsStore = object_backend.build(MemoryLocations, SQLAlchemyLocations)
    return built


@pytest.fixture
def sender(store: LocationsStore) -> LocationsSenderBackend:
    return store.sender()


@pytest.fixture
def receiver(store: LocationsStore) -> LocationsReceiverBackend:
    return store.receiver()


PUSHER = partner(EMSP, CPO)  # a CPO partner pushing into our eMSP side


def ids(page_items: object) -> list[str]:
    return [item.id for item in page_items]  # type: ignore[attr-defined]


# --- round trips ----------------------------------------------------------------------


def test_round_trip_of_a_fully_populated_location(store: LocationsStore, sender: LocationsSenderBackend) -> None:
    location = full_location()
    assert store.save(location) is WriteResult.CREATED

    got = store.get("NL", "CPO", "LOC1")

    assert got == full_location()
    assert got is not None
    assert got.type is LocationType.PARKING_GARAGE
    assert got.evses[1].connectors[1].format is ConnectorFormat.CABLE
    assert got.energy_mix is not None and got.energy_mix.energy_sources[0].percentage == Decimal("62.5")
    assert isinstance(got.energy_mix.energy_sources[0].percentage, Decimal)
    assert got.energy_mix.energy_sources[0].source is EnergySourceCategory.SOLAR
    assert got.last_updated == T0 and got.last_updated.utcoffset() == timedelta(0)
    assert sender.get_location(partner=partner(), location_id="LOC1") == location
    assert sender.get_evse(partner=partner(), location_id="LOC1", evse_uid="E2") == location.evses[1]
    connector = sender.get_connector(partner=partner(), location_id="LOC1", evse_uid="E2", connector_id="2")
    assert connector == location.evses[1].connectors[1]
    assert sender.list_locations(partner=partner(), page=PageRequest()).items == [location]


def test_receiver_round_trip(receiver: LocationsReceiverBackend) -> None:
    location = full_location()
    assert receiver.put_location(partner=PUSHER, location=location) is WriteResult.CREATED
    got = receiver.get_location(partner=PUSHER, country_code="NL", party_id="CPO", location_id="LOC1")
    assert got == location


def test_returned_objects_are_copies(store: LocationsStore) -> None:
    location = full_location()
    store.save(location)
    location.evses[0].status = Status.REMOVED  # the caller's object, after saving

    got = store.get("NL", "CPO", "LOC1")
    assert got is not None and got.evses[0].status is Status.CHARGING
    got.evses[0].status = Status.REMOVED
    again = store.get("NL", "CPO", "LOC1")
    assert again is not None and again.evses[0].status is Status.CHARGING


def test_unknown_ids_and_parties_return_none(store: LocationsStore, sender: LocationsSenderBackend) -> None:
    store.save(full_location())
    assert store.get("NL", "CPO", "LOC2") is None
    assert store.get("NL", "CPO", "loc1") is None  # ids are compared exactly
    assert store.get("NL", "OTH", "LOC1") is None
    assert sender.get_location(partner=partner(), location_id="NOPE") is None
    assert sender.get_evse(partner=partner(), location_id="LOC1", evse_uid="NOPE") is None
    assert sender.get_connector(partner=partner(), location_id="LOC1", evse_uid="E1", connector_id="9") is None


def test_party_keys_are_case_insensitive(store: LocationsStore) -> None:
    store.save(full_location(owner=PartyKey("nl", "cpo")))
    assert store.get("nl", "Cpo", "LOC1") is not None
    assert store.page(owners=[PartyKey("NL", "CPO")]).total == 1


# --- create, replace, delete ----------------------------------------------------------


def test_replace_keeps_the_place_in_the_list(store: LocationsStore) -> None:
    for name in ("A", "B", "C"):
        assert store.save(full_location(name)) is WriteResult.CREATED
    changed = dataclasses.replace(full_location("A"), city="Utrecht", last_updated=T0 + timedelta(days=1))

    assert store.save(changed) is WriteResult.UPDATED

    page = store.page()
    assert ids(page.items) == ["A", "B", "C"] and page.total == 3
    assert page.items[0] == changed


def test_save_many_and_count_and_delete(store: LocationsStore) -> None:
    results = store.save_many(
        [full_location("A"), full_location("B"), full_location("A", last_updated=T0 + timedelta(1))]
    )
    assert results == [WriteResult.CREATED, WriteResult.CREATED, WriteResult.UPDATED]
    assert store.save_many([full_location("B"), full_location("C", owner=CPO2)]) == [
        WriteResult.UPDATED,
        WriteResult.CREATED,
    ]
    assert store.count() == 3 and store.count(owners=[CPO]) == 2 and store.count(owners=[]) == 0
    got_a = store.get("NL", "CPO", "A")
    assert got_a is not None and got_a.last_updated == T0 + timedelta(1)
    assert ids(store.page().items) == ["A", "B", "C"]

    assert store.delete("NL", "CPO", "A") is True
    assert store.delete("NL", "CPO", "A") is False
    assert store.get("NL", "CPO", "A") is None
    assert ids(store.page().items) == ["B", "C"]
    assert store.save(full_location("A")) is WriteResult.CREATED
    assert ids(store.page().items) == ["B", "C", "A"]  # a new object goes last


# --- pagination -------------------------------------------------------------------------


def test_pagination_is_oldest_first_with_total(store: LocationsStore) -> None:
    # last_updated deliberately not in creation order: the list follows creation.
    hours = [5, 1, 4, 2, 3, 0, 6]
    for number, hour in enumerate(hours):
        store.save(full_location(f"L{number}", last_updated=T0 + timedelta(hours=hour), evses=1, connectors=1))

    first = store.page(page=PageRequest(offset=0, limit=3))
    middle = store.page(page=PageRequest(offset=3, limit=3))
    last = store.page(page=PageRequest(offset=6, limit=3))
    beyond = store.page(page=PageRequest(offset=9, limit=3))

    assert [ids(p.items) for p in (first, middle, last, beyond)] == [["L0", "L1", "L2"], ["L3", "L4", "L5"], ["L6"], []]
    assert {p.total for p in (first, middle, last, beyond)} == {7}


def test_date_from_is_inclusive_and_date_to_exclusive(store: LocationsStore) -> None:
    for hour in range(6):
        store.save(full_location(f"H{hour}", last_updated=T0 + timedelta(hours=hour), evses=0))
    window = PageRequest(date_from=T0 + timedelta(hours=1), date_to=T0 + timedelta(hours=4), limit=2)

    first = store.page(page=window)
    second = store.page(page=dataclasses.replace(window, offset=2))

    assert ids(first.items) == ["H1", "H2"] and first.total == 3
    assert ids(second.items) == ["H3"] and second.total == 3
    only_from = store.page(page=PageRequest(date_from=T0 + timedelta(hours=5)))
    assert ids(only_from.items) == ["H5"] and only_from.total == 1
    only_to = store.page(page=PageRequest(date_to=T0 + timedelta(hours=1)))
    assert ids(only_to.items) == ["H0"] and only_to.total == 1


def test_date_filters_compare_instants_whatever_the_offset(store: LocationsStore) -> None:
    store.save(full_location("LOCAL", last_updated=(T0 + timedelta(hours=1)).astimezone(PLUS_TWO), evses=0))
    store.save(full_location("EARLY", last_updated=T0, evses=0))
    page = store.page(page=PageRequest(date_from=T0 + timedelta(minutes=30)))
    assert ids(page.items) == ["LOCAL"] and page.total == 1
    assert page.items[0].last_updated == T0 + timedelta(hours=1)


# --- visibility and ownership -------------------------------------------------------------


def test_a_partner_sees_only_the_locations_of_its_local_party(
    store: LocationsStore, sender: LocationsSenderBackend
) -> None:
    store.save(full_location("MINE1"))
    store.save(full_location("THEIRS", owner=CPO2))
    store.save(full_location("MINE2"))
    store.save(full_location("SAME", owner=CPO2))
    store.save(full_location("SAME", owner=CPO))

    ours = sender.list_locations(partner=partner(CPO), page=PageRequest())
    other = sender.list_locations(partner=partner(CPO2), page=PageRequest())

    assert ids(ours.items) == ["MINE1", "MINE2", "SAME"] and ours.total == 3
    assert ids(other.items) == ["THEIRS", "SAME"] and other.total == 2
    assert all(item.party_id == "OTH" for item in other.items)
    assert sender.get_location(partner=partner(CPO), location_id="THEIRS") is None
    assert sender.get_evse(partner=partner(CPO), location_id="THEIRS", evse_uid="E1") is None
    found = sender.get_location(partner=partner(CPO2), location_id="THEIRS")
    assert found is not None and found.party_id == "OTH"


def test_receivers_keep_each_partys_objects_apart(receiver: LocationsReceiverBackend) -> None:
    mine = full_location("SAME", owner=CPO)
    theirs = dataclasses.replace(full_location("SAME", owner=CPO2), city="Rotterdam")
    assert receiver.put_location(partner=PUSHER, location=mine) is WriteResult.CREATED
    assert receiver.put_location(partner=PUSHER, location=theirs) is WriteResult.CREATED

    assert (
        receiver.patch_location(
            partner=PUSHER, country_code="NL", party_id="OTH", location_id="SAME", changes={"city": "Delft"}
        )
        is WriteResult.UPDATED
    )

    got_mine = receiver.get_location(partner=PUSHER, country_code="NL", party_id="CPO", location_id="SAME")
    got_theirs = receiver.get_location(partner=PUSHER, country_code="NL", party_id="OTH", location_id="SAME")
    assert got_mine == mine
    assert got_theirs is not None and got_theirs.city == "Delft"


# --- PATCH ------------------------------------------------------------------------------------


def test_patch_location_merges_top_level_and_replaces_lists(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    later = T0 + timedelta(hours=1)

    result = receiver.patch_location(
        partner=PUSHER,
        country_code="NL",
        party_id="CPO",
        location_id="LOC1",
        changes={"name": "Renamed", "facilities": [Facility.WIFI], "last_updated": later},
    )

    assert result is WriteResult.UPDATED
    got = receiver.get_location(partner=PUSHER, country_code="NL", party_id="CPO", location_id="LOC1")
    expected = dataclasses.replace(full_location(), name="Renamed", facilities=[Facility.WIFI], last_updated=later)
    assert got == expected


def test_patch_unknown_location_is_not_found(receiver: LocationsReceiverBackend) -> None:
    result = receiver.patch_location(
        partner=PUSHER, country_code="NL", party_id="CPO", location_id="NOPE", changes={"name": "x"}
    )
    assert result is WriteResult.NOT_FOUND
    assert receiver.get_location(partner=PUSHER, country_code="NL", party_id="CPO", location_id="NOPE") is None


def test_patch_may_not_move_an_object_to_another_id(store: LocationsStore) -> None:
    store.save(full_location())
    with pytest.raises(ValueError):
        store.patch("NL", "CPO", "LOC1", {"id": "LOC2", "name": "moved"})
    assert store.get("NL", "CPO", "LOC1") == full_location()
    assert store.get("NL", "CPO", "LOC2") is None


def test_patch_with_an_unknown_field_raises_key_error(store: LocationsStore) -> None:
    store.save(full_location())
    with pytest.raises(KeyError):
        store.patch("NL", "CPO", "LOC1", {"colour": "red"})
    assert store.get("NL", "CPO", "LOC1") == full_location()


# --- EVSEs and connectors ------------------------------------------------------------------


def test_put_evse_adds_or_replaces_and_moves_the_location(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    later = T0 + timedelta(minutes=5)
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "location_id": "LOC1"}

    assert receiver.put_evse(**key, evse=full_evse("E3", later, connectors=1)) is WriteResult.CREATED
    replacement = dataclasses.replace(full_evse("E1", later + timedelta(minutes=1)), status=Status.AVAILABLE)
    assert receiver.put_evse(**key, evse=replacement) is WriteResult.UPDATED

    got = receiver.get_location(**key)
    assert got is not None
    assert [e.uid for e in got.evses] == ["E1", "E2", "E3"]
    assert got.evses[0] == replacement and got.evses[2] == full_evse("E3", later, connectors=1)
    assert got.last_updated == later + timedelta(minutes=1)
    assert dataclasses.replace(got, evses=[], last_updated=T0) == dataclasses.replace(full_location(), evses=[])


def test_put_evse_under_an_unknown_location_is_not_found(receiver: LocationsReceiverBackend) -> None:
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "location_id": "NOPE"}
    assert receiver.put_evse(**key, evse=full_evse()) is WriteResult.NOT_FOUND
    assert receiver.get_location(**key) is None


def test_put_connector_moves_evse_and_location(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    later = T0 + timedelta(minutes=7)
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "location_id": "LOC1"}

    assert receiver.put_connector(**key, evse_uid="E2", connector=full_connector("3", later)) is WriteResult.CREATED
    changed = dataclasses.replace(full_connector("1", later), max_amperage=16)
    assert receiver.put_connector(**key, evse_uid="E2", connector=changed) is WriteResult.UPDATED

    got = receiver.get_location(**key)
    assert got is not None
    evse = got.evses[1]
    assert [c.id for c in evse.connectors] == ["1", "2", "3"]
    assert evse.connectors[0] == changed
    assert evse.last_updated == later and got.last_updated == later
    assert got.evses[0] == full_evse("E1")  # the sibling is untouched


def test_put_connector_under_unknown_evse_or_location_is_not_found(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    base: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO"}
    assert receiver.put_connector(**base, location_id="LOC1", evse_uid="NOPE", connector=full_connector()) is (
        WriteResult.NOT_FOUND
    )
    assert receiver.put_connector(**base, location_id="NOPE", evse_uid="E1", connector=full_connector()) is (
        WriteResult.NOT_FOUND
    )
    assert receiver.get_location(**base, location_id="LOC1") == full_location()


def test_patch_evse_moves_the_location_only_forward(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "location_id": "LOC1"}
    later = T0 + timedelta(hours=2)

    assert receiver.patch_evse(**key, evse_uid="E2", changes={"status": Status.AVAILABLE, "last_updated": later}) is (
        WriteResult.UPDATED
    )
    got = receiver.get_location(**key)
    assert got is not None and got.evses[1].status is Status.AVAILABLE
    assert got.evses[1].last_updated == later and got.last_updated == later
    assert got.evses[1].connectors == full_evse("E2").connectors

    earlier = T0 - timedelta(hours=1)
    receiver.patch_evse(**key, evse_uid="E1", changes={"status": Status.BLOCKED, "last_updated": earlier})
    got = receiver.get_location(**key)
    assert got is not None and got.evses[0].status is Status.BLOCKED and got.last_updated == later


def test_patch_evse_and_connector_not_found_paths(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    base: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO"}
    changes = {"status": Status.AVAILABLE}
    assert receiver.patch_evse(**base, location_id="LOC1", evse_uid="NOPE", changes=changes) is WriteResult.NOT_FOUND
    assert receiver.patch_evse(**base, location_id="NOPE", evse_uid="E1", changes=changes) is WriteResult.NOT_FOUND
    for location_id, evse_uid, connector_id in (("LOC1", "E1", "9"), ("LOC1", "NOPE", "1"), ("NOPE", "E1", "1")):
        assert (
            receiver.patch_connector(
                **base,
                location_id=location_id,
                evse_uid=evse_uid,
                connector_id=connector_id,
                changes={"max_voltage": 1},
            )
            is WriteResult.NOT_FOUND
        )
    assert receiver.get_location(**base, location_id="LOC1") == full_location()


def test_patch_connector_moves_evse_and_location(receiver: LocationsReceiverBackend) -> None:
    receiver.put_location(partner=PUSHER, location=full_location())
    key: dict[str, Any] = {"partner": PUSHER, "country_code": "NL", "party_id": "CPO", "location_id": "LOC1"}
    later = T0 + timedelta(hours=3)

    result = receiver.patch_connector(
        **key, evse_uid="E1", connector_id="2", changes={"tariff_ids": ["T9"], "last_updated": later}
    )

    assert result is WriteResult.UPDATED
    got = receiver.get_location(**key)
    assert got is not None
    connector = got.evses[0].connectors[1]
    assert connector.tariff_ids == ["T9"] and connector.last_updated == later
    assert connector.max_voltage == full_connector().max_voltage
    assert got.evses[0].last_updated == later and got.last_updated == later
    assert got.evses[1] == full_evse("E2")


def test_host_api_updates_evse_status_for_the_sender(store: LocationsStore, sender: LocationsSenderBackend) -> None:
    store.save(full_location())
    later = T0 + timedelta(minutes=1)
    assert store.patch_evse("NL", "CPO", "LOC1", "E1", {"status": Status.AVAILABLE, "last_updated": later}) is (
        WriteResult.UPDATED
    )
    page = sender.list_locations(partner=partner(), page=PageRequest(date_from=later))
    assert ids(page.items) == ["LOC1"] and page.items[0].evses[0].status is Status.AVAILABLE


def test_the_generation_grows_with_every_write_of_an_owner(store: LocationsStore) -> None:
    owner = CPO
    before = store.etag(owner)
    assert store.etag(owner) == before  # reads change nothing
    store.save(full_location("LOC1", owner=owner))
    after_save = store.etag(owner)
    store.patch_evse(owner.country_code, owner.party_id, "LOC1", "E1", {"status": Status.CHARGING})
    after_patch = store.etag(owner)
    store.delete(owner.country_code, owner.party_id, "LOC1")
    after_delete = store.etag(owner)
    assert len({before, after_save, after_patch, after_delete}) == 4
    store.save(full_location("LOC9", owner=CPO2))
    assert store.etag(owner) == after_delete  # another owner's write
