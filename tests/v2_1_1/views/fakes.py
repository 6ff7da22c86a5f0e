"""In-memory fake backends for the 2.1.1 view tests, recording every call they get.

They implement the backend ABCs as plainly as possible (dicts and lists) so that the view
tests do not depend on the shipped memory/SQLAlchemy backends. ``calls`` lists the method
names called, in order: tests use it to prove a view refused a request before any backend
call. Model factories build valid objects with overridable fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from flask_ocpi.backends.cdrs import CdrsReceiverBackend, CdrsSenderBackend
from flask_ocpi.backends.locations import LocationsReceiverBackend, LocationsSenderBackend
from flask_ocpi.backends.results import Changes, WriteResult
from flask_ocpi.backends.sessions import SessionsReceiverBackend, SessionsSenderBackend
from flask_ocpi.backends.tariffs import TariffsReceiverBackend, TariffsSenderBackend
from flask_ocpi.backends.tokens import TokensReceiverBackend, TokensSenderBackend
from flask_ocpi.models import (
    CDR,
    EVSE,
    AllowedType,
    AuthMethod,
    AuthorizationInfo,
    CdrToken,
    Connector,
    ConnectorFormat,
    ConnectorType,
    GeoLocation,
    Location,
    LocationReferences,
    LocationType,
    Partner,
    PartyKey,
    PowerType,
    Price,
    PriceComponent,
    Session,
    SessionStatus,
    Status,
    Tariff,
    TariffDimensionType,
    TariffElement,
    Token,
    TokenType,
    WhitelistType,
)
from flask_ocpi.pagination import Page, PageRequest
from flask_ocpi.stores import merge

T = TypeVar("T")

WHEN = datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)

# --- model factories ----------------------------------------------------------------------------


def make_connector(id: str = "1", **changes: Any) -> Connector:
    connector = Connector(
        id=id,
        standard=ConnectorType.IEC_62196_T2,
        format=ConnectorFormat.SOCKET,
        power_type=PowerType.AC_3_PHASE,
        max_voltage=220,
        max_amperage=16,
        tariff_ids=["11"],
        last_updated=WHEN,
    )
    return dataclasses.replace(connector, **changes)


def make_evse(uid: str = "3256", **changes: Any) -> EVSE:
    evse = EVSE(
        uid=uid,
        evse_id=f"BE-BEC-E04150{uid}",
        status=Status.AVAILABLE,
        connectors=[make_connector("1"), make_connector("2")],
        last_updated=WHEN,
    )
    return dataclasses.replace(evse, **changes)


def make_location(id: str = "LOC1", *, country_code: str = "DE", party_id: str = "CPO", **changes: Any) -> Location:
    location = Location(
        country_code=country_code,
        party_id=party_id,
        id=id,
        type=LocationType.ON_STREET,
        name="Gent Zuid",
        address="F.Rooseveltlaan 3A",
        city="Gent",
        postal_code="9000",
        country="BEL",
        coordinates=GeoLocation(latitude="51.047599", longitude="3.729944"),
        evses=[make_evse("3256"), make_evse("3257")],
        last_updated=WHEN,
    )
    return dataclasses.replace(location, **changes)


def make_cdr_token(country_code: str = "DE", party_id: str = "XYZ", contract_id: str = "DE8ACC12E46L89") -> CdrToken:
    return CdrToken(country_code=country_code, party_id=party_id, contract_id=contract_id)


def make_session(id: str = "101", *, country_code: str = "NL", party_id: str = "ABC", **changes: Any) -> Session:
    session = Session(
        country_code=country_code,
        party_id=party_id,
        id=id,
        start_date_time=WHEN,
        kwh=Decimal("0.00"),
        cdr_token=make_cdr_token(),
        auth_method=AuthMethod.WHITELIST,
        location_id="LOC1",
        evse_uid="3256",
        connector_id="1",
        currency="EUR",
        status=SessionStatus.PENDING,
        last_updated=WHEN,
    )
    return dataclasses.replace(session, **changes)


def make_tariff(id: str = "12", *, country_code: str = "DE", party_id: str = "CPO", **changes: Any) -> Tariff:
    tariff = Tariff(
        country_code=country_code,
        party_id=party_id,
        id=id,
        currency="EUR",
        elements=[
            TariffElement(
                price_components=[PriceComponent(type=TariffDimensionType.TIME, price=Decimal("2.00"), step_size=300)]
            )
        ],
        last_updated=WHEN,
    )
    return dataclasses.replace(tariff, **changes)


def make_cdr(id: str = "12345", *, country_code: str = "NL", party_id: str = "ABC", **changes: Any) -> CDR:
    cdr = CDR(
        country_code=country_code,
        party_id=party_id,
        id=id,
        start_date_time=WHEN,
        end_date_time=WHEN.replace(hour=22),
        cdr_token=make_cdr_token(),
        auth_method=AuthMethod.WHITELIST,
        currency="EUR",
        total_cost=Price(excl_vat=Decimal("4.00")),
        total_energy=Decimal("15.342"),
        total_time=Decimal("1.973"),
        location=make_location(country_code=country_code, party_id=party_id),
        tariffs=[make_tariff(country_code=country_code, party_id=party_id)],
        last_updated=WHEN,
    )
    return dataclasses.replace(cdr, **changes)


def make_token(uid: str = "012345678", *, country_code: str = "DE", party_id: str = "XYZ", **changes: Any) -> Token:
    token = Token(
        country_code=country_code,
        party_id=party_id,
        uid=uid,
        type=TokenType.RFID,
        contract_id="DE8ACC12E46L89",
        visual_number="DF000-2001-8999",
        issuer="TheNewMotion",
        valid=True,
        whitelist=WhitelistType.ALWAYS,
        last_updated=WHEN,
    )
    return dataclasses.replace(token, **changes)


# --- fakes ----------------------------------------------------------------------------------------


class Recorder:
    """Records the names and keyword arguments of the backend calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.kwargs: list[dict[str, Any]] = []

    def record(self, name: str, **kwargs: Any) -> None:
        self.calls.append(name)
        self.kwargs.append(kwargs)


