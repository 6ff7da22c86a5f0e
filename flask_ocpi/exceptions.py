"""Every OCPI status code as an exception carrying its OCPI code and HTTP status.

Raise these from views, backends or registration code; the one error handler
registered on the OCPI blueprints (:mod:`flask_ocpi.transport.errors`) turns them into an OCPI
envelope. HTTP statuses follow the status-codes chapter: once a request has reached
the OCPI layer (authenticated, valid JSON, existing resource) errors are reported in
``status_code`` with HTTP 200; transport-level failures keep their HTTP status.
"""

from __future__ import annotations

from typing import Any, ClassVar


class OcpiError(Exception):
    """Base class: an OCPI error answered as an envelope.

    :param message: the ``status_message`` (defaults to the class's description).
    :param http_status: override the class's HTTP status for this instance.
    :param data: optional debugging data put in the envelope's ``data``.
    :param headers: extra response headers (``Allow`` for 405, ...).
    """

    status_code: ClassVar[int] = 3000
    http_status: int = 500
    description: ClassVar[str] = "Generic server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        http_status: int | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.description
        if http_status is not None:
            self.http_status = http_status
        self.data = data
        self.headers = headers or {}
        super().__init__(self.message)


# --- 2xxx: client errors -------------------------------------------------------------


class ClientError(OcpiError):
    """2000: generic client error."""

    status_code = 2000
    http_status = 200
    description = "Generic client error"


class InvalidOrMissingParameters(ClientError):
    """2001: invalid or missing parameters (a body field, a query parameter, an id)."""

    status_code = 2001
    description = "Invalid or missing parameters"


class NotEnoughInformation(ClientError):
    """2002: not enough information (e.g. authorization without LocationReferences)."""

    status_code = 2002
    description = "Not enough information"


class UnknownLocation(ClientError):
    """2003: unknown location."""

    status_code = 2003
    description = "Unknown Location"


class UnknownToken(ClientError):
    """2004: unknown token (OCPI 2.2.1; answered with HTTP 404)."""

    status_code = 2004
    http_status = 404
    description = "Unknown Token"


# --- transport-level client errors, still answered as envelopes ----------------------


class InvalidJson(InvalidOrMissingParameters):
    """The body is not JSON: HTTP 400 with 2001."""

    http_status = 400
    description = "Request body is not valid JSON"


class Unauthorized(ClientError):
    """Missing or unknown ``Authorization`` token: HTTP 401."""

    http_status = 401
    description = "Missing or unknown Authorization token"


class NotFound(ClientError):
    """The resource does not exist: HTTP 404."""

    http_status = 404
    description = "Not found"


class MethodNotAllowed(ClientError):
    """The method is not allowed here (also: credentials POST when registered): HTTP 405."""

    http_status = 405
    description = "Method not allowed"


# --- 3xxx: server errors -------------------------------------------------------------


class ServerError(OcpiError):
    """3000: generic server error (HTTP 500)."""

    status_code = 3000
    http_status = 500
    description = "Generic server error"


class UnableToUseClientApi(ServerError):
    """3001: we could not use the other party's API (e.g. its versions during registration)."""

    status_code = 3001
    http_status = 200
    description = "Unable to use the client's API"


class UnsupportedVersion(ServerError):
    """3002: unsupported version (no mutual version)."""

    status_code = 3002
    http_status = 200
    description = "Unsupported version"


class NoMatchingEndpoints(ServerError):
    """3003: no matching endpoints or expected endpoints missing."""

    status_code = 3003
    http_status = 200
    description = "No matching endpoints or expected endpoints missing"


#: Exception class for each standard OCPI status code.
BY_STATUS_CODE: dict[int, type[OcpiError]] = {
    cls.status_code: cls
    for cls in (
        ClientError,
        InvalidOrMissingParameters,
        NotEnoughInformation,
        UnknownLocation,
        UnknownToken,
        ServerError,
        UnableToUseClientApi,
        UnsupportedVersion,
        NoMatchingEndpoints,
    )
}


def shown(value: str, limit: int = 40) -> str:
    """A value the client sent, shortened for quoting in a ``status_message``."""
    return value if len(value) <= limit else f"{value[:limit]}..."


