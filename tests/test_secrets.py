"""Encryption at rest of the partners' tokens (``OCPI_ENCRYPTION_KEYS``, :mod:`flask_ocpi.stores.secrets`)."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import Engine, select, update

from example_app.demo import location as demo_location
from flask_ocpi import OCPI, RegistrationError
from flask_ocpi.backends import PartnerStore
from flask_ocpi.backends.partners import StatusChanged
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.extension import SUPPORTED_VERSIONS
from flask_ocpi.models import DeliveryStatus, Partner, PartnerStatus
from flask_ocpi.outbound.dispatch import StoreOnlyDispatcher
from flask_ocpi.outbound.push import deliver_due
from flask_ocpi.stores.memory import MemoryDeliveryStore, MemoryPartnerStore
from flask_ocpi.stores.secrets import (
    MARKER,
    EncryptedPartnerStore,
    LockedToken,
    TokenCipher,
    TokenDecryptionError,
    protect,
)
from flask_ocpi.stores.sqlalchemy import SQLAlchemyPartnerStore
from flask_ocpi.stores.sqlalchemy.tables import partners_table
from flask_ocpi.transport.auth import encode_token, hash_token
from tests.backends.conftest import ALL_BACKENDS, SQL_BACKENDS, full_partner, open_database, token_hash
from tests.conftest import PARTIES
from tests.parties import served_party
from tests.roaming import CPO, roaming

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "outbound-token-for-full"  # full_partner()'s token


@dataclasses.dataclass
class Backend:
    """A partner store under test and a way to read what it really holds."""

    inner: PartnerStore
    engine: Engine | None

    def raw(self, partner_id: str) -> str | None:
        """The ``outbound_token`` as stored: the SQL row itself, or the memory store's dict."""
        if self.engine is None:
            assert isinstance(self.inner, MemoryPartnerStore)
            return self.inner._partners[partner_id].outbound_token
        with self.engine.connect() as connection:
            query = select(partners_table.c.outbound_token).where(partners_table.c.id == partner_id)
            value: str | None = connection.execute(query).scalar_one()
            return value

    def set_raw(self, partner_id: str, value: str | None) -> None:
        if self.engine is None:
            assert isinstance(self.inner, MemoryPartnerStore)
            self.inner._partners[partner_id].outbound_token = value
            return
        with self.engine.begin() as connection:
            connection.execute(
                update(partners_table).where(partners_table.c.id == partner_id).values(outbound_token=value)
            )

    def wrapped(self, *keys: str) -> EncryptedPartnerStore:
        """The store as ``init_app`` wraps it with these keys (newest first)."""
        store = protect(self.inner, config(*keys))
        assert isinstance(store, EncryptedPartnerStore)
        return store


def another(partner_id: str) -> Partner:
    """A second partner (no parties, so it claims none of ``full_partner``'s)."""
    return dataclasses.replace(full_partner(partner_id, tokens=(f"{partner_id}-c", f"{partner_id}-a")), roles=[])


def config(*keys: str) -> OcpiConfig:
    return OcpiConfig.from_mapping({"OCPI_PARTIES": PARTIES, "OCPI_ENCRYPTION_KEYS": list(keys)},
        supported=SUPPORTED_VERSIONS,
    )


def open_backend(kind: str, tmp_path: Path) -> Iterator[Backend]:
    if kind == "memory":
        yield Backend(MemoryPartnerStore(), None)
        return
    with open_database(kind, tmp_path) as database:
        engine = database.create_engine()
        store = SQLAlchemyPartnerStore(engine)
        store.create_tables()
        yield Backend(store, engine)


@pytest.fixture(params=ALL_BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request.param, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request.param, tmp_path)


def host(backend: Backend, *keys: str) -> Flask:
    app = Flask("host")
    app.config.update(TESTING=True, OCPI_PARTIES=PARTIES, OCPI_ENCRYPTION_KEYS=list(keys))
    OCPI(app, partners=backend.inner)
    return app


# --- the stores ----------------------------------------------------------------------


