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
"""

from __future__ import annotations

import hashlib
import hmac
import os
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
    """Data keys of every person, wrapped by one master key."""

    def __init__(self, master_key: bytes, *, key_id: str = "k1") -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master = master_key
        self.key_id = key_id
        self._index_key = derive_key(master_key, "blind-index")

    def _wrap_aad(self, person_id: str, key_id: str) -> bytes:
        return _aad("data-key", person_id, key_id)

    def create_key(self, session: Session, person_id: str) -> PersonCipher:
        """Make and store a new data key for ``person_id``; returns its cipher."""
        data_key = AESGCM.generate_key(bit_length=256)
        wrapped = _seal(self._master, data_key, self._wrap_aad(person_id, self.key_id))
        session.add(
            PersonKey(
                person_id=person_id, key_id=self.key_id, wrapped_key=wrapped, created_at=datetime.now(UTC)
            )
        )
        return PersonCipher(person_id, data_key)

    def cipher(self, session: Session, person_id: str) -> PersonCipher:
        """The cipher of an existing person; :class:`PersonKeyMissing` once they were erased."""
        row = session.get(PersonKey, person_id)
        if row is None:
            raise PersonKeyMissing("no data key")
        data_key = _open(self._master, row.wrapped_key, self._wrap_aad(person_id, row.key_id))
        return PersonCipher(person_id, data_key)

    def destroy(self, session: Session, person_id: str) -> bool:
        """Delete the person's data key (crypto-shredding); ``False`` if there was none."""
        row = session.get(PersonKey, person_id)
        if row is None:
            return False
        session.delete(row)
        return True

    def blind_index(self, kind: str, normal_value: str) -> str | None:
        """Keyed digest of an already-normalised value (``None`` for an empty one)."""
        if not normal_value:
            return None
        return hmac.new(self._index_key, f"{kind}\x00{normal_value}".encode(), hashlib.sha256).hexdigest()
