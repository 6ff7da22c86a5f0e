"""Deprecated alias of :mod:`flask_ocpi.transport.auth`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.transport.auth` instead.
"""

from flask_ocpi.transport.auth import (
    Caller,
    authenticate,
    current_caller,
    encode_token,
    hash_token,
    mask_token,
    new_token,
    registration_token_allowed,
    set_caller,
    token_candidates,
)
from flask_ocpi.util.deprecation import moved as _moved

__all__ = [
    "Caller",
    "authenticate",
    "current_caller",
    "encode_token",
    "hash_token",
    "mask_token",
    "new_token",
    "registration_token_allowed",
    "set_caller",
    "token_candidates",
]

_moved(__name__, "flask_ocpi.transport.auth")
