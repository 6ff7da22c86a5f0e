"""Drive python-ocpi (PyPI ``python-ocpi``) as a CPO against a Flask-OCPI eMSP, over real HTTP.

Run with the peer's own interpreter (``.peers/python_ocpi/bin/python``)::

    driver.py --versions-url URL --token-a TOKEN [--party-id PYO] [--country-code DE] [--locations 3]

python-ocpi 0.3.1 is an OCPI **2.2** library ("Always speaks OCPI 2.2"). Its client-side code
is two methods of ``ocpi.managers.CredentialsManager``: ``_sendRegisterResponse`` (POST our
credentials, PUT on 405, return the token of the answer) and ``_pushObjects`` (PUT each object to
``{endpoint}/{country_code}/{party_id}/{id}``), reached through ``sendToModule``. Its server side
(``createOcpiBlueprint``) serves the versions and version details Flask-OCPI reads back during
the handshake. This driver uses exactly those, and records every HTTP exchange:

1. ``register_as_is``: python-ocpi's own registration, its 2.2 credentials body unchanged.
2. ``register_adapted``: the same call, with the two adaptations a python-ocpi user needs for a
   2.1.1 partner: the credentials body reshaped to the 2.1.1 object (one party, top-level
   ``party_id``/``country_code``/``business_details``) and its version-details resource also
   mounted at ``/2.1.1`` (python-ocpi hard-wires it at ``/2.2``; ``--no-details-alias`` leaves
   it there, and the registration stops at our discovery).
3. ``endpoints``: python-ocpi's ``_getEndpoints`` (an unauthenticated GET of the version
   details), then the same GET with the token, done by this driver.
4. ``push``: ``sendToModule(locations, "locations", "PUT")`` with 2.1.1 location objects
   (plus the ``country_code``/``party_id`` python-ocpi needs to build the URL).
5. ``push_marshalled``: one location passed through python-ocpi's own ``Location`` model
   (``flask_restx.marshal``), i.e. its 2.2 serialization, then pushed the same way.

The report (JSON on stdout) lists each step's requests and responses and any error.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

import ocpi
import ocpi.managers
import requests
from flask import Flask, request
from flask_restx import marshal
from ocpi.managers import CredentialsDictMan, LocationManager
from ocpi.models.location import Location as PyOcpiLocation
from ocpi.namespaces.versions import get_details, versions_ns
from werkzeug.serving import make_server

TIMEOUT = 10.0


class RecordingRequests:
    """Stands in for the ``requests`` module inside ``ocpi.managers``: records every exchange.

    python-ocpi calls ``requests.get/post/put/patch`` without a timeout; the recorder adds one.
    With ``adapt_credentials`` it reshapes a 2.2 credentials body (``roles`` list) into the
    2.1.1 object before sending: that is the driver's adaptation, reported as such.
    """

    exceptions = requests.exceptions

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.adapt_credentials = False

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        body = kwargs.get("json")
        if self.adapt_credentials and url.rstrip("/").endswith("/credentials") and isinstance(body, dict):
            kwargs["json"] = body = credentials_211(body)
        kwargs.setdefault("timeout", TIMEOUT)
        call: dict[str, Any] = {"method": method, "url": url, "headers": dict(kwargs.get("headers") or {})}
        if body is not None:
            call["body"] = body
        self.calls.append(call)
        response = requests.request(method, url, **kwargs)
        call["status"] = response.status_code
        try:
            call["response"] = response.json()
        except ValueError:
            call["response"] = response.text[:2000]
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("PATCH", url, **kwargs)

    def take(self) -> list[dict[str, Any]]:
        calls, self.calls = self.calls, []
        return calls


def credentials_211(body: dict[str, Any]) -> dict[str, Any]:
    """A 2.2 credentials body (``token``, ``url``, ``roles``) as the 2.1.1 object (first role)."""
    roles = body.get("roles") or []
    if not isinstance(roles, list) or not roles:
        return body
    party = roles[0]
    return {
        "token": body["token"],
        "url": body["url"],
        "business_details": party["business_details"],
        "party_id": party["party_id"],
        "country_code": party["country_code"],
    }


class Server:
    """python-ocpi's own blueprint, served on 127.0.0.1; records the requests it receives."""

    def __init__(self, credentials: CredentialsDictMan, locations: LocationManager) -> None:
        app = Flask("python-ocpi-peer")
        self.received: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}/ocpi"
        credentials.url = f"{self.base_url}/versions"
        injected = {
            "credentials": {"role": "SENDER", "object": credentials},
            "locations": {"role": "SENDER", "object": locations},
        }
        app.register_blueprint(ocpi.createOcpiBlueprint(self.base_url, injected, ocpi_version="2.1.1"))

        @app.before_request
        def record() -> None:
            self.received.append(
                {"method": request.method, "path": request.path, "authorization": request.headers.get("Authorization")}
            )

        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()


def mount_details_at_211() -> None:
    """Adaptation: also serve python-ocpi's version-details resource at ``/2.1.1``.

    python-ocpi's versions list advertises ``{base_url}/{ocpi_version}`` but its details route
    is the literal ``2.2``; without this an OCPI 2.1.1 configuration 404s at its own URL.
    Must run before ``createOcpiBlueprint`` (which hands the managers to every resource).
    """
    if not any(res.urls == ("2.1.1",) for res in versions_ns.resources):
        versions_ns.add_resource(get_details, "2.1.1", endpoint="details_2_1_1")


