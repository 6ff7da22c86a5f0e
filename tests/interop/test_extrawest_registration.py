"""Interop with extrawest-ocpi: the credentials handshake both ways, update and unregistration.

See tests/interop/extrawest.py for the set-up and docs/interop.md, "extrawest-ocpi".
"""

from __future__ import annotations

import pytest

from flask_ocpi.models import ModuleID, PartnerStatus, PartyKey, Role
from flask_ocpi.modules.credentials import RegistrationError
from tests.interop.conftest import PeerProcess
from tests.interop.extrawest import (
    PEER_CPO,
    PEER_EMSP,
    PLAIN_TOKEN_A,
    our_party,
    peer_partners,
    peer_registers,
    we_register,
)

ROLES = pytest.mark.parametrize(
    ("peer_role", "our_role", "them"), [("CPO", Role.EMSP, PEER_CPO), ("EMSP", Role.CPO, PEER_EMSP)]
)


@ROLES
def test_we_register_with_extrawest(
    request: pytest.FixtureRequest, peer_role: str, our_role: Role, them: PartyKey
) -> None:
    peer: PeerProcess = request.getfixturevalue(f"extrawest_{peer_role.lower()}")
    with our_party() as us:
        partner = we_register(us, peer, our_role)
        assert partner.status is PartnerStatus.REGISTERED and partner.version == "2.1.1"
        assert partner.local_role is our_role
        assert [(r.role, r.key) for r in partner.roles] == [(Role(peer_role), them)]
        assert {ModuleID.CREDENTIALS, ModuleID.LOCATIONS, ModuleID.TOKENS} <= {e.identifier for e in partner.endpoints}
        # The peer kept our credentials and the endpoints it discovered with token B, as we list
        # them: with a trailing slash.
        (theirs,) = peer_partners(peer, us.versions_url(our_role))
        assert theirs["credentials"]["party_id"] == "ABC" and theirs["credentials"]["country_code"] == "NL"
        base = f"{us.url}/ocpi/{our_role.path}/2.1.1"
        assert {"identifier": "credentials", "url": f"{base}/credentials/"} in theirs["endpoints"]
        # The token C the peer issued works for a module call.
        module = ModuleID.LOCATIONS if peer_role == "CPO" else ModuleID.TOKENS
        with us.client() as client:
            assert list(client.pull(module))


@ROLES
def test_extrawest_registers_with_us(
    request: pytest.FixtureRequest, peer_role: str, our_role: Role, them: PartyKey
) -> None:
    peer: PeerProcess = request.getfixturevalue(f"extrawest_{peer_role.lower()}")
    with our_party() as us:
        answer = peer_registers(us, peer, our_role)
        assert answer["body"]["data"]["url"] == us.versions_url(our_role)
        partner = us.registered()
        assert partner.local_role is our_role and [(r.role, r.key) for r in partner.roles] == [(Role(peer_role), them)]
        assert partner.versions_url == f"{peer.url}/ocpi/versions"
        # Its token B works for our calls to it; it keeps our token C (its pushes use it).
        module = ModuleID.LOCATIONS if peer_role == "CPO" else ModuleID.TOKENS
        with us.client() as client:
            assert list(client.pull(module))
        (theirs,) = peer_partners(peer, us.versions_url(our_role))
        assert theirs["their_token"] == answer["body"]["data"]["token"]


def test_credentials_update_and_unregistration_at_extrawest(extrawest_cpo: PeerProcess) -> None:
    with our_party() as us:
        partner = we_register(us, extrawest_cpo, Role.EMSP)
        with us.app.app_context():
            updated = us.ocpi.update(partner.id)
        assert updated.outbound_token != partner.outbound_token  # the peer rotated our token (PUT)
        assert len(peer_partners(extrawest_cpo, us.versions_url(Role.EMSP))) == 1  # replaced, not added
        with us.client() as client:
            assert [loc.id for loc in client.pull(ModuleID.LOCATIONS)]
        with us.app.app_context():
            assert us.ocpi.unregister(partner.id).status is PartnerStatus.UNREGISTERED
        assert peer_partners(extrawest_cpo, us.versions_url(Role.EMSP)) == []


def test_a_token_a_that_is_not_base64_breaks_extrawest_versions_endpoint(extrawest_cpo: PeerProcess) -> None:
    """py_ocpi base64-decodes tokens at its /versions endpoint, whatever the version: a plain
    2.1.1 token that is not valid base64 gets OCPI 3000 there; our registration reports it."""
    with our_party() as us:
        with pytest.raises(RegistrationError) as failure:
            we_register(us, extrawest_cpo, Role.EMSP, token=PLAIN_TOKEN_A)
    assert "OCPI 3000" in str(failure.value) and "/ocpi/versions" in str(failure.value)
