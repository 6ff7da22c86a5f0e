"""The framework floor: a bare Flask app answering recorded responses byte for byte.

``run.py`` records, from the example app, the status, headers and body of each benchmark
request, writes them to a JSON file and serves this app next to it under the same
gunicorn setup. Whatever the floor costs per request (WSGI, Flask routing, a
``Response``) is the least any Flask view can cost; the OCPI app's rate divided by the
floor's rate says how much of the budget Flask-OCPI and the example app's storage use.

There is no authentication, no JSON parsing and no database here: the request body is
read (so the server does the same socket work) and discarded. Run it with::

    BENCH_FLOOR_RESPONSES=responses.json gunicorn -w 1 --pythonpath benchmarks 'floor:create_app()'

File format: ``{"responses": [{"method", "target", "status", "headers": [[name, value],
...], "body_base64"}]}`` where ``target`` is the path plus ``?query`` when there is one.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

#: Methods the benchmark uses.
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
#: Headers a recording keeps out: the server sets these itself.
HOP_HEADERS = frozenset({"date", "server", "content-length", "connection", "transfer-encoding", "keep-alive"})

Recorded = tuple[int, list[tuple[str, str]], bytes]


def load_responses(path: str | os.PathLike[str]) -> dict[tuple[str, str], Recorded]:
    """The recorded answers of a responses file, by ``(method, target)``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    table: dict[tuple[str, str], Recorded] = {}
    for item in data["responses"]:
        headers = [(str(k), str(v)) for k, v in item["headers"] if str(k).lower() not in HOP_HEADERS]
        table[(item["method"].upper(), item["target"])] = (
            int(item["status"]),
            headers,
            base64.b64decode(item["body_base64"]),
        )
    return table


def record(method: str, target: str, status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """One entry of a responses file (hop-by-hop and server headers dropped)."""
    return {
        "method": method.upper(),
        "target": target,
        "status": status,
        "headers": [[k, v] for k, v in headers if k.lower() not in HOP_HEADERS],
        "body_base64": base64.b64encode(body).decode("ascii"),
    }


def create_app(path: str | None = None) -> Flask:
    """The floor app serving the responses file ``path`` (default ``$BENCH_FLOOR_RESPONSES``)."""
    source = path or os.environ.get("BENCH_FLOOR_RESPONSES")
    if not source:
        raise RuntimeError("set BENCH_FLOOR_RESPONSES to a responses file recorded by benchmarks/run.py")
    table = load_responses(source)
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def answer(path: str) -> Response:
        request.get_data()
        target = request.path
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        found = table.get((request.method, target))
        if found is None:
            return Response(f"not recorded: {request.method} {target}\n", status=404, mimetype="text/plain")
        status, headers, body = found
        return Response(body, status=status, headers=headers)

    return app
