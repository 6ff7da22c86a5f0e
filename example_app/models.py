"""The company's own data model (stands for whatever a real host already has)."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Customer(db.Model):  # type: ignore[name-defined,misc]
    """A driver with a charging contract: the company's own table, not Flask-OCPI's."""

    __tablename__ = "customers"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


class Invoice(db.Model):  # type: ignore[name-defined,misc]
    """One invoice line per CDR received from a CPO: what the driver will be billed."""

    __tablename__ = "invoices"

    id = db.Column(db.Integer, primary_key=True)
    cdr_id = db.Column(db.String(39), nullable=False)
    cpo = db.Column(db.String(6), nullable=False)
    contract_id = db.Column(db.String(36), nullable=False)
    amount = db.Column(db.Numeric(12, 4), nullable=False)
    currency = db.Column(db.String(3), nullable=False)
    energy_kwh = db.Column(db.Numeric(12, 4), nullable=False)
