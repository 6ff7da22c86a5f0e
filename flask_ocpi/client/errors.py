"""Deprecated alias of :mod:`flask_ocpi.exceptions`, for the partner (client) errors, which joined the other
exceptions; kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.exceptions` instead.
"""

from flask_ocpi.exceptions import (
    PartnerClientError,
    PartnerError,
    PartnerInvalidParameters,
    PartnerNoMatchingEndpoints,
    PartnerNotEnoughInformation,
    PartnerNotFound,
    PartnerServerError,
    PartnerUnableToUseClientApi,
    PartnerUnknownLocation,
    PartnerUnreachable,
    PartnerUnsupportedVersion,
    RefusedUrl,
    error_for,
)
from flask_ocpi.util.deprecation import moved as _moved

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

_moved(__name__, "flask_ocpi.exceptions")
