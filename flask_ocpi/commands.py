"""Deprecated alias of :mod:`flask_ocpi.modules.commands`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.modules.commands` instead.
"""

from flask_ocpi.modules import commands as _target
from flask_ocpi.modules.commands import *  # noqa: F403
from flask_ocpi.util.deprecation import moved as _moved

__all__ = list(_target.__all__)

_moved(__name__, _target.__name__)
