"""Erasure survives a backup: an older copy of an erased person's wrapped data key stops opening.

A copy of the key tables taken before the erasure (what a backup holds) is kept. Right after the
erasure it still opens with the master key and the KEK table as they are then: the backup is
within its retention and holds the person like any other. Once ``rewrap-keys`` runs past the
horizon (the end of the month the key was wrapped in, plus the backup retention), the month's KEK
is destroyed: the copy no longer opens with the current master key and the current KEK table,
while every living person, re-wrapped under the new month's KEK, still reads as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tsunagu_intake.adapters import keks
from tsunagu_intake.adapters.vault import KekDestroyed, PersonCipher, SealBroken, Vault
from tsunagu_intake.handlers.key_rotation import rewrap_keys
from tsunagu_intake.testing import (
    COUNSELLOR,
    SUPERVISOR,
    IntakeService,
    new_person_consultation,
    sealed_values_of,
)
from tsunagu_servicekit.testing import SettableClock

SECRET = "CANARY-BACKUP-山田花子"
KEPT = "残る人"
RETENTION = timedelta(days=35)
# The clock starts on 1 May 2025: the keys are wrapped under May's KEK, whose horizon is the end of
# May plus the retention.
HORIZON = datetime(2025, 6, 1, tzinfo=UTC) + RETENTION


@dataclass(frozen=True)
class KeyCopy:
    person_id: str
    key_id: str
    kek_id: str | None
    wrapped_key: bytes


def copy_key_tables(engine: sa.Engine) -> tuple[dict[str, KeyCopy], list[tuple[object, ...]]]:
    """What a backup of the key tables holds: every wrapped data key, every KEK row."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT person_id, key_id, kek_id, wrapped_key FROM intake_person_key")
        ).all()
        kek_rows = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM intake_vault_kek")).all()]
    copies = {r.person_id: KeyCopy(r.person_id, r.key_id, r.kek_id, bytes(r.wrapped_key)) for r in rows}
    return copies, kek_rows


def open_from_copy(engine: sa.Engine, vault: Vault, copy: KeyCopy, sealed_name: bytes) -> str | None:
    """Open a sealed name with the copied wrapped key, the current master key and the database's
    current KEK table: what someone holding an old backup and today's keys would do."""
    with engine.connect() as conn:
        stored = keks.get_kek(conn, copy.kek_id) if copy.kek_id is not None else None
    if copy.kek_id is not None and stored is None:
        raise KekDestroyed(copy.kek_id)
    kek = vault.open_kek(stored) if stored is not None else None
    data_key = vault.unwrap(copy.person_id, copy.key_id, copy.wrapped_key, kek)
    return PersonCipher(copy.person_id, data_key).open("name", copy.person_id, sealed_name)


async def _new_person(service: IntakeService, name: str, nickname: str) -> str:
    made = await service.client.post(
        "/consultations",
        json=new_person_consultation(person={"nickname": nickname, "name": name}),
        headers=COUNSELLOR,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["person_id"])


async def test_an_erased_key_in_a_backup_stops_opening_at_the_horizon(
    service: IntakeService, clock: SettableClock
) -> None:
    engine, vault = service.engine, service.context.vault
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # the vault's own connections overwrite deleted rows
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
    erased = await _new_person(service, SECRET, "はなこ")
    kept = await _new_person(service, KEPT, "のこる")
    sealed = sealed_values_of(engine, erased)[("intake_person", "name_ct", erased)]
    backup, backup_keks = copy_key_tables(engine)
    assert backup[erased].kek_id == "2025-05"
    assert [row[0] for row in backup_keks] == ["2025-05"]

    response = await service.client.post(
        f"/persons/{erased}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert response.status_code == 200, response.text
    # Within the retention the backup still holds the person, as it holds everyone.
    assert open_from_copy(engine, vault, backup[erased], sealed) == SECRET

    # A day before the horizon: living keys move to the new month's KEK, May's is kept.
    clock.set(HORIZON - timedelta(days=1))
    early = rewrap_keys(engine, vault, now=clock(), backup_retention=RETENTION)
    assert (early.rewrapped, early.failed, early.keks_destroyed) == (1, [], [])
    assert open_from_copy(engine, vault, backup[erased], sealed) == SECRET

    clock.set(HORIZON + timedelta(minutes=1))
    progress = rewrap_keys(engine, vault, now=clock(), backup_retention=RETENTION)
    assert (progress.keks_destroyed, progress.keks_overdue, progress.failed) == (["2025-05"], [], [])

    with pytest.raises((KekDestroyed, SealBroken)):
        open_from_copy(engine, vault, backup[erased], sealed)
    with engine.connect() as conn:
        may = keks.get_kek(conn, "2025-05")
    assert may is not None
    assert (may.wrapped_kek, may.destroyed_at) == (None, clock())
    # Nothing of May's KEK is left in the database to open the copy with, in any column.
    with engine.connect() as conn:
        kek_values = [
            bytes(v)
            for (v,) in conn.execute(sa.text("SELECT wrapped_kek FROM intake_vault_kek"))
            if v is not None
        ]
    may_wrapped = next(row for row in backup_keks if row[0] == "2025-05")
    assert not any(bytes(v) in kek_values for v in may_wrapped if isinstance(v, bytes | memoryview))

    # The living person is untouched: re-wrapped under July's KEK, readable, found by nickname.
    person = await service.client.get(f"/persons/{kept}?purpose=case_work", headers=COUNSELLOR)
    assert person.json()["name"] == KEPT
    found = await service.client.post(
        "/persons/lookup?purpose=case_work", json={"nickname": "のこる"}, headers=COUNSELLOR
    )
    assert [p["person_id"] for p in found.json()] == [kept]
    assert copy_key_tables(engine)[0][kept].kek_id == "2025-07"
    # The living person's own copy from the backup is under May's KEK too: the backup is past its
    # retention, and nothing restores it now (a restore brings its own KEK table back, of course).
    assert backup[kept].kek_id == "2025-05"


async def test_a_kek_still_used_is_not_destroyed(service: IntakeService, clock: SettableClock) -> None:
    engine, vault = service.engine, service.context.vault
    person = await _new_person(service, KEPT, "のこる")
    # A key whose re-wrap fails (its sealed fields tampered with does not matter: the key itself
    # is broken here) keeps May's KEK in use; the job must leave that KEK alone and say so.
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE intake_person_key SET wrapped_key = :w WHERE person_id = :p"),
            {"w": b"\x01" + bytes(60), "p": person},
        )
    clock.set(HORIZON + timedelta(minutes=1))
    progress = rewrap_keys(engine, vault, now=clock(), backup_retention=RETENTION)
    assert progress.failed == [person]
    assert (progress.keks_destroyed, progress.keks_overdue) == ([], ["2025-05"])
    with engine.connect() as conn:
        may = keks.get_kek(conn, "2025-05")
    assert may is not None
    assert may.wrapped_kek is not None
