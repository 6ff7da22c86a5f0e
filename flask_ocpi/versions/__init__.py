"""The version seam: what a version package provides, the registry of an application's
versions, and choosing a version with a partner.

The core never names a version package. Each one (``flask_ocpi/v2_1_1/``) implements
:class:`VersionAdapter`; :mod:`flask_ocpi.extension` lists them (its one registry entry per
version) and ``init_app`` builds the application's :class:`VersionRegistry`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from flask_smorest import Blueprint

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.models import (
    CommandResult,
    CommandType,
    Credentials,
    InterfaceRole,
    ModuleID,
    Role,
    Version,
    VersionDetails,
)
from flask_ocpi.versions.rules import IdLimits, VersionRules
from flask_ocpi.versions.wire import ClientWire

log = logging.getLogger("flask_ocpi")


class VersionAdapter(Protocol):
    """What each version package provides to the version-independent core.

    The core reaches a version only through this protocol, via the application's
    :class:`VersionRegistry` (``get_state(app).versions``); a version package implements
    it once (OCPI 2.1.1: :data:`flask_ocpi.v2_1_1.adapter.V211`).
    """

    version: str
    #: The modules (besides credentials) whose views this version implements.
    modules: frozenset[ModuleID]
    #: The commands this version defines.
    commands: frozenset[CommandType]
    #: Rules the core applies for this version (URL id limits, PATCH stamping).
    rules: VersionRules
    #: The wire format of the calls we make to a partner speaking this version.
    client: ClientWire

    def load_version_details(self, data: Any) -> VersionDetails:
        """Parse a partner's version details (``data`` of the envelope)."""
        ...

    def load_credentials(self, data: Any, *, role: Role) -> Credentials:
        """Parse a partner's credentials; 2.1.1 needs the implied ``role`` of its party."""
        ...

    def dump_credentials(self, credentials: Credentials) -> dict[str, Any]:
        """Dump our credentials for the wire."""
        ...

    def dump_command_result(self, result: CommandResult) -> dict[str, Any]:
        """Dump a command's asynchronous result (POSTed to the eMSP's ``response_url``)."""
        ...

    def register_views(
        self, blp: Blueprint, role: Role, backends: Mapping[tuple[ModuleID, InterfaceRole], ModuleBackend]
    ) -> None:
        """Add this version's views for one role tree to ``blp`` (modules with a backend only)."""
        ...


class UnknownVersion(LookupError):
    """Flask-OCPI has no adapter for a version number (or it is not enabled)."""


class VersionRegistry:
    """The versions one application speaks: built once in ``init_app`` from the adapters
    of the enabled ``OCPI_VERSIONS``, kept in its state.

    :param adapters: one adapter per version, in the order given.
    :raises ValueError: when two adapters claim one version.
    """

    def __init__(self, adapters: Iterable[VersionAdapter]) -> None:
        self._adapters: dict[str, VersionAdapter] = {}
        for adapter in adapters:
            if adapter.version in self._adapters:
                raise ValueError(f"two adapters for OCPI {adapter.version}")
            self._adapters[adapter.version] = adapter

    @property
    def numbers(self) -> tuple[str, ...]:
        """The version numbers, in registry order."""
        return tuple(self._adapters)

    def get(self, version: str) -> VersionAdapter:
        """The adapter of ``version``.

        :raises UnknownVersion: when the registry has no such version.
        """
        try:
            return self._adapters[version]
        except KeyError:
            raise UnknownVersion(f"OCPI {version} is not spoken here (spoken: {', '.join(self.numbers)})") from None

    def only(self, versions: Iterable[str]) -> VersionRegistry:
        """A registry of the given versions only (in that order).

        :raises UnknownVersion: for a version this registry lacks.
        """
        return VersionRegistry(self.get(v) for v in versions)

    def serves(self, module: ModuleID) -> bool:
        """Whether any version of this registry has views for ``module``."""
        return any(module in adapter.modules for adapter in self._adapters.values())

    def __contains__(self, version: object) -> bool:
        return version in self._adapters

    def __iter__(self) -> Iterator[VersionAdapter]:
        return iter(self._adapters.values())

    def __len__(self) -> int:
        return len(self._adapters)


def version_key(version: str) -> tuple[int, ...]:
    """A sortable key for a version number; non-numeric parts sort lowest."""
    key = []
    for part in version.split("."):
        key.append(int(part) if part.isdigit() else -1)
    return tuple(key)


def parse_versions(data: Any) -> list[Version]:
    """Read a partner's versions list, skipping (and logging) entries we can't use.

    Accepts the bare list the spec defines, and the ``{"versions": [...]}`` wrapper
    some older peers send.
    """
    if isinstance(data, dict) and isinstance(data.get("versions"), list):
        log.info("Partner wrapped its versions list in a 'versions' object; accepting it")
        data = data["versions"]
    if not isinstance(data, list):
        raise ValueError("versions data is not a list")
    versions = []
    for entry in data:
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("version"), str)
            and isinstance(entry.get("url"), str)
            and entry["url"].startswith(("http://", "https://"))
        ):
            versions.append(Version(version=entry["version"], url=entry["url"]))
        else:
            log.warning("Skipping unusable entry in a partner's versions list: %r", entry)
    return versions


def choose_version(ours: Iterable[str], theirs: Iterable[Version]) -> Version | None:
    """The partner's entry for the highest version both sides speak, or ``None``."""
    mutual = [v for v in theirs if v.version in set(ours)]
    return max(mutual, key=lambda v: version_key(v.version), default=None)


__all__ = [
    "ClientWire",
    "IdLimits",
    "UnknownVersion",
    "VersionAdapter",
    "VersionRegistry",
    "VersionRules",
    "choose_version",
    "parse_versions",
    "version_key",
]
