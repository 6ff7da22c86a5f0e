"""Pagination helpers: query parameters, response headers, and walking every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, request
from werkzeug.datastructures import MultiDict

from flask_ocpi.exceptions import InvalidOrMissingParameters
from flask_ocpi.pagination import MAX_OFFSET, Page, PageRequest
from flask_ocpi.transport.paging import paginated_response, pagination_headers


def parse(require_date_from: bool = False, **args: str) -> PageRequest:
    return PageRequest.from_args(MultiDict(args), default_limit=20, max_limit=100, require_date_from=require_date_from)


def rejected(name: str, require_date_from: bool = False, **args: str) -> str:
    with pytest.raises(InvalidOrMissingParameters) as info:
        parse(require_date_from, **args)
    assert info.value.status_code == 2001
    assert info.value.http_status == 200
    assert info.value.message.startswith(f"{name}:"), info.value.message
    return info.value.message


# --- PageRequest.from_args ---------------------------------------------------------------------


def test_defaults() -> None:
    page = parse()
    assert (page.offset, page.limit, page.date_from, page.date_to) == (0, 20, None, None)
    assert page.filters() == {}


def test_empty_values_mean_defaults() -> None:
    page = parse(offset="", limit="", date_from="", date_to="")
    assert (page.offset, page.limit, page.date_from, page.date_to) == (0, 20, None, None)


def test_values_are_read() -> None:
    page = parse(offset="40", limit="15", date_from="2024-01-01T00:00:00Z", date_to="2024-02-01T01:00:00+01:00")
    assert (page.offset, page.limit) == (40, 15)
    assert page.date_from == datetime(2024, 1, 1, tzinfo=UTC)
    assert page.date_to == datetime(2024, 2, 1, tzinfo=UTC)
    assert page.filters() == {"date_from": "2024-01-01T00:00:00Z", "date_to": "2024-02-01T00:00:00Z"}


def test_limit_is_capped_at_the_maximum() -> None:
    assert parse(limit="1000").limit == 100
    assert parse(limit="100").limit == 100
    assert parse(limit="99").limit == 99


def test_default_limit_is_also_capped() -> None:
    page = PageRequest.from_args({}, default_limit=500, max_limit=100)
    assert page.limit == 100


@pytest.mark.parametrize("name", ["offset", "limit"])
@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "0x10", "ten"])
def test_bad_integers_name_the_parameter(name: str, value: str) -> None:
    message = rejected(name, **{name: value})
    assert name in message


def test_limit_zero_is_refused() -> None:
    rejected("limit", limit="0")


def test_offset_zero_is_fine() -> None:
    assert parse(offset="0").offset == 0


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "1700000000"])
def test_bad_dates_name_the_parameter(name: str, value: str) -> None:
    rejected(name, **{name: value})


@pytest.mark.parametrize("date_to", ["2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", "2024-01-01T01:00:00+01:00"])
def test_date_to_must_be_after_date_from(date_to: str) -> None:
    rejected("date_to", date_from="2024-01-01T00:00:00Z", date_to=date_to)


def test_date_to_one_second_later_is_fine() -> None:
    page = parse(date_from="2024-01-01T00:00:00Z", date_to="2024-01-01T00:00:01Z")
    assert page.date_to == datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_require_date_from() -> None:
    rejected("date_from", require_date_from=True)
    rejected("date_from", require_date_from=True, date_to="2024-01-01T00:00:00Z")
    assert parse(True, date_from="2024-01-01T00:00:00Z").date_from == datetime(2024, 1, 1, tzinfo=UTC)


# --- pagination_headers -------------------------------------------------------------------------


def next_link(headers: dict[str, str]) -> str | None:
    link = headers.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1)


def test_headers_on_a_middle_page(app: Flask) -> None:
    page = PageRequest(offset=10, limit=10)
    with app.test_request_context("/ocpi/cpo/2.1.1/things?offset=10&limit=10"):
        headers = pagination_headers(page, total=35, returned=10)
    assert headers["X-Total-Count"] == "35"
    assert headers["X-Limit"] == "10"
    url = next_link(headers)
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/ocpi/cpo/2.1.1/things")
    assert parse_qs(parts.query) == {"offset": ["20"], "limit": ["10"]}


def test_no_link_on_the_last_page(app: Flask) -> None:
    with app.test_request_context("/things"):
        full_last = pagination_headers(PageRequest(offset=20, limit=10), total=30, returned=10)
        short_last = pagination_headers(PageRequest(offset=20, limit=10), total=25, returned=5)
        empty = pagination_headers(PageRequest(offset=0, limit=10), total=0, returned=0)
        beyond = pagination_headers(PageRequest(offset=50, limit=10), total=25, returned=0)
    for headers in (full_last, short_last, empty, beyond):
        assert "Link" not in headers
    assert (short_last["X-Total-Count"], short_last["X-Limit"]) == ("25", "10")
    assert (empty["X-Total-Count"], empty["X-Limit"]) == ("0", "10")


def test_x_limit_is_the_effective_limit(app: Flask) -> None:
    page = PageRequest.from_args(MultiDict({"limit": "5000"}), default_limit=50, max_limit=200)
    with app.test_request_context("/things?limit=5000"):
        headers = pagination_headers(page, total=1000, returned=200)
    assert headers["X-Limit"] == "200"
    url = next_link(headers)
    assert url is not None
    assert parse_qs(urlsplit(url).query) == {"offset": ["200"], "limit": ["200"]}


def test_next_link_advances_by_what_was_returned(app: Flask) -> None:
    # A backend may return fewer than ``limit`` objects without being at the end.
    with app.test_request_context("/things"):
        headers = pagination_headers(PageRequest(offset=5, limit=10), total=30, returned=7)
    url = next_link(headers)
    assert url is not None
    assert parse_qs(urlsplit(url).query)["offset"] == ["12"]


def test_next_link_repeats_the_date_filters(app: Flask) -> None:
    args = MultiDict({"date_from": "2024-01-01T01:00:00+01:00", "date_to": "2024-02-01T00:00:00.5Z", "limit": "2"})
    page = PageRequest.from_args(args, default_limit=50, max_limit=200)
    with app.test_request_context("/things"):
        headers = pagination_headers(page, total=10, returned=2)
    url = next_link(headers)
    assert url is not None
    assert parse_qs(urlsplit(url).query) == {
        "offset": ["2"],
        "limit": ["2"],
        "date_from": ["2024-01-01T00:00:00Z"],
        "date_to": ["2024-02-01T00:00:00Z"],
    }


def test_next_link_uses_the_base_url(make_app: Callable[..., Flask]) -> None:
    app = make_app({"OCPI_BASE_URL": "https://ocpi.example.com/platform/"})
    with app.test_request_context("/ocpi/cpo/2.1.1/things", base_url="http://internal:8080"):
        headers = pagination_headers(PageRequest(offset=0, limit=10), total=11, returned=10)
    url = next_link(headers)
    assert url is not None
    assert url.startswith("https://ocpi.example.com/platform/ocpi/cpo/2.1.1/things?")


def test_next_link_uses_the_request_host_without_base_url(app: Flask) -> None:
    with app.test_request_context("/things", base_url="https://edge.example.net:8443"):
        headers = pagination_headers(PageRequest(offset=0, limit=10), total=11, returned=10)
    url = next_link(headers)
    assert url is not None
    assert url.startswith("https://edge.example.net:8443/things?")


# --- a full round trip --------------------------------------------------------------------------


ITEMS = [{"id": str(i)} for i in range(23)]


@pytest.fixture
def list_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()

    @app.route("/items")
    def items() -> Any:
        page = PageRequest.from_args(request.args, default_limit=10, max_limit=10)
        result = Page(items=ITEMS[page.offset : page.offset + page.limit], total=len(ITEMS))
        return paginated_response(list(result.items), page, total=result.total)

    return app


def test_walking_every_page_by_link_headers(list_app: Flask) -> None:
    client = list_app.test_client()
    url: str | None = "/items?limit=50"
    seen: list[dict[str, str]] = []
    requests = 0
    while url is not None:
        requests += 1
        assert requests <= 5, "pagination does not terminate"
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_json()
        assert body["status_code"] == 1000
        assert response.headers["X-Total-Count"] == "23"
        assert response.headers["X-Limit"] == "10"
        assert len(body["data"]) <= 10
        seen.extend(body["data"])
        url = next_link(dict(response.headers))
        if url is not None:
            assert url.startswith("http://localhost/items?")
    assert requests == 3
    assert seen == ITEMS


def test_a_bad_parameter_reaches_the_caller_as_2001(list_app: Flask) -> None:
    # Outside the OCPI blueprints the error is not enveloped; the view just raises it.
    with list_app.test_request_context("/items?offset=-3"), pytest.raises(InvalidOrMissingParameters, match="offset"):
        list_app.view_functions["items"]()


# --- numbers too large for a database integer ------------------------------------------------------


@pytest.mark.parametrize("offset", [str(2**31), str(2**63), str(10**30), "9" * 5000, "0" * 4000 + "7"])
def test_an_offset_beyond_any_store_is_clamped(offset: str) -> None:
    page = parse(offset=offset)
    assert page.offset == (7 if offset.endswith("07") else MAX_OFFSET)


@pytest.mark.parametrize("limit", [str(10**30), "9" * 5000])
def test_a_huge_limit_is_capped_like_any_other(limit: str) -> None:
    assert parse(limit=limit).limit == 100


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_date_moved_out_of_range_by_its_offset_is_2001(value: str) -> None:
    rejected("date_from", date_from=value)


@pytest.fixture
def sqlite_app(make_app: Callable[..., Flask], partners: Any, tmp_path: Any) -> Flask:
    """Our locations in the SQLAlchemy store on SQLite, whose integers are 64-bit."""
    from sqlalchemy import create_engine

    from example_app import demo
    from flask_ocpi.models import PartyKey
    from flask_ocpi.stores.sqlalchemy import SQLAlchemyLocations

    locations = SQLAlchemyLocations(create_engine(f"sqlite:///{tmp_path / 'pages.db'}"))
    locations.create_tables()
    locations.save_many([demo.location(PartyKey("NL", "ABC"), n) for n in range(1, 4)])
    return make_app(partners=partners, backends=[locations.sender()])


@pytest.mark.parametrize("query", [f"offset={10**30}", f"offset={2**63}", f"offset={10**30}&limit={10**30}"])
def test_a_huge_offset_is_an_empty_page_on_sqlite_not_a_500(sqlite_app: Flask, full_token: str, query: str) -> None:
    response = sqlite_app.test_client().get(
        f"/ocpi/cpo/2.1.1/locations?{query}", headers={"Authorization": f"Token {full_token}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status_code"], body["data"]) == (1000, [])
    assert response.headers["X-Total-Count"] == "3"
    assert "Link" not in response.headers
