"""The OCPI versions Flask-OCPI speaks, and choosing one with a partner."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from flask_ocpi.models import Credentials, InterfaceRole, ModuleID, Role, Version, VersionDetails

if TYPE_CHECKING:
    from flask_smorest import Blueprint

log = logging.getLogger("flask_ocpi")


class VersionAdapter(Protocol):
    """What each per-version package provides to the version-independent core."""

    version: str
    #: The modules (besides credentials) whose views this version implements.
    modules: frozenset[ModuleID]

    def load_version_details(self, data: Any) -> VersionDetails:
        """Parse a partner's version details (``data`` of the envelope)."""
        ...

    def load_credentials(self, data: Any, *, role: Role) -> Credentials:
        """Parse a partner's credentials; 2.1.1 needs the implied ``role`` of its party."""
        ...

    def dump_credentials(self, credentials: Credentials) -> dict[str, Any]:
        """Dump our credentials for the wire."""
        ...

    def register_views(
        self, blp: Blueprint, role: Role, backends: Mapping[tuple[ModuleID, InterfaceRole], object]
    ) -> None:
        """Add this version's views for one role tree to ``blp`` (modules with a backend only)."""
        ...


def adapter(version: str) -> VersionAdapter:
    """The adapter for a version number.

    :raises KeyError: when Flask-OCPI does not implement that version.
    """
    from flask_ocpi.v2_1_1.adapter import V211

    adapters: dict[str, VersionAdapter] = {V211.version: V211}
    return adapters[version]


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
