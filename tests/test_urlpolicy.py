"""The outbound URL policy: by default Flask-OCPI calls only https URLs of public hosts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import RegistrationError
from flask_ocpi.models import PartnerStatus
from flask_ocpi.util.urlpolicy import UnsafeUrl, UrlPolicy
from tests.live import serve
from tests.peers import PeerState, make_peer, own_credentials

STRICT = {"OCPI_OUTBOUND_ALLOW_HTTP": False, "OCPI_OUTBOUND_ALLOW_LOOPBACK": False}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://1.1.1.1/versions", "only https"),
        ("ftp://1.1.1.1/versions", "only https"),
        ("https://127.0.0.1/versions", "loopback"),
        ("https://localhost:8443/versions", "loopback"),
        ("https://[::1]/versions", "loopback"),
        ("https://[::ffff:127.0.0.1]/versions", "loopback"),
        ("https://10.1.2.3/versions", "non-public"),
        ("https://192.168.0.10/versions", "non-public"),
        ("https://172.16.5.4/versions", "non-public"),
        ("https://169.254.169.254/latest/meta-data", "non-public"),
        ("https://100.64.0.1/versions", "non-public"),
        ("https://0.0.0.0/versions", "non-public"),
        ("https://[fe80::1]/versions", "non-public"),
        ("https:///versions", "no host"),
    ],
)
def test_the_default_policy_refuses(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        UrlPolicy().check(url)


def test_the_default_policy_allows_https_to_public_addresses() -> None:
    assert UrlPolicy().check("https://1.1.1.1:8443/ocpi/versions") == "https://1.1.1.1:8443/ocpi/versions"
    assert UrlPolicy().check("https://[2001:4860:4860::8888]/x")


def test_each_allowance_opens_only_its_own_kind() -> None:
    assert UrlPolicy(allow_http=True).check("http://1.1.1.1/v")
    with pytest.raises(UnsafeUrl, match="loopback"):
        UrlPolicy(allow_http=True).check("http://127.0.0.1/v")
    assert UrlPolicy(allow_http=True, allow_loopback=True).check("http://127.0.0.1:5000/v")
    with pytest.raises(UnsafeUrl, match="non-public"):
        UrlPolicy(allow_loopback=True).check("https://10.0.0.1/v")
    assert UrlPolicy(allow_private=True).check("https://10.0.0.1/v")


@pytest.fixture
def peer() -> Iterator[PeerState]:
    state = PeerState()
    with serve(make_peer(state)) as server:
        state.base_url = server.url
        yield state


def test_a_partner_cannot_make_us_call_a_loopback_url(make_app: Callable[..., Flask], peer: PeerState) -> None:
    app = make_app(STRICT)
    with app.test_request_context():
        invitation = app.extensions["ocpi"].extension.invite()
    peer.accepted_tokens.add("token-b")
    response = app.test_client().post(
        "/ocpi/cpo/2.1.1/credentials",
        headers={"Authorization": f"Token {invitation.token}"},
        json=own_credentials(peer, "token-b"),  # its versions URL is http://127.0.0.1:...
    )
    body = response.get_json()
    assert body["status_code"] == 3001 and "outbound URL policy" in body["status_message"]
    assert peer.calls == []  # nothing was sent
    [partner] = app.extensions["ocpi"].partners.list()
    assert partner.status is PartnerStatus.INVITED


def test_we_do_not_register_with_a_refused_url(make_app: Callable[..., Flask], peer: PeerState) -> None:
    app = make_app(STRICT | {"OCPI_BASE_URL": "https://us.example.com"})
    peer.accepted_tokens.add("peer-token-a")
    with app.app_context(), pytest.raises(RegistrationError) as refused:
        app.extensions["ocpi"].extension.register(f"{peer.base_url}/emsp/versions", "peer-token-a", role="cpo")
    assert "outbound URL policy" in str(refused.value)
    assert peer.calls == [] and app.extensions["ocpi"].partners.list() == []


def test_a_response_url_to_a_private_address_is_2001(make_app: Callable[..., Flask]) -> None:
    from flask_ocpi.exceptions import InvalidOrMissingParameters
    from flask_ocpi.modules.commands import check_response_url

    app = make_app(STRICT)
    with app.app_context():
        assert check_response_url("https://1.1.1.1/r/1")
        for url in ("https://10.0.0.7/r/1", "http://1.1.1.1/r/1", "https://127.0.0.1/r/1"):
            with pytest.raises(InvalidOrMissingParameters, match="response_url: refused"):
                check_response_url(url)


def _partner_at(url: str) -> Any:
    """A registered eMSP partner of our CPO side whose endpoints point at ``url``."""
    from flask_ocpi.models import BusinessDetails, CredentialsRole, Endpoint, Partner, PartyKey, Role

    return Partner(
        id="private",
        local_party=PartyKey("NL", "ABC"),
        local_role=Role.CPO,
        status=PartnerStatus.REGISTERED,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.EMSP, country_code="DE", party_id="XYZ", business_details=BusinessDetails(name="X")
            )
        ],
        endpoints=[
            Endpoint(identifier="locations", url=f"{url}/locations/"),
            Endpoint(identifier="tokens", url=f"{url}/tokens/"),
        ],
        outbound_token="t",
    )


def test_partner_endpoints_at_private_addresses_are_refused(make_app: Callable[..., Flask]) -> None:
    from example_app.demo import location
    from flask_ocpi.client import PartnerClient, RefusedUrl
    from flask_ocpi.models import DeliveryStatus, ModuleID, PartyKey
    from flask_ocpi.outbound.dispatch import InlineDispatcher
    from flask_ocpi.stores.memory import MemoryDeliveryStore, MemoryPartnerStore

    partners = MemoryPartnerStore()
    partners.add(partner=_partner_at("https://10.0.0.7"))
    app = make_app(STRICT, partners=partners)
    deliveries = MemoryDeliveryStore()
    state = app.extensions["ocpi"]
    state.deliveries, state.dispatcher = deliveries, InlineDispatcher()
    with app.app_context():
        client = PartnerClient.connect("private")
        with pytest.raises(RefusedUrl, match="non-public"):
            list(client.pull(ModuleID.TOKENS))
        with pytest.raises(RefusedUrl):
            client.authorize("04A1")
        app.extensions["ocpi"].extension.changed(location(PartyKey("NL", "ABC"), 1))
    (kept,) = deliveries.list()
    assert kept.status is DeliveryStatus.FAILED and "refused by the outbound URL policy" in (kept.last_error or "")


@pytest.mark.parametrize(
    "url",
    [
        "https://partner.example.com:99999/r/1",
        "https://partner.example.com:-1/r/1",
        "https://partner.example.com:port/r/1",
        "https://[::1/r/1",
        "https://[not-an-address]/r/1",
        "https://" + "a" * 64 + ".example.com/r/1",
    ],
    ids=["port-99999", "port-negative", "port-text", "ipv6-unclosed", "ipv6-garbage", "label-too-long"],
)
def test_an_unparsable_url_is_an_unsafe_url(url: str) -> None:
    for policy in (UrlPolicy(), UrlPolicy(allow_http=True, allow_loopback=True, allow_private=True)):
        with pytest.raises(UnsafeUrl, match="not a valid"):
            policy.check(url)


def test_a_response_url_with_port_99999_is_2001_not_a_500(partners: Any, full_token: str) -> None:
    from flask_ocpi import OCPI
    from flask_ocpi.backends.commands import CommandsReceiverBackend
    from flask_ocpi.stores.memory import MemoryCommandStore

    class Untouched(CommandsReceiverBackend):
        def _refuse(self, **_: Any) -> Any:
            raise AssertionError("a refused command must not reach the backend")

        start_session = stop_session = reserve_now = unlock_connector = _refuse

    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    OCPI(app, partners=partners, backends=[Untouched()], commands=MemoryCommandStore())
    body = {"response_url": "https://partner.example.com:99999/r/1", "session_id": "S1"}
    response = app.test_client().post(
        "/ocpi/cpo/2.1.1/commands/STOP_SESSION", json=body, headers={"Authorization": f"Token {full_token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["status_code"] == 2001
    assert answer["status_message"].startswith("response_url:") and "99999" in answer["status_message"]