class ConfigError(ValueError):
    """A Flask-OCPI configuration value is missing or invalid; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"{key}: {problem}")


# --- errors answered by a partner we called (the client half) -----------------------------
class PartnerError(Exception):
    """A partner answered with an error (OCPI status code outside 1xxx, or an HTTP error).

    :ivar status_code: the OCPI status code, when the answer carried one.
    :ivar http_status: the HTTP status of the answer.
    :ivar url: the URL called.
    :ivar message: what went wrong, including the partner's ``status_message``.
    """

    def __init__(
        self, message: str, *, url: str, status_code: int | None = None, http_status: int | None = None
    ) -> None:
        self.status_code = status_code
        self.http_status = http_status
        self.url = url
        self.message = message
        super().__init__(message)


class PartnerUnreachable(PartnerError):
    """No answer came back (connection refused, timeout, TLS failure, connection broken).

    :ivar sent: whether the request may have reached the partner (``False`` only when the
        connection was never made: refused, unresolvable, connect timeout, TLS handshake);
        a read timeout or a connection broken mid-answer leaves it unknown whether the
        partner applied it.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status_code: int | None = None,
        http_status: int | None = None,
        sent: bool = True,
    ) -> None:
        super().__init__(message, url=url, status_code=status_code, http_status=http_status)
        self.sent = sent


class RefusedUrl(PartnerError):
    """The outbound URL policy refuses to call this URL (see :mod:`flask_ocpi.util.urlpolicy`)."""


class PartnerClientError(PartnerError):
    """The partner says our request was wrong (OCPI 2xxx)."""


class PartnerInvalidParameters(PartnerClientError):
    """OCPI 2001: invalid or missing parameters."""


class PartnerNotEnoughInformation(PartnerClientError):
    """OCPI 2002: not enough information (e.g. a real-time authorization without location)."""


class PartnerUnknownLocation(PartnerClientError):
    """OCPI 2003: unknown location."""


class PartnerNotFound(PartnerClientError):
    """HTTP 404: the partner does not know the object (or the URL)."""


class PartnerServerError(PartnerError):
    """The partner failed (OCPI 3xxx, or HTTP 5xx without an OCPI code)."""


class PartnerUnableToUseClientApi(PartnerServerError):
    """OCPI 3001: the partner could not use our API (during registration)."""


class PartnerUnsupportedVersion(PartnerServerError):
    """OCPI 3002: unsupported version."""


class PartnerNoMatchingEndpoints(PartnerServerError):
    """OCPI 3003: no matching endpoints or expected endpoints missing."""


_BY_CODE: dict[int, type[PartnerError]] = {
    2001: PartnerInvalidParameters,
    2002: PartnerNotEnoughInformation,
    2003: PartnerUnknownLocation,
    3001: PartnerUnableToUseClientApi,
    3002: PartnerUnsupportedVersion,
    3003: PartnerNoMatchingEndpoints,
}


def error_for(message: str, *, url: str, status_code: int | None, http_status: int | None) -> PartnerError:
    """The most specific :class:`PartnerError` for an answer's OCPI and HTTP status."""
    cls: type[PartnerError] = PartnerError
    if status_code in _BY_CODE:
        cls = _BY_CODE[status_code]
    elif http_status == 404:
        cls = PartnerNotFound
    elif status_code is not None and 2000 <= status_code < 3000:
        cls = PartnerClientError
    elif (status_code is not None and 3000 <= status_code < 4000) or (http_status or 0) >= 500:
        cls = PartnerServerError
    elif http_status is not None and 400 <= http_status < 500:
        cls = PartnerClientError
    return cls(message, url=url, status_code=status_code, http_status=http_status)


__all__ = [
    "PartnerClientError",
    "PartnerError",
    "PartnerInvalidParameters",
    "PartnerNoMatchingEndpoints",
    "PartnerNotEnoughInformation",
    "PartnerNotFound",
    "PartnerServerError",
    "PartnerUnableToUseClientApi",
    "PartnerUnknownLocation",
    "PartnerUnreachable",
    "PartnerUnsupportedVersion",
    "RefusedUrl",
    "error_for",
]
