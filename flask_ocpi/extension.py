"""The :class:`OCPI` extension object."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from flask import Flask, current_app

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore
from flask_ocpi.backends.dispatch import Dispatcher
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.cli import ocpi_cli
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import (
    CommandRecord,
    CommandResult,
    CommandResultType,
    Delivery,
    InterfaceRole,
    ModuleID,
    Partner,
    PartyKey,
    Role,
    Tariff,
)
from flask_ocpi.modules import commands
from flask_ocpi.modules import credentials as registration
from flask_ocpi.modules import versions as versions_views
from flask_ocpi.outbound import push
from flask_ocpi.outbound import sync as syncing
from flask_ocpi.outbound.dispatch import ThreadDispatcher
from flask_ocpi.outbound.push import Pushable
from flask_ocpi.outbound.sync import SyncResult
from flask_ocpi.state import EXTENSION_KEY, OcpiState, get_state
from flask_ocpi.stores import secrets
from flask_ocpi.transport.blueprints import ocpi_blueprint
from flask_ocpi.transport.openapi import OcpiApi
from flask_ocpi.util.caches import TTLCache
from flask_ocpi.util.listcache import ListCache
from flask_ocpi.v2_1_1.adapter import V211
from flask_ocpi.versions import VersionRegistry

log = logging.getLogger("flask_ocpi")

#: The version registry: one adapter per OCPI version Flask-OCPI speaks. Adding a version
#: is adding its package and its adapter here.
VERSIONS = VersionRegistry([V211])
#: The version numbers Flask-OCPI speaks (``OCPI_VERSIONS`` names some of them).
SUPPORTED_VERSIONS: tuple[str, ...] = VERSIONS.numbers


class OCPI:
    """Makes a Flask application an OCPI party.

    ::

        ocpi = OCPI(app, partners=SQLAlchemyPartnerStore(db))

        # or, with an application factory
        ocpi = OCPI(partners=store)
        ocpi.init_app(app)

    :param app: the application, or ``None`` to call :meth:`init_app` later.
    :param partners: where partners (connections) and their tokens are stored.
    :param backends: the host's module backends; a module is served and advertised
        exactly when its backend is given.
    :param commands: where commands awaiting their asynchronous result are stored
        (required with a commands backend).
    :param deliveries: where changes waiting to be pushed to partners are stored
        (required for :meth:`changed`; see :mod:`flask_ocpi.outbound.push`).
    :param sync: where the last successful pull per partner and module is kept (required
        for :meth:`sync`; see :mod:`flask_ocpi.outbound.sync`).
    :param dispatcher: what runs deliveries (default: a
        :class:`~flask_ocpi.outbound.dispatch.ThreadDispatcher` per process).

    Configuration is read from ``OCPI_*`` keys in ``app.config`` (see
    :data:`flask_ocpi.config.DEFAULTS`) once, in :meth:`init_app`.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        partners: PartnerStore | None = None,
        backends: Iterable[ModuleBackend] = (),
        commands: CommandStore | None = None,
        deliveries: DeliveryStore | None = None,
        sync: SyncStore | None = None,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self._partners = partners
        self._backends = tuple(backends)
        self._commands = commands
        self._deliveries = deliveries
        self._sync = sync
        self._dispatcher = dispatcher
        if app is not None:
            self.init_app(app)

    def init_app(
        self,
        app: Flask,
        *,
        partners: PartnerStore | None = None,
        backends: Iterable[ModuleBackend] | None = None,
        commands: CommandStore | None = None,
        deliveries: DeliveryStore | None = None,
        sync: SyncStore | None = None,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        """Register the OCPI blueprints, docs and CLI on ``app``.

        :raises RuntimeError: when Flask-OCPI is already registered on ``app``.
        :raises ConfigError: when an ``OCPI_*`` key is invalid (the message names it).
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError("Flask-OCPI is already registered on this application")
        config = OcpiConfig.from_mapping(app.config, supported=SUPPORTED_VERSIONS)
        versions = VERSIONS.only(config.versions)
        store = partners if partners is not None else self._partners
        if not isinstance(store, PartnerStore):
            raise TypeError("OCPI needs a partner store: OCPI(app, partners=MemoryPartnerStore()) or a SQLAlchemy one")
        store = secrets.protect(store, config)
        indexed = _index_backends(self._backends if backends is None else tuple(backends), config, versions)
        command_store = commands if commands is not None else self._commands
        if command_store is None and any(module is ModuleID.COMMANDS for module, _ in indexed):
            raise TypeError("A commands backend needs a command store: OCPI(app, ..., commands=MemoryCommandStore())")
        state = OcpiState(
            extension=self,
            config=config,
            versions=versions,
            partners=store,
            backends=indexed,
            commands=command_store,
            deliveries=deliveries if deliveries is not None else self._deliveries,
            sync=sync if sync is not None else self._sync,
            dispatcher=dispatcher or self._dispatcher or ThreadDispatcher(),
            list_cache=ListCache(config.list_cache_size),
            auth_cache=TTLCache(config.auth_cache_ttl),
        )
        app.extensions[EXTENSION_KEY] = state
        state.api = OcpiApi(app, config)
        _register_blueprints(state)
        app.cli.add_command(ocpi_cli)

    # --- client operations, on the current application ---------------------------

    def invite(self, *, party: PartyKey | str | None = None, name: str | None = None) -> registration.Invitation:
        """Create a registration token (token A) for a new partner. See :func:`registration.invite`."""
        return registration.invite(party=party, name=name)

    def register(
        self,
        versions_url: str,
        token: str,
        *,
        role: Role | str,
        party: PartyKey | str | None = None,
        name: str | None = None,
    ) -> Partner:
        """Register our ``role`` tree with a partner. See :func:`registration.register`."""
        return registration.register(versions_url, token, role=Role.from_path(str(role)), party=party, name=name)

    def update(self, partner_id: str, *, version: str | None = None) -> Partner:
        """Rotate tokens (and switch version) with a partner. See :func:`registration.update`."""
        return registration.update(partner_id, version=version)

    def unregister(self, partner_id: str, *, force: bool = False) -> Partner:
        """Unregister from a partner. See :func:`registration.unregister`."""
        return registration.unregister(partner_id, force=force)

    def report_command_result(
        self, command_id: str, result: CommandResult | CommandResultType | str
    ) -> CommandRecord | None:
        """CPO: report a charge point's outcome. See :func:`flask_ocpi.modules.commands.report_command_result`."""
        return commands.report_command_result(command_id, result)

    def expire_commands(self, *, limit: int = 100) -> list[CommandRecord]:
        """Send TIMEOUT for overdue commands. See :func:`flask_ocpi.modules.commands.expire_commands`."""
        return commands.expire_commands(limit=limit)

    def changed(self, obj: Pushable, *, previous: Pushable | None = None) -> list[Delivery]:
        """Push ``obj``'s new state to every partner concerned. See :func:`flask_ocpi.outbound.push.changed`."""
        return push.changed(obj, previous=previous)

    def transaction(self) -> AbstractContextManager[Any]:
        """The transactional outbox: one transaction for the host's change and its push.

        ::

            with ocpi.transaction():
                locations.save(new)                 # a shipped SQLAlchemy store, same database
                ocpi.changed(new, previous=old)     # the deliveries, same transaction

        Both are committed together or not at all, so a crash between them can neither lose
        the push of a committed change nor push a change that was rolled back; the partners
        are woken only after the commit. With
        :class:`~flask_ocpi.stores.sqlalchemy.SQLAlchemyDeliveryStore` every Flask-OCPI
        SQLAlchemy store on the same database joins it, and it yields the SQLAlchemy
        session, for the host's own writes (with Flask-SQLAlchemy: ``db.session``). With
        stores that have no transactions (memory) it just runs the block.

        :raises RuntimeError: without a delivery store.
        """
        return push.delivery_store(get_state(current_app)).transaction()

    def deleted(self, tariff: Tariff) -> list[Delivery]:
        """Push a tariff's deletion. See :func:`flask_ocpi.outbound.push.deleted`."""
        return push.deleted(tariff)

    def start_delivering(self, app: Flask) -> None:
        """Start this process's delivery of pending pushes now (the dispatcher also starts
        by itself at the first change or OCPI request of a process)."""
        state = get_state(app)
        if state.deliveries is not None:
            state.dispatcher.start(app)

    def sync(
        self,
        partner: Partner | str,
        *,
        modules: Iterable[ModuleID | str] | None = None,
        full: bool = False,
        limit: int | None = None,
    ) -> list[SyncResult]:
        """Pull a partner's lists into our receiver backends. See :func:`flask_ocpi.outbound.sync.sync`."""
        return syncing.sync(partner, modules=modules, full=full, limit=limit)

    def client(self, partner: Partner | str) -> PartnerClient:
        """The client of one partner. See :class:`flask_ocpi.client.PartnerClient`."""
        return PartnerClient.connect(partner)

    def partners(self) -> list[Partner]:
        """All partners of the current application."""
        return get_state(current_app).partners.list()


def _index_backends(
    backends: tuple[ModuleBackend, ...], config: OcpiConfig, versions: VersionRegistry
) -> dict[tuple[ModuleID, InterfaceRole], ModuleBackend]:
    index: dict[tuple[ModuleID, InterfaceRole], ModuleBackend] = {}
    for backend in backends:
        if not isinstance(backend, ModuleBackend):
            raise TypeError(f"{backend!r} is not a flask_ocpi ModuleBackend")
        key = (backend.module, backend.interface)
        if key in index:
            raise ValueError(f"Two backends given for {key[0].value} {key[1].value}")
        if not versions.serves(backend.module):
            raise ConfigError(
                "OCPI_VERSIONS",
                f"{type(backend).__name__}: no enabled OCPI version serves the {backend.module.value} module yet",
            )
        if backend.role() not in config.roles:
            raise ConfigError(
                "OCPI_ROLES", f"{type(backend).__name__} serves the {backend.role()} role, which is not enabled"
            )
        index[key] = backend
    return index


def _register_blueprints(state: OcpiState) -> None:
    """The root blueprint (versions lists of each role tree, the catch-all) and one
    blueprint per (role tree, version), each with the request pipeline of
    :mod:`flask_ocpi.transport.blueprints`."""
    config = state.config
    api = state.api
    assert api is not None
    root = ocpi_blueprint("ocpi", config.url_prefix, "OCPI versions", role=None)
    for role in config.roles:
        versions_views.register(root, role)
    api.register_blueprint(root)
    for role in config.roles:
        for adapter in state.versions:
            blp = ocpi_blueprint(
                f"ocpi-{role.path}-{adapter.version.replace('.', '_')}",
                f"{config.url_prefix}/{role.path}/{adapter.version}",
                f"OCPI {adapter.version}, {role.value} interfaces",
                role=role,
            )
            adapter.register_views(blp, role, state.backends)
            api.register_blueprint(blp)