def locations_211(country_code: str, party_id: str, count: int) -> list[dict[str, Any]]:
    """The CPO's locations as 2.1.1 objects, plus the owner fields python-ocpi builds URLs from."""
    result = []
    for n in range(1, count + 1):
        stamp = f"2026-02-0{n % 9 + 1}T10:00:00Z"
        result.append(
            {
                "country_code": country_code,
                "party_id": party_id,
                "id": f"PYLOC{n}",
                "type": "ON_STREET",
                "name": f"python-ocpi site {n}",
                "address": f"Teststrasse {n}",
                "city": "Aachen",
                "postal_code": "52062",
                "country": "DEU",
                "coordinates": {"latitude": "50.775500", "longitude": f"6.08{n:04d}"},
                "evses": [
                    {
                        "uid": f"PYLOC{n}-E1",
                        "evse_id": f"DE*{party_id}*E{n:04d}",
                        "status": "AVAILABLE",
                        "capabilities": ["RFID_READER"],
                        "connectors": [
                            {
                                "id": "1",
                                "standard": "IEC_62196_T2",
                                "format": "SOCKET",
                                "power_type": "AC_3_PHASE",
                                "voltage": 230,
                                "amperage": 16,
                                "last_updated": stamp,
                            }
                        ],
                        "last_updated": stamp,
                    }
                ],
                "time_zone": "Europe/Berlin",
                "last_updated": stamp,
            }
        )
    return result


def step(report: dict[str, Any], name: str, recorder: RecordingRequests, action: Any) -> Any:
    """Run one scenario step; record its result, its HTTP calls and any exception."""
    entry: dict[str, Any] = {}
    report["steps"][name] = entry
    try:
        entry["result"] = action()
        return entry["result"]
    except Exception as exc:  # the report says what broke; the test decides whether it should
        entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["traceback"] = traceback.format_exc()
        return None
    finally:
        entry["calls"] = recorder.take()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions-url", required=True, help="Flask-OCPI eMSP versions URL")
    parser.add_argument("--token-a", required=True, help="registration token (token A) from ocpi.invite()")
    parser.add_argument("--party-id", default="PYO")
    parser.add_argument("--country-code", default="DE")
    parser.add_argument("--locations", type=int, default=3, help="how many locations to push")
    parser.add_argument(
        "--no-details-alias",
        action="store_true",
        help="serve python-ocpi's version details only where it puts them (/2.2), as it is",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="python-ocpi %(levelname)s %(message)s")

    recorder = RecordingRequests()
    ocpi.managers.requests = recorder
    base = args.versions_url.rstrip("/").removesuffix("/versions")
    roles = [
        {
            "role": "CPO",
            "party_id": args.party_id,
            "country_code": args.country_code,
            "business_details": {"name": "python-ocpi CPO"},
        }
    ]
    workdir = Path(tempfile.mkdtemp(prefix="python-ocpi-"))
    credentials = CredentialsDictMan(roles, url="", filename=str(workdir / "ocpi_creds.json"))
    if not args.no_details_alias:
        mount_details_at_211()
    server = Server(credentials, LocationManager())
    server.start()
    report: dict[str, Any] = {
        "peer": "python-ocpi",
        "peer_versions_url": credentials.url,
        "our_base": base,
        "steps": {},
    }
    try:
        token_b = secrets.token_urlsafe(32)
        report["token_b"] = token_b
        # 1. python-ocpi's registration exactly as it is: 2.2 credentials body.
        step(
            report,
            "register_as_is",
            recorder,
            lambda: credentials._sendRegisterResponse(base, "2.1.1", token_b, args.token_a),
        )
        report["steps"]["register_as_is"]["peer_received"] = server.received[:]
        server.received.clear()
        # 2. The same call with the 2.1.1 credentials object.
        recorder.adapt_credentials = True
        token_c = step(
            report,
            "register_adapted",
            recorder,
            lambda: credentials._sendRegisterResponse(base, "2.1.1", token_b, args.token_a),
        )
        recorder.adapt_credentials = False
        report["steps"]["register_adapted"]["peer_received"] = server.received[:]
        report["token_c"] = token_c
        if not token_c:
            return 0
        # 3. python-ocpi's endpoint discovery, then the authenticated GET it should have made.
        found = step(report, "endpoints", recorder, lambda: credentials._getEndpoints(base, "2.1.1"))
        if not found:
            details = requests.get(
                f"{base}/2.1.1", headers={"Authorization": f"Token {token_c}"}, timeout=TIMEOUT
            ).json()
            found = details["data"]["endpoints"]
            report["steps"]["endpoints"]["driver_fetched"] = found
        credentials._updateToken(token_b, args.versions_url, token_c, found)
        # 4. Push 2.1.1 locations with python-ocpi's sendToModule/_pushObjects.
        pushed = locations_211(args.country_code, args.party_id, args.locations)
        report["pushed"] = pushed
        step(report, "push", recorder, lambda: credentials.sendToModule(pushed, "locations", "PUT"))
        # 5. One location through python-ocpi's own (2.2) Location model.
        marshalled = json.loads(json.dumps(marshal(dict(pushed[0], id="PYMARSHAL"), PyOcpiLocation), default=str))
        report["marshalled"] = marshalled
        step(report, "push_marshalled", recorder, lambda: credentials.sendToModule([marshalled], "locations", "PUT"))
    finally:
        finish(report, server)
    return 0


def finish(report: dict[str, Any], server: Server) -> int:
    server.stop()
    json.dump(report, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
