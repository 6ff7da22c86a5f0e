"""Two example-app instances roam with each other over real HTTP, driven by the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.interop

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    """One running ``flask --app example_app run``."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> str:
        """``flask ocpi ARGS``; its output (it must succeed)."""
        return self.flask("ocpi", *args)

    def flask(self, *args: str) -> str:
        """``flask --app example_app ARGS``; its output (it must succeed)."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "example_app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def partners(self) -> list[dict[str, object]]:
        return json.loads(self.cli("partners", "--json"))  # type: ignore[no-any-return]


def start(tmp_path: Path, party_id: str, **extra_env: str) -> Instance:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("OCPI_TEST_EXAMPLE_DATABASE_URL", "") or f"sqlite:///{tmp_path / party_id}.db",
        "OCPI_BASE_URL": url,
        "OCPI_PARTY_ID": party_id,
        "OCPI_BUSINESS_NAME": f"Company {party_id}",
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "example_app", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/", timeout=1).ok:
                return Instance(url, env, process)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"example app on {url} did not start")


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    first = start(tmp_path, "AAA")
    try:
        second = start(tmp_path, "BBB")
    except Exception:
        first.process.kill()
        raise
    try:
        yield first, second
    finally:
        for instance in (first, second):
            instance.process.terminate()
            instance.process.wait(timeout=10)


def test_register_both_directions_rotate_and_unregister(instances: tuple[Instance, Instance]) -> None:
    a, b = instances
    # A's eMSP registers with B's CPO.
    invite = json.loads(b.cli("invite", "--json"))
    assert set(invite["versions_urls"]) == {"cpo", "emsp"}
    a.cli("register", invite["versions_urls"]["cpo"], invite["token"], "--role", "emsp", "--name", "b-cpo")
    # B's eMSP registers with A's CPO: the other direction.
    invite_a = json.loads(a.cli("invite", "--json"))
    b.cli("register", invite_a["versions_urls"]["cpo"], invite_a["token"], "--role", "emsp", "--name", "a-cpo")

    for token, url in (
        (invite["token"], invite["versions_urls"]["cpo"]),
        (invite_a["token"], invite_a["versions_urls"]["cpo"]),
    ):
        refused = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=5)
        assert refused.status_code == 401 and refused.json()["status_code"] == 2000

    a_partners, b_partners = a.partners(), b.partners()
    assert sorted((p["status"], p["local_role"]) for p in a_partners) == [("REGISTERED", "CPO"), ("REGISTERED", "EMSP")]
    assert sorted((p["status"], p["local_role"]) for p in b_partners) == [("REGISTERED", "CPO"), ("REGISTERED", "EMSP")]
    b_as_cpo = next(p for p in a_partners if p["local_role"] == "EMSP")
    assert b_as_cpo["parties"] == [{"role": "CPO", "country_code": "NL", "party_id": "BBB", "name": "Company BBB"}]
    assert b_as_cpo["version"] == "2.1.1"
    # B's CPO tree advertises every module the example app serves as a CPO.
    assert sorted(e["identifier"] for e in b_as_cpo["endpoints"]) == [
        "cdrs",
        "commands",
        "credentials",
        "locations",
        "sessions",
        "tariffs",
        "tokens",
    ]

    # Rotate tokens by CLI (with the partner's name), then unregister (by party key and role-unique name).
    assert "Updated credentials" in a.cli("update", "b-cpo")
    assert "Unregistered" in a.cli("unregister", "b-cpo")
    assert "Unregistered" in b.cli("unregister", "a-cpo")
    assert sorted(p["status"] for p in a.partners()) == ["UNREGISTERED", "UNREGISTERED"]
    assert sorted(p["status"] for p in b.partners()) == ["UNREGISTERED", "UNREGISTERED"]

    listing = a.cli("partners")
    assert "UNREGISTERED" in listing and "NL-BBB" in listing


def test_host_routes_stay_the_hosts(instances: tuple[Instance, Instance]) -> None:
    a, _ = instances
    assert requests.get(f"{a.url}/", timeout=5).json()["company"] == "Company AAA"
    missing = requests.get(f"{a.url}/no-such-page", timeout=5)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
    ocpi_missing = requests.get(f"{a.url}/ocpi/no-such-page", timeout=5)
    assert ocpi_missing.status_code == 404 and ocpi_missing.json()["status_code"] == 2000
