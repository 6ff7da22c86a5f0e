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
from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from flask_ocpi import signals
from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import WriteResult
from flask_ocpi.exceptions import ClientError, NotFound, UnknownLocation
from flask_ocpi.models import Location, PartyKey, Role
from flask_ocpi.signals import listened, notify
from flask_ocpi.transport.envelope import ok
from flask_ocpi.transport.openapi import body_doc, envelope_schema, pagination_doc, path_doc, written_doc
from flask_ocpi.transport.views import (
    CONNECTOR_ID_MAX,
    EVSE_UID_MAX,
    LOCATION_ID_MAX,
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
        parameters=path_doc(location_id=LOCATION_ID_MAX),
    )
    @blp.alt_response(200, schema=envelope_schema(LocationSchema), success=True, description="The location")
    def get_location(location_id: str) -> Response:
        """One of our locations (HTTP 404 when unknown)."""
        url_id("location_id", location_id, LOCATION_ID_MAX)
        location = _sender().get_location(partner=caller(), location_id=location_id)
        if location is None:
            raise NotFound(f"Unknown location {location_id!r}")
        return ok(dump_one(dump_location, location))

    @blp.route(
        "/locations/<location_id>/<evse_uid>",
        methods=["GET"],
        endpoint="evse",
        strict_slashes=False,
        parameters=path_doc(location_id=LOCATION_ID_MAX, evse_uid=EVSE_UID_MAX),
    )
    @blp.alt_response(200, schema=envelope_schema(EVSESchema), success=True, description="The EVSE")
    def get_evse(location_id: str, evse_uid: str) -> Response:
        """One EVSE of one of our locations (HTTP 404 when unknown)."""
        url_id("location_id", location_id, LOCATION_ID_MAX)
        url_id("evse_uid", evse_uid, EVSE_UID_MAX)
        evse = _sender().get_evse(partner=caller(), location_id=location_id, evse_uid=evse_uid)
        if evse is None:
            raise NotFound(f"Unknown EVSE {evse_uid!r} of location {location_id!r}")
        return ok(dump_one(dump_evse, evse))

    @blp.route(
        "/locations/<location_id>/<evse_uid>/<connector_id>",
        methods=["GET"],
        endpoint="connector",
        strict_slashes=False,
        parameters=path_doc(location_id=LOCATION_ID_MAX, evse_uid=EVSE_UID_MAX, connector_id=CONNECTOR_ID_MAX),
    )
    @blp.alt_response(200, schema=envelope_schema(ConnectorSchema), success=True, description="The connector")
    def get_connector(location_id: str, evse_uid: str, connector_id: str) -> Response:
        """One connector of one of our EVSEs (HTTP 404 when unknown)."""
        url_id("location_id", location_id, LOCATION_ID_MAX)
        url_id("evse_uid", evse_uid, EVSE_UID_MAX)
        url_id("connector_id", connector_id, CONNECTOR_ID_MAX)
        connector = _sender().get_connector(
            partner=caller(), location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
        )
        if connector is None:
            raise NotFound(f"Unknown connector {connector_id!r} of EVSE {evse_uid!r} of location {location_id!r}")
        return ok(dump_one(dump_connector, connector))


# --- receiver -------------------------------------------------------------------------------------------


def _target(
    country_code: str, party_id: str, location_id: str, evse_uid: str | None = None, connector_id: str | None = None
) -> PartyKey:
    """The caller's own party of the URL (404 otherwise), then the ids checked (2001)."""
    key = own_party(country_code, party_id)
    url_id("location_id", location_id, LOCATION_ID_MAX)
    if evse_uid is not None:
        url_id("evse_uid", evse_uid, EVSE_UID_MAX)
    if connector_id is not None:
        url_id("connector_id", connector_id, CONNECTOR_ID_MAX)
    return key


def _missing(key: PartyKey, location_id: str, what: str) -> ClientError:
    """What to answer when a write found nothing: 2003 if the location is unknown, else 2000."""
    if (
        _receiver().get_location(
            partner=caller(), country_code=key.country_code, party_id=key.party_id, location_id=location_id
        )
        is None
    ):
        return UnknownLocation(f"Unknown location {location_id!r} of {key}", http_status=404)
    return NotFound(f"Unknown {what} of location {location_id!r} of {key}")


def _answer(
    result: WriteResult, key: PartyKey, location_id: str, evse_uid: str | None, connector_id: str | None
) -> Response:
    """Signal a successful write and answer it (201 created, 200 otherwise)."""
    partner = caller()
    if not listened(signals.location_updated):  # the stored object is read only for the signal
        return written(result, "location")
    stored = _receiver().get_location(
        partner=partner, country_code=key.country_code, party_id=key.party_id, location_id=location_id
    )
    notify(
        signals.location_updated,
        partner=partner,
        country_code=key.country_code,
        party_id=key.party_id,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        method=request.method,
        created=result is WriteResult.CREATED,
        location=stored,
    )
    return written(result, "location")


def _get_stored(key: PartyKey, location_id: str) -> Location:
    location = _receiver().get_location(
        partner=caller(), country_code=key.country_code, party_id=key.party_id, location_id=location_id
    )
    if location is None:
        raise NotFound(f"Unknown location {location_id!r} of {key}")
    return location


