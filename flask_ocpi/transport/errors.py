"""The one error handler of the OCPI blueprints: every failure becomes an envelope.

Registered with :meth:`flask.Blueprint.register_error_handler` on each OCPI blueprint
only, never on the application, so the host's own error pages stay the host's.
"""

from __future__ import annotations

import logging
import re

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from flask_ocpi.config import current_config
from flask_ocpi.exceptions import (
    ClientError,
    InvalidJson,
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NotFound,
    OcpiError,
    ServerError,
    Unauthorized,
    shown,
)
from flask_ocpi.schemas import describe_validation_errors
from flask_ocpi.transport.envelope import envelope, envelope_response
from flask_ocpi.transport.request_id import current_request_id

log = logging.getLogger("flask_ocpi")

#: The methods OCPI uses; ``Allow`` headers list those a route serves.
OCPI_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


#: Name under which :class:`AnyPathConverter` is registered on an application's URL map.
ANY_PATH = "ocpi_any_path"


class AnyPathConverter(PathConverter):
    """Matches any rest of a path, newlines included (werkzeug's ``path`` stops at them),
    at the lowest priority: the OCPI catch-all's converter."""

    regex = r"[\s\S]*"
    part_isolating = False  # werkzeug infers it from a "/" in the regex, which this one lacks


def _from_http_exception(exc: HTTPException) -> OcpiError:
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if code == 404:
        return NotFound(f"No such OCPI resource: {request.path}")
    if code == 405:
        valid = getattr(exc, "valid_methods", None) or ()
        allowed = sorted(set(valid) & set(OCPI_METHODS))
        headers = {"Allow": ", ".join(allowed)} if allowed else {}
        return MethodNotAllowed(f"{request.method} is not allowed on {request.path}", headers=headers)
    if code == 401:
        return Unauthorized()
    if code == 413:
        limit = current_config().max_body_size
        return ClientError(f"Request body is larger than {limit} bytes (OCPI_MAX_BODY_SIZE)", http_status=413)
    if code == 422 or (code == 400 and data.get("messages")):
        return InvalidOrMissingParameters(describe_validation_errors(data.get("messages", {})))
    if code == 400:
        return InvalidJson(str(exc.description or InvalidJson.description))
    if 400 <= code < 500:
        return ClientError(str(exc.description), http_status=code)
    return ServerError(str(exc.description), http_status=code)


def handle_error(exc: Exception) -> Response:
    """Translate any exception raised under the OCPI prefix into an OCPI envelope."""
    if isinstance(exc, HTTPException):
        error: OcpiError = _from_http_exception(exc)
    elif isinstance(exc, OcpiError):
        error = exc
        if error.status_code >= 3000:
            log.warning(
                "OCPI %s on %s %s (request id %s): %s",
                error.status_code,
                request.method,
                request.path,
                current_request_id(),
                error.message,
            )
    else:
        request_id = current_request_id()
        log.exception("Unexpected error in %s %s (request id %s)", request.method, request.path, request_id)
        error = ServerError(f"Internal server error (request id {request_id})")
    body = envelope(status_code=error.status_code, status_message=error.message)
    if error.data is not None:
        body["data"] = error.data
    return envelope_response(body, http_status=error.http_status, headers=error.headers)


def allowed_methods(path: str) -> list[str]:
    """The OCPI methods a route other than the catch-all serves at ``path``."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in OCPI_METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    return allowed


def route_not_found(path: str = "") -> Response:
    """Catch-all view under the prefix, for every method and path no OCPI route serves.

    ``OPTIONS`` on a route is answered 200 with ``Allow`` (the OCPI methods it serves) and an
    envelope; any other method a route does not serve (``TRACE``, ``PROPFIND``, ...) is 405
    with ``Allow``; a path no route serves is 404 (``OPTIONS`` included).

    A path with doubled slashes (a partner joining ``{endpoint url}/`` and ``/{id}``, as our
    endpoint URLs end with ``/`` like the spec's examples) is served as if single, logged.
    """
    if "//" in request.environ.get("PATH_INFO", ""):
        environ = dict(request.environ)
        environ["PATH_INFO"] = re.sub("/{2,}", "/", environ["PATH_INFO"])
        log.info("Tolerating doubled slashes in %s %s", request.method, request.path)
        with current_app.request_context(environ):
            return current_app.full_dispatch_request()
    allowed = allowed_methods(request.path)
    if allowed and request.method == "OPTIONS":
        methods = ", ".join(allowed)
        return envelope_response(
            envelope(status_code=1000, status_message=f"Allowed methods: {methods}"), headers={"Allow": methods}
        )
    if allowed:
        raise MethodNotAllowed(
            f"{shown(request.method, 20)} is not allowed on {request.path}", headers={"Allow": ", ".join(allowed)}
        )
    raise NotFound(f"No such OCPI resource: {request.path}")
