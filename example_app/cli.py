"""``flask --app example_app example ...``: what the company's staff and apps would do.

* CPO: ``set-status LOCATION EVSE STATUS`` (a charge point reports a status: pushed to
  every eMSP), ``authorize PARTNER TOKEN_UID`` (a driver swipes a card of another eMSP);
* eMSP: ``start-session PARTNER LOCATION`` and ``stop-session PARTNER SESSION`` (the
  driver's app), waiting for the CPO's result;
* both: ``show KIND`` (what is stored), ``invoices`` (what the eMSP billed).
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from example_app.chargepoints import set_evse_status
from example_app.models import Invoice, db
from example_app.seed import stores
from flask_ocpi.client import PartnerClient, PartnerError
from flask_ocpi.client.calling import SentCommand
from flask_ocpi.models import PartyKey, Status

example_cli = AppGroup("example", help="The example company's own actions (drivers, charge points, billing).")


def _us() -> PartyKey:
    party = current_app.config["OCPI_PARTIES"][0]
    return PartyKey(party["country_code"], party["party_id"])


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _outcome(client: PartnerClient, sent: SentCommand, wait: float) -> None:
    click.echo(f"command {sent.record.id}: {sent.response.result.value}")
    if sent.accepted:
        result = client.wait_for_result(sent.record.id, timeout=wait)
        click.echo(f"result: {result.result.value if result else 'none yet'}")


@example_cli.command("set-status")
@click.argument("location_id")
@click.argument("evse_uid")
@click.argument("status", type=click.Choice([s.value for s in Status]))
def set_status_command(location_id: str, evse_uid: str, status: str) -> None:
    """CPO: an EVSE reports a new STATUS; every eMSP gets the change."""
    us = _us()
    location = stores(current_app).locations.get(us.country_code, us.party_id, location_id)
    if location is None or location.evse(evse_uid) is None:
        _fail(f"No EVSE {evse_uid} at location {location_id}")
        return
    set_evse_status(current_app, location, evse_uid, Status(status))
    click.echo(f"{location_id}/{evse_uid}: {status}")


@example_cli.command("authorize")
@click.argument("partner")
@click.argument("token_uid")
def authorize_command(partner: str, token_uid: str) -> None:
    """CPO: ask the eMSP PARTNER whether its token TOKEN_UID may charge."""
    try:
        info = PartnerClient.connect(partner).authorize(token_uid)
    except (PartnerError, LookupError, ValueError) as exc:
        _fail(str(exc))
        return
    click.echo(info.allowed.value)


@example_cli.command("start-session")
@click.argument("partner")
@click.argument("location_id")
@click.option("--evse", "evse_uid", help="The EVSE (default: the CPO picks).")
@click.option("--token", "token_uid", help="Our token's uid (default: our first token).")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for the result.")
def start_session_command(
    partner: str, location_id: str, evse_uid: str | None, token_uid: str | None, wait: float
) -> None:
    """eMSP: ask the CPO PARTNER to start charging at LOCATION_ID."""
    us = _us()
    tokens = stores(current_app).tokens
    token = (
        tokens.get(us.country_code, us.party_id, token_uid)
        if token_uid
        else next(iter(tokens.page(owners=[us]).items), None)
    )
    if token is None:
        _fail("No such token of ours")
        return
    try:
        client = PartnerClient.connect(partner)
        _outcome(client, client.start_session(token=token, location_id=location_id, evse_uid=evse_uid), wait)
    except (PartnerError, LookupError, ValueError) as exc:
        _fail(str(exc))


@example_cli.command("stop-session")
@click.argument("partner")
@click.argument("session_id")
@click.option("--wait", default=30.0, show_default=True, help="Seconds to wait for the result.")
def stop_session_command(partner: str, session_id: str, wait: float) -> None:
    """eMSP: ask the CPO PARTNER to stop SESSION_ID."""
    try:
        client = PartnerClient.connect(partner)
        _outcome(client, client.stop_session(session_id=session_id), wait)
    except (PartnerError, LookupError, ValueError) as exc:
        _fail(str(exc))


@example_cli.command("show")
@click.argument("kind", type=click.Choice(["locations", "sessions", "cdrs", "tariffs", "tokens"]))
@click.option("--party", help="Only objects of this party (CC-PID).")
def show_command(kind: str, party: str | None) -> None:
    """Print the stored objects of KIND as JSON lines (owner, id, and a few fields)."""
    store = getattr(stores(current_app), kind)
    owners = [PartyKey.parse(party)] if party else None
    from flask_ocpi.pagination import PageRequest

    offset = 0
    while True:
        page = store.page(owners=owners, page=PageRequest(offset=offset, limit=500))
        for obj in page.items:
            row = {"owner": f"{obj.country_code}-{obj.party_id}", "id": getattr(obj, "id", getattr(obj, "uid", None))}
            if kind == "locations":
                row["evses"] = {e.uid: e.status.value for e in obj.evses}
            if kind == "sessions":
                row["status"] = obj.status.value
            click.echo(json.dumps(row))
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


@example_cli.command("invoices")
def invoices_command() -> None:
    """eMSP: the invoice lines billed from received CDRs, as JSON lines."""
    for invoice in db.session.execute(db.select(Invoice).order_by(Invoice.id)).scalars():
        click.echo(json.dumps({"cdr_id": invoice.cdr_id, "cpo": invoice.cpo, "amount": str(invoice.amount)}))
