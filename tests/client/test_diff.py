"""PATCH bodies computed from the previous and new wire form."""

from __future__ import annotations

from flask_ocpi.client.diff import Change, changed_fields, location_changes, object_changes


def _location(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "L1",
        "name": "Station",
        "evses": [
            {"uid": "E1", "status": "AVAILABLE", "connectors": [{"id": "1", "amperage": 16, "last_updated": "t0"}]},
            {"uid": "E2", "status": "AVAILABLE", "connectors": [{"id": "1", "amperage": 16, "last_updated": "t0"}]},
        ],
        "last_updated": "t0",
    }
    base.update(overrides)
    return base


def test_changed_fields_ignores_last_updated_and_spots_removals() -> None:
    assert changed_fields({"a": 1, "last_updated": "t0"}, {"a": 1, "last_updated": "t1"}) == {}
    assert changed_fields({"a": 1}, {"a": 2, "b": [1]}) == {"a": 2, "b": [1]}
    assert changed_fields({"a": 1, "b": 2}, {"a": 1}) is None


def test_object_changes() -> None:
    assert object_changes({"kwh": 1, "last_updated": "t0"}, {"kwh": 2, "last_updated": "t1"}) == [
        Change("PATCH", (), {"kwh": 2, "last_updated": "t1"})
    ]
    assert object_changes({"kwh": 1, "x": 1}, {"kwh": 1}) == [Change("PUT", (), {"kwh": 1})]
    assert object_changes({"kwh": 1}, {"kwh": 1}) == []


def test_location_changes_go_down_to_the_level_that_changed() -> None:
    before = _location()
    evses = [dict(e) for e in before["evses"]]  # type: ignore[attr-defined]
    evses[1] = {**evses[1], "status": "CHARGING", "last_updated": "t1"}
    assert location_changes(before, _location(evses=evses, last_updated="t1")) == [
        Change("PATCH", ("E2",), {"status": "CHARGING", "last_updated": "t1"})
    ]
    connectors = [{"id": "1", "amperage": 32, "last_updated": "t2"}]
    evses[0] = {**evses[0], "connectors": connectors}
    changes = location_changes(before, _location(evses=evses, name="New", last_updated="t2"))
    assert changes == [
        Change("PATCH", (), {"name": "New", "last_updated": "t2"}),
        Change("PATCH", ("E1", "1"), {"amperage": 32, "last_updated": "t2"}),
        Change("PATCH", ("E2",), {"status": "CHARGING", "last_updated": "t1"}),
    ]


def test_a_new_or_reordered_evse_list_is_sent_whole_and_removed_fields_are_put() -> None:
    before = _location()
    fewer = _location(evses=before["evses"][:1])  # type: ignore[index]
    assert location_changes(before, fewer) == [Change("PATCH", (), {"evses": fewer["evses"], "last_updated": "t0"})]
    evses = [dict(e) for e in before["evses"]]  # type: ignore[attr-defined]
    del evses[0]["status"]
    assert location_changes(before, _location(evses=evses)) == [Change("PUT", ("E1",), evses[0])]
    nameless = _location()
    del nameless["name"]
    assert location_changes(before, nameless) == [Change("PUT", (), nameless)]


def test_a_moved_last_updated_alone_is_sent_so_the_partner_copy_stays_equal() -> None:
    assert object_changes({"kwh": 1, "last_updated": "t0"}, {"kwh": 1, "last_updated": "t1"}) == [
        Change("PATCH", (), {"last_updated": "t1"})
    ]
    assert object_changes({"kwh": 1, "last_updated": "t0"}, {"kwh": 1, "last_updated": "t0"}) == []
    before = _location()
    evses = [dict(e) for e in before["evses"]]
    evses[0] = {**evses[0], "last_updated": "t1"}  # an EVSE "changed" to what it was
    assert location_changes(before, _location(evses=evses, last_updated="t1")) == [
        Change("PATCH", ("E1",), {"last_updated": "t1"})  # the partner moves the location's with it
    ]
    # The location's own last_updated moved further than any child carries: it is sent too.
    assert location_changes(before, _location(evses=evses, last_updated="t2")) == [
        Change("PATCH", (), {"last_updated": "t2"}),
        Change("PATCH", ("E1",), {"last_updated": "t1"}),
    ]
