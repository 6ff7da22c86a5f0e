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
from typing import TYPE_CHECKING, ClassVar

from flask_ocpi.models import InterfaceRole, ModuleID, Partner, Role

if TYPE_CHECKING:
    from flask_ocpi.pagination import PageRequest

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


class CacheableList:
    """Optional capability of sender backends: let Flask-OCPI cache list answers.

    Pagination makes partners re-read the same pages; a backend that can tell cheaply
    whether a list changed lets Flask-OCPI answer repeats from an in-process cache
    (``OCPI_LIST_CACHE_SIZE``) without loading or serialising the objects again.
    """

    def list_etag(self, *, partner: Partner, page: PageRequest) -> str | None:
        """A value that changes whenever the answer to this list request for ``partner``
        could change; ``None`` (the default) disables caching for the request."""
        return None


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
