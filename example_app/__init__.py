"""Example host application: a charging company that is both CPO and eMSP.

It is the way a real company embeds Flask-OCPI in its existing Flask backend: the
company's own database (Flask-SQLAlchemy), its own routes, and OCPI under ``/ocpi``.

Run it with ``flask --app example_app run``. Environment variables:

``DATABASE_URL``
    SQLAlchemy URL of the database (default: SQLite in the instance folder).
``OCPI_BASE_URL``
    The public URL partners reach this app at (default ``http://127.0.0.1:5000``).
``OCPI_COUNTRY_CODE``, ``OCPI_PARTY_ID``, ``OCPI_BUSINESS_NAME``
    Our party (default ``NL``, ``EXA``, ``Example Charging``): give two instances
    different party ids to let them roam with each other.
``OCPI_ENCRYPTION_KEYS``
    Fernet keys (comma-separated, newest first) encrypting the tokens partners gave us
    in the database. Default: the keys in ``ocpi-encryption.key`` in the instance folder
    (one a line), a key generated there (mode 0600) at first start. Back the key up
    apart from the database: without it the app cannot call its partners, and next to
    it it reveals their tokens. To rotate, put a new key first, run
    ``flask ocpi rotate-keys``, then remove the old one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import event

from example_app.billing import connect_billing
from example_app.chargepoints import SimulatedChargePoints
from example_app.cli import example_cli
from example_app.commands import RecordCommandResults
from example_app.models import db
from example_app.seed import Stores, seed_command, seed_demo
from flask_ocpi import OCPI
from flask_ocpi.modules.commands.sweeper import Sweeper, start_sweeper
from flask_ocpi.stores.sqlalchemy import (
    SQLAlchemyCdrs,
    SQLAlchemyCommandStore,
    SQLAlchemyDeliveryStore,
    SQLAlchemyLocations,
    SQLAlchemyPartnerStore,
    SQLAlchemySessions,
    SQLAlchemySyncStore,
    SQLAlchemyTariffs,
    SQLAlchemyTokens,
    create_tables,
)

ocpi = OCPI()


def database_url(app: Flask) -> str:
    """``DATABASE_URL``, with PostgreSQL URLs pointed at the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{os.path.join(app.instance_path, 'example.db')}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def encryption_keys(app: Flask) -> str:
    """``OCPI_ENCRYPTION_KEYS``: the environment variable, else the instance folder's key
    file, created with a new key (readable by its owner only) at first start."""
    keys = os.environ.get("OCPI_ENCRYPTION_KEYS")
    if keys:
        return keys
    path = os.path.join(app.instance_path, "ocpi-encryption.key")
    if not os.path.exists(path):
        from cryptography.fernet import Fernet

        descriptor, temporary = tempfile.mkstemp(dir=app.instance_path, prefix=".ocpi-encryption-")  # mode 0600
        with os.fdopen(descriptor, "w") as file:
            file.write(Fernet.generate_key().decode() + "\n")
        try:
            os.link(temporary, path)  # atomic: when another process got there first, its key is used
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as file:
        return ",".join(file.read().split())


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """SQLite tuned for a server: WAL (readers never wait for the writer) and fsync only at
    checkpoints; a crash may lose the last transactions, never corrupt the database."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the example application."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url(app),
        OCPI_PARTIES=[
            {
                "country_code": os.environ.get("OCPI_COUNTRY_CODE", "NL"),
                "party_id": os.environ.get("OCPI_PARTY_ID", "EXA"),
                "business_details": {
                    "name": os.environ.get("OCPI_BUSINESS_NAME", "Example Charging"),
                    "website": "https://example.com",
                },
            }
        ],
        OCPI_ROLES=["CPO", "EMSP"],
        OCPI_BASE_URL=os.environ.get("OCPI_BASE_URL", "http://127.0.0.1:5000"),
        # The demo roams with other instances on this machine over plain HTTP; a deployment
        # sets EXAMPLE_LOCAL_PARTNERS=0 and keeps Flask-OCPI's default: https, public hosts only.
        OCPI_OUTBOUND_ALLOW_HTTP=os.environ.get("EXAMPLE_LOCAL_PARTNERS", "1") == "1",
        OCPI_OUTBOUND_ALLOW_LOOPBACK=os.environ.get("EXAMPLE_LOCAL_PARTNERS", "1") == "1",
    )
    app.config.update(config or {})
    if "OCPI_ENCRYPTION_KEYS" not in app.config:  # the partners' tokens are encrypted at rest
        app.config["OCPI_ENCRYPTION_KEYS"] = encryption_keys(app)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    stores = Stores(
        locations=SQLAlchemyLocations(db),
        sessions=SQLAlchemySessions(db),
        cdrs=SQLAlchemyCdrs(db),
        tariffs=SQLAlchemyTariffs(db),
        tokens=SQLAlchemyTokens(db),
    )
    app.extensions["example_app.stores"] = stores
    ocpi.init_app(
        app,
        partners=SQLAlchemyPartnerStore(db),
        commands=SQLAlchemyCommandStore(db),
        deliveries=SQLAlchemyDeliveryStore(db),  # changes pushed to partners (ocpi.changed)
        sync=SQLAlchemySyncStore(db),  # marks of `flask ocpi sync`
        backends=[
            # CPO side: our own data partners pull, tokens they push, commands they send.
            stores.locations.sender(),
            stores.sessions.sender(),
            stores.cdrs.sender(),
            stores.tariffs.sender(),
            stores.tokens.receiver(),
            SimulatedChargePoints(stores.locations, delay=float(os.environ.get("CHARGE_POINT_DELAY", "2"))),
            # eMSP side: what CPOs push to us, our tokens they pull/authorize, command results.
            stores.locations.receiver(),
            stores.sessions.receiver(),
            stores.cdrs.receiver(),
            stores.tariffs.receiver(),
            stores.tokens.sender(),
            RecordCommandResults(),
        ],
    )
    connect_billing(app)
    app.cli.add_command(seed_command)
    app.cli.add_command(example_cli)
    with app.app_context():
        first_start = not db.inspect(db.engine).has_table("ocpi_objects")
        db.create_all()  # the company's own tables
        create_tables(db)  # Flask-OCPI's ocpi_* tables (or add its metadata to your migrations)
        if first_start and not app.config.get("TESTING"):
            seed_demo(app)
    if os.environ.get("COMMAND_SWEEPER", "1") == "1" and not app.config.get("TESTING"):
        sweeper: list[Sweeper] = []

        @app.before_request
        def start_background_work() -> None:
            """Serving processes (not CLI commands) time out overdue commands every 5 s and
            deliver the changes waiting for partners (also those queued by CLI commands)."""
            if not sweeper:
                sweeper.append(start_sweeper(app, interval=5.0))
                ocpi.start_delivering(app)

    @app.get("/")
    def index() -> Any:
        """The company's own landing route (not OCPI)."""
        party = app.config["OCPI_PARTIES"][0]
        return jsonify(
            company=party["business_details"]["name"],
            ocpi_versions={
                "cpo": f"{app.config['OCPI_BASE_URL']}/ocpi/cpo/versions",
                "emsp": f"{app.config['OCPI_BASE_URL']}/ocpi/emsp/versions",
            },
            ocpi_docs=f"{app.config['OCPI_BASE_URL']}/ocpi/docs/",
        )

    return app
