"""``flask ocpi``: invite, register, update, unregister and list partners; rotate encryption keys."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from flask_ocpi.cli.client import deliver_command, deliveries_command, retry_delivery_command, sync_command
from flask_ocpi.cli.commands import expire_commands_command
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import Partner, Role
from flask_ocpi.modules import credentials as registration
from flask_ocpi.state import get_state
from flask_ocpi.stores import secrets

ocpi_cli = AppGroup("ocpi", help="Manage OCPI partners, commands, synchronisation and pushes.")
for _command in (expire_commands_command, sync_command, deliver_command, deliveries_command, retry_delivery_command):
    ocpi_cli.add_command(_command)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@ocpi_cli.command("invite")
@click.option("--party", help="Our party to offer (CC-PID, e.g. NL-ABC); default: the first in OCPI_PARTIES.")
@click.option("--name", help="A label for the new partner.")
@click.option("--json", "as_json", is_flag=True, help='Print {"token": ..., "versions_urls": {...}}.')
def invite_command(party: str | None, name: str | None, as_json: bool) -> None:
    """Create a registration token (token A) for a new partner."""
    try:
        invitation = registration.invite(party=party, name=name)
    except (LookupError, ValueError) as exc:
        _fail(str(exc))
        return
    if as_json:
        click.echo(json.dumps({"token": invitation.token, "versions_urls": invitation.versions_urls}))
        return
    click.echo(f"Partner id: {invitation.partner.id}")
    click.echo(f"Token A:    {invitation.token}")
    for role, url in invitation.versions_urls.items():
        click.echo(f"Versions URL ({role}): {url}")
    click.echo("Send the token and the versions URL of the role the partner connects to; it opens only")
    click.echo("the versions and credentials endpoints and stops working once the partner has registered.")


@ocpi_cli.command("register")
@click.argument("versions_url")
@click.argument("token_a")
@click.option(
    "--role",
    type=click.Choice(["cpo", "emsp"], case_sensitive=False),
    required=True,
    help="Which of our role trees registers with the partner.",
)
@click.option("--party", help="Our party (CC-PID); default: the first in OCPI_PARTIES.")
@click.option("--name", help="A label for the partner.")
def register_command(versions_url: str, token_a: str, role: str, party: str | None, name: str | None) -> None:
    """Register with a partner, given its VERSIONS_URL and the TOKEN_A it gave us."""
    try:
        partner = registration.register(versions_url, token_a, role=Role.from_path(role), party=party, name=name)
    except registration.RegistrationError as exc:
        code = getattr(exc.error, "status_code", None)
        _fail(f"registration failed ({code}): {exc}")
        return
    except (LookupError, ValueError) as exc:
        _fail(str(exc))
        return
    click.echo(f"Registered with partner {partner.id} ({_parties(partner)}), OCPI {partner.version}")


@ocpi_cli.command("update")
@click.argument("partner")
@click.option("--version", "version", help="Switch to this OCPI version (default: highest mutual).")
def update_command(partner: str, version: str | None) -> None:
    """Rotate tokens with PARTNER (id, name or CC-PID) and refresh its endpoints."""
    try:
        found = registration.find_partner(partner)
        updated = registration.update(found.id, version=version)
    except (LookupError, registration.RegistrationError, secrets.TokenDecryptionError) as exc:
        _fail(str(exc))
        return
    click.echo(f"Updated credentials with partner {updated.id}, OCPI {updated.version}")


@ocpi_cli.command("unregister")
@click.argument("partner")
@click.option("--force", is_flag=True, help="Unregister locally even if the partner cannot be told.")
def unregister_command(partner: str, force: bool) -> None:
    """Unregister from PARTNER (id, name or CC-PID): its token stops working."""
    try:
        found = registration.find_partner(partner)
        registration.unregister(found.id, force=force)
    except (LookupError, registration.RegistrationError, secrets.TokenDecryptionError) as exc:
        _fail(str(exc))
        return
    click.echo(f"Unregistered partner {found.id}")


@ocpi_cli.command("partners")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def partners_command(as_json: bool) -> None:
    """List partners with their state, version and endpoints."""
    partners = get_state(current_app).partners.list()
    if as_json:
        click.echo(json.dumps([_summary(p) for p in partners], indent=2))
        return
    if not partners:
        click.echo("No partners.")
    for p in partners:
        role = "+".join(sorted(r.value for r in p.local_roles)) or "-"
        click.echo(f"{p.id}  {p.status.value:<12} our {role:<4} {_parties(p):<16} {p.version or '-':<6} {p.name or ''}")
        if secrets.token_state(p) == "undecryptable":
            click.echo(f"    our token for it cannot be decrypted: see {secrets.KEY}")
        for endpoint in p.endpoints:
            click.echo(f"    {endpoint.identifier:<12} {endpoint.url}")


@ocpi_cli.command("rotate-keys")
@click.option("--decrypt", is_flag=True, help="Store the tokens in clear instead (before removing every key).")
def rotate_keys_command(decrypt: bool) -> None:
    """Re-encrypt the partners' tokens with the newest key of OCPI_ENCRYPTION_KEYS.

    Tokens stored in clear are encrypted too. Afterwards the older keys can be removed.
    Prints counts only; fails when a token cannot be decrypted with any key.
    """
    store = get_state(current_app).partners
    if not isinstance(store, secrets.EncryptedPartnerStore):
        _fail("the partner store is not wrapped by flask_ocpi.stores.secrets.protect")
        return
    try:
        done = store.rotate(decrypt=decrypt)
    except ConfigError as exc:
        _fail(str(exc))
        return
    changed = "Decrypted" if decrypt else "Re-encrypted"
    click.echo(f"{changed} {done.reencrypted} token(s), encrypted {done.encrypted} clear one(s), ", nl=False)
    click.echo(f"{done.unchanged} unchanged, {done.without_token} partner(s) without a token.")
    if done.undecryptable:
        _fail(
            f"{len(done.undecryptable)} token(s) no key of {secrets.KEY} decrypts were left as they are "
            f"(partners {', '.join(done.undecryptable)}): add the keys they were encrypted with and run this "
            "again, or have those partners send new credentials"
        )


def _parties(partner: Partner) -> str:
    return ", ".join(f"{r.key} ({r.role.value})" for r in partner.roles) or "-"


def _summary(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "name": partner.name,
        "status": partner.status.value,
        # Deprecated (removed in 0.2.0): the one role, null with none or several.
        "local_role": partner.local_role.value if partner.local_role else None,
        "local_roles": sorted(r.value for r in partner.local_roles),
        "local_party": str(partner.local_party),
        "parties": [
            {
                "role": r.role.value,
                "country_code": r.country_code,
                "party_id": r.party_id,
                "name": r.business_details.name,
            }
            for r in partner.roles
        ],
        "version": partner.version,
        "versions_url": partner.versions_url,
        "endpoints": [{"identifier": e.identifier, "url": e.url} for e in partner.endpoints],
        # Never the token: whether we hold one for calling the partner, and can read it.
        "outbound_token_state": secrets.token_state(partner),
    }
