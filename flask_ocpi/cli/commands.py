"""``flask ocpi expire-commands``: time out OCPI commands from the command line.

Commands whose result did not come within ``OCPI_COMMAND_TIMEOUT`` seconds are timed
out by :func:`flask_ocpi.modules.commands.expire_commands`. Nothing calls it on its own: a host
runs this command (e.g. from cron or a scheduler), or starts the opt-in
:func:`flask_ocpi.modules.commands.sweeper.start_sweeper` thread, or calls the function itself. Claiming
a command is atomic, so any number of these may run at once, in any number of processes.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from flask_ocpi.modules.commands.sweeper import sweep


@click.command("expire-commands")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1), help="Commands per batch.")
@with_appcontext
def expire_commands_command(limit: int) -> None:
    """Time out commands whose OCPI_COMMAND_TIMEOUT passed without a result.

    A command we received (as CPO) gets a TIMEOUT result POSTed to the eMSP; one we
    sent (as eMSP) gets TIMEOUT handed to our commands backend.
    """
    try:
        expired = sweep(current_app._get_current_object(), limit=limit)  # type: ignore[attr-defined]
    except RuntimeError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
    for record in expired:
        delivered = "" if record.delivered is None else f" delivered={str(record.delivered).lower()}"
        click.echo(
            f"{record.id}  {record.direction.value:<8} {record.type.value:<16} partner {record.partner_id}{delivered}"
        )
    click.echo(f"Timed out {len(expired)} command(s).")


__all__ = ["expire_commands_command"]
