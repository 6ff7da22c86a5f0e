"""Pushing our objects to a partner's receiver interface: PUT, PATCH, DELETE, POST.

Objects are sent by the party that owns them (our party on the connection; anything else
is refused before a request is made). PATCH bodies are computed from the previous and
new state (:mod:`flask_ocpi.client.diff`). Sessions and CDRs go only to the eMSP whose
token they were charged with: pushing one to another partner is refused.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from flask_ocpi.client.base import ClientBase
from flask_ocpi.client.diff import Change, location_changes, object_changes
from flask_ocpi.models import CDR, Location, ModuleID, PartyKey, Role, Session, Tariff, Token

log = logging.getLogger("flask_ocpi")


class PushMixin(ClientBase):
    """PUT/PATCH/DELETE/POST towards the partner's receiver endpoints."""

    # --- locations (CPO → eMSP) -------------------------------------------------------

    def put_location(self, location: Location) -> None:
        """PUT a whole location (with its EVSEs and connectors)."""
        self._require(Role.CPO, "put_location")
        owner = self._own(location.country_code, location.party_id, f"Location {location.id!r}")
        body = self.wire.dump_location(location)
        self._call("PUT", ModuleID.LOCATIONS, self.wire.object_path(owner, location.id), json=body)

    def put_evse(self, location: Location, evse_uid: str) -> None:
        """PUT one EVSE of ``location`` (with its connectors)."""
        self._require(Role.CPO, "put_evse")
        owner = self._own(location.country_code, location.party_id, f"Location {location.id!r}")
        evse = location.evse(evse_uid)
        if evse is None:
            raise ValueError(f"Location {location.id!r} has no EVSE {evse_uid!r}")
        path = self.wire.object_path(owner, location.id, evse_uid)
        self._call("PUT", ModuleID.LOCATIONS, path, json=self.wire.dump_evse(evse))

    def put_connector(self, location: Location, evse_uid: str, connector_id: str) -> None:
        """PUT one connector of an EVSE of ``location``."""
        self._require(Role.CPO, "put_connector")
        owner = self._own(location.country_code, location.party_id, f"Location {location.id!r}")
        evse = location.evse(evse_uid)
        connector = evse.connector(connector_id) if evse is not None else None
        if connector is None:
            raise ValueError(f"Location {location.id!r} has no EVSE {evse_uid!r} with connector {connector_id!r}")
        path = self.wire.object_path(owner, location.id, evse_uid, connector_id)
        self._call("PUT", ModuleID.LOCATIONS, path, json=self.wire.dump_connector(connector))

    def patch_location(self, previous: Location, new: Location) -> list[Change]:
        """Send what changed from ``previous`` to ``new``: PATCHes at the location, EVSE and
        connector levels (PUT where a field disappeared). Nothing is sent when nothing changed.

        :returns: the requests made, in order.
        """
        self._require(Role.CPO, "patch_location")
        owner = self._own(new.country_code, new.party_id, f"Location {new.id!r}")
        self._same(previous, new)
        changes = location_changes(self.wire.dump_location(previous), self.wire.dump_location(new))
        for change in changes:
            path = self.wire.object_path(owner, new.id, *change.ids)
            self._call(change.method, ModuleID.LOCATIONS, path, json=change.body)
        return changes

    # --- sessions (CPO → eMSP) --------------------------------------------------------

    def put_session(self, session: Session) -> None:
        """PUT a session (to the eMSP of its token only)."""
        session = self._session(session, "put_session")
        body = self.wire.dump_session(session)
        self._call("PUT", ModuleID.SESSIONS, self.wire.object_path(self.ours, session.id), json=body)

    def patch_session(self, previous: Session, new: Session) -> list[Change]:
        """PATCH what changed in a session (e.g. ``kwh``, ``status``, ``charging_periods``)."""
        new = self._session(new, "patch_session")
        previous = self._session(previous, "patch_session")
        self._same(previous, new)
        changes = object_changes(self.wire.dump_session(previous), self.wire.dump_session(new))
        return self._send_changes(ModuleID.SESSIONS, new.id, changes)

    def _session(self, session: Session, operation: str) -> Session:
        self._require(Role.CPO, operation)
        self._own(session.country_code, session.party_id, f"Session {session.id!r}")
        self._for_partner(session.cdr_token.country_code, session.cdr_token.party_id, f"Session {session.id!r}")
        return self.wire.with_location(session, self.partner)

    # --- CDRs (CPO → eMSP) ------------------------------------------------------------

    def post_cdr(self, cdr: CDR) -> str:
        """POST a new CDR (to the eMSP of its token only).

        :returns: the absolute URL of the CDR at the partner (its ``Location`` header; a
            relative one is resolved against the CDRs endpoint, and logged).
        """
        self._require(Role.CPO, "post_cdr")
        self._own(cdr.country_code, cdr.party_id, f"CDR {cdr.id!r}")
        self._for_partner(cdr.cdr_token.country_code, cdr.cdr_token.party_id, f"CDR {cdr.id!r}")
        body = self.wire.dump_cdr(self.wire.with_location(cdr, self.partner))
        answer = self._call("POST", ModuleID.CDRS, json=body)
        location = next((v for k, v in answer.headers.items() if k.lower() == "location"), None)
        base = self.url(ModuleID.CDRS)
        if not location:
            log.warning("Partner %s answered a CDR POST without a Location header", self.partner.id)
            return f"{base.rstrip('/')}/{cdr.id}"
        if not location.startswith(("https://", "http://")):
            log.warning("Partner %s answered a relative CDR Location %r; resolved", self.partner.id, location)
            location = urljoin(base, location)
        return location

    # --- tariffs (CPO → eMSP) ---------------------------------------------------------

    def put_tariff(self, tariff: Tariff) -> None:
        """PUT a tariff."""
        self._require(Role.CPO, "put_tariff")
        owner = self._own(tariff.country_code, tariff.party_id, f"Tariff {tariff.id!r}")
        body = self.wire.dump_tariff(tariff)
        self._call("PUT", ModuleID.TARIFFS, self.wire.object_path(owner, tariff.id), json=body)

    def patch_tariff(self, previous: Tariff, new: Tariff) -> list[Change]:
        """PATCH what changed in a tariff."""
        self._require(Role.CPO, "patch_tariff")
        self._own(new.country_code, new.party_id, f"Tariff {new.id!r}")
        self._same(previous, new)
        changes = object_changes(self.wire.dump_tariff(previous), self.wire.dump_tariff(new))
        return self._send_changes(ModuleID.TARIFFS, new.id, changes)

    def delete_tariff(self, tariff: Tariff | str) -> None:
        """DELETE a tariff (given as the Tariff or its id, of our party)."""
        self._require(Role.CPO, "delete_tariff")
        if isinstance(tariff, Tariff):
            self._own(tariff.country_code, tariff.party_id, f"Tariff {tariff.id!r}")
            tariff = tariff.id
        self._call("DELETE", ModuleID.TARIFFS, self.wire.object_path(self.ours, tariff))

    # --- tokens (eMSP → CPO) ----------------------------------------------------------

    def put_token(self, token: Token) -> None:
        """PUT one of our tokens to a CPO."""
        self._require(Role.EMSP, "put_token")
        owner = self._own(token.country_code, token.party_id, f"Token {token.uid!r}")
        body = self.wire.dump_token(token)
        self._call("PUT", ModuleID.TOKENS, self.wire.object_path(owner, token.uid), json=body)

    def patch_token(self, previous: Token, new: Token) -> list[Change]:
        """PATCH what changed in a token (e.g. ``valid: false`` when it is blocked)."""
        self._require(Role.EMSP, "patch_token")
        self._own(new.country_code, new.party_id, f"Token {new.uid!r}")
        self._same(previous, new)
        changes = object_changes(self.wire.dump_token(previous), self.wire.dump_token(new))
        return self._send_changes(ModuleID.TOKENS, new.uid, changes)

    # --- shared -----------------------------------------------------------------------

    def _send_changes(self, module: ModuleID, object_id: str, changes: list[Change]) -> list[Change]:
        for change in changes:
            self._call(change.method, module, self.wire.object_path(self.ours, object_id), json=change.body)
        return changes

    def _for_partner(self, country_code: str, party_id: str, what: str) -> None:
        """Refuse to send a session or CDR to any partner but the eMSP of its token (a token
        of one of our own parties is never a partner's, whatever its row claims)."""
        if PartyKey(country_code, party_id) not in self.their_parties:
            raise ValueError(f"{what} was charged with a token of {country_code}-{party_id}, not of {self.partner.id}")

    @staticmethod
    def _same(previous: Location | Session | Tariff | Token, new: Location | Session | Tariff | Token) -> None:
        """Refuse a PATCH between two different objects."""
        if owner_and_id(previous) != owner_and_id(new):
            raise ValueError(f"previous {owner_and_id(previous)} and new {owner_and_id(new)} are not the same object")


def owner_and_id(obj: Location | Session | CDR | Tariff | Token) -> tuple[PartyKey, str]:
    """The owning party and the id (a token's uid) of an object we send."""
    return PartyKey(obj.country_code, obj.party_id), obj.uid if isinstance(obj, Token) else obj.id
