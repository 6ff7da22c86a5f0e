"""Deprecated alias of :mod:`flask_ocpi.outbound.dispatch`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.outbound.dispatch` instead.
"""

from flask_ocpi.outbound import dispatch as _target
from flask_ocpi.outbound.dispatch import *  # noqa: F403
from flask_ocpi.util.deprecation import moved as _moved

__all__ = list(_target.__all__)

_moved(__name__, _target.__name__)
