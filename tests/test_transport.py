"""The transport layer of every OCPI endpoint: envelope, auth, errors, request ids, URLs, isolation."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi import OCPI
from flask_ocpi.models import Partner, PartnerStatus, PartyKey, TokenGrant, TokenScope
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.transport.auth import current_caller, hash_token, mask_token, new_token
from flask_ocpi.transport.envelope import ok
from flask_ocpi.v2_1_1.adapter import V211

Auth = Callable[[str], dict[str, str]]

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

VERSIONS = "/ocpi/cpo/versions"
DETAILS = "/ocpi/cpo/2.1.1"
CREDENTIALS = "/ocpi/cpo/2.1.1/credentials"


def valid_credentials(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token": "partner-token-" + uuid.uuid4().hex,
        "url": "https://partner.example.com/ocpi/emsp/versions",
        "business_details": {"name": "Partner"},
        "party_id": "XYZ",
        "country_code": "DE",
    }
    body.update(changes)
    return body


def assert_envelope(response: Any, *, http_status: int, status_code: int) -> dict[str, Any]:
    assert response.status_code == http_status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert body["status_code"] == status_code, body
    assert TIMESTAMP.match(body["timestamp"]), body["timestamp"]
    return body


# --- envelope -------------------------------------------------------------------------------


def test_success_envelope_shape(client: FlaskClient, auth: Auth, full_token: str) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.get(VERSIONS, headers=auth(full_token))
    after = datetime.now(UTC)
    body = assert_envelope(response, http_status=200, status_code=1000)
    assert set(body) == {"data", "status_code", "status_message", "timestamp"}
    assert isinstance(body["status_message"], str)
    stamp = datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= stamp <= after


def test_error_envelope_has_no_data(client: FlaskClient) -> None:
    body = assert_envelope(client.get(VERSIONS), http_status=401, status_code=2000)
    assert set(body) == {"status_code", "status_message", "timestamp"}


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Token"},
        {"Authorization": "Token "},
        {"Authorization": "Token unknown-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "empty", "scheme-only", "scheme-and-space", "unknown", "basic"],
)
@pytest.mark.parametrize("url", [VERSIONS, DETAILS, CREDENTIALS])
def test_unauthenticated_requests_get_401(client: FlaskClient, url: str, headers: dict[str, str]) -> None:
    body = assert_envelope(client.get(url, headers=headers), http_status=401, status_code=2000)
    assert "Authorization" in body["status_message"]


def test_known_token_with_wrong_scheme_is_refused(client: FlaskClient, full_token: str) -> None:
    for scheme in ("Bearer", "Basic", "Tokens"):
        response = client.get(VERSIONS, headers={"Authorization": f"{scheme} {full_token}"})
        assert_envelope(response, http_status=401, status_code=2000)
    response = client.get(VERSIONS, headers={"Authorization": full_token})
    assert_envelope(response, http_status=401, status_code=2000)


def test_missing_header_and_unknown_token_are_told_apart(client: FlaskClient) -> None:
    missing = client.get(VERSIONS).get_json()["status_message"]
    unknown = client.get(VERSIONS, headers={"Authorization": "Token nope"}).get_json()["status_message"]
    assert "Missing" in missing
    assert missing != unknown


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t,
        lambda t: base64.b64encode(t.encode()).decode(),
        lambda t: base64.b64encode(f"{t}\n".encode()).decode(),
        lambda t: base64.b64encode(f"{t}\r\n".encode()).decode(),
    ],
    ids=["raw", "base64", "base64-newline", "base64-crlf"],
)
def test_raw_and_base64_tokens_are_accepted(client: FlaskClient, full_token: str, encode: Any) -> None:
    response = client.get(VERSIONS, headers={"Authorization": f"Token {encode(full_token)}"})
    assert_envelope(response, http_status=200, status_code=1000)


def test_scheme_is_case_insensitive(client: FlaskClient, full_token: str) -> None:
    response = client.get(VERSIONS, headers={"Authorization": f"token {full_token}"})
    assert_envelope(response, http_status=200, status_code=1000)


def test_base64_of_an_unknown_token_is_refused(client: FlaskClient) -> None:
    encoded = base64.b64encode(b"unknown-token").decode()
    assert_envelope(
        client.get(VERSIONS, headers={"Authorization": f"Token {encoded}"}), http_status=401, status_code=2000
    )


def test_unregistered_partner_token_is_refused(client: FlaskClient, partners: MemoryPartnerStore, auth: Auth) -> None:
    token = new_token()
    partners.add(
        partner=Partner(
            id="gone",
            local_party=PartyKey("NL", "ABC"),
            status=PartnerStatus.UNREGISTERED,
            grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
        )
    )
    assert_envelope(client.get(VERSIONS, headers=auth(token)), http_status=401, status_code=2000)


@pytest.fixture
def guarded_app(monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask], partners: MemoryPartnerStore) -> Flask:
    """An app whose 2.1.1 trees also have ``/guarded``: a view without the registration-token mark.

    No module view exists in this release besides versions and credentials, so one is
    added to the OCPI blueprints through the 2.1.1 adapter, the way module views are.
    """
    original = V211.register_views

    def register_views(blp: Any, role: Any, backends: Any) -> None:
        original(blp, role, backends)

        @blp.route("/guarded", endpoint="guarded", methods=["GET", "POST"])
        def guarded() -> Any:
            return ok({"partner": current_caller().partner.id})

    monkeypatch.setattr(V211, "register_views", register_views)
    return make_app(partners=partners)


def test_registration_token_opens_only_versions_and_credentials(guarded_app: Flask, auth: Auth) -> None:
    with guarded_app.test_request_context():
        invitation = guarded_app.extensions["ocpi"].extension.invite()
    client = guarded_app.test_client()
    headers = auth(invitation.token)

    for url in ("/ocpi/cpo/versions", "/ocpi/emsp/versions", "/ocpi/cpo/2.1.1", "/ocpi/emsp/2.1.1"):
        assert_envelope(client.get(url, headers=headers), http_status=200, status_code=1000)
    body = assert_envelope(client.get(CREDENTIALS, headers=headers), http_status=200, status_code=1000)
    assert body["data"]["token"] == invitation.token

    for role in ("cpo", "emsp"):
        for method in ("GET", "POST"):
            response = client.open(f"/ocpi/{role}/2.1.1/guarded", method=method, headers=headers)
            body = assert_envelope(response, http_status=401, status_code=2000)
            assert "registration token" in body["status_message"]


def test_a_connection_token_opens_only_its_own_role_tree(guarded_app: Flask, full_token: str, auth: Auth) -> None:
    """The full_token partner is registered on our CPO tree: our eMSP tree's modules refuse it."""
    client = guarded_app.test_client()
    assert client.get("/ocpi/cpo/2.1.1/guarded", headers=auth(full_token)).status_code == 200
    refused = assert_envelope(
        client.get("/ocpi/emsp/2.1.1/guarded", headers=auth(full_token)), http_status=401, status_code=2000
    )
    assert "CPO" in refused["status_message"]
    # Versions and credentials stay readable (credentials answers 405 for the other tree on writes).
    assert client.get("/ocpi/emsp/versions", headers=auth(full_token)).status_code == 200


