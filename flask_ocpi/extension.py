"""The :class:`OCPI` extension object."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.routing import Rule

from flask_ocpi.backends.base import ModuleBackend
from flask_ocpi.backends.commands import CommandStore
from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore
from flask_ocpi.backends.partners import PartnerStore
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import ConfigError, Unauthorized
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
    TokenScope,
)
from flask_ocpi.modules import commands
from flask_ocpi.modules import credentials as registration
from flask_ocpi.modules import versions as versions_views
from flask_ocpi.modules.credentials.claims import foreign_caller
from flask_ocpi.outbound import push
from flask_ocpi.outbound.dispatch import Dispatcher, ThreadDispatcher
from flask_ocpi.state import EXTENSION_KEY, OcpiState, get_state
from flask_ocpi.stores import secrets
from flask_ocpi.transport import errors
from flask_ocpi.transport.auth import authenticate, set_caller
from flask_ocpi.transport.body import OcpiBlueprint, limit_body
from flask_ocpi.transport.openapi import OcpiApi
from flask_ocpi.transport.request_id import add_request_id_headers, assign_request_ids
from flask_ocpi.util.caches import TTLCache
from flask_ocpi.util.listcache import ListCache
from flask_ocpi.versions import adapter

if TYPE_CHECKING:
    from flask_ocpi.client.partner import PartnerClient
    from flask_ocpi.outbound.push import Pushable
    from flask_ocpi.outbound.sync import SyncResult

log = logging.getLogger("flask_ocpi")

_CATCH_ALL = "not_found"


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
        config = OcpiConfig.from_mapping(app.config)
        store = partners if partners is not None else self._partners
        if not isinstance(store, PartnerStore):
            raise TypeError("OCPI needs a partner store: OCPI(app, partners=MemoryPartnerStore()) or a SQLAlchemy one")
        store = secrets.protect(store, config)
        indexed = _index_backends(self._backends if backends is None else tuple(backends), config)
        command_store = commands if commands is not None else self._commands
        if command_store is None and any(module is ModuleID.COMMANDS for module, _ in indexed):
            raise TypeError("A commands backend needs a command store: OCPI(app, ..., commands=MemoryCommandStore())")
        state = OcpiState(
            extension=self,
            config=config,
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
        from flask_ocpi.cli import ocpi_cli

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
        from flask_ocpi.outbound.sync import sync

        return sync(partner, modules=modules, full=full, limit=limit)

    def client(self, partner: Partner | str) -> PartnerClient:
        """The client of one partner. See :class:`flask_ocpi.client.PartnerClient`."""
        from flask_ocpi.client.partner import PartnerClient

        return PartnerClient.connect(partner)

    def partners(self) -> list[Partner]:
        """All partners of the current application."""
        return get_state(current_app).partners.list()


def _index_backends(
    backends: tuple[ModuleBackend, ...], config: OcpiConfig
) -> dict[tuple[ModuleID, InterfaceRole], ModuleBackend]:
    index: dict[tuple[ModuleID, InterfaceRole], ModuleBackend] = {}
    for backend in backends:
        if not isinstance(backend, ModuleBackend):
            raise TypeError(f"{backend!r} is not a flask_ocpi ModuleBackend")
        key = (backend.module, backend.interface)
        if key in index:
            raise ValueError(f"Two backends given for {key[0].value} {key[1].value}")
        if not any(backend.module in adapter(v).modules for v in config.versions):
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
    config = state.config
    api = state.api
    assert api is not None
    root = _blueprint("ocpi", config.url_prefix, "OCPI versions", role=None)
    for role in config.roles:
        versions_views.register(root, role)
    root.record_once(_add_catch_all)
    api.register_blueprint(root)
    for role in config.roles:
        for version in config.versions:
            blp = _blueprint(
                f"ocpi-{role.path}-{version.replace('.', '_')}",
                f"{config.url_prefix}/{role.path}/{version}",
                f"OCPI {version}, {role.value} interfaces",
                role=role,
            )
            adapter(version).register_views(blp, role, state.backends)
            api.register_blueprint(blp)


def _add_catch_all(setup: BlueprintSetupState) -> None:
    """Everything else under the prefix, whatever the method and path, goes to the catch-all
    view of the root OCPI blueprint (so its error handler and request-id headers apply):
    plain werkzeug rules (not documented in OpenAPI) matching any method (``methods=None``,
    OPTIONS and unknown methods included) and any path, newlines included (the converter is
    registered on this application's URL map only)."""
    app = setup.app
    app.url_map.converters[errors.ANY_PATH] = errors.AnyPathConverter
    endpoint = f"{setup.name_prefix}.{setup.name}.{_CATCH_ALL}".lstrip(".")
    prefix = setup.url_prefix or ""
    for path in (f"{prefix}/", f"{prefix}/<{errors.ANY_PATH}:path>"):
        app.url_map.add(Rule(path, endpoint=endpoint, methods=None, strict_slashes=False))
    app.view_functions[endpoint] = errors.route_not_found


def _blueprint(name: str, url_prefix: str, description: str, *, role: Role | None) -> OcpiBlueprint:
    blp = OcpiBlueprint(name, __name__, url_prefix=url_prefix, description=description)
    blp.before_request(assign_request_ids)
    blp.before_request(limit_body)
    blp.before_request(_start_deliveries)
    blp.before_request(functools.partial(_authenticate, role))
    blp.after_request(add_request_id_headers)
    blp.register_error_handler(Exception, errors.handle_error)
    return blp


def _start_deliveries() -> None:
    """``before_request`` of every OCPI blueprint: make sure this process delivers the
    changes left pending (by a previous run, or retries) once it serves OCPI."""
    state = get_state(current_app)
    if state.deliveries is not None:
        state.dispatcher.start(current_app._get_current_object())  # type: ignore[attr-defined]


def _authenticate(tree: Role | None) -> None:
    """``before_request`` of every OCPI blueprint: who is calling, and may it call this?

    A registered connection lives on one role tree (OCPI 2.1.1 registers role pairs
    separately): its token opens that tree's module endpoints only. Views and backends get
    a caller whose parties never include ours, whatever its stored row claims
    (:func:`flask_ocpi.modules.credentials.claims.foreign_caller`).
    """
    if (
        request.endpoint is None
        or request.method == "OPTIONS"
        or request.endpoint.partition(".")[2].startswith(_CATCH_ALL)
    ):
        return
    state = get_state(current_app)
    header = request.headers.get("Authorization")
    caller = state.auth_cache.get(header) if header else None
    if caller is None:
        caller = authenticate(state.partners, header)
        if caller.partner.registered:  # a connection mid-registration changes at once: never cached
            state.auth_cache.put(header, caller)
    view = current_app.view_functions[request.endpoint]
    view_class = getattr(view, "view_class", None)
    allowed = getattr(view, "_ocpi_registration_allowed", False) or getattr(
        view_class, "_ocpi_registration_allowed", False
    )
    if caller.scope is TokenScope.REGISTRATION and not allowed:
        raise Unauthorized("A registration token opens only the versions and credentials endpoints")
    local_role = caller.partner.local_role
    if not allowed and tree is not None and local_role is not None and local_role is not tree:
        raise Unauthorized(f"This token belongs to a connection with our {local_role.value} interfaces")
    set_caller(foreign_caller(caller, state.config))
