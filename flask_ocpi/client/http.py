"""Deprecated alias of :mod:`flask_ocpi.transport.http`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.transport.http` instead.
"""

from flask_ocpi.transport.http import (
    MAX_RESPONSE_BYTES,
    OcpiHttp,
    OcpiResponse,
)
from flask_ocpi.util.deprecation import moved as _moved

__all__ = [
    "MAX_RESPONSE_BYTES",
    "OcpiHttp",
    "OcpiResponse",
]

_moved(__name__, "flask_ocpi.transport.http")
