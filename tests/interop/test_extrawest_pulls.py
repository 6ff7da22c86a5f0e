"""Interop with extrawest-ocpi: we pull its lists (paging) and single objects.

See tests/interop/extrawest.py for the set-up and docs/interop.md, "extrawest-ocpi".
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from flask_ocpi.models import EVSE, Connector, Location, ModuleID, Role
from tests.interop.conftest import PeerProcess
from tests.interop.extrawest import (
    PEER_CPO,
    PEER_EMSP,
    messages,
    our_party,
    peer_requests,
    request_count,
    seeded,
    we_register,
)


def test_we_pull_locations_tariffs_and_sessions_from_extrawest_cpo(extrawest_cpo: PeerProcess) -> None:
    with our_party() as us:
        we_register(us, extrawest_cpo, Role.EMSP)
        with us.client() as client:
            locations = list(client.pull(ModuleID.LOCATIONS))
            tariffs = list(client.pull(ModuleID.TARIFFS))
            sessions = list(client.pull(ModuleID.SESSIONS))

    seed = seeded(extrawest_cpo, "locations")
    assert [loc.id for loc in locations] == list(seed)
    for loc in locations:
        want = seed[loc.id]
        assert (loc.country_code, loc.party_id) == (PEER_CPO.country_code, PEER_CPO.party_id)
        assert (loc.name, loc.address, loc.city, loc.country) == (
            want["name"],
            want["address"],
            want["city"],
            want["country"],
        )
        assert (loc.coordinates.latitude, loc.coordinates.longitude) == (
            want["coordinates"]["latitude"],
            want["coordinates"]["longitude"],
        )
        assert [e.uid for e in loc.evses] == [e["uid"] for e in want["evses"]]
        assert [e.evse_id for e in loc.evses] == [e["evse_id"] for e in want["evses"]]
        connector = loc.evses[0].connectors[0]
        assert (connector.standard.value, connector.max_voltage, connector.tariff_ids) == (
            "IEC_62196_T2",
            230,
            ["TARIFF-1"],
        )
        assert loc.last_updated == datetime.fromisoformat(want["last_updated"])
        assert loc.opening_times is not None and loc.opening_times.twentyfourseven

    seed = seeded(extrawest_cpo, "tariffs")
    assert [t.id for t in tariffs] == list(seed)
    assert tariffs[0].elements[0].price_components[0].price == Decimal("0.25")
    assert tariffs[1].elements[0].restrictions is not None
    assert tariffs[1].elements[0].restrictions.start_time == "08:00"
    assert [t.text for t in tariffs[0].tariff_alt_text] == ["0.25 EUR/kWh"]

    seed = seeded(extrawest_cpo, "sessions")
    assert [s.id for s in sessions] == list(seed)
    assert [(s.kwh, s.status.value, s.cdr_token.contract_id) for s in sessions] == [
        (Decimal(str(seed[s.id]["kwh"])), seed[s.id]["status"], seed[s.id]["auth_id"]) for s in sessions
    ]
    assert sessions[0].location is not None and sessions[0].location.id == "LOC-1"
    assert sessions[0].total_cost is not None and sessions[0].total_cost.excl_vat == Decimal("3.13")


def test_cdrs_of_extrawest_use_end_date_time_which_we_tolerate(
    extrawest_cpo: PeerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """py_ocpi's 2.1.1 CDR names its end ``end_date_time`` (2.2.1's name) instead of the
    required ``stop_date_time``: we accept it as ``stop_date_time``, with a warning."""
    caplog.set_level(logging.INFO, "flask_ocpi")
    with our_party() as us:
        we_register(us, extrawest_cpo, Role.EMSP)
        with us.client() as client:
            cdrs = list(client.pull(ModuleID.CDRS))
    assert set(seeded(extrawest_cpo, "cdrs")) == {"CDR-1"}
    assert [c.id.upper() for c in cdrs] == ["CDR-1"]
    assert cdrs[0].end_date_time > cdrs[0].start_date_time
    logged = messages(caplog.records)
    assert any("end_date_time (OCPI 2.2.1) instead of stop_date_time" in m for m in logged), logged


def test_we_pull_tokens_from_extrawest_emsp(extrawest_emsp: PeerProcess) -> None:
    with our_party() as us:
        we_register(us, extrawest_emsp, Role.CPO)
        with us.client() as client:
            tokens = list(client.pull(ModuleID.TOKENS))
    seed = seeded(extrawest_emsp, "tokens")
    assert [t.uid for t in tokens] == list(seed)
    for token in tokens:
        want = seed[token.uid]
        assert (token.country_code, token.party_id) == (PEER_EMSP.country_code, PEER_EMSP.party_id)
        assert (token.type.value, token.contract_id, token.issuer, token.valid, token.whitelist.value) == (
            want["type"],
            want["auth_id"],
            want["issuer"],
            want["valid"],
            want["whitelist"],
        )
        assert (token.visual_number, token.language) == (want["visual_number"], want["language"])


@pytest.mark.parametrize(
    ("peer_role", "our_role", "module"),
    [("cpo", Role.EMSP, ModuleID.LOCATIONS), ("emsp", Role.CPO, ModuleID.TOKENS)],
)
def test_we_page_through_extrawest_lists_by_offset_as_its_link_is_foreign(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    peer_role: str,
    our_role: Role,
    module: ModuleID,
) -> None:
    """py_ocpi's ``Link`` is ``https://`` (we talk ``http://``), always under ``/cpo/`` and with
    enum reprs in its path: not the list we read, so we ignore it (our token never leaves for
    another URL) and ask for the next page by ``offset``/``limit`` at the endpoint itself."""
    peer: PeerProcess = request.getfixturevalue(f"extrawest_{peer_role}")
    caplog.set_level(logging.INFO, "flask_ocpi")
    with our_party() as us:
        partner = we_register(us, peer, our_role)
        endpoint = partner.endpoint(module)
        assert endpoint is not None
        before = request_count(peer)
        with us.client() as client:
            pulled = list(client.pull(module, limit=2))
    assert [getattr(o, "id", getattr(o, "uid", None)) for o in pulled] == list(seeded(peer, module.value))
    pages = peer_requests(peer, "GET", f"/{module.value}", since=before)
    assert [urlsplit(r["url"])._replace(query="").geturl() for r in pages] == [endpoint.url] * 2, pages
    assert [parse_qs(urlsplit(r["url"]).query) for r in pages] == [
        {"limit": ["2"]},
        {"offset": ["2"], "limit": ["2"]},
    ], pages
    assert [r["status"] for r in pages] == [200, 200], pages
    ignored = [m for m in messages(caplog.records) if m.startswith("Ignoring a Link")]
    assert len(ignored) == 1 and f"'https://{urlsplit(peer.url).netloc}/ocpi/cpo/" in ignored[0], ignored


def test_single_objects_of_extrawest_come_wrapped_in_a_list(
    extrawest_cpo: PeerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """py_ocpi answers GET of one location (EVSE, connector) with ``data: [object]``: we take
    the one element, with a warning. An unknown one gets HTTP 404 with a non-OCPI body, which we
    read as "not found"."""
    caplog.set_level(logging.WARNING, "flask_ocpi")
    with our_party() as us:
        partner = we_register(us, extrawest_cpo, Role.EMSP)
        with us.client() as client:
            pulled = {loc.id: loc for loc in client.pull(ModuleID.LOCATIONS)}
            assert not caplog.records  # lists come as lists
            assert client.get_location("NO-SUCH-LOCATION") is None
            location = client.get_location("LOC-1")
            evse = client.get_location("LOC-1", "LOC-1-E1")
            connector = client.get_location("LOC-1", "LOC-1-E1", "1")
    assert isinstance(location, Location) and location == pulled["LOC-1"]
    assert isinstance(evse, EVSE) and evse == pulled["LOC-1"].evses[0]
    assert isinstance(connector, Connector) and connector == pulled["LOC-1"].evses[0].connectors[0]
    assert messages(caplog.records) == [
        f"Partner {partner.id} answered {what} wrapped in a list; using its one element"
        for what in ("a location", "a EVSE", "a connector")
    ]
