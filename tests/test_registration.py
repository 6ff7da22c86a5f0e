"""Credentials and registration (2.1.1 credentials chapter), both directions, over real HTTP."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from flask_ocpi import RegistrationError, signals
from flask_ocpi.models import PartnerStatus, Role
from tests.live import serve
from tests.parties import Party, served_party
from tests.peers import PeerState, make_peer, peer_registers

pytestmark = pytest.mark.interop


def call(method: str, url: str, token: str | None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def cpo() -> Iterator[Party]:
    with served_party("CPA") as party:
        yield party


@pytest.fixture
def emsp() -> Iterator[Party]:
    with served_party("MSB") as party:
        yield party


@pytest.fixture
def peer() -> Iterator[PeerState]:
    state = PeerState()
    with serve(make_peer(state)) as server:
        state.base_url = server.url
        yield state


def invite(party: Party) -> str:
    with party.app.app_context():
        return party.ocpi.invite().token


# --- Flask-OCPI <-> Flask-OCPI, both directions --------------------------------------


@pytest.mark.parametrize(("initiator_role", "server_role"), [("emsp", "cpo"), ("cpo", "emsp")])
def test_two_parties_register_update_unregister(cpo: Party, emsp: Party, initiator_role: str, server_role: str) -> None:
    """One party invites, the other registers; then rotate and unregister, as the spec's diagrams."""
    server, client = (cpo, emsp) if server_role == "cpo" else (emsp, cpo)
    events: list[tuple[str, str, str]] = []

    def record(name: str):
        def receiver(sender: Any, partner: Any, initiator: str) -> None:
            events.append((f"{sender.name}", name, initiator))

        return receiver

    receivers = {n: record(n) for n in ("registered", "updated", "unregistered")}
    signals.partner_registered.connect(receivers["registered"])
    signals.partner_updated.connect(receivers["updated"])
    signals.partner_unregistered.connect(receivers["unregistered"])
    try:
        token_a = invite(server)
        with client.app.app_context():
            partner = client.ocpi.register(server.versions_url(server_role), token_a, role=initiator_role)
        assert partner.status is PartnerStatus.REGISTERED
        assert partner.version == "2.1.1"
        assert partner.roles[0].party_id == server.app.config["OCPI_PARTIES"][0]["party_id"]
        assert partner.roles[0].role is Role.from_path(server_role)
        assert {e.identifier for e in partner.endpoints} == {"credentials"}

        [theirs] = server.partners()
        assert theirs.status is PartnerStatus.REGISTERED
        assert theirs.local_role is Role.from_path(server_role)
        assert theirs.roles[0].role is Role.from_path(initiator_role)
        assert theirs.versions_url == client.versions_url(initiator_role)

        token_c = partner.outbound_token  # what the client uses towards the server
        token_b = theirs.outbound_token  # what the server uses towards the client
        server_credentials = f"{server.url}/ocpi/{server_role}/2.1.1/credentials"
        client_credentials = f"{client.url}/ocpi/{initiator_role}/2.1.1/credentials"
        assert call("GET", server_credentials, token_a).status_code == 401  # token A retired
        got = call("GET", server_credentials, token_c).json()
        assert got["status_code"] == 1000 and got["data"]["token"] == token_c
        assert call("GET", client_credentials, token_b).json()["status_code"] == 1000

        # Rotate from the client side: both tokens change, old ones stop working.
        with client.app.app_context():
            updated = client.ocpi.update(partner.id)
        [theirs_after] = server.partners()
        assert updated.outbound_token != token_c and theirs_after.outbound_token != token_b
        assert call("GET", server_credentials, token_c).status_code == 401
        assert call("GET", client_credentials, token_b).status_code == 401
        assert call("GET", server_credentials, updated.outbound_token).json()["status_code"] == 1000
        assert call("GET", client_credentials, theirs_after.outbound_token).json()["status_code"] == 1000

        # Unregister: neither side's token works any more.
        with client.app.app_context():
            gone = client.ocpi.unregister(partner.id)
        assert gone.status is PartnerStatus.UNREGISTERED
        assert server.partners()[0].status is PartnerStatus.UNREGISTERED
        assert call("GET", server_credentials, updated.outbound_token).status_code == 401
        assert call("GET", client_credentials, theirs_after.outbound_token).status_code == 401
    finally:
        for name, receiver in receivers.items():
            getattr(signals, f"partner_{name}").disconnect(receiver)

    assert sorted(events) == sorted(
        [
            (server.app.name, "registered", "partner"),
            (client.app.name, "registered", "us"),
            (server.app.name, "updated", "partner"),
            (client.app.name, "updated", "us"),
            (server.app.name, "unregistered", "partner"),
            (client.app.name, "unregistered", "us"),
        ]
    )


