"""Push on change: the host says an object changed, every partner concerned receives it.

:func:`changed` (``ocpi.changed(obj, previous=...)``) finds the registered partners with a
receiver endpoint for the object (a location or tariff goes to every eMSP connected to
our party; a session or CDR only to the eMSP of its token; a token to every CPO), and
stores one delivery per partner in the :class:`~flask_ocpi.backends.deliveries.DeliveryStore`.
Nothing is sent in the host's request: the dispatcher (:mod:`flask_ocpi.outbound.dispatch`)
delivers in a background thread, inline (tests), or on a task queue (RQ).

Deliveries are coalesced per partner and object: only the latest state is sent. With the
``previous`` state, the partner gets PATCHes of what changed since the state it last had
(an EVSE status change is one small PATCH); without it, or when the partner does not
know the object (404), a PUT. A failure is retried with exponential backoff
(``OCPI_PUSH_RETRY_DELAY`` doubling up to ``OCPI_PUSH_MAX_RETRY_DELAY``), at most
``OCPI_PUSH_MAX_ATTEMPTS`` times; then the delivery is kept as ``FAILED`` for an operator
and :data:`~flask_ocpi.signals.delivery_failed` is sent. Deliveries live in the store, so
a restart loses none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app

from flask_ocpi import signals
from flask_ocpi.backends.deliveries import DeliveryStore
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.client.pushing import owner_and_id
from flask_ocpi.dates import utcnow
from flask_ocpi.exceptions import (
    PartnerError,
    PartnerInvalidParameters,
    PartnerNotFound,
    PartnerServerError,
    PartnerUnknownLocation,
    PartnerUnreachable,
    RefusedUrl,
)
from flask_ocpi.models import (
    CDR,
    Delivery,
    DeliveryOperation,
    Location,
    ModuleID,
    Partner,
    PartyKey,
    Role,
    Session,
    Tariff,
    Token,
)
from flask_ocpi.signals import notify
from flask_ocpi.state import OcpiState, get_state
from flask_ocpi.stores.codec import from_document, to_document
from flask_ocpi.transport.envelope import json_text

log = logging.getLogger("flask_ocpi")

Pushable = Location | Session | CDR | Tariff | Token

#: Module, model class and the role of ours that sends it.
_KINDS: dict[type, tuple[ModuleID, Role]] = {
    Location: (ModuleID.LOCATIONS, Role.CPO),
    Session: (ModuleID.SESSIONS, Role.CPO),
    CDR: (ModuleID.CDRS, Role.CPO),
    Tariff: (ModuleID.TARIFFS, Role.CPO),
    Token: (ModuleID.TOKENS, Role.EMSP),
}
_CLASSES: dict[ModuleID, type] = {module: cls for cls, (module, _) in _KINDS.items()}

#: The client's methods that send a whole object, and its changes, per module.
_PUT = {
    ModuleID.LOCATIONS: "put_location",
    ModuleID.SESSIONS: "put_session",
    ModuleID.TARIFFS: "put_tariff",
    ModuleID.TOKENS: "put_token",
}
_PATCH = {module: method.replace("put_", "patch_") for module, method in _PUT.items()}


def delivery_store(state: OcpiState) -> DeliveryStore:
    """The application's delivery store.

    :raises RuntimeError: when none was given to :class:`~flask_ocpi.OCPI`.
    """
    if state.deliveries is None:
        raise RuntimeError("No delivery store: pass OCPI(app, ..., deliveries=SQLAlchemyDeliveryStore(db))")
    return state.deliveries


def encode(obj: Pushable) -> str:
    """An object as the JSON text a delivery keeps."""
    return json_text(to_document(obj))


def decode(module: ModuleID, text: str) -> Any:
    """The object a delivery keeps (Decimals exact)."""
    return from_document(_CLASSES[module], json.loads(text, parse_float=Decimal))


def audience(obj: Pushable) -> list[Partner]:
    """The registered partners that receive ``obj``: connected to its owner's party on the
    sending role's tree, with a receiver endpoint for its module; sessions and CDRs only
    to the eMSP of their token (never because a partner row claims one of our parties)."""
    kind = _KINDS.get(type(obj))
    if kind is None:
        raise TypeError(f"Cannot push a {type(obj).__name__}")
    module, role = kind
    owner, _ = owner_and_id(obj)
    token_party = (
        PartyKey(obj.cdr_token.country_code, obj.cdr_token.party_id) if isinstance(obj, (Session, CDR)) else None
    )
    state = get_state(current_app)
    return [
        p
        for p in state.partners.list()
        if p.registered
        and role in p.local_roles
        and p.local_party == owner
        and p.endpoint(module) is not None
        # never a session or CDR of our own eMSP to a partner whose row claims that party
        and (token_party is None or token_party in state.config.foreign_parties(p))
    ]


def changed(obj: Pushable, *, previous: Pushable | None = None) -> list[Delivery]:
    """Deliver ``obj``'s new state to every partner concerned (see the module docs).

    :param previous: the state before the change, when the host knows it: partners then
        get a PATCH of the differences instead of a PUT.
    :returns: the stored deliveries (one per partner).
    """
    operation = DeliveryOperation.POST if isinstance(obj, CDR) else DeliveryOperation.PUT
    return _enqueue(obj, operation, encode(obj), encode(previous) if previous is not None else None)


def deleted(tariff: Tariff) -> list[Delivery]:
    """Tell every eMSP concerned that ``tariff`` was deleted (the only deletion OCPI has)."""
    if not isinstance(tariff, Tariff):
        raise TypeError("Only tariffs are deleted in OCPI; invalidate tokens and mark EVSEs REMOVED instead")
    return _enqueue(tariff, DeliveryOperation.DELETE, encode(tariff), None)


def _enqueue(obj: Pushable, operation: DeliveryOperation, payload: str, previous: str | None) -> list[Delivery]:
    state = get_state(current_app)
    store = delivery_store(state)
    module, _ = _KINDS[type(obj)]
    owner, object_id = owner_and_id(obj)
    key = f"{owner.country_code}/{owner.party_id}/{object_id}"
    now = utcnow()
    deliveries = [
        store.enqueue(
            partner_id=partner.id,
            module=module,
            object_key=key,
            operation=operation,
            payload=payload,
            previous=previous,
            now=now,
        )
        for partner in audience(obj)
    ]
    if deliveries:
        log.info("%s %s changed: %d deliveries queued", module.value, key, len(deliveries))
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        ids = [d.id for d in deliveries]
        # Inside ocpi.transaction() the deliveries exist only once it commits: wake then.
        store.on_commit(lambda: state.dispatcher.wake(app, ids))
    return deliveries


# --- delivering -----------------------------------------------------------------------------


def deliver_due(*, limit: int = 100) -> int:
    """Claim and deliver up to ``limit`` due deliveries (inside an app context).

    :returns: how many were attempted.
    """
    state = get_state(current_app)
    claimed = delivery_store(state).claim_due(now=utcnow(), lease_seconds=state.config.push_lease, limit=limit)
    clients: dict[str, PartnerClient | None] = {}  # one partner read per partner, not per delivery
    for delivery in claimed:
        _attempt(state, delivery, clients)
    return len(claimed)


def deliver(delivery_id: str) -> bool | None:
    """Claim and deliver one delivery (a task-queue job carrying its id).

    :returns: ``True`` delivered, ``False`` failed (retried later or given up), ``None``
        when it was not due or is held by another worker.
    """
    state = get_state(current_app)
    delivery = delivery_store(state).claim(delivery_id=delivery_id, now=utcnow(), lease_seconds=state.config.push_lease)
    return None if delivery is None else _attempt(state, delivery, {})


def _client(state: OcpiState, partner_id: str, clients: dict[str, PartnerClient | None]) -> PartnerClient:
    """The client of a registered partner, read once per batch (``clients``)."""
    if partner_id not in clients:
        partner = state.partners.get(partner_id=partner_id)
        clients[partner_id] = PartnerClient.connect(partner) if partner is not None and partner.registered else None
    client = clients[partner_id]
    if client is None:
        raise _Permanent(f"partner {partner_id} is not registered")
    return client


def may_have_arrived(exc: Exception) -> bool:
    """Whether a failed request may still have been applied by the partner: it answered
    HTTP 5xx or OCPI 3xxx (it may have stored the change, then failed), or no answer came
    after the request may have left (read timeout, connection broken)."""
    if isinstance(exc, PartnerUnreachable):
        return exc.sent
    return isinstance(exc, PartnerServerError) or (isinstance(exc, PartnerError) and (exc.http_status or 0) >= 500)


def _attempt(state: OcpiState, delivery: Delivery, clients: dict[str, PartnerClient | None]) -> bool:
    store = delivery_store(state)
    client: PartnerClient | None = None
    answered = 0

    def partial() -> bool:
        """Whether requests of this delivery were applied before it failed."""
        return client is not None and client.http.answered > answered

    try:
        client = _client(state, delivery.partner_id, clients)
        answered = client.http.answered
        _send(client, delivery)
    except (_Permanent, PartnerInvalidParameters, RefusedUrl, ValueError, LookupError) as exc:
        # A refusal is definitive, unless earlier requests of this delivery were applied.
        _give_up(store, delivery, _describe(exc), uncertain=partial())
        return False
    except PartnerError as exc:
        uncertain = partial() or may_have_arrived(exc)
        if uncertain:
            log.info(
                "Delivery %s of %s %s to %s may have arrived (%s): the partner's state is unknown, "
                "the whole object goes next",
                delivery.id,
                delivery.module.value,
                delivery.object_key,
                delivery.partner_id,
                exc.message,
            )
        attempts = delivery.attempts + 1
        if attempts >= state.config.push_max_attempts:
            _give_up(store, delivery, f"{exc.message} (after {attempts} attempts)", uncertain=uncertain)
            return False
        delay = min(state.config.push_retry_delay * 2 ** (attempts - 1), state.config.push_max_retry_delay)
        log.warning(
            "Delivery %s of %s %s to %s failed (attempt %d), retrying in %.0f s: %s",
            delivery.id,
            delivery.module.value,
            delivery.object_key,
            delivery.partner_id,
            attempts,
            delay,
            exc.message,
        )
        store.failed(
            delivery_id=delivery.id,
            revision=delivery.revision,
            error=exc.message,
            next_attempt=utcnow() + timedelta(seconds=delay),
            uncertain=uncertain,
        )
        state.dispatcher.retry_later(current_app._get_current_object(), delivery.id, delay)  # type: ignore[attr-defined]
        return False
    sent = delivery.payload if delivery.operation is DeliveryOperation.PUT else None
    store.delivered(delivery_id=delivery.id, revision=delivery.revision, sent=sent)
    log.info("Delivered %s %s to %s", delivery.module.value, delivery.object_key, delivery.partner_id)
    return True


class _Permanent(Exception):
    """A failure no retry can fix."""


def _describe(exc: Exception) -> str:
    return exc.message if isinstance(exc, PartnerError) else str(exc)


def _give_up(store: DeliveryStore, delivery: Delivery, error: str, *, uncertain: bool) -> None:
    log.error(
        "Giving up delivery %s of %s %s to %s: %s",
        delivery.id,
        delivery.module.value,
        delivery.object_key,
        delivery.partner_id,
        error,
    )
    kept = store.give_up(delivery_id=delivery.id, revision=delivery.revision, error=error, uncertain=uncertain)
    notify(signals.delivery_failed, partner_id=delivery.partner_id, delivery=kept or delivery, error=error)


def _send(client: PartnerClient, delivery: Delivery) -> None:
    """One delivery's requests: PATCHes from the previous state, or a PUT/DELETE/POST."""
    module, new = delivery.module, decode(delivery.module, delivery.payload or "")
    if delivery.operation is DeliveryOperation.DELETE:
        try:
            client.delete_tariff(new)
        except PartnerNotFound:
            log.info("Tariff %s was already unknown at %s", delivery.object_key, delivery.partner_id)
        return
    if delivery.operation is DeliveryOperation.POST:
        client.post_cdr(new)
        return
    put: Callable[[Any], None] = getattr(client, _PUT[module])
    if delivery.previous is None:
        put(new)
        return
    try:
        getattr(client, _PATCH[module])(decode(module, delivery.previous), new)
    except (PartnerNotFound, PartnerUnknownLocation):  # the partner lost it (or never had it): send it whole
        log.info("%s %s unknown at %s; sending it whole", module.value, delivery.object_key, delivery.partner_id)
        put(new)


__all__ = [
    "audience",
    "changed",
    "decode",
    "deleted",
    "deliver",
    "deliver_due",
    "delivery_store",
    "encode",
    "may_have_arrived",
]
