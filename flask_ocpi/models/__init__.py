"""Version-independent OCPI objects exchanged between Flask-OCPI and host backends.

Every OCPI version's wire schemas load into and dump from these objects, so a host
implements each backend operation once, whatever version a partner speaks. The
rules for this shape are written down in ``docs/design.md``.
"""

from flask_ocpi.models.common import (
    BusinessDetails,
    Image,
    ImageCategory,
    InterfaceRole,
    ModuleID,
    PartyKey,
    Role,
)
from flask_ocpi.models.credentials import Credentials, CredentialsRole, Endpoint, Version, VersionDetails
from flask_ocpi.models.partners import Partner, PartnerStatus, TokenGrant, TokenScope

__all__ = [
    "BusinessDetails",
    "Credentials",
    "CredentialsRole",
    "Endpoint",
    "Image",
    "ImageCategory",
    "InterfaceRole",
    "ModuleID",
    "Partner",
    "PartnerStatus",
    "PartyKey",
    "Role",
    "TokenGrant",
    "TokenScope",
    "Version",
    "VersionDetails",
]
