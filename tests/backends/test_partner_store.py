"""The contract of :class:`~flask_ocpi.backends.PartnerStore`, run against every implementation.

``store`` is parametrized over ``memory``, ``sqlite`` and (with ``OCPI_TEST_POSTGRES_URL``)
``postgresql``. The tests after the contract cover what only the SQLAlchemy store has:
its bind forms, its schema and its query count.
"""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.orm import scoped_session, sessionmaker

from flask_ocpi.backends import PartnerExists, PartnerStore, PartyTaken, StatusChanged
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    ImageCategory,
    InterfaceRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore, create_tables, metadata
from flask_ocpi.stores.sqlalchemy.tables import partners_table, party_claims_table

from .conftest import (
    T0,
    Database,
    exercise,
    make_save_fail_after_writing,
    minimal_partner,
    race,
    token_hash,
)
from .conftest import full_partner as shared_full_partner


def full_partner(partner_id: str = "full", **kwargs: Any) -> Partner:
    """The conftest's fully populated partner; other ids than ``full`` get parties of their
    own (``DE-OTH`` and ``BE-OTH`` for ``other``), as two live connections on one tree never
    claim the same party key."""
    partner = shared_full_partner(partner_id, **kwargs)
    if partner_id != "full":
        party_id = (partner_id.upper() + "XXX")[:3]
        partner.roles = [dataclasses.replace(role, party_id=party_id) for role in partner.roles]
    return partner


# --- the contract ---------------------------------------------------------------------


def test_round_trip_of_a_fully_populated_partner(store: PartnerStore) -> None:
    store.add(partner=full_partner())

    got = store.get(partner_id="full")

    assert got == full_partner()
    assert got is not None
    # Enums come back as enums, not as equal strings.
    assert got.status is PartnerStatus.REGISTERED
    assert got.local_role is Role.CPO
    assert got.roles[0].role is Role.EMSP and got.roles[1].role is Role.HUB
    assert got.roles[0].business_details.logo is not None
    assert got.roles[0].business_details.logo.category is ImageCategory.OPERATOR
    assert got.roles[1].business_details.logo is None
    assert got.endpoints[0].role is None
    assert got.endpoints[1].role is InterfaceRole.RECEIVER
    assert got.endpoints[2].role is InterfaceRole.SENDER
    assert got.grants[0].scope is TokenScope.FULL
    assert got.grants[1].scope is TokenScope.REGISTRATION
    for moment in (got.created, got.updated, *(g.created for g in got.grants)):
        assert moment.utcoffset() == timedelta(0)


def test_round_trip_with_every_optional_field_empty(store: PartnerStore) -> None:
    store.add(partner=minimal_partner())

    got = store.get(partner_id="minimal")

    assert got == minimal_partner()
    assert got is not None
    assert got.local_role is None and got.outbound_token is None and got.grants == []


def test_get_unknown_partner_returns_none(store: PartnerStore) -> None:
    store.add(partner=minimal_partner())
    assert store.get(partner_id="unknown") is None


def test_add_duplicate_id_raises_partner_exists(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    duplicate = minimal_partner("full")

    with pytest.raises(PartnerExists):
        store.add(partner=duplicate)

    assert store.get(partner_id="full") == full_partner()


def test_add_with_token_of_another_partner_raises_value_error(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    intruder = minimal_partner("intruder")
    intruder.grants = [
        TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0),
        TokenGrant(token_hash=token_hash("full-a"), scope=TokenScope.FULL, created=T0),
    ]

    with pytest.raises(ValueError) as excinfo:
        store.add(partner=intruder)

    assert not isinstance(excinfo.value, PartnerExists)
    assert store.get(partner_id="intruder") is None
    assert store.find_by_token(token_hash=token_hash("new")) is None
    found = store.find_by_token(token_hash=token_hash("full-a"))
    assert found is not None and found.id == "full"


def test_find_by_token_finds_the_partner_of_each_grant(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))

    for name in ("full-c", "full-a"):
        assert store.find_by_token(token_hash=token_hash(name)) == full_partner()
    for name in ("other-c", "other-a"):
        found = store.find_by_token(token_hash=token_hash(name))
        assert found == full_partner("other", tokens=("other-c", "other-a"))


@pytest.mark.parametrize("unknown", [token_hash("nobody"), "", token_hash("full-a").upper()])
def test_find_by_token_unknown_hash_returns_none(store: PartnerStore, unknown: str) -> None:
    store.add(partner=full_partner())
    assert store.find_by_token(token_hash=unknown) is None


