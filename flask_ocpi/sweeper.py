"""Deprecated alias of :mod:`flask_ocpi.modules.commands.sweeper`, kept for one release (removed in 0.2.0).

Importing it warns (``DeprecationWarning``); import :mod:`flask_ocpi.modules.commands.sweeper` instead.
"""

from flask_ocpi.modules.commands import sweeper as _target
from flask_ocpi.modules.commands.sweeper import *  # noqa: F403
from flask_ocpi.util.deprecation import moved as _moved

__all__ = list(_target.__all__)

_moved(__name__, _target.__name__)
