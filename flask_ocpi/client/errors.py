"""What can go wrong when calling a partner, as exceptions carrying the OCPI status.

Every error a partner answers becomes a :class:`PartnerError` subclass chosen by its OCPI
status code (``2001`` → :class:`PartnerInvalidParameters`, ...), falling back on the
status class (``2xxx`` → :class:`PartnerClientError`, ``3xxx`` →
:class:`PartnerServerError`) and, for answers without a usable code, on the HTTP status
(404 → :class:`PartnerNotFound`). Catch :class:`PartnerError` for all of them.
"""

from __future__ import annotations


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
    """The outbound URL policy refuses to call this URL (see :mod:`flask_ocpi.urlpolicy`)."""


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
