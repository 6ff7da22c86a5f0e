"""Our own parties are never a partner's: registration refuses them, and nothing trusts a
stored row that claims them (defence in depth), over real HTTP on 127.0.0.1.

The host is one company, NL-EXA, on both role trees, with one locations store (its own CPO
locations, served to eMSPs, and what CPOs push to its eMSP side) and one tokens store (its
eMSP's cards, which its CPO side also authorizes). An attacker holding any token A tries
to register as NL-EXA to write into those namespaces.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from example_app.demo import location as demo_location
from example_app.demo import session_and_cdr, tokens
from flask_ocpi import OCPI, RegistrationError
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.config import OcpiConfig
from flask_ocpi.extension import SUPPORTED_VERSIONS
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.modules import credentials as registration
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore, MemorySessions, MemoryTokens
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore
from flask_ocpi.transport.auth import hash_token, new_token
from flask_ocpi.transport.http import OcpiHttp
from flask_ocpi.util.urlpolicy import UrlPolicy
from flask_ocpi.v2_1_1 import client as wire
from tests.backends import objects
from tests.backends.conftest import ALL_BACKENDS, open_database
from tests.live import LiveServer, serve
from tests.peers import PeerState, make_peer, own_credentials, peer_registers

pytestmark = pytest.mark.interop

OURS = PartyKey("NL", "EXA")
BLOCKED_UID = "04A1B2C3D40005"  # the last of example_app.demo.tokens() is blocked


@dataclass
class Host:
    """The served NL-EXA application and its stores."""

    app: Flask
    ocpi: OCPI
    server: LiveServer
    store: PartnerStore
    locations: MemoryLocations
    tokens: MemoryTokens
    sessions: MemorySessions

    def url(self, path: str) -> str:
        return f"{self.server.url}/ocpi/{path}"

    def invite(self) -> str:
        with self.app.app_context():
            return self.ocpi.invite(name="invited").token

    def connect(self, tree: Role, *keys: PartyKey) -> str:
        """A REGISTERED row on our ``tree`` naming ``keys``, written straight into the store
        (as an older release or the host might have); its token."""
        token = new_token()
        self.store.add(
            partner=Partner(
                id=f"row-{uuid.uuid4().hex[:6]}",
                local_party=OURS,
                status=PartnerStatus.REGISTERED,
                local_role=tree,
                version="2.1.1",
                roles=[
                    CredentialsRole(
                        role=registration.other_role(tree),
                        country_code=k.country_code,
                        party_id=k.party_id,
                        business_details=BusinessDetails(name=str(k)),
                    )
                    for k in keys
                ],
                outbound_token=new_token(),
                grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
            )
        )
        return token


@contextmanager
def served_host(store: PartnerStore) -> Iterator[Host]:
    holder: dict[str, Flask] = {}
    server = LiveServer(lambda environ, start: holder["app"](environ, start))
    app = holder["app"] = Flask("exa")
    app.config.update(
        TESTING=True,
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "EXA", "business_details": {"name": "Example"}}],
        OCPI_BASE_URL=server.url,
        OCPI_OUTBOUND_ALLOW_HTTP=True,
        OCPI_OUTBOUND_ALLOW_LOOPBACK=True,
    )
    locations, cards, sessions = MemoryLocations(), MemoryTokens(), MemorySessions()
    backends = [locations.sender(), locations.receiver(), cards.sender(), cards.receiver(), sessions.sender()]
    ocpi = OCPI(app, partners=store, backends=backends)
    locations.save(dataclasses.replace(demo_location(OURS, 1), name="The real one"))
    cards.save_many(tokens(OURS))
    server.start()
    try:
        yield Host(app, ocpi, server, store, locations, cards, sessions)
    finally:
        server.stop()


@pytest.fixture(params=ALL_BACKENDS)
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Host]:
    """The served host, its partners in memory, SQLite and (``OCPI_TEST_POSTGRES_URL``) PostgreSQL."""
    if request.param == "memory":
        with served_host(MemoryPartnerStore()) as served:
            yield served
        return
    with open_database(request.param, tmp_path) as database:
        store = SQLAlchemyPartnerStore(database.create_engine())
        store.create_tables()
        with served_host(store) as served:
            yield served


@contextmanager
def attacker(role: str, party_id: str = "EXA") -> Iterator[PeerState]:
    """An independent OCPI party serving its ``role`` tree, whose credentials say NL-``party_id``."""
    state = PeerState(party_id=party_id, role=role)
    with serve(make_peer(state)) as server:
        state.base_url = server.url
        yield state


def call(method: str, url: str, token: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, url, headers={"Authorization": f"Token {token}"}, timeout=10, **kwargs)


def forged_location() -> Any:
    return wire.dump_location(dataclasses.replace(demo_location(OURS, 1), name="Forged"))


def authorize(host: Host, cpo_token: str) -> str:
    """Real-time authorization of our blocked card by a CPO connected to our eMSP tree."""
    answer = call("POST", host.url(f"emsp/2.1.1/tokens/{BLOCKED_UID}/authorize"), cpo_token)
    allowed: str = answer.json()["data"]["allowed"]
    return allowed


def assert_refused_as_ours(response: requests.Response) -> None:
    body = response.json()
    assert response.status_code == 200 and body["status_code"] == 2001, body
    assert "NL-EXA" in body["status_message"] and "our own parties" in body["status_message"]


def real_location(host: Host) -> str | None:
    stored = host.locations.get("NL", "EXA", demo_location(OURS, 1).id)
    return stored.name if stored is not None else None


# --- the two attacks, end to end -----------------------------------------------------------------


def test_attack_1_registering_on_our_emsp_tree_as_our_cpo_is_refused(host: Host) -> None:
    token_a = host.invite()
    with attacker("cpo") as evil:
        response = peer_registers(evil, host.url("emsp/versions"), token_a)
        assert_refused_as_ours(response)
        assert evil.calls == []  # refused before we called the attacker's URL back
        # Today's next step, PUT "our" location into our eMSP receiver, has no token to do it with.
        put = call(
            "PUT", host.url(f"emsp/2.1.1/locations/NL/EXA/{demo_location(OURS, 1).id}"), token_a, json=forged_location()
        )
        assert put.status_code == 401
    assert real_location(host) == "The real one" and host.locations.count() == 1
    [partner] = host.store.list()
    assert partner.status is PartnerStatus.INVITED and partner.roles == [] and partner.outbound_token is None


def test_attack_2_registering_on_our_cpo_tree_as_our_emsp_is_refused(host: Host) -> None:
    cpo = host.connect(Role.EMSP, PartyKey("DE", "CPO"))  # a genuine CPO asking our eMSP side
    assert authorize(host, cpo) == "BLOCKED"
    token_a = host.invite()
    with attacker("emsp") as evil:
        assert_refused_as_ours(peer_registers(evil, host.url("cpo/versions"), token_a))
        patch = call("PATCH", host.url(f"cpo/2.1.1/tokens/NL/EXA/{BLOCKED_UID}"), token_a, json={"valid": True})
        assert patch.status_code == 401
    stored = host.tokens.get("NL", "EXA", BLOCKED_UID)
    assert stored is not None and stored.valid is False
    assert authorize(host, cpo) == "BLOCKED"


def test_credentials_update_naming_our_party_is_refused_and_changes_nothing(host: Host) -> None:
    with attacker("emsp", party_id="TNM") as peer:
        token_c = peer_registers(peer, host.url("cpo/versions"), host.invite()).json()["data"]["token"]
        [before] = host.store.list()
        peer.party_id = "EXA"
        peer.accepted_tokens.add("token-b2")
        response = call("PUT", host.url("cpo/2.1.1/credentials"), token_c, json=own_credentials(peer, "token-b2"))
        assert_refused_as_ours(response)
        assert call("GET", host.url("cpo/2.1.1/credentials"), token_c).json()["status_code"] == 1000
    assert host.store.list() == [before] and [str(k) for k in before.parties] == ["NL-TNM"]


# --- our client: a partner's answer naming one of our parties ------------------------------------


def test_we_do_not_register_with_a_partner_whose_credentials_name_our_party(host: Host) -> None:
    with attacker("emsp") as evil:
        evil.accepted_tokens.add("their-token-a")
        with host.app.app_context(), pytest.raises(RegistrationError) as refused:
            host.ocpi.register(f"{evil.base_url}/emsp/versions", "their-token-a", role="cpo")
        assert refused.value.error.status_code == 2001 and "NL-EXA" in str(refused.value)
        assert host.store.list() == []  # the provisional REGISTERING row is gone
        assert evil.token_for_them is not None  # the token B it holds opens nothing
        assert call("GET", host.url("cpo/versions"), evil.token_for_them).status_code == 401


def test_our_update_is_refused_when_the_partner_now_names_our_party(host: Host) -> None:
    with attacker("emsp", party_id="TNM") as peer:
        peer.accepted_tokens.add("their-token-a")
        with host.app.app_context():
            partner = host.ocpi.register(f"{peer.base_url}/emsp/versions", "their-token-a", role="cpo")
        peer.party_id = "EXA"
        with host.app.app_context(), pytest.raises(RegistrationError) as refused:
            host.ocpi.update(partner.id)
    assert refused.value.error.status_code == 2001
    [after] = host.store.list()
    assert dataclasses.replace(after, updated=partner.updated) == partner  # roles, tokens, endpoints as before


# --- defence in depth: a stored row claiming one of our parties ----------------------------------


def test_a_row_claiming_our_cpo_cannot_write_our_locations(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    forged = host.connect(Role.EMSP, OURS, PartyKey("DE", "FOR"))
    path = f"emsp/2.1.1/locations/NL/EXA/{demo_location(OURS, 1).id}"
    with caplog.at_level(logging.WARNING, logger="flask_ocpi"):
        for method, body in (("PUT", forged_location()), ("PATCH", {"name": "Forged"})):
            response = call(method, host.url(path), forged, json=body)
            assert response.status_code == 404 and response.json()["status_code"] == 2000
    assert real_location(host) == "The real one"
    [row] = host.store.list()
    assert f"Partner {row.id} is stored with our own party NL-EXA" in caplog.text
    # Its genuine party still works.
    theirs = wire.dump_location(dataclasses.replace(demo_location(PartyKey("DE", "FOR"), 2), id="THEIRS"))
    assert call("PUT", host.url("emsp/2.1.1/locations/DE/FOR/THEIRS"), forged, json=theirs).status_code == 201


def test_a_row_claiming_our_emsp_cannot_unblock_our_token(host: Host) -> None:
    forged = host.connect(Role.CPO, OURS)
    cpo = host.connect(Role.EMSP, PartyKey("DE", "CPO"))
    url = host.url(f"cpo/2.1.1/tokens/NL/EXA/{BLOCKED_UID}")
    card = wire.dump_token(dataclasses.replace(tokens(OURS)[-1], valid=True))
    for method, body in (("PUT", card), ("PATCH", {"valid": True})):
        response = call(method, url, forged, json=body)
        assert response.status_code == 404 and response.json()["status_code"] == 2000
    assert authorize(host, cpo) == "BLOCKED"


def test_own_party_refuses_our_keys_before_any_backend_call(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    """Even for a caller that kept our key (authentication is bypassed here): 404, logged."""
    from flask_ocpi.exceptions import NotFound
    from flask_ocpi.transport.auth import Caller, set_caller
    from flask_ocpi.transport.views import own_party

    partner = Partner(id="kept", local_party=OURS, status=PartnerStatus.REGISTERED, local_role=Role.EMSP)
    partner.roles = [
        CredentialsRole(role=Role.CPO, country_code="NL", party_id="EXA", business_details=BusinessDetails(name="x"))
    ]
    with host.app.test_request_context(), caplog.at_level(logging.WARNING, logger="flask_ocpi"):
        set_caller(Caller(partner, TokenScope.FULL, "t"))
        with pytest.raises(NotFound) as refused:
            own_party("nl", "exa")
    assert refused.value.http_status == 404 and refused.value.status_code == 2000
    assert "Partner kept addressed NL-EXA, one of our own parties" in caplog.text


def test_a_row_claiming_our_emsp_never_reads_our_emsps_sessions(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    location = demo_location(OURS, 1)
    ours, _ = session_and_cdr(OURS, OURS, location, 1)  # our CPO charging our own eMSP's customer
    theirs, _ = session_and_cdr(OURS, PartyKey("DE", "FOR"), location, 2)
    host.sessions.save_many([ours, theirs])
    forged = host.connect(Role.CPO, OURS, PartyKey("DE", "FOR"))
    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        answer = call("GET", host.url("cpo/2.1.1/sessions"), forged, params={"date_from": "2000-01-01T00:00:00Z"})
    assert answer.json()["status_code"] == 1000
    assert [s["id"] for s in answer.json()["data"]] == [theirs.id]
    assert len([r for r in caplog.records if "stored with our own party" in r.getMessage()]) == 1  # once per request


def test_our_client_never_sends_our_emsps_session_to_a_row_claiming_it() -> None:
    """Our CPO NL-EXA and our eMSP NL-EMS: a row claiming NL-EMS never gets its sessions."""
    app = Flask("two")
    app.config["OCPI_PARTIES"] = [
        {"country_code": "NL", "party_id": p, "business_details": {"name": p}} for p in ("EXA", "EMS")
    ]
    OCPI(app, partners=MemoryPartnerStore())
    ems = PartyKey("NL", "EMS")
    row = Partner(
        id="claims-ours",
        local_party=OURS,
        status=PartnerStatus.REGISTERED,
        local_role=Role.CPO,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.EMSP, country_code="NL", party_id="EMS", business_details=BusinessDetails(name="x")
            )
        ],
        endpoints=[Endpoint(identifier="sessions", url="https://unreachable.invalid/sessions")],
        outbound_token="t",
    )
    session, _ = session_and_cdr(OURS, ems, demo_location(OURS, 1), 1)
    with app.app_context():
        client = PartnerClient.connect(row)
        assert client.their_parties == []
        with pytest.raises(ValueError, match="not of claims-ours"):
            client.put_session(session)
    unbound = PartnerClient(row, http=OcpiHttp(token="t", timeout=1, policy=UrlPolicy()), own_parties=[ems])
    with pytest.raises(ValueError, match="not of claims-ours"):
        unbound.put_session(session)


def test_config_tells_our_parties_from_a_partners() -> None:
    config = OcpiConfig.from_mapping(
        {"OCPI_PARTIES": [{"country_code": "nl", "party_id": "exa", "business_details": {"name": "x"}}]},
        supported=SUPPORTED_VERSIONS,
    )
    row = Partner(id="p", local_party=OURS, status=PartnerStatus.REGISTERED)
    row.roles = [
        CredentialsRole(role=Role.EMSP, country_code=c, party_id=p, business_details=BusinessDetails(name="x"))
        for c, p in (("NL", "EXA"), ("DE", "FOR"))
    ]
    assert config.is_ours("nl-exa") and config.is_ours(OURS) and not config.is_ours("DE-FOR")
    assert config.foreign_parties(row) == [PartyKey("DE", "FOR")]


# --- races through the credentials endpoint ------------------------------------------------------


def _hold_registrations(monkeypatch: pytest.MonkeyPatch, parties: int) -> None:
    """Make each registration wait, just before it stores its result, until ``parties`` are
    there: all have passed the status and namespace checks before any writes."""
    barrier = threading.Barrier(parties, timeout=10)
    save = registration._save

    def held(partner: Partner, **kwargs: Any) -> Partner:
        if kwargs.get("expected_status") is PartnerStatus.INVITED:
            barrier.wait()
        return save(partner, **kwargs)

    monkeypatch.setattr(registration, "_save", held)


def _concurrently(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return results


def test_two_posts_with_one_token_a_register_once(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    token_a = host.invite()
    _hold_registrations(monkeypatch, 2)
    with attacker("emsp", party_id="TNM") as peer:
        first, second = _concurrently(
            *(lambda: peer_registers(peer, host.url("cpo/versions"), token_a) for _ in range(2))
        )
    answers = sorted(
        [(first.status_code, first.json()["status_code"]), (second.status_code, second.json()["status_code"])]
    )
    assert answers == [(200, 1000), (405, 2000)]
    winner = first if first.json()["status_code"] == 1000 else second
    [partner] = host.store.list()
    assert partner.status is PartnerStatus.REGISTERED
    assert partner.grants[0].token_hash == hash_token(winner.json()["data"]["token"])


def test_two_invitations_racing_for_one_party_key_cannot_both_win(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens_a = [host.invite(), host.invite()]
    _hold_registrations(monkeypatch, 2)
    with attacker("emsp", party_id="TNM") as one, attacker("emsp", party_id="TNM") as other:
        answers = _concurrently(
            lambda: peer_registers(one, host.url("cpo/versions"), tokens_a[0]),
            lambda: peer_registers(other, host.url("cpo/versions"), tokens_a[1]),
        )
    codes = sorted(a.json()["status_code"] for a in answers)
    assert codes == [1000, 2000]
    lost = next(a for a in answers if a.json()["status_code"] == 2000)
    assert "NL-TNM is already registered by another connection" in lost.json()["status_message"]
    assert sorted(p.status for p in host.store.list()) == [PartnerStatus.INVITED, PartnerStatus.REGISTERED]


def test_a_row_claiming_only_our_cpo_cannot_post_cdrs() -> None:
    """A CDR POST carries no namespace in its URL: its owner is the caller's CPO party. A row
    whose only party is ours has none of its own left: a client error, nothing stored."""
    from flask_ocpi.stores.memory import MemoryCdrs
    from flask_ocpi.v2_1_1.schemas.cdrs import dump_cdr

    app = Flask("cdrs")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "EXA", "business_details": {"name": "x"}}]
    partners, cdrs = MemoryPartnerStore(), MemoryCdrs()
    OCPI(app, partners=partners, backends=[cdrs.receiver()])
    token = new_token()
    partners.add(partner=objects.partner(OURS, OURS, partner_id="forged", local_role=Role.EMSP, token=token))
    cpo = PartyKey("BE", "CPO")
    _session, cdr = session_and_cdr(cpo, OURS, demo_location(cpo, 1), 1)
    loc = cdr.location
    assert loc is not None
    used = dataclasses.replace(loc.evses[0], connectors=loc.evses[0].connectors[:1])
    cdr.location = dataclasses.replace(loc, evses=[used])
    body = json.loads(json.dumps(dump_cdr(cdr), default=str))
    answer = app.test_client().post("/ocpi/emsp/2.1.1/cdrs", json=body, headers={"Authorization": f"Token {token}"})
    assert answer.status_code == 200 and answer.get_json()["status_code"] == 2000, answer.get_json()
    assert cdrs.count() == 0


def test_a_row_claiming_only_our_emsp_cannot_send_commands() -> None:
    """A 2.1.1 command's token names no owner: it is the caller's eMSP party. A row whose only
    party is ours has none of its own left: a client error, no command reaches the backend."""
    from flask_ocpi.stores.memory import MemoryCommandStore
    from tests.roaming import ChargePoints

    app = Flask("commands")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "EXA", "business_details": {"name": "x"}}]
    app.config.update(OCPI_OUTBOUND_ALLOW_HTTP=True, OCPI_OUTBOUND_ALLOW_LOOPBACK=True)
    partners, locations = MemoryPartnerStore(), MemoryLocations()
    points = ChargePoints(locations)
    OCPI(app, partners=partners, commands=MemoryCommandStore(), backends=[points])
    token = new_token()
    partners.add(partner=objects.partner(OURS, OURS, partner_id="forged", local_role=Role.CPO, token=token))
    body = {"response_url": "http://127.0.0.1:9/results/1", "session_id": "S1"}
    answer = app.test_client().post(
        "/ocpi/cpo/2.1.1/commands/STOP_SESSION", json=body, headers={"Authorization": f"Token {token}"}
    )
    assert answer.status_code == 200 and answer.get_json()["status_code"] == 2000, answer.get_json()
    assert points.received == []
