"""Re-wrapping keys: master key rotation, the monthly KEK rotation, and destroying old KEKs.

Data keys are wrapped by the key-encryption key (KEK) of a calendar month (UTC), KEKs by the master
key. :func:`rewrap_keys` (``python -m tsunagu_intake rewrap-keys``, run daily) does three things:

1. re-wraps every live KEK still under a retired master key under the current one;
2. re-wraps every data key not under this month's KEK and the current master key id (keys from the
   month before, keys from before KEKs, keys under a retired master key), recomputing the person's
   two digests when the master key changed (they are keyed by it); no ciphertext of a person
   changes;
3. destroys (deletes the wrapped secret of) every KEK whose month ended more than the backup
   retention ago and that no data key uses any more. A backup copy of an erased person's data key
   is wrapped by the KEK of its month, so from then on it does not open, master key or not.

Master key rotation: give the new key as ``VAULT_MASTER_KEY`` under a new ``VAULT_KEY_ID`` and move
the old one to ``VAULT_RETIRED_KEYS``; run this; once nothing is left under the old id, drop it.

Re-wrapping goes in batches, each its own transaction, so it can be interrupted and run again, and
runs beside the service: a row is replaced only if it still holds the wrapped key that was read
(compare-and-set), person rows are locked before key rows (the order erasure takes them in), and
erased persons, whose key is gone, are not touched. A KEK is destroyed by one statement that checks
no data key uses it. Nothing here logs key material or personal data: counts, key ids, KEK ids
(months) and pseudonymous person ids only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tsunagu_servicekit.logging import get_logger

from ..adapters import data_keys, keks
from ..adapters.data_keys import count_by_key_id
from ..adapters.keys import MasterKeyError
from ..adapters.vault import Kek, KekDestroyed, PersonCipher, SealBroken, UnknownMasterKey, Vault
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
DEFAULT_BACKUP_RETENTION = timedelta(days=35)


def stored_key_ids(engine: sa.Engine) -> set[str]:
    """The master key ids anything is stored under: data keys (their digests, or the key itself
    before KEKs) and live KEKs (none before migrations)."""
    found = data_keys.stored_key_ids(engine)
    with engine.connect() as conn:
        if sa.inspect(conn).has_table("intake_vault_kek"):
            found |= {k.master_key_id for k in keks.live_keks(conn)}
    return found


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
    with engine.connect() as conn:
        live = keks.live_keks(conn) if sa.inspect(conn).has_table("intake_vault_kek") else []
    for key_id in sorted(found):
        try:
            for kek in live:
                if kek.master_key_id == key_id:
                    vault.open_kek(kek)
                    break
            sample = data_keys.sample_key(engine, key_id)
            if sample is not None:
                vault.unwrap(sample.person_id, key_id, sample.wrapped_key)
        except SealBroken:
            raise MasterKeyError(
                f"The master key given for id {key_id!r} does not open the keys stored under "
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
    """Data keys not under this month's KEK and the current master key when the run began."""
    batches: int = 0
    rewrapped: int = 0
    skipped: int = 0
    """Changed meanwhile (re-wrapped by another run, or the person erased): nothing to do."""
    failed: list[str] = field(default_factory=list)
    """Person ids whose data key or sealed fields did not open: left as they were."""
    keks_rewrapped: int = 0
    """KEKs moved from a retired master key to the current one."""
    keks_destroyed: list[str] = field(default_factory=list)
    """KEKs (months) destroyed by this run: past the backup retention, used by no data key."""
    keks_overdue: list[str] = field(default_factory=list)
    """KEKs past the backup retention that data keys still use (those that failed): not destroyed."""

    @property
    def done(self) -> int:
        return self.rewrapped + self.skipped + len(self.failed)