def paged(items: Sequence[T], page: PageRequest, stamp: Callable[[T], datetime]) -> Page[T]:
    """Filter on ``last_updated`` (from inclusive, to exclusive), then slice."""
    selected = [
        i
        for i in items
        if (page.date_from is None or stamp(i) >= page.date_from) and (page.date_to is None or stamp(i) < page.date_to)
    ]
    return Page(selected[page.offset : page.offset + page.limit], total=len(selected))


def _visible(partner: Partner, token: CdrToken) -> bool:
    return PartyKey(token.country_code, token.party_id) in partner.parties


class FakeLocationsSender(Recorder, LocationsSenderBackend):
    def __init__(self, locations: Sequence[Location] = ()) -> None:
        super().__init__()
        self.locations = list(locations)

    def list_locations(self, *, partner: Partner, page: PageRequest) -> Page[Location]:
        self.record("list_locations", partner=partner, page=page)
        return paged(self.locations, page, lambda loc: loc.last_updated)

    def get_location(self, *, partner: Partner, location_id: str) -> Location | None:
        self.record("get_location", partner=partner, location_id=location_id)
        return next((loc for loc in self.locations if loc.id == location_id), None)


class FakeLocationsReceiver(Recorder, LocationsReceiverBackend):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str, str], Location] = {}

    def get_location(self, *, partner: Partner, country_code: str, party_id: str, location_id: str) -> Location | None:
        self.record("get_location", country_code=country_code, party_id=party_id, location_id=location_id)
        return self.stored.get((country_code, party_id, location_id))

    def put_location(self, *, partner: Partner, location: Location) -> WriteResult:
        self.record("put_location", location=location)
        key = (location.country_code, location.party_id, location.id)
        created = key not in self.stored
        self.stored[key] = location
        return WriteResult.CREATED if created else WriteResult.UPDATED

    def put_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse: EVSE
    ) -> WriteResult:
        self.record("put_evse", country_code=country_code, party_id=party_id, location_id=location_id, evse=evse)
        key = (country_code, party_id, location_id)
        if key not in self.stored:
            return WriteResult.NOT_FOUND
        self.stored[key], added = merge.put_evse(self.stored[key], evse)
        return WriteResult.CREATED if added else WriteResult.UPDATED

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
        self.record("put_connector", location_id=location_id, evse_uid=evse_uid, connector=connector)
        key = (country_code, party_id, location_id)
        result = merge.put_connector(self.stored[key], evse_uid, connector) if key in self.stored else None
        if result is None:
            return WriteResult.NOT_FOUND
        self.stored[key], added = result
        return WriteResult.CREATED if added else WriteResult.UPDATED

    def patch_location(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, changes: Changes
    ) -> WriteResult:
        self.record("patch_location", location_id=location_id, changes=dict(changes))
        key = (country_code, party_id, location_id)
        if key not in self.stored:
            return WriteResult.NOT_FOUND
        self.stored[key] = merge.apply_changes(self.stored[key], changes)
        return WriteResult.UPDATED

    def patch_evse(
        self, *, partner: Partner, country_code: str, party_id: str, location_id: str, evse_uid: str, changes: Changes
    ) -> WriteResult:
        self.record("patch_evse", location_id=location_id, evse_uid=evse_uid, changes=dict(changes))
        key = (country_code, party_id, location_id)
        patched = merge.patch_evse(self.stored[key], evse_uid, changes) if key in self.stored else None
        if patched is None:
            return WriteResult.NOT_FOUND
        self.stored[key] = patched
        return WriteResult.UPDATED

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
        self.record("patch_connector", evse_uid=evse_uid, connector_id=connector_id, changes=dict(changes))
        key = (country_code, party_id, location_id)
        patched = (
            merge.patch_connector(self.stored[key], evse_uid, connector_id, changes) if key in self.stored else None
        )
        if patched is None:
            return WriteResult.NOT_FOUND
        self.stored[key] = patched
        return WriteResult.UPDATED


