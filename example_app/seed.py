"""``flask --app example_app seed``: demo data for the CPO and eMSP sides of the company."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from example_app import demo
from flask_ocpi.models import PartyKey
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyCdrs,
    SQLAlchemyLocations,
    SQLAlchemySessions,
    SQLAlchemyTariffs,
    SQLAlchemyTokens,
)

#: Locations written per transaction by ``seed``.
_CHUNK = 5000

#: The eMSP whose tokens the demo sessions and CDRs carry (a fictitious roaming partner).
DEMO_EMSP = PartyKey("DE", "MSP")


@dataclass(frozen=True)
class Stores:
    """The example app's Flask-OCPI stores: one per module, both roles share them."""

    locations: SQLAlchemyLocations
    sessions: SQLAlchemySessions
    cdrs: SQLAlchemyCdrs
    tariffs: SQLAlchemyTariffs
    tokens: SQLAlchemyTokens


def stores(app: Flask) -> Stores:
    """The example app's stores."""
    found: Stores = app.extensions["example_app.stores"]
    return found


def seed_demo(app: Flask, *, locations: int = 5) -> None:
    """First-start data: locations, tariffs, sessions and CDRs (CPO side), tokens (eMSP side)."""
    owner = PartyKey(app.config["OCPI_PARTIES"][0]["country_code"], app.config["OCPI_PARTIES"][0]["party_id"])
    found = stores(app)
    for tariff in demo.tariffs(owner):
        found.tariffs.save(tariff)
    for token in demo.tokens(owner):
        found.tokens.save(token)
    add_locations(app, locations)
    for number in range(1, 4):
        loc = demo.location(owner, number)
        session, cdr = demo.session_and_cdr(owner, DEMO_EMSP, loc, number)
        found.sessions.save(session)
        found.cdrs.save(cdr)


def add_locations(app: Flask, count: int, *, start: int | None = None) -> int:
    """Add ``count`` generated locations after the existing ones; returns the first number used."""
    owner = PartyKey(app.config["OCPI_PARTIES"][0]["country_code"], app.config["OCPI_PARTIES"][0]["party_id"])
    store = stores(app).locations
    first = start if start is not None else store.count(owners=[owner]) + 1
    rng = random.Random(first)
    for chunk in range(first, first + count, _CHUNK):  # one transaction per chunk: bounded memory
        end = min(chunk + _CHUNK, first + count)
        store.save_many(demo.location(owner, n, rng=rng) for n in range(chunk, end))
    return first


@click.command("seed")
@click.option(
    "--locations",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many generated locations to add.",
)
@with_appcontext
def seed_command(count: int) -> None:
    """Add COUNT generated locations (for load tests)."""
    started = time.perf_counter()
    first = add_locations(current_app, count)
    elapsed = time.perf_counter() - started
    click.echo(f"Added {count} locations (LOC{first:06d}..LOC{first + count - 1:06d}) in {elapsed:.1f} s")