def test_full_token_opens_other_endpoints(guarded_app: Flask, full_token: str, auth: Auth) -> None:
    client = guarded_app.test_client()
    body = assert_envelope(
        client.get("/ocpi/cpo/2.1.1/guarded", headers=auth(full_token)), http_status=200, status_code=1000
    )
    assert body["data"]["partner"].startswith("full-")
    assert_envelope(client.get("/ocpi/cpo/2.1.1/guarded"), http_status=401, status_code=2000)


def test_full_token_cannot_register_again(client: FlaskClient, full_token: str, auth: Auth) -> None:
    response = client.post(CREDENTIALS, headers=auth(full_token), json=valid_credentials())
    assert_envelope(response, http_status=405, status_code=2000)


def test_registration_token_cannot_update_or_unregister(
    client: FlaskClient, registration_token: str, auth: Auth
) -> None:
    assert_envelope(
        client.put(CREDENTIALS, headers=auth(registration_token), json=valid_credentials()),
        http_status=405,
        status_code=2000,
    )
    assert_envelope(client.delete(CREDENTIALS, headers=auth(registration_token)), http_status=405, status_code=2000)


# --- routing errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/ocpi",
        "/ocpi/",
        "/ocpi/nothing",
        "/ocpi/cpo",
        "/ocpi/cpo/2.1.1/locations",
        "/ocpi/cpo/2.2.1",
        "/ocpi/hub/versions",
    ],
)
def test_unknown_routes_under_the_prefix_are_404_envelopes(
    client: FlaskClient, full_token: str, auth: Auth, url: str
) -> None:
    for headers in ({}, auth(full_token)):
        body = assert_envelope(client.get(url, headers=headers), http_status=404, status_code=2000)
        assert url in body["status_message"]


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("PUT", VERSIONS, {"GET"}),
        ("DELETE", "/ocpi/emsp/versions/", {"GET"}),
        ("POST", DETAILS, {"GET"}),
        ("PATCH", CREDENTIALS, {"GET", "POST", "PUT", "DELETE"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: FlaskClient, full_token: str, auth: Auth, method: str, url: str, allowed: set[str]
) -> None:
    response = client.open(url, method=method, headers=auth(full_token))
    body = assert_envelope(response, http_status=405, status_code=2000)
    assert method in body["status_message"]
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "QUERY", "CONNECT", "BREW", "MKCOL", "LINK"])
@pytest.mark.parametrize("url", [VERSIONS, DETAILS, CREDENTIALS, "/ocpi/cpo/2.1.1/credentials/"])
def test_a_method_no_route_serves_is_a_405_envelope(
    client: FlaskClient, full_token: str, auth: Auth, method: str, url: str
) -> None:
    response = client.open(url, method=method, headers={**auth(full_token), "X-Request-ID": "req-m"})
    body = assert_envelope(response, http_status=405, status_code=2000)
    assert method in body["status_message"]
    assert response.headers["Allow"] and "OPTIONS" not in response.headers["Allow"]
    assert response.headers["X-Request-ID"] == "req-m"


