"""Bad input against the example app's real SQLAlchemy stores: never a 5xx, always an envelope.

Every field of a valid body of each receiver endpoint is replaced by values of the wrong
type, size or enum, or removed, in PUT, PATCH and POST requests; plus bodies that are not
objects or not JSON at all.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from example_app import create_app, demo
from flask_ocpi.models import PartyKey, Role
from flask_ocpi.v2_1_1.schemas.cdrs import dump_cdr
from flask_ocpi.v2_1_1.schemas.locations import dump_connector, dump_evse, dump_location
from flask_ocpi.v2_1_1.schemas.sessions import dump_session
from flask_ocpi.v2_1_1.schemas.tariffs import dump_tariff
from flask_ocpi.v2_1_1.schemas.tokens import dump_token
from tests.test_example_demo import CPO_TOKEN, EMSP_TOKEN, PARTNER_CPO, PARTNER_EMSP, add_partner

WRONG = [None, "", "x" * 3000, 12, -1, 1.5, True, [], {}, [1], "2026-13-45T99:99:99Z", "ÄÖ", "CHAOJI", "OTHER"]
NOT_OBJECTS = [b"", b"null", b"[]", b"123", b'"s"', b"{", b"\xff\xfe", b"{}"]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=float))


def _bodies() -> dict[tuple[str, str, str], Any]:
    location = demo.location(PARTNER_CPO, 1)
    location.evses = location.evses[:1]
    location.evses[0].connectors = location.evses[0].connectors[:1]
    session, cdr = demo.session_and_cdr(PARTNER_CPO, PartyKey("NL", "EXA"), location, 1)
    session.location = cdr.location = location
    evse = location.evses[0]
    base = f"/ocpi/emsp/2.1.1/locations/BE/CPO/{location.id}"
    return {
        ("PUT", base, CPO_TOKEN): _json(dump_location(location)),
        ("PUT", f"{base}/{evse.uid}", CPO_TOKEN): _json(dump_evse(evse)),
        ("PUT", f"{base}/{evse.uid}/1", CPO_TOKEN): _json(dump_connector(evse.connectors[0])),
        ("PUT", f"/ocpi/emsp/2.1.1/sessions/BE/CPO/{session.id}", CPO_TOKEN): _json(dump_session(session)),
        ("POST", "/ocpi/emsp/2.1.1/cdrs", CPO_TOKEN): _json(dump_cdr(cdr)),
        ("PUT", "/ocpi/emsp/2.1.1/tariffs/BE/CPO/AC-STANDARD", CPO_TOKEN): _json(
            dump_tariff(demo.tariffs(PARTNER_CPO)[0])
        ),
        ("PUT", "/ocpi/cpo/2.1.1/tokens/DE/MSP/04A1B2C3D40001", EMSP_TOKEN): _json(
            dump_token(demo.tokens(PARTNER_EMSP)[0])
        ),
    }


def _field_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every field, two levels deep, first two items of each list."""
    if len(prefix) >= 3:
        return
    items = value.items() if isinstance(value, dict) else enumerate(value[:2]) if isinstance(value, list) else []
    for key, child in items:
        yield (*prefix, key)
        yield from _field_paths(child, (*prefix, key))


def _with(body: Any, path: tuple[Any, ...], value: Any, *, remove: bool = False) -> Any:
    body = copy.deepcopy(body)
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return body


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    database: Path = tmp_path_factory.mktemp("bad-input") / "app.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", f"sqlite:///{database}")
        env.setenv("COMMAND_SWEEPER", "0")
        app = create_app()
    add_partner(app, "emsp", Role.CPO, Role.EMSP, PARTNER_EMSP, EMSP_TOKEN)
    add_partner(app, "cpo", Role.EMSP, Role.CPO, PARTNER_CPO, CPO_TOKEN)
    yield app.test_client()