def test_the_stored_token_is_ciphertext_and_reads_back_in_clear(backend: Backend) -> None:
    store = backend.wrapped(NEW)
    store.add(partner=full_partner())
    raw = backend.raw("full")
    assert raw is not None and raw.startswith(MARKER) and TOKEN not in raw
    assert TOKEN not in repr(backend.inner.get(partner_id="full"))
    assert store.get(partner_id="full") == full_partner()
    assert store.list() == [full_partner()]
    found = store.find_by_token(token_hash=token_hash("full-c"))
    assert found is not None and found.outbound_token == TOKEN

    store.save(partner=dataclasses.replace(full_partner(), outbound_token="rotated"))
    raw_after = backend.raw("full")
    assert raw_after is not None and raw_after.startswith(MARKER) and raw_after != raw and "rotated" not in raw_after
    assert store.get(partner_id="full").outbound_token == "rotated"  # type: ignore[union-attr]


def test_rotation_old_key_reads_new_key_writes_then_old_key_can_go(backend: Backend) -> None:
    backend.wrapped(OLD).add(partner=full_partner())
    backend.wrapped(OLD).add(partner=another("other"))
    both = backend.wrapped(NEW, OLD)
    assert both.get(partner_id="full").outbound_token == TOKEN  # type: ignore[union-attr]
    assert backend.wrapped(NEW).get(partner_id="full").outbound_token != TOKEN  # type: ignore[union-attr]

    both.save(partner=full_partner())  # a save writes with the newest key
    assert TokenCipher([NEW]).is_current(backend.raw("full") or "")
    assert not TokenCipher([NEW]).is_current(backend.raw("other") or "")

    done = both.rotate()
    assert (done.reencrypted, done.unchanged, done.undecryptable) == (1, 1, [])
    only_new = backend.wrapped(NEW)
    assert [p.outbound_token for p in only_new.list()] == [TOKEN, "outbound-token-for-other"]
    assert both.rotate().unchanged == 2  # nothing left to do


def test_legacy_clear_tokens_are_read_and_encrypted_when_saved_or_rotated(backend: Backend) -> None:
    backend.inner.add(partner=full_partner())  # stored before encryption was turned on
    backend.inner.add(partner=another("other"))
    store = backend.wrapped(NEW)
    assert store.get(partner_id="full") == full_partner()
    assert backend.raw("full") == TOKEN
    store.save(partner=full_partner())
    assert (backend.raw("full") or "").startswith(MARKER)
    assert backend.raw("other") == "outbound-token-for-other"
    done = store.rotate()
    assert (done.encrypted, done.unchanged) == (1, 1)
    assert (backend.raw("other") or "").startswith(MARKER)
    assert store.get(partner_id="other").outbound_token == "outbound-token-for-other"  # type: ignore[union-attr]


def test_without_keys_tokens_stay_in_clear_and_rotate_decrypt_turns_encryption_off(backend: Backend) -> None:
    backend.wrapped().add(partner=another("clear"))
    assert backend.raw("clear") == "outbound-token-for-clear"
    backend.wrapped(NEW).add(partner=full_partner())
    with pytest.raises(ConfigError, match="OCPI_ENCRYPTION_KEYS"):
        backend.wrapped().rotate()
    done = backend.wrapped(NEW).rotate(decrypt=True)
    assert (done.reencrypted, done.unchanged) == (1, 1)
    assert backend.raw("full") == TOKEN
    assert backend.wrapped().get(partner_id="full") == full_partner()


