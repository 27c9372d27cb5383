"""Master key rotation: the check on start, and re-wrapping data keys under the current master key.

Rotating: give the new key as ``VAULT_MASTER_KEY`` under a new ``VAULT_KEY_ID`` and move the old one
to ``VAULT_RETIRED_KEYS``; data keys wrapped under it still open, and new ones are wrapped under
the new key. :func:`rewrap_keys` (``python -m tsunagu_intake rewrap-keys``) then re-wraps every data
key still under another key id. Only the wrapped key and the person's two digests change (the
digests are keyed by the master key too: they are recomputed from the person's sealed nickname and
phone); no ciphertext of the person does. Once nothing is left under the old id, it can be dropped.

Re-wrapping goes in batches, each its own transaction, so it can be interrupted and run again, and
runs beside the service: a row is replaced only if it still holds the wrapped key that was read
(compare-and-set), person rows are locked before key rows (the order erasure takes them in), and
erased persons, whose key is gone, are not touched. Nothing here logs key material or personal
data: counts, key ids and pseudonymous person ids only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from tsunagu_servicekit.logging import get_logger

from ..adapters import data_keys
from ..adapters.data_keys import count_by_key_id, stored_key_ids
from ..adapters.keys import MasterKeyError
from ..adapters.vault import PersonCipher, SealBroken, Vault
from .persons import nickname_digest, phone_digest

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "RewrapProgress",
    "check_master_keys",
    "count_by_key_id",
    "pending_by_key_id",
    "require_known_master_keys",
    "rewrap_keys",
    "stored_key_ids",
]

log = get_logger(__name__)

DEFAULT_BATCH_SIZE = 200


def check_master_keys(engine: sa.Engine, vault: Vault) -> set[str]:
    """Refuse (:class:`MasterKeyError`, naming key ids only) when the database holds data keys under
    a master key id the vault does not know, or when the key given for an id does not open a data
    key stored under it (one sample per id). Returns the ids found."""
    found = stored_key_ids(engine)
    unknown = sorted(found - vault.key_ids)
    if unknown:
        retired = sorted(vault.key_ids - {vault.key_id})
        names = ", ".join(repr(k) for k in unknown)
        raise MasterKeyError(
            f"The database holds data keys wrapped under master key id {names}, which is neither the "
            f"current key ({vault.key_id!r}, TSUNAGU_INTAKE_VAULT_KEY_ID) nor a retired one "
            f"({', '.join(repr(k) for k in retired) or 'none'}, TSUNAGU_INTAKE_VAULT_RETIRED_KEYS). "
            "Give that key among the retired keys; without it those persons' data cannot be read."
        )
    for key_id in sorted(found):
        sample = data_keys.sample_key(engine, key_id)
        if sample is None:
            continue
        try:
            vault.unwrap(sample.person_id, key_id, sample.wrapped_key)
        except SealBroken:
            raise MasterKeyError(
                f"The master key given for id {key_id!r} does not open the data keys stored under "
                "that id: it is not the key they were wrapped with."
            ) from None
    return found


def require_known_master_keys(engine: sa.Engine, vault: Vault) -> None:
    """The service's check before it starts: :func:`check_master_keys`, refusing with
    :class:`MasterKeyError` (naming the key id) before anything runs."""
    check_master_keys(engine, vault)


def pending_by_key_id(engine: sa.Engine, vault: Vault) -> dict[str, int]:
    """How many data keys are stored under each master key id other than the current one."""
    return {k: n for k, n in count_by_key_id(engine).items() if k != vault.key_id}


@dataclass
class RewrapProgress:
    """Where a re-wrap run stands after a batch (or at the end)."""

    to_do: int
    """Data keys under another key id when the run began."""
    batches: int = 0
    rewrapped: int = 0
    skipped: int = 0
    """Changed meanwhile (re-wrapped by another run, or the person erased): nothing to do."""
    failed: list[str] = field(default_factory=list)
    """Person ids whose data key or sealed fields did not open: left as they were."""

    @property
    def done(self) -> int:
        return self.rewrapped + self.skipped + len(self.failed)


def rewrap_keys(
    engine: sa.Engine,
    vault: Vault,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[RewrapProgress], None] | None = None,
) -> RewrapProgress:
    """Re-wrap every data key not under the current master key, ``batch_size`` per transaction."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    check_master_keys(engine, vault)
    progress = RewrapProgress(to_do=sum(pending_by_key_id(engine, vault).values()))
    after = ""
    while True:
        with engine.begin() as conn:
            last = _rewrap_batch(conn, vault, after, batch_size, progress)
        if last is None:
            break
        after = last
        progress.batches += 1
        log.info(
            "vault.rewrap_batch",
            batch=progress.batches,
            rewrapped=progress.rewrapped,
            skipped=progress.skipped,
            failed=len(progress.failed),
            key_id=vault.key_id,
        )
        if on_batch is not None:
            on_batch(progress)
    return progress


def _rewrap_batch(
    conn: sa.Connection, vault: Vault, after: str, batch_size: int, progress: RewrapProgress
) -> str | None:
    """One batch in the caller's transaction; the last person id looked at, ``None`` when none was left."""
    keys = data_keys.keys_not_under(conn, vault.key_id, after=after, limit=batch_size)
    if not keys:
        return None
    persons = data_keys.lock_persons(conn, [k.person_id for k in keys])
    for key in keys:
        person = persons.get(key.person_id)
        if person is None or person.erased:
            progress.skipped += 1
            continue
        try:
            data_key = vault.unwrap(key.person_id, key.key_id, key.wrapped_key)
            cipher = PersonCipher(key.person_id, data_key)
            nickname = cipher.open("nickname", person.person_id, person.nickname_ct)
            phone = cipher.open("phone", person.person_id, person.phone_ct)
        except SealBroken:
            log.warning("vault.rewrap_failed", person_id=key.person_id, key_id=key.key_id)
            progress.failed.append(key.person_id)
            continue
        if not data_keys.replace_wrapped_key(
            conn, key, key_id=vault.key_id, wrapped_key=vault.wrap(key.person_id, data_key)
        ):
            progress.skipped += 1
            continue
        data_keys.set_digests(
            conn, key.person_id, nickname=nickname_digest(vault, nickname), phone=phone_digest(vault, phone)
        )
        progress.rewrapped += 1
    return keys[-1].person_id
