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
