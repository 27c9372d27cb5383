"""The personal-data vault: per-person data keys, AES-256-GCM, crypto-shredding.

* Each person gets a random 256-bit data key when first recorded. It is stored only wrapped:
  encrypted with AES-256-GCM under the master key, with the person's id and the master key's name
  as associated data (a wrapped key copied to another person does not unwrap).
* Each personal field is sealed with the person's data key, with associated data naming the
  person, the field and the record, so a ciphertext moved to another field or record fails to open.
  Format: ``0x01 | 12-byte random nonce | ciphertext+tag``.
* Erasing a person deletes the wrapped key (crypto-shredding). Every ciphertext of that person,
  in the database and in any backup or replay, is then noise.
* Recognising returning people uses keyed digests (HMAC-SHA256, key derived from the master key)
  of normalised nicknames and phone numbers: equality search without storing the value.
* Rotation: the vault knows the current master key and any retired ones, by key id. New data keys
  are wrapped under the current key; a data key wrapped under a retired key still opens, and
  :meth:`Vault.rewrap` moves it to the current key (the person's ciphertexts do not change).
  Digests are made with the current key; lookups try every known key's until the re-wrap has
  recomputed them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session

from .tables import PersonKey

FORMAT = b"\x01"
NONCE_BYTES = 12
_CONTEXT = b"tsunagu-intake"


class PersonKeyMissing(LookupError):
    """The person's data key does not exist (the person was erased, or never had one)."""


class SealBroken(ValueError):
    """A ciphertext does not open: tampered with, moved, or sealed under another key."""


class UnknownMasterKey(LookupError):
    """A data key is wrapped under a master key id the vault was not given (neither current nor retired)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no master key named {key_id!r}")
        self.key_id = key_id


def derive_key(master: bytes, label: str) -> bytes:
    """A 32-byte key for one purpose, derived from the master key (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT + b":" + label.encode()
    ).derive(master)


def _aad(*parts: str) -> bytes:
    return b"|".join([_CONTEXT, *(p.encode() for p in parts)])


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT:
        raise SealBroken("not a sealed value")
    try:
        return AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise SealBroken("the sealed value does not open") from None


class PersonCipher:
    """Seals and opens one person's fields."""

    def __init__(self, person_id: str, data_key: bytes) -> None:
        self.person_id = person_id
        self._key = data_key

    def seal(self, field: str, record_id: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        return _seal(self._key, value.encode("utf-8"), _aad("field", self.person_id, field, record_id))

    def open(self, field: str, record_id: str, blob: bytes | None) -> str | None:
        if blob is None:
            return None
        return _open(self._key, blob, _aad("field", self.person_id, field, record_id)).decode("utf-8")


class Vault:
    """Data keys of every person, wrapped by the current master key (retired ones still unwrap)."""

    def __init__(
        self, master_key: bytes, *, key_id: str = "k1", retired: Mapping[str, bytes] | None = None
    ) -> None:
        retired = dict(retired or {})
        if key_id in retired:
            raise ValueError("the current master key id is also given as a retired one")
        for key in (master_key, *retired.values()):
            if len(key) != 32:
                raise ValueError("the master key must be 32 bytes")
        self.key_id = key_id
        self._masters = {key_id: master_key, **retired}
        self._index_keys = {kid: derive_key(key, "blind-index") for kid, key in self._masters.items()}

    @property
    def key_ids(self) -> frozenset[str]:
        """Ids of every master key the vault can unwrap with: the current one and the retired ones."""
        return frozenset(self._masters)

    def _wrap_aad(self, person_id: str, key_id: str) -> bytes:
        return _aad("data-key", person_id, key_id)

    def _master(self, key_id: str) -> bytes:
        try:
            return self._masters[key_id]
        except KeyError:
            raise UnknownMasterKey(key_id) from None

    def wrap(self, person_id: str, data_key: bytes) -> bytes:
        """``data_key`` wrapped under the current master key (:attr:`key_id`), bound to the person."""
        return _seal(self._master(self.key_id), data_key, self._wrap_aad(person_id, self.key_id))

    def unwrap(self, person_id: str, key_id: str, wrapped: bytes) -> bytes:
        """The data key wrapped under master key ``key_id``: :class:`UnknownMasterKey` when the vault
        has no such key, :class:`SealBroken` when it does not open."""
        return _open(self._master(key_id), wrapped, self._wrap_aad(person_id, key_id))

    def create_key(self, session: Session, person_id: str) -> PersonCipher:
        """Make and store a new data key for ``person_id``; returns its cipher."""
        data_key = AESGCM.generate_key(bit_length=256)
        session.add(
            PersonKey(
                person_id=person_id,
                key_id=self.key_id,
                wrapped_key=self.wrap(person_id, data_key),
                created_at=datetime.now(UTC),
            )
        )
        return PersonCipher(person_id, data_key)

    def cipher(self, session: Session, person_id: str) -> PersonCipher:
        """The cipher of an existing person; :class:`PersonKeyMissing` once they were erased."""
        row = session.get(PersonKey, person_id)
        if row is None:
            raise PersonKeyMissing("no data key")
        return PersonCipher(person_id, self.unwrap(person_id, row.key_id, row.wrapped_key))

    def destroy(self, session: Session, person_id: str) -> bool:
        """Delete the person's data key (crypto-shredding); ``False`` if there was none."""
        row = session.get(PersonKey, person_id)
        if row is None:
            return False
        session.delete(row)
        return True

    def blind_index(self, kind: str, normal_value: str) -> str | None:
        """Keyed digest (current master key) of an already-normalised value (``None`` for an empty one)."""
        return self.digest(kind, normal_value) if normal_value else None

    def blind_indexes(self, kind: str, normal_value: str) -> list[str]:
        """The digests of a value under every known master key, the current one first: what a lookup
        matches while a rotation is under way (rows not yet re-wrapped hold a retired key's digest)."""
        if not normal_value:
            return []
        return [self._digest(kid, kind, normal_value) for kid in self._masters]

    def digest(self, kind: str, value: str) -> str:
        """Keyed digest (current master key) of any value, the empty one included."""
        return self._digest(self.key_id, kind, value)

    def _digest(self, key_id: str, kind: str, value: str) -> str:
        return hmac.new(self._index_keys[key_id], f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
