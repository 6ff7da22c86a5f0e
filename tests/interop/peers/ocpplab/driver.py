"""Drive ocpplab-ocpi-211-sdk (PyPI) as an eMSP against a Flask-OCPI CPO, over real HTTP.

Run with the peer's own interpreter (``.peers/ocpplab/bin/python``)::

    driver.py --versions-url URL --token-a TOKEN [--party-id OLB] [--country-code DE] [--limit 10]

The SDK is a Fern-generated OCPI 2.1.1 *client* (httpx + pydantic): every call is a path
relative to one ``base_url`` (``versions``, ``{version}``, ``credentials``, ``locations/...``).
It does not follow the endpoint URLs of the version details nor the ``Link`` header itself, so
this driver makes one ``OcpiClient`` per module, with ``base_url`` = the module URL our version
details give, less the module name, and pages by passing the ``offset``/``limit`` of our
``Link`` header to ``get_locations``. Registration needs the eMSP to serve its own versions and
version details (Flask-OCPI reads them back with token B): the SDK has no server, so the driver
serves the SDK's own ``Version``/``VersionDetail``/``Endpoint`` models with ``http.server``.

Steps (each records what was asked, what came back, and the SDK's errors):

1. ``versions`` / ``details`` with token A;
2. ``register``: ``credentials.post_credentials`` (token B, our versions URL) -> token C;
3. ``token_a_after``: token A again (it must stop working);
4. ``locations``: every page of ``get_locations`` with token C;
5. ``location`` / ``evse`` / ``connector``: the single-object GETs (``--location-id``, its
   first EVSE and that EVSE's first connector).

Every parsed object is also checked against the SDK's 2.1.1 types: fields the types don't
know (``model_extra``) and enum values outside their ``Literal`` lists are reported as
``strict`` findings. The report is JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import traceback
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pydantic
from ocpplab_ocpi_211 import BusinessDetails, Endpoint, OcpiClient, Version, VersionDetail
from ocpplab_ocpi_211.core.api_error import ApiError
from ocpplab_ocpi_211.core.jsonable_encoder import jsonable_encoder

TIMEOUT = 10.0


def client(base_url: str, token: str) -> OcpiClient:
    """An SDK client; the SDK sends ``api_key`` verbatim as the Authorization header."""
    return OcpiClient(base_url=base_url, api_key=f"Token {token}", timeout=TIMEOUT)


def dump(value: Any) -> Any:
    """The SDK's own JSON serialization of a parsed value."""
    return jsonable_encoder(value)


def strict_findings(value: Any, path: str = "") -> list[str]:
    """Fields unknown to the SDK's 2.1.1 types, and enum values outside their Literal lists."""
    findings: list[str] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            findings += strict_findings(item, f"{path}[{i}]")
        return findings
    if not isinstance(value, pydantic.BaseModel):
        return findings
    for name in sorted(value.model_extra or {}):
        findings.append(f"{path}.{name}: not a field of {type(value).__name__}")
    for name, info in type(value).model_fields.items():
        item = getattr(value, name)
        allowed = _literal_values(info.annotation)
        if allowed is not None and item is not None:
            for one in item if isinstance(item, list) else [item]:
                if isinstance(one, str) and one not in allowed:
                    findings.append(f"{path}.{name}: {one!r} is not one of {sorted(allowed)}")
        findings += strict_findings(item, f"{path}.{name}")
    return findings


def _literal_values(annotation: Any) -> set[str] | None:
    """The strings of a ``Literal`` inside (Optional/List/Union of) an annotation, if any."""
    if typing.get_origin(annotation) is typing.Literal:
        return {str(a) for a in typing.get_args(annotation)}
    for arg in typing.get_args(annotation):
        found = _literal_values(arg)
        if found is not None:
            return found
    return None


def run_step(report: dict[str, Any], name: str, action: Any) -> Any:
    """Run one step; record its result or the SDK's exception (with the body it got)."""
    entry: dict[str, Any] = {}
    report["steps"][name] = entry
    try:
        result = action(entry)
        return result
    except ApiError as exc:
        entry["error"] = f"{type(exc).__name__}: HTTP {exc.status_code}"
        entry["error_body"] = dump(exc.body)
    except Exception as exc:  # the report says what broke; the test decides whether it should
        entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["traceback"] = traceback.format_exc()
    return None


