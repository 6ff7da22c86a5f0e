"""Backends: the host's storage and business logic behind each OCPI module.

One abstract base class per (OCPI module, interface), one abstract method per OCPI
operation, the calling partner passed explicitly. :class:`PartnerStore` keeps the
connections themselves. In-memory and SQLAlchemy implementations ship in
:mod:`flask_ocpi.stores.memory` and :mod:`flask_ocpi.stores.sqlalchemy`.
"""

from flask_ocpi.backends.base import ModuleBackend, serving_role
from flask_ocpi.backends.deliveries import DeliveryStore, SyncStore
from flask_ocpi.backends.partners import PartnerExists, PartnerStore, PartyTaken, StatusChanged

__all__ = [
    "DeliveryStore",
    "ModuleBackend",
    "PartnerExists",
    "PartnerStore",
    "PartyTaken",
    "StatusChanged",
    "SyncStore",
    "serving_role",
]