def test_save_replaces_fields_and_grants(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    changed = full_partner()
    changed.status = PartnerStatus.UNREGISTERED
    changed.local_role = None
    changed.name = None
    changed.outbound_token = None
    changed.roles = []
    changed.endpoints = [Endpoint(identifier="cdrs", url="https://x.example.com/cdrs")]
    changed.updated = T0 + timedelta(days=9)
    kept = changed.grants[1]
    new = TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0)
    changed.grants = [new, kept]

    store.save(partner=changed)

    assert store.get(partner_id="full") == changed
    assert store.find_by_token(token_hash=token_hash("full-c")) is None
    assert store.find_by_token(token_hash=token_hash("new")) == changed
    assert store.find_by_token(token_hash=kept.token_hash) == changed


def test_save_unknown_partner_raises_key_error(store: PartnerStore) -> None:
    with pytest.raises(KeyError):
        store.save(partner=full_partner())

    assert store.get(partner_id="full") is None
    assert store.find_by_token(token_hash=token_hash("full-a")) is None


def test_failed_save_leaves_the_previous_state_intact(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))
    changed = full_partner()
    changed.status = PartnerStatus.UNREGISTERED
    changed.grants = [
        TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL, created=T0),
        TokenGrant(token_hash=token_hash("other-a"), scope=TokenScope.FULL, created=T0),
    ]

    with pytest.raises(ValueError):
        store.save(partner=changed)

    assert store.get(partner_id="full") == full_partner()
    assert store.find_by_token(token_hash=token_hash("full-c")) == full_partner()
    assert store.find_by_token(token_hash=token_hash("new")) is None
    other = store.find_by_token(token_hash=token_hash("other-a"))
    assert other == full_partner("other", tokens=("other-c", "other-a"))


def test_list_returns_whole_partners_oldest_first(store: PartnerStore) -> None:
    assert store.list() == []
    later = full_partner("later", tokens=("l1", "l2"), created=T0 + timedelta(seconds=2))
    first = minimal_partner("zz-first", created=T0)
    middle = full_partner("middle", tokens=("m1", "m2"), created=T0 + timedelta(microseconds=1))
    for partner in (later, first, middle):
        store.add(partner=partner)

    assert store.list() == [first, middle, later]


def test_delete_removes_the_partner_and_its_grants(store: PartnerStore) -> None:
    store.add(partner=full_partner())
    store.add(partner=full_partner("other", tokens=("other-c", "other-a")))

    store.delete(partner_id="full")

    assert store.get(partner_id="full") is None
    assert store.find_by_token(token_hash=token_hash("full-c")) is None
    assert store.find_by_token(token_hash=token_hash("full-a")) is None
    assert [p.id for p in store.list()] == ["other"]
    assert store.find_by_token(token_hash=token_hash("other-a")) is not None
    store.delete(partner_id="full")
    store.delete(partner_id="never-existed")
    # The hashes are free again.
    store.add(partner=full_partner("again", tokens=("full-c", "full-a")))
    assert store.find_by_token(token_hash=token_hash("full-a")) is not None


def test_returned_and_given_partners_are_detached(store: PartnerStore) -> None:
    given = full_partner()
    store.add(partner=given)
    given.status = PartnerStatus.UNREGISTERED
    given.roles[0].business_details.name = "changed after add"
    given.grants.clear()

    for got in (
        store.get(partner_id="full"),
        store.find_by_token(token_hash=token_hash("full-a")),
        store.list()[0],
    ):
        assert got is not None
        got.status = PartnerStatus.INVITED
        logo = got.roles[0].business_details.logo
        assert logo is not None
        logo.url = "https://evil.example.com"
        got.endpoints.append(Endpoint(identifier="x", url="https://x"))
        got.grants[0].scope = TokenScope.REGISTRATION
        got.grants.pop()

    assert store.get(partner_id="full") == full_partner()


def test_list_breaks_ties_by_id(store: PartnerStore) -> None:
    for partner_id in ("b", "c", "a"):
        store.add(partner=minimal_partner(partner_id))
    assert [p.id for p in store.list()] == ["a", "b", "c"]