class PeerServer:
    """The eMSP's versions, version details and credentials, from the SDK's models."""

    def __init__(self, accepted: set[str], credentials: dict[str, Any]) -> None:
        self.received: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(accepted, credentials))
        self.base = f"http://127.0.0.1:{self._server.server_port}/ocpi/emsp"
        self.versions_url = f"{self.base}/versions"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _documents(self, credentials: dict[str, Any]) -> dict[str, Any]:
        details = VersionDetail(
            version="2.1.1",
            endpoints=[
                Endpoint(identifier="credentials", url=f"{self.base}/2.1.1/credentials"),
                Endpoint(identifier="locations", url=f"{self.base}/2.1.1/locations"),
            ],
        )
        return {
            "/ocpi/emsp/versions": [dump(Version(version="2.1.1", url=f"{self.base}/2.1.1"))],
            "/ocpi/emsp/2.1.1": dump(details),
            "/ocpi/emsp/2.1.1/credentials": credentials,
        }

    def _handler(self, accepted: set[str], credentials: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                header = self.headers.get("Authorization", "")
                peer.received.append({"method": "GET", "path": self.path, "authorization": header})
                documents = peer._documents(credentials)
                if not header.startswith("Token ") or header[6:] not in accepted:
                    self._answer(401, {"status_code": 2000, "status_message": "Unauthorized"})
                elif self.path.rstrip("/") in documents:
                    self._answer(200, {"data": documents[self.path.rstrip("/")], "status_code": 1000})
                else:
                    self._answer(404, {"status_code": 2000, "status_message": "Not found"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                body["timestamp"] = "2026-01-01T00:00:00Z"
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                sys.stderr.write("ocpplab-peer " + format % args + "\n")

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()


def module_base(details: Any, module: str) -> str:
    """The SDK ``base_url`` for ``module``: our endpoint URL less the path the SDK appends."""
    for endpoint in details.endpoints:
        if endpoint.identifier == module:
            url: str = endpoint.url.rstrip("/")
            if not url.endswith(f"/{module}"):
                raise ValueError(f"{module} URL {url} does not end in /{module}: the SDK cannot address it")
            return url.removesuffix(f"/{module}")
    raise LookupError(f"no {module} endpoint in our version details")


def next_page(link: str | None) -> tuple[int, int] | None:
    """offset and limit of a ``Link: <...>; rel="next"`` header."""
    if not link:
        return None
    for part in link.split(","):
        if 'rel="next"' in part:
            query = parse_qs(urlsplit(part.split(";")[0].strip(" <>")).query)
            return int(query.get("offset", ["0"])[0]), int(query.get("limit", ["0"])[0])
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions-url", required=True, help="Flask-OCPI CPO versions URL")
    parser.add_argument("--token-a", required=True, help="registration token (token A) from ocpi.invite()")
    parser.add_argument("--party-id", default="OLB")
    parser.add_argument("--country-code", default="DE")
    parser.add_argument("--limit", type=int, default=10, help="limit asked for each locations page")
    parser.add_argument("--location-id", help="location for the single-object GETs (default: the first one)")
    args = parser.parse_args(argv)

    token_b = secrets.token_urlsafe(32)
    business = BusinessDetails(name="ocpplab eMSP")
    credentials = {
        "token": token_b,
        "business_details": dump(business),
        "party_id": args.party_id,
        "country_code": args.country_code,
    }
    server = PeerServer({token_b}, credentials)
    credentials["url"] = server.versions_url
    server.start()
    root = args.versions_url.rstrip("/").removesuffix("/versions")
    report: dict[str, Any] = {"peer": "ocpplab-ocpi-211-sdk", "peer_versions_url": server.versions_url, "steps": {}}
    report["token_b"] = token_b
    try:
        scenario(args, report, root, server, token_b, business)
    finally:
        server.stop()
        report["peer_received"] = server.received
        json.dump(report, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0


def scenario(
    args: argparse.Namespace, report: dict[str, Any], root: str, server: PeerServer, token_b: str, business: Any
) -> None:
    steps = report["steps"]

    def versions(entry: dict[str, Any]) -> Any:
        raw = client(root, args.token_a).versions.with_raw_response.get_versions()
        entry["status"] = raw.status_code
        entry["parsed"] = dump(raw.data)
        entry["strict"] = strict_findings(raw.data.data)
        return raw.data.data

    listed = run_step(report, "versions", versions)
    if not listed:
        return
    chosen = next((v for v in listed if v.version == "2.1.1"), None)
    if chosen is None:
        steps["versions"]["error"] = "no 2.1.1 in our versions"
        return
    # The SDK requests f"{base_url}/{version}": it can reach our details only if the URL we list has that form.
    if chosen.url.rstrip("/") != f"{root}/2.1.1":
        steps["versions"]["error"] = f"2.1.1 details URL {chosen.url} is not {root}/2.1.1: the SDK cannot address it"
        return

    def details(entry: dict[str, Any]) -> Any:
        raw = client(root, args.token_a).versions.with_raw_response.get_version("2.1.1")
        entry["status"] = raw.status_code
        entry["parsed"] = dump(raw.data)
        entry["strict"] = strict_findings(raw.data.data)
        return raw.data.data

    found = run_step(report, "details", details)
    if found is None:
        return

    def register(entry: dict[str, Any]) -> Any:
        sdk = client(module_base(found, "credentials"), args.token_a)
        raw = sdk.credentials.with_raw_response.post_credentials(
            token=token_b,
            url=server.versions_url,
            business_details=business,
            party_id=args.party_id,
            country_code=args.country_code,
        )
        entry["status"] = raw.status_code
        entry["parsed"] = dump(raw.data)
        entry["strict"] = strict_findings(raw.data.data)
        entry["peer_received"] = server.received[:]
        return raw.data.data

    theirs = run_step(report, "register", register)
    if theirs is None:
        return
    token_c = theirs.token
    report["token_c"] = token_c

    def token_a_after(entry: dict[str, Any]) -> Any:
        raw = client(root, args.token_a).versions.with_raw_response.get_versions()
        entry["status"] = raw.status_code
        return "still accepted"

    run_step(report, "token_a_after", token_a_after)
    sdk = client(module_base(found, "locations"), token_c)

    def pages(entry: dict[str, Any]) -> Any:
        entry["pages"] = []
        offset, limit = 0, args.limit
        for _ in range(20):
            raw = sdk.locations.with_raw_response.get_locations(offset=offset, limit=limit)
            headers = {k.lower(): v for k, v in raw.headers.items()}
            items = raw.data.data or []
            entry["pages"].append(
                {
                    "offset": offset,
                    "limit": limit,
                    "status": raw.status_code,
                    "status_code": raw.data.status_code,
                    "x_total_count": headers.get("x-total-count"),
                    "x_limit": headers.get("x-limit"),
                    "link": headers.get("link"),
                    "ids": [loc.id for loc in items],
                    "parsed": dump(items),
                    "strict": strict_findings(items),
                }
            )
            following = next_page(headers.get("link"))
            if following is None:
                break
            offset, limit = following
        return sum(len(p["ids"]) for p in entry["pages"])

    run_step(report, "locations", pages)
    listed_locations = [loc for page in steps["locations"].get("pages", []) for loc in page["parsed"]]
    chosen_location = next((loc for loc in listed_locations if loc["id"] == args.location_id), None)
    if chosen_location is None and listed_locations:
        chosen_location = listed_locations[0]
    if chosen_location is None:
        return
    location_id = chosen_location["id"]
    evse_uid = chosen_location["evses"][0]["uid"]
    connector_id = chosen_location["evses"][0]["connectors"][0]["id"]
    report["single_ids"] = {"location": location_id, "evse": evse_uid, "connector": connector_id}

    def single(call: Any) -> Any:
        def action(entry: dict[str, Any]) -> Any:
            raw = call()
            entry["status"] = raw.status_code
            entry["status_code"] = raw.data.status_code
            entry["parsed"] = dump(raw.data.data)
            entry["strict"] = strict_findings(raw.data.data)
            return raw.data.status_code

        return action

    raw_client = sdk.locations.with_raw_response
    run_step(report, "location", single(lambda: raw_client.get_location_by_location_id(location_id)))
    run_step(report, "evse", single(lambda: raw_client.get_evse_by_location_id_and_evse_uid(location_id, evse_uid)))
    run_step(
        report,
        "connector",
        single(
            lambda: raw_client.get_connector_by_location_id_evse_uid_and_connector_id(
                location_id, evse_uid, connector_id
            )
        ),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
