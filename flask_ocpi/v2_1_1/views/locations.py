"""OCPI 2.1.1 locations: the CPO's sender interface and the eMSP's receiver interface.

CPO tree (SENDER, :class:`~flask_ocpi.backends.locations.LocationsSenderBackend`)::

    GET {locations}                                  paginated list
    GET {locations}/{location_id}[/{evse_uid}[/{connector_id}]]

eMSP tree (RECEIVER, :class:`~flask_ocpi.backends.locations.LocationsReceiverBackend`)::

    GET|PUT|PATCH {locations}/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]

Receiver rules: the URL's party must be one of the caller's (else HTTP 404, no backend call);
the id in the body must equal the URL's (2001); a PATCH without ``last_updated`` gets "now".
A write the backend answers ``NOT_FOUND`` is answered HTTP 404 with OCPI **2003 Unknown
Location** when the *location* is unknown (one extra ``get_location`` call, on this failure path
only, tells it apart), and HTTP 404 with 2000 when the location exists but the EVSE or connector
does not. A GET of an unknown object is HTTP 404 with 2000 at every level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.exceptions import ClientError, NotFound, UnknownLocation
from flask_ocpi.models import Location, Role
from flask_ocpi.modules.receiver import ReceiverWrite, Target, receive, receiver_target
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import caller, installed, json_body, page_request, url_id
from flask_ocpi.v2_1_1.rules import RULES
from flask_ocpi.v2_1_1.schemas.locations import (
    ConnectorSchema,
    EVSESchema,
    LocationSchema,
    dump_connector,
    dump_evse,
    dump_location,
    load_connector,
    load_connector_changes,
    load_evse,
    load_evse_changes,
    load_location,
    load_location_changes,
)
from flask_ocpi.v2_1_1.views.helpers import dump_one, list_answer

log = logging.getLogger("flask_ocpi")
L = TypeVar("L")
#: The 2.1.1 limits of the ids in location URLs.
_MAX = RULES.ids


# --- the module ---------------------------------------------------------------------------------------


def register(blp: Blueprint, role: Role) -> None:
    """Add the locations endpoints of one role tree (CPO: sender, eMSP: receiver)."""
    if role is Role.CPO:
        _register_sender(blp)
    else:
        _register_receiver(blp)


def _sender() -> LocationsSenderBackend:
    return installed(LocationsSenderBackend)


def _receiver() -> LocationsReceiverBackend:
    return installed(LocationsReceiverBackend)


def _register_sender(blp: Blueprint) -> None:
    @blp.route("/locations", methods=["GET"], endpoint="locations", strict_slashes=False)
    @blp.doc(**pagination_doc())
    @blp.alt_response(200, schema=envelope_schema(LocationSchema, many=True), success=True, description="A page")
    def list_locations() -> Response:
        """Our locations, paginated, filtered on ``last_updated``."""
        page = page_request()
        sender = _sender()
        return list_answer(
            sender, lambda: sender.list_locations(partner=caller(), page=page), dump_location, "location", page
        )

    @blp.route(
        "/locations/<location_id>",
        methods=["GET"],
        endpoint="location",
        strict_slashes=False,
        parameters=path_doc(location_id=_MAX.location_id),
    )
    @blp.alt_response(200, schema=envelope_schema(LocationSchema), success=True, description="The location")
    def get_location(location_id: str) -> Response:
        """One of our locations (HTTP 404 when unknown)."""
        url_id("location_id", location_id, _MAX.location_id)
        location = _sender().get_location(partner=caller(), location_id=location_id)
        if location is None:
            raise NotFound(f"Unknown location {location_id!r}")
        return ok(dump_one(dump_location, location))

    @blp.route(
        "/locations/<location_id>/<evse_uid>",
        methods=["GET"],
        endpoint="evse",
        strict_slashes=False,
        parameters=path_doc(location_id=_MAX.location_id, evse_uid=_MAX.evse_uid),
    )
    @blp.alt_response(200, schema=envelope_schema(EVSESchema), success=True, description="The EVSE")
    def get_evse(location_id: str, evse_uid: str) -> Response:
        """One EVSE of one of our locations (HTTP 404 when unknown)."""
        url_id("location_id", location_id, _MAX.location_id)
        url_id("evse_uid", evse_uid, _MAX.evse_uid)
        evse = _sender().get_evse(partner=caller(), location_id=location_id, evse_uid=evse_uid)
        if evse is None:
            raise NotFound(f"Unknown EVSE {evse_uid!r} of location {location_id!r}")
        return ok(dump_one(dump_evse, evse))

    @blp.route(
        "/locations/<location_id>/<evse_uid>/<connector_id>",
        methods=["GET"],
        endpoint="connector",
        strict_slashes=False,
        parameters=path_doc(location_id=_MAX.location_id, evse_uid=_MAX.evse_uid, connector_id=_MAX.connector_id),
    )
    @blp.alt_response(200, schema=envelope_schema(ConnectorSchema), success=True, description="The connector")
    def get_connector(location_id: str, evse_uid: str, connector_id: str) -> Response:
        """One connector of one of our EVSEs (HTTP 404 when unknown)."""
        url_id("location_id", location_id, _MAX.location_id)
        url_id("evse_uid", evse_uid, _MAX.evse_uid)
        url_id("connector_id", connector_id, _MAX.connector_id)
        connector = _sender().get_connector(
            partner=caller(), location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
        )
        if connector is None:
            raise NotFound(f"Unknown connector {connector_id!r} of EVSE {evse_uid!r} of location {location_id!r}")
        return ok(dump_one(dump_connector, connector))


# --- receiver -------------------------------------------------------------------------------------------


def _ids(location_id: str, evse_uid: str | None = None, connector_id: str | None = None) -> dict[str, str | None]:
    """The URL ids of one level of the tree (``None`` below it), as the signal sends them."""
    return {"location_id": location_id, "evse_uid": evse_uid, "connector_id": connector_id}


def _stored(target: Target, _: object = None) -> Location | None:
    """The location of the URL as the backend has it (the signal's object at every level)."""
    return _receiver().get_location(
        partner=target.partner,
        country_code=target.country_code,
        party_id=target.party_id,
        location_id=target.id_of("location_id"),
    )


def _get_stored(target: Target) -> Location:
    location = _stored(target)
    if location is None:
        raise NotFound(f"Unknown location {target.id_of('location_id')!r} of {target.party}")
    return location


def _unknown(what: str | None = None) -> Callable[[Target], ClientError]:
    """What answers a write that found nothing: 2003 when the location is unknown (for a
    level below it, one extra read on this failure path only tells), else 2000 naming ``what``."""

    def missing(target: Target) -> ClientError:
        location_id = target.id_of("location_id")
        if what is None or _stored(target) is None:
            return UnknownLocation(f"Unknown location {location_id!r} of {target.party}", http_status=404)
        return NotFound(f"Unknown {what} of location {location_id!r} of {target.party}")

    return missing


def _write(
    country_code: str,
    party_id: str,
    ids: dict[str, str | None],
    *,
    id_field: str,
    load: Callable[[Target], L],
    write: Callable[[Target, L], WriteResult],
    missing: Callable[[Target], ClientError] | None = None,
) -> Response:
    """One receiver write at any level of a location (:func:`flask_ocpi.modules.receiver.receive`)."""
    return receive(
        ReceiverWrite(
            what="location",
            country_code=country_code,
            party_id=party_id,
            ids=ids,
            id_field=id_field,
            load=load,
            write=write,
            signal=signals.location_updated,
            read_back=_stored,
            missing=missing,
        ),
        RULES,
    )


def _register_receiver(blp: Blueprint) -> None:
    base = "/locations/<country_code>/<party_id>/<location_id>"
    ids: dict[str, Any] = {"country_code": 2, "party_id": 3, "location_id": _MAX.location_id}

    @blp.route(base, endpoint="location", strict_slashes=False, parameters=path_doc(**ids))
    class LocationView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(LocationSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str) -> Response:
            """A location as we stored it (HTTP 404 when unknown)."""
            target = receiver_target(country_code, party_id, _ids(location_id), RULES)
            return ok(dump_one(dump_location, _get_stored(target)))

        @blp.doc(**body_doc(LocationSchema, "The whole location"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str) -> Response:
            """Create or replace a location with its EVSEs and connectors."""
            return _write(
                country_code,
                party_id,
                _ids(location_id),
                id_field="id",
                load=lambda t: load_location(json_body(), owner=t.party),
                write=lambda t, location: _receiver().put_location(partner=t.partner, location=location),
            )

        @blp.doc(**body_doc(LocationSchema, "The changed fields of the location"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, location_id: str) -> Response:
            """Change some fields of a location (HTTP 404 + 2003 when unknown)."""
            return _write(
                country_code,
                party_id,
                _ids(location_id),
                id_field="id",
                load=lambda t: load_location_changes(json_body()),
                write=lambda t, changes: _receiver().patch_location(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    location_id=location_id,
                    changes=changes,
                ),
                missing=_unknown(),
            )

    @blp.route(
        f"{base}/<evse_uid>",
        endpoint="evse",
        strict_slashes=False,
        parameters=path_doc(**ids, evse_uid=_MAX.evse_uid),
    )
    class EvseView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(EVSESchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """An EVSE as we stored it (HTTP 404 when it or its location is unknown)."""
            target = receiver_target(country_code, party_id, _ids(location_id, evse_uid), RULES)
            evse = _get_stored(target).evse(evse_uid)
            if evse is None:
                raise NotFound(f"Unknown EVSE {evse_uid!r} of location {location_id!r} of {target.party}")
            return ok(dump_one(dump_evse, evse))

        @blp.doc(**body_doc(EVSESchema, "The whole EVSE"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """Add or replace an EVSE of a known location (HTTP 404 + 2003 when the location is unknown)."""
            return _write(
                country_code,
                party_id,
                _ids(location_id, evse_uid),
                id_field="uid",
                load=lambda t: load_evse(json_body()),
                write=lambda t, evse: _receiver().put_evse(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    location_id=location_id,
                    evse=evse,
                ),
                missing=_unknown(f"EVSE {evse_uid!r}"),
            )

        @blp.doc(**body_doc(EVSESchema, "The changed fields of the EVSE"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """Change some fields of an EVSE, e.g. its status (HTTP 404 when unknown; 2003: location unknown)."""
            return _write(
                country_code,
                party_id,
                _ids(location_id, evse_uid),
                id_field="uid",
                load=lambda t: load_evse_changes(json_body()),
                write=lambda t, changes: _receiver().patch_evse(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    location_id=location_id,
                    evse_uid=evse_uid,
                    changes=changes,
                ),
                missing=_unknown(f"EVSE {evse_uid!r}"),
            )

    @blp.route(
        f"{base}/<evse_uid>/<connector_id>",
        endpoint="connector",
        strict_slashes=False,
        parameters=path_doc(**ids, evse_uid=_MAX.evse_uid, connector_id=_MAX.connector_id),
    )
    class ConnectorView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(ConnectorSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str) -> Response:
            """A connector as we stored it (HTTP 404 when it or a parent is unknown)."""
            target = receiver_target(country_code, party_id, _ids(location_id, evse_uid, connector_id), RULES)
            evse = _get_stored(target).evse(evse_uid)
            connector = evse.connector(connector_id) if evse else None
            if connector is None:
                raise NotFound(f"Unknown connector {connector_id!r} of EVSE {evse_uid!r} of location {location_id!r}")
            return ok(dump_one(dump_connector, connector))

        @blp.doc(**body_doc(ConnectorSchema, "The whole connector"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str) -> Response:
            """Add or replace a connector of a known EVSE (HTTP 404; 2003 when the location is unknown)."""
            return _write(
                country_code,
                party_id,
                _ids(location_id, evse_uid, connector_id),
                id_field="id",
                load=lambda t: load_connector(json_body()),
                write=lambda t, connector: _receiver().put_connector(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    location_id=location_id,
                    evse_uid=evse_uid,
                    connector=connector,
                ),
                missing=_unknown(f"EVSE {evse_uid!r}"),
            )

        @blp.doc(**body_doc(ConnectorSchema, "The changed fields of the connector"))
        @written_doc(blp, patch=True)
        def patch(
            self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str
        ) -> Response:
            """Change some fields of a connector (HTTP 404 when unknown; 2003: location unknown)."""
            return _write(
                country_code,
                party_id,
                _ids(location_id, evse_uid, connector_id),
                id_field="id",
                load=lambda t: load_connector_changes(json_body()),
                write=lambda t, changes: _receiver().patch_connector(
                    partner=t.partner,
                    country_code=t.country_code,
                    party_id=t.party_id,
                    location_id=location_id,
                    evse_uid=evse_uid,
                    connector_id=connector_id,
                    changes=changes,
                ),
                missing=_unknown(f"connector {connector_id!r} of EVSE {evse_uid!r}"),
            )
