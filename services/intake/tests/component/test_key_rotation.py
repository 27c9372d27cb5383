"""Master key rotation: retired keys still open, re-wrapping moves every data key, unknown ids refuse.

Data is written under ``k1``; the service then runs under ``k2`` with ``k1`` retired, the data keys
are re-wrapped, and ``k1`` is dropped. Through all of it everything stays readable through the API,
and no ciphertext of a person changes (only the wrapped key and the two digests do).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_intake.adapters.keys import MasterKeyError
from tsunagu_intake.adapters.vault import Kek, Vault
from tsunagu_intake.app import build_runtime
from tsunagu_intake.handlers import key_rotation
from tsunagu_intake.handlers.key_rotation import check_master_keys, pending_by_key_id, rewrap_keys
from tsunagu_intake.testing import (
    COUNSELLOR,
    JWT_SECRET,
    MASTER_KEY,
    SUPERVISOR,
    IntakeService,
    make_settings,
    new_person_consultation,
    sealed_values_of,
    service_without_broker,
)
from tsunagu_servicekit.testing import SettableClock

K1 = MASTER_KEY
K2 = base64.b64encode(bytes(range(32, 64))).decode()
K3 = base64.b64encode(bytes(range(64, 96))).decode()
UNDER_K1: dict[str, Any] = {}
ROTATED: dict[str, Any] = {"vault_key_id": "k2", "vault_master_key": K2, "vault_retired_keys": {"k1": K1}}
K2_ONLY: dict[str, Any] = {"vault_key_id": "k2", "vault_master_key": K2}
PASSWORD = "correct horse battery"
SECRET_NAME = "山田太郎"


@dataclass
class World:
    """What was written under k1: a phone consultation's person, a web user, an erased person."""

    person: str
    consultation: str
    case: str
    web_person: str
    web_number: str
    web_token: str
    erased: str


