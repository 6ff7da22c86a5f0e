"""Configuration: the ``OCPI_*`` keys, their defaults, and their validation.

Read once, in :meth:`flask_ocpi.OCPI.init_app`; every error names the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import BusinessDetails, Image, ImageCategory, ModuleID, Partner, PartyKey, Role
from flask_ocpi.util.urlpolicy import UrlPolicy

#: The key of Flask-OCPI's per-app state in ``app.extensions``.
EXTENSION_KEY = "ocpi"

#: OCPI versions this release of Flask-OCPI can serve.

#: Every key Flask-OCPI reads, with its default. ``OCPI_PARTIES`` has no default.
DEFAULTS: dict[str, Any] = {
    "OCPI_PARTIES": None,
    "OCPI_ROLES": ("CPO", "EMSP"),
    "OCPI_URL_PREFIX": "/ocpi",
    "OCPI_BASE_URL": None,
    "OCPI_VERSIONS": None,  # every version Flask-OCPI speaks
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

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_PARTY = re.compile(r"^[A-Za-z0-9]{3}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalParty:
    """One of our own parties: the identity put in the credentials we hand out."""

    country_code: str
    party_id: str
    business_details: BusinessDetails

    @property
    def key(self) -> PartyKey:
        """This party's :class:`~flask_ocpi.models.PartyKey`."""
        return PartyKey(self.country_code, self.party_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class OcpiConfig:
    """The validated configuration of one application."""

    parties: tuple[LocalParty, ...]
    roles: tuple[Role, ...]
    url_prefix: str
    base_url: str | None
    versions: tuple[str, ...]
    default_page_size: int
    max_page_size: int
    outbound_timeout: float
    command_timeout: int = 120
    list_cache_size: int = 256
    auth_cache_ttl: float = 1.0
    sync_overlap: float = 3600.0
    push_retry_delay: float = 5.0
    push_max_retry_delay: float = 3600.0
    push_max_attempts: int = 12
    push_lease: float = 120.0
    url_policy: UrlPolicy = field(default_factory=UrlPolicy)
    required_endpoints: Mapping[Role, frozenset[str]] = field(default_factory=dict)
    openapi_enabled: bool = True
    swagger_ui_url: str = DEFAULTS["OCPI_SWAGGER_UI_URL"]
    #: Largest request body accepted, in bytes (larger: HTTP 413 in an envelope).
    max_body_size: int = DEFAULTS["OCPI_MAX_BODY_SIZE"]
    #: Deepest nesting of arrays/objects accepted in a request body.
    max_json_depth: int = DEFAULTS["OCPI_MAX_JSON_DEPTH"]
    #: Most items accepted in one list inside a received object (EVSEs, connectors, ...).
    max_list_length: int = DEFAULTS["OCPI_MAX_LIST_LENGTH"]
    #: Fernet keys (newest first) encrypting the partners' tokens at rest; empty: not encrypted.
    encryption_keys: tuple[str, ...] = ()
    #: The keys of our own parties (``OCPI_PARTIES``), whatever role tree serves them.
    own_keys: frozenset[PartyKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "own_keys", frozenset(p.key for p in self.parties))

    def party(self, key: PartyKey | str | None = None) -> LocalParty:
        """Our party for ``key`` (``"NL-ABC"``); the first configured one when ``None``.

        :raises LookupError: when no configured party has that key.
        """
        if key is None:
            return self.parties[0]
        wanted = PartyKey.parse(key) if isinstance(key, str) else key
        for party in self.parties:
            if party.key == wanted:
                return party
        known = ", ".join(str(p.key) for p in self.parties)
        raise LookupError(f"{wanted} is not one of our parties ({known}); see OCPI_PARTIES")

    def is_ours(self, key: PartyKey | str) -> bool:
        """Whether ``key`` (a :class:`~flask_ocpi.models.PartyKey` or ``"NL-ABC"``) is one of
        our own parties: never a partner's, whatever a partner's credentials or row claim."""
        return (PartyKey.parse(key) if isinstance(key, str) else key) in self.own_keys

    def foreign_parties(self, partner: Partner) -> list[PartyKey]:
        """``partner.parties`` without our own: the namespaces the partner really owns (the
        only ones to match when selecting what a partner may read, write or receive)."""
        return [key for key in partner.parties if key not in self.own_keys]

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], *, supported: Sequence[str]) -> OcpiConfig:
        """Validate the ``OCPI_*`` keys of ``config`` (a Flask ``app.config``).

        :param supported: the version numbers Flask-OCPI speaks (the version registry's,
            :data:`flask_ocpi.extension.SUPPORTED_VERSIONS`): ``OCPI_VERSIONS`` must name
            some of them, and defaults to all.
        """

        def get(key: str) -> Any:
            return config.get(key, DEFAULTS[key])

        roles = _roles(get("OCPI_ROLES"))
        default_size = _positive_int("OCPI_DEFAULT_PAGE_SIZE", get("OCPI_DEFAULT_PAGE_SIZE"))
        max_size = _positive_int("OCPI_MAX_PAGE_SIZE", get("OCPI_MAX_PAGE_SIZE"))
        if default_size > max_size:
            raise ConfigError(
                "OCPI_DEFAULT_PAGE_SIZE",
                f"{default_size} is larger than OCPI_MAX_PAGE_SIZE ({max_size})",
            )
        return cls(
            parties=_parties(get("OCPI_PARTIES")),
            roles=roles,
            url_prefix=_prefix(get("OCPI_URL_PREFIX")),
            base_url=_base_url(get("OCPI_BASE_URL")),
            versions=_versions(config["OCPI_VERSIONS"] if "OCPI_VERSIONS" in config else supported, supported),
            default_page_size=default_size,
            max_page_size=max_size,
            outbound_timeout=_timeout(get("OCPI_OUTBOUND_TIMEOUT")),
            command_timeout=_positive_int("OCPI_COMMAND_TIMEOUT", get("OCPI_COMMAND_TIMEOUT")),
            list_cache_size=_non_negative_int("OCPI_LIST_CACHE_SIZE", get("OCPI_LIST_CACHE_SIZE")),
            auth_cache_ttl=_non_negative_number("OCPI_AUTH_CACHE_TTL", get("OCPI_AUTH_CACHE_TTL")),
            sync_overlap=_non_negative_number("OCPI_SYNC_OVERLAP", get("OCPI_SYNC_OVERLAP")),
            push_retry_delay=_non_negative_number("OCPI_PUSH_RETRY_DELAY", get("OCPI_PUSH_RETRY_DELAY")),
            push_max_retry_delay=_non_negative_number("OCPI_PUSH_MAX_RETRY_DELAY", get("OCPI_PUSH_MAX_RETRY_DELAY")),
            push_max_attempts=_positive_int("OCPI_PUSH_MAX_ATTEMPTS", get("OCPI_PUSH_MAX_ATTEMPTS")),
            push_lease=_non_negative_number("OCPI_PUSH_LEASE", get("OCPI_PUSH_LEASE")),
            url_policy=UrlPolicy(
                allow_http=_bool("OCPI_OUTBOUND_ALLOW_HTTP", get("OCPI_OUTBOUND_ALLOW_HTTP")),
                allow_loopback=_bool("OCPI_OUTBOUND_ALLOW_LOOPBACK", get("OCPI_OUTBOUND_ALLOW_LOOPBACK")),
                allow_private=_bool("OCPI_OUTBOUND_ALLOW_PRIVATE", get("OCPI_OUTBOUND_ALLOW_PRIVATE")),
            ),
            required_endpoints=_required(get("OCPI_REQUIRED_ENDPOINTS"), roles),
            openapi_enabled=_bool("OCPI_OPENAPI_ENABLED", get("OCPI_OPENAPI_ENABLED")),
            swagger_ui_url=str(get("OCPI_SWAGGER_UI_URL")),
            max_body_size=_positive_int("OCPI_MAX_BODY_SIZE", get("OCPI_MAX_BODY_SIZE")),
            max_json_depth=_positive_int("OCPI_MAX_JSON_DEPTH", get("OCPI_MAX_JSON_DEPTH")),
            max_list_length=_positive_int("OCPI_MAX_LIST_LENGTH", get("OCPI_MAX_LIST_LENGTH")),
            encryption_keys=_keys(get("OCPI_ENCRYPTION_KEYS")),
        )