def test_duplicate_hash_within_one_partner_is_rejected(store: PartnerStore) -> None:
    partner = minimal_partner()
    partner.grants = [TokenGrant(token_hash=token_hash("x"), scope=scope) for scope in TokenScope]
    with pytest.raises(ValueError):
        store.add(partner=partner)
    assert store.get(partner_id="minimal") is None


# --- party claims and conditional saves (the contract) ---------------------------------


def claimant(
    partner_id: str, *keys: str, tree: Role = Role.CPO, status: PartnerStatus = PartnerStatus.REGISTERED
) -> Partner:
    """A partner on our ``tree`` whose credentials name the parties ``keys`` (``"DE-XYZ"``)."""
    return Partner(
        id=partner_id,
        local_party=PartyKey("NL", "ABC"),
        status=status,
        local_role=tree,
        roles=[
            CredentialsRole(
                role=Role.EMSP if tree is Role.CPO else Role.CPO,
                country_code=PartyKey.parse(key).country_code,
                party_id=PartyKey.parse(key).party_id,
                business_details=BusinessDetails(name=key),
            )
            for key in keys
        ],
        grants=[TokenGrant(token_hash=token_hash(f"token-of-{partner_id}"), scope=TokenScope.FULL, created=T0)],
        created=T0,
        updated=T0,
    )


def test_a_party_key_is_claimed_by_one_live_partner_per_tree(store: PartnerStore) -> None:
    store.add(partner=full_partner())  # REGISTERED on our CPO tree as DE-XYZ and BE-HUB

    with pytest.raises(PartyTaken) as taken:
        store.add(partner=claimant("impostor", "FR-NEW", "de-xyz"))
    assert taken.value.keys == [PartyKey("DE", "XYZ")] and taken.value.role is Role.CPO
    assert "DE-XYZ" in str(taken.value) and isinstance(taken.value, ValueError)
    assert store.get(partner_id="impostor") is None
    assert store.find_by_token(token_hash=token_hash("token-of-impostor")) is None
    with pytest.raises(PartyTaken):
        store.add(partner=claimant("registering", "BE-HUB", status=PartnerStatus.REGISTERING))

    # Another tree, or a partner that claims nothing yet (INVITED, UNREGISTERED): no conflict.
    store.add(partner=claimant("other-tree", "DE-XYZ", tree=Role.EMSP))
    store.add(partner=claimant("invited", "DE-XYZ", status=PartnerStatus.INVITED))
    store.add(partner=claimant("gone", "DE-XYZ", status=PartnerStatus.UNREGISTERED))
    # ... until it would claim: its save is refused and it stays as it was.
    with pytest.raises(PartyTaken):
        store.save(partner=claimant("invited", "DE-XYZ"))
    assert store.get(partner_id="invited") == claimant("invited", "DE-XYZ", status=PartnerStatus.INVITED)
    # A partner's own claims never conflict with themselves (re-saved, or named twice in 2.2.1 roles).
    store.save(partner=full_partner())
    store.add(partner=claimant("twice", "IT-TWO", "it-two"))
    assert [p.id for p in store.list()].count("twice") == 1


def test_claims_are_released_by_unregistration_deletion_and_new_parties(store: PartnerStore) -> None:
    store.add(partner=claimant("first", "DE-AAA", "DE-BBB"))
    store.add(partner=claimant("second", status=PartnerStatus.INVITED))

    store.save(partner=claimant("first", "DE-AAA", "DE-BBB", status=PartnerStatus.UNREGISTERED))
    store.save(partner=claimant("second", "DE-AAA"))
    store.save(partner=claimant("first", "DE-BBB"))  # registered again, without DE-AAA
    with pytest.raises(PartyTaken):
        store.save(partner=claimant("first", "DE-AAA"))
    store.save(partner=claimant("second", "DE-CCC"))  # new credentials: DE-AAA is free
    store.save(partner=claimant("first", "DE-AAA", "DE-BBB"))
    store.delete(partner_id="first")
    store.add(partner=claimant("third", "DE-AAA", "DE-BBB"))
    assert [(p.id, [str(k) for k in p.parties]) for p in store.list()] == [
        ("second", ["DE-CCC"]),
        ("third", ["DE-AAA", "DE-BBB"]),
    ]