# --- our server against the independent peer ----------------------------------------


def test_peer_registers_with_us_and_token_a_is_refused_afterwards(cpo: Party, peer: PeerState) -> None:
    token_a = invite(cpo)
    response = peer_registers(peer, cpo.versions_url("cpo"), token_a)
    body = response.json()
    assert response.status_code == 200 and body["status_code"] == 1000
    assert body["data"]["party_id"] == "CPA" and body["data"]["url"] == cpo.versions_url("cpo")
    token_c = body["data"]["token"]
    assert token_c != token_a
    # During the POST we called the peer back with the token B it sent us.
    [token_b] = peer.accepted_tokens
    assert ("GET", "/emsp/versions", f"Token {token_b}") in peer.calls
    assert ("GET", "/emsp/2.1.1/", f"Token {token_b}") in peer.calls
    assert call("GET", cpo.versions_url("cpo"), token_a).status_code == 401
    assert call("GET", cpo.versions_url("cpo"), token_c).json()["status_code"] == 1000
    [partner] = cpo.partners()
    assert partner.roles[0].key.party_id == "TNM" and partner.roles[0].role is Role.EMSP
    assert {e.identifier for e in partner.endpoints} == {"credentials", "locations"}


def test_post_when_registered_is_405_and_put_delete_before_registration_are_405(cpo: Party, peer: PeerState) -> None:
    token_a = invite(cpo)
    from tests.peers import own_credentials

    credentials_url = f"{cpo.url}/ocpi/cpo/2.1.1/credentials"
    valid = own_credentials(peer, "some-token")
    put = call("PUT", credentials_url, token_a, json=valid)
    assert put.status_code == 405 and put.json()["status_code"] == 2000
    delete = call("DELETE", credentials_url, token_a)
    assert delete.status_code == 405 and "status_code" in delete.json()
    response = peer_registers(peer, cpo.versions_url("cpo"), token_a)
    token_c = response.json()["data"]["token"]
    again = call("POST", credentials_url, token_c, json=own_credentials(peer, "another"))
    assert again.status_code == 405 and again.json()["status_code"] == 2000
    # A partner registered on our CPO tree is not registered on our eMSP tree.
    other_tree = call("DELETE", f"{cpo.url}/ocpi/emsp/2.1.1/credentials", token_c)
    assert other_tree.status_code == 405


def test_peer_put_rotates_and_delete_unregisters(cpo: Party, peer: PeerState) -> None:
    from tests.peers import own_credentials

    token_a = invite(cpo)
    token_c = peer_registers(peer, cpo.versions_url("cpo"), token_a).json()["data"]["token"]
    credentials_url = f"{cpo.url}/ocpi/cpo/2.1.1/credentials"
    peer.accepted_tokens.add("rotated-token-b")
    put = call("PUT", credentials_url, token_c, json=own_credentials(peer, "rotated-token-b"))
    assert put.json()["status_code"] == 1000
    new_c = put.json()["data"]["token"]
    assert new_c != token_c
    assert call("GET", credentials_url, token_c).status_code == 401
    assert call("GET", credentials_url, new_c).json()["status_code"] == 1000
    assert cpo.partners()[0].outbound_token == "rotated-token-b"
    assert call("DELETE", credentials_url, new_c).json()["status_code"] == 1000
    assert call("GET", credentials_url, new_c).status_code == 401


