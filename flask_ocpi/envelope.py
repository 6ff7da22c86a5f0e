"""Deprecated alias of :mod:`flask_ocpi.transport.envelope`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.transport.envelope` instead.
"""

from flask_ocpi.transport.envelope import (
    envelope,
    envelope_response,
    json_text,
    ok,
    ok_json,
)
from flask_ocpi.util.deprecation import moved as _moved

__all__ = [
    "envelope",
    "envelope_response",
    "json_text",
    "ok",
    "ok_json",
]

_moved(__name__, "flask_ocpi.transport.envelope")
