"""OCPI 2.1.1 adapter: what the version-independent core needs from this version."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask_smorest import Blueprint

from flask_ocpi.backends.base import serving_role
from flask_ocpi.models import Credentials, InterfaceRole, ModuleID, Role, VersionDetails
from flask_ocpi.schemas import load_or_raise
from flask_ocpi.v2_1_1 import VERSION
from flask_ocpi.v2_1_1.schemas.credentials import CredentialsSchema, credentials_from_wire, credentials_to_wire
from flask_ocpi.v2_1_1.schemas.versions import VersionDetailsSchema

#: The view module of each functional module (``flask_ocpi.v2_1_1.views.<name>``).
_VIEWS = {
    ModuleID.LOCATIONS: "locations",
    ModuleID.SESSIONS: "sessions",
    ModuleID.CDRS: "cdrs",
    ModuleID.TARIFFS: "tariffs",
    ModuleID.TOKENS: "tokens",
    ModuleID.COMMANDS: "commands",
}


class _V211:
    version = VERSION
    modules: frozenset[ModuleID] = frozenset(_VIEWS)

    def load_version_details(self, data: Any) -> VersionDetails:
        details: VersionDetails = load_or_raise(VersionDetailsSchema(), data)
        return details

    def load_credentials(self, data: Any, *, role: Role) -> Credentials:
        return credentials_from_wire(load_or_raise(CredentialsSchema(), data), role=role)

    def dump_credentials(self, credentials: Credentials) -> dict[str, Any]:
        return credentials_to_wire(credentials)

    def register_views(
        self, blp: Blueprint, role: Role, backends: Mapping[tuple[ModuleID, InterfaceRole], object]
    ) -> None:
        from flask_ocpi.v2_1_1.views import credentials, versions

        versions.register(blp, role)
        credentials.register(blp, role)
        for module, view in _VIEWS.items():
            if module not in self.modules:
                continue
            for interface in InterfaceRole:
                if (module, interface) in backends and serving_role(module, interface) is role:
                    importlib.import_module(f"flask_ocpi.v2_1_1.views.{view}").register(blp, role)


#: The OCPI 2.1.1 adapter.
V211 = _V211()
