"""The partner stores keep connections speaking for several of our roles (``Partner.local_roles``):
the contract on every implementation (``store``: memory, SQLite and, with
``OCPI_TEST_POSTGRES_URL``, PostgreSQL), then the SQL rows and the upgrade of an
``ocpi_partners`` table of an earlier release (no ``local_roles`` column).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import Engine, MetaData, Table, delete, insert, inspect, select, update

from flask_ocpi.backends import PartnerStore, PartyTaken
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore, create_tables, metadata
from flask_ocpi.stores.sqlalchemy.tables import partners_table, party_claims_table

from .conftest import T0, Database, token_hash

BOTH = frozenset({Role.CPO, Role.EMSP})


def connection(
    partner_id: str,
    *keys: str,
    local_roles: frozenset[Role] = BOTH,
    status: PartnerStatus = PartnerStatus.REGISTERED,
) -> Partner:
    """A connection speaking for our ``local_roles`` with a partner that is eMSP and CPO as each of ``keys``."""
    return Partner(
        id=partner_id,
        local_party=PartyKey("NL", "ABC"),
        status=status,
        local_roles=local_roles,
        roles=[
            CredentialsRole(
                role=role,
                country_code=PartyKey.parse(key).country_code,
                party_id=PartyKey.parse(key).party_id,
                business_details=BusinessDetails(name=f"{key} as {role.value}"),
            )
            for key in keys
            for role in (Role.EMSP, Role.CPO)
        ],
        grants=[TokenGrant(token_hash=token_hash(f"token-of-{partner_id}"), scope=TokenScope.FULL, created=T0)],
        created=T0,
        updated=T0,
    )


# --- the contract -----------------------------------------------------------------------------


@pytest.mark.parametrize("local_roles", [BOTH, frozenset({Role.EMSP}), frozenset(), frozenset(Role)])
def test_local_roles_round_trip(store: PartnerStore, local_roles: frozenset[Role]) -> None:
    partner = connection("both", "DE-XYZ", local_roles=local_roles)
    store.add(partner=partner)
    assert store.get(partner_id="both") == partner
    assert store.find_by_token(token_hash=token_hash("token-of-both")) == partner
    assert store.list() == [partner]


def test_save_changes_the_local_roles(store: PartnerStore) -> None:
    store.add(partner=connection("both", "DE-XYZ", local_roles=frozenset({Role.CPO})))
    for roles in (BOTH, frozenset({Role.EMSP}), frozenset()):
        changed = connection("both", "DE-XYZ", local_roles=roles)
        store.save(partner=changed)
        assert store.get(partner_id="both") == changed


def test_a_connection_of_several_roles_claims_its_parties_on_each_tree(store: PartnerStore) -> None:
    store.add(partner=connection("both", "DE-XYZ"))

    for tree in (Role.CPO, Role.EMSP):
        with pytest.raises(PartyTaken) as taken:
            store.add(partner=connection(f"on-{tree.path}", "FR-NEW", "DE-XYZ", local_roles=frozenset({tree})))
        assert taken.value.role is tree and taken.value.keys == [PartyKey("DE", "XYZ")]
    store.add(partner=connection("hub", "DE-XYZ", local_roles=frozenset({Role.HUB})))  # another tree: free
    assert store.get(partner_id="on-cpo") is None and store.get(partner_id="on-emsp") is None


def test_a_connection_of_several_roles_is_refused_where_one_tree_is_taken(store: PartnerStore) -> None:
    store.add(partner=connection("emsp-side", "DE-XYZ", local_roles=frozenset({Role.EMSP})))

    with pytest.raises(PartyTaken) as added:
        store.add(partner=connection("both", "DE-XYZ"))
    assert added.value.role is Role.EMSP and added.value.keys == [PartyKey("DE", "XYZ")]
    store.add(partner=connection("both", "DE-XYZ", local_roles=frozenset({Role.CPO})))
    with pytest.raises(PartyTaken):
        store.save(partner=connection("both", "DE-XYZ"))
    assert store.get(partner_id="both") == connection("both", "DE-XYZ", local_roles=frozenset({Role.CPO}))


def test_dropping_a_role_releases_the_claims_on_its_tree(store: PartnerStore) -> None:
    store.add(partner=connection("both", "DE-XYZ"))
    store.save(partner=connection("both", "DE-XYZ", local_roles=frozenset({Role.CPO})))

    store.add(partner=connection("emsp-side", "DE-XYZ", local_roles=frozenset({Role.EMSP})))
    with pytest.raises(PartyTaken):
        store.add(partner=connection("cpo-side", "DE-XYZ", local_roles=frozenset({Role.CPO})))


# --- the SQL rows --------------------------------------------------------------------------------


def test_rows_keep_the_local_roles_and_the_one_role_column(engine: Engine) -> None:
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=connection("both", "DE-XYZ"))
    store.add(partner=connection("cpo", "FR-CPO", local_roles=frozenset({Role.CPO})))
    store.add(partner=connection("new", status=PartnerStatus.INVITED, local_roles=frozenset()))

    with engine.connect() as connection_:
        rows = connection_.execute(
            select(partners_table.c.id, partners_table.c.local_roles, partners_table.c.local_role).order_by(
                partners_table.c.id
            )
        ).all()
        claims = sorted(tuple(r) for r in connection_.execute(select(party_claims_table)))
    assert [tuple(r) for r in rows] == [("both", "CPO,EMSP", None), ("cpo", "CPO", "CPO"), ("new", "", None)]
    assert claims == [("CPO", "DE", "XYZ", "both"), ("CPO", "FR", "CPO", "cpo"), ("EMSP", "DE", "XYZ", "both")]


def test_a_row_without_local_roles_reads_its_one_role_column(engine: Engine) -> None:
    """A row an earlier release wrote after the upgrade (it knows only ``local_role``)."""
    store = SQLAlchemyPartnerStore(engine)
    store.add(partner=connection("old", "DE-XYZ", local_roles=frozenset({Role.EMSP})))
    store.add(partner=connection("invited", status=PartnerStatus.INVITED, local_roles=frozenset()))
    with engine.begin() as connection_:
        connection_.execute(update(partners_table).values(local_roles=None))

    stored = store.get(partner_id="old")
    assert stored is not None and stored.local_roles == frozenset({Role.EMSP})
    invited = store.get(partner_id="invited")
    assert invited is not None and invited.local_roles == frozenset()
    assert store.backfill_local_roles() == 2
    assert store.backfill_local_roles() == 0


# --- the upgrade of an earlier release's table ----------------------------------------------------


def _earlier_release_tables(engine: Engine) -> Table:
    """The Flask-OCPI tables as the previous release created them: ``ocpi_partners`` without
    ``local_roles``. Returns that ``ocpi_partners``."""
    old = MetaData()
    for table in metadata.sorted_tables:
        Table(table.name, old, *(c._copy() for c in table.columns if c.name != "local_roles"))
    old.create_all(engine)
    return old.tables["ocpi_partners"]


def _old_row(partner_id: str, local_role: Role | None, status: PartnerStatus, *keys: str) -> dict[str, object]:
    return {
        "id": partner_id,
        "local_country_code": "NL",
        "local_party_id": "ABC",
        "local_role": local_role.value if local_role is not None else None,
        "status": status.value,
        "name": None,
        "versions_url": None,
        "version": "2.1.1",
        "roles": [
            {
                "role": "EMSP",
                "country_code": PartyKey.parse(k).country_code,
                "party_id": PartyKey.parse(k).party_id,
                "business_details": {"name": k, "website": None, "logo": None},
            }
            for k in keys
        ],
        "endpoints": [],
        "outbound_token": None,
        "created": T0 + timedelta(minutes=len(partner_id)),
        "updated": T0,
    }


def test_create_tables_adds_and_backfills_local_roles_of_an_earlier_release(database: Database) -> None:
    engine = database.create_engine()
    old_partners = _earlier_release_tables(engine)
    with engine.begin() as connection_:
        connection_.execute(
            insert(old_partners),
            [
                _old_row("cpo", Role.CPO, PartnerStatus.REGISTERED, "DE-XYZ"),
                _old_row("emsp", Role.EMSP, PartnerStatus.REGISTERED, "FR-CPO"),
                _old_row("invited", None, PartnerStatus.INVITED),
            ],
        )
        connection_.execute(delete(party_claims_table))

    create_tables(engine)
    create_tables(engine)  # idempotent

    assert "local_roles" in {c["name"] for c in inspect(engine).get_columns("ocpi_partners")}
    with engine.connect() as connection_:
        rows = connection_.execute(
            select(partners_table.c.id, partners_table.c.local_roles).order_by(partners_table.c.id)
        ).all()
        claims = sorted(tuple(r) for r in connection_.execute(select(party_claims_table)))
    assert [tuple(r) for r in rows] == [("cpo", "CPO"), ("emsp", "EMSP"), ("invited", "")]
    assert claims == [("CPO", "DE", "XYZ", "cpo"), ("EMSP", "FR", "CPO", "emsp")]
    store = SQLAlchemyPartnerStore(engine)
    assert store.backfill_local_roles() == 0
    assert [(p.id, p.local_roles, p.local_role) for p in store.list()] == [
        ("cpo", frozenset({Role.CPO}), Role.CPO),
        ("emsp", frozenset({Role.EMSP}), Role.EMSP),
        ("invited", frozenset(), None),
    ]
    upgraded = store.get(partner_id="cpo")
    assert upgraded is not None
    store.save(partner=dataclasses.replace(upgraded, local_roles=BOTH))  # the upgraded row takes several roles
    again = store.get(partner_id="cpo")
    assert again is not None and again.local_roles == BOTH


def test_the_store_upgrades_its_table_too(database: Database) -> None:
    engine = database.create_engine()
    old_partners = _earlier_release_tables(engine)
    with engine.begin() as connection_:
        connection_.execute(insert(old_partners), [_old_row("cpo", Role.CPO, PartnerStatus.REGISTERED, "DE-XYZ")])

    store = SQLAlchemyPartnerStore(engine)
    store.create_tables()

    stored = store.get(partner_id="cpo")
    assert stored is not None and stored.local_roles == frozenset({Role.CPO})
    with engine.connect() as connection_:
        assert connection_.execute(select(partners_table.c.local_roles)).scalar_one() == "CPO"
