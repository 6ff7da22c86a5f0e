"""Encryption at rest of the tokens partners gave us (``Partner.outbound_token``).

Tokens we issue are stored only as digests (:mod:`flask_ocpi.transport.auth`), but the token a
partner gave us must be sent back to it, so it can only be encrypted. With
``OCPI_ENCRYPTION_KEYS`` set (Fernet keys, newest first), :func:`protect` wraps the
partner store in an :class:`EncryptedPartnerStore`: tokens are encrypted on the way in
and decrypted on the way out, so backends only ever hold ciphertexts and everything
else in Flask-OCPI sees clear tokens.

* **Stored form.** ``fernet:`` followed by a Fernet token (AES-128-CBC with
  HMAC-SHA256) of ``partner id + NUL + token``: a ciphertext copied onto another
  partner's row does not decrypt there, so it is never sent to the wrong partner.
  A value without the marker is a legacy clear token: it is read as it is, and
  encrypted at the partner's next save (or by ``flask ocpi rotate-keys``).
* **Rotation.** :class:`~cryptography.fernet.MultiFernet`: every configured key
  decrypts, the first encrypts. Put a new key first, run ``flask ocpi rotate-keys``
  (:meth:`EncryptedPartnerStore.rotate`), then drop the old key.
* **A token no key decrypts** (its key was lost or removed, or the row was tampered
  with) is never overwritten: the partner is read with a :class:`LockedToken` in
  place of its token, which saving writes back unchanged and which raises
  :class:`TokenDecryptionError` (naming the partner and ``OCPI_ENCRYPTION_KEYS``) as soon
  as anything tries to send it. The partner's own calls (its token is a hash) keep
  working, and a credentials update it sends stores a fresh, readable token.

The store is wrapped even without keys, so ciphertexts left after removing every key
fail this way too instead of being sent as tokens; only then is ``cryptography``
(``pip install flask-ocpi[crypto]``) not needed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_ocpi.backends.partners import PartnerStore, StatusChanged
from flask_ocpi.config import OcpiConfig
from flask_ocpi.exceptions import ConfigError
from flask_ocpi.models import Partner, PartnerStatus

if TYPE_CHECKING:
    from cryptography.fernet import Fernet, MultiFernet

log = logging.getLogger("flask_ocpi")

KEY = "OCPI_ENCRYPTION_KEYS"
#: Prefix of an encrypted ``outbound_token`` as stored; values without it are clear.
MARKER = "fernet:"
_SEPARATOR = b"\x00"


class TokenDecryptionError(ConfigError):
    """A partner's stored token cannot be decrypted, so the partner cannot be called.

    A :class:`~flask_ocpi.exceptions.ConfigError` of ``OCPI_ENCRYPTION_KEYS`` (the key it
    needs is missing), hence a :class:`ValueError`: a push to that partner is given up
    (kept ``FAILED`` for an operator) instead of holding up the other deliveries, and a
    command to it is not sent.

    :ivar partner_id: the partner concerned.
    """

    def __init__(self, partner_id: str, reason: str) -> None:
        self.partner_id = partner_id
        super().__init__(
            KEY,
            f"the token for calling partner {partner_id} cannot be decrypted ({reason}). Add the key it was "
            "encrypted with (after the newest), or have the partner send new credentials; its calls to us still work",
        )


class LockedToken(str):
    """Stands for a stored token that could not be decrypted (see :mod:`flask_ocpi.stores.secrets`).

    It is a placeholder string (never the ciphertext, never a token) so that code checking
    for a token goes on to use it; turning it into text to send (``str()``, formatting,
    ``encode``, concatenation) raises :class:`TokenDecryptionError`.
    :class:`EncryptedPartnerStore` writes :attr:`stored` back when the partner is saved.

    :ivar stored: the value as stored, kept unchanged.
    :ivar partner_id: the partner it belongs to.
    :ivar reason: why it could not be decrypted.
    """

    stored: str
    partner_id: str
    reason: str

    def __new__(cls, stored: str, partner_id: str, reason: str) -> LockedToken:
        """A placeholder for ``stored``, the undecryptable token of ``partner_id``."""
        locked = super().__new__(cls, "<undecryptable token>")
        locked.stored, locked.partner_id, locked.reason = stored, partner_id, reason
        return locked

    def error(self) -> TokenDecryptionError:
        """The error raised when this token is used."""
        return TokenDecryptionError(self.partner_id, self.reason)

    def __str__(self) -> str:
        raise self.error()

    def __format__(self, format_spec: str) -> str:
        raise self.error()

    def __add__(self, other: str) -> str:
        raise self.error()

    def __radd__(self, other: str) -> str:
        raise self.error()

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """Refused: raises :class:`TokenDecryptionError`."""
        raise self.error()

    def __repr__(self) -> str:
        return f"<undecryptable token of partner {self.partner_id}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (LockedToken, (self.stored, self.partner_id, self.reason))


class TokenCipher:
    """Encrypts and decrypts outbound tokens with Fernet keys (newest first).

    :param keys: url-safe base64 Fernet keys, as ``Fernet.generate_key()`` makes them.
    :raises ConfigError: ``OCPI_ENCRYPTION_KEYS`` when there is no key or
        ``cryptography`` is missing, ``OCPI_ENCRYPTION_KEYS[i]`` for a key that is not a
        Fernet key (the key itself is never part of the message).
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigError(KEY, "no key given")
        try:
            from cryptography.fernet import Fernet, MultiFernet
        except ImportError:
            raise ConfigError(
                KEY, "encrypting tokens needs the cryptography package: pip install flask-ocpi[crypto]"
            ) from None
        fernets: list[Fernet] = []
        for index, key in enumerate(keys):
            try:
                fernets.append(Fernet(key))
            except (TypeError, ValueError):
                raise ConfigError(
                    f"{KEY}[{index}]", "not a Fernet key (32 url-safe base64-encoded bytes, see Fernet.generate_key())"
                ) from None
        self._newest = fernets[0]
        self._all: MultiFernet = MultiFernet(fernets)

    def encrypt(self, partner_id: str, token: str) -> str:
        """The stored form of ``partner_id``'s ``token``, encrypted with the newest key."""
        data = partner_id.encode("utf-8") + _SEPARATOR + token.encode("utf-8")
        return MARKER + self._all.encrypt(data).decode("ascii")

    def decrypt(self, partner_id: str, stored: str) -> str:
        """The token in ``stored`` (the stored form of ``partner_id``'s token).

        :raises ValueError: no key decrypts it, or it belongs to another partner.
        """
        from cryptography.fernet import InvalidToken

        try:
            data = self._all.decrypt(stored.removeprefix(MARKER).encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise ValueError("none of the configured keys decrypts it") from None
        prefix = partner_id.encode("utf-8") + _SEPARATOR
        if not data.startswith(prefix):
            raise ValueError("it was encrypted for another partner")
        return data[len(prefix) :].decode("utf-8")

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is encrypted with the newest key."""
        from cryptography.fernet import InvalidToken

        try:
            self._newest.decrypt(stored.removeprefix(MARKER).encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True


@dataclass
class Rotation:
    """What :meth:`EncryptedPartnerStore.rotate` did (counts of partners)."""

    #: Encrypted tokens re-encrypted with the newest key (or decrypted, with ``decrypt``).
    reencrypted: int = 0
    #: Clear (legacy) tokens encrypted.
    encrypted: int = 0
    #: Tokens already in the wanted form: left as they are.
    unchanged: int = 0
    #: Partners without a token.
    without_token: int = 0
    #: Partners whose token no key decrypts: left as they are.
    undecryptable: list[str] = field(default_factory=list)


class EncryptedPartnerStore(PartnerStore):
    """A :class:`PartnerStore` keeping ``outbound_token`` encrypted in ``inner``.

    Every other method and attribute of ``inner`` (e.g. ``create_tables``) is reached
    through this object, and keyword arguments of :meth:`save` are passed on.

    :param inner: the store holding the data.
    :param cipher: encrypts new tokens; ``None``: tokens are stored in clear (and stored
        ciphertexts are read as :class:`LockedToken`).
    """

    def __init__(self, inner: PartnerStore, cipher: TokenCipher | None) -> None:
        self.inner = inner
        self.cipher = cipher
        self._warned: set[tuple[str, str]] = set()

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (e.g. while unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- the stored form --

    def seal(self, partner: Partner) -> Partner:
        """``partner`` as stored: its token encrypted (or kept as stored when locked)."""
        token = partner.outbound_token
        if isinstance(token, LockedToken):
            stored: str | None = token.stored
        elif token is None or self.cipher is None:
            stored = token
        else:
            stored = self.cipher.encrypt(partner.id, token)
        return partner if stored is token else dataclasses.replace(partner, outbound_token=stored)

    def unseal(self, partner: Partner) -> Partner:
        """``partner`` as read from ``inner``, with its token decrypted (or locked)."""
        stored = partner.outbound_token
        if stored is None or not stored.startswith(MARKER):
            return partner  # no token, or a legacy clear one
        if self.cipher is None:
            reason = "no key is configured"
        else:
            try:
                return dataclasses.replace(partner, outbound_token=self.cipher.decrypt(partner.id, stored))
            except ValueError as exc:
                reason = str(exc)
        if (partner.id, stored) not in self._warned:
            self._warned.add((partner.id, stored))
            log.warning("OCPI partner %s: its stored token cannot be decrypted (%s); see %s", partner.id, reason, KEY)
        return dataclasses.replace(partner, outbound_token=LockedToken(stored, partner.id, reason))

    # -- PartnerStore --

    def add(self, *, partner: Partner) -> None:
        """Store a new partner, its token encrypted."""
        self.inner.add(partner=self.seal(partner))

    def get(self, *, partner_id: str) -> Partner | None:
        """The partner with this id, its token decrypted."""
        found = self.inner.get(partner_id=partner_id)
        return None if found is None else self.unseal(found)

    def find_by_token(self, *, token_hash: str) -> Partner | None:
        """The partner holding a grant with this token hash, its token decrypted."""
        found = self.inner.find_by_token(token_hash=token_hash)
        return None if found is None else self.unseal(found)

    def list(self) -> list[Partner]:
        """All partners, oldest first, their tokens decrypted."""
        return [self.unseal(p) for p in self.inner.list()]

    def save(self, *, partner: Partner, expected_status: PartnerStatus | None = None, **kwargs: Any) -> None:
        """Replace a stored partner, its token encrypted.

        ``expected_status`` (when given) and any other keyword argument go to ``inner.save``.
        """
        if expected_status is not None:
            kwargs["expected_status"] = expected_status
        self.inner.save(partner=self.seal(partner), **kwargs)

    def delete(self, *, partner_id: str) -> None:
        """Remove a partner and its grants."""
        self.inner.delete(partner_id=partner_id)

    # -- key rotation --

    def rotate(self, *, decrypt: bool = False) -> Rotation:
        """Re-encrypt every stored token with the newest key, encrypting clear ones.

        Each partner is read again just before it is saved, and saved only if its status
        did not change meanwhile (otherwise it is read and rotated again). A credentials
        exchange that keeps the status and lands between that read and the save is not
        detected: rotate while none is under way.

        :param decrypt: store every token in clear instead (before turning encryption off).
        :raises ConfigError: when no key is configured.
        """
        cipher = self.cipher
        if cipher is None:
            raise ConfigError(KEY, "not set: there is no key to encrypt or decrypt with")
        done = Rotation()
        for listed in self.inner.list():
            for attempt in range(3):
                try:
                    self._rotate_one(cipher, listed.id, done, decrypt=decrypt)
                    break
                except StatusChanged:
                    if attempt == 2:
                        raise
        return done

    def _rotate_one(self, cipher: TokenCipher, partner_id: str, done: Rotation, *, decrypt: bool) -> None:
        """Rotate one partner's token, counting the outcome in ``done``."""
        current = self.inner.get(partner_id=partner_id)
        if current is None:
            return  # deleted meanwhile
        stored = current.outbound_token
        if stored is None:
            done.without_token += 1
            return
        encrypted = stored.startswith(MARKER)
        token = stored
        if encrypted:
            try:
                token = cipher.decrypt(current.id, stored)
            except ValueError:
                done.undecryptable.append(current.id)
                return
        if (decrypt and not encrypted) or (encrypted and not decrypt and cipher.is_current(stored)):
            done.unchanged += 1
            return
        new = token if decrypt else cipher.encrypt(current.id, token)
        self.inner.save(partner=dataclasses.replace(current, outbound_token=new), expected_status=current.status)
        if encrypted:
            done.reencrypted += 1
        else:
            done.encrypted += 1


def protect(store: PartnerStore, config: OcpiConfig) -> PartnerStore:
    """``store`` wrapped in an :class:`EncryptedPartnerStore` using ``OCPI_ENCRYPTION_KEYS``
    (an :class:`EncryptedPartnerStore` given is unwrapped first: tokens are never encrypted twice).

    :raises ConfigError: when a key is invalid or ``cryptography`` is not installed.
    """
    if isinstance(store, EncryptedPartnerStore):
        store = store.inner
    cipher = TokenCipher(config.encryption_keys) if config.encryption_keys else None
    return EncryptedPartnerStore(store, cipher)


def token_state(partner: Partner) -> str | None:
    """``"undecryptable"``, ``"set"``, or ``None`` (no token): what may be shown of a token."""
    if partner.outbound_token is None:
        return None
    return "undecryptable" if isinstance(partner.outbound_token, LockedToken) else "set"


__all__ = [
    "MARKER",
    "EncryptedPartnerStore",
    "LockedToken",
    "Rotation",
    "TokenCipher",
    "TokenDecryptionError",
    "protect",
    "token_state",
]