def _send(client: FlaskClient, method: str, url: str, token: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.open(url, method=method, data=data, headers={"Authorization": f"Token {token}"})
    return response.status_code, response.get_json(silent=True)


@pytest.mark.parametrize(("method", "url", "token"), list(_bodies()))
def test_no_bad_body_gets_a_5xx_or_a_non_envelope(client: FlaskClient, method: str, url: str, token: str) -> None:
    valid = _bodies()[(method, url, token)]
    status, body = _send(client, method, url, token, valid)
    assert status in (200, 201) and body["status_code"] == 1000, body
    failures = []
    for path in _field_paths(valid):
        variants = [_with(valid, path, None, remove=True)] + [_with(valid, path, v) for v in WRONG]
        for variant in variants:
            requests = [(method, variant)]
            if method == "PUT":
                requests.append(("PATCH", {path[0]: variant.get(path[0])} if isinstance(variant, dict) else {}))
            for verb, payload in requests:
                status, body = _send(client, verb, url, token, payload)
                if status >= 500 or not isinstance(body, dict) or "status_code" not in body:
                    failures.append((verb, path, status, body))
    for raw in NOT_OBJECTS:
        status, body = _send(client, method, url, token, raw)
        if status >= 500 or not isinstance(body, dict) or body.get("status_code") == 1000:
            failures.append((method, raw, status, body))
    assert failures == []


# --- limits: depth, list lengths, lists growing by writes, numbers -------------------------------------

LOCATION = "/ocpi/emsp/2.1.1/locations/BE/CPO/LOC000001"
SESSION = "/ocpi/emsp/2.1.1/sessions/BE/CPO/SES000001"
TARIFF = "/ocpi/emsp/2.1.1/tariffs/BE/CPO/AC-STANDARD"
CDRS = "/ocpi/emsp/2.1.1/cdrs"
EVSE_UID = "BECPO-000001-1"


def _body(url: str) -> Any:
    return next(body for (_, where, _), body in _bodies().items() if where == url)


def _at(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``body`` with ``value`` at ``path``, creating objects on the way."""
    body = copy.deepcopy(body)
    parent = body
    for key in path[:-1]:
        if isinstance(parent, dict):
            parent = parent.setdefault(key, {})
        else:
            parent = parent[key]
    parent[path[-1]] = value
    return body


def _raw(body: Any, path: tuple[Any, ...], number: str) -> bytes:
    """``body`` as JSON text with the literal ``number`` (``NaN``, ``1E+999999``...) at ``path``."""
    return json.dumps(_at(body, path, "__number__")).replace('"__number__"', number).encode()


def _status(client: FlaskClient, method: str, url: str, body: Any) -> tuple[int, int, str]:
    status, answer = _send(client, method, url, CPO_TOKEN, body)
    assert isinstance(answer, dict), (status, answer)
    return status, answer["status_code"], answer.get("status_message", "")


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", LOCATION, ("[" * 20_000 + "]" * 20_000).encode()),
        (
            "PUT",
            LOCATION,
            json.dumps(_body(LOCATION)).replace('"name"', '"x": ' + "[" * 20_000 + "]" * 20_000 + ', "name"').encode(),
        ),
        ("PATCH", LOCATION, ('{"evses": ' + "[" * 20_000 + "]" * 20_000 + "}").encode()),
        ("PATCH", SESSION, ('{"charging_periods": ' + '{"a":' * 20_000 + "1" + "}" * 20_000 + "}").encode()),
        ("POST", CDRS, ("[" * 5_000 + "]" * 5_000).encode()),
    ],
    ids=["body", "inside-a-field", "patch", "patch-objects", "post"],
)
def test_json_nested_thousands_deep_is_2001_not_a_500(client: FlaskClient, method: str, url: str, body: bytes) -> None:
    status, code, message = _status(client, method, url, body)
    assert (status, code) == (200, 2001), message
    assert "nested deeper than 32 levels (OCPI_MAX_JSON_DEPTH)" in message


def test_json_just_beyond_the_depth_limit_is_2001_naming_the_field(client: FlaskClient) -> None:
    """33 levels parse in Python; they are refused naming the top-level field they are in."""
    status, code, message = _status(client, "PUT", LOCATION, _at(_body(LOCATION), ("x_vendor",), _deep(32)))
    assert (status, code) == (200, 2001)
    assert message == "x_vendor: nested deeper than 32 levels (OCPI_MAX_JSON_DEPTH)"
    status, code, message = _status(client, "PUT", LOCATION, _at(_body(LOCATION), ("x_vendor",), _deep(31)))
    assert (status, code) in ((200, 1000), (201, 1000)), message  # 32 levels in all: an unknown field, dropped


def test_a_list_longer_than_the_limit_is_2001_naming_it(client: FlaskClient) -> None:
    evse = _body(f"{LOCATION}/{EVSE_UID}")
    connector = evse["connectors"][0]
    many = [{**connector, "id": str(n)} for n in range(1001)]
    status, code, message = _status(client, "PUT", f"{LOCATION}/{EVSE_UID}", {**evse, "connectors": many})
    assert (status, code) == (200, 2001)
    assert message == "connectors: more than 1000 items (1001; OCPI_MAX_LIST_LENGTH)"
    location = _at(_body(LOCATION), ("evses", 0, "directions"), [{"language": "en", "text": "x"}] * 1001)
    assert _status(client, "PUT", LOCATION, location)[2].startswith("evses.0.directions: more than 1000 items")
    status, code, message = _status(client, "PUT", f"{LOCATION}/{EVSE_UID}", {**evse, "connectors": many[:1000]})
    assert (status, code) == (200, 1000), message  # the limit itself is fine


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The example app with small OCPI_MAX_LIST_LENGTH (3) and OCPI_MAX_JSON_DEPTH (8)."""
    database: Path = tmp_path_factory.mktemp("limits") / "app.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", f"sqlite:///{database}")
        env.setenv("COMMAND_SWEEPER", "0")
        app = create_app({"TESTING": True, "OCPI_MAX_LIST_LENGTH": 3, "OCPI_MAX_JSON_DEPTH": 8})
    add_partner(app, "cpo", Role.EMSP, Role.CPO, PARTNER_CPO, CPO_TOKEN)
    yield app.test_client()


def test_the_limits_are_the_applications(limited: FlaskClient) -> None:
    location = _body(LOCATION)
    evses = [{**location["evses"][0], "uid": f"E{n}"} for n in range(4)]
    _, code, message = _status(limited, "PUT", LOCATION, {**location, "evses": evses})
    assert (code, message) == (2001, "evses: more than 3 items (4; OCPI_MAX_LIST_LENGTH)")
    _, code, message = _status(limited, "PUT", LOCATION, _at(location, ("x_vendor",), _deep(8)))
    assert (code, message) == (2001, "x_vendor: nested deeper than 8 levels (OCPI_MAX_JSON_DEPTH)")


def test_a_patch_may_not_grow_a_stored_list_beyond_the_limit(limited: FlaskClient) -> None:
    session = _body(SESSION)
    period = session["charging_periods"][0]
    assert _status(limited, "PUT", LOCATION, _body(LOCATION))[1] == 1000
    assert _status(limited, "PUT", SESSION, {**session, "charging_periods": [period] * 3})[1] == 1000
    status, code, message = _status(limited, "PATCH", SESSION, {"charging_periods": [period]})
    assert (status, code) == (200, 2001)
    assert message == "charging_periods: would hold 4 items, more than 3 (OCPI_MAX_LIST_LENGTH)"
    stored = _send(limited, "GET", SESSION, CPO_TOKEN, b"")[1]["data"]
    assert len(stored["charging_periods"]) == 3  # nothing was stored


def test_a_put_may_not_grow_a_stored_location_beyond_the_limit(limited: FlaskClient) -> None:
    location = _body(LOCATION)
    evse = location["evses"][0]
    connectors = [{**evse["connectors"][0], "id": str(n)} for n in range(3)]
    three = [{**evse, "uid": f"E{n}", "connectors": connectors} for n in range(3)]
    assert _status(limited, "PUT", LOCATION, {**location, "evses": three})[1] == 1000
    assert _status(limited, "PUT", f"{LOCATION}/E1", {**evse, "uid": "E1"})[1] == 1000  # replacing is fine
    _, code, message = _status(limited, "PUT", f"{LOCATION}/E9", {**evse, "uid": "E9"})
    assert (code, message) == (2001, "evses: would hold 4 items, more than 3 (OCPI_MAX_LIST_LENGTH)")
    _, code, message = _status(limited, "PUT", f"{LOCATION}/E0/9", {**connectors[0], "id": "9"})
    assert (code, message) == (2001, "connectors: would hold 4 items, more than 3 (OCPI_MAX_LIST_LENGTH)")
    stored = _send(limited, "GET", LOCATION, CPO_TOKEN, b"")[1]["data"]
    assert [e["uid"] for e in stored["evses"]] == ["E0", "E1", "E2"]
    assert len(stored["evses"][0]["connectors"]) == 3


_CONNECTOR = ("evses", 0, "connectors", 0)
_PERIOD = ("charging_periods", 0, "dimensions", 0, "volume")
_PRICE = ("elements", 0, "price_components", 0)
_RESTRICTION = ("elements", 0, "restrictions")

OUT_OF_RANGE = [
    (LOCATION, (*_CONNECTOR, "voltage"), "1000000000"),
    (LOCATION, (*_CONNECTOR, "voltage"), "-1"),
    (LOCATION, (*_CONNECTOR, "amperage"), "100000"),
    (LOCATION, ("coordinates", "latitude"), '"99.999999"'),
    (LOCATION, ("coordinates", "latitude"), '"-90.000001"'),
    (LOCATION, ("coordinates", "longitude"), '"181.000000"'),
    (LOCATION, ("evses", 0, "coordinates"), '{"latitude": "0.000000", "longitude": "-999.999999"}'),
    (
        LOCATION,
        ("energy_mix",),
        '{"is_green_energy": true, "environ_impact": [{"source": "CARBON_DIOXIDE", "amount": -1}]}',
    ),
    (SESSION, ("kwh",), "NaN"),
    (SESSION, ("kwh",), "-1"),
    (SESSION, ("kwh",), "1E+999999"),
    (SESSION, ("total_cost",), "Infinity"),
    (SESSION, ("total_cost",), "-Infinity"),
    (SESSION, _PERIOD, "1E+7"),
    (CDRS, ("total_energy",), "1E+999999"),
    (CDRS, ("total_time",), "-0.5"),
    (CDRS, ("total_parking_time",), "1000000"),
    (CDRS, ("total_cost",), "-1E+10"),
    (TARIFF, (*_PRICE, "price"), "NaN"),
    (TARIFF, (*_PRICE, "price"), "1E+999999"),
    (TARIFF, (*_PRICE, "step_size"), str(2**40)),
    (TARIFF, (*_PRICE, "step_size"), "-5"),
    (TARIFF, (*_RESTRICTION, "max_power"), "100000"),
    (TARIFF, (*_RESTRICTION, "min_kwh"), "1E+999999"),
    (TARIFF, (*_RESTRICTION, "min_duration"), "-1"),
    (TARIFF, (*_RESTRICTION, "max_duration"), str(10**30)),
]


@pytest.mark.parametrize(("url", "path", "number"), OUT_OF_RANGE, ids=lambda v: v if isinstance(v, str) else None)
def test_numbers_outside_any_physical_range_are_2001_naming_the_field(
    client: FlaskClient, url: str, path: tuple[Any, ...], number: str
) -> None:
    method = "POST" if url == CDRS else "PUT"
    status, code, message = _status(client, method, url, _raw(_body(url), path, number))
    assert (status, code) == (200, 2001), message
    assert message.startswith(".".join(str(p) for p in path)), message
    if method == "PUT":  # and in a PATCH of the same field
        top = _at(_body(url), path, "__number__")[path[0]]
        raw = json.dumps({path[0]: top}).replace('"__number__"', number).encode()
        status, code, message = _status(client, "PATCH", url, raw)
        assert (status, code) == (200, 2001), message


@pytest.mark.parametrize(
    ("url", "path", "value"),
    [
        (LOCATION, (*_CONNECTOR, "voltage"), 10_000),
        (LOCATION, ("coordinates", "latitude"), "90.000000"),
        (LOCATION, ("coordinates", "longitude"), "-180.000000"),
        (TARIFF, (*_PRICE, "price"), -0.05),  # negative wholesale energy prices exist
        (TARIFF, (*_PRICE, "step_size"), 0),  # the spec's free-of-charge example
    ],
)
def test_numbers_at_the_bounds_are_accepted(client: FlaskClient, url: str, path: tuple[Any, ...], value: Any) -> None:
    _, code, message = _status(client, "PUT", url, _at(_body(url), path, value))
    assert code == 1000, message


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_datetime_moved_out_of_range_by_its_offset_is_2001_not_a_500(client: FlaskClient, value: str) -> None:
    for method, body in (("PUT", _at(_body(LOCATION), ("last_updated",), value)), ("PATCH", {"last_updated": value})):
        status, code, message = _status(client, method, LOCATION, body)
        assert (status, code, message) == (200, 2001, "last_updated: Not a valid OCPI DateTime."), method
