"""The contract of the token stores (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from flask_ocpi.backends.results import WriteResult
from flask_ocpi.backends.tokens import TokensReceiverBackend, TokensSenderBackend
from flask_ocpi.models import (
    AllowedType,
    AuthorizationInfo,
    DisplayText,
    LocationReferences,
    PartyKey,
    ProfileType,
    Token,
    TokenType,
    WhitelistType,
)
from flask_ocpi.pagination import PageRequest
from flask_ocpi.stores.memory import MemoryTokens
from flask_ocpi.stores.modules import TokensStore
from flask_ocpi.stores.sqlalchemy import SQLAlchemyTokens

from .conftest import ObjectBackend
from .objects import CPO, EMSP, EMSP2, T0, full_token, partner


@pytest.fixture
def store(object_backend: ObjectBackend) -> TokensStore:
    built: TokensStore = object_backend.build(MemoryTokens, SQLAlchemyTokens)
    return built


@pytest.fixture
def sender(store: TokensStore) -> TokensSenderBackend:
    return store.sender()


@pytest.fixture
def receiver(store: TokensStore) -> TokensReceiverBackend:
    return store.receiver()


#: A CPO partner connected to our eMSP party (EMSP): it pulls and authorizes its tokens.
CPO_PARTNER = partner(EMSP, CPO)
#: An eMSP partner pushing its tokens into our CPO side.
PUSHER = partner(CPO, EMSP)
KEY: dict[str, Any] = {"partner": PUSHER, "country_code": "DE", "party_id": "MSP", "token_uid": "TOK1"}
WHERE = LocationReferences(location_id="LOC1", evse_uids=["E1", "E2"], connector_ids=["1"])


def uids(items: object) -> list[tuple[str, TokenType]]:
    return [(item.uid, item.type) for item in items]  # type: ignore[attr-defined]


def test_round_trip_of_a_fully_populated_token(receiver: TokensReceiverBackend) -> None:
    assert receiver.put_token(partner=PUSHER, token=full_token()) is WriteResult.CREATED

    got = receiver.get_token(**KEY, token_type=TokenType.RFID)

    assert got == full_token()
    assert got is not None
    assert got.type is TokenType.RFID and got.whitelist is WhitelistType.ALLOWED_OFFLINE
    assert got.default_profile_type is ProfileType.GREEN
    assert receiver.get_token(**KEY, token_type=None) == full_token()


def test_tokens_are_keyed_by_uid_and_type(receiver: TokensReceiverBackend, store: TokensStore) -> None:
    app = full_token(token_type=TokenType.APP_USER)
    rfid = full_token(valid=False)
    assert receiver.put_token(partner=PUSHER, token=app) is WriteResult.CREATED
    assert receiver.put_token(partner=PUSHER, token=rfid) is WriteResult.CREATED
    assert receiver.put_token(partner=PUSHER, token=full_token()) is WriteResult.UPDATED

    assert receiver.get_token(**KEY, token_type=TokenType.APP_USER) == app
    assert receiver.get_token(**KEY, token_type=TokenType.RFID) == full_token()
    assert receiver.get_token(**KEY, token_type=TokenType.OTHER) is None
    assert uids(store.page().items) == [("TOK1", TokenType.APP_USER), ("TOK1", TokenType.RFID)]


def test_without_a_type_rfid_is_preferred_then_the_first_stored(receiver: TokensReceiverBackend) -> None:
    receiver.put_token(partner=PUSHER, token=full_token("A", token_type=TokenType.OTHER))
    receiver.put_token(partner=PUSHER, token=full_token("A", token_type=TokenType.APP_USER))
    receiver.put_token(partner=PUSHER, token=full_token("B", token_type=TokenType.APP_USER))
    receiver.put_token(partner=PUSHER, token=full_token("B"))
    base: dict[str, Any] = {"partner": PUSHER, "country_code": "DE", "party_id": "MSP", "token_type": None}

    got_a = receiver.get_token(**base, token_uid="A")
    got_b = receiver.get_token(**base, token_uid="B")

    assert got_a is not None and got_a.type is TokenType.OTHER
    assert got_b is not None and got_b.type is TokenType.RFID
    assert receiver.get_token(**base, token_uid="C") is None


def test_patch_without_type_patches_the_preferred_token(receiver: TokensReceiverBackend) -> None:
    receiver.put_token(partner=PUSHER, token=full_token(token_type=TokenType.APP_USER))
    receiver.put_token(partner=PUSHER, token=full_token())
    later = T0 + timedelta(hours=1)

    result = receiver.patch_token(**KEY, token_type=None, changes={"valid": False, "last_updated": later})

    assert result is WriteResult.UPDATED
    assert receiver.get_token(**KEY, token_type=TokenType.RFID) == dataclasses.replace(
        full_token(), valid=False, last_updated=later
    )
    assert receiver.get_token(**KEY, token_type=TokenType.APP_USER) == full_token(token_type=TokenType.APP_USER)


def test_patch_with_a_type_and_not_found_paths(receiver: TokensReceiverBackend) -> None:
    receiver.put_token(partner=PUSHER, token=full_token(token_type=TokenType.APP_USER))
    changes = {"whitelist": WhitelistType.NEVER, "group_id": None}

    assert receiver.patch_token(**KEY, token_type=TokenType.APP_USER, changes=changes) is WriteResult.UPDATED
    assert receiver.patch_token(**KEY, token_type=TokenType.RFID, changes=changes) is WriteResult.NOT_FOUND
    assert receiver.patch_token(**{**KEY, "token_uid": "X"}, token_type=None, changes=changes) is WriteResult.NOT_FOUND
    assert receiver.patch_token(**{**KEY, "party_id": "EMP"}, token_type=None, changes=changes) is (
        WriteResult.NOT_FOUND
    )

    got = receiver.get_token(**KEY, token_type=None)
    assert got == dataclasses.replace(
        full_token(token_type=TokenType.APP_USER), whitelist=WhitelistType.NEVER, group_id=None
    )


def test_receivers_keep_each_partys_tokens_apart(receiver: TokensReceiverBackend) -> None:
    receiver.put_token(partner=PUSHER, token=full_token())
    receiver.put_token(partner=PUSHER, token=full_token(owner=EMSP2, valid=False))
    assert receiver.get_token(**KEY, token_type=None) == full_token()
    other = receiver.get_token(**{**KEY, "country_code": "be", "party_id": "emp"}, token_type=TokenType.RFID)
    assert other == full_token(owner=EMSP2, valid=False)


def test_sender_lists_the_tokens_of_the_local_party(store: TokensStore, sender: TokensSenderBackend) -> None:
    for number in range(5):
        store.save(full_token(f"U{number}", last_updated=T0 + timedelta(minutes=number)))
    store.save(full_token("FOREIGN", owner=EMSP2))

    first = sender.list_tokens(partner=CPO_PARTNER, page=PageRequest(limit=2))
    window = sender.list_tokens(
        partner=CPO_PARTNER,
        page=PageRequest(offset=1, date_from=T0 + timedelta(minutes=1), date_to=T0 + timedelta(minutes=4)),
    )
    foreign = sender.list_tokens(partner=partner(EMSP2, CPO), page=PageRequest())

    assert [t.uid for t in first.items] == ["U0", "U1"] and first.total == 5
    assert [t.uid for t in window.items] == ["U2", "U3"] and window.total == 3
    assert [t.uid for t in foreign.items] == ["FOREIGN"] and foreign.total == 1


def test_authorize_a_known_valid_token(store: TokensStore, sender: TokensSenderBackend) -> None:
    store.save(full_token())

    info = sender.authorize(partner=CPO_PARTNER, token_uid="TOK1", token_type=TokenType.RFID, location=WHERE)

    assert info == AuthorizationInfo(allowed=AllowedType.ALLOWED, location=WHERE, token=full_token())
    without_location = sender.authorize(partner=CPO_PARTNER, token_uid="TOK1", token_type=TokenType.RFID, location=None)
    assert without_location is not None and without_location.allowed is AllowedType.ALLOWED
    assert without_location.location is None


def test_authorize_an_invalid_token_is_blocked(store: TokensStore, sender: TokensSenderBackend) -> None:
    store.save(full_token(valid=False))
    info = sender.authorize(partner=CPO_PARTNER, token_uid="TOK1", token_type=TokenType.RFID, location=WHERE)
    assert info == AuthorizationInfo(allowed=AllowedType.BLOCKED, location=WHERE, token=full_token(valid=False))


def test_authorize_unknown_tokens_returns_none(store: TokensStore, sender: TokensSenderBackend) -> None:
    store.save(full_token())
    store.save(full_token("THEIRS", owner=EMSP2))
    for uid, token_type in (("NOPE", TokenType.RFID), ("TOK1", TokenType.APP_USER), ("THEIRS", TokenType.RFID)):
        assert sender.authorize(partner=CPO_PARTNER, token_uid=uid, token_type=token_type, location=WHERE) is None


def test_hosts_override_the_decision(object_backend: ObjectBackend) -> None:
    def decide(self: TokensStore, token: Token, location: LocationReferences | None) -> AuthorizationInfo:
        if location is None or location.location_id != "LOC1":
            return AuthorizationInfo(allowed=AllowedType.NOT_ALLOWED, info=DisplayText(language="en", text="not here"))
        evses = [uid for uid in location.evse_uids if uid != "E2"]
        return AuthorizationInfo(allowed=AllowedType.ALLOWED, location=dataclasses.replace(location, evse_uids=evses))

    strict_memory = type("StrictMemoryTokens", (MemoryTokens,), {"decide": decide})
    strict_sql = type("StrictSQLAlchemyTokens", (SQLAlchemyTokens,), {"decide": decide})
    store: TokensStore = object_backend.build(strict_memory, strict_sql)
    store.save(full_token())
    sender = store.sender()

    here = sender.authorize(partner=CPO_PARTNER, token_uid="TOK1", token_type=TokenType.RFID, location=WHERE)
    elsewhere = sender.authorize(
        partner=CPO_PARTNER, token_uid="TOK1", token_type=TokenType.RFID, location=LocationReferences(location_id="L9")
    )

    assert here is not None and here.location == dataclasses.replace(WHERE, evse_uids=["E1"])
    assert elsewhere is not None and elsewhere.allowed is AllowedType.NOT_ALLOWED
    assert sender.authorize(partner=CPO_PARTNER, token_uid="NOPE", token_type=TokenType.RFID, location=WHERE) is None


def test_host_delete_with_and_without_type(store: TokensStore) -> None:
    store.save(full_token(token_type=TokenType.APP_USER))
    store.save(full_token())
    assert store.delete("DE", "MSP", "TOK1") is True  # the RFID one
    assert store.get("DE", "MSP", "TOK1", TokenType.RFID) is None
    assert store.delete("DE", "MSP", "TOK1", TokenType.RFID) is False
    remaining = store.get("DE", "MSP", "TOK1")
    assert remaining == full_token(token_type=TokenType.APP_USER)
    assert store.delete("DE", "MSP", "TOK1", TokenType.APP_USER) is True
    assert store.get("DE", "MSP", "TOK1") is None and store.count(owners=[PartyKey("de", "msp")]) == 0


def test_patch_may_not_change_the_type(store: TokensStore) -> None:
    store.save(full_token())
    with pytest.raises(ValueError):
        store.patch("DE", "MSP", "TOK1", {"type": TokenType.OTHER})
    assert store.get("DE", "MSP", "TOK1", TokenType.RFID) == full_token()
    assert store.get("DE", "MSP", "TOK1", TokenType.OTHER) is None
    assert CPO != EMSP  # the parties used above really differ