@pytest.mark.parametrize(
    ("url", "allowed"), [(VERSIONS, "GET"), (DETAILS, "GET"), (CREDENTIALS, "GET, POST, PUT, DELETE")]
)
def test_options_on_a_route_is_200_with_allow_in_an_envelope(client: FlaskClient, url: str, allowed: str) -> None:
    for headers in ({}, {"Origin": "https://partner.example.com", "Access-Control-Request-Method": "GET"}):
        response = client.options(url, headers=headers)
        body = assert_envelope(response, http_status=200, status_code=1000)
        assert response.headers["Allow"] == allowed
        assert allowed in body["status_message"]
        assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "GET", "PROPFIND"])
@pytest.mark.parametrize(
    "url",
    ["/ocpi/nothing", "/ocpi/a%0Ab", "/ocpi/cpo/%0A", "/ocpi/%0D%0A/versions", "/ocpi/cpo/2.1.1/x%00y", "/ocpi/%0A"],
)
def test_a_path_no_route_serves_is_a_404_envelope_newlines_included(
    client: FlaskClient, full_token: str, auth: Auth, method: str, url: str
) -> None:
    response = client.open(url, method=method, headers=auth(full_token))
    assert_envelope(response, http_status=404, status_code=2000)
    assert response.headers["X-Request-ID"]


def test_the_catch_all_converter_is_registered_on_this_application_only(app: Flask) -> None:
    other = Flask("other")
    assert "ocpi_any_path" in app.url_map.converters
    assert not any(name.startswith("ocpi") for name in other.url_map.converters)


