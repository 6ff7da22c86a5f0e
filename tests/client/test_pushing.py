"""Pushing objects to a partner's receiver interface over real HTTP (Flask-OCPI on both sides)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from example_app.demo import location as demo_location
from example_app.demo import session_and_cdr, tariffs, tokens
from flask_ocpi.client import PartnerClient, PartnerUnknownLocation
from flask_ocpi.dates import format_datetime
from flask_ocpi.models import EVSE, Location, PartyKey, Status
from flask_ocpi.v2_1_1.schemas.locations import dump_location
from tests.roaming import CPO, EMSP, Side, roaming


@pytest.fixture
def pair() -> Iterator[tuple[Side, Side]]:
    with roaming() as sides:
        yield sides


def _client(side: Side) -> PartnerClient:
    return PartnerClient.connect(side.partner())


def _changed(location: Location, evse: int = 0, **fields: object) -> Location:
    """A copy of ``location`` whose EVSE number ``evse`` has ``fields`` changed."""
    moved = location.last_updated + timedelta(minutes=1)  # a change moves the parents' last_updated too
    new = dataclasses.replace(location, evses=list(location.evses))
    new.evses[evse] = dataclasses.replace(location.evses[evse], **{"last_updated": moved, **fields})
    new.last_updated = moved
    return new


def _writes(side: Side) -> list[tuple[str, str, object]]:
    return [s for s in side.seen if s[0] in ("PUT", "PATCH", "POST", "DELETE") and "/credentials" not in s[1]]


def test_put_location_stores_it_at_the_emsp(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    with cpo.app.app_context():
        _client(cpo).put_location(location)
    stored = emsp.locations.get("NL", "CPO", location.id)
    assert stored is not None and dump_location(stored) == dump_location(location)
    assert _writes(emsp) == [("PUT", f"/ocpi/emsp/2.1.1/locations/NL/CPO/{location.id}", dump_location(location))]


def test_an_evse_status_change_is_one_small_patch_on_the_evse(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    before = demo_location(CPO, 1)
    after = _changed(before, status=Status.CHARGING, last_updated=before.last_updated + timedelta(minutes=1))
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_location(before)
        changes = client.patch_location(before, after)
    uid = before.evses[0].uid
    assert [(c.method, c.ids) for c in changes] == [("PATCH", (uid,))]
    method, path, body = _writes(emsp)[-1]
    assert (method, path) == ("PATCH", f"/ocpi/emsp/2.1.1/locations/NL/CPO/{before.id}/{uid}")
    assert set(body) == {"status", "last_updated"} and body["status"] == "CHARGING"  # type: ignore[arg-type]
    stored = emsp.locations.get("NL", "CPO", before.id)
    assert stored is not None and stored.evses[0].status is Status.CHARGING


def test_a_connector_change_patches_the_connector(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    before = demo_location(CPO, 2)
    evse = before.evses[0]
    connector = dataclasses.replace(
        evse.connectors[0],
        max_amperage=evse.connectors[0].max_amperage + 1,
        last_updated=before.last_updated + timedelta(minutes=1),
    )
    after = _changed(before, connectors=[connector, *evse.connectors[1:]])
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_location(before)
        changes = client.patch_location(before, after)
    assert [(c.method, c.ids) for c in changes] == [("PATCH", (evse.uid, connector.id))]
    assert _writes(emsp)[-1][1].endswith(f"/{evse.uid}/{connector.id}")
    stored = emsp.locations.get("NL", "CPO", before.id)
    assert stored is not None and stored.evses[0].connectors[0].max_amperage == connector.max_amperage


def test_nothing_changed_sends_nothing_and_a_removed_field_is_a_put(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    before = demo_location(CPO, 3)
    assert before.name is not None
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_location(before)
        count = len(_writes(emsp))
        assert client.patch_location(before, before) == []
        assert len(_writes(emsp)) == count
        after = dataclasses.replace(before, name=None)
        changes = client.patch_location(before, after)
    assert [(c.method, c.ids) for c in changes] == [("PUT", ())]
    stored = emsp.locations.get("NL", "CPO", before.id)
    assert stored is not None and stored.name is None


def test_a_patch_between_two_different_objects_is_refused(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    with cpo.app.app_context(), pytest.raises(ValueError, match="not the same object"):
        _client(cpo).patch_location(demo_location(CPO, 1), demo_location(CPO, 2))
    assert _writes(emsp) == []


def test_put_evse_and_connector(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 4)
    extra: EVSE = dataclasses.replace(location.evses[0], uid="EXTRA-EVSE", evse_id=None)
    grown = dataclasses.replace(location, evses=[*location.evses, extra])
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_location(location)
        client.put_evse(grown, "EXTRA-EVSE")
        client.put_connector(grown, "EXTRA-EVSE", extra.connectors[0].id)
        with pytest.raises(ValueError, match="no EVSE"):
            client.put_evse(grown, "MISSING")
    stored = emsp.locations.get("NL", "CPO", location.id)
    assert stored is not None and [e.uid for e in stored.evses][-1] == "EXTRA-EVSE"


def test_an_evse_under_a_location_the_emsp_lacks_is_a_typed_error(pair: tuple[Side, Side]) -> None:
    cpo, _ = pair
    location = demo_location(CPO, 5)
    with cpo.app.app_context(), pytest.raises(PartnerUnknownLocation) as caught:
        _client(cpo).put_evse(location, location.evses[0].uid)
    assert caught.value.status_code == 2003 and caught.value.http_status == 404


def test_sessions_put_and_patch_and_only_to_the_tokens_emsp(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    cpo.locations.save(location)
    session, _ = session_and_cdr(CPO, EMSP, location, 1)
    grown = dataclasses.replace(session, kwh=session.kwh + 1, last_updated=session.last_updated + timedelta(minutes=5))
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_session(dataclasses.replace(session, location=None))  # embedded from our locations backend
        client.patch_session(session, grown)
        other, _ = session_and_cdr(CPO, PartyKey("FR", "OTH"), location, 2)
        with pytest.raises(ValueError, match="not of"):
            client.put_session(other)
    method, path, body = _writes(emsp)[-1]
    assert (method, path) == ("PATCH", f"/ocpi/emsp/2.1.1/sessions/NL/CPO/{session.id}")
    assert set(body) == {"kwh", "last_updated"}  # type: ignore[arg-type]
    stored = emsp.sessions.get("NL", "CPO", session.id)
    assert stored is not None and stored.kwh == grown.kwh
    assert not any(p.endswith("/SES000002") for _, p, _ in emsp.seen)


def test_objects_of_another_party_are_refused_before_sending(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    foreign = demo_location(PartyKey("BE", "XYZ"), 1)
    with cpo.app.app_context(), pytest.raises(ValueError, match="not to our party"):
        _client(cpo).put_location(foreign)
    assert _writes(emsp) == []


def test_tariffs_put_patch_delete(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    tariff = tariffs(CPO)[0]
    cheaper = dataclasses.replace(tariff, currency="USD", last_updated=tariff.last_updated + timedelta(days=1))
    with cpo.app.app_context():
        client = _client(cpo)
        client.put_tariff(tariff)
        client.patch_tariff(tariff, cheaper)
        stored = emsp.tariffs.get("NL", "CPO", tariff.id)
        assert stored is not None and stored.currency == "USD"
        assert _writes(emsp)[-1][2] == {"currency": "USD", "last_updated": format_datetime(cheaper.last_updated)}
        client.delete_tariff(cheaper)
    assert emsp.tariffs.get("NL", "CPO", tariff.id) is None
    assert _writes(emsp)[-1][:2] == ("DELETE", f"/ocpi/emsp/2.1.1/tariffs/NL/CPO/{tariff.id}")


def test_post_cdr_returns_its_location_and_reads_it_back(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    _, cdr = session_and_cdr(CPO, EMSP, location, 1)
    with cpo.app.app_context():
        client = _client(cpo)
        url = client.post_cdr(cdr)
        assert url == f"{emsp.server.url}/ocpi/emsp/2.1.1/cdrs/NL/CPO/{cdr.id}"
        again = client.get_cdr(url)
    assert again is not None and again.id == cdr.id and again.total_energy == cdr.total_energy
    assert emsp.cdrs.get("NL", "CPO", cdr.id) is not None


def test_tokens_pushed_by_the_emsp(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    token = tokens(EMSP)[0]
    blocked = dataclasses.replace(token, valid=False, last_updated=token.last_updated + timedelta(hours=1))
    with emsp.app.app_context():
        client = _client(emsp)
        client.put_token(token)
        client.patch_token(token, blocked)
        assert client.get_token(token.uid) is not None
        with pytest.raises(ValueError, match="CPO operation"):
            client.put_location(demo_location(EMSP, 1))
    stored = cpo.tokens.get("DE", "MSP", token.uid)
    assert stored is not None and stored.valid is False
    assert _writes(cpo)[-1][2] == {"valid": False, "last_updated": format_datetime(blocked.last_updated)}


def test_get_single_objects_from_the_cpo_sender(pair: tuple[Side, Side]) -> None:
    cpo, emsp = pair
    location = demo_location(CPO, 1)
    cpo.locations.save(location)
    evse = location.evses[0]
    with emsp.app.app_context():
        client = _client(emsp)
        got = client.get_location(location.id)
        assert isinstance(got, Location) and dump_location(got) == dump_location(location)
        assert got.country_code == "NL" and got.party_id == "CPO"
        assert client.get_location(location.id, evse.uid).uid == evse.uid  # type: ignore[union-attr]
        assert client.get_location(location.id, evse.uid, evse.connectors[0].id).id == evse.connectors[0].id  # type: ignore[union-attr]
        assert client.get_location("NOPE") is None