def _parties(value: Any) -> tuple[LocalParty, ...]:
    key = "OCPI_PARTIES"
    if value is None:
        raise ConfigError(
            key,
            "required: a list of our parties, e.g. [{'country_code': 'NL', 'party_id': 'ABC',"
            " 'business_details': {'name': 'Example Operator'}}]",
        )
    if isinstance(value, Mapping) or isinstance(value, LocalParty):
        value = [value]
    if not isinstance(value, Iterable) or isinstance(value, str | bytes):
        raise ConfigError(key, f"must be a list of parties, got {type(value).__name__}")
    parties: list[LocalParty] = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if isinstance(item, LocalParty):
            parties.append(item)
            continue
        if not isinstance(item, Mapping):
            raise ConfigError(where, f"must be a mapping, got {type(item).__name__}")
        country = item.get("country_code")
        party_id = item.get("party_id")
        if not isinstance(country, str) or not _COUNTRY.match(country):
            raise ConfigError(f"{where}.country_code", f"must be 2 letters (ISO 3166-1 alpha-2), got {country!r}")
        if not isinstance(party_id, str) or not _PARTY.match(party_id):
            raise ConfigError(f"{where}.party_id", f"must be 3 letters or digits, got {party_id!r}")
        details = _business_details(f"{where}.business_details", item.get("business_details"))
        parties.append(LocalParty(country_code=country.upper(), party_id=party_id.upper(), business_details=details))
    if not parties:
        raise ConfigError(key, "must name at least one party")
    keys = [p.key for p in parties]
    if len(set(keys)) != len(keys):
        raise ConfigError(key, "lists the same country_code/party_id twice")
    return tuple(parties)