def test_save_with_an_expected_status_is_a_compare_and_set(store: PartnerStore) -> None:
    store.add(partner=claimant("p", status=PartnerStatus.INVITED))
    registered = claimant("p", "DE-XYZ")

    store.save(partner=registered, expected_status=PartnerStatus.INVITED)
    with pytest.raises(StatusChanged) as changed:
        store.save(partner=claimant("p", "DE-NEW"), expected_status=PartnerStatus.INVITED)

    assert (changed.value.expected, changed.value.actual) == (PartnerStatus.INVITED, PartnerStatus.REGISTERED)
    assert isinstance(changed.value, ValueError) and not isinstance(changed.value, KeyError)
    assert store.get(partner_id="p") == registered
    with pytest.raises(KeyError):
        store.save(partner=claimant("nobody"), expected_status=PartnerStatus.INVITED)
    store.save(partner=claimant("p", "DE-XYZ", status=PartnerStatus.UNREGISTERED))  # no expectation: as before


def race_claims(store: PartnerStore) -> None:
    """Rounds of four writers claiming one key on our CPO tree at once (two saves of
    INVITED partners, two adds): exactly one wins, the others get :class:`PartyTaken`."""
    for round_ in range(3):
        key = PartyKey("DE", f"R{round_}X")
        ids = [f"r{round_}-{n}" for n in range(4)]
        for partner_id in ids[:2]:
            store.add(partner=claimant(partner_id, status=PartnerStatus.INVITED))

        def claim(partner_id: str, saved: bool, key: PartyKey = key) -> Any:
            try:
                if saved:
                    store.save(partner=claimant(partner_id, str(key)), expected_status=PartnerStatus.INVITED)
                else:
                    store.add(partner=claimant(partner_id, str(key)))
            except PartyTaken as exc:
                return exc
            return "won"

        outcomes = race([functools.partial(claim, partner_id, n < 2) for n, partner_id in enumerate(ids)])

        assert outcomes.count("won") == 1, outcomes
        assert all(isinstance(o, PartyTaken) and o.keys == [key] for o in outcomes if o != "won"), outcomes
        assert [p.id for p in store.list() if key in p.parties] == [ids[outcomes.index("won")]]


def test_racing_claims_of_one_party_key_cannot_both_win(store: PartnerStore) -> None:
    """Two registrations for one party key on our CPO tree at the same moment: one wins."""
    race_claims(store)


def test_racing_registrations_with_one_token_cannot_both_succeed(store: PartnerStore) -> None:
    """Two POSTs with the same token A both read INVITED; the conditional save lets one through."""
    for round_ in range(3):
        partner_id = f"invited-{round_}"
        store.add(partner=claimant(partner_id, status=PartnerStatus.INVITED))

        def register(partner_id: str, round_: int, n: int) -> Any:
            partner = claimant(partner_id, f"DE-T{n}{round_}")
            partner.grants = [TokenGrant(token_hash=token_hash(f"c-{round_}-{n}"), scope=TokenScope.FULL)]
            try:
                store.save(partner=partner, expected_status=PartnerStatus.INVITED)
            except StatusChanged as exc:
                return exc
            return n

        outcomes = race([functools.partial(register, partner_id, round_, n) for n in range(4)])

        winners = [o for o in outcomes if isinstance(o, int)]
        assert len(winners) == 1, outcomes
        assert all(
            isinstance(o, StatusChanged) and o.actual is PartnerStatus.REGISTERED for o in outcomes if o not in winners
        )
        stored = store.get(partner_id=partner_id)
        assert stored is not None and stored.parties == [PartyKey("DE", f"T{winners[0]}{round_}")]
        assert store.find_by_token(token_hash=token_hash(f"c-{round_}-{winners[0]}")) == stored
        losers = [n for n in range(4) if n != winners[0]]
        assert all(store.find_by_token(token_hash=token_hash(f"c-{round_}-{n}")) is None for n in losers)


# --- SQLAlchemy only ------------------------------------------------------------------


def test_datetimes_are_stored_as_utc_instants(engine: Engine) -> None:
    store = SQLAlchemyPartnerStore(engine)
    partner = full_partner()
    plus_two = timezone(timedelta(hours=2))
    partner.created = T0.astimezone(plus_two)
    partner.grants[0].created = T0.astimezone(plus_two)

    store.add(partner=partner)
    got = store.get(partner_id="full")

    assert got is not None
    assert got.created == T0 and got.created.utcoffset() == timedelta(0)
    assert got.grants[0].created == T0 and got.grants[0].created.utcoffset() == timedelta(0)
    assert store.list()[0].created == T0


