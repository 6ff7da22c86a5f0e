"""OCPI 2.1.1 CDRs: the CPO's sender interface and the eMSP's receiver interface.

CPO tree (SENDER)::

    GET {cdrs}                                        paginated list of the caller's CDRs

eMSP tree (RECEIVER)::

    POST {cdrs}                                       a new CDR
    GET  {cdrs}/{country_code}/{party_id}/{cdr_id}    the URL the POST answered in ``Location``

A POST is answered HTTP 201 with a ``Location`` header (the absolute URL of the stored CDR) and
sends ``cdr_received``; when the CDR already existed (the backend answers ``UPDATED``: it is
immutable, not replaced) the answer is HTTP 200 with the same header and no signal. The CDR's
owner is the caller's party (2.1.1 CDRs carry no owner), its token owner our ``local_party``.

The CDR id segment of the GET accepts ``/`` (a 2.1.1 id is any printable ASCII) so that the
``Location`` we hand out can be read back; a trailing ``/`` is taken as a trailing slash (an id
ending in ``/`` cannot be read back). The location 2.1.1 embeds follows the sessions rule
(:func:`flask_ocpi.v2_1_1.views.sessions.located`), found through ``cdr_location`` when the
backend's CDR has no ``location``. The sender list drops CDRs of other parties' tokens.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.cdrs import CdrsReceiverBackend, CdrsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.exceptions import ClientError, NotFound, ServerError
from flask_ocpi.models import CDR, PartyKey, Role
from flask_ocpi.signals import notify
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc
from flask_ocpi.transport.urls import public_url
from flask_ocpi.transport.views import caller, installed, json_body, own_party, page_request, url_id
from flask_ocpi.v2_1_1.rules import RULES
from flask_ocpi.v2_1_1.schemas.cdrs import CdrSchema, dump_cdr, load_cdr
from flask_ocpi.v2_1_1.views.helpers import dump_each, dump_one, page_answer
from flask_ocpi.v2_1_1.views.sessions import for_caller, with_location


def register(blp: Blueprint, role: Role) -> None:
    """Add the CDRs endpoints of one role tree (CPO: sender, eMSP: receiver)."""
    if role is Role.CPO:
        _register_sender(blp)
    else:
        _register_receiver(blp)


def _sender() -> CdrsSenderBackend:
    return installed(CdrsSenderBackend)


def _register_sender(blp: Blueprint) -> None:
    @blp.route("/cdrs", methods=["GET"], endpoint="cdrs", strict_slashes=False)
    @blp.doc(**pagination_doc())
    @blp.alt_response(200, schema=envelope_schema(CdrSchema, many=True), success=True, description="A page")
    def list_cdrs() -> Response:
        """The CDRs of the caller's tokens, paginated, filtered on ``last_updated``."""
        page = page_request()
        sender = _sender()
        result = sender.list_cdrs(partner=caller(), page=page)
        cdrs = [with_location(c, ours=True) for c in for_caller(result.items, "CDR")]
        return page_answer(dump_each(dump_cdr, cdrs, "CDR"), page, result)


def _receiver() -> CdrsReceiverBackend:
    return installed(CdrsReceiverBackend)


def _poster() -> PartyKey:
    """The party of the caller posting a CDR (its CPO party; 2.1.1 connections have one)."""
    roles = caller().roles  # without our own parties, whatever the partner row says
    cpo = [r for r in roles if r.role is Role.CPO] or roles
    if not cpo:
        raise ClientError("This connection has no party of its own to post CDRs for")
    return cpo[0].key


def _register_receiver(blp: Blueprint) -> None:
    prefix = blp.url_prefix or ""

    def cdr_url(cdr: CDR) -> str:
        path = "/".join(quote(part, safe="") for part in (cdr.country_code, cdr.party_id, cdr.id))
        return public_url(f"{prefix}/cdrs/{path}")

    @blp.route("/cdrs", methods=["POST"], endpoint="cdrs", strict_slashes=False)
    @blp.doc(**body_doc(CdrSchema, "The complete, final CDR"))
    @blp.alt_response(201, schema=envelope_schema(None), success=True, description="Stored; Location: its URL")
    @blp.alt_response(200, schema=envelope_schema(None), success=True, description="Already stored; Location: its URL")
    def post_cdr() -> Response:
        """Receive a new CDR; the ``Location`` header gives the URL to read it back."""
        partner = caller()
        cdr = load_cdr(json_body(), owner=_poster(), token_owner=partner.local_party)
        result = _receiver().create_cdr(partner=partner, cdr=cdr)
        if result is WriteResult.NOT_FOUND:
            raise ServerError("The CDRs backend answered NOT_FOUND to a new CDR")
        created = result is WriteResult.CREATED
        if created:
            notify(signals.cdr_received, partner=partner, cdr=cdr)
        return ok(http_status=201 if created else 200, headers={"Location": cdr_url(cdr)})

    @blp.route(
        "/cdrs/<country_code>/<party_id>/<path:cdr_id>",
        methods=["GET"],
        endpoint="cdr",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, cdr_id=RULES.ids.object_id),
    )
    @blp.alt_response(200, schema=envelope_schema(CdrSchema), success=True, description="As stored")
    def get_cdr(country_code: str, party_id: str, cdr_id: str) -> Response:
        """A CDR the caller posted (HTTP 404 when unknown)."""
        key = own_party(country_code, party_id)
        cdr_id = cdr_id.removesuffix("/")  # the path converter keeps a trailing slash
        url_id("cdr_id", cdr_id, RULES.ids.object_id)
        cdr = _receiver().get_cdr(partner=caller(), country_code=key.country_code, party_id=key.party_id, cdr_id=cdr_id)
        if cdr is None:
            raise NotFound(f"Unknown CDR {cdr_id!r} of {key}")
        return ok(dump_one(dump_cdr, with_location(cdr, ours=False)))
