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
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify

from example_app.models import db
from flask_ocpi import OCPI
from flask_ocpi.backends.sqlalchemy import SQLAlchemyPartnerStore

ocpi = OCPI()


def database_url(app: Flask) -> str:
    """``DATABASE_URL``, with PostgreSQL URLs pointed at the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{os.path.join(app.instance_path, 'example.db')}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


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
    )
    app.config.update(config or {})
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))

    db.init_app(app)
    ocpi.init_app(app, partners=SQLAlchemyPartnerStore(db))
    with app.app_context():
        db.create_all()  # the company's own tables
        app.extensions["ocpi"].partners.create_tables()  # Flask-OCPI's ocpi_* tables

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
