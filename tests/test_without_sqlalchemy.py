"""Flask-OCPI without SQLAlchemy installed (it is the ``sqlalchemy`` extra).

Each check runs in a fresh interpreter in which importing ``sqlalchemy`` (or any of its
submodules, or Flask-SQLAlchemy) raises :class:`ImportError`, as when it is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Prepended to every script: makes SQLAlchemy unimportable.
HIDE_SQLALCHEMY = '''
import importlib.abc
import sys


class HideSQLAlchemy(importlib.abc.MetaPathFinder):
    """Find nothing of SQLAlchemy: its imports fail as if it were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sqlalchemy", "flask_sqlalchemy"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


assert not any(name.split(".")[0] == "sqlalchemy" for name in sys.modules)
sys.meta_path.insert(0, HideSQLAlchemy())
'''

#: A CPO serving the versions and a locations page from memory stores, to a partner.
SERVE_FROM_MEMORY = """
import sys

from flask import Flask

from flask_ocpi import OCPI
from flask_ocpi.models import BusinessDetails, CredentialsRole, Partner, PartnerStatus, PartyKey, Role
from flask_ocpi.models import TokenGrant, TokenScope
from flask_ocpi.stores.memory import MemoryLocations, MemoryPartnerStore, MemoryStores, MemoryTokens
from flask_ocpi.transport.auth import hash_token
from tests.backends.objects import full_location, full_token

US = PartyKey("NL", "ABC")
stores = MemoryStores()
stores.partners.add(
    partner=Partner(
        id="msp",
        local_party=US,
        status=PartnerStatus.REGISTERED,
        local_role=Role.CPO,
        version="2.1.1",
        roles=[
            CredentialsRole(
                role=Role.EMSP, country_code="DE", party_id="MSP", business_details=BusinessDetails(name="MSP")
            )
        ],
        grants=[TokenGrant(token_hash=hash_token("tok-msp"), scope=TokenScope.FULL)],
    )
)
stores.locations.save_many([full_location("LOC1", owner=US), full_location("LOC2", owner=US)])

app = Flask("host")
app.config["OCPI_PARTIES"] = [{"country_code": "NL", "party_id": "ABC", "business_details": {"name": "Host"}}]
OCPI(
    app,
    partners=stores.partners,
    deliveries=stores.deliveries,
    commands=stores.commands,
    sync=stores.sync,
    backends=[stores.locations.sender(), stores.tokens.receiver()],
)
client = app.test_client()
headers = {"Authorization": "Token tok-msp"}

versions = client.get("/ocpi/cpo/versions", headers=headers)
assert versions.status_code == 200, versions.get_json()
assert [v["version"] for v in versions.get_json()["data"]] == ["2.1.1"]

page = client.get("/ocpi/cpo/2.1.1/locations?limit=1", headers=headers)
body = page.get_json()
assert page.status_code == 200 and body["status_code"] == 1000, body
assert [loc["id"] for loc in body["data"]] == ["LOC1"] and page.headers["X-Total-Count"] == "2"

# The per-module names of the memory engine work too.
locations, tokens = MemoryLocations(), MemoryTokens()
locations.save(full_location())
tokens.save(full_token())
assert locations.count() == 1 and tokens.count() == 1 and MemoryPartnerStore().list() == []

assert not any(name.split(".")[0] == "sqlalchemy" for name in sys.modules)
print("served")
"""

#: Importing the SQLAlchemy stores fails, saying which extra to install.
IMPORT_SQL_STORES = """
try:
    import flask_ocpi.stores.sqlalchemy
except ImportError as exc:
    print(exc)
else:
    raise AssertionError("flask_ocpi.stores.sqlalchemy imported without SQLAlchemy")
"""


def run(script: str) -> str:
    """Run ``script`` with SQLAlchemy hidden, in the repository root; its output."""
    code = HIDE_SQLALCHEMY + textwrap.dedent(script)
    done = subprocess.run(  # the interpreter running the tests, on our own script
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_flask_ocpi_serves_from_the_memory_stores_without_sqlalchemy() -> None:
    assert run(SERVE_FROM_MEMORY).strip() == "served"


def test_the_sqlalchemy_stores_say_which_extra_to_install() -> None:
    message = run(IMPORT_SQL_STORES)
    assert "pip install 'flask-ocpi[sqlalchemy]'" in message


def test_every_sqlalchemy_store_module_says_it_too() -> None:
    message = run("""
        try:
            from flask_ocpi.stores.sqlalchemy.tables import metadata
        except ImportError as exc:
            print(exc)
    """)
    assert "flask-ocpi[sqlalchemy]" in message