@pytest.mark.parametrize(
    ("bend", "expected"),
    [
        ({"fail_versions": True}, 3001),
        ({"base_url": "http://127.0.0.1:9"}, 3001),
        ({"versions": ["2.0", "2.2.1"]}, 3002),
        ({"modules": ["locations"]}, 3003),
    ],
)
def test_registration_errors_leave_nothing_half_written(
    cpo: Party, peer: PeerState, bend: dict[str, Any], expected: int
) -> None:
    from tests.peers import own_credentials

    token_a = invite(cpo)
    original_base = peer.base_url
    body = own_credentials(peer, "token-b")
    for key, value in bend.items():
        setattr(peer, key, value)
    if "base_url" in bend:
        body["url"] = f"{bend['base_url']}/emsp/versions"
    peer.base_url = original_base if "base_url" in bend else peer.base_url
    peer.accepted_tokens.add("token-b")
    response = call("POST", f"{cpo.url}/ocpi/cpo/2.1.1/credentials", token_a, json=body)
    assert response.json()["status_code"] == expected
    assert response.json()["status_message"]
    [partner] = cpo.partners()
    assert partner.status is PartnerStatus.INVITED and partner.outbound_token is None
    # Token A still opens versions: the partner can fix its side and retry.
    assert call("GET", cpo.versions_url("cpo"), token_a).json()["status_code"] == 1000


def test_base64_encoded_token_is_accepted(cpo: Party) -> None:
    token_a = invite(cpo)
    encoded = base64.b64encode(token_a.encode()).decode()
    assert call("GET", cpo.versions_url("cpo"), encoded).json()["status_code"] == 1000


def test_a_party_key_cannot_be_claimed_twice_on_one_tree(cpo: Party, peer: PeerState) -> None:
    peer_registers(peer, cpo.versions_url("cpo"), invite(cpo))
    impostor = PeerState(base_url=peer.base_url)
    response = peer_registers(impostor, cpo.versions_url("cpo"), invite(cpo))
    assert response.json()["status_code"] == 2000
    assert "NL-TNM" in response.json()["status_message"]
    assert [p.status for p in cpo.partners()] == [PartnerStatus.REGISTERED, PartnerStatus.INVITED]


# --- our client against the independent peer -----------------------------------------


def test_we_register_with_the_peer(cpo: Party, peer: PeerState) -> None:
    peer.accepted_tokens.add("peer-token-a")
    with cpo.app.app_context():
        partner = cpo.ocpi.register(f"{peer.base_url}/emsp/versions", "peer-token-a", role="cpo", name="peer")
    assert partner.outbound_token in peer.accepted_tokens and "peer-token-a" not in peer.accepted_tokens
    assert peer.their_credentials is not None and peer.their_credentials["party_id"] == "CPA"
    # The peer calls us with the token we gave it.
    assert call("GET", cpo.versions_url("cpo"), peer.token_for_them).json()["status_code"] == 1000


def test_we_do_not_post_when_the_partner_lacks_credentials_or_a_mutual_version(cpo: Party, peer: PeerState) -> None:
    peer.accepted_tokens.add("peer-token-a")
    peer.modules = ["locations"]
    with cpo.app.app_context(), pytest.raises(RegistrationError) as missing:
        cpo.ocpi.register(f"{peer.base_url}/emsp/versions", "peer-token-a", role="cpo")
    assert getattr(missing.value.error, "status_code", None) == 3003
    peer.modules, peer.versions = ["credentials"], ["2.2.1"]
    with cpo.app.app_context(), pytest.raises(RegistrationError) as version:
        cpo.ocpi.register(f"{peer.base_url}/emsp/versions", "peer-token-a", role="cpo")
    assert getattr(version.value.error, "status_code", None) == 3002
    assert not any(m == "POST" for m, _, _ in peer.calls)
    assert cpo.partners() == []


def test_wrong_token_a_at_the_partner_stores_nothing(cpo: Party, peer: PeerState) -> None:
    with cpo.app.app_context(), pytest.raises(RegistrationError) as refused:
        cpo.ocpi.register(f"{peer.base_url}/emsp/versions", "not-the-token", role="cpo")
    assert refused.value.error.status_code == 3001
    assert cpo.partners() == []
