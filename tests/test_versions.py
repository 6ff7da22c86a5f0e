"""The versions and version details endpoints of each role tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi import OCPI
from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import InterfaceRole, ModuleID
from flask_ocpi.stores.memory import MemoryPartnerStore

Auth = Callable[[str], dict[str, str]]
MakeApp = Callable[..., Flask]


class LocationsSender(ModuleBackend):
    module = ModuleID.LOCATIONS
    interface = InterfaceRole.SENDER


class TariffsSender(ModuleBackend):
    module = ModuleID.TARIFFS
    interface = InterfaceRole.SENDER


class TokensSender(ModuleBackend):
    module = ModuleID.TOKENS
    interface = InterfaceRole.SENDER


class LocationsReceiver(ModuleBackend):
    module = ModuleID.LOCATIONS
    interface = InterfaceRole.RECEIVER


@pytest.fixture
def views_for_all_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend OCPI 2.1.1 implements the views of every module (only credentials exists yet)."""
    from flask_ocpi.v2_1_1.adapter import V211

    monkeypatch.setattr(type(V211), "modules", frozenset(ModuleID) - {ModuleID.CREDENTIALS})


def get_data(client: FlaskClient, url: str, token: str, **kwargs: Any) -> Any:
    response = client.get(url, headers={"Authorization": f"Token {token}"}, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status_code"] == 1000
    return body["data"]


def invite(app: Flask) -> str:
    with app.test_request_context():
        token: str = app.extensions["ocpi"].extension.invite().token
    return token


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cpo", "emsp"])
def test_versions_list_each_enabled_version_with_absolute_url(
    client: FlaskClient, registration_token: str, role: str
) -> None:
    data = get_data(client, f"/ocpi/{role}/versions", registration_token)
    assert data == [{"version": "2.1.1", "url": f"http://localhost/ocpi/{role}/2.1.1"}]


def test_versions_urls_follow_the_request_host(client: FlaskClient, registration_token: str) -> None:
    data = get_data(client, "/ocpi/emsp/versions", registration_token, base_url="https://ocpi.host.test:8443")
    assert data == [{"version": "2.1.1", "url": "https://ocpi.host.test:8443/ocpi/emsp/2.1.1"}]


def test_versions_urls_use_the_base_url_when_set(make_app: MakeApp) -> None:
    app = make_app({"OCPI_BASE_URL": "https://public.example.com/charging/"})
    token = invite(app)
    client = app.test_client()
    versions = get_data(client, "/ocpi/cpo/versions", token, base_url="http://10.0.0.5:5000")
    assert versions == [{"version": "2.1.1", "url": "https://public.example.com/charging/ocpi/cpo/2.1.1"}]
    details = get_data(client, "/ocpi/cpo/2.1.1", token, base_url="http://10.0.0.5:5000")
    assert details["endpoints"] == [
        {"identifier": "credentials", "url": "https://public.example.com/charging/ocpi/cpo/2.1.1/credentials/"}
    ]


def test_version_urls_resolve(client: FlaskClient, registration_token: str) -> None:
    """Following each URL the API hands out leads to a working endpoint."""
    for role in ("cpo", "emsp"):
        (entry,) = get_data(client, f"/ocpi/{role}/versions", registration_token)
        details = get_data(client, entry["url"], registration_token)
        assert details["version"] == entry["version"]
        for endpoint in details["endpoints"]:
            get_data(client, endpoint["url"], registration_token)


# --- version details ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["cpo", "emsp"])
def test_details_list_exactly_credentials_without_backends(
    client: FlaskClient, registration_token: str, role: str
) -> None:
    data = get_data(client, f"/ocpi/{role}/2.1.1", registration_token)
    assert data == {
        "version": "2.1.1",
        "endpoints": [{"identifier": "credentials", "url": f"http://localhost/ocpi/{role}/2.1.1/credentials/"}],
    }


def test_only_the_cpo_tree_exists_with_roles_cpo(make_app: MakeApp) -> None:
    app = make_app({"OCPI_ROLES": ["CPO"]})
    token = invite(app)
    client = app.test_client()
    assert get_data(client, "/ocpi/cpo/versions", token)[0]["url"] == "http://localhost/ocpi/cpo/2.1.1"
    with app.test_request_context():
        assert list(app.extensions["ocpi"].extension.invite().versions_urls) == ["cpo"]
    for url in ("/ocpi/emsp/versions", "/ocpi/emsp/2.1.1", "/ocpi/emsp/2.1.1/credentials/"):
        response = client.get(url, headers={"Authorization": f"Token {token}"})
        assert response.status_code == 404, url
        body = response.get_json()
        assert body["status_code"] == 2000
        assert url in body["status_message"]


def test_only_the_emsp_tree_exists_with_roles_emsp(make_app: MakeApp) -> None:
    app = make_app({"OCPI_ROLES": "EMSP"})
    token = invite(app)
    client = app.test_client()
    assert get_data(client, "/ocpi/emsp/versions", token)[0]["url"] == "http://localhost/ocpi/emsp/2.1.1"
    assert client.get("/ocpi/cpo/versions", headers={"Authorization": f"Token {token}"}).status_code == 404


def test_a_backend_adds_its_module_to_its_tree_only(make_app: MakeApp, views_for_all_modules: None) -> None:
    app = make_app(backends=[LocationsSender(), TokensSender(), TariffsSender()])
    token = invite(app)
    client = app.test_client()
    cpo = get_data(client, "/ocpi/cpo/2.1.1", token)["endpoints"]
    emsp = get_data(client, "/ocpi/emsp/2.1.1", token)["endpoints"]
    assert cpo == [
        {"identifier": "credentials", "url": "http://localhost/ocpi/cpo/2.1.1/credentials/"},
        {"identifier": "locations", "url": "http://localhost/ocpi/cpo/2.1.1/locations/"},
        {"identifier": "tariffs", "url": "http://localhost/ocpi/cpo/2.1.1/tariffs/"},
    ]
    assert emsp == [
        {"identifier": "credentials", "url": "http://localhost/ocpi/emsp/2.1.1/credentials/"},
        {"identifier": "tokens", "url": "http://localhost/ocpi/emsp/2.1.1/tokens/"},
    ]


def test_a_receiver_backend_goes_to_the_other_tree(make_app: MakeApp, views_for_all_modules: None) -> None:
    app = make_app(backends=[LocationsReceiver()])
    token = invite(app)
    client = app.test_client()
    assert [e["identifier"] for e in get_data(client, "/ocpi/cpo/2.1.1", token)["endpoints"]] == ["credentials"]
    assert [e["identifier"] for e in get_data(client, "/ocpi/emsp/2.1.1", token)["endpoints"]] == [
        "credentials",
        "locations",
    ]


def test_a_backend_for_a_disabled_role_is_a_config_error(views_for_all_modules: None) -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    app.config["OCPI_ROLES"] = ["CPO"]
    with pytest.raises(ConfigError, match=r"^OCPI_ROLES") as info:
        OCPI(app, partners=MemoryPartnerStore(), backends=[TokensSender()])
    assert info.value.key == "OCPI_ROLES"
    assert "TokensSender" in str(info.value)
    assert "ocpi" not in app.extensions


def test_backends_given_to_init_app_replace_the_constructors(views_for_all_modules: None) -> None:
    ocpi = OCPI(partners=MemoryPartnerStore(), backends=[TokensSender()])
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    app.config["OCPI_ROLES"] = ["CPO"]
    ocpi.init_app(app, backends=[LocationsSender()])
    assert list(app.extensions["ocpi"].backends) == [(ModuleID.LOCATIONS, InterfaceRole.SENDER)]


def test_a_backend_whose_module_has_no_views_is_refused_not_advertised(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module is advertised only where it is served: without views, the backend is a config error."""
    from flask_ocpi.v2_1_1.adapter import V211

    monkeypatch.setattr(type(V211), "modules", frozenset())
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    with pytest.raises(ConfigError, match=r"^OCPI_VERSIONS: LocationsSender"):
        OCPI(app, partners=MemoryPartnerStore(), backends=[LocationsSender()])
    assert "ocpi" not in app.extensions


def test_two_backends_for_one_interface_are_refused(views_for_all_modules: None) -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    with pytest.raises(ValueError, match="locations"):
        OCPI(app, partners=MemoryPartnerStore(), backends=[LocationsSender(), LocationsSender()])


def test_a_backend_must_be_a_module_backend() -> None:
    app = Flask("host")
    app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
    with pytest.raises(TypeError, match="ModuleBackend"):
        OCPI(app, partners=MemoryPartnerStore(), backends=[object()])  # type: ignore[list-item]
