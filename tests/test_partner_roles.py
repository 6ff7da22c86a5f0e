"""Connections speaking for several of our roles: ``Partner.local_roles``, :meth:`Partner.opens`,
the one-role compatibility form ``local_role``, party claims on every tree, and the steps of
the credentials module, the client, pushes, sync and the CLI that read them.

The store side (every implementation, the schema upgrade) is in tests/backends/test_partner_roles.py.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ocpi.backends.partners import PartyTaken, claims
from flask_ocpi.client.partner import PartnerClient
from flask_ocpi.exceptions import ClientError, MethodNotAllowed
from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Endpoint,
    Location,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.modules.credentials import RegistrationError, update
from flask_ocpi.modules.credentials.claims import check_namespace
from flask_ocpi.modules.credentials.server import registered_on
from flask_ocpi.outbound.push import audience
from flask_ocpi.stores.memory import MemoryPartnerStore
from flask_ocpi.transport.auth import Caller, hash_token, new_token
from flask_ocpi.transport.http import OcpiHttp
from tests.backends.objects import full_location

OURS = PartyKey("NL", "ABC")
BOTH = frozenset({Role.CPO, Role.EMSP})


def party(role: Role, key: str) -> CredentialsRole:
    parsed = PartyKey.parse(key)
    return CredentialsRole(
        role=role,
        country_code=parsed.country_code,
        party_id=parsed.party_id,
        business_details=BusinessDetails(name=key),
    )


def connection(
    partner_id: str = "both",
    *,
    local_roles: frozenset[Role] = BOTH,
    roles: list[CredentialsRole] | None = None,
    status: PartnerStatus = PartnerStatus.REGISTERED,
    token: str | None = None,
) -> Partner:
    """A connection of our NL-ABC speaking for ``local_roles``; by default with a partner
    that is eMSP and CPO as DE-XYZ (OCPI 2.2.1 style)."""
    return Partner(
        id=partner_id,
        local_party=OURS,
        status=status,
        local_roles=local_roles,
        version="2.1.1",
        roles=roles if roles is not None else [party(Role.EMSP, "DE-XYZ"), party(Role.CPO, "DE-XYZ")],
        endpoints=[
            Endpoint(identifier="credentials", url="http://127.0.0.1:9/credentials"),
            Endpoint(identifier="locations", url="http://127.0.0.1:9/locations"),
        ],
        outbound_token=new_token(),
        grants=[TokenGrant(token_hash=hash_token(token or new_token()), scope=TokenScope.FULL)],
    )


# --- the model -------------------------------------------------------------------------------


def test_a_new_connection_has_no_local_role_and_opens_every_tree() -> None:
    invited = Partner(id="new", local_party=OURS, status=PartnerStatus.INVITED)
    assert invited.local_roles == frozenset() and invited.local_role is None
    assert all(invited.opens(tree) for tree in Role)  # as before: a registration token is not bound to a tree


@pytest.mark.parametrize(
    ("local_roles", "opened"),
    [({Role.CPO}, {Role.CPO}), ({Role.EMSP}, {Role.EMSP}), (BOTH, BOTH)],
)
def test_opens_the_trees_of_its_local_roles(local_roles: set[Role], opened: set[Role]) -> None:
    partner = connection(local_roles=frozenset(local_roles))
    assert {tree for tree in Role if partner.opens(tree)} == opened


def test_local_roles_is_a_frozenset_whatever_is_given() -> None:
    partner = Partner(id="p", local_party=OURS, status=PartnerStatus.REGISTERED, local_roles=[Role.EMSP, Role.CPO])
    assert partner.local_roles == BOTH and isinstance(partner.local_roles, frozenset)
    changed = dataclasses.replace(partner, local_roles={Role.CPO})
    assert changed.local_roles == frozenset({Role.CPO}) and isinstance(changed.local_roles, frozenset)


def test_local_role_is_the_one_role_and_none_with_none_or_several() -> None:
    assert connection(local_roles=frozenset({Role.EMSP})).local_role is Role.EMSP
    assert connection(local_roles=frozenset()).local_role is None
    assert connection(local_roles=BOTH).local_role is None


def test_the_local_role_keyword_and_attribute_still_work() -> None:
    old = Partner(id="p", local_party=OURS, status=PartnerStatus.REGISTERED, local_role=Role.CPO)
    assert old == Partner(id="p", local_party=OURS, status=PartnerStatus.REGISTERED, local_roles={Role.CPO},
                          created=old.created, updated=old.updated)  # fmt: skip
    assert Partner(id="p", local_party=OURS, status=PartnerStatus.INVITED, local_role=None).local_roles == frozenset()
    # replace() keeps its old meaning: the keyword replaces the roles, None clears them
    assert dataclasses.replace(old, local_role=Role.EMSP).local_roles == frozenset({Role.EMSP})  # type: ignore[call-arg]
    assert dataclasses.replace(connection(), local_role=None).local_roles == frozenset()  # type: ignore[call-arg]
    both = connection()
    both.local_role = Role.CPO
    assert both.local_roles == frozenset({Role.CPO})
    both.local_role = None
    assert both.local_roles == frozenset()


def test_several_credentials_roles_of_one_party_list_the_party_once() -> None:
    partner = connection(roles=[party(Role.EMSP, "DE-XYZ"), party(Role.CPO, "DE-XYZ"), party(Role.CPO, "DE-OTH")])
    assert partner.parties == [PartyKey("DE", "XYZ"), PartyKey("DE", "OTH")]
    assert partner.parties_in(Role.CPO) == [PartyKey("DE", "XYZ"), PartyKey("DE", "OTH")]
    assert partner.parties_in(Role.EMSP) == [PartyKey("DE", "XYZ")]
    assert partner.parties_in(Role.HUB) == []


# --- party claims ----------------------------------------------------------------------------


def test_a_connection_claims_its_parties_on_each_of_its_trees() -> None:
    partner = connection(roles=[party(Role.EMSP, "DE-XYZ"), party(Role.CPO, "DE-OTH")])
    keys = {PartyKey("DE", "XYZ"), PartyKey("DE", "OTH")}
    assert claims(partner) == {(tree, key) for tree in BOTH for key in keys}
    assert claims(dataclasses.replace(partner, status=PartnerStatus.INVITED)) == set()
    assert claims(dataclasses.replace(partner, local_roles=frozenset())) == set()


def test_party_taken_of_names_the_first_tree_and_its_keys() -> None:
    taken = PartyTaken.of({(Role.EMSP, PartyKey("DE", "B")), (Role.CPO, PartyKey("DE", "A"))})
    assert taken.role is Role.CPO and taken.keys == [PartyKey("DE", "A")]


def test_the_early_namespace_check_covers_every_tree_of_the_connection() -> None:
    store = MemoryPartnerStore()
    store.add(partner=connection("emsp-side", local_roles=frozenset({Role.EMSP}), roles=[party(Role.CPO, "DE-XYZ")]))
    newcomer = connection("newcomer", status=PartnerStatus.INVITED)

    check_namespace(store, newcomer, newcomer.roles, {Role.CPO})  # free on our CPO tree
    with pytest.raises(ClientError, match="DE-XYZ"):
        check_namespace(store, newcomer, newcomer.roles, BOTH)  # taken on our eMSP tree


# --- the credentials module, the client, pushes, the CLI --------------------------------------


def test_a_connection_is_registered_on_each_tree_it_speaks_for() -> None:
    caller = Caller(connection(), TokenScope.FULL, "token")
    assert registered_on(caller, Role.CPO) is caller.partner
    assert registered_on(caller, Role.EMSP) is caller.partner
    with pytest.raises(MethodNotAllowed):
        registered_on(caller, Role.HUB)
    with pytest.raises(MethodNotAllowed):
        registered_on(Caller(connection(local_roles=frozenset({Role.CPO})), TokenScope.FULL, "t"), Role.EMSP)


def test_the_client_allows_the_operations_of_each_role_of_the_connection() -> None:
    http = cast(OcpiHttp, object())  # never called: _require only reads the connection
    client = PartnerClient(connection(), http=http, own_parties=())
    client._require(Role.CPO, "push_location")
    client._require(Role.EMSP, "send_command")
    with pytest.raises(ValueError, match="connected to our EMSP side"):
        PartnerClient(connection(local_roles=frozenset({Role.EMSP})), http=http, own_parties=())._require(
            Role.CPO, "push_location"
        )
    with pytest.raises(ValueError, match="connected to our CPO/EMSP side"):
        client._require(Role.HUB, "anything")


def test_pushes_reach_a_connection_speaking_for_our_cpo_among_others(app: Flask, partners: MemoryPartnerStore) -> None:
    partners.add(partner=connection("both"))
    partners.add(partner=connection("emsp-only", local_roles=frozenset({Role.EMSP}), roles=[party(Role.CPO, "FR-CPO")]))
    location: Location = dataclasses.replace(full_location("LOC1"), country_code="NL", party_id="ABC")
    with app.app_context():
        assert [p.id for p in audience(location)] == ["both"]


def test_credentials_of_a_connection_answer_on_each_of_its_trees(
    client: FlaskClient, partners: MemoryPartnerStore, auth: Callable[[str], dict[str, str]]
) -> None:
    token = new_token()
    partners.add(partner=connection(token=token))
    for tree in ("cpo", "emsp"):
        answer = client.get(f"/ocpi/{tree}/2.1.1/credentials", headers=auth(token))
        assert answer.status_code == 200 and answer.json is not None, tree
        assert answer.json["data"]["url"].endswith(f"/ocpi/{tree}/versions")
    gone = client.delete("/ocpi/emsp/2.1.1/credentials", headers=auth(token))
    assert gone.status_code == 200
    stored = partners.get(partner_id="both")
    assert stored is not None and stored.status is PartnerStatus.UNREGISTERED and stored.local_roles == BOTH


def test_updating_a_connection_of_several_roles_is_refused_without_a_call(
    app: Flask, partners: MemoryPartnerStore
) -> None:
    partners.add(partner=connection())
    with app.app_context(), pytest.raises(RegistrationError, match="CPO, EMSP"):
        update("both")
    stored = partners.get(partner_id="both")
    assert stored is not None and stored.status is PartnerStatus.REGISTERED


def test_the_cli_lists_every_local_role(app: Flask, partners: MemoryPartnerStore) -> None:
    partners.add(partner=connection())
    partners.add(partner=connection("cpo", local_roles=frozenset({Role.CPO}), roles=[party(Role.EMSP, "FR-EMS")]))
    runner = app.test_cli_runner()
    listed = json.loads(runner.invoke(args=["ocpi", "partners", "--json"]).output)
    assert [(p["id"], p["local_roles"], p["local_role"]) for p in listed] == [
        ("both", ["CPO", "EMSP"], None),
        ("cpo", ["CPO"], "CPO"),
    ]
    text = runner.invoke(args=["ocpi", "partners"]).output
    assert "our CPO+EMSP" in text and "our CPO " in text
