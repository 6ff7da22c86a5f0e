"""OCPI 2.1.1 adapter: everything the version-independent core needs from this version.

The extension lists :data:`V211` in its version registry; nothing else outside this
package names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_smorest import Blueprint

from flask_ocpi.backends.base import ModuleBackend, serving_role
from flask_ocpi.models import (
    CommandResult,
    CommandType,
    Credentials,
    InterfaceRole,
    ModuleID,
    Role,
    VersionDetails,
)
from flask_ocpi.schemas import load_or_raise
from flask_ocpi.v2_1_1 import VERSION
from flask_ocpi.v2_1_1 import client as client_wire
from flask_ocpi.v2_1_1.rules import RULES
from flask_ocpi.v2_1_1.schemas.commands import COMMANDS, dump_command_result
from flask_ocpi.v2_1_1.schemas.credentials import CredentialsSchema, credentials_from_wire, credentials_to_wire
from flask_ocpi.v2_1_1.schemas.versions import VersionDetailsSchema
from flask_ocpi.v2_1_1.views import cdrs, commands, credentials, locations, sessions, tariffs, tokens, versions
from flask_ocpi.versions import ClientWire, VersionRules

#: How each functional module adds its views to a role tree.
_VIEWS: dict[ModuleID, Callable[[Blueprint, Role], None]] = {
    ModuleID.LOCATIONS: locations.register,
    ModuleID.SESSIONS: sessions.register,
    ModuleID.CDRS: cdrs.register,
    ModuleID.TARIFFS: tariffs.register,
    ModuleID.TOKENS: tokens.register,
    ModuleID.COMMANDS: commands.register,
}


class _V211:
    """The :class:`~flask_ocpi.versions.VersionAdapter` of OCPI 2.1.1."""

    version = VERSION
    modules: frozenset[ModuleID] = frozenset(_VIEWS)
    commands: frozenset[CommandType] = COMMANDS
    rules: VersionRules = RULES
    client: ClientWire = client_wire

    def load_version_details(self, data: Any) -> VersionDetails:
        details: VersionDetails = load_or_raise(VersionDetailsSchema(), data)
        return details

    def load_credentials(self, data: Any, *, role: Role) -> Credentials:
        return credentials_from_wire(load_or_raise(CredentialsSchema(), data), role=role)

    def dump_credentials(self, credentials: Credentials) -> dict[str, Any]:
        return credentials_to_wire(credentials)

    def dump_command_result(self, result: CommandResult) -> dict[str, Any]:
        return dump_command_result(result)

    def register_views(
        self, blp: Blueprint, role: Role, backends: Mapping[tuple[ModuleID, InterfaceRole], ModuleBackend]
    ) -> None:
        versions.register(blp, role)
        credentials.register(blp, role)
        for module, register in _VIEWS.items():
            if any((module, i) in backends and serving_role(module, i) is role for i in InterfaceRole):
                register(blp, role)


#: The OCPI 2.1.1 adapter.
V211 = _V211()
