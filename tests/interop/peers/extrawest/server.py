# mypy: disallow-subclassing-any=False, disallow-untyped-decorators=False
# (py_ocpi ships no type hints, and the test suite's mypy sees neither FastAPI nor uvicorn.)
"""Serve an extrawest-ocpi (``py_ocpi``) party for the interop tests, OCPI 2.1.1.

Run by the peer's own interpreter (``.peers/extrawest/bin/python``), never imported by the
test suite::

    .peers/extrawest/bin/python tests/interop/peers/extrawest/server.py --role CPO --port 8123

It builds the package's FastAPI application (``py_ocpi.get_application``) for one role with
the in-memory ``Crud`` and ``Authenticator`` a host of the package must write, the package's
own ``BaseAdapter`` and its own pydantic schemas, seeds a few valid objects, prints ``READY``
once the socket listens, and serves a small control API next to the OCPI routes:

``GET  /_control/state``            what it holds: partners, objects received, commands, requests
``POST /_control/register``         ``{"versions_url", "token"}``: register with that party (token A)
``POST /_control/push/<module>``    ``{"object_id", "versions_url"}``: push one of its own objects
                                    to the partner registered at ``versions_url``, with the
                                    package's own push code (``py_ocpi.core.push.push_object``)
``POST /_control/endpoints``        ``{"commands": true}``: (CPO) also advertise the commands
                                    endpoint, which the package leaves out of its 2.1.1 CPO list
``POST /_control/command_result``   ``{"result": "REJECTED"}``: what the "charge point" answers

What is the package's code and what is ours: every OCPI route, the credentials handshake
when we register with it, the version discovery, the push requests and the command result
POST are the package's. The package has no client for registering *with* another party
(no code that POSTs credentials) and none for pulling lists or sending commands; the
``/_control/register`` flow below is therefore harness code (httpx, the package's own
dependency), written to the credentials chapter of OCPI 2.1.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

PARTIES = {"CPO": ("DE", "XWC", "Extrawest CPO"), "EMSP": ("DE", "XWE", "Extrawest eMSP")}


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=sorted(PARTIES), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-a", action="append", default=[], help="a registration token it accepts (repeatable)")
    return parser.parse_args(argv)


ARGS = _args(sys.argv[1:])
COUNTRY, PARTY, NAME = PARTIES[ARGS.role]
BASE = f"http://127.0.0.1:{ARGS.port}"

# py_ocpi reads its settings from the environment once, when it is imported.
os.environ.update(
    OCPI_HOST=f"127.0.0.1:{ARGS.port}",
    PROTOCOL="http",
    COUNTRY_CODE=COUNTRY,
    PARTY_ID=PARTY,
    ENVIRONMENT="development",  # DEBUG logs on stderr: the tests print them when something fails
    PROJECT_NAME="extrawest interop peer",
)

import httpx  # noqa: E402
import seed  # noqa: E402  (next to this script)
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from py_ocpi import get_application  # noqa: E402
from py_ocpi.core.adapter import BaseAdapter  # noqa: E402
from py_ocpi.core.authentication.authenticator import Authenticator  # noqa: E402
from py_ocpi.core.crud import Crud  # noqa: E402
from py_ocpi.core.dependencies import get_endpoints  # noqa: E402
from py_ocpi.core.endpoints.v_2_1_1.utils import cpo_generator  # noqa: E402
from py_ocpi.core.enums import Action, ModuleID, RoleEnum  # noqa: E402
from py_ocpi.core.push import push_object  # noqa: E402
from py_ocpi.core.schemas import Push, Receiver  # noqa: E402
from py_ocpi.modules.versions.enums import VersionNumber  # noqa: E402

V211 = VersionNumber.v_2_1_1
OWN_VERSIONS_URL = f"{BASE}/ocpi/versions"

OWN: dict[ModuleID, dict[str, dict[str, Any]]] = {
    ModuleID(module): objects for module, objects in (seed.cpo(NAME) if ARGS.role == "CPO" else seed.emsp(NAME)).items()
}

# ----------------------------------------------------------------------------- state


@dataclass
class State:
    """Everything the peer knows; the control API shows it."""

    token_a: set[str] = field(default_factory=lambda: set(ARGS.token_a))
    #: token a partner uses to call us -> that partner's record
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (module, country_code, party_id, id) -> object received from a partner
    received: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    command_result: str = "ACCEPTED"
    requests: list[dict[str, Any]] = field(default_factory=list)


STATE = State()


def new_token() -> str:
    """A token this peer issues (B or C).

    ``py_ocpi`` base64-decodes every token presented to its (version-independent)
    ``/versions`` endpoint and only survives a decoding failure that is a
    ``UnicodeDecodeError``: a token that is not valid base64 (wrong padding) gets OCPI 3000
    there. A host of the package must therefore issue tokens that decode to invalid UTF-8;
    ``////`` (three 0xFF bytes) followed by 32 hex digits always does.
    """
    return "////" + secrets.token_hex(16)


def _own_credentials(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "url": OWN_VERSIONS_URL,
        "business_details": {"name": NAME, "website": "https://extrawest.example.com"},
        "party_id": PARTY,
        "country_code": COUNTRY,
    }


def _partner_of(token: str | None) -> dict[str, Any] | None:
    return STATE.accepted.get(token or "")


def _owns(module: ModuleID, role: RoleEnum) -> bool:
    """Whether (module, role) means our own objects (sender side) rather than received ones."""
    if module == ModuleID.tokens:
        return bool(role == RoleEnum.emsp)
    return bool(role == RoleEnum.cpo)


def _in_window(obj: dict[str, Any], filters: dict[str, Any]) -> bool:
    stamp = datetime.fromisoformat(str(obj["last_updated"]).replace("Z", "+00:00"))
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    return (date_from is None or stamp >= date_from) and (date_to is None or stamp < date_to)


# ----------------------------------------------------------------------------- host code the package requires


class MemoryAuthenticator(Authenticator):
    """Tokens A (registration) and C (registered partners), as ``py_ocpi`` asks a host for."""

    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return list(STATE.accepted)

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return list(STATE.token_a)


class MemoryCrud(Crud):
    """The in-memory business logic ``py_ocpi`` calls for every module."""

    @classmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> Any:
        if module == ModuleID.credentials_and_registration:
            return _own_credentials(id) if _partner_of(id) else None
        if module == ModuleID.commands:  # the charge point's outcome of a command
            return {"result": STATE.command_result}
        if _owns(module, role):
            return OWN.get(module, {}).get(str(id))
        key = (module.value, str(kwargs.get("country_code", "")).upper(), str(kwargs.get("party_id", "")).upper())
        return STATE.received.get((*key, str(id)))

    @classmethod
    async def list(cls, module: ModuleID, role: RoleEnum, filters: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        everything = [o for o in OWN.get(module, {}).values() if _in_window(o, filters)]
        offset, limit = filters["offset"], filters["limit"]
        page = everything[offset : offset + limit]
        return page, len(everything), offset + limit >= len(everything)

    @classmethod
    async def create(cls, module: ModuleID, role: RoleEnum, data: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if module == ModuleID.credentials_and_registration:
            return _accept_registration(data, kwargs.get("auth_token"))
        return _store_received(module, data, kwargs)

    @classmethod
    async def update(
        cls, module: ModuleID, role: RoleEnum, data: dict[str, Any], id: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if module == ModuleID.credentials_and_registration:
            old = STATE.accepted.pop(kwargs.get("auth_token") or "", None)
            return _accept_registration(data, None, previous=old)
        if module == ModuleID.commands:  # (eMSP) a command result at our response_url
            STATE.commands.append({"result_for": id, "result": data})
            return data
        return _store_received(module, data, kwargs)

    @classmethod
    async def delete(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> None:
        if module == ModuleID.credentials_and_registration:
            STATE.accepted.pop(str(id), None)
            return
        key = (module.value, str(kwargs.get("country_code", "")).upper(), str(kwargs.get("party_id", "")).upper())
        STATE.received.pop((*key, str(id)), None)

    @classmethod
    async def do(
        cls,
        module: ModuleID,
        role: RoleEnum | None,
        action: Action,
        *args: Any,
        data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if action == Action.send_command:
            body = args[0] if args else data
            command = kwargs.get("command")
            STATE.commands.append({"command": getattr(command, "value", command), "body": _jsonable(body)})
            return {"result": "ACCEPTED"}
        if action == Action.get_client_token:
            partner = _partner_of(kwargs.get("auth_token"))
            return partner["their_token"] if partner else None
        if action == Action.authorize_token:
            return {"allowed": "ALLOWED"}
        return None


def _accept_registration(
    data: dict[str, Any], token_a: str | None, *, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A partner registered with us (POST) or updated (PUT): keep its credentials, issue token C."""
    theirs = data["credentials"]
    token_c = new_token()
    STATE.accepted[token_c] = {
        "initiated_by": "them" if previous is None else previous["initiated_by"],
        "versions_url": theirs["url"],
        "details_url": None,
        "their_token": theirs["token"],
        "credentials": _jsonable(theirs),
        "endpoints": _jsonable(data["endpoints"]).get("endpoints", []),
        "registered_with_token_a": bool(token_a),
    }
    return _own_credentials(token_c)


