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
from sqlalchemy import Engine
from tsunagu_servicekit.logging import get_logger

from ..adapters.keys import MasterKeyError
from ..adapters.tables import Person, PersonKey
from ..adapters.vault import PersonCipher, SealBroken, Vault
from .persons import nickname_digest, phone_digest

log = get_logger(__name__)

_KEYS: sa.Table = PersonKey.__table__  # type: ignore[attr-defined]
_PERSONS: sa.Table = Person.__table__  # type: ignore[attr-defined]

DEFAULT_BATCH_SIZE = 200


def stored_key_ids(engine: Engine) -> set[str]:
    """The master key ids data keys are stored under (``SELECT DISTINCT``; none before migrations)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(_KEYS.name):
            return set()
        return set(conn.execute(sa.select(_KEYS.c.key_id).distinct()).scalars())


def check_master_keys(engine: Engine, vault: Vault) -> set[str]:
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
        for key_id in sorted(found):
            sample = conn.execute(
                sa.select(_KEYS.c.person_id, _KEYS.c.wrapped_key).where(_KEYS.c.key_id == key_id).limit(1)
            ).first()
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


def count_by_key_id(engine: Engine) -> dict[str, int]:
    """How many data keys are stored under each master key id (none before migrations)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(_KEYS.name):
            return {}
        rows = conn.execute(
            sa.select(_KEYS.c.key_id, sa.func.count()).group_by(_KEYS.c.key_id).order_by(_KEYS.c.key_id)
        ).all()
    return {key_id: int(count) for key_id, count in rows}


def pending_by_key_id(engine: Engine, vault: Vault) -> dict[str, int]:
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
    engine: Engine,
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
    k, p = _KEYS, _PERSONS
    rows = conn.execute(
        sa.select(k.c.person_id, k.c.key_id, k.c.wrapped_key)
        .where(k.c.key_id != vault.key_id, k.c.person_id > after)
        .order_by(k.c.person_id)
        .limit(batch_size)
    ).all()
    if not rows:
        return None
    ids = [r.person_id for r in rows]
    persons = {
        r.id: r
        for r in conn.execute(
            sa.select(p.c.id, p.c.erased_at, p.c.nickname_ct, p.c.phone_ct)
            .where(p.c.id.in_(ids))
            .order_by(p.c.id)
            .with_for_update()
        )
    }
    for row in rows:
        person = persons.get(row.person_id)
        if person is None or person.erased_at is not None:
            progress.skipped += 1
            continue
        try:
            data_key = vault.unwrap(row.person_id, row.key_id, row.wrapped_key)
            cipher = PersonCipher(row.person_id, data_key)
            nickname = cipher.open("nickname", person.id, person.nickname_ct)
            phone = cipher.open("phone", person.id, person.phone_ct)
        except SealBroken:
            log.warning("vault.rewrap_failed", person_id=row.person_id, key_id=row.key_id)
            progress.failed.append(row.person_id)
            continue
        swapped = conn.execute(
            sa.update(k)
            .where(
                k.c.person_id == row.person_id,
                k.c.key_id == row.key_id,
                k.c.wrapped_key == row.wrapped_key,
            )
            .values(key_id=vault.key_id, wrapped_key=vault.wrap(row.person_id, data_key))
        )
        if swapped.rowcount != 1:
            progress.skipped += 1
            continue
        conn.execute(
            sa.update(p)
            .where(p.c.id == row.person_id)
            .values(nickname_digest=nickname_digest(vault, nickname), phone_digest=phone_digest(vault, phone))
        )
        progress.rewrapped += 1
    return str(rows[-1].person_id)
