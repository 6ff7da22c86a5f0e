"""The protocol rules of OCPI 2.1.1 that the version-independent core applies."""

from __future__ import annotations

from flask_ocpi.versions.rules import IdLimits, VersionRules

#: OCPI 2.1.1: URL id maxima (``string(39)`` location and EVSE ids, ``string(36)`` the
#: others) and PATCH bodies without ``last_updated`` stamped with the time of receipt.
RULES = VersionRules(
    ids=IdLimits(location_id=39, evse_uid=39, connector_id=36, object_id=36),
    stamp_patch_last_updated=True,
)