def _store_received(module: ModuleID, data: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    object_id = data.get("id") or data.get("uid")
    key = (module.value, str(kwargs.get("country_code", "")).upper(), str(kwargs.get("party_id", "")).upper())
    STATE.received[(*key, str(object_id))] = _jsonable(data)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "dict"):
        return _jsonable(value.dict())
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, str):
        return str(value)  # the package's String/CiString/DateTime subclasses
    return value


# ----------------------------------------------------------------------------- the harness's own client code


async def _register(versions_url: str, token_a: str) -> dict[str, Any]:
    """Register with a party (we are the initiator), per the 2.1.1 credentials chapter.

    The package has no code for this side of the handshake; this is harness code.
    """
    headers = {"Authorization": f"Token {token_a}"}
    async with httpx.AsyncClient(timeout=10) as client:
        versions = (await client.get(versions_url, headers=headers)).json()["data"]
        details_url = next(v["url"] for v in versions if v["version"] == "2.1.1")
        details = (await client.get(details_url, headers=headers)).json()["data"]
        credentials_url = next(e["url"] for e in details["endpoints"] if e["identifier"] == "credentials")
        token_b = new_token()
        record = {
            "initiated_by": "us",
            "versions_url": versions_url,
            "details_url": details_url,
            "their_token": None,
            "credentials": None,
            "endpoints": details["endpoints"],
        }
        STATE.accepted[token_b] = record  # they call us back with token B during the handshake
        answer = await client.post(credentials_url, json=_own_credentials(token_b), headers=headers)
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None
    if answer.status_code != 200 or not body or body.get("status_code") != 1000:
        STATE.accepted.pop(token_b, None)
        return {"ok": False, "http_status": answer.status_code, "body": body or answer.text}
    record["their_token"] = body["data"]["token"]
    record["credentials"] = body["data"]
    return {"ok": True, "http_status": answer.status_code, "body": body}


