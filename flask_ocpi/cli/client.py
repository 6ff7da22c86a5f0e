"""``flask ocpi sync | deliver | deliveries | retry-delivery``: the client from the command line.

``sync`` pulls a partner's lists into our receiver backends (:mod:`flask_ocpi.outbound.sync`);
``deliver`` runs due pushes (:mod:`flask_ocpi.outbound.push`) once or in a loop (a worker process
for hosts that do not deliver from their web processes); ``deliveries`` and
``retry-delivery`` are for an operator looking at pushes that failed for good.
"""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from flask_ocpi.dates import utcnow
from flask_ocpi.models import Delivery, DeliveryOperation, DeliveryStatus, ModuleID
from flask_ocpi.modules.credentials import find_partner
from flask_ocpi.outbound import push
from flask_ocpi.outbound.sync import sync
from flask_ocpi.state import get_state

_MODULES = click.Choice(
    [m.value for m in (ModuleID.LOCATIONS, ModuleID.TARIFFS, ModuleID.SESSIONS, ModuleID.CDRS, ModuleID.TOKENS)]
)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("sync")
@click.argument("partner")
@click.option("--module", "modules", multiple=True, type=_MODULES, help="Only this module (repeatable).")
@click.option("--full", is_flag=True, help="Pull everything, not only what changed since the last sync.")
@click.option("--limit", type=click.IntRange(min=1), help="Page size to ask the partner for.")
@with_appcontext
def sync_command(partner: str, modules: tuple[str, ...], full: bool, limit: int | None) -> None:
    """Pull PARTNER's lists (locations, tariffs, sessions, CDRs; or tokens) into our backends.

    Later runs ask only for what changed since the last successful one, minus
    OCPI_SYNC_OVERLAP seconds. Exits 1 when a module's pull stopped on an error.
    """
    try:
        results = sync(partner, modules=modules or None, full=full, limit=limit)
    except (LookupError, RuntimeError, ValueError) as exc:
        _fail(str(exc))
        return
    for result in results:
        since = result.date_from.isoformat() if result.date_from else "the start"
        status = "ok" if result.ok else f"stopped: {result.error}"
        click.echo(
            f"{result.module.value:<10} {result.stored:>7} stored {result.skipped:>5} skipped  since {since}  {status}"
        )
    if not all(r.ok for r in results):
        sys.exit(1)


@click.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering (a worker process); Ctrl-C to stop.")
@click.option("--now", "hurry", is_flag=True, help="First make pending retries due now (the partner is back).")
@click.option("--partner", help="With --now: only this partner's (id, name or CC-PID).")
@click.option(
    "--interval", default=1.0, show_default=True, type=click.FloatRange(min=0.05), help="Seconds between looks."
)
@with_appcontext
def deliver_command(loop: bool, interval: float, hurry: bool, partner: str | None) -> None:
    """Deliver the changes waiting to be pushed to partners (those due now)."""
    try:
        if hurry:
            store = push.delivery_store(get_state(current_app))
            moved = store.hurry(now=utcnow(), partner_id=find_partner(partner).id if partner else None)
            click.echo(f"{moved} waiting deliveries made due now.")
        while True:
            done = 0
            while attempted := push.deliver_due():
                done += attempted
            if done or not loop:
                click.echo(f"Attempted {done} deliveries.")
            if not loop:
                return
            time.sleep(interval)
    except (RuntimeError, LookupError) as exc:
        _fail(str(exc))


@click.command("deliveries")
@click.option("--failed", is_flag=True, help="Only the deliveries given up on.")
@click.option("--partner", help="Only this partner's (id, name or CC-PID).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def deliveries_command(failed: bool, partner: str | None, as_json: bool) -> None:
    """List the pushes waiting for (or given up on) delivery."""
    try:
        store = push.delivery_store(get_state(current_app))
        partner_id = find_partner(partner).id if partner else None
    except (RuntimeError, LookupError) as exc:
        _fail(str(exc))
        return
    status = DeliveryStatus.FAILED if failed else None
    rows = store.list(status=status, partner_id=partner_id, limit=1000)
    if as_json:
        keys = ("id", "partner_id", "object_key", "revision", "attempts", "last_error")
        click.echo(
            json.dumps(
                [
                    {
                        **{k: getattr(d, k) for k in keys},
                        "module": d.module.value,
                        "operation": d.operation.value,
                        "sent_as": _sent_as(d),
                        "status": d.status.value,
                        "next_attempt": d.next_attempt.isoformat(),
                    }
                    for d in rows
                ],
                indent=2,
            )
        )
        return
    for d in rows:
        click.echo(
            f"{d.id}  {d.status.value:<7} {d.partner_id:<12} {_sent_as(d):<6} {d.module.value:<9} "
            f"{d.object_key}  attempts={d.attempts}  {d.last_error or ''}".rstrip()
        )
    click.echo(f"{len(rows)} deliveries.")


def _sent_as(delivery: Delivery) -> str:
    """How the delivery goes out: PATCH when the partner's previous state is known."""
    if delivery.operation is DeliveryOperation.PUT and delivery.previous is not None:
        return "PATCH"
    return delivery.operation.value


@click.command("retry-delivery")
@click.argument("delivery_id")
@with_appcontext
def retry_delivery_command(delivery_id: str) -> None:
    """Put a FAILED delivery back in the queue (after fixing what made it fail)."""
    state = get_state(current_app)
    try:
        store = push.delivery_store(state)
    except RuntimeError as exc:
        _fail(str(exc))
        return
    if not store.retry(delivery_id=delivery_id, now=utcnow()):
        _fail(f"No failed delivery {delivery_id}")
    state.dispatcher.wake(current_app._get_current_object(), [delivery_id])  # type: ignore[attr-defined]
    click.echo(f"Delivery {delivery_id} queued again.")


__all__ = ["deliver_command", "deliveries_command", "retry_delivery_command", "sync_command"]
