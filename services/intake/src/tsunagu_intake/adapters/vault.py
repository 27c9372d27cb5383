"""The personal-data vault: per-person data keys, AES-256-GCM, crypto-shredding.

* Each person gets a random 256-bit data key when first recorded. It is stored only wrapped:
  encrypted with AES-256-GCM under the master key, with the person's id and the master key's name
  as associated data (a wrapped key copied to another person does not unwrap).
* Each personal field is sealed with the person's data key, with associated data naming the
  person, the field and the record, so a ciphertext moved to another field or record fails to open.
  Format: ``0x01 | 12-byte random nonce | ciphertext+tag``.
* Data keys are wrapped by a key-encryption key (KEK) of the calendar month (UTC) they were last
  (re-)wrapped in; each KEK is stored wrapped by a master key, with its month and master key id as
  associated data. Keys written before KEKs came are wrapped by the master key itself until
  ``rewrap-keys`` moves them.
* Erasing a person deletes the wrapped key (crypto-shredding). Every ciphertext of that person in
  the database is then noise at once; an older copy of the wrapped key (a backup) is wrapped by the
  KEK of its month, which ``rewrap-keys`` destroys once the month plus the backup retention has
  passed and no live key uses it: from then on, that copy is noise too, even with the master key.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session

from . import keks
from .keks import StoredKek
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


class KekDestroyed(LookupError):
    """The KEK a data key is wrapped by was destroyed (or never existed here): the key does not open."""

    def __init__(self, kek_id: str) -> None:
        super().__init__(f"the key-encryption key {kek_id!r} is destroyed")
        self.kek_id = kek_id


@dataclass(frozen=True, slots=True)
class Kek:
    """An unwrapped key-encryption key (never logged or shown)."""

    id: str
    key: bytes = field(repr=False)


def kek_period(now: datetime) -> tuple[str, datetime, datetime]:
    """The KEK id of the calendar month (UTC) holding ``now``, and the month's start and end."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return f"{now.year:04d}-{now.month:02d}", start, end


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

    def _kek_wrap_aad(self, person_id: str, kek_id: str) -> bytes:
        # Master key ids hold no ":" (settings pattern), so this never equals a master-key AAD.
        return _aad("data-key", person_id, f"kek:{kek_id}")

    def _master(self, key_id: str) -> bytes:
        try:
            return self._masters[key_id]
        except KeyError:
            raise UnknownMasterKey(key_id) from None

    # -- key-encryption keys ------------------------------------------------------------------

    def wrap_kek(self, kek: Kek) -> bytes:
        """``kek`` wrapped under the current master key, bound to its id and the master key's."""
        return _seal(self._master(self.key_id), kek.key, _aad("kek", kek.id, self.key_id))

    def open_kek(self, stored: StoredKek) -> Kek:
        """The stored KEK unwrapped: :class:`KekDestroyed` once destroyed, :class:`UnknownMasterKey`
        or :class:`SealBroken` when its master key is not (the right one) in the vault."""
        if stored.wrapped_kek is None:
            raise KekDestroyed(stored.id)
        master = self._master(stored.master_key_id)
        return Kek(stored.id, _open(master, stored.wrapped_kek, _aad("kek", stored.id, stored.master_key_id)))

    def kek(self, conn: sa.Connection, kek_id: str) -> Kek:
        """The stored KEK ``kek_id``, unwrapped (see :meth:`open_kek`)."""
        stored = keks.get_kek(conn, kek_id)
        if stored is None:
            raise KekDestroyed(kek_id)
        return self.open_kek(stored)

    def current_kek(self, conn: sa.Connection, now: datetime) -> Kek:
        """The KEK of the month holding ``now``, made and stored (wrapped) by the first to ask."""
        kek_id, start, end = kek_period(now)
        stored = keks.get_kek(conn, kek_id)
        if stored is None:
            made = Kek(kek_id, AESGCM.generate_key(bit_length=256))
            keks.insert_kek_if_absent(
                conn,
                StoredKek(kek_id, self.key_id, self.wrap_kek(made), start, end, None),
                now=now,
            )
            stored = keks.get_kek(conn, kek_id)
            if stored is None:  # pragma: no cover - the insert above or a concurrent one stored it
                raise KekDestroyed(kek_id)
        return self.open_kek(stored)

    # -- data keys ----------------------------------------------------------------------------

    def wrap(self, person_id: str, data_key: bytes, kek: Kek) -> bytes:
        """``data_key`` wrapped under ``kek``, bound to the person and the KEK's id."""
        return _seal(kek.key, data_key, self._kek_wrap_aad(person_id, kek.id))

    def unwrap(self, person_id: str, key_id: str, wrapped: bytes, kek: Kek | None = None) -> bytes:
        """The data key wrapped under ``kek``, or (``kek`` ``None``: a key from before KEKs) under
        master key ``key_id``: :class:`UnknownMasterKey` when the vault has no such key,
        :class:`SealBroken` when it does not open."""
        if kek is not None:
            return _open(kek.key, wrapped, self._kek_wrap_aad(person_id, kek.id))
        return _open(self._master(key_id), wrapped, self._wrap_aad(person_id, key_id))

    def create_key(self, session: Session, person_id: str, now: datetime) -> PersonCipher:
        """Make and store a new data key for ``person_id`` under the KEK of ``now``'s month."""
        data_key = AESGCM.generate_key(bit_length=256)
        kek = self.current_kek(session.connection(), now)
        session.add(
            PersonKey(
                person_id=person_id,
                key_id=self.key_id,
                kek_id=kek.id,
                wrapped_key=self.wrap(person_id, data_key, kek),
                created_at=now,
            )
        )
        return PersonCipher(person_id, data_key)

    def cipher(self, session: Session, person_id: str) -> PersonCipher:
        """The cipher of an existing person; :class:`PersonKeyMissing` once they were erased."""
        row = session.get(PersonKey, person_id)
        if row is None:
            raise PersonKeyMissing("no data key")
        kek = self.kek(session.connection(), row.kek_id) if row.kek_id is not None else None
        return PersonCipher(person_id, self.unwrap(person_id, row.key_id, row.wrapped_key, kek))

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
