"""The company's own data model (stands for whatever a real host already has)."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Customer(db.Model):  # type: ignore[name-defined,misc]
    """A driver with a charging contract: the company's own table, not Flask-OCPI's."""

    __tablename__ = "customers"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
