"""The list cache: repeated sender list requests answered without loading objects again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from flask_ocpi.models import (
    BusinessDetails,
    CredentialsRole,
    Partner,
    PartnerStatus,
    PartyKey,
    Role,
    Status,
    TokenGrant,
    TokenScope,
)
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore
from flask_ocpi.transport.auth import hash_token
from flask_ocpi.util.listcache import CachedPage, ListCache
from tests.backends.objects import full_location

US = PartyKey("NL", "ABC")
LIST = "/ocpi/cpo/2.1.1/locations"


def emsp_partner(partner_id: str, token: str, local: PartyKey = US) -> Partner:
    return Partner(
        id=partner_id,
        local_party=local,
        local_role=Role.CPO,
        status=PartnerStatus.REGISTERED,
        roles=[
            CredentialsRole(
                role=Role.EMSP,
                country_code="DE",
                party_id=partner_id.upper()[:3],
                business_details=BusinessDetails(name=partner_id),
            )
        ],
        grants=[TokenGrant(token_hash=hash_token(token), scope=TokenScope.FULL)],
    )


class Counting(MemoryLocations):
    """Memory locations counting how often the list is loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def page(self, **kwargs: Any) -> Any:
        self.loads += 1
        return super().page(**kwargs)


@pytest.fixture
def setup(make_app: Callable[..., Flask]) -> tuple[Flask, Counting, MemoryPartnerStore]:
    store = Counting()
    partners = MemoryPartnerStore()
    partners.add(partner=emsp_partner("msp", "tok-msp"))
    for n in range(1, 8):
        store.save(full_location(f"LOC{n}", owner=US))
    app = make_app({"OCPI_LIST_CACHE_SIZE": 8}, partners=partners, backends=[store.sender()])
    return app, store, partners


def get(app: Flask, url: str, token: str = "tok-msp") -> Any:
    response = app.test_client().get(url, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200, response.get_json()
    return response


def test_a_repeated_page_is_served_from_the_cache(setup: tuple[Flask, Counting, MemoryPartnerStore]) -> None:
    app, store, _ = setup
    first = get(app, f"{LIST}?limit=3")
    second = get(app, f"{LIST}?limit=3")
    assert store.loads == 1
    assert first.get_json()["data"] == second.get_json()["data"]
    assert second.get_json()["status_code"] == 1000 and second.get_json()["timestamp"]
    for header in ("X-Total-Count", "X-Limit", "Link"):
        assert first.headers[header] == second.headers[header]
    get(app, f"{LIST}?limit=3&offset=3")  # another page is another entry
    assert store.loads == 2


def test_a_write_invalidates_the_cached_pages(setup: tuple[Flask, Counting, MemoryPartnerStore]) -> None:
    app, store, _ = setup
    get(app, f"{LIST}?limit=3")
    store.patch_evse("NL", "ABC", "LOC1", "E1", {"status": Status.OUTOFORDER})
    after = get(app, f"{LIST}?limit=3")
    assert store.loads == 2
    assert after.get_json()["data"][0]["evses"][0]["status"] == "OUTOFORDER"
    store.save(full_location("LOC8", owner=US))
    assert get(app, f"{LIST}?limit=3").headers["X-Total-Count"] == "8"


def test_partners_of_other_parties_never_share_an_entry(
    make_app: Callable[..., Flask],
) -> None:
    store = Counting()
    partners = MemoryPartnerStore()
    partners.add(partner=emsp_partner("msp", "tok-msp", local=US))
    partners.add(partner=emsp_partner("oth", "tok-oth", local=PartyKey("NL", "DEF")))
    store.save(full_location("MINE", owner=US))
    store.save(full_location("THEIRS", owner=PartyKey("NL", "DEF")))
    config = {
        "OCPI_LIST_CACHE_SIZE": 8,
        "OCPI_PARTIES": [
            {"country_code": "NL", "party_id": "ABC", "business_details": {"name": "A"}},
            {"country_code": "NL", "party_id": "DEF", "business_details": {"name": "D"}},
        ],
    }
    app = make_app(config, partners=partners, backends=[store.sender()])
    assert [loc["id"] for loc in get(app, LIST, "tok-msp").get_json()["data"]] == ["MINE"]
    assert [loc["id"] for loc in get(app, LIST, "tok-oth").get_json()["data"]] == ["THEIRS"]
    assert [loc["id"] for loc in get(app, LIST, "tok-msp").get_json()["data"]] == ["MINE"]


def test_size_zero_disables_the_cache(make_app: Callable[..., Flask]) -> None:
    store = Counting()
    partners = MemoryPartnerStore()
    partners.add(partner=emsp_partner("msp", "tok-msp"))
    app = make_app({"OCPI_LIST_CACHE_SIZE": 0}, partners=partners, backends=[store.sender()])
    get(app, LIST)
    get(app, LIST)
    assert store.loads == 2


def test_the_cache_evicts_the_least_recently_used_page() -> None:
    cache = ListCache(2)
    page = CachedPage("[]", {})
    cache.put("a", page)
    cache.put("b", page)
    assert cache.get("a") is page  # "a" is now the most recent
    cache.put("c", page)
    assert cache.get("b") is None and cache.get("a") is page and cache.get("c") is page
    assert len(cache) == 2
    ListCache(0).put("a", page)
