"""Configuration: defaults, validation of every ``OCPI_*`` key, and the extension's life cycle."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.config import DEFAULTS, OcpiConfig
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.extension import SUPPORTED_VERSIONS
from flask_ocpi.models import Role
from flask_ocpi.stores.memory import MemoryPartnerStore

PARTY = {"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}


def config_of(**keys: Any) -> OcpiConfig:
    mapping: dict[str, Any] = {"OCPI_PARTIES": [PARTY]}
    mapping.update(keys)
    return OcpiConfig.from_mapping(mapping, supported=SUPPORTED_VERSIONS)


def host_app(**keys: Any) -> Flask:
    app = Flask("host")
    app.config["TESTING"] = True
    app.config["OCPI_PARTIES"] = [PARTY]
    app.config.update(keys)
    return app


def assert_config_error(key: str, **keys: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        config_of(**keys)
    assert str(info.value).startswith(key), str(info.value)
    assert info.value.key.startswith(key)
    return info.value


# --- defaults --------------------------------------------------------------------------


def test_defaults_cover_every_key() -> None:
    assert DEFAULTS == {
        "OCPI_PARTIES": None,
        "OCPI_ROLES": ("CPO", "EMSP"),
        "OCPI_URL_PREFIX": "/ocpi",
        "OCPI_BASE_URL": None,
        "OCPI_VERSIONS": None,
        "OCPI_DEFAULT_PAGE_SIZE": 50,
        "OCPI_MAX_PAGE_SIZE": 200,
        "OCPI_OUTBOUND_TIMEOUT": 10.0,
        "OCPI_COMMAND_TIMEOUT": 120,
        "OCPI_LIST_CACHE_SIZE": 256,
        "OCPI_AUTH_CACHE_TTL": 1.0,
        "OCPI_SYNC_OVERLAP": 3600.0,
        "OCPI_PUSH_RETRY_DELAY": 5.0,
        "OCPI_PUSH_MAX_RETRY_DELAY": 3600.0,
        "OCPI_PUSH_MAX_ATTEMPTS": 12,
        "OCPI_PUSH_LEASE": 120.0,
        "OCPI_OUTBOUND_ALLOW_HTTP": False,
        "OCPI_OUTBOUND_ALLOW_LOOPBACK": False,
        "OCPI_OUTBOUND_ALLOW_PRIVATE": False,
        "OCPI_REQUIRED_ENDPOINTS": {},
        "OCPI_OPENAPI_ENABLED": True,
        "OCPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "OCPI_MAX_BODY_SIZE": 2 * 1024 * 1024,
        "OCPI_MAX_JSON_DEPTH": 32,
        "OCPI_MAX_LIST_LENGTH": 1000,
        "OCPI_ENCRYPTION_KEYS": None,
    }
    assert SUPPORTED_VERSIONS == ("2.1.1",)


def test_defaults_apply_when_only_parties_are_set() -> None:
    config = config_of()
    assert config.roles == (Role.CPO, Role.EMSP)
    assert config.url_prefix == "/ocpi"
    assert config.base_url is None
    assert config.versions == ("2.1.1",)
    assert config.default_page_size == 50
    assert config.max_page_size == 200
    assert config.outbound_timeout == 10.0
    assert dict(config.required_endpoints) == {}
    assert config.openapi_enabled is True
    assert config.swagger_ui_url == DEFAULTS["OCPI_SWAGGER_UI_URL"]
    party = config.party()
    assert (party.country_code, party.party_id, party.business_details.name) == ("NL", "ABC", "Host")


def test_valid_values_are_normalised() -> None:
    config = config_of(
        OCPI_PARTIES=[
            {"country_code": "nl", "party_id": "abc", "business_details": {"name": "One"}},
            {
                "country_code": "BE",
                "party_id": "X1Z",
                "business_details": {"name": "Two", "website": "https://two.example.com"},
            },
        ],
        OCPI_ROLES=["cpo"],
        OCPI_URL_PREFIX="/roaming/ocpi/",
        OCPI_BASE_URL="https://ocpi.example.com/",
        OCPI_VERSIONS="2.1.1",
        OCPI_DEFAULT_PAGE_SIZE=10,
        OCPI_MAX_PAGE_SIZE=10,
        OCPI_OUTBOUND_TIMEOUT=3,
        OCPI_REQUIRED_ENDPOINTS={"cpo": ["tokens"]},
    )
    assert [str(p.key) for p in config.parties] == ["NL-ABC", "BE-X1Z"]
    assert config.party("BE-X1Z").business_details.website == "https://two.example.com"
    assert config.roles == (Role.CPO,)
    assert config.url_prefix == "/roaming/ocpi"
    assert config.base_url == "https://ocpi.example.com"
    assert config.versions == ("2.1.1",)
    assert (config.default_page_size, config.max_page_size) == (10, 10)
    assert config.outbound_timeout == 3.0 and isinstance(config.outbound_timeout, float)
    assert config.required_endpoints == {Role.CPO: frozenset({"tokens"})}


def test_a_single_party_mapping_is_accepted() -> None:
    assert [str(p.key) for p in config_of(OCPI_PARTIES=PARTY).parties] == ["NL-ABC"]


def test_party_lookup_of_an_unknown_key_names_the_setting() -> None:
    with pytest.raises(LookupError, match="OCPI_PARTIES"):
        config_of().party("DE-XYZ")


# --- OCPI_PARTIES ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        "NL-ABC",
        42,
        [],
        [42],
        [{"party_id": "ABC", "business_details": {"name": "Host"}}],
        [{"country_code": "NLD", "party_id": "ABC", "business_details": {"name": "Host"}}],
        [{"country_code": "N1", "party_id": "ABC", "business_details": {"name": "Host"}}],
        [{"country_code": "NL", "party_id": "ABCD", "business_details": {"name": "Host"}}],
        [{"country_code": "NL", "party_id": "A-C", "business_details": {"name": "Host"}}],
        [{"country_code": "NL", "party_id": 123, "business_details": {"name": "Host"}}],
        [{"country_code": "NL", "party_id": "ABC"}],
        [{"country_code": "NL", "party_id": "ABC", "business_details": {}}],
        [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "x" * 101}}],
        [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host", "website": "not a url"}}],
        [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host", "logo": "logo.png"}}],
        [PARTY, dict(PARTY)],
        [PARTY, {**PARTY, "country_code": "nl", "party_id": "abc"}],
    ],
    ids=[
        "missing",
        "string",
        "int",
        "empty",
        "item-not-mapping",
        "no-country",
        "country-3-letters",
        "country-digit",
        "party-4-chars",
        "party-dash",
        "party-not-string",
        "no-business-details",
        "no-name",
        "name-too-long",
        "bad-website",
        "bad-logo",
        "duplicate",
        "duplicate-other-case",
    ],
)
def test_invalid_parties(value: Any) -> None:
    assert_config_error("OCPI_PARTIES", OCPI_PARTIES=value)


def test_party_errors_point_at_the_field() -> None:
    bad_country = [PARTY, {**PARTY, "country_code": "NLD"}]
    assert assert_config_error("OCPI_PARTIES", OCPI_PARTIES=bad_country).key == "OCPI_PARTIES[1].country_code"
    bad_party = [{**PARTY, "party_id": "AB"}]
    assert assert_config_error("OCPI_PARTIES", OCPI_PARTIES=bad_party).key == "OCPI_PARTIES[0].party_id"
    no_name = [{**PARTY, "business_details": {"website": "https://example.com"}}]
    error = assert_config_error("OCPI_PARTIES", OCPI_PARTIES=no_name)
    assert error.key == "OCPI_PARTIES[0].business_details.name"


def test_missing_parties_fail_at_init_app_with_the_key_name() -> None:
    app = Flask("host")
    with pytest.raises(ConfigError, match=r"^OCPI_PARTIES"):
        OCPI(app, partners=MemoryPartnerStore())
    assert "ocpi" not in app.extensions


# --- the other keys --------------------------------------------------------------------


@pytest.mark.parametrize("value", [[], "HUB", ["CPO", "NSP"], ["shop"], 7, None])
def test_invalid_roles(value: Any) -> None:
    assert_config_error("OCPI_ROLES", OCPI_ROLES=value)


@pytest.mark.parametrize("value", ["ocpi", "/", "//", "", "/ocpi?x=1", "/ocpi#top", None, 5])
def test_invalid_url_prefix(value: Any) -> None:
    assert_config_error("OCPI_URL_PREFIX", OCPI_URL_PREFIX=value)


@pytest.mark.parametrize(
    "value", ["ocpi.example.com", "ftp://ocpi.example.com", "https://", "/relative", 42, "https://x/" + "a" * 250]
)
def test_invalid_base_url(value: Any) -> None:
    assert_config_error("OCPI_BASE_URL", OCPI_BASE_URL=value)


def test_empty_base_url_means_unset() -> None:
    assert config_of(OCPI_BASE_URL="").base_url is None


@pytest.mark.parametrize("value", [["2.2.1"], "2.0", ["2.1.1", "3.0"], [], None])
def test_invalid_versions(value: Any) -> None:
    error = assert_config_error("OCPI_VERSIONS", OCPI_VERSIONS=value)
    if value:
        assert "2.1.1" in str(error)  # says what is supported


def test_non_iterable_versions_raise_config_error() -> None:
    assert_config_error("OCPI_VERSIONS", OCPI_VERSIONS=2)


@pytest.mark.parametrize("key", ["OCPI_DEFAULT_PAGE_SIZE", "OCPI_MAX_PAGE_SIZE"])
@pytest.mark.parametrize("value", [0, -5, 1.5, "50", True, None])
def test_invalid_page_sizes(key: str, value: Any) -> None:
    assert_config_error(key, **{key: value})


def test_default_page_size_larger_than_max() -> None:
    error = assert_config_error("OCPI_DEFAULT_PAGE_SIZE", OCPI_DEFAULT_PAGE_SIZE=300, OCPI_MAX_PAGE_SIZE=100)
    assert "OCPI_MAX_PAGE_SIZE" in str(error)
    # ... also against the default maximum of 200
    assert_config_error("OCPI_DEFAULT_PAGE_SIZE", OCPI_DEFAULT_PAGE_SIZE=201)
    assert config_of(OCPI_DEFAULT_PAGE_SIZE=200).default_page_size == 200


@pytest.mark.parametrize("value", [0, -1, "10", True, None, [10]])
def test_invalid_outbound_timeout(value: Any) -> None:
    assert_config_error("OCPI_OUTBOUND_TIMEOUT", OCPI_OUTBOUND_TIMEOUT=value)


@pytest.mark.parametrize(
    "value",
    [["tokens"], "tokens", {"SHOP": ["tokens"]}, {"CPO": "tokens"}, {"CPO": 5}, {"EMSP": ["parking"]}],
    ids=["list", "string", "unknown-role", "modules-string", "modules-int", "unknown-module"],
)
def test_invalid_required_endpoints(value: Any) -> None:
    assert_config_error("OCPI_REQUIRED_ENDPOINTS", OCPI_REQUIRED_ENDPOINTS=value)


def test_required_endpoints_accept_custom_modules() -> None:
    config = config_of(OCPI_REQUIRED_ENDPOINTS={"EMSP": ["locations", "nltnm-tokens"]})
    assert config.required_endpoints == {Role.EMSP: frozenset({"locations", "nltnm-tokens"})}


def test_config_errors_happen_at_init_app_and_leave_the_app_untouched() -> None:
    app = host_app(OCPI_MAX_PAGE_SIZE=0)
    rules_before = {r.rule for r in app.url_map.iter_rules()}
    with pytest.raises(ConfigError, match=r"^OCPI_MAX_PAGE_SIZE"):
        OCPI(app, partners=MemoryPartnerStore())
    assert "ocpi" not in app.extensions
    assert {r.rule for r in app.url_map.iter_rules()} == rules_before
    # Fixing the key makes a new attempt succeed.
    app.config["OCPI_MAX_PAGE_SIZE"] = 100
    OCPI(app, partners=MemoryPartnerStore())
    assert app.extensions["ocpi"].config.max_page_size == 100


# --- the extension's life cycle ----------------------------------------------------------


def test_registering_twice_on_one_app_raises() -> None:
    app = host_app()
    ocpi = OCPI(app, partners=MemoryPartnerStore())
    with pytest.raises(RuntimeError, match="already registered"):
        ocpi.init_app(app)
    with pytest.raises(RuntimeError, match="already registered"):
        OCPI(app, partners=MemoryPartnerStore())


def test_factory_pattern_keeps_separate_state_per_app() -> None:
    ocpi = OCPI(partners=MemoryPartnerStore())
    first = host_app()
    second = host_app(OCPI_URL_PREFIX="/roaming", OCPI_ROLES=["EMSP"])
    ocpi.init_app(first)
    ocpi.init_app(second, partners=MemoryPartnerStore())

    one, two = first.extensions["ocpi"], second.extensions["ocpi"]
    assert one is not two
    assert one.extension is ocpi and two.extension is ocpi
    assert one.partners is not two.partners
    assert one.config.url_prefix == "/ocpi" and two.config.url_prefix == "/roaming"

    with first.test_request_context():
        invitation = ocpi.invite()
        assert [p.id for p in ocpi.partners()] == [invitation.partner.id]
    with second.test_request_context():
        assert ocpi.partners() == []

    headers = {"Authorization": f"Token {invitation.token}"}
    assert first.test_client().get("/ocpi/cpo/versions", headers=headers).status_code == 200
    assert second.test_client().get("/roaming/emsp/versions", headers=headers).status_code == 401
    assert second.test_client().get("/roaming/cpo/versions", headers=headers).status_code == 404


def test_init_app_uses_the_constructor_store_by_default() -> None:
    store = MemoryPartnerStore()
    app = host_app()
    OCPI(partners=store).init_app(app)
    assert app.extensions["ocpi"].partners.inner is store  # wrapped by flask_ocpi.stores.secrets.protect


def test_missing_partner_store_raises_type_error() -> None:
    with pytest.raises(TypeError, match="partner store"):
        OCPI(host_app())
    with pytest.raises(TypeError, match="partner store"):
        OCPI().init_app(host_app())
    with pytest.raises(TypeError, match="partner store"):
        OCPI(host_app(), partners={})  # type: ignore[arg-type]


def test_an_empty_store_with_len_is_still_a_store() -> None:
    """A store that is falsy (defines ``__len__`` and is empty) must not be taken as missing."""

    class CountingStore(MemoryPartnerStore):
        def __len__(self) -> int:
            return len(self.list())

    store = CountingStore()
    app = host_app()
    OCPI().init_app(app, partners=store)
    assert app.extensions["ocpi"].partners.inner is store  # wrapped by flask_ocpi.stores.secrets.protect


def test_extension_keeps_no_app_attribute() -> None:
    app = host_app()
    ocpi = OCPI(app, partners=MemoryPartnerStore())
    assert not hasattr(ocpi, "app")
    assert app not in vars(ocpi).values()
    assert app.extensions["ocpi"].extension is ocpi


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("OCPI_MAX_BODY_SIZE", 0),
        ("OCPI_MAX_BODY_SIZE", "2MB"),
        ("OCPI_MAX_JSON_DEPTH", -1),
        ("OCPI_MAX_LIST_LENGTH", 1.5),
        ("OCPI_ENCRYPTION_KEYS", 42),
        ("OCPI_ENCRYPTION_KEYS", ["", "x"]),
    ],
)
def test_limits_and_keys_are_validated_naming_the_key(key: str, value: object) -> None:
    parties = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "x"}}]
    config = {"OCPI_PARTIES": parties, key: value}
    with pytest.raises(ConfigError, match=f"^{key}"):
        OcpiConfig.from_mapping(config, supported=SUPPORTED_VERSIONS)


def test_encryption_keys_accept_one_key_a_comma_separated_string_or_a_list() -> None:
    base = {"OCPI_PARTIES": [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "x"}}]}
    assert OcpiConfig.from_mapping({**base, "OCPI_ENCRYPTION_KEYS": "a"},
        supported=SUPPORTED_VERSIONS,
    ).encryption_keys == ("a",)
    assert OcpiConfig.from_mapping({**base, "OCPI_ENCRYPTION_KEYS": "a, b"},
        supported=SUPPORTED_VERSIONS,
    ).encryption_keys == ("a", "b")
    assert OcpiConfig.from_mapping({**base, "OCPI_ENCRYPTION_KEYS": [b"a", "b"]},
        supported=SUPPORTED_VERSIONS,
    ).encryption_keys == ("a", "b")
    assert OcpiConfig.from_mapping(base, supported=SUPPORTED_VERSIONS).encryption_keys == ()