def test_a_body_above_the_limit_is_a_413_envelope(
    make_app: Callable[..., Flask], partners: MemoryPartnerStore, invitation: Any, auth: Auth
) -> None:
    app = make_app({"OCPI_MAX_BODY_SIZE": 1000}, partners=partners)
    big = json.dumps(valid_credentials(token="t" * 2000)).encode()
    client = app.test_client()
    for headers in ({}, auth(invitation.token)):  # refused before authentication
        response = client.post(CREDENTIALS, data=big, headers={**headers, "X-Request-ID": "req-413"})
        body = assert_envelope(response, http_status=413, status_code=2000)
        assert "1000" in body["status_message"] and "OCPI_MAX_BODY_SIZE" in body["status_message"]
        assert response.headers["X-Request-ID"] == "req-413"
    assert app.config.get("MAX_CONTENT_LENGTH") is None  # the host's app-wide limit is left alone


def test_a_chunked_body_growing_above_the_limit_is_a_413_envelope(
    make_app: Callable[..., Flask], partners: MemoryPartnerStore, invitation: Any, auth: Auth
) -> None:
    app = make_app({"OCPI_MAX_BODY_SIZE": 1000}, partners=partners)
    big = json.dumps(valid_credentials(token="t" * 2000)).encode()
    response = app.test_client().post(
        CREDENTIALS,
        input_stream=io.BytesIO(big),
        headers={**auth(invitation.token), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what a server decoding chunks sets
    )
    assert_envelope(response, http_status=413, status_code=2000)
    assert_still_invited(partners, invitation)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_of_exactly_the_limit_is_read_whole(
    make_app: Callable[..., Flask], partners: MemoryPartnerStore, invitation: Any, auth: Auth, chunked: bool
) -> None:
    app = make_app({"OCPI_MAX_BODY_SIZE": 1000}, partners=partners)
    data = json.dumps(valid_credentials(party_id="ABCD")).encode()
    data += b" " * (1000 - len(data))
    if chunked:
        kwargs: dict[str, Any] = {
            "input_stream": io.BytesIO(data),
            "headers": {**auth(invitation.token), "Transfer-Encoding": "chunked"},
            "environ_overrides": {"wsgi.input_terminated": True},
        }
    else:
        kwargs = {"data": data, "headers": auth(invitation.token)}
    response = app.test_client().post(CREDENTIALS, **kwargs)
    assert "party_id:" in assert_envelope(response, http_status=200, status_code=2001)["status_message"]


# --- request bodies ----------------------------------------------------------------------------


def assert_still_invited(partners: MemoryPartnerStore, invitation: Any) -> None:
    partner = partners.get(partner_id=invitation.partner.id)
    assert partner is not None
    assert partner.status is PartnerStatus.INVITED
    assert partner.roles == [] and partner.outbound_token is None
    assert [(g.token_hash, g.scope) for g in partner.grants] == [
        (hash_token(invitation.token), TokenScope.REGISTRATION)
    ]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"this is not json", "application/json"),
        (b'{"token": "abc", ', "application/json"),
        (b'{"token": "\xc3\x28"}', "application/json"),
        (b"\xff\xfe\xfa", None),
        (b"<xml/>", "application/xml"),
    ],
    ids=["text", "truncated", "invalid-utf8", "garbage-bytes-no-type", "xml"],
)
def test_body_that_is_not_json_is_400_2001(
    client: FlaskClient,
    partners: MemoryPartnerStore,
    invitation: Any,
    auth: Auth,
    body: bytes,
    content_type: str | None,
) -> None:
    response = client.post(CREDENTIALS, headers=auth(invitation.token), data=body, content_type=content_type)
    assert_envelope(response, http_status=400, status_code=2001)
    assert_still_invited(partners, invitation)


