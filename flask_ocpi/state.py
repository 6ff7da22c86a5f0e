"""Per-application state of the extension, kept in ``app.extensions["ocpi"]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from flask_smorest import Api

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore
from flask_ocpi.backends.dispatch import Dispatcher
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.config import EXTENSION_KEY as EXTENSION_KEY
from flask_ocpi.config import OcpiConfig
from flask_ocpi.models import Caller, InterfaceRole, ModuleID
from flask_ocpi.util.caches import TTLCache
from flask_ocpi.util.listcache import ListCache
from flask_ocpi.versions import VersionAdapter, VersionRegistry


@dataclass(slots=True, kw_only=True)
class OcpiState:
    """Everything Flask-OCPI knows about one application, built once by ``init_app``."""

    #: The :class:`~flask_ocpi.OCPI` object that initialised the application.
    extension: object
    config: OcpiConfig
    #: The enabled versions (``OCPI_VERSIONS``), each with its adapter.
    versions: VersionRegistry
    partners: PartnerStore
    dispatcher: Dispatcher
    backends: dict[tuple[ModuleID, InterfaceRole], ModuleBackend] = field(default_factory=dict)
    api: Api | None = None
    commands: CommandStore | None = None
    deliveries: DeliveryStore | None = None
    sync: SyncStore | None = None
    list_cache: ListCache = field(default_factory=lambda: ListCache(0))
    auth_cache: TTLCache[Caller] = field(default_factory=lambda: TTLCache(0))

    def backend(self, module: ModuleID, interface: InterfaceRole) -> ModuleBackend | None:
        """The host's backend for a module interface, if one was supplied."""
        return self.backends.get((module, interface))


def get_state(app: Flask) -> OcpiState:
    """The :class:`OcpiState` of ``app``.

    :raises RuntimeError: when Flask-OCPI was not initialised on ``app``.
    """
    try:
        return app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]
    except KeyError:
        raise RuntimeError(
            "Flask-OCPI is not initialised on this application: call OCPI(app) or ocpi.init_app(app)"
        ) from None


def version_adapter(version: str) -> VersionAdapter:
    """The adapter of an enabled version of the current application.

    :raises flask_ocpi.versions.UnknownVersion: when that version is not enabled here.
    """
    return get_state(current_app).versions.get(version)