def rewrap_keys(
    engine: sa.Engine,
    vault: Vault,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
    backup_retention: timedelta = DEFAULT_BACKUP_RETENTION,
    on_batch: Callable[[RewrapProgress], None] | None = None,
) -> RewrapProgress:
    """Re-wrap live KEKs under the current master key and every data key under this month's KEK,
    ``batch_size`` data keys per transaction; then destroy the KEKs past ``backup_retention``."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now if now is not None else datetime.now(UTC)
    check_master_keys(engine, vault)
    with engine.begin() as conn:
        keks_rewrapped = _rewrap_keks(conn, vault)
        current = vault.current_kek(conn, now)
    progress = RewrapProgress(
        to_do=data_keys.count_not_under(engine, vault.key_id, current.id), keks_rewrapped=keks_rewrapped
    )
    opened: dict[str, Kek] = {current.id: current}
    after = ""
    while True:
        with engine.begin() as conn:
            last = _rewrap_batch(conn, vault, current, opened, after, batch_size, progress)
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
            kek_id=current.id,
        )
        if on_batch is not None:
            on_batch(progress)
    _destroy_expired_keks(engine, now, backup_retention, progress)
    return progress


def _rewrap_keks(conn: sa.Connection, vault: Vault) -> int:
    moved = 0
    for stored in keks.live_keks(conn):
        if stored.master_key_id == vault.key_id:
            continue
        kek = vault.open_kek(stored)
        if keks.replace_wrapped_kek(conn, stored, master_key_id=vault.key_id, wrapped=vault.wrap_kek(kek)):
            moved += 1
            log.info("vault.kek_rewrapped", kek_id=stored.id, key_id=vault.key_id)
    return moved


def _destroy_expired_keks(
    engine: sa.Engine, now: datetime, backup_retention: timedelta, progress: RewrapProgress
) -> None:
    with engine.begin() as conn:
        expired = [k for k in keks.live_keks(conn) if k.period_end + backup_retention <= now]
        for kek in expired:
            if keks.destroy_if_unused(conn, kek.id, now=now):
                progress.keks_destroyed.append(kek.id)
                log.info("vault.kek_destroyed", kek_id=kek.id)
            else:
                progress.keks_overdue.append(kek.id)
                log.warning("vault.kek_still_used", kek_id=kek.id, keys=keks.keys_using(conn, [kek.id]))


def _rewrap_batch(
    conn: sa.Connection,
    vault: Vault,
    current: Kek,
    opened: dict[str, Kek],
    after: str,
    batch_size: int,
    progress: RewrapProgress,
) -> str | None:
    """One batch in the caller's transaction; the last person id looked at, ``None`` when none was left."""
    keys = data_keys.keys_not_under(conn, vault.key_id, current.id, after=after, limit=batch_size)
    if not keys:
        return None
    persons = data_keys.lock_persons(conn, [k.person_id for k in keys])
    for key in keys:
        person = persons.get(key.person_id)
        if person is None or person.erased:
            progress.skipped += 1
            continue
        try:
            kek = None
            if key.kek_id is not None:
                kek = opened.get(key.kek_id) or opened.setdefault(key.kek_id, vault.kek(conn, key.kek_id))
            data_key = vault.unwrap(key.person_id, key.key_id, key.wrapped_key, kek)
            digests: tuple[str | None, str | None] | None = None
            if key.key_id != vault.key_id:  # the digests are keyed by the master key
                cipher = PersonCipher(key.person_id, data_key)
                nickname = cipher.open("nickname", person.person_id, person.nickname_ct)
                phone = cipher.open("phone", person.person_id, person.phone_ct)
                digests = (nickname_digest(vault, nickname), phone_digest(vault, phone))
        except (SealBroken, KekDestroyed, UnknownMasterKey):
            log.warning("vault.rewrap_failed", person_id=key.person_id, key_id=key.key_id, kek_id=key.kek_id)
            progress.failed.append(key.person_id)
            continue
        if not data_keys.replace_wrapped_key(
            conn,
            key,
            key_id=vault.key_id,
            kek_id=current.id,
            wrapped_key=vault.wrap(key.person_id, data_key, current),
        ):
            progress.skipped += 1
            continue
        if digests is not None:
            data_keys.set_digests(conn, key.person_id, nickname=digests[0], phone=digests[1])
        progress.rewrapped += 1
    return keys[-1].person_id
