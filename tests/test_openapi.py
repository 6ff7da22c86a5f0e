"""The OpenAPI document and docs of the OCPI API, kept apart from a host's own flask-smorest API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Api, Blueprint

from flask_ocpi import OCPI
from flask_ocpi.stores.memory import MemoryPartnerStore

MakeApp = Callable[..., Flask]

OCPI_PATHS = {
    "/ocpi/cpo/versions",
    "/ocpi/emsp/versions",
    "/ocpi/cpo/2.1.1/",
    "/ocpi/emsp/2.1.1/",
    "/ocpi/cpo/2.1.1/credentials",
    "/ocpi/emsp/2.1.1/credentials",
}


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/components/schemas/")
    resolved: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


@pytest.fixture
def doc(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/ocpi/docs/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data: dict[str, Any] = response.get_json()
    return data


def test_document_is_openapi_3_listing_the_ocpi_paths(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "OCPI"
    assert doc["info"]["version"] == "2.1.1"
    assert set(doc["paths"]) == OCPI_PATHS


def test_catch_all_is_not_documented(doc: dict[str, Any]) -> None:
    for path in doc["paths"]:
        assert "{" not in path, path
    assert "/ocpi/" not in doc["paths"]
    assert "/ocpi" not in doc["paths"]


def test_operations_per_path(doc: dict[str, Any]) -> None:
    assert set(doc["paths"]["/ocpi/cpo/versions"]) == {"get"}
    assert set(doc["paths"]["/ocpi/emsp/2.1.1/"]) == {"get"}
    assert set(doc["paths"]["/ocpi/cpo/2.1.1/credentials"]) == {"get", "post", "put", "delete"}


def test_token_security_scheme(doc: dict[str, Any]) -> None:
    scheme = doc["components"]["securitySchemes"]["OcpiToken"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert doc["security"] == [{"OcpiToken": []}]


@pytest.mark.parametrize("method", ["post", "put"])
def test_credentials_request_body_schema(doc: dict[str, Any], method: str) -> None:
    operation = doc["paths"]["/ocpi/cpo/2.1.1/credentials"][method]
    body = operation["requestBody"]
    assert body["required"] is True
    schema = resolve(doc, body["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"token", "url", "business_details", "party_id", "country_code"}
    assert set(schema["required"]) == {"token", "url", "business_details", "party_id", "country_code"}
    assert schema["properties"]["token"]["maxLength"] == 64
    details = resolve(doc, schema["properties"]["business_details"])
    assert "name" in details["required"]


def test_responses_document_the_envelope(doc: dict[str, Any]) -> None:
    answer = doc["paths"]["/ocpi/cpo/versions"]["get"]["responses"]["200"]
    envelope = resolve(doc, answer["content"]["application/json"]["schema"])
    assert {"data", "status_code", "status_message", "timestamp"} <= set(envelope["properties"])
    assert envelope["properties"]["data"]["type"] == "array"


def test_error_responses_are_documented_as_ocpi_envelopes(doc: dict[str, Any]) -> None:
    """Errors are OCPI envelopes, and a bad body is 400/2001 or 200/2001, never HTTP 422."""
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, f"{method.upper()} {path} documents HTTP 422"
            for status, response in responses.items():
                if status.startswith("2"):
                    continue
                if "$ref" in response:
                    response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                schema = resolve(doc, response["content"]["application/json"]["schema"])
                assert {"status_code", "timestamp"} <= set(schema["properties"]), f"{method.upper()} {path} {status}"


def test_swagger_ui_is_served_under_the_prefix(client: FlaskClient) -> None:
    response = client.get("/ocpi/docs/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "swagger-ui" in page
    assert "/ocpi/docs/openapi.json" in page


def test_swagger_ui_url_is_configurable(make_app: MakeApp) -> None:
    app = make_app({"OCPI_SWAGGER_UI_URL": "https://static.example.com/swagger/"})
    page = app.test_client().get("/ocpi/docs/").get_data(as_text=True)
    assert "https://static.example.com/swagger/swagger-ui" in page


def test_docs_follow_the_url_prefix(make_app: MakeApp) -> None:
    app = make_app({"OCPI_URL_PREFIX": "/roaming"})
    client = app.test_client()
    doc = client.get("/roaming/docs/openapi.json").get_json()
    assert set(doc["paths"]) == {p.replace("/ocpi/", "/roaming/", 1) for p in OCPI_PATHS}
    assert client.get("/roaming/docs/").status_code == 200


def test_docs_can_be_disabled(make_app: MakeApp) -> None:
    app = make_app({"OCPI_OPENAPI_ENABLED": False})
    client = app.test_client()
    response = client.get("/ocpi/docs/openapi.json")
    assert response.status_code == 404
    assert response.get_json()["status_code"] == 2000
    assert client.get("/ocpi/docs/").status_code == 404


def test_only_the_roles_and_versions_enabled_are_documented(make_app: MakeApp) -> None:
    doc = make_app({"OCPI_ROLES": ["EMSP"]}).test_client().get("/ocpi/docs/openapi.json").get_json()
    assert set(doc["paths"]) == {p for p in OCPI_PATHS if "/emsp/" in p}


# --- a host with its own flask-smorest API --------------------------------------------------------


@pytest.fixture
def host_with_api() -> tuple[Flask, dict[str, Any], dict[str, Any]]:
    app = Flask("host")
    app.config.update(
        TESTING=True,
        API_TITLE="Pet shop",
        API_VERSION="7",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OCPI_PARTIES=[{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}],
    )
    api = Api(app)
    pets = Blueprint("pets", __name__, url_prefix="/pets")

    @pets.route("/")
    def list_pets() -> dict[str, list[str]]:
        return {"pets": ["Rex"]}

    api.register_blueprint(pets)
    before = dict(app.config)
    OCPI(app, partners=MemoryPartnerStore())
    return app, before, dict(app.config)


def test_host_api_keeps_its_own_document(host_with_api: tuple[Flask, dict[str, Any], dict[str, Any]]) -> None:
    app, _, _ = host_with_api
    client = app.test_client()
    host_doc = client.get("/openapi.json").get_json()
    assert host_doc["info"] == {"title": "Pet shop", "version": "7"}
    assert set(host_doc["paths"]) == {"/pets/"}
    assert "securitySchemes" not in host_doc.get("components", {})
    assert "security" not in host_doc

    ocpi_doc = client.get("/ocpi/docs/openapi.json").get_json()
    assert set(ocpi_doc["paths"]) == OCPI_PATHS
    assert client.get("/pets/").get_json() == {"pets": ["Rex"]}


def test_host_api_errors_and_ocpi_errors_stay_apart(
    host_with_api: tuple[Flask, dict[str, Any], dict[str, Any]],
) -> None:
    app, _, _ = host_with_api
    client = app.test_client()
    host_404 = client.get("/nothing").get_json()
    assert host_404["code"] == 404 and "status_code" not in host_404  # flask-smorest's own error body
    ocpi_404 = client.get("/ocpi/nothing").get_json()
    assert ocpi_404["status_code"] == 2000 and "code" not in ocpi_404
    ocpi_401 = client.get("/ocpi/cpo/versions").get_json()
    assert ocpi_401["status_code"] == 2000 and "code" not in ocpi_401


def test_flask_ocpi_writes_no_config_keys(host_with_api: tuple[Flask, dict[str, Any], dict[str, Any]]) -> None:
    _, before, after = host_with_api
    assert after == before


def test_flask_ocpi_writes_no_config_keys_without_a_host_api() -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    before = dict(app.config)
    OCPI(app, partners=MemoryPartnerStore())
    assert dict(app.config) == before
