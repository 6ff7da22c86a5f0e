"""OCPI 2.1.1 tariffs: the CPO's sender interface and the eMSP's receiver interface.

CPO tree (SENDER)::

    GET {tariffs}                                               paginated list

eMSP tree (RECEIVER)::

    GET|PUT|PATCH|DELETE {tariffs}/{country_code}/{party_id}/{tariff_id}

PATCH exists in 2.1.1 only (2.2 removed it); without ``last_updated`` it gets "now". DELETE of
an unknown tariff is HTTP 404. The URL's party must be the caller's (else 404, no backend call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tariffs import TariffsReceiverBackend, TariffsSenderBackend
from flask_ocpi.exceptions import NotFound
from flask_ocpi.models import Role, Tariff
from flask_ocpi.modules.receiver import ReceiverWrite, Target, receive, receiver_target
from flask_ocpi.signals import notify
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import caller, installed, json_body, page_request
from flask_ocpi.v2_1_1.rules import RULES
from flask_ocpi.v2_1_1.schemas.tariffs import TariffSchema, dump_tariff, load_tariff, load_tariff_changes
from flask_ocpi.v2_1_1.views.helpers import dump_one, list_answer

L = TypeVar("L")


def register(blp: Blueprint, role: Role) -> None:
    """Add the tariffs endpoints of one role tree (CPO: sender, eMSP: receiver)."""
    if role is Role.CPO:
        _register_sender(blp)
    else:
        _register_receiver(blp)


def _sender() -> TariffsSenderBackend:
    return installed(TariffsSenderBackend)


def _register_sender(blp: Blueprint) -> None:
    @blp.route("/tariffs", methods=["GET"], endpoint="tariffs", strict_slashes=False)
    @blp.doc(**pagination_doc())
    @blp.alt_response(200, schema=envelope_schema(TariffSchema, many=True), success=True, description="A page")
    def list_tariffs() -> Response:
        """Our tariffs, paginated, filtered on ``last_updated``."""
        page = page_request()
        sender = _sender()
        return list_answer(
            sender, lambda: sender.list_tariffs(partner=caller(), page=page), dump_tariff, "tariff", page
        )


def _receiver() -> TariffsReceiverBackend:
    return installed(TariffsReceiverBackend)


def _stored(target: Target, _: object = None) -> Tariff | None:
    """The tariff of the URL as the backend has it."""
    return _receiver().get_tariff(
        partner=target.partner, country_code=target.country_code, party_id=target.party_id, tariff_id=target.object_id
    )


def _write(
    country_code: str,
    party_id: str,
    tariff_id: str,
    *,
    load: Callable[[Target], L],
    write: Callable[[Target, L], WriteResult],
) -> Response:
    """One receiver write of a tariff (:func:`flask_ocpi.modules.receiver.receive`)."""
    return receive(
        ReceiverWrite(
            what="tariff",
            country_code=country_code,
            party_id=party_id,
            ids={"tariff_id": tariff_id},
            id_field="id",
            load=load,
            write=write,
            signal=signals.tariff_updated,
            read_back=_stored,
        ),
        RULES,
    )


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/tariffs/<country_code>/<party_id>/<tariff_id>",
        endpoint="tariff",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, tariff_id=RULES.ids.object_id),
    )
    class TariffView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(TariffSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """A tariff as we stored it (HTTP 404 when unknown)."""
            target = receiver_target(country_code, party_id, {"tariff_id": tariff_id}, RULES)
            tariff = _stored(target)
            if tariff is None:
                raise NotFound(f"Unknown tariff {tariff_id!r} of {target.party}")
            return ok(dump_one(dump_tariff, tariff))

        @blp.doc(**body_doc(TariffSchema, "The whole tariff"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Create or replace a tariff."""
            return _write(
                country_code,
                party_id,
                tariff_id,
                load=lambda t: load_tariff(json_body(), owner=t.party),
                write=lambda t, tariff: _receiver().put_tariff(partner=t.partner, tariff=tariff),
            )

        @blp.doc(**body_doc(TariffSchema, "The changed fields of the tariff"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Change some fields of a tariff (HTTP 404 when unknown)."""
            return _write(
                country_code,
                party_id,
                tariff_id,
                load=lambda t: load_tariff_changes(json_body()),
                write=lambda t, changes: _receiver().patch_tariff(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    tariff_id=t.object_id,
                    changes=changes,
                ),
            )

        @blp.alt_response(200, schema=envelope_schema(None), success=True, description="Deleted")
        def delete(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Remove a tariff that is no longer valid (HTTP 404 when unknown)."""
            target = receiver_target(country_code, party_id, {"tariff_id": tariff_id}, RULES)
            result = _receiver().delete_tariff(
                partner=target.partner, country_code=target.country_code, party_id=target.party_id, tariff_id=tariff_id
            )
            if result is WriteResult.NOT_FOUND:
                raise NotFound(f"Unknown tariff {tariff_id!r} of {target.party}")
            notify(
                signals.tariff_deleted,
                partner=target.partner,
                country_code=target.country_code,
                party_id=target.party_id,
                tariff_id=tariff_id,
            )
            return ok()
