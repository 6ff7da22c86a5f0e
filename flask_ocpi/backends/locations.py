"""Locations module backends: the CPO's sender interface and the eMSP's receiver interface."""

from __future__ import annotations

from abc import abstractmethod

from flask_ocpi.backends.base import CacheableList, ModuleBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.models import EVSE, Connector, InterfaceRole, Location, ModuleID, Partner
from flask_ocpi.pagination import Page, PageRequest


class LocationsSenderBackend(CacheableList, ModuleBackend):
    """CPO: the locations partners pull (``GET`` list, location, EVSE, connector)."""

    module = ModuleID.LOCATIONS
    interface = InterfaceRole.SENDER

    @abstractmethod
    def list_locations(self, *, partner: Partner, page: PageRequest) -> Page[Location]:
        """The page of locations ``partner`` may see, oldest first, filtered on ``last_updated``."""

    @abstractmethod
    def get_location(self, *, partner: Partner, location_id: str) -> Location | None:
        """One location, or ``None`` when unknown (or not visible to ``partner``)."""

    def get_evse(self, *, partner: Partner, location_id: str, evse_uid: str) -> EVSE | None:
        """One EVSE; by default looked up through :meth:`get_location`."""
        location = self.get_location(partner=partner, location_id=location_id)
        return location.evse(evse_uid) if location else None

    def get_connector(
        self, *, partner: Partner, location_id: str, evse_uid: str, connector_id: str
    ) -> Connector | None:
        """One connector; by default looked up through :meth:`get_evse`."""
        evse = self.get_evse(partner=partner, location_id=location_id, evse_uid=evse_uid)
        return evse.connector(connector_id) if evse else None


class LocationsReceiverBackend(ModuleBackend):
    """eMSP: locations a CPO pushes. ``country_code``/``party_id`` are the CPO's, already
    checked against ``partner`` by Flask-OCPI.

    A change to an EVSE or connector must also move ``last_updated`` of its parents;
    :mod:`flask_ocpi.stores.merge` implements these rules for the shipped backends.
    """

    module = ModuleID.LOCATIONS
    interface = InterfaceRole.RECEIVER

    @abstractmethod
    def get_location(self, *, partner: Partner, country_code: str, party_id: str, location_id: str) -> Location | None:
        """A stored location, or ``None``."""

    @abstractmethod
    def put_location(self, *, partner: Partner, location: Location) -> WriteResult:
        """Create or replace a whole location (its EVSEs and connectors included)."""

    @abstractmethod
    def put_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse: EVSE
    ) -> WriteResult:
        """Create or replace one EVSE; ``NOT_FOUND`` when the location is unknown."""

    @abstractmethod
    def put_connector(
        self,
        *,
        partner: Partner,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        connector: Connector,
    ) -> WriteResult:
        """Create or replace one connector; ``NOT_FOUND`` when the location or EVSE is unknown."""

    @abstractmethod
    def patch_location(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, changes: Changes
    ) -> WriteResult:
        """Apply top-level ``changes`` to a location; ``NOT_FOUND`` when unknown."""

    @abstractmethod
    def patch_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse_uid: str, changes: Changes
    ) -> WriteResult:
        """Apply ``changes`` to an EVSE; ``NOT_FOUND`` when it or its location is unknown."""

    @abstractmethod
    def patch_connector(
        self,
        *,
        partner: Partner,
        country_code: str,
        party_id: str,
        location_id: str,
        evse_uid: str,
        connector_id: str,
        changes: Changes,
    ) -> WriteResult:
        """Apply ``changes`` to a connector; ``NOT_FOUND`` when it or a parent is unknown."""
