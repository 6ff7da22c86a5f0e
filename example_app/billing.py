"""Billing: the eMSP records the cost of every CDR it receives (the ``cdr_received`` hook)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from example_app.models import Invoice, db
from flask_ocpi.models import CDR
from flask_ocpi.signals import cdr_received


def connect_billing(app: Flask) -> None:
    """Record an invoice line for each CDR a CPO posts to this app."""

    @cdr_received.connect_via(app)
    def bill(sender: Flask, partner: Any, cdr: CDR, **_: Any) -> None:
        db.session.add(
            Invoice(
                cdr_id=cdr.id,
                cpo=f"{cdr.country_code}-{cdr.party_id}",
                contract_id=cdr.cdr_token.contract_id,
                amount=cdr.total_cost.excl_vat,
                currency=cdr.currency,
                energy_kwh=cdr.total_energy,
            )
        )
        db.session.commit()