async def _details_url(partner: dict[str, Any]) -> str:
    if partner["details_url"]:
        return str(partner["details_url"])
    headers = {"Authorization": f"Token {partner['their_token']}"}
    async with httpx.AsyncClient(timeout=10) as client:
        versions = (await client.get(partner["versions_url"], headers=headers)).json()["data"]
    partner["details_url"] = next(v["url"] for v in versions if v["version"] == "2.1.1")
    return str(partner["details_url"])


# ----------------------------------------------------------------------------- the application


def build() -> FastAPI:
    app = get_application(
        version_numbers=[V211],
        roles=[RoleEnum.cpo if ARGS.role == "CPO" else RoleEnum.emsp],
        crud=MemoryCrud,
        modules=[
            ModuleID.credentials_and_registration,
            ModuleID.locations,
            ModuleID.sessions,
            ModuleID.cdrs,
            ModuleID.tariffs,
            ModuleID.tokens,
            ModuleID.commands,
        ],
        authenticator=MemoryAuthenticator,
        adapter=BaseAdapter,
    )
    advertised: list[Any] = app.dependency_overrides[get_endpoints]()[V211]
    commands_endpoint = cpo_generator.generate_endpoint(ModuleID.commands)

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        if not request.url.path.startswith("/_control"):
            auth = request.headers.get("authorization", "")
            partner = _partner_of(auth[6:])
            STATE.requests.append(
                {
                    "method": request.method,
                    "url": str(request.url),
                    "status": response.status_code,
                    "token": "A" if auth[6:] in STATE.token_a else ("C" if partner else ("none" if not auth else "?")),
                }
            )
        return response

    @app.get("/_control/state")
    async def state() -> dict[str, Any]:
        return {
            "role": ARGS.role,
            "party": {"country_code": COUNTRY, "party_id": PARTY},
            "versions_url": OWN_VERSIONS_URL,
            "own": {m.value: list(objs.values()) for m, objs in OWN.items()},
            "partners": [{k: v for k, v in p.items()} for p in STATE.accepted.values()],
            "received": [
                {"module": m, "country_code": c, "party_id": p, "id": i, "object": o}
                for (m, c, p, i), o in STATE.received.items()
            ],
            "commands": STATE.commands,
            "requests": STATE.requests,
            "advertised": [_jsonable(e) for e in advertised],
        }

    @app.post("/_control/register")
    async def register(body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await _register(body["versions_url"], body["token"])
        except Exception as exc:  # reported to the test, which prints it
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    @app.post("/_control/push/{module}")
    async def push(module: str, body: dict[str, Any]) -> dict[str, Any]:
        partner = next((p for p in STATE.accepted.values() if p["versions_url"] == body["versions_url"]), None)
        if partner is None or not partner["their_token"]:
            return {"ok": False, "error": f"no partner registered at {body['versions_url']}"}
        try:
            receiver = Receiver(endpoints_url=await _details_url(partner), auth_token=partner["their_token"])
            order = Push(module_id=ModuleID(module), object_id=body["object_id"], receivers=[receiver])
            result = await push_object(V211, order, MemoryCrud, BaseAdapter)
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"ok": True, **_jsonable(result.dict())}

    @app.post("/_control/endpoints")
    async def endpoints(body: dict[str, Any]) -> dict[str, Any]:
        present = commands_endpoint in advertised
        if body.get("commands") and not present:
            advertised.append(commands_endpoint)
        elif not body.get("commands") and present:
            advertised.remove(commands_endpoint)
        return {"advertised": [_jsonable(e) for e in advertised]}

    @app.post("/_control/command_result")
    async def command_result(body: dict[str, Any]) -> dict[str, Any]:
        STATE.command_result = body["result"]
        return {"result": STATE.command_result}

    return app


class _Server(uvicorn.Server):
    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(f"READY {BASE} {OWN_VERSIONS_URL}", flush=True)


def main() -> None:
    config = uvicorn.Config(build(), host="127.0.0.1", port=ARGS.port, log_level="warning", lifespan="off")
    asyncio.run(_Server(config).serve())


if __name__ == "__main__":
    main()
