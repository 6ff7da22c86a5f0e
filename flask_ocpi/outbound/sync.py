"""Synchronisation: pull a partner's lists into our receiver backends.

:func:`sync` pulls each module the partner serves and we receive (as eMSP: locations,
tariffs, sessions, CDRs from a CPO; as CPO: tokens from an eMSP), storing every object
through the host's receiver backend with the partner passed explicitly, exactly as if the
partner had pushed it. The first run pulls everything; later runs ask only for objects
changed since the last successful run *minus* ``OCPI_SYNC_OVERLAP`` seconds, as the
spec advises after an outage (objects changed while a pull ran are not missed). The
mark of a module moves only when its pull completed.

Run it with ``flask ocpi sync PARTNER [--module M] [--full]``, from the host's
scheduler, or from code inside an application context. Each module's pull sends
:data:`~flask_ocpi.signals.pull_finished`; a CDR the pull stores for the first time sends
:data:`~flask_ocpi.signals.cdr_received` as a pushed one does (billing must not miss the
CDRs of an outage). Other objects send no per-object signal: ``pull_finished`` tells.

Pulled objects are stored only in the partner's own namespaces: one owned by one of our
own parties, or by a party the partner did not register, is skipped (logged once per
owner and pull, counted in ``skipped``), whatever the partner's stored row claims.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from flask_ocpi import signals
from flask_ocpi.backends.cdrs import CdrsReceiverBackend
from flask_ocpi.backends.deliveries import SyncStore
from flask_ocpi.backends.locations import LocationsReceiverBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.sessions import SessionsReceiverBackend
from flask_ocpi.backends.tariffs import TariffsReceiverBackend
from flask_ocpi.backends.tokens import TokensReceiverBackend
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import PartnerError
from flask_ocpi.models import InterfaceRole, ModuleID, Partner, PartyKey, Role
from flask_ocpi.modules.credentials import find_partner
from flask_ocpi.signals import notify
from flask_ocpi.state import OcpiState, get_state

log = logging.getLogger("flask_ocpi")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: What each of our roles pulls from a partner, in this order (locations before the
#: sessions and CDRs that refer to them).
PULLED: dict[Role, tuple[ModuleID, ...]] = {
    Role.EMSP: (ModuleID.LOCATIONS, ModuleID.TARIFFS, ModuleID.SESSIONS, ModuleID.CDRS),
    Role.CPO: (ModuleID.TOKENS,),
}

#: How a pulled object is handed to the receiver backend.
_STORE: dict[ModuleID, Callable[[Any, Partner, Any], Any]] = {
    ModuleID.LOCATIONS: lambda b, p, o: b.put_location(partner=p, location=o),
    ModuleID.TARIFFS: lambda b, p, o: b.put_tariff(partner=p, tariff=o),
    ModuleID.SESSIONS: lambda b, p, o: b.put_session(partner=p, session=o),
    ModuleID.CDRS: lambda b, p, o: b.create_cdr(partner=p, cdr=o),
    ModuleID.TOKENS: lambda b, p, o: b.put_token(partner=p, token=o),
}

_RECEIVERS: dict[ModuleID, type] = {
    ModuleID.LOCATIONS: LocationsReceiverBackend,
    ModuleID.TARIFFS: TariffsReceiverBackend,
    ModuleID.SESSIONS: SessionsReceiverBackend,
    ModuleID.CDRS: CdrsReceiverBackend,
    ModuleID.TOKENS: TokensReceiverBackend,
}


@dataclass(frozen=True, slots=True)
class SyncResult:
    """How one module's pull went.

    :ivar stored: objects handed to the receiver backend.
    :ivar skipped: objects the partner sent that did not validate, or that belong to one of
        our own parties or to a party the partner did not register (logged).
    :ivar date_from: the lower bound asked for (``None``: everything).
    :ivar date_to: the upper bound, the moment the pull started (the next mark).
    :ivar error: why the pull stopped early (the mark did not move), or ``None``.
    """

    partner_id: str
    module: ModuleID
    stored: int
    skipped: int
    date_from: datetime | None
    date_to: datetime
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the pull completed."""
        return self.error is None


