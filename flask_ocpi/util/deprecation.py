"""Deprecated import paths: the one warning every alias module emits when it is imported.

The restructure of 0.1.0 moved modules into layer packages; the old paths stay importable
for one release as alias modules (``flask_ocpi.push`` for :mod:`flask_ocpi.outbound.push`,
...). Nothing inside Flask-OCPI imports an alias (``tests/test_deprecated_imports.py``).
"""

from __future__ import annotations

import warnings

#: The release that removes the alias modules.
REMOVED_IN = "0.2.0"


def moved(old: str, new: str) -> None:
    """Warn that the module ``old`` being imported now lives at ``new``.

    Called at the top level of the alias module, so the warning points at the line that
    imported the alias (the warnings machinery skips importlib's own frames).
    """
    warnings.warn(
        f"{old} is deprecated and will be removed in Flask-OCPI {REMOVED_IN}: import {new} instead.",
        DeprecationWarning,
        stacklevel=3,
    )