def test_reads_cost_at_most_two_statements(engine: Engine, count_statements: Callable[[Engine], list[str]]) -> None:
    store = SQLAlchemyPartnerStore(engine)
    for index in range(4):
        store.add(partner=full_partner(f"p{index}", tokens=(f"c{index}", f"a{index}")))
    statements = count_statements(engine)

    found = store.find_by_token(token_hash=token_hash("a2"))
    assert found is not None and found.id == "p2" and len(found.grants) == 2
    assert len(statements) == 1, statements  # authentication runs on every request: one statement

    statements.clear()
    assert store.get(partner_id="p3") is not None
    assert len(statements) <= 2, statements

    statements.clear()
    assert len(store.list()) == 4
    assert len(statements) <= 2, statements


def test_schema_indexes_token_lookups_and_cascades(engine: Engine) -> None:
    assert all(table.startswith("ocpi_") for table in metadata.tables)
    inspector = inspect(engine)
    assert {"ocpi_partners", "ocpi_partner_tokens"} <= set(inspector.get_table_names())
    assert inspector.get_pk_constraint("ocpi_partner_tokens")["constrained_columns"] == ["token_hash"]
    indexed = [i["column_names"] for i in inspector.get_indexes("ocpi_partner_tokens")]
    assert ["partner_id"] in indexed
    (foreign_key,) = inspector.get_foreign_keys("ocpi_partner_tokens")
    assert foreign_key["referred_table"] == "ocpi_partners"
    assert foreign_key["options"].get("ondelete") == "CASCADE"


def test_database_cascades_row_deletes_to_grants(engine: Engine) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA foreign_keys=ON"))
        connection.execute(delete(partners_table).where(partners_table.c.id == "full"))
    again = shared_full_partner("again")  # the same parties and tokens as "full"
    store.add(partner=again)  # would collide with left-over grants or claims
    assert store.find_by_token(token_hash=token_hash("full-a")) == again