class FakeSessionsSender(Recorder, SessionsSenderBackend):
    """``leak=True`` makes it return every session, whoever asks (a buggy host backend)."""

    def __init__(self, sessions: Sequence[Session] = (), *, leak: bool = False) -> None:
        super().__init__()
        self.sessions = list(sessions)
        self.leak = leak

    def list_sessions(self, *, partner: Partner, page: PageRequest) -> Page[Session]:
        self.record("list_sessions", partner=partner, page=page)
        mine = [s for s in self.sessions if self.leak or _visible(partner, s.cdr_token)]
        return paged(mine, page, lambda s: s.last_updated)


class FakeSessionsReceiver(Recorder, SessionsReceiverBackend):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str, str], Session] = {}

    def get_session(self, *, partner: Partner, country_code: str, party_id: str, session_id: str) -> Session | None:
        self.record("get_session", country_code=country_code, party_id=party_id, session_id=session_id)
        return self.stored.get((country_code, party_id, session_id))

    def put_session(self, *, partner: Partner, session: Session) -> WriteResult:
        self.record("put_session", session=session)
        key = (session.country_code, session.party_id, session.id)
        created = key not in self.stored
        self.stored[key] = session
        return WriteResult.CREATED if created else WriteResult.UPDATED

    def patch_session(
        self, *, partner: Partner, country_code: str, party_id: str, session_id: str, changes: Changes
    ) -> WriteResult:
        self.record("patch_session", session_id=session_id, changes=dict(changes))
        key = (country_code, party_id, session_id)
        if key not in self.stored:
            return WriteResult.NOT_FOUND
        self.stored[key] = merge.apply_changes(self.stored[key], changes)
        return WriteResult.UPDATED


class FakeCdrsSender(Recorder, CdrsSenderBackend):
    def __init__(self, cdrs: Sequence[CDR] = (), *, leak: bool = False) -> None:
        super().__init__()
        self.cdrs = list(cdrs)
        self.leak = leak

    def list_cdrs(self, *, partner: Partner, page: PageRequest) -> Page[CDR]:
        self.record("list_cdrs", partner=partner, page=page)
        mine = [c for c in self.cdrs if self.leak or _visible(partner, c.cdr_token)]
        return paged(mine, page, lambda c: c.last_updated)


class FakeCdrsReceiver(Recorder, CdrsReceiverBackend):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str, str], CDR] = {}

    def create_cdr(self, *, partner: Partner, cdr: CDR) -> WriteResult:
        self.record("create_cdr", cdr=cdr)
        key = (cdr.country_code, cdr.party_id, cdr.id)
        if key in self.stored:
            return WriteResult.UPDATED
        self.stored[key] = cdr
        return WriteResult.CREATED

    def get_cdr(self, *, partner: Partner, country_code: str, party_id: str, cdr_id: str) -> CDR | None:
        self.record("get_cdr", country_code=country_code, party_id=party_id, cdr_id=cdr_id)
        return self.stored.get((country_code, party_id, cdr_id))


class FakeTariffsSender(Recorder, TariffsSenderBackend):
    def __init__(self, tariffs: Sequence[Tariff] = ()) -> None:
        super().__init__()
        self.tariffs = list(tariffs)

    def list_tariffs(self, *, partner: Partner, page: PageRequest) -> Page[Tariff]:
        self.record("list_tariffs", partner=partner, page=page)
        return paged(self.tariffs, page, lambda t: t.last_updated)