def _business_details(key: str, value: Any) -> BusinessDetails:
    if isinstance(value, BusinessDetails):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(key, "required: a mapping with at least 'name'")
    name = value.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise ConfigError(f"{key}.name", "required, a string of at most 100 characters")
    website = value.get("website")
    if website is not None:
        _url(f"{key}.website", website)
    logo = value.get("logo")
    image = None
    if logo is not None:
        if not isinstance(logo, Mapping):
            raise ConfigError(f"{key}.logo", "must be a mapping (an OCPI Image)")
        try:
            image = Image(
                url=_url(f"{key}.logo.url", logo.get("url")),
                thumbnail=logo.get("thumbnail"),
                category=ImageCategory(logo.get("category", "OPERATOR")),
                type=str(logo.get("type", "png"))[:4],
                width=logo.get("width"),
                height=logo.get("height"),
            )
        except ValueError as exc:
            raise ConfigError(f"{key}.logo", str(exc)) from exc
    return BusinessDetails(name=name, website=website, logo=image)


def _url(key: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 255:
        raise ConfigError(key, f"must be a URL of at most 255 characters, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, f"must be an absolute http(s) URL, got {value!r}")
    return value


def _roles(value: Any) -> tuple[Role, ...]:
    key = "OCPI_ROLES"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise ConfigError(key, f"must list CPO and/or EMSP, got {value!r}")
    try:
        roles = tuple(dict.fromkeys(Role(str(v).upper()) for v in value))
    except (TypeError, ValueError) as exc:
        raise ConfigError(key, f"must list roles among CPO and EMSP ({exc})") from exc
    if not roles or any(r not in (Role.CPO, Role.EMSP) for r in roles):
        raise ConfigError(key, f"must list CPO and/or EMSP, got {value!r}")
    return roles


def _prefix(value: Any) -> str:
    key = "OCPI_URL_PREFIX"
    if not isinstance(value, str) or not value.startswith("/") or "?" in value or "#" in value:
        raise ConfigError(key, f"must be a path starting with '/', got {value!r}")
    prefix = value.rstrip("/")
    if not prefix:
        raise ConfigError(key, "must not be '/': the OCPI API needs its own prefix")
    return prefix


def _base_url(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return _url("OCPI_BASE_URL", value).rstrip("/")


def _versions(value: Any, supported: Sequence[str]) -> tuple[str, ...]:
    key = "OCPI_VERSIONS"
    if isinstance(value, str):
        value = [value]
    if value is not None and not isinstance(value, Iterable):
        raise ConfigError(key, f"must be a list of version numbers, got {value!r}")
    versions = tuple(dict.fromkeys(str(v) for v in value or ()))
    if not versions:
        raise ConfigError(key, "must enable at least one version")
    unknown = [v for v in versions if v not in supported]
    if unknown:
        raise ConfigError(key, f"unsupported version(s) {unknown}; supported: {list(supported)}")
    return versions


def _positive_int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(key, f"must be a positive integer, got {value!r}")
    return value


def _non_negative_int(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(key, f"must be a non-negative integer, got {value!r}")
    return value


def _non_negative_number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(key, f"must be a non-negative number of seconds, got {value!r}")
    return float(value)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be True or False, got {value!r}")
    return value


def _timeout(value: Any) -> float:
    key = "OCPI_OUTBOUND_TIMEOUT"
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(key, f"must be a positive number of seconds, got {value!r}")
    return float(value)


def _keys(value: Any) -> tuple[str, ...]:
    """``OCPI_ENCRYPTION_KEYS``: one key or a list of keys (newest first); validated as
    Fernet keys by :mod:`flask_ocpi.stores.secrets` when the extension starts."""
    key = "OCPI_ENCRYPTION_KEYS"
    if value is None or value == "" or value == ():
        return ()
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, Iterable):
        raise ConfigError(key, f"must be a Fernet key or a list of them (newest first), got {type(value).__name__}")
    keys = tuple(k.decode("ascii", "replace") if isinstance(k, bytes) else k for k in value)
    if not all(isinstance(k, str) and k for k in keys):
        raise ConfigError(key, "every key must be a non-empty string (a Fernet key)")
    return keys


def _required(value: Any, roles: tuple[Role, ...]) -> dict[Role, frozenset[str]]:
    key = "OCPI_REQUIRED_ENDPOINTS"
    if not isinstance(value, Mapping):
        raise ConfigError(key, "must map a role (CPO, EMSP) to the module ids we need from partners")
    result: dict[Role, frozenset[str]] = {}
    known = {m.value for m in ModuleID}
    for role_name, modules in value.items():
        try:
            role = Role(str(role_name).upper())
        except ValueError as exc:
            raise ConfigError(key, f"unknown role {role_name!r}") from exc
        if role not in roles:
            raise ConfigError(key, f"role {role.value} is not enabled in OCPI_ROLES")
        if isinstance(modules, str) or not isinstance(modules, Iterable):
            raise ConfigError(f"{key}[{role_name}]", "must be a list of module ids")
        wanted = frozenset(str(m) for m in modules)
        if unknown := sorted(m for m in wanted if m not in known and "-" not in m):
            raise ConfigError(f"{key}[{role_name}]", f"unknown module id(s) {unknown}")
        result[role] = wanted
    return result


def app_config() -> OcpiConfig | None:
    """The validated configuration of the current application; ``None`` outside an
    application context or when Flask-OCPI is not initialised on it."""
    state = current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None
    config: OcpiConfig | None = None if state is None else state.config
    return config


def current_config() -> OcpiConfig:
    """The validated configuration of the current application.

    :raises RuntimeError: outside an application context, or when Flask-OCPI was not
        initialised on the current application.
    """
    config = app_config()
    if config is None:
        raise RuntimeError("Flask-OCPI is not initialised on this application: call OCPI(app) or ocpi.init_app(app)")
    return config
