"""What a partner answers is read within bounds: no answer, however large or nested, can
exhaust our memory or make us recurse past Python's limit (and so reach a 5xx in a
request of ours that calls the partner, such as a registration)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from flask_ocpi.exceptions import PartnerError, PartnerUnreachable
from flask_ocpi.transport import http as client_http
from flask_ocpi.transport.http import OcpiHttp
from flask_ocpi.util.urlpolicy import UrlPolicy
from tests.live import LiveServer, serve
from tests.parties import served_party

DEEP = ("[" * 30000 + "]" * 30000).encode()


@pytest.fixture
def evil() -> Iterator[LiveServer]:
    """A server answering ``/deep`` with 30,000 nested arrays, ``/big`` with 3 MB of JSON,
    ``/fine`` with a small envelope."""
    app = Flask("evil")

    @app.get("/deep")
    def deep() -> Any:
        return DEEP, 200, {"Content-Type": "application/json"}

    @app.get("/nested-envelope")
    def nested_envelope() -> Any:
        data = "[" * 200 + "]" * 200
        body = f'{{"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z", "data": {data}}}'
        return body, 200, {"Content-Type": "application/json"}

    @app.get("/big")
    def big() -> Any:
        return b'{"data": "' + b"x" * 3_000_000 + b'"}', 200, {"Content-Type": "application/json"}

    @app.get("/fine")
    def fine() -> Any:
        return {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z", "data": [1.5]}

    with serve(app) as server:
        yield server


def _http() -> OcpiHttp:
    return OcpiHttp(token="t", timeout=5, policy=UrlPolicy(allow_http=True, allow_loopback=True))


@pytest.mark.parametrize("path", ["/deep", "/nested-envelope"])
def test_an_answer_nested_too_deep_is_a_partner_error(evil: LiveServer, path: str) -> None:
    with pytest.raises(PartnerError, match="nested too deeply") as raised:
        _http().get(f"{evil.url}{path}")
    assert not isinstance(raised.value, PartnerUnreachable)


def test_an_answer_larger_than_the_bound_is_refused_unread(
    evil: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_http, "MAX_RESPONSE_BYTES", 1_000_000)
    with pytest.raises(PartnerError, match="more than 1000000 bytes"):
        _http().get(f"{evil.url}/big")
    assert _http().get(f"{evil.url}/fine").data == [1.5]  # ordinary answers read as before


def test_a_registration_pointing_at_a_deep_answer_is_3001_not_a_500(evil: LiveServer) -> None:
    with served_party("ABC") as host:
        with host.app.test_request_context():
            token_a = host.ocpi.invite().token
        answer = requests.post(
            f"{host.url}/ocpi/cpo/2.1.1/credentials",
            headers={"Authorization": f"Token {token_a}"},
            json={
                "token": "t" * 20,
                "url": f"{evil.url}/deep",
                "party_id": "EVL",
                "country_code": "DE",
                "business_details": {"name": "Evil"},
            },
            timeout=10,
        )
    assert answer.status_code == 200
    assert answer.json()["status_code"] == 3001 and "nested too deeply" in answer.json()["status_message"]