@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_json_body_is_parsed_whatever_the_content_type(
    client: FlaskClient, invitation: Any, auth: Auth, content_type: str | None
) -> None:
    data = json.dumps(valid_credentials(token=5, party_id="ABCD"))
    response = client.post(CREDENTIALS, headers=auth(invitation.token), data=data, content_type=content_type)
    body = assert_envelope(response, http_status=200, status_code=2001)
    # The errors are about the fields, so the body was read as JSON.
    assert "token:" in body["status_message"] and "party_id:" in body["status_message"]
    assert "url" not in body["status_message"]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"token": 5, "url": 7}, ["token", "url"]),
        ({"token": "t" * 65}, ["token"]),
        ({"token": "has space"}, ["token"]),
        ({"party_id": "ABCD"}, ["party_id"]),
        ({"country_code": "DEU"}, ["country_code"]),
        ({"url": "not a url"}, ["url"]),
        ({"business_details": {"name": "Pärtner"}}, ["business_details.name"]),
        ({"business_details": {"website": "https://partner.example.com"}}, ["business_details.name"]),
        ({"business_details": "Partner"}, ["business_details"]),
        (
            {"business_details": {"name": "P", "logo": {"url": "https://x.example.com/l.png"}}},
            ["business_details.logo"],
        ),
    ],
    ids=[
        "wrong-types",
        "token-65",
        "token-whitespace",
        "party-id-4",
        "country-3",
        "url",
        "non-ascii-name",
        "missing-name",
        "details-not-object",
        "logo-incomplete",
    ],
)
def test_invalid_body_is_2001_naming_the_fields(
    client: FlaskClient,
    partners: MemoryPartnerStore,
    invitation: Any,
    auth: Auth,
    changes: dict[str, Any],
    fields: list[str],
) -> None:
    response = client.post(CREDENTIALS, headers=auth(invitation.token), json=valid_credentials(**changes))
    body = assert_envelope(response, http_status=200, status_code=2001)
    for field in fields:
        assert re.search(rf"(^|; ){re.escape(field)}[.:]", body["status_message"]), body["status_message"]
    assert_still_invited(partners, invitation)


def test_a_nested_object_of_the_wrong_type_is_named_without_body_suffix(
    client: FlaskClient, invitation: Any, auth: Auth
) -> None:
    response = client.post(CREDENTIALS, headers=auth(invitation.token), json=valid_credentials(business_details="P"))
    message = assert_envelope(response, http_status=200, status_code=2001)["status_message"]
    # "business_details.body: ..." would read as if a field named "body" were wrong.
    assert message == "business_details: Invalid input type."


def test_missing_fields_are_all_named(
    client: FlaskClient, partners: MemoryPartnerStore, invitation: Any, auth: Auth
) -> None:
    for data in (b"", b"{}"):
        response = client.post(CREDENTIALS, headers=auth(invitation.token), data=data, content_type="application/json")
        message = assert_envelope(response, http_status=200, status_code=2001)["status_message"]
        for field in ("token", "url", "business_details", "party_id", "country_code"):
            assert f"{field}:" in message
    for data in (b"[]", b"null", b'"credentials"'):
        response = client.post(CREDENTIALS, headers=auth(invitation.token), data=data, content_type="application/json")
        assert_envelope(response, http_status=200, status_code=2001)
    assert_still_invited(partners, invitation)


# --- unexpected errors and logging ---------------------------------------------------------------


