"""The request pipeline: how every OCPI blueprint is built, in one place.

Each request under the prefix passes, in order:

1. request ids (:func:`~flask_ocpi.transport.request_id.assign_request_ids`),
2. the body limit (:func:`~flask_ocpi.transport.body.limit_body`),
3. this process's deliveries started (the dispatcher of the application),
4. authentication and token scope (:func:`~flask_ocpi.transport.auth.authenticate_request`),

then its view (bodies read by :mod:`flask_ocpi.transport.body`, answers built by
:mod:`flask_ocpi.transport.envelope`), then the request-id headers. Any exception on the way
is answered by the one error handler (:func:`~flask_ocpi.transport.errors.handle_error`);
anything no view matches, whatever its method, by the catch-all of the root blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import current_app, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.routing import Rule

from flask_ocpi.models import Role
from flask_ocpi.state import get_state
from flask_ocpi.transport import errors
from flask_ocpi.transport.auth import authenticate_request
from flask_ocpi.transport.body import OcpiArgumentsParser, limit_body
from flask_ocpi.transport.request_id import add_request_id_headers, assign_request_ids

#: Endpoint name (in the root blueprint) of the catch-all.
CATCH_ALL = "not_found"


class OcpiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint using :class:`OcpiArgumentsParser`, whose routes leave
    ``OPTIONS`` to the OCPI catch-all (:func:`flask_ocpi.transport.errors.route_not_found`), so that it
    is answered with an envelope instead of Flask's empty automatic answer."""

    ARGUMENTS_PARSER = OcpiArgumentsParser()

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a route (see flask-smorest) without Flask's automatic ``OPTIONS``."""
        if view_func is not None:
            # Flask reads this attribute of the view (a MethodView copies it from its class).
            view_func.provide_automatic_options = False  # type: ignore[attr-defined]
        super().add_url_rule(rule, endpoint, view_func, **options)


def ocpi_blueprint(name: str, url_prefix: str, description: str, *, role: Role | None) -> OcpiBlueprint:
    """An OCPI blueprint with the whole pipeline: ``role`` is its role tree (``None`` for the
    versions root, which also gets the catch-all)."""
    blp = OcpiBlueprint(name, __name__, url_prefix=url_prefix, description=description)
    blp.before_request(_pipeline(role))
    blp.after_request(add_request_id_headers)
    blp.register_error_handler(Exception, errors.handle_error)
    if role is None:
        blp.record_once(_add_catch_all)
    return blp


def _pipeline(tree: Role | None) -> Callable[[], None]:
    def before_request() -> None:
        assign_request_ids()
        limit_body()
        _start_deliveries()
        public = request.method == "OPTIONS" or (request.endpoint or "").partition(".")[2].startswith(CATCH_ALL)
        authenticate_request(tree, public=public)

    return before_request


def _start_deliveries() -> None:
    """Make sure this process delivers the changes left pending (by a previous run, or
    retries) once it serves OCPI."""
    state = get_state(current_app)
    if state.deliveries is not None:
        state.dispatcher.start(current_app._get_current_object())  # type: ignore[attr-defined]


def _add_catch_all(setup: BlueprintSetupState) -> None:
    """Everything else under the prefix, whatever the method and path, goes to the catch-all
    view of the root OCPI blueprint (so its error handler and request-id headers apply):
    plain werkzeug rules (not documented in OpenAPI) matching any method (``methods=None``,
    OPTIONS and unknown methods included) and any path, newlines included (the converter is
    registered on this application's URL map only)."""
    app = setup.app
    app.url_map.converters[errors.ANY_PATH] = errors.AnyPathConverter
    endpoint = f"{setup.name_prefix}.{setup.name}.{CATCH_ALL}".lstrip(".")
    prefix = setup.url_prefix or ""
    for path in (f"{prefix}/", f"{prefix}/<{errors.ANY_PATH}:path>"):
        app.url_map.add(Rule(path, endpoint=endpoint, methods=None, strict_slashes=False))
    app.view_functions[endpoint] = errors.route_not_found


__all__ = ["CATCH_ALL", "OcpiBlueprint", "ocpi_blueprint"]