def test_save_rolls_back_when_a_write_fails(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    changed = dataclasses.replace(full_partner(), status=PartnerStatus.UNREGISTERED)
    changed.grants = [TokenGrant(token_hash=token_hash("new"), scope=TokenScope.FULL)]
    make_save_fail_after_writing(store, monkeypatch)

    with pytest.raises(RuntimeError):
        store.save(partner=changed)

    assert store.get(partner_id="full") == full_partner()
    assert store.find_by_token(token_hash=token_hash("new")) is None
    assert store.find_by_token(token_hash=token_hash("full-c")) == full_partner()


def test_lost_races_still_raise_the_documented_errors(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent writer got in between the checks and the writes: constraints decide."""
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=full_partner())
    monkeypatch.setattr(store, "_exists", lambda session, partner_id: False)
    monkeypatch.setattr(store, "_check_owners", lambda session, partner: None)

    with pytest.raises(PartnerExists):
        store.add(partner=minimal_partner("full"))
    intruder = minimal_partner("intruder")
    intruder.grants = [TokenGrant(token_hash=token_hash("full-a"), scope=TokenScope.FULL)]
    with pytest.raises(ValueError) as excinfo:
        store.add(partner=intruder)
    assert not isinstance(excinfo.value, PartnerExists)
    store.add(partner=minimal_partner("intruder"))
    with pytest.raises(ValueError):
        store.save(partner=intruder)

    assert store.get(partner_id="full") == full_partner()
    assert store.get(partner_id="intruder") == minimal_partner("intruder")


def test_the_claims_constraint_alone_decides_racing_claims(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """As if every writer had passed the early check before any wrote: the primary key of
    ``ocpi_party_claims`` still lets one claim through, and the others get PartyTaken."""
    store = SQLAlchemyPartnerStore(engine)
    monkeypatch.setattr(store, "_check_claims", lambda session, partner: None)
    race_claims(store)


def test_a_lost_claim_names_the_keys_taken_and_writes_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=claimant("holder", "DE-XYZ"))
    store.add(partner=claimant("late", status=PartnerStatus.INVITED))
    monkeypatch.setattr(store, "_check_claims", lambda session, partner: None)

    with pytest.raises(PartyTaken) as added:
        store.add(partner=claimant("newcomer", "FR-NEW", "DE-XYZ"))
    with pytest.raises(PartyTaken) as saved:
        store.save(partner=claimant("late", "FR-NEW", "DE-XYZ"))

    assert added.value.keys == saved.value.keys == [PartyKey("DE", "XYZ")]
    assert store.get(partner_id="newcomer") is None
    assert store.get(partner_id="late") == claimant("late", status=PartnerStatus.INVITED)
    with engine.connect() as connection:
        rows = connection.execute(select(party_claims_table)).all()
    assert [tuple(r) for r in rows] == [("CPO", "DE", "XYZ", "holder")]


def test_backfill_claims_of_partners_stored_before_the_claims_table(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Rows written by an older release have no claims: ``create_tables`` (or
    ``backfill_claims``) writes them, the oldest partner keeping a key two already share."""
    store = SQLAlchemyPartnerStore(engine)

    def forget_claims() -> None:  # the state an older release left behind
        with engine.begin() as connection:
            connection.execute(delete(party_claims_table))

    store.add(partner=dataclasses.replace(claimant("older", "DE-XYZ", "DE-OLD"), created=T0 - timedelta(days=1)))
    forget_claims()
    store.add(partner=claimant("younger", "DE-YNG", "DE-XYZ"))  # unnoticed: "older" had no claim rows
    store.add(partner=claimant("invited", status=PartnerStatus.INVITED))
    forget_claims()

    with caplog.at_level("WARNING", logger="flask_ocpi"):
        store.create_tables()

    assert "older and younger both claim DE-XYZ" in caplog.text
    with engine.connect() as connection:
        rows = sorted(tuple(r) for r in connection.execute(select(party_claims_table)))
    assert rows == [("CPO", "DE", "OLD", "older"), ("CPO", "DE", "XYZ", "older"), ("CPO", "DE", "YNG", "younger")]
    assert store.backfill_claims() == 0  # idempotent
    with pytest.raises(PartyTaken):
        store.save(partner=claimant("invited", "DE-OLD"))


def test_schema_keys_claims_by_tree_and_party(engine: Engine) -> None:
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("ocpi_party_claims")["constrained_columns"] == [
        "local_role",
        "country_code",
        "party_id",
    ]
    assert ["partner_id"] in [i["column_names"] for i in inspector.get_indexes("ocpi_party_claims")]
    (foreign_key,) = inspector.get_foreign_keys("ocpi_party_claims")
    assert foreign_key["referred_table"] == "ocpi_partners"
    assert foreign_key["options"].get("ondelete") == "CASCADE"


@pytest.mark.parametrize("form", ["engine", "sessionmaker", "scoped_session"])
def test_bind_forms(database: Database, form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sql_engine = database.create_engine()
    binds: dict[str, Any] = {
        "engine": sql_engine,
        "sessionmaker": sessionmaker(bind=sql_engine),
        "scoped_session": scoped_session(sessionmaker(bind=sql_engine)),
    }
    store = SQLAlchemyPartnerStore(binds[form])
    store.create_tables()
    create_tables(binds[form])  # idempotent
    exercise(store, SQLAlchemyPartnerStore(database.create_engine()))

    make_save_fail_after_writing(store, monkeypatch)
    with pytest.raises(RuntimeError):
        store.save(partner=minimal_partner("full"))
    saved = store.get(partner_id="full")
    assert saved is not None and saved.status is PartnerStatus.UNREGISTERED


def test_flask_sqlalchemy_db(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options
    db = SQLAlchemy(app)

    class HostThing(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "host_things"
        id = db.Column(db.Integer, primary_key=True)

    store = SQLAlchemyPartnerStore(db)  # no app context needed to build it
    with app.app_context():
        store.create_tables()
        assert set(inspect(db.engine).get_table_names()) == set(metadata.tables)
        exercise(store, SQLAlchemyPartnerStore(database.create_engine()))

        make_save_fail_after_writing(store, monkeypatch)
        with pytest.raises(RuntimeError):
            store.save(partner=minimal_partner("full"))
        # Rolled back: the same session neither sees the half-done save nor is broken.
        assert db.session.execute(select(partners_table.c.status)).scalars().all() == ["UNREGISTERED"]
        db.engine.dispose()


def test_unsupported_bind_raises_type_error() -> None:
    with pytest.raises(TypeError):
        SQLAlchemyPartnerStore("sqlite://")  # type: ignore[arg-type]


def test_importing_does_not_import_flask_sqlalchemy() -> None:
    code = "import sys, flask_ocpi.stores.sqlalchemy; sys.exit('flask_sqlalchemy' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
