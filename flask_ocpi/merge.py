"""Deprecated alias of :mod:`flask_ocpi.stores.merge`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.stores.merge` instead.
"""

from flask_ocpi.stores.merge import (
    append_items,
    apply_changes,
    list_cap,
    patch_connector,
    patch_evse,
    put_connector,
    put_evse,
)
from flask_ocpi.util.deprecation import moved as _moved

__all__ = [
    "append_items",
    "apply_changes",
    "list_cap",
    "patch_connector",
    "patch_evse",
    "put_connector",
    "put_evse",
]

_moved(__name__, "flask_ocpi.stores.merge")
