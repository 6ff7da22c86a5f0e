"""The pattern every module backend follows.

A module backend is an ABC that declares which OCPI module and interface it
implements; each OCPI operation is one ``@abstractmethod`` with typed keyword-only
arguments, the first being ``partner`` (the authenticated caller)::

    class LocationsSenderBackend(ModuleBackend):
        module = ModuleID.LOCATIONS
        interface = InterfaceRole.SENDER

        @abstractmethod
        def list_locations(self, *, partner: Partner, page: PageRequest) -> Page[Location]: ...

A module is served, and advertised in version details, exactly when the host passes
a backend for it to :class:`flask_ocpi.OCPI`.
"""

from __future__ import annotations

from abc import ABC
from typing import ClassVar

from flask_ocpi.models import InterfaceRole, ModuleID, Role

#: The role whose platform implements the SENDER interface of each module.
SENDER_ROLE: dict[ModuleID, Role] = {
    ModuleID.LOCATIONS: Role.CPO,
    ModuleID.SESSIONS: Role.CPO,
    ModuleID.CDRS: Role.CPO,
    ModuleID.TARIFFS: Role.CPO,
    ModuleID.TOKENS: Role.EMSP,
    ModuleID.COMMANDS: Role.EMSP,
}


def serving_role(module: ModuleID, interface: InterfaceRole) -> Role:
    """The role tree (CPO or eMSP) in which an interface of a module is served."""
    sender = SENDER_ROLE[module]
    if interface is InterfaceRole.SENDER:
        return sender
    return Role.EMSP if sender is Role.CPO else Role.CPO


class ModuleBackend(ABC):
    """Base class of all module backends."""

    #: The OCPI module this backend implements.
    module: ClassVar[ModuleID]
    #: The interface of the module this backend implements.
    interface: ClassVar[InterfaceRole]

    @classmethod
    def role(cls) -> Role:
        """The role tree this backend's endpoints are served in."""
        return serving_role(cls.module, cls.interface)