async def write_under_k1(svc: IntakeService, *, extra_people: int = 0) -> World:
    made = (
        await svc.client.post(
            "/consultations",
            json=new_person_consultation(
                person={"nickname": "たろう", "name": SECRET_NAME, "phone": "090-1111-2222"},
            ),
            headers=COUNSELLOR,
        )
    ).json()
    note = await svc.client.post(
        f"/cases/{made['case_id']}/notes", json={"note": "面談メモ"}, headers=COUNSELLOR
    )
    assert note.status_code == 201, note.text
    registered = await svc.client.post(
        "/web/registrations", json={"password": PASSWORD, "nickname": "はなこ"}
    )
    number = registered.json()["user_number"]
    token = (
        await svc.client.post("/web/sessions", json={"user_number": number, "password": PASSWORD})
    ).json()["access_token"]
    sent = await svc.client.post(
        "/web/consultations", json={"body": "眠れません"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert sent.status_code == 201, sent.text
    reply = await svc.client.post(
        f"/consultations/{sent.json()['consultation_id']}/replies",
        json={"body": "お返事です"},
        headers=COUNSELLOR,
    )
    assert reply.status_code == 201, reply.text
    web_person = (
        await svc.client.post(
            "/persons/lookup?purpose=case_work", json={"user_number": number}, headers=COUNSELLOR
        )
    ).json()[0]["person_id"]
    gone = (
        await svc.client.post(
            "/consultations", json=new_person_consultation(person={"nickname": "けす"}), headers=COUNSELLOR
        )
    ).json()["person_id"]
    erased = await svc.client.post(
        f"/persons/{gone}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert erased.status_code == 200, erased.text
    for i in range(extra_people):
        r = await svc.client.post(
            "/consultations",
            json=new_person_consultation(person={"nickname": f"ひと{i}"}),
            headers=COUNSELLOR,
        )
        assert r.status_code == 201, r.text
    return World(
        person=made["person_id"],
        consultation=made["consultation_id"],
        case=made["case_id"],
        web_person=web_person,
        web_number=number,
        web_token=token,
        erased=gone,
    )


async def assert_readable(svc: IntakeService, world: World) -> None:
    person = await svc.client.get(f"/persons/{world.person}?purpose=case_work", headers=COUNSELLOR)
    assert person.status_code == 200, person.text
    assert (person.json()["name"], person.json()["nickname"], person.json()["phone"]) == (
        SECRET_NAME,
        "たろう",
        "090-1111-2222",
    )
    for criterion in ({"nickname": "ﾀﾛｳ"}, {"phone": "０９０１１１１２２２２"}):
        found = await svc.client.post("/persons/lookup?purpose=case_work", json=criterion, headers=COUNSELLOR)
        assert [c["person_id"] for c in found.json()] == [world.person], criterion
    cases = await svc.client.post("/cases/search", json={"nickname": "タロウ"}, headers=COUNSELLOR)
    assert [c["case_id"] for c in cases.json()] == [world.case]
    consultation = await svc.client.get(
        f"/consultations/{world.consultation}?purpose=case_work", headers=COUNSELLOR
    )
    assert consultation.json()["notes"] == "息子が部屋から出てこない"
    timeline = (
        await svc.client.get(f"/cases/{world.case}/timeline?purpose=case_work", headers=COUNSELLOR)
    ).json()
    assert [t["note"] for t in timeline if t["kind"] == "note"] == ["面談メモ"]
    login = await svc.client.post(
        "/web/sessions", json={"user_number": world.web_number, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    mine = await svc.client.get(
        "/web/consultations", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    [own] = mine.json()
    assert (own["body"], [r["body"] for r in own["replies"]]) == ("眠れません", ["お返事です"])
    assert (
        await svc.client.get(f"/persons/{world.erased}?purpose=case_work", headers=COUNSELLOR)
    ).status_code == 410


def key_rows(svc: IntakeService) -> dict[str, tuple[str, bytes]]:
    with svc.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT person_id, key_id, wrapped_key FROM intake_person_key")).all()
    return {r.person_id: (r.key_id, bytes(r.wrapped_key)) for r in rows}


def digests(svc: IntakeService, person_id: str) -> tuple[str | None, str | None]:
    with svc.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT nickname_digest, phone_digest FROM intake_person WHERE id = :p"), {"p": person_id}
        ).one()
    return row.nickname_digest, row.phone_digest


async def test_rotate_rewrap_and_drop_the_old_key(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        world = await write_under_k1(svc)
        sealed = {p: sealed_values_of(svc.engine, p) for p in (world.person, world.web_person)}
        digests_k1 = digests(svc, world.person)
        assert {k for k, _ in key_rows(svc).values()} == {"k1"}

    # The new key is current, the old one retired: everything still opens, web logins last.
    async with service_without_broker(database_url, data, clock, **ROTATED) as svc:
        vault = svc.context.vault
        assert check_master_keys(svc.engine, vault) == {"k1"}
        await assert_readable(svc, world)
        old_token = {"Authorization": f"Bearer {world.web_token}"}
        assert (await svc.client.get("/web/consultations", headers=old_token)).status_code == 200
        newcomer = (
            await svc.client.post(
                "/consultations",
                json=new_person_consultation(person={"nickname": "じろう"}),
                headers=COUNSELLOR,
            )
        ).json()["person_id"]
        assert key_rows(svc)[newcomer][0] == "k2"
        assert pending_by_key_id(svc.engine, vault) == {"k1": 2}  # the erased person has no key left

        progress = rewrap_keys(svc.engine, vault, now=clock(), batch_size=1)
        assert (progress.to_do, progress.rewrapped, progress.skipped, progress.failed) == (2, 2, 0, [])
        assert progress.batches == 2
        assert {k for k, _ in key_rows(svc).values()} == {"k2"}
        assert pending_by_key_id(svc.engine, vault) == {}
        for person_id, before in sealed.items():
            assert sealed_values_of(svc.engine, person_id) == before  # no ciphertext changed
        assert digests(svc, world.person) != digests_k1
        assert None not in digests(svc, world.person)
        await assert_readable(svc, world)

        again = rewrap_keys(svc.engine, vault, now=clock(), batch_size=1)  # safe to run twice
        assert (again.to_do, again.rewrapped, again.batches) == (0, 0, 0)

    # The old key is gone from the settings: nothing needed it any more.
    async with service_without_broker(database_url, data, clock, **K2_ONLY) as svc:
        assert check_master_keys(svc.engine, svc.context.vault) == {"k2"}
        await assert_readable(svc, world)
        old_token = {"Authorization": f"Bearer {world.web_token}"}
        assert (await svc.client.get("/web/consultations", headers=old_token)).status_code == 401
        newcomer_found = await svc.client.post(
            "/persons/lookup?purpose=case_work", json={"nickname": "じろう"}, headers=COUNSELLOR
        )
        assert [c["person_id"] for c in newcomer_found.json()] == [newcomer]


async def test_an_interrupted_rewrap_completes_when_run_again(
    database_url: str, tmp_path: Path, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        world = await write_under_k1(svc, extra_people=5)  # 7 data keys under k1
    async with service_without_broker(database_url, data, clock, **ROTATED) as svc:
        vault = svc.context.vault
        real_wrap = Vault.wrap
        calls = 0

        def failing_wrap(self: Vault, person_id: str, data_key: bytes, kek: Kek) -> bytes:
            nonlocal calls
            calls += 1
            if calls == 4:  # in the middle of the second batch
                raise RuntimeError("interrupted")
            return real_wrap(self, person_id, data_key, kek)

        monkeypatch.setattr(Vault, "wrap", failing_wrap)
        batches: list[int] = []
        with pytest.raises(RuntimeError, match="interrupted"):
            rewrap_keys(
                svc.engine, vault, now=clock(), batch_size=3, on_batch=lambda p: batches.append(p.rewrapped)
            )
        assert batches == [3]  # the first batch was committed, the second rolled back whole
        assert pending_by_key_id(svc.engine, vault) == {"k1": 4}
        await assert_readable(svc, world)  # half-way is a valid state: both keys open

        monkeypatch.setattr(Vault, "wrap", real_wrap)
        progress = rewrap_keys(svc.engine, vault, now=clock(), batch_size=3)
        assert (progress.to_do, progress.rewrapped, progress.failed) == (4, 4, [])
        assert {k for k, _ in key_rows(svc).values()} == {"k2"}
    async with service_without_broker(database_url, data, clock, **K2_ONLY) as svc:
        await assert_readable(svc, world)


async def test_a_key_rewrapped_meanwhile_is_left_as_the_other_run_wrote_it(
    database_url: str, tmp_path: Path, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        world = await write_under_k1(svc)
    async with service_without_broker(database_url, data, clock, **ROTATED) as svc:
        if svc.engine.dialect.name == "sqlite":
            pytest.skip("SQLite runs one write transaction at a time: nothing can come in between")
        vault = svc.context.vault
        real_unwrap = Vault.unwrap
        theirs: dict[str, bytes] = {}

        def unwrap_while_another_run_rewraps(
            self: Vault, person_id: str, key_id: str, wrapped: bytes, kek: Kek | None = None
        ) -> bytes:
            data_key = real_unwrap(self, person_id, key_id, wrapped, kek)
            if not theirs:  # between our read and our write, another run re-wraps this key
                with svc.engine.begin() as other:
                    current = vault.current_kek(other, clock())
                    theirs[person_id] = vault.wrap(person_id, data_key, current)
                    other.execute(
                        sa.text(
                            "UPDATE intake_person_key SET key_id = 'k2', kek_id = :k, wrapped_key = :w"
                            " WHERE person_id = :p"
                        ),
                        {"w": theirs[person_id], "p": person_id, "k": current.id},
                    )
            return data_key

        monkeypatch.setattr(Vault, "unwrap", unwrap_while_another_run_rewraps)
        monkeypatch.setattr(key_rotation, "check_master_keys", lambda *_: set())  # it unwraps a sample
        progress = rewrap_keys(svc.engine, vault, now=clock())
        assert (progress.rewrapped, progress.skipped) == (1, 1)
        [(person_id, wrapped)] = theirs.items()
        assert key_rows(svc)[person_id] == ("k2", wrapped)  # the other run's value stands
        assert {k for k, _ in key_rows(svc).values()} == {"k2"}
        monkeypatch.undo()
        await assert_readable(svc, world)


async def test_start_refuses_a_database_with_data_keys_under_an_unknown_key_id(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        await write_under_k1(svc)
    for settings, needle in (
        (K2_ONLY, "'k1'"),  # k1 dropped too early
        ({**ROTATED, "vault_retired_keys": {"k1": K3}}, "does not open"),  # the wrong key named k1
    ):
        runtime = build_runtime(make_settings(database_url, data, **settings), clock=clock)
        try:
            with pytest.raises(MasterKeyError) as refused:
                await runtime.start()  # refuses before it reaches for the broker
        finally:
            runtime.engine.dispose()
        message = str(refused.value)
        assert needle in message
        assert "'k1'" in message
        for material in (K1, K2, K3):
            assert material not in message


async def test_retired_key_settings_are_checked_without_showing_them(tmp_path: Path) -> None:
    from tsunagu_intake.adapters.keys import master_keys_from_settings

    base = make_settings("sqlite://", tmp_path, vault_key_id="k2", vault_master_key=K2)
    for retired, needle in (
        ({"k1": "not base64!"}, "Retired master key 'k1' is not valid base64"),
        ({"k1": base64.b64encode(b"short").decode()}, "Retired master key 'k1' must be 32 bytes"),
        ({"k2": K1}, "'k2' is both the current key"),
        ({"bad id!": K1}, "retired master key id is not"),
    ):
        settings = base.model_copy(update={"vault_retired_keys": {k: _secret(v) for k, v in retired.items()}})
        with pytest.raises(MasterKeyError, match=needle) as refused:
            master_keys_from_settings(settings)
        for value in retired.values():
            assert value not in str(refused.value)
    keys = master_keys_from_settings(base.model_copy(update={"vault_retired_keys": {"k1": _secret(K1)}}))
    assert (keys.key_id, keys.retired_ids) == ("k2", ["k1"])
    assert K1 not in repr(keys)
    assert "k1" in repr(keys.retired_ids)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


# -- the command line --------------------------------------------------------------------------


def intake_command(
    database_url: str, data: Path, *args: str, **vault: Any
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_INTAKE_")}
    env.update(
        {
            "TSUNAGU_INTAKE_ENVIRONMENT": "test",
            "TSUNAGU_INTAKE_DATABASE_URL": database_url,
            "TSUNAGU_INTAKE_DATA_DIR": str(data),
            "TSUNAGU_INTAKE_JWT_SECRET": JWT_SECRET,
            "TSUNAGU_INTAKE_NATS_URL": "nats://127.0.0.1:9",  # never reached by these commands
            "TSUNAGU_INTAKE_VAULT_KEY_ID": vault.get("vault_key_id", "k1"),
            "TSUNAGU_INTAKE_VAULT_MASTER_KEY": vault.get("vault_master_key", K1),
        }
    )
    if "vault_retired_keys" in vault:
        import json

        env["TSUNAGU_INTAKE_VAULT_RETIRED_KEYS"] = json.dumps(vault["vault_retired_keys"])
    return subprocess.run(
        [sys.executable, "-m", "tsunagu_intake", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow  # runs `python -m tsunagu_intake`
async def test_rewrap_keys_command_dry_run_then_for_real(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        world = await write_under_k1(svc, extra_people=3)  # 5 data keys under k1
        before = key_rows(svc)

    dry = intake_command(database_url, data, "rewrap-keys", "--dry-run", **ROTATED)
    assert dry.returncode == 0, dry.stderr
    assert "To re-wrap: 5 ('k1': 5)" in dry.stdout
    assert "nothing was changed" in dry.stdout
    async with service_without_broker(database_url, data, clock, **ROTATED) as svc:
        assert key_rows(svc) == before

    run = intake_command(database_url, data, "rewrap-keys", "--batch-size", "2", **ROTATED)
    assert run.returncode == 0, run.stderr
    assert [line.split(":")[0] for line in run.stdout.splitlines() if line.startswith("batch")] == [
        "batch 1",
        "batch 2",
        "batch 3",
    ]
    assert "Re-wrapped 5 data key(s) under 'k2' in 3 batch(es)" in run.stdout
    assert "nothing to re-wrap" in run.stdout
    for material in (K1, K2):
        assert material not in run.stdout + run.stderr
    async with service_without_broker(database_url, data, clock, **K2_ONLY) as svc:
        assert {k for k, _ in key_rows(svc).values()} == {"k2"}
        await assert_readable(svc, world)


@pytest.mark.slow  # runs `python -m tsunagu_intake`
async def test_the_service_refuses_to_start_with_an_unknown_key_id(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data = tmp_path / "data"
    async with service_without_broker(database_url, data, clock, **UNDER_K1) as svc:
        await write_under_k1(svc)
    refused = intake_command(database_url, data, **K2_ONLY)  # alone it serves, as `tsunagu up` runs it
    assert refused.returncode == 1, refused.stderr
    assert "master key id 'k1'" in refused.stderr
    assert K1 not in refused.stderr
    assert K2 not in refused.stderr
    assert "Traceback" not in refused.stderr
    dry = intake_command(database_url, data, "rewrap-keys", "--dry-run", **K2_ONLY)
    assert dry.returncode == 1
    assert "master key id 'k1'" in dry.stderr


def test_rewrap_reads_only_the_database_log_and_vault_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-wrap CronJob runs in production with the database URL and the vault keys alone: what
    serving also needs (token verification, NATS over TLS) is not asked of it."""
    from pydantic import ValidationError
    from tsunagu_intake.settings import IntakeSettings, IntakeVaultSettings

    for name in list(os.environ):
        if name.startswith("TSUNAGU_INTAKE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TSUNAGU_INTAKE_ENVIRONMENT", "production")
    monkeypatch.setenv("TSUNAGU_INTAKE_DATABASE_URL", "postgresql+psycopg://intake@db/intake")
    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_MASTER_KEY", K1)
    vault = IntakeVaultSettings()
    assert vault.vault_master_key is not None
    assert vault.vault_master_key.get_secret_value() == K1
    with pytest.raises(ValidationError, match="jwt"):
        IntakeSettings()
    monkeypatch.setenv("TSUNAGU_INTAKE_DATABASE_URL", "sqlite:///intake.db")
    with pytest.raises(ValidationError, match="SQLite"):
        IntakeVaultSettings()