def _sync_store(state: OcpiState) -> SyncStore:
    if state.sync is None:
        raise RuntimeError("No sync store: pass OCPI(app, ..., sync=SQLAlchemySyncStore(db)) or MemorySyncStore()")
    return state.sync


def modules_to_sync(partner: Partner) -> list[ModuleID]:
    """The modules :func:`sync` pulls from ``partner``: those it serves that one of our
    roles on the connection pulls and for which the host installed a receiver backend."""
    state = get_state(current_app)
    wanted = dict.fromkeys(m for role in Role if role in partner.local_roles for m in PULLED.get(role, ()))
    return [
        m
        for m in wanted
        if partner.endpoint(m) is not None and isinstance(state.backend(m, InterfaceRole.RECEIVER), _RECEIVERS[m])
    ]


def sync(
    partner: Partner | str,
    *,
    modules: Iterable[ModuleID | str] | None = None,
    full: bool = False,
    limit: int | None = None,
) -> list[SyncResult]:
    """Pull ``partner``'s lists into our receiver backends (see the module docs).

    :param modules: the modules to pull (default: every one :func:`modules_to_sync` gives).
    :param full: ignore the marks and pull everything.
    :param limit: the page size to ask for (default: the partner's).
    :param partner: the partner, or its id, name or ``CC-PID``.
    :raises LookupError: unknown partner, or a module it does not serve / we do not receive.
    """
    state = get_state(current_app)
    marks = _sync_store(state)  # before any request: fail at once without a store
    found = find_partner(partner) if isinstance(partner, str) else partner
    available = modules_to_sync(found)
    chosen = available if modules is None else [ModuleID(str(m)) for m in modules]
    for module in chosen:
        if module not in available:
            raise LookupError(f"Cannot sync {module.value} from partner {found.id}: not served by it or not received")
    client = PartnerClient.connect(found)
    return [_sync_module(state, marks, client, module, full=full, limit=limit) for module in chosen]


def _sync_module(
    state: OcpiState, marks: SyncStore, client: PartnerClient, module: ModuleID, *, full: bool, limit: int | None
) -> SyncResult:
    partner = client.partner
    backend = state.backend(module, InterfaceRole.RECEIVER)
    mark = None if full else marks.get(partner_id=partner.id, module=module)
    date_from = mark - timedelta(seconds=state.config.sync_overlap) if mark is not None else None
    if date_from is None and module is ModuleID.SESSIONS:
        date_from = _EPOCH  # the sessions list requires date_from (2.1.1): "everything" is since 1970
    started = utcnow()
    stored = skipped = 0
    error: str | None = None
    # As authentication does for a caller: backends never see our parties as the partner's.
    writer = partner.without_parties(state.config.own_keys)
    foreign = set(writer.parties)
    refused: set[PartyKey] = set()

    def invalid(_item: Any, _exc: Exception) -> None:
        nonlocal skipped
        skipped += 1

    try:
        for obj in client.pull(module, date_from=date_from, limit=limit, invalid=invalid):
            owner = PartyKey(obj.country_code, obj.party_id)
            if owner not in foreign:
                skipped += 1
                if owner not in refused:
                    refused.add(owner)
                    log.warning(
                        "Sync of %s from partner %s: skipped its objects of %s, %s",
                        module.value,
                        partner.id,
                        owner,
                        "one of our own parties" if state.config.is_ours(owner) else "not one of its parties",
                    )
                continue
            written = _STORE[module](backend, writer, obj)
            stored += 1
            if module is ModuleID.CDRS and written is WriteResult.CREATED:
                notify(signals.cdr_received, partner=writer, cdr=obj)  # a CDR missed while pushes failed: bill it
    except PartnerError as exc:
        error = exc.message
        log.warning("Sync of %s from partner %s stopped after %d objects: %s", module.value, partner.id, stored, error)
    else:
        marks.set(partner_id=partner.id, module=module, synced_until=started)
        log.info("Synced %s from partner %s: %d stored, %d skipped", module.value, partner.id, stored, skipped)
    result = SyncResult(partner.id, module, stored, skipped, date_from, started, error)
    notify(signals.pull_finished, partner=partner, module=module, result=result)
    return result


__all__ = ["PULLED", "SyncResult", "modules_to_sync", "sync"]
