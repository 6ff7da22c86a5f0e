"""Protocol rules that differ between OCPI versions, as plain values.

A version package gives one :class:`VersionRules`; the version-independent procedures
(:mod:`flask_ocpi.modules.receiver`) apply them, so no such rule is written in the core.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class IdLimits:
    """Maximum lengths of the ids a version puts in URLs (``string(n)`` / ``CiString(n)``)."""

    location_id: int
    evse_uid: int
    connector_id: int
    #: session_id, cdr id, tariff_id, token uid.
    object_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRules:
    """What a version decides that the core applies."""

    ids: IdLimits
    #: PATCH bodies without ``last_updated`` get the time of receipt (2.1.1 does not require
    #: the field in a PATCH; 2.2.1 does).
    stamp_patch_last_updated: bool
