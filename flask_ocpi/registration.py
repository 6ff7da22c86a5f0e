"""Deprecated alias of :mod:`flask_ocpi.modules.credentials`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.modules.credentials` instead.
"""

from flask_ocpi.modules.credentials import (
    Invitation,
    RegistrationError,
    accept_registration,
    accept_unregistration,
    accept_update,
    find_partner,
    invite,
    other_role,
    our_credentials,
    register,
    unregister,
    update,
)
from flask_ocpi.util.deprecation import moved as _moved

__all__ = [
    "Invitation",
    "RegistrationError",
    "accept_registration",
    "accept_unregistration",
    "accept_update",
    "find_partner",
    "invite",
    "other_role",
    "our_credentials",
    "register",
    "unregister",
    "update",
]

_moved(__name__, "flask_ocpi.modules.credentials")
