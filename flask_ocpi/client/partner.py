"""The client of one partner: everything our role does towards its endpoints.

:class:`PartnerClient` pulls lists page by page and reads single objects (this module),
pushes our objects (:mod:`flask_ocpi.client.pushing`), sends commands and asks for
real-time authorization (:mod:`flask_ocpi.client.calling`). Models go in and out; the
partner's OCPI version decides the wire format. Partner errors raise
:class:`~flask_ocpi.exceptions.PartnerError` subclasses carrying the OCPI status.

Use it inside an application context::

    client = PartnerClient.connect("partner-id")
    for location in client.pull(ModuleID.LOCATIONS):
        ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import requests
from flask import current_app

from flask_ocpi.client.calling import CommandsMixin
from flask_ocpi.client.paging import iterate_pages
from flask_ocpi.client.pushing import PushMixin
from flask_ocpi.dates import format_datetime
from flask_ocpi.exceptions import OcpiError, PartnerError, PartnerNotFound
from flask_ocpi.models import CDR, EVSE, Connector, Location, ModuleID, Partner, Role, Session, Tariff, Token
from flask_ocpi.modules.credentials import find_partner
from flask_ocpi.state import get_state
from flask_ocpi.transport.http import OcpiHttp

log = logging.getLogger("flask_ocpi")

#: One connection pool per process, shared by every partner client (keyed by nothing:
#: ``requests`` pools per host inside one Session).
_POOL = requests.Session()


class PartnerClient(PushMixin, CommandsMixin):
    """Calls one registered partner's endpoints with our token for it.

    :param partner: a REGISTERED partner (its endpoints and outbound token are used).
    :param http: the transport (timeout, URL policy, connection pool, request ids).
    """

    @classmethod
    def connect(cls, partner: Partner | str) -> PartnerClient:
        """A client for ``partner`` (or its id, name or ``CC-PID``) of the current application, sharing the
        process's connection pool, with ``OCPI_OUTBOUND_TIMEOUT`` and the URL policy."""
        state = get_state(current_app)
        found = find_partner(partner) if isinstance(partner, str) else partner
        config = state.config
        http = OcpiHttp(
            token=found.outbound_token, timeout=config.outbound_timeout, policy=config.url_policy, session=_POOL
        )
        return cls(found, http=http)

    # --- lists ------------------------------------------------------------------------

    def pages(
        self,
        module: ModuleID,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[list[Any]]:
        """The raw objects of a partner's list, one page at a time."""
        filters: dict[str, Any] = {}
        if date_from is not None:
            filters["date_from"] = format_datetime(date_from)
        if date_to is not None:
            filters["date_to"] = format_datetime(date_to)
        label = f"Partner {self.partner.id} {module.value}"
        return iterate_pages(self.http, self.url(module), filters=filters, limit=limit, label=label)

    def pull(
        self,
        module: ModuleID,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        limit: int | None = None,
        invalid: Callable[[Any, OcpiError], None] | None = None,
    ) -> Iterator[Any]:
        """The objects of a partner's list (e.g. ``ModuleID.LOCATIONS`` → Location), skipping
        (and logging) the ones that do not validate; ``invalid(item, error)`` hears of each."""
        loaders = self.wire.LOADERS
        if module not in loaders:
            raise LookupError(f"Cannot pull {module.value} in OCPI {self.partner.version}")
        load = loaders[module]
        for items in self.pages(module, date_from=date_from, date_to=date_to, limit=limit):
            for item in items:
                try:
                    yield load(item, self.partner)
                except OcpiError as exc:
                    ident = item.get("id", item.get("uid")) if isinstance(item, dict) else None
                    log.warning("Partner %s: skipping an invalid %s %r: %s", self.partner.id, module.value, ident, exc)
                    if invalid is not None:
                        invalid(item, exc)

    # --- single objects -----------------------------------------------------------------

    def get_location(
        self, location_id: str, evse_uid: str | None = None, connector_id: str | None = None
    ) -> Location | EVSE | Connector | None:
        """One location, EVSE or connector; ``None`` when the partner does not know it.

        As eMSP this reads the CPO's sender interface (``/{location_id}[/...]``); as CPO it
        reads back our own object from the eMSP's receiver (``/{cc}/{pid}/{location_id}...``).
        """
        ids = [i for i in (location_id, evse_uid, connector_id) if i is not None]
        if Role.EMSP in self.partner.local_roles:  # also when we are its CPO too: the CPO's objects
            path, owner = self.wire.sender_path(*ids), self.theirs
        else:
            path, owner = self.wire.object_path(self.ours, *ids), self.ours
        data = self._get(ModuleID.LOCATIONS, path)
        if data is None:
            return None
        if connector_id is not None:
            return self._load(self.wire.load_connector, data, "connector", ModuleID.LOCATIONS)  # type: ignore[no-any-return]
        if evse_uid is not None:
            return self._load(self.wire.load_evse, data, "EVSE", ModuleID.LOCATIONS)  # type: ignore[no-any-return]
        return self._load(lambda d: self.wire.load_location(d, owner=owner), data, "location", ModuleID.LOCATIONS)  # type: ignore[no-any-return]

    def get_session(self, session_id: str) -> Session | None:
        """CPO: one of our sessions as the eMSP stored it (``None`` when unknown there)."""
        self._require(Role.CPO, "get_session")
        data = self._get(ModuleID.SESSIONS, self.wire.object_path(self.ours, session_id))
        load = self.wire.load_session
        return (
            None
            if data is None
            else self._load(
                lambda d: load(d, owner=self.ours, token_owner=self.theirs), data, "session", ModuleID.SESSIONS
            )
        )

    def get_tariff(self, tariff_id: str) -> Tariff | None:
        """CPO: one of our tariffs as the eMSP stored it."""
        self._require(Role.CPO, "get_tariff")
        data = self._get(ModuleID.TARIFFS, self.wire.object_path(self.ours, tariff_id))
        return (
            None
            if data is None
            else self._load(lambda d: self.wire.load_tariff(d, owner=self.ours), data, "tariff", ModuleID.TARIFFS)
        )

    def get_token(self, token_uid: str) -> Token | None:
        """eMSP: one of our tokens as the CPO stored it."""
        self._require(Role.EMSP, "get_token")
        data = self._get(ModuleID.TOKENS, self.wire.object_path(self.ours, token_uid))
        return (
            None
            if data is None
            else self._load(lambda d: self.wire.load_token(d, owner=self.ours), data, "token", ModuleID.TOKENS)
        )

    def get_cdr(self, url: str) -> CDR | None:
        """CPO: a CDR we posted, read back at the URL the eMSP answered (:meth:`post_cdr`)."""
        self._require(Role.CPO, "get_cdr")
        try:
            data = self.http.get(url).data
        except PartnerNotFound:
            return None
        load = self.wire.load_cdr
        cdr: CDR = self._load(lambda d: load(d, owner=self.ours, token_owner=self.theirs), data, "CDR", ModuleID.CDRS)
        return cdr

    def _get(self, module: ModuleID, path: str) -> Any:
        try:
            return self._call("GET", module, path).data
        except PartnerNotFound:
            return None

    def _load(self, load: Any, data: Any, what: str, module: ModuleID) -> Any:
        try:
            return load(self._one(data, f"a {what}"))
        except OcpiError as exc:
            raise PartnerError(
                f"Partner {self.partner.id} answered an invalid {what}: {exc.message}", url=self.url(module)
            ) from None


__all__ = ["PartnerClient"]