def test_unexpected_exception_is_a_500_envelope_logged_with_the_request_id(
    client: FlaskClient,
    full_token: str,
    auth: Auth,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(path: str) -> str:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("flask_ocpi.v2_1_1.views.versions.public_url", explode)
    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        response = client.get(DETAILS, headers=auth(full_token))
    body = assert_envelope(response, http_status=500, status_code=3000)
    request_id = response.headers["X-Request-ID"]
    assert UUID.match(request_id)
    assert request_id in body["status_message"]
    assert "database on fire" not in body["status_message"]  # no internals on the wire

    records = [r for r in caplog.records if r.name == "flask_ocpi" and r.levelno >= logging.ERROR]
    assert len(records) == 1
    assert request_id in records[0].getMessage()
    assert records[0].exc_info is not None and isinstance(records[0].exc_info[1], RuntimeError)


def test_unexpected_exception_uses_the_callers_request_id(
    client: FlaskClient,
    full_token: str,
    auth: Auth,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr("flask_ocpi.modules.credentials.our_credentials", explode)
    with caplog.at_level(logging.ERROR, logger="flask_ocpi"):
        response = client.get(CREDENTIALS, headers={**auth(full_token), "X-Request-ID": "caller-req-42"})
    body = assert_envelope(response, http_status=500, status_code=3000)
    assert response.headers["X-Request-ID"] == "caller-req-42"
    assert "caller-req-42" in body["status_message"]
    assert any("caller-req-42" in r.getMessage() for r in caplog.records if r.name == "flask_ocpi")


def test_tokens_never_appear_in_logs(
    client: FlaskClient,
    partners: MemoryPartnerStore,
    invitation: Any,
    auth: Auth,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(self: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
        raise requests.ConnectionError(f"connection refused by {url}")

    monkeypatch.setattr(requests.Session, "request", refuse)
    partner_token = "partner-secret-" + uuid.uuid4().hex
    caplog.set_level(logging.DEBUG)
    response = client.post(
        CREDENTIALS,
        headers=auth(invitation.token),
        json=valid_credentials(token=partner_token, extra_field="ignored"),
    )
    body = assert_envelope(response, http_status=200, status_code=3001)
    assert partner_token not in json.dumps(body)
    assert_still_invited(partners, invitation)

    assert caplog.records, "the failing registration logged nothing"
    # The outbound call was logged, with the partner's token masked.
    assert any(mask_token(partner_token) in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage()
        assert invitation.token not in text
        assert partner_token not in text
    assert invitation.token not in caplog.text
    assert partner_token not in caplog.text


# --- request ids -------------------------------------------------------------------------------------


def test_request_and_correlation_ids_are_echoed(client: FlaskClient, full_token: str, auth: Auth) -> None:
    headers = {**auth(full_token), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    response = client.get(VERSIONS, headers=headers)
    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "corr-1"


def test_request_ids_are_generated_when_absent(client: FlaskClient, full_token: str, auth: Auth) -> None:
    first = client.get(VERSIONS, headers=auth(full_token))
    second = client.get(VERSIONS, headers=auth(full_token))
    assert UUID.match(first.headers["X-Request-ID"])
    assert first.headers["X-Correlation-ID"] == first.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_correlation_id_defaults_to_the_callers_request_id(client: FlaskClient, full_token: str, auth: Auth) -> None:
    response = client.get(VERSIONS, headers={**auth(full_token), "X-Request-ID": "req-2"})
    assert response.headers["X-Correlation-ID"] == "req-2"


@pytest.mark.parametrize("value", ["has space", "x" * 256, "tab\there"])
def test_insane_request_ids_are_replaced(client: FlaskClient, full_token: str, auth: Auth, value: str) -> None:
    response = client.get(VERSIONS, headers={**auth(full_token), "X-Request-ID": value})
    assert UUID.match(response.headers["X-Request-ID"])


def test_request_ids_are_on_error_responses_too(client: FlaskClient) -> None:
    for response in (
        client.get(VERSIONS, headers={"X-Request-ID": "req-401"}),
        client.get("/ocpi/nothing", headers={"X-Request-ID": "req-404"}),
        client.put(VERSIONS, headers={"X-Request-ID": "req-405"}),
    ):
        assert response.status_code in (401, 404, 405)
        assert response.headers["X-Request-ID"] == f"req-{response.status_code}"


# --- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cpo", "emsp"])
@pytest.mark.parametrize("path", ["versions", "2.1.1", "2.1.1/credentials"])
def test_trailing_slash_or_not(client: FlaskClient, registration_token: str, auth: Auth, role: str, path: str) -> None:
    for url in (f"/ocpi/{role}/{path}", f"/ocpi/{role}/{path}/"):
        response = client.get(url, headers=auth(registration_token))
        assert response.status_code == 200, url
        assert "Location" not in response.headers
        assert response.get_json()["status_code"] == 1000


def test_url_prefix_moves_everything(make_app: Callable[..., Flask], auth: Auth) -> None:
    app = make_app({"OCPI_URL_PREFIX": "/roaming/ocpi/"})
    with app.test_request_context():
        invitation = app.extensions["ocpi"].extension.invite()
    assert invitation.versions_urls == {
        "cpo": "http://localhost/roaming/ocpi/cpo/versions",
        "emsp": "http://localhost/roaming/ocpi/emsp/versions",
    }
    client = app.test_client()
    headers = auth(invitation.token)

    versions = client.get("/roaming/ocpi/cpo/versions", headers=headers).get_json()
    assert versions["data"] == [{"version": "2.1.1", "url": "http://localhost/roaming/ocpi/cpo/2.1.1"}]
    details = client.get("/roaming/ocpi/cpo/2.1.1", headers=headers).get_json()
    assert details["data"]["endpoints"] == [
        {"identifier": "credentials", "url": "http://localhost/roaming/ocpi/cpo/2.1.1/credentials/"}
    ]
    credentials = client.get("/roaming/ocpi/emsp/2.1.1/credentials", headers=headers).get_json()
    assert credentials["data"]["url"] == "http://localhost/roaming/ocpi/emsp/versions"
    assert_envelope(client.get("/roaming/ocpi/nothing"), http_status=404, status_code=2000)
    assert client.get("/roaming/ocpi/docs/openapi.json").status_code == 200

    old = client.get("/ocpi/cpo/versions", headers=headers)
    assert old.status_code == 404
    assert old.mimetype == "text/html"
    assert client.get("/ocpi/docs/openapi.json").status_code == 404


# --- the host application is left alone --------------------------------------------------------------


def _handler_snapshot(app: Flask) -> dict[Any, dict[type, Any]]:
    return {code: dict(handlers) for code, handlers in app.error_handler_spec[None].items()}


def test_no_app_level_error_handler_is_registered() -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]

    @app.errorhandler(418)
    def teapot(error: Exception) -> tuple[str, int]:
        return "host teapot", 418

    before = _handler_snapshot(app)
    OCPI(app, partners=MemoryPartnerStore())
    assert _handler_snapshot(app) == before


@pytest.fixture
def host_app() -> Flask:
    app = Flask("host")
    app.config["TESTING"] = True
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]

    @app.route("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.route("/divide")
    def divide() -> str:
        return str(1 // 0)

    @app.route("/explode")
    def explode() -> str:
        raise LookupError("host bug")

    @app.errorhandler(ZeroDivisionError)
    def on_zero(error: Exception) -> tuple[str, int]:
        return "host handled division", 599

    OCPI(app, partners=MemoryPartnerStore())
    return app


def test_host_routes_still_work(host_app: Flask) -> None:
    response = host_app.test_client().get("/hello")
    assert response.status_code == 200
    assert response.get_json() == {"hello": "world"}
    assert "X-Request-ID" not in response.headers


def test_host_404_page_stays_flasks(host_app: Flask) -> None:
    response = host_app.test_client().get("/nothing")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Not Found" in response.data
    assert b"status_code" not in response.data


def test_host_error_handlers_and_errors_are_the_hosts(host_app: Flask) -> None:
    client = host_app.test_client()
    response = client.get("/divide")
    assert (response.status_code, response.get_data(as_text=True)) == (599, "host handled division")
    # No app-wide catch-all was installed: an unhandled host error still propagates in TESTING.
    with pytest.raises(LookupError, match="host bug"):
        client.get("/explode")


def test_host_404_handler_does_not_capture_ocpi_404s() -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "host 404", 404

    OCPI(app, partners=MemoryPartnerStore())
    client = app.test_client()
    assert client.get("/nothing").get_data(as_text=True) == "host 404"
    assert_envelope(client.get("/ocpi/nothing"), http_status=404, status_code=2000)


def test_host_json_provider_does_not_change_the_wire(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.json.compact = False  # type: ignore[attr-defined]
    app.json.sort_keys = True  # type: ignore[attr-defined]
    raw = app.test_client().get("/ocpi/nothing").get_data(as_text=True)
    assert "\n" not in raw
    assert raw.startswith('{"status_code"')
