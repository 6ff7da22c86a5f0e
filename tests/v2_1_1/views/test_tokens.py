"""OCPI 2.1.1 tokens views: eMSP sender (GET list, real-time authorization) and CPO receiver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.exceptions import NotEnoughInformation
from flask_ocpi.models import (
    AllowedType,
    AuthorizationInfo,
    DisplayText,
    LocationReferences,
    Role,
    Token,
    TokenType,
    WhitelistType,
)
from tests.v2_1_1.views import (
    CPO,
    EMSP,
    NOT_AN_OBJECT,
    OTHER,
    PARTNER_CPO,
    PARTNER_EMSP,
    Connection,
    assert_envelope,
    captured,
    connect,
    token_json,
)
from tests.v2_1_1.views.fakes import WHEN, FakeTokensReceiver, FakeTokensSender, make_token

MakeApp = Callable[..., Flask]

# --- eMSP sender -----------------------------------------------------------------------------------


@pytest.fixture
def sender() -> FakeTokensSender:
    return FakeTokensSender(
        [
            make_token("A1", country_code="NL", party_id="ABC", last_updated=WHEN),
            make_token(
                "A2", country_code="NL", party_id="ABC", type=TokenType.APP_USER, last_updated=WHEN + timedelta(1)
            ),
            make_token("A3", country_code="NL", party_id="ABC", type=TokenType.OTHER, last_updated=WHEN + timedelta(2)),
        ]
    )


@pytest.fixture
def emsp(make_app: MakeApp, sender: FakeTokensSender) -> Connection:
    return connect(make_app, sender, tree=Role.EMSP)


@pytest.mark.parametrize("slash", ["", "/"])
def test_list_answers_our_tokens_in_2_1_1_form(emsp: Connection, sender: FakeTokensSender, slash: str) -> None:
    response = emsp.call("GET", f"{EMSP}/tokens{slash}?limit=2")
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert body["data"][0] == {
        "uid": "A1",
        "type": "RFID",
        "auth_id": "DE8ACC12E46L89",
        "visual_number": "DF000-2001-8999",
        "issuer": "TheNewMotion",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2015-06-29T20:39:09Z",
    }
    assert body["data"][1]["type"] == "OTHER"  # 2.2.1's APP_USER has no 2.1.1 value
    assert response.headers["X-Total-Count"] == "3" and "offset=2" in response.headers["Link"]
    assert sender.kwargs[0]["partner"].id == emsp.partner.id


AUTHORIZE = f"{EMSP}/tokens/A1/authorize"


@pytest.mark.parametrize("slash", ["", "/"])
def test_authorize_without_body_defaults_to_rfid_and_signals(
    emsp: Connection, sender: FakeTokensSender, slash: str
) -> None:
    with captured(signals.token_authorized, emsp.app) as sent:
        response = emsp.call("POST", AUTHORIZE + slash)
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert body["data"] == {"allowed": "ALLOWED"}
    assert sender.kwargs[0] | {"partner": None} == {
        "partner": None,
        "token_uid": "A1",
        "token_type": TokenType.RFID,
        "location": None,
    }
    assert len(sent) == 1
    assert sent[0]["partner"].id == emsp.partner.id
    assert (sent[0]["token_uid"], sent[0]["token_type"], sent[0]["location"]) == ("A1", TokenType.RFID, None)
    assert sent[0]["authorization"] == AuthorizationInfo(allowed=AllowedType.ALLOWED)


def test_authorize_with_location_references(emsp: Connection, sender: FakeTokensSender) -> None:
    refs = {"location_id": "LOC1", "evse_uids": ["3256", "3257"], "connector_ids": ["1"]}
    with captured(signals.token_authorized, emsp.app) as sent:
        response = emsp.call("POST", AUTHORIZE, json=refs)
    body = assert_envelope(response, http_status=200, status_code=1000)
    expected = LocationReferences(location_id="LOC1", evse_uids=["3256", "3257"], connector_ids=["1"])
    assert sender.kwargs[0]["location"] == expected
    assert body["data"] == {"allowed": "ALLOWED", "location": refs}
    assert sent[0]["location"] == expected


def test_authorize_answers_the_backends_decision(make_app: MakeApp) -> None:
    def decide(uid: str, token_type: TokenType, location: LocationReferences | None) -> AuthorizationInfo:
        return AuthorizationInfo(
            allowed=AllowedType.BLOCKED,
            location=LocationReferences(location_id="LOC1", evse_uids=["3257"]),
            info=DisplayText(language="en", text=f"{uid} is blocked"),
        )

    emsp = connect(make_app, FakeTokensSender(decide=decide), tree=Role.EMSP)
    body = assert_envelope(
        emsp.call("POST", f"{EMSP}/tokens/X/authorize", json={"location_id": "LOC1"}), http_status=200, status_code=1000
    )
    assert body["data"] == {
        "allowed": "BLOCKED",
        "location": {"location_id": "LOC1", "evse_uids": ["3257"]},
        "info": {"language": "en", "text": "X is blocked"},
    }


def test_authorize_with_type_other(emsp: Connection, sender: FakeTokensSender) -> None:
    assert_envelope(emsp.call("POST", f"{EMSP}/tokens/A3/authorize?type=OTHER"), http_status=200, status_code=1000)
    assert sender.kwargs[0]["token_type"] is TokenType.OTHER


def test_unknown_token_is_404_with_a_2_1_1_status_code(emsp: Connection, sender: FakeTokensSender) -> None:
    """2.1.1 has no "unknown token" code; 2.2.1's 2004 would be unknown to a 2.1.1 client."""
    with captured(signals.token_authorized, emsp.app) as sent:
        # A1 is an RFID: as OTHER it is unknown.
        response = emsp.call("POST", f"{EMSP}/tokens/A1/authorize?type=OTHER")
    body = assert_envelope(response, http_status=404, status_code=2000)
    assert "A1" in body["status_message"]
    assert sender.calls == ["authorize"] and sent == []