def test_a_token_no_key_decrypts_is_locked_never_overwritten(backend: Backend) -> None:
    backend.wrapped(OLD).add(partner=full_partner())
    stored = backend.raw("full")
    for store in (backend.wrapped(NEW), backend.wrapped()):  # the key was replaced; every key was removed
        partner = store.get(partner_id="full")
        assert partner is not None and isinstance(partner.outbound_token, LockedToken)
        assert partner.outbound_token  # callers go on and use it ...
        with pytest.raises(TokenDecryptionError, match=r"^OCPI_ENCRYPTION_KEYS: .*partner full cannot be decrypted"):
            encode_token(partner.outbound_token, base64_encode=False)  # ... and it refuses to be sent
        with pytest.raises(TokenDecryptionError):
            encode_token(partner.outbound_token, base64_encode=True)
        for use in (
            str,
            lambda t: "Token " + t,
            lambda t: "Token %s" % t,  # noqa: UP031
            lambda t: t + "",
            lambda t: f"{t!s}",
        ):
            with pytest.raises(TokenDecryptionError):
                use(partner.outbound_token)
        assert "undecryptable" in repr(partner) and stored not in repr(partner)  # type: ignore[operator]
        # Inbound authentication does not need it; saving the partner keeps the ciphertext.
        assert store.find_by_token(token_hash=token_hash("full-c")) == partner
        assert isinstance(store.list()[0].outbound_token, LockedToken)
        store.save(partner=dataclasses.replace(copy.deepcopy(partner), name="renamed"))
        assert backend.raw("full") == stored
        done = store.rotate() if store.cipher else None
        assert done is None or done.undecryptable == ["full"]
        assert backend.raw("full") == stored
    # The old key back (after the new one): readable again.
    assert backend.wrapped(NEW, OLD).get(partner_id="full").outbound_token == TOKEN  # type: ignore[union-attr]
    # A fresh token from the partner replaces it.
    backend.wrapped(NEW).save(partner=dataclasses.replace(full_partner(), outbound_token="new"))
    assert backend.wrapped(NEW).get(partner_id="full").outbound_token == "new"  # type: ignore[union-attr]


def test_a_ciphertext_moved_to_another_partner_does_not_decrypt_there(backend: Backend) -> None:
    store = backend.wrapped(NEW)
    store.add(partner=full_partner())
    store.add(partner=another("other"))
    backend.set_raw("other", backend.raw("full"))
    other = store.get(partner_id="other")
    assert other is not None and isinstance(other.outbound_token, LockedToken)
    assert "another partner" in other.outbound_token.reason


def test_the_wrapper_passes_other_methods_and_save_arguments_on(sql_backend: Backend) -> None:
    store = sql_backend.wrapped(NEW)
    store.create_tables()  # an SQLAlchemyPartnerStore method
    assert store._bind is sql_backend.inner._bind  # type: ignore[attr-defined]
    seen: list[dict[str, Any]] = []

    class Recording(MemoryPartnerStore):
        def save(self, *, partner: Partner, expected_status: PartnerStatus | None = None, **kwargs: Any) -> None:
            seen.append({"expected_status": expected_status, **kwargs})
            super().save(partner=partner, expected_status=expected_status)

    recording = EncryptedPartnerStore(Recording(), TokenCipher([NEW]))
    recording.add(partner=full_partner())
    recording.save(partner=full_partner())
    recording.save(partner=full_partner(), expected_status=PartnerStatus.REGISTERED, future=1)
    assert seen == [{"expected_status": None}, {"expected_status": PartnerStatus.REGISTERED, "future": 1}]
    with pytest.raises(StatusChanged):
        recording.save(partner=full_partner(), expected_status=PartnerStatus.INVITED)
    assert (recording.inner.get(partner_id="full").outbound_token or "").startswith(MARKER)  # type: ignore[union-attr]


# --- configuration -------------------------------------------------------------------


@pytest.mark.parametrize("keys", [f"{NEW},{OLD}", f" {NEW} , {OLD} ", [NEW, OLD], (NEW.encode(), OLD)])
def test_keys_from_a_string_or_a_list(keys: Any) -> None:
    store = protect(
        MemoryPartnerStore(), OcpiConfig.from_mapping({"OCPI_PARTIES": PARTIES, "OCPI_ENCRYPTION_KEYS": keys},
            supported=SUPPORTED_VERSIONS,
        )
    )
    assert isinstance(store, EncryptedPartnerStore) and store.cipher is not None
    store.add(partner=full_partner())
    assert TokenCipher([NEW]).is_current(store.inner.get(partner_id="full").outbound_token or "")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("keys", "where"), [(["not-a-key"], "[0]"), ([NEW, "x" * 44], "[1]"), ([NEW, NEW[:-2]], "[1]")]
)
def test_a_bad_key_fails_init_app_naming_it_without_printing_it(keys: list[str], where: str) -> None:
    with pytest.raises(ConfigError) as raised:
        host(Backend(MemoryPartnerStore(), None), *keys)
    assert raised.value.key == f"OCPI_ENCRYPTION_KEYS{where}"
    assert keys[-1] not in str(raised.value) and raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize("value", [42, [NEW, 42], [""]])
