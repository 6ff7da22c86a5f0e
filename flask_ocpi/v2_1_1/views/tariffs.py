"""OCPI 2.1.1 tariffs: the CPO's sender interface and the eMSP's receiver interface.

CPO tree (SENDER)::

    GET {tariffs}                                               paginated list

eMSP tree (RECEIVER)::

    GET|PUT|PATCH|DELETE {tariffs}/{country_code}/{party_id}/{tariff_id}

PATCH exists in 2.1.1 only (2.2 removed it); without ``last_updated`` it gets "now". DELETE of
an unknown tariff is HTTP 404. The URL's party must be the caller's (else 404, no backend call).
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tariffs import TariffsReceiverBackend, TariffsSenderBackend
from flask_ocpi.exceptions import NotFound
from flask_ocpi.models import PartyKey, Role
from flask_ocpi.signals import listened, notify
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import (
    OBJECT_ID_MAX,
    caller,
    installed,
    json_body,
    own_party,
    page_request,
    same_id,
    stamped,
    url_id,
    written,
)
from flask_ocpi.v2_1_1.schemas.tariffs import TariffSchema, dump_tariff, load_tariff, load_tariff_changes
from flask_ocpi.v2_1_1.views.helpers import dump_one, list_answer


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


def _target(country_code: str, party_id: str, tariff_id: str) -> PartyKey:
    key = own_party(country_code, party_id)
    url_id("tariff_id", tariff_id, OBJECT_ID_MAX)
    return key


def _answer(result: WriteResult, key: PartyKey, tariff_id: str) -> Response:
    partner = caller()
    if not listened(signals.tariff_updated):  # the stored object is read only for the signal
        return written(result, "tariff")
    stored = _receiver().get_tariff(
        partner=partner, country_code=key.country_code, party_id=key.party_id, tariff_id=tariff_id
    )
    notify(
        signals.tariff_updated,
        partner=partner,
        country_code=key.country_code,
        party_id=key.party_id,
        tariff_id=tariff_id,
        method=request.method,
        created=result is WriteResult.CREATED,
        tariff=stored,
    )
    return written(result, "tariff")


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/tariffs/<country_code>/<party_id>/<tariff_id>",
        endpoint="tariff",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, tariff_id=OBJECT_ID_MAX),
    )
    class TariffView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(TariffSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """A tariff as we stored it (HTTP 404 when unknown)."""
            key = _target(country_code, party_id, tariff_id)
            tariff = _receiver().get_tariff(
                partner=caller(), country_code=key.country_code, party_id=key.party_id, tariff_id=tariff_id
            )
            if tariff is None:
                raise NotFound(f"Unknown tariff {tariff_id!r} of {key}")
            return ok(dump_one(dump_tariff, tariff))

        @blp.doc(**body_doc(TariffSchema, "The whole tariff"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Create or replace a tariff."""
            key = _target(country_code, party_id, tariff_id)
            tariff = load_tariff(json_body(), owner=key)
            same_id("id", tariff_id, tariff.id)
            return _answer(_receiver().put_tariff(partner=caller(), tariff=tariff), key, tariff_id)

        @blp.doc(**body_doc(TariffSchema, "The changed fields of the tariff"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Change some fields of a tariff (HTTP 404 when unknown)."""
            key = _target(country_code, party_id, tariff_id)
            changes = load_tariff_changes(json_body())
            same_id("id", tariff_id, changes.get("id"))
            result = _receiver().patch_tariff(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                tariff_id=tariff_id,
                changes=stamped(changes),
            )
            if result is WriteResult.NOT_FOUND:
                raise NotFound(f"Unknown tariff {tariff_id!r} of {key}")
            return _answer(result, key, tariff_id)

        @blp.alt_response(200, schema=envelope_schema(None), success=True, description="Deleted")
        def delete(self, country_code: str, party_id: str, tariff_id: str) -> Response:
            """Remove a tariff that is no longer valid (HTTP 404 when unknown)."""
            key = _target(country_code, party_id, tariff_id)
            partner = caller()
            result = _receiver().delete_tariff(
                partner=partner, country_code=key.country_code, party_id=key.party_id, tariff_id=tariff_id
            )
            if result is WriteResult.NOT_FOUND:
                raise NotFound(f"Unknown tariff {tariff_id!r} of {key}")
            notify(
                signals.tariff_deleted,
                partner=partner,
                country_code=key.country_code,
                party_id=key.party_id,
                tariff_id=tariff_id,
            )
            return ok()