def test_not_enough_information_is_2002(make_app: MakeApp) -> None:
    def decide(uid: str, token_type: TokenType, location: LocationReferences | None) -> AuthorizationInfo:
        if location is None:
            raise NotEnoughInformation("Tell us where you are")
        return AuthorizationInfo(allowed=AllowedType.ALLOWED)

    emsp = connect(make_app, FakeTokensSender(decide=decide), tree=Role.EMSP)
    body = assert_envelope(emsp.call("POST", f"{EMSP}/tokens/X/authorize"), http_status=200, status_code=2002)
    assert body["status_message"] == "Tell us where you are"
    assert_envelope(
        emsp.call("POST", f"{EMSP}/tokens/X/authorize", json={"location_id": "L"}), http_status=200, status_code=1000
    )


@pytest.mark.parametrize("token_type", ["APP_USER", "AD_HOC_USER", "rfid", "CARD", "x" * 500])
def test_authorize_type_must_be_a_2_1_1_token_type(emsp: Connection, sender: FakeTokensSender, token_type: str) -> None:
    body = assert_envelope(emsp.call("POST", f"{AUTHORIZE}?type={token_type}"), http_status=200, status_code=2001)
    assert body["status_message"].startswith("type:") and len(body["status_message"]) < 200
    assert sender.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "location_id"),
        ({"location_id": "L" * 40}, "location_id"),
        ({"location_id": "LOC1", "evse_uids": "3256"}, "evse_uids"),
        ({"location_id": 12}, "location_id"),
    ],
)
def test_invalid_location_references_are_2001(
    emsp: Connection, sender: FakeTokensSender, body: dict[str, Any], field: str
) -> None:
    answer = assert_envelope(emsp.call("POST", AUTHORIZE, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert sender.calls == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
def test_location_references_that_are_not_objects_are_2001(
    emsp: Connection, sender: FakeTokensSender, body: Any
) -> None:
    assert_envelope(emsp.call("POST", AUTHORIZE, json=body), http_status=200, status_code=2001)
    assert sender.calls == []


@pytest.mark.parametrize(
    ("data", "http_status", "status_code"), [("{", 400, 2001), ("null", 200, 1000), ("  ", 200, 1000)]
)
def test_authorize_body_edge_cases(
    emsp: Connection, sender: FakeTokensSender, data: str, http_status: int, status_code: int
) -> None:
    response = emsp.call("POST", AUTHORIZE, data=data, content_type="application/json")
    assert_envelope(response, http_status=http_status, status_code=status_code)
    if status_code == 1000:
        assert sender.kwargs[0]["location"] is None
    else:
        assert sender.calls == []


@pytest.mark.parametrize(("uid", "name"), [("U" * 37, "token_uid"), ("%C3%BC", "token_uid")])
def test_authorize_token_uid_is_checked(emsp: Connection, sender: FakeTokensSender, uid: str, name: str) -> None:
    body = assert_envelope(emsp.call("POST", f"{EMSP}/tokens/{uid}/authorize"), http_status=200, status_code=2001)
    assert name in body["status_message"]
    assert sender.calls == []


def test_sender_refuses_other_methods(emsp: Connection, sender: FakeTokensSender) -> None:
    assert_envelope(emsp.call("GET", AUTHORIZE), http_status=405, status_code=2000)
    assert_envelope(emsp.call("POST", f"{EMSP}/tokens", json=token_json()), http_status=405, status_code=2000)
    assert_envelope(emsp.call("GET", f"{EMSP}/tokens/DE/XYZ/A1"), http_status=404, status_code=2000)
    assert sender.calls == []


# --- CPO receiver ------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> FakeTokensReceiver:
    return FakeTokensReceiver()


@pytest.fixture
def cpo(make_app: MakeApp, receiver: FakeTokensReceiver) -> Connection:
    return connect(make_app, receiver, tree=Role.CPO)


URL = f"{CPO}/tokens/DE/XYZ/012345678"
KEY = ("DE", "XYZ", "012345678", TokenType.RFID)


def stored(receiver: FakeTokensReceiver) -> Token:
    return receiver.stored[KEY]


def put_token(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    assert_envelope(cpo.call("PUT", URL, json=token_json()), http_status=201, status_code=1000)
    receiver.calls.clear()
    receiver.kwargs.clear()


@pytest.mark.parametrize("slash", ["", "/"])
def test_put_token_spec_example_creates_then_replaces_and_signals(
    cpo: Connection, receiver: FakeTokensReceiver, slash: str
) -> None:
    with captured(signals.token_updated, cpo.app) as sent:
        assert_envelope(cpo.call("PUT", URL + slash, json=token_json()), http_status=201, status_code=1000)
        body = token_json(whitelist="NEVER")
        assert_envelope(cpo.call("PUT", URL + slash, json=body), http_status=200, status_code=1000)
    token = stored(receiver)
    assert (token.country_code, token.party_id, token.contract_id) == ("DE", "XYZ", "DE8ACC12E46L89")
    assert token.whitelist is WhitelistType.NEVER
    assert [(s["method"], s["created"]) for s in sent] == [("PUT", True), ("PUT", False)]
    assert {k: sent[0][k] for k in ("country_code", "party_id", "token_uid")} == {
        "country_code": "DE",
        "party_id": "XYZ",
        "token_uid": "012345678",
    }
    assert sent[0]["partner"].id == cpo.partner.id and sent[1]["token"] is token


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH"])
def test_another_partys_namespace_is_404_without_backend_call(
    cpo: Connection, receiver: FakeTokensReceiver, method: str
) -> None:
    url = f"{CPO}/tokens/{OTHER.country_code}/{OTHER.party_id}/012345678"
    assert_envelope(cpo.call(method, url, json=token_json()), http_status=404, status_code=2000)
    assert receiver.calls == []


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_uid_must_equal_url_uid(cpo: Connection, receiver: FakeTokensReceiver, method: str) -> None:
    put_token(cpo, receiver)
    body = assert_envelope(cpo.call(method, URL, json=token_json(uid="OTHER")), http_status=200, status_code=2001)
    assert body["status_message"].startswith("uid:")
    assert receiver.calls == []


def test_put_type_must_match_the_query_type(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    body = assert_envelope(cpo.call("PUT", f"{URL}?type=OTHER", json=token_json()), http_status=200, status_code=2001)
    assert body["status_message"].startswith("type:")
    assert receiver.calls == []
    assert_envelope(cpo.call("PUT", f"{URL}?type=RFID", json=token_json()), http_status=201, status_code=1000)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (token_json(type="APP_USER"), "type"),
        (token_json(whitelist="SOMETIMES"), "whitelist"),
        (token_json(valid="yes"), "valid"),
        (token_json(auth_id=None), "auth_id"),
        (token_json(issuer="i" * 65), "issuer"),
        (token_json(language="english"), "language"),
    ],
)
def test_invalid_token_is_2001_and_not_stored(
    cpo: Connection, receiver: FakeTokensReceiver, body: dict[str, Any], field: str
) -> None:
    answer = assert_envelope(cpo.call("PUT", URL, json=body), http_status=200, status_code=2001)
    assert field in answer["status_message"]
    assert receiver.calls == []


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_bodies_that_are_not_objects_are_2001(
    cpo: Connection, receiver: FakeTokensReceiver, body: Any, method: str
) -> None:
    assert_envelope(cpo.call(method, URL, json=body), http_status=200, status_code=2001)
    assert receiver.calls == []


def test_url_checks_come_before_the_backend(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    for method in ("GET", "PUT", "PATCH"):
        long_uid = assert_envelope(
            cpo.call(method, f"{CPO}/tokens/DE/XYZ/{'U' * 37}", json={}), http_status=200, status_code=2001
        )
        assert "token_uid" in long_uid["status_message"]
        bad_type = assert_envelope(cpo.call(method, f"{URL}?type=APP_USER", json={}), http_status=200, status_code=2001)
        assert "type" in bad_type["status_message"]
    assert receiver.calls == []


def test_get_answers_the_stored_token(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    put_token(cpo, receiver)
    assert assert_envelope(cpo.call("GET", URL), http_status=200, status_code=1000)["data"] == token_json()
    assert receiver.kwargs[-1]["token_type"] is None  # 2.1.1 URLs carry no type
    assert_envelope(cpo.call("GET", f"{URL}?type=RFID"), http_status=200, status_code=1000)
    assert receiver.kwargs[-1]["token_type"] is TokenType.RFID
    assert_envelope(cpo.call("GET", f"{URL}?type=OTHER"), http_status=404, status_code=2000)
    assert_envelope(cpo.call("GET", f"{CPO}/tokens/DE/XYZ/NOPE"), http_status=404, status_code=2000)


def test_patch_invalidate_spec_example(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    put_token(cpo, receiver)
    before = datetime.now(UTC)
    with captured(signals.token_updated, cpo.app) as sent:
        assert_envelope(cpo.call("PATCH", URL, json={"valid": False}), http_status=200, status_code=1000)
    token = stored(receiver)
    assert token.valid is False and token.issuer == "TheNewMotion"
    assert before <= token.last_updated <= datetime.now(UTC)
    assert receiver.kwargs[0]["token_type"] is None
    assert [(s["method"], s["created"], s["token"]) for s in sent] == [("PATCH", False, token)]


def test_patch_of_unknown_token_is_404(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    with captured(signals.token_updated, cpo.app) as sent:
        assert_envelope(cpo.call("PATCH", URL, json={"valid": False}), http_status=404, status_code=2000)
    assert receiver.calls == ["patch_token"] and sent == []


def test_invalid_patch_is_2001_and_changes_nothing(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    put_token(cpo, receiver)
    answer = assert_envelope(cpo.call("PATCH", URL, json={"valid": "no"}), http_status=200, status_code=2001)
    assert "valid" in answer["status_message"]
    assert receiver.calls == [] and stored(receiver).valid is True


def test_receiver_refuses_post_and_delete(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    for method in ("POST", "DELETE"):
        assert_envelope(cpo.call(method, URL, json=token_json()), http_status=405, status_code=2000)
    assert receiver.calls == []


# --- version details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_version_details_list_each_interface_on_its_tree(make_app: MakeApp, slash: str) -> None:
    sender = FakeTokensSender([make_token("A1")])
    both = connect(make_app, sender, FakeTokensReceiver(), tree=Role.EMSP, parties=[PARTNER_CPO])
    cpo_headers = both.add_partner(Role.CPO, [PARTNER_EMSP])
    for tree, headers in (("emsp", both.headers), ("cpo", cpo_headers)):
        details = both.call("GET", f"/ocpi/{tree}/2.1.1", headers=headers).get_json()["data"]["endpoints"]
        assert {"identifier": "tokens", "url": f"http://localhost/ocpi/{tree}/2.1.1/tokens/"} in details
    assert_envelope(both.call("GET", f"{EMSP}/tokens{slash}"), http_status=200, status_code=1000)
    put = both.call("PUT", f"{URL}{slash}", json=token_json(), headers=cpo_headers)
    assert_envelope(put, http_status=201, status_code=1000)


def test_openapi_documents_both_interfaces(make_app: MakeApp) -> None:
    app = make_app(backends=[FakeTokensSender(), FakeTokensReceiver()])
    paths = app.test_client().get("/ocpi/docs/openapi.json").get_json()["paths"]
    authorize = paths[f"{EMSP}/tokens/{{token_uid}}/authorize"]["post"]
    assert {"name": "type", "in": "query"}.items() <= authorize["parameters"][0].items()
    assert authorize["requestBody"]["required"] is False
    assert set(paths[f"{CPO}/tokens/{{country_code}}/{{party_id}}/{{token_uid}}"]) >= {"get", "put", "patch"}


def test_a_patch_may_repeat_the_type_but_not_change_it(cpo: Connection, receiver: FakeTokensReceiver) -> None:
    put_token(cpo, receiver)
    assert_envelope(cpo.call("PATCH", URL, json={"type": "RFID", "valid": False}), http_status=200, status_code=1000)
    assert stored(receiver).valid is False
    receiver.calls.clear()
    refused = assert_envelope(cpo.call("PATCH", URL, json={"type": "OTHER"}), http_status=200, status_code=2001)
    assert refused["status_message"].startswith("type:")
    assert "patch_token" not in receiver.calls and stored(receiver).type is TokenType.RFID
