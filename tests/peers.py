"""An independent, minimal OCPI 2.1.1 party written with plain Flask and requests.

It shares no code with flask_ocpi, so the registration tests exercise our server
and client against someone else's reading of the credentials chapter. Its answers
can be bent (versions offered, endpoints advertised, failures) to reach each error path.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from flask import Flask, jsonify, request


def _env(data: Any = None, code: int = 1000, message: str = "Success") -> dict[str, Any]:
    body: dict[str, Any] = {
        "status_code": code,
        "status_message": message,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if data is not None:
        body["data"] = data
    return body


@dataclass
class PeerState:
    """What the peer knows: tokens it accepts, the token it uses, the other side's details."""

    base_url: str = ""
    party_id: str = "TNM"
    country_code: str = "NL"
    role: str = "emsp"
    versions: list[str] = field(default_factory=lambda: ["2.1.1"])
    modules: list[str] = field(default_factory=lambda: ["credentials", "locations"])
    accepted_tokens: set[str] = field(default_factory=set)
    token_for_them: str | None = None
    their_credentials: dict[str, Any] | None = None
    fail_versions: bool = False
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)


def make_peer(state: PeerState) -> Flask:
    """The peer's Flask app; ``state.base_url`` must be set once it is served."""
    app = Flask("peer")

    def authorized() -> bool:
        header = request.headers.get("Authorization", "")
        state.calls.append((request.method, request.path, header))
        return header.startswith("Token ") and header[6:] in state.accepted_tokens

    @app.get(f"/{state.role}/versions")
    def versions() -> Any:
        if not authorized():
            return jsonify(_env(code=2000, message="Unauthorized")), 401
        if state.fail_versions:
            return "<html>oops</html>", 500
        return jsonify(_env([{"version": v, "url": f"{state.base_url}/{state.role}/{v}/"} for v in state.versions]))

    @app.get(f"/{state.role}/<version>/")
    def details(version: str) -> Any:
        if not authorized():
            return jsonify(_env(code=2000, message="Unauthorized")), 401
        return jsonify(
            _env(
                {
                    "version": version,
                    "endpoints": [
                        {"identifier": m, "url": f"{state.base_url}/{state.role}/{version}/{m}/"} for m in state.modules
                    ],
                }
            )
        )

    @app.route(f"/{state.role}/<version>/credentials/", methods=["GET", "POST", "PUT", "DELETE"])
    def credentials(version: str) -> Any:
        if not authorized():
            return jsonify(_env(code=2000, message="Unauthorized")), 401
        if request.method == "DELETE":
            state.accepted_tokens.clear()
            state.their_credentials = None
            return jsonify(_env())
        if request.method in ("POST", "PUT"):
            body = request.get_json()
            # Call the other side back with the token it gave us, as the spec requires.
            headers = {"Authorization": f"Token {body['token']}"}
            listed = requests.get(body["url"], headers=headers, timeout=5).json()["data"]
            chosen = next(v for v in listed if v["version"] == version)
            requests.get(chosen["url"], headers=headers, timeout=5).raise_for_status()
            state.token_for_them = body["token"]
            state.their_credentials = body
            new_token = secrets.token_hex(16)
            state.accepted_tokens = {new_token}
            return jsonify(_env(own_credentials(state, new_token)))
        return jsonify(_env(own_credentials(state, request.headers["Authorization"][6:])))

    return app


def own_credentials(state: PeerState, token: str) -> dict[str, Any]:
    """The peer's credentials object carrying ``token``."""
    return {
        "token": token,
        "url": f"{state.base_url}/{state.role}/versions",
        "party_id": state.party_id,
        "country_code": state.country_code,
        "business_details": {"name": "Peer Mobility", "website": "https://peer.example.com"},
    }


def peer_registers(state: PeerState, versions_url: str, token_a: str) -> requests.Response:
    """Drive the peer as the initiating client: discover, then POST credentials (token A)."""
    headers = {"Authorization": f"Token {token_a}"}
    listed = requests.get(versions_url, headers=headers, timeout=5).json()["data"]
    chosen = next(v for v in listed if v["version"] == "2.1.1")
    details = requests.get(chosen["url"], headers=headers, timeout=5).json()["data"]
    credentials_url = next(e["url"] for e in details["endpoints"] if e["identifier"] == "credentials")
    token_b = secrets.token_hex(16)
    state.accepted_tokens.add(token_b)
    response = requests.post(credentials_url, json=own_credentials(state, token_b), headers=headers, timeout=10)
    if response.ok and response.json().get("status_code") == 1000:
        state.token_for_them = response.json()["data"]["token"]
        state.their_credentials = response.json()["data"]
    return response