class FakeTariffsReceiver(Recorder, TariffsReceiverBackend):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str, str], Tariff] = {}

    def get_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> Tariff | None:
        self.record("get_tariff", country_code=country_code, party_id=party_id, tariff_id=tariff_id)
        return self.stored.get((country_code, party_id, tariff_id))

    def put_tariff(self, *, partner: Partner, tariff: Tariff) -> WriteResult:
        self.record("put_tariff", tariff=tariff)
        key = (tariff.country_code, tariff.party_id, tariff.id)
        created = key not in self.stored
        self.stored[key] = tariff
        return WriteResult.CREATED if created else WriteResult.UPDATED

    def patch_tariff(
        self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str, changes: Changes
    ) -> WriteResult:
        self.record("patch_tariff", tariff_id=tariff_id, changes=dict(changes))
        key = (country_code, party_id, tariff_id)
        if key not in self.stored:
            return WriteResult.NOT_FOUND
        self.stored[key] = merge.apply_changes(self.stored[key], changes)
        return WriteResult.UPDATED

    def delete_tariff(self, *, partner: Partner, country_code: str, party_id: str, tariff_id: str) -> WriteResult:
        self.record("delete_tariff", country_code=country_code, party_id=party_id, tariff_id=tariff_id)
        if self.stored.pop((country_code, party_id, tariff_id), None) is None:
            return WriteResult.NOT_FOUND
        return WriteResult.UPDATED


class FakeTokensSender(Recorder, TokensSenderBackend):
    """``decide`` answers authorizations (default: ALLOWED for known tokens, ``None`` otherwise)."""

    def __init__(
        self,
        tokens: Sequence[Token] = (),
        decide: Callable[[str, TokenType, LocationReferences | None], AuthorizationInfo | None] | None = None,
    ) -> None:
        super().__init__()
        self.tokens = list(tokens)
        self.decide = decide or self._default

    def _default(
        self, uid: str, token_type: TokenType, location: LocationReferences | None
    ) -> AuthorizationInfo | None:
        known = any(t.uid == uid and t.type is token_type for t in self.tokens)
        return AuthorizationInfo(allowed=AllowedType.ALLOWED, location=location) if known else None

    def list_tokens(self, *, partner: Partner, page: PageRequest) -> Page[Token]:
        self.record("list_tokens", partner=partner, page=page)
        return paged(self.tokens, page, lambda t: t.last_updated)

    def authorize(
        self, *, partner: Partner, token_uid: str, token_type: TokenType, location: LocationReferences | None
    ) -> AuthorizationInfo | None:
        self.record("authorize", partner=partner, token_uid=token_uid, token_type=token_type, location=location)
        return self.decide(token_uid, token_type, location)


class FakeTokensReceiver(Recorder, TokensReceiverBackend):
    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str, str, TokenType], Token] = {}

    def _find(self, country_code: str, party_id: str, uid: str, token_type: TokenType | None) -> Token | None:
        return next(
            (
                t
                for (cc, pid, u, ty), t in self.stored.items()
                if (cc, pid, u) == (country_code, party_id, uid) and token_type in (None, ty)
            ),
            None,
        )

    def get_token(
        self, *, partner: Partner, country_code: str, party_id: str, token_uid: str, token_type: TokenType | None
    ) -> Token | None:
        self.record(
            "get_token", country_code=country_code, party_id=party_id, token_uid=token_uid, token_type=token_type
        )
        return self._find(country_code, party_id, token_uid, token_type)

    def put_token(self, *, partner: Partner, token: Token) -> WriteResult:
        self.record("put_token", token=token)
        key = (token.country_code, token.party_id, token.uid, token.type)
        created = key not in self.stored
        self.stored[key] = token
        return WriteResult.CREATED if created else WriteResult.UPDATED

    def patch_token(
        self,
        *,
        partner: Partner,
        country_code: str,
        party_id: str,
        token_uid: str,
        token_type: TokenType | None,
        changes: Changes,
    ) -> WriteResult:
        self.record("patch_token", token_uid=token_uid, token_type=token_type, changes=dict(changes))
        token = self._find(country_code, party_id, token_uid, token_type)
        if token is None:
            return WriteResult.NOT_FOUND
        patched = merge.apply_changes(token, changes)
        del self.stored[(token.country_code, token.party_id, token.uid, token.type)]
        self.stored[(patched.country_code, patched.party_id, patched.uid, patched.type)] = patched
        return WriteResult.UPDATED
