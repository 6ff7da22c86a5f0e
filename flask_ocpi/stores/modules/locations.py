"""The locations store and its sender (CPO) and receiver (eMSP) backends."""

from __future__ import annotations

from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.models import EVSE, Connector, Location, Partner, PartyKey
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores import merge
from flask_ocpi.stores.documents import LOCATION, DocumentRepository
from flask_ocpi.stores.modules.base import DocumentStore


class LocationsStore(DocumentStore[Location]):
    """Locations, whole (EVSEs and connectors inside), keyed by owner and id.

    As a CPO, save your own locations and serve them with :meth:`sender`; as an eMSP,
    serve :meth:`receiver` to store the locations CPOs push. The EVSE and connector
    operations follow :mod:`flask_ocpi.stores.merge`: a change to an EVSE or connector moves
    ``last_updated`` of its parents when it is later.
    """

    def __init__(self, documents: DocumentRepository) -> None:
        super().__init__(documents, LOCATION)

    def put_evse(self, country_code: str, party_id: str, location_id: str, evse: EVSE) -> WriteResult:
        """Add or replace an EVSE: ``CREATED`` (new uid), ``UPDATED``, or ``NOT_FOUND``
        when the location is unknown."""
        added: list[bool] = []

        def change(location: Location) -> Location:
            changed, new = merge.put_evse(location, evse)
            added.append(new)
            return changed

        result = self._update(country_code, party_id, location_id, change)
        return WriteResult.CREATED if result is WriteResult.UPDATED and added[-1] else result

    def put_connector(
        self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector: Connector
    ) -> WriteResult:
        """Add or replace a connector: ``CREATED``, ``UPDATED``, or ``NOT_FOUND`` when the
        location or the EVSE is unknown."""
        added: list[bool] = []

        def change(location: Location) -> Location | None:
            result = merge.put_connector(location, evse_uid, connector)
            if result is None:
                return None
            added.append(result[1])
            return result[0]

        result = self._update(country_code, party_id, location_id, change)
        return WriteResult.CREATED if result is WriteResult.UPDATED and added[-1] else result

    def patch(self, country_code: str, party_id: str, location_id: str, changes: Changes) -> WriteResult:
        """Apply top-level ``changes`` (lists replace): ``UPDATED`` or ``NOT_FOUND``.

        :raises KeyError: when a change names a field a location does not have.
        :raises ValueError: when a change alters the location's owner or id.
        """
        return self._update(country_code, party_id, location_id, lambda loc: merge.apply_changes(loc, changes))

    def patch_evse(
        self, country_code: str, party_id: str, location_id: str, evse_uid: str, changes: Changes
    ) -> WriteResult:
        """Apply ``changes`` to one EVSE: ``UPDATED``, or ``NOT_FOUND`` (location or EVSE)."""
        return self._update(country_code, party_id, location_id, lambda loc: merge.patch_evse(loc, evse_uid, changes))

    def patch_connector(
        self, country_code: str, party_id: str, location_id: str, evse_uid: str, connector_id: str, changes: Changes
    ) -> WriteResult:
        """Apply ``changes`` to one connector: ``UPDATED``, or ``NOT_FOUND`` (any level)."""
        return self._update(
            country_code,
            party_id,
            location_id,
            lambda loc: merge.patch_connector(loc, evse_uid, connector_id, changes),
        )

    def sender(self) -> LocationsStoreSender:
        """The CPO's sender backend: a partner sees the locations of its ``local_party``."""
        return LocationsStoreSender(self)

    def receiver(self) -> LocationsStoreReceiver:
        """The eMSP's receiver backend: stores what CPOs push, under their party."""
        return LocationsStoreReceiver(self)


class LocationsStoreSender(LocationsSenderBackend):
    """:class:`~flask_ocpi.backends.locations.LocationsSenderBackend` on a :class:`LocationsStore`.

    A partner connected to our party ``partner.local_party`` sees exactly that party's
    locations.
    """

    def __init__(self, store: LocationsStore) -> None:
        self.store = store

    def list_etag(self, *, partner: Partner, page: PageRequest) -> str | None:
        """Changes with every write to the objects this list shows (``CacheableList``)."""
        return self.store.etag(partner.local_party)

    def list_locations(self, *, partner: Partner, page: PageRequest) -> Page[Location]:
        """Our party's locations, oldest first."""
        return self.store.page(owners=[partner.local_party], page=page)

    def get_location(self, *, partner: Partner, location_id: str) -> Location | None:
        """One of our party's locations, or ``None``."""
        owner: PartyKey = partner.local_party
        return self.store.get(owner.country_code, owner.party_id, location_id)


class LocationsStoreReceiver(LocationsReceiverBackend):
    """:class:`~flask_ocpi.backends.locations.LocationsReceiverBackend` on a :class:`LocationsStore`.

    Objects are stored under the ``country_code``/``party_id`` given (Flask-OCPI has
    checked them against the partner).
    """

    def __init__(self, store: LocationsStore) -> None:
        self.store = store

    def get_location(self, *, partner: Partner, country_code: str, party_id: str, location_id: str) -> Location | None:
        """A stored location, or ``None``."""
        return self.store.get(country_code, party_id, location_id)

    def put_location(self, *, partner: Partner, location: Location) -> WriteResult:
        """Create or replace a whole location."""
        return self.store.save(location)

    def put_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse: EVSE
    ) -> WriteResult:
        """Create or replace an EVSE; ``NOT_FOUND`` without its location."""
        return self.store.put_evse(country_code, party_id, location_id, evse)

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
        """Create or replace a connector; ``NOT_FOUND`` without its location or EVSE."""
        return self.store.put_connector(country_code, party_id, location_id, evse_uid, connector)

    def patch_location(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, changes: Changes
    ) -> WriteResult:
        """Patch a location; ``NOT_FOUND`` when unknown."""
        return self.store.patch(country_code, party_id, location_id, changes)

    def patch_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse_uid: str, changes: Changes
    ) -> WriteResult:
        """Patch an EVSE; ``NOT_FOUND`` when it or its location is unknown."""
        return self.store.patch_evse(country_code, party_id, location_id, evse_uid, changes)

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
        """Patch a connector; ``NOT_FOUND`` when it or a parent is unknown."""
        return self.store.patch_connector(country_code, party_id, location_id, evse_uid, connector_id, changes)


__all__ = ["LocationsStore", "LocationsStoreReceiver", "LocationsStoreSender"]