def _register_receiver(blp: Blueprint) -> None:
    base = "/locations/<country_code>/<party_id>/<location_id>"
    ids: dict[str, Any] = {"country_code": 2, "party_id": 3, "location_id": LOCATION_ID_MAX}

    @blp.route(base, endpoint="location", strict_slashes=False, parameters=path_doc(**ids))
    class LocationView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(LocationSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str) -> Response:
            """A location as we stored it (HTTP 404 when unknown)."""
            key = _target(country_code, party_id, location_id)
            return ok(dump_one(dump_location, _get_stored(key, location_id)))

        @blp.doc(**body_doc(LocationSchema, "The whole location"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str) -> Response:
            """Create or replace a location with its EVSEs and connectors."""
            key = _target(country_code, party_id, location_id)
            location = load_location(json_body(), owner=key)
            same_id("id", location_id, location.id)
            result = _receiver().put_location(partner=caller(), location=location)
            return _answer(result, key, location_id, None, None)

        @blp.doc(**body_doc(LocationSchema, "The changed fields of the location"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, location_id: str) -> Response:
            """Change some fields of a location (HTTP 404 + 2003 when unknown)."""
            key = _target(country_code, party_id, location_id)
            changes = load_location_changes(json_body())
            same_id("id", location_id, changes.get("id"))
            result = _receiver().patch_location(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                location_id=location_id,
                changes=stamped(changes),
            )
            if result is WriteResult.NOT_FOUND:
                raise UnknownLocation(f"Unknown location {location_id!r} of {key}", http_status=404)
            return _answer(result, key, location_id, None, None)

    @blp.route(
        f"{base}/<evse_uid>", endpoint="evse", strict_slashes=False, parameters=path_doc(**ids, evse_uid=EVSE_UID_MAX)
    )
    class EvseView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(EVSESchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """An EVSE as we stored it (HTTP 404 when it or its location is unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid)
            evse = _get_stored(key, location_id).evse(evse_uid)
            if evse is None:
                raise NotFound(f"Unknown EVSE {evse_uid!r} of location {location_id!r} of {key}")
            return ok(dump_one(dump_evse, evse))

        @blp.doc(**body_doc(EVSESchema, "The whole EVSE"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """Add or replace an EVSE of a known location (HTTP 404 + 2003 when the location is unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid)
            evse = load_evse(json_body())
            same_id("uid", evse_uid, evse.uid)
            result = _receiver().put_evse(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                location_id=location_id,
                evse=evse,
            )
            if result is WriteResult.NOT_FOUND:
                raise _missing(key, location_id, f"EVSE {evse_uid!r}")
            return _answer(result, key, location_id, evse_uid, None)

        @blp.doc(**body_doc(EVSESchema, "The changed fields of the EVSE"))
        @written_doc(blp, patch=True)
        def patch(self, country_code: str, party_id: str, location_id: str, evse_uid: str) -> Response:
            """Change some fields of an EVSE, e.g. its status (HTTP 404 when unknown; 2003: location unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid)
            changes = load_evse_changes(json_body())
            same_id("uid", evse_uid, changes.get("uid"))
            result = _receiver().patch_evse(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                location_id=location_id,
                evse_uid=evse_uid,
                changes=stamped(changes),
            )
            if result is WriteResult.NOT_FOUND:
                raise _missing(key, location_id, f"EVSE {evse_uid!r}")
            return _answer(result, key, location_id, evse_uid, None)

    @blp.route(
        f"{base}/<evse_uid>/<connector_id>",
        endpoint="connector",
        strict_slashes=False,
        parameters=path_doc(**ids, evse_uid=EVSE_UID_MAX, connector_id=CONNECTOR_ID_MAX),
    )
    class ConnectorView(MethodView):
        @blp.alt_response(200, schema=envelope_schema(ConnectorSchema), success=True, description="As stored")
        def get(self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str) -> Response:
            """A connector as we stored it (HTTP 404 when it or a parent is unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid, connector_id)
            evse = _get_stored(key, location_id).evse(evse_uid)
            connector = evse.connector(connector_id) if evse else None
            if connector is None:
                raise NotFound(f"Unknown connector {connector_id!r} of EVSE {evse_uid!r} of location {location_id!r}")
            return ok(dump_one(dump_connector, connector))

        @blp.doc(**body_doc(ConnectorSchema, "The whole connector"))
        @written_doc(blp)
        def put(self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str) -> Response:
            """Add or replace a connector of a known EVSE (HTTP 404; 2003 when the location is unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid, connector_id)
            connector = load_connector(json_body())
            same_id("id", connector_id, connector.id)
            result = _receiver().put_connector(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                location_id=location_id,
                evse_uid=evse_uid,
                connector=connector,
            )
            if result is WriteResult.NOT_FOUND:
                raise _missing(key, location_id, f"EVSE {evse_uid!r}")
            return _answer(result, key, location_id, evse_uid, connector_id)

        @blp.doc(**body_doc(ConnectorSchema, "The changed fields of the connector"))
        @written_doc(blp, patch=True)
        def patch(
            self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str
        ) -> Response:
            """Change some fields of a connector (HTTP 404 when unknown; 2003: location unknown)."""
            key = _target(country_code, party_id, location_id, evse_uid, connector_id)
            changes = load_connector_changes(json_body())
            same_id("id", connector_id, changes.get("id"))
            result = _receiver().patch_connector(
                partner=caller(),
                country_code=key.country_code,
                party_id=key.party_id,
                location_id=location_id,
                evse_uid=evse_uid,
                connector_id=connector_id,
                changes=stamped(changes),
            )
            if result is WriteResult.NOT_FOUND:
                raise _missing(key, location_id, f"connector {connector_id!r} of EVSE {evse_uid!r}")
            return _answer(result, key, location_id, evse_uid, connector_id)
