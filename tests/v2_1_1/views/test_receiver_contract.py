"""The receiver contract: every receiver write of every module keeps the same rules.

One parametrized contract, run against each receiver object of OCPI 2.1.1 (a location, an
EVSE, a connector, a session, a tariff, a token; the CDR POST where a rule applies). The
rules are those of :func:`flask_ocpi.modules.receiver.receive`: the party of the URL is the
caller's (else 404 before any backend call), URL ids are bounded (2001 naming them), the
body's id equals the URL's, ``NOT_FOUND`` is a 404, the signal follows a successful write
only and carries the object read back, 201 created / 200 updated, PATCH ``last_updated``
stamped. The id limits are the 2.1.1 spec's, written here, not read from the library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from blinker import Signal
from flask import Flask

from flask_ocpi import signals
from flask_ocpi.models import Location, PartyKey, Role, TokenType
from tests.v2_1_1.views import (
    CPO,
    EMSP,
    OTHER,
    PARTNER_CPO,
    PARTNER_EMSP,
    US,
    Connection,
    assert_envelope,
    captured,
    cdr_json,
    connect,
    connector_json,
    evse_json,
    location_json,
    session_json,
    tariff_json,
    token_json,
)
from tests.v2_1_1.views.fakes import (
    FakeCdrsReceiver,
    FakeLocationsReceiver,
    FakeSessionsReceiver,
    FakeTariffsReceiver,
    FakeTokensReceiver,
)

MakeApp = Callable[..., Flask]

#: OCPI 2.1.1 maxima of URL ids: string(39) location and EVSE ids, string(36) the others.
LOCATION_ID, EVSE_UID, CONNECTOR_ID, OBJECT_ID = 39, 39, 36, 36


def _location(backend: Any) -> Location | None:
    found: Location | None = backend.stored.get(("DE", "CPO", "LOC1"))
    return found


@dataclass(frozen=True)
class Case:
    """One receiver object: where it is written, with what, and how to see it stored."""

    id: str
    tree: Role
    backend: Callable[[], Any]
    #: The URL, with ``{cc}``/``{pid}`` for the party and one ``{name}`` per URL id.
    template: str
    #: The URL ids: name -> (value, 2.1.1 maximum length).
    ids: dict[str, tuple[str, int]]
    body: Callable[[], dict[str, Any]]
    #: The body field of the object's own id, and a value differing from the URL's.
    id_field: str
    other_id: str
    #: The written object as the backend has it (``None``: not there).
    stored: Callable[[Any], Any]
    signal: Signal
    #: The signal's keyword of the object read back, and that object as the backend has it.
    signal_object: str
    read_back: Callable[[Any], Any]
    #: The ids the signal names (``None`` above the object's level).
    signal_ids: dict[str, str | None]
    #: A valid PATCH body without ``last_updated``.
    patch: dict[str, Any]
    #: The OCPI status code of a PATCH of the unknown object (HTTP 404).
    unknown_code: int = 2000
    #: Writes below a location need the location first.
    needs_location: bool = False
    party: PartyKey = field(default=PARTNER_CPO)

    def url(self, *, party: PartyKey | None = None, ids: dict[str, str] | None = None) -> str:
        """The URL of the object, for ``party`` (default: the partner's), some ids replaced."""
        party = party or self.party
        values = {name: value for name, (value, _) in self.ids.items()} | (ids or {})
        return self.template.format(cc=party.country_code, pid=party.party_id, **values)


_LOC = {"location_id": ("LOC1", LOCATION_ID)}
_NO_LEVELS: dict[str, str | None] = {"evse_uid": None, "connector_id": None}

CASES = [
    Case(
        id="location",
        tree=Role.EMSP,
        backend=FakeLocationsReceiver,
        template=EMSP + "/locations/{cc}/{pid}/{location_id}",
        ids=_LOC,
        body=location_json,
        id_field="id",
        other_id="LOC2",
        stored=_location,
        signal=signals.location_updated,
        signal_object="location",
        read_back=_location,
        signal_ids={"location_id": "LOC1", **_NO_LEVELS},
        patch={"name": "Interparking Gent Zuid"},
        unknown_code=2003,
    ),
    Case(
        id="evse",
        tree=Role.EMSP,
        backend=FakeLocationsReceiver,
        template=EMSP + "/locations/{cc}/{pid}/{location_id}/{evse_uid}",
        ids={**_LOC, "evse_uid": ("3258", EVSE_UID)},
        body=lambda: evse_json(uid="3258"),
        id_field="uid",
        other_id="3257",
        stored=lambda b: (loc := _location(b)) and loc.evse("3258"),
        signal=signals.location_updated,
        signal_object="location",
        read_back=_location,
        signal_ids={"location_id": "LOC1", "evse_uid": "3258", "connector_id": None},
        patch={"status": "CHARGING"},
        needs_location=True,
    ),
    Case(
        id="connector",
        tree=Role.EMSP,
        backend=FakeLocationsReceiver,
        template=EMSP + "/locations/{cc}/{pid}/{location_id}/{evse_uid}/{connector_id}",
        ids={**_LOC, "evse_uid": ("3256", EVSE_UID), "connector_id": ("3", CONNECTOR_ID)},
        body=lambda: connector_json(id="3"),
        id_field="id",
        other_id="2",
        stored=lambda b: (loc := _location(b)) and (evse := loc.evse("3256")) and evse.connector("3"),
        signal=signals.location_updated,
        signal_object="location",
        read_back=_location,
        signal_ids={"location_id": "LOC1", "evse_uid": "3256", "connector_id": "3"},
        patch={"tariff_id": "15"},
        needs_location=True,
    ),
    Case(
        id="session",
        tree=Role.EMSP,
        backend=FakeSessionsReceiver,
        template=EMSP + "/sessions/{cc}/{pid}/{session_id}",
        ids={"session_id": ("101", OBJECT_ID)},
        body=session_json,
        id_field="id",
        other_id="102",
        stored=lambda b: b.stored.get(("DE", "CPO", "101")),
        signal=signals.session_updated,
        signal_object="session",
        read_back=lambda b: b.stored.get(("DE", "CPO", "101")),
        signal_ids={"session_id": "101"},
        patch={"status": "ACTIVE"},
    ),
    Case(
        id="tariff",
        tree=Role.EMSP,
        backend=FakeTariffsReceiver,
        template=EMSP + "/tariffs/{cc}/{pid}/{tariff_id}",
        ids={"tariff_id": ("12", OBJECT_ID)},
        body=tariff_json,
        id_field="id",
        other_id="13",
        stored=lambda b: b.stored.get(("DE", "CPO", "12")),
        signal=signals.tariff_updated,
        signal_object="tariff",
        read_back=lambda b: b.stored.get(("DE", "CPO", "12")),
        signal_ids={"tariff_id": "12"},
        patch={"currency": "USD"},
    ),
    Case(
        id="token",
        tree=Role.CPO,
        backend=FakeTokensReceiver,
        template=CPO + "/tokens/{cc}/{pid}/{token_uid}",
        ids={"token_uid": ("012345678", OBJECT_ID)},
        body=token_json,
        id_field="uid",
        other_id="999",
        stored=lambda b: b.stored.get(("DE", "XYZ", "012345678", TokenType.RFID)),
        signal=signals.token_updated,
        signal_object="token",
        read_back=lambda b: b.stored.get(("DE", "XYZ", "012345678", TokenType.RFID)),
        signal_ids={"token_uid": "012345678"},
        patch={"valid": False},
        party=PARTNER_EMSP,
    ),
]


@dataclass
class Receiver:
    """A connection to one case's receiver interface, its backend ready for the case."""

    case: Case
    conn: Connection
    backend: Any

    def call(self, method: str, url: str | None = None, **kwargs: Any) -> Any:
        return self.conn.call(method, url or self.case.url(), **kwargs)

    def clear(self) -> None:
        self.backend.calls.clear()
        self.backend.kwargs.clear()


def _open(make_app: MakeApp, case: Case, parties: list[PartyKey] | None = None) -> Receiver:
    backend = case.backend()
    receiver = Receiver(case, connect(make_app, backend, tree=case.tree, parties=parties), backend)
    if case.needs_location:
        put = receiver.call("PUT", f"{EMSP}/locations/DE/CPO/LOC1", json=location_json())
        assert_envelope(put, http_status=201, status_code=1000)
        receiver.clear()
    return receiver


@pytest.fixture(params=CASES, ids=[c.id for c in CASES])
def receiver(request: pytest.FixtureRequest, make_app: MakeApp) -> Receiver:
    return _open(make_app, request.param)


def test_put_creates_then_updates_and_signals_the_object_read_back(receiver: Receiver) -> None:
    case = receiver.case
    with captured(case.signal, receiver.conn.app) as sent:
        assert_envelope(receiver.call("PUT", json=case.body()), http_status=201, status_code=1000)
        assert case.stored(receiver.backend) is not None
        assert len(sent) == 1
        assert sent[0][case.signal_object] is case.read_back(receiver.backend)
        assert_envelope(receiver.call("PUT", json=case.body()), http_status=200, status_code=1000)
    assert len(sent) == 2
    assert sent[1][case.signal_object] is case.read_back(receiver.backend)
    for kwargs, created in zip(sent, (True, False), strict=True):
        assert kwargs["partner"].id == receiver.conn.partner.id
        assert (kwargs["country_code"], kwargs["party_id"]) == (case.party.country_code, case.party.party_id)
        assert {k: kwargs[k] for k in case.signal_ids} == case.signal_ids
        assert (kwargs["method"], kwargs["created"]) == ("PUT", created)


def test_patch_of_an_unknown_object_is_404_without_signal(receiver: Receiver) -> None:
    case = receiver.case
    with captured(case.signal, receiver.conn.app) as sent:
        response = receiver.call("PATCH", json=case.patch)
    body = assert_envelope(response, http_status=404, status_code=case.unknown_code)
    assert "Unknown" in body["status_message"]
    assert sent == [] and case.stored(receiver.backend) is None


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_id_differing_from_the_url_is_2001_and_nothing_is_written(receiver: Receiver, method: str) -> None:
    case = receiver.case
    body = {**(case.body() if method == "PUT" else case.patch), case.id_field: case.other_id}
    with captured(case.signal, receiver.conn.app) as sent:
        answer = assert_envelope(receiver.call(method, json=body), http_status=200, status_code=2001)
    assert answer["status_message"].startswith(f"{case.id_field}:")
    assert receiver.backend.calls == [] and sent == []
    assert case.stored(receiver.backend) is None


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_url_ids_over_the_2_1_1_maximum_are_2001_naming_them(receiver: Receiver, method: str) -> None:
    case = receiver.case
    for name, (_, limit) in case.ids.items():
        body = case.body() if method == "PUT" else case.patch
        url = case.url(ids={name: "X" * (limit + 1)})
        answer = assert_envelope(receiver.call(method, url, json=body), http_status=200, status_code=2001)
        assert answer["status_message"].startswith(f"{name}:"), answer
    assert receiver.backend.calls == []
    for name, (_, limit) in case.ids.items():  # the maximum itself is allowed: the write reaches the backend
        assert_envelope(
            receiver.call("PATCH", case.url(ids={name: "X" * limit}), json={}),
            http_status=404,
            status_code=(2003 if name == "location_id" else 2000),
        )


@pytest.mark.parametrize("party", [OTHER, US], ids=["another-partners-party", "our-party"])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_url_naming_a_party_not_the_callers_is_404_before_any_backend_call(
    receiver: Receiver, method: str, party: PartyKey
) -> None:
    case = receiver.case
    body = case.body() if method == "PUT" else case.patch
    with captured(case.signal, receiver.conn.app) as sent:
        answer = assert_envelope(
            receiver.call(method, case.url(party=party), json=body), http_status=404, status_code=2000
        )
    assert str(party) in answer["status_message"]
    assert receiver.backend.calls == [] and sent == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_our_party_is_refused_even_when_the_partners_row_claims_it(make_app: MakeApp, case: Case) -> None:
    receiver = _open(make_app, case, parties=[case.party, US])
    answer = assert_envelope(
        receiver.call("PUT", case.url(party=US), json=case.body()), http_status=404, status_code=2000
    )
    assert str(US) in answer["status_message"]
    assert receiver.backend.calls == []


def test_patch_without_last_updated_is_stamped_with_the_time_of_receipt(receiver: Receiver) -> None:
    case = receiver.case
    assert_envelope(receiver.call("PUT", json=case.body()), http_status=201, status_code=1000)
    receiver.clear()
    before = datetime.now(UTC)
    assert_envelope(receiver.call("PATCH", json=case.patch), http_status=200, status_code=1000)
    changes = receiver.backend.kwargs[-1]["changes"]
    assert before <= changes["last_updated"] <= datetime.now(UTC)
    assert {k: v for k, v in changes.items() if k != "last_updated"}.keys() == {
        "tariff_ids" if k == "tariff_id" else k for k in case.patch
    }


def test_patch_keeps_a_given_last_updated(receiver: Receiver) -> None:
    case = receiver.case
    assert_envelope(receiver.call("PUT", json=case.body()), http_status=201, status_code=1000)
    receiver.clear()
    body = {**case.patch, "last_updated": "2016-02-02T10:00:00Z"}
    assert_envelope(receiver.call("PATCH", json=body), http_status=200, status_code=1000)
    assert receiver.backend.kwargs[-1]["changes"]["last_updated"] == datetime(2016, 2, 2, 10, tzinfo=UTC)


# --- the CDR POST: the rules that apply to a write without URL ids ------------------------------------


def test_cdr_post_creates_once_then_answers_200_without_a_second_signal(make_app: MakeApp) -> None:
    backend = FakeCdrsReceiver()
    conn = connect(make_app, backend, tree=Role.EMSP)
    with captured(signals.cdr_received, conn.app) as sent:
        first = conn.call("POST", f"{EMSP}/cdrs", json=cdr_json())
        assert_envelope(first, http_status=201, status_code=1000)
        stored = backend.stored[("DE", "CPO", "12345")]
        assert len(sent) == 1 and sent[0]["cdr"] is stored
        assert sent[0]["partner"].id == conn.partner.id
        again = conn.call("POST", f"{EMSP}/cdrs", json=cdr_json())
        assert_envelope(again, http_status=200, status_code=1000)
    assert len(sent) == 1
    assert (
        first.headers["Location"] == again.headers["Location"] == "http://localhost/ocpi/emsp/2.1.1/cdrs/DE/CPO/12345"
    )
