"""OCPI 2.1.1 sessions: the CPO's sender interface and the eMSP's receiver interface.

CPO tree (SENDER)::

    GET {sessions}?date_from=...      paginated list; date_from is required (2001 without it)

eMSP tree (RECEIVER)::

    GET|PUT|PATCH {sessions}/{country_code}/{party_id}/{session_id}

A 2.1.1 session embeds its location (with only the EVSE and connector in use). When the
backend's session has no ``location``, it is taken from the locations backend of the same
tree (our locations SENDER backend on the CPO tree, the locations RECEIVER backend on the
eMSP tree) and reduced to the session's EVSE and connector; without it the answer is 3000.

Defence in depth on the sender list: a session whose ``cdr_token`` names a party that is not
the caller's is dropped from the answer and logged at ERROR (the backend should not return it).
Sessions received as eMSP are for our tokens: their token owner is the connection's
``local_party``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.sessions import SessionsReceiverBackend, SessionsSenderBackend
from flask_ocpi.exceptions import NotFound, ServerError
from flask_ocpi.models import CDR, CdrToken, InterfaceRole, Location, ModuleID, Partner, PartyKey, Role, Session
from flask_ocpi.modules.receiver import ReceiverWrite, Target, receive, receiver_target
from flask_ocpi.state import get_state
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import caller, installed, json_body, page_request
from flask_ocpi.v2_1_1.rules import RULES
from flask_ocpi.v2_1_1.schemas.sessions import SessionSchema, dump_session, load_session, load_session_changes
from flask_ocpi.v2_1_1.views.helpers import dump_each, dump_one, page_answer

log = logging.getLogger("flask_ocpi")

# --- helpers shared with the CDRs views -----------------------------------------------------------


class _Billed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def cdr_token(self) -> CdrToken: ...


B = TypeVar("B", bound=_Billed)

#: A session or a CDR: both embed a location in 2.1.1.
SessionOrCdr = TypeVar("SessionOrCdr", Session, CDR)
L = TypeVar("L")


def for_caller(items: Sequence[B], what: str) -> list[B]:
    """The sessions/CDRs of ``items`` whose token belongs to one of the caller's parties.

    Others are dropped and logged at ERROR: the backend must only return the caller's.
    """
    partner = caller()
    parties = set(partner.parties)
    kept = []
    for item in items:
        owner = PartyKey(item.cdr_token.country_code, item.cdr_token.party_id)
        if owner in parties:
            kept.append(item)
        else:
            log.error(
                "Backend returned %s %r of token owner %s to partner %s (parties %s): not sent",
                what,
                item.id,
                owner,
                partner.id,
                ", ".join(str(p) for p in parties),
            )
    return kept


def located(
    *,
    ours: bool,
    owner: PartyKey,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    what: str,
    partner: Partner | None = None,
) -> Location:
    """The location 2.1.1 embeds in a session or CDR, from the locations backend of the tree.

    ``ours``: the object is ours (CPO tree: our locations SENDER backend); otherwise it was
    pushed to us by ``owner`` (eMSP tree: the locations RECEIVER backend). The location is
    reduced to the EVSE and connector in use. 3000 when it cannot be found. ``partner`` is
    the partner asking (default: the caller of the current request).
    """
    state = get_state(current_app)
    who = partner or caller()
    found: Location | None = None
    if ours:
        sender = state.backend(ModuleID.LOCATIONS, InterfaceRole.SENDER)
        if isinstance(sender, LocationsSenderBackend):
            found = sender.get_location(partner=who, location_id=location_id)
    else:
        receiver = state.backend(ModuleID.LOCATIONS, InterfaceRole.RECEIVER)
        if isinstance(receiver, LocationsReceiverBackend):
            found = receiver.get_location(
                partner=who, country_code=owner.country_code, party_id=owner.party_id, location_id=location_id
            )
    if found is None:
        raise ServerError(
            f"{what} has no location and location {location_id!r} of {owner} is not available from a locations "
            "backend (OCPI 2.1.1 embeds the location: store it with the object or install the locations backend)"
        )
    evse = found.evse(evse_uid)
    connector = evse.connector(connector_id) if evse else None
    if evse is None or connector is None:
        raise ServerError(f"{what}: location {location_id!r} has no EVSE {evse_uid!r} with connector {connector_id!r}")
    return dataclasses.replace(found, evses=[dataclasses.replace(evse, connectors=[connector])])


def with_location(obj: SessionOrCdr, *, ours: bool, partner: Partner | None = None) -> SessionOrCdr:
    """``obj`` (a session or CDR) with the location 2.1.1 embeds: its own, or the one
    :func:`located` finds from its ids (a CDR's ``cdr_location``). 3000 when neither exists.

    :param partner: the partner the object goes to (default: the caller of the request).
    """
    if obj.location is not None:
        return obj
    if isinstance(obj, Session):
        where = (obj.location_id, obj.evse_uid, obj.connector_id)
    elif obj.cdr_location is not None:
        where = (obj.cdr_location.id, obj.cdr_location.evse_uid, obj.cdr_location.connector_id)
    else:
        raise ServerError(f"CDR {obj.id!r} has neither a location nor a cdr_location")
    location = located(
        ours=ours,
        owner=PartyKey(obj.country_code, obj.party_id),
        location_id=where[0],
        evse_uid=where[1],
        connector_id=where[2],
        what=f"{'Session' if isinstance(obj, Session) else 'CDR'} {obj.id!r}",
        partner=partner,
    )
    return dataclasses.replace(obj, location=location)


# --- the module ---------------------------------------------------------------------------------------


def register(blp: Blueprint, role: Role) -> None:
    """Add the sessions endpoints of one role tree (CPO: sender, eMSP: receiver)."""
    if role is Role.CPO:
        _register_sender(blp)
    else:
        _register_receiver(blp)


def _sender() -> SessionsSenderBackend:
    return installed(SessionsSenderBackend)


def _register_sender(blp: Blueprint) -> None:
    @blp.route("/sessions", methods=["GET"], endpoint="sessions", strict_slashes=False)
    @blp.doc(**pagination_doc(date_from_required=True))
    @blp.alt_response(200, schema=envelope_schema(SessionSchema, many=True), success=True, description="A page")
    def list_sessions() -> Response:
        """The sessions of the caller's tokens, last updated in [date_from, date_to), paginated."""
        page = page_request(require_date_from=True)
        sender = _sender()
        result = sender.list_sessions(partner=caller(), page=page)
        sessions = [with_location(s, ours=True) for s in for_caller(result.items, "session")]
        return page_answer(dump_each(dump_session, sessions, "session"), page, result)


def _receiver() -> SessionsReceiverBackend:
    return installed(SessionsReceiverBackend)


def _stored(target: Target, _: object = None) -> Session | None:
    """The session of the URL as the backend has it."""
    return _receiver().get_session(
        partner=target.partner,
        country_code=target.country_code,
        party_id=target.party_id,
        session_id=target.object_id,
    )


def _write(
    country_code: str,
    party_id: str,
    session_id: str,
    *,
    load: Callable[[Target], L],
    write: Callable[[Target, L], WriteResult],
) -> Response:
    """One receiver write of a session (:func:`flask_ocpi.modules.receiver.receive`)."""
    return receive(
        ReceiverWrite(
            what="session",
            country_code=country_code,
            party_id=party_id,
            ids={"session_id": session_id},
            id_field="id",
            load=load,
            write=write,
            signal=signals.session_updated,
            read_back=_stored,
        ),
        RULES,
    )


def _register_receiver(blp: Blueprint) -> None:
    @blp.route(
        "/sessions/<country_code>/<party_id>/<session_id>",
        endpoint="session",
        strict_slashes=False,
        parameters=path_doc(country_code=2, party_id=3, session_id=RULES.ids.object_id),
    )
    class SessionView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(SessionSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, session_id: str) -> Response:
            """A session as we stored it (HTTP 404 when unknown)."""
            target = receiver_target(country_code, party_id, {"session_id": session_id}, RULES)
            session = _stored(target)
            if session is None:
                raise NotFound(f"Unknown session {session_id!r} of {target.party}")
            return ok(dump_one(dump_session, with_location(session, ours=False)))

        @blp.doc(**body_doc(SessionSchema, "The whole session"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, session_id: str) -> Response:
            """Create or replace a session."""
            return _write(
                country_code,
                party_id,
                session_id,
                load=lambda t: load_session(json_body(), owner=t.party, token_owner=t.partner.local_party),
                write=lambda t, session: _receiver().put_session(partner=t.partner, session=session),
            )

        @blp.doc(**body_doc(SessionSchema, "The changed fields of the session"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, session_id: str) -> Response:
            """Change some fields of a session (HTTP 404 when unknown)."""
            return _write(
                country_code,
                party_id,
                session_id,
                load=lambda t: load_session_changes(json_body(), token_owner=t.partner.local_party, owner=t.party),
                write=lambda t, changes: _receiver().patch_session(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    session_id=t.object_id,
                    changes=changes,
                ),
            )