def test_keys_of_the_wrong_type_are_config_errors(value: Any) -> None:
    with pytest.raises(ConfigError, match="OCPI_ENCRYPTION_KEYS"):
        OcpiConfig.from_mapping({"OCPI_PARTIES": PARTIES, "OCPI_ENCRYPTION_KEYS": value}, supported=SUPPORTED_VERSIONS)


def test_without_cryptography_keys_fail_at_init_app_and_no_keys_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.fernet", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"^OCPI_ENCRYPTION_KEYS: .*pip install flask-ocpi\[crypto\]"):
        host(Backend(MemoryPartnerStore(), None), NEW)
    app = host(Backend(MemoryPartnerStore(), None))
    app.extensions["ocpi"].partners.add(partner=full_partner())
    assert app.extensions["ocpi"].partners.get(partner_id="full") == full_partner()


# --- the CLI and the extension --------------------------------------------------------


def test_cli_rotate_keys_re_encrypts_and_prints_counts_only(sql_backend: Backend) -> None:
    sql_backend.inner.add(partner=another("legacy"))
    sql_backend.wrapped(OLD).add(partner=full_partner())
    sql_backend.inner.add(partner=dataclasses.replace(another("none"), outbound_token=None))
    result = host(sql_backend, NEW, OLD).test_cli_runner().invoke(args=["ocpi", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert (
        "Re-encrypted 1 token(s), encrypted 1 clear one(s), 0 unchanged, 1 partner(s) without a token." in result.output
    )
    assert TOKEN not in result.output and MARKER not in result.output
    assert sql_backend.wrapped(NEW).get(partner_id="full").outbound_token == TOKEN  # type: ignore[union-attr]
    assert sql_backend.wrapped(NEW).get(partner_id="legacy").outbound_token == "outbound-token-for-legacy"  # type: ignore[union-attr]


def test_cli_with_a_lost_key(sql_backend: Backend) -> None:
    sql_backend.wrapped(OLD).add(partner=full_partner())
    stored = sql_backend.raw("full")
    app = host(sql_backend, NEW)
    runner = app.test_cli_runner()
    rotated = runner.invoke(args=["ocpi", "rotate-keys"])
    assert rotated.exit_code == 1 and "partners full" in rotated.output and "OCPI_ENCRYPTION_KEYS" in rotated.output
    listed = runner.invoke(args=["ocpi", "partners", "--json"])
    assert json.loads(listed.output)[0]["outbound_token_state"] == "undecryptable"
    assert "cannot be decrypted" in runner.invoke(args=["ocpi", "partners"]).output
    updated = runner.invoke(args=["ocpi", "update", "full"])
    assert updated.exit_code == 1 and "partner full" in updated.output and "OCPI_ENCRYPTION_KEYS" in updated.output
    for output in (rotated.output, listed.output, updated.output):
        assert stored not in output and TOKEN not in output  # type: ignore[operator]
    assert sql_backend.raw("full") == stored
    # The partner itself still gets in.
    response = app.test_client().get("/ocpi/cpo/versions", headers={"Authorization": "Token full-c"})
    assert response.status_code == 200 and response.get_json()["status_code"] == 1000
    with app.app_context(), pytest.raises(RegistrationError, match=r"OCPI_ENCRYPTION_KEYS: .*partner full"):
        app.extensions["ocpi"].extension.update("full")
    assert sql_backend.raw("full") == stored


# --- end to end ----------------------------------------------------------------------


def test_two_parties_register_and_rotate_with_encryption_on(sql_backend: Backend) -> None:
    """The eMSP registers with the CPO, both encrypting at rest; the CPO can still call it."""
    emsp_key = Fernet.generate_key().decode()
    with (
        served_party("CPA", store=sql_backend.inner, OCPI_ENCRYPTION_KEYS=NEW) as cpo,
        served_party("MSB", OCPI_ENCRYPTION_KEYS=emsp_key) as emsp,
    ):
        with cpo.app.app_context():
            token_a = cpo.ocpi.invite().token
        with emsp.app.app_context():
            emsp.ocpi.register(cpo.versions_url("cpo"), token_a, role="emsp")
        [partner] = cpo.partners()
        raw = sql_backend.raw(partner.id)
        assert raw is not None and raw.startswith(MARKER) and partner.outbound_token not in raw
        [at_emsp] = emsp.partners()
        assert hash_token(partner.outbound_token or "") in [g.token_hash for g in at_emsp.grants]
        inner = emsp.app.extensions["ocpi"].partners.inner  # the eMSP keeps partners in memory
        assert (inner.get(partner_id=at_emsp.id).outbound_token or "").startswith(MARKER)

        with cpo.app.app_context():
            updated = cpo.ocpi.update(partner.id)  # calls the eMSP with the decrypted token
        assert updated.outbound_token != partner.outbound_token
        raw_after = sql_backend.raw(partner.id)
        assert raw_after is not None and raw_after.startswith(MARKER) and raw_after != raw
        assert updated.outbound_token not in raw_after
        [after] = cpo.partners()
        assert after.outbound_token == updated.outbound_token
        credentials = f"{emsp.url}/ocpi/emsp/2.1.1/credentials"
        answer = requests.get(credentials, headers={"Authorization": f"Token {after.outbound_token}"}, timeout=10)
        assert answer.json()["status_code"] == 1000


def test_a_push_to_a_partner_whose_key_is_lost_is_given_up_and_its_new_credentials_heal_it() -> None:
    store, deliveries = MemoryPartnerStore(), MemoryDeliveryStore()
    outbound = {"partners": store, "deliveries": deliveries, "dispatcher": StoreOnlyDispatcher()}
    with roaming(cpo_outbound=outbound, OCPI_ENCRYPTION_KEYS=NEW) as (cpo, emsp):
        partner = cpo.partner()
        lost = TokenCipher([OLD]).encrypt(partner.id, partner.outbound_token or "")  # encrypted with a lost key
        store._partners[partner.id].outbound_token = lost
        location = demo_location(CPO, 1)
        with cpo.app.app_context():
            cpo.ocpi.changed(location)
            assert deliver_due() == 1  # given up, not raised: the other deliveries go on
        (kept,) = deliveries.list()
        assert kept.status is DeliveryStatus.FAILED and "OCPI_ENCRYPTION_KEYS" in (kept.last_error or "")
        assert emsp.locations.get("NL", "CPO", location.id) is None
        assert store._partners[partner.id].outbound_token == lost

        with emsp.app.app_context():
            emsp.ocpi.update(emsp.partner().id)  # the eMSP sends new credentials
        healed = store._partners[partner.id].outbound_token or ""
        assert healed.startswith(MARKER) and healed != lost
        assert cpo.app.test_cli_runner().invoke(args=["ocpi", "retry-delivery", kept.id]).exit_code == 0
        with cpo.app.app_context():
            assert deliver_due() == 1
        assert emsp.locations.get("NL", "CPO", location.id) is not None


# --- the example app -------------------------------------------------------------------


def test_example_app_generates_its_key_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from example_app import encryption_keys

    monkeypatch.delenv("OCPI_ENCRYPTION_KEYS", raising=False)
    app = Flask("example", instance_path=str(tmp_path))
    key = encryption_keys(app)
    assert TokenCipher([key]) and encryption_keys(app) == key
    assert (tmp_path / "ocpi-encryption.key").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ocpi-encryption.key"]
    (tmp_path / "ocpi-encryption.key").write_text(f"{NEW}\n{key}\n")  # rotating: a new key first
    assert encryption_keys(app) == f"{NEW},{key}"
    monkeypatch.setenv("OCPI_ENCRYPTION_KEYS", OLD)
    assert encryption_keys(app) == OLD


def test_example_app_encrypts_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from example_app import create_app
    from example_app.models import db

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'example.db'}")
    monkeypatch.setenv("OCPI_ENCRYPTION_KEYS", NEW)
    monkeypatch.setenv("COMMAND_SWEEPER", "0")
    app = create_app({"TESTING": True})
    with app.app_context():
        app.extensions["ocpi"].partners.add(partner=full_partner())
        raw = db.session.execute(select(partners_table.c.outbound_token)).scalar_one()
        assert raw.startswith(MARKER) and TOKEN not in raw
        assert app.extensions["ocpi"].partners.get(partner_id="full").outbound_token == TOKEN
        db.engine.dispose()
