"""The vault: per-person data keys wrapped by the master key, fields bound to person, field and record."""

from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from tsunagu_intake.adapters.keys import (
    MasterKeyError,
    load_or_create_key_file,
    master_key_from_settings,
    master_keys_from_settings,
)
from tsunagu_intake.adapters.tables import PersonKey, VaultKek
from tsunagu_intake.adapters.vault import PersonKeyMissing, SealBroken, Vault
from tsunagu_intake.settings import IntakeSettings
from tsunagu_intake.testing import MASTER_KEY_BYTES
from tsunagu_servicekit.db import create_db_engine

P1 = "11111111-1111-4111-8111-111111111111"
P2 = "22222222-2222-4222-8222-222222222222"
R1 = "33333333-3333-4333-8333-333333333333"
NOW = datetime(2025, 5, 1, 1, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'vault.db'}")
    tables = [VaultKek.__table__, PersonKey.__table__]  # type: ignore[attr-defined]
    PersonKey.metadata.create_all(engine, tables=tables)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_fields_open_only_where_they_were_sealed(session: Session) -> None:
    vault = Vault(MASTER_KEY_BYTES)
    c1 = vault.create_key(session, P1, NOW)
    c2 = vault.create_key(session, P2, NOW)
    blob = c1.seal("name", R1, "山田太郎")
    assert blob is not None
    assert "山田".encode() not in blob
    assert c1.open("name", R1, blob) == "山田太郎"
    assert c1.seal("name", R1, "山田太郎") != blob  # a fresh nonce each time
    for attempt in (
        lambda: c1.open("address", R1, blob),  # moved to another field
        lambda: c1.open("name", P2, blob),  # moved to another record
        lambda: c2.open("name", R1, blob),  # another person's key
        lambda: c1.open("name", R1, blob[:-1] + bytes([blob[-1] ^ 1])),  # tampered with
    ):
        with pytest.raises(SealBroken):
            attempt()
    assert c1.seal("name", R1, None) is None


def test_keys_are_stored_wrapped_and_destroyed_on_erasure(session: Session) -> None:
    vault = Vault(MASTER_KEY_BYTES)
    blob = vault.create_key(session, P1, NOW).seal("note", R1, "メモ")
    session.commit()
    assert vault.cipher(session, P1).open("note", R1, blob) == "メモ"
    other_master = Vault(bytes(reversed(MASTER_KEY_BYTES)))
    with pytest.raises(SealBroken):
        other_master.cipher(session, P1)
    row = session.get(PersonKey, P1)
    assert row is not None
    session.execute(sa.update(PersonKey).where(PersonKey.person_id == P1).values(person_id=P2))  # type: ignore[arg-type]
    session.commit()
    with pytest.raises(SealBroken):  # a wrapped key copied to another person does not unwrap
        vault.cipher(session, P2)
    session.execute(sa.update(PersonKey).where(PersonKey.person_id == P2).values(person_id=P1))  # type: ignore[arg-type]
    session.commit()
    assert vault.destroy(session, P1) is True
    session.commit()
    with pytest.raises(PersonKeyMissing):
        vault.cipher(session, P1)
    assert vault.destroy(session, P1) is False


def test_blind_indexes_are_keyed() -> None:
    a, b = Vault(MASTER_KEY_BYTES), Vault(bytes(reversed(MASTER_KEY_BYTES)))
    assert a.blind_index("nickname", "たろう") == a.blind_index("nickname", "たろう")
    assert a.blind_index("nickname", "たろう") != b.blind_index("nickname", "たろう")
    assert a.blind_index("nickname", "たろう") != a.blind_index("phone", "たろう")
    assert a.blind_index("nickname", "") is None


def test_the_local_master_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_key_file(tmp_path)
    assert len(first) == 32
    assert stat.S_IMODE(os.stat(tmp_path / "vault-master-key").st_mode) == 0o600
    assert load_or_create_key_file(tmp_path) == first
    settings = IntakeSettings(data_dir=tmp_path, environment="local")
    assert master_key_from_settings(settings) == first


# What production requires besides the vault (the kit's production refusals).
PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+psycopg://intake@db/intake",
    "jwt_jwks_url": "https://idp.example/jwks.json",
    "nats_url": "tls://nats:4222",
}


def test_production_needs_a_master_key_and_refuses_a_bad_one(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError):
        master_key_from_settings(IntakeSettings(data_dir=tmp_path, **PRODUCTION))  # type: ignore[arg-type]
    with pytest.raises(MasterKeyError):
        master_key_from_settings(
            IntakeSettings(data_dir=tmp_path, vault_master_key=base64.b64encode(b"short").decode())
        )
    with pytest.raises(MasterKeyError):
        master_key_from_settings(IntakeSettings(data_dir=tmp_path, vault_master_key="not base64!"))
    good = base64.b64encode(MASTER_KEY_BYTES).decode()
    assert (
        master_key_from_settings(IntakeSettings(**PRODUCTION, vault_master_key=good))  # type: ignore[arg-type]
        == MASTER_KEY_BYTES
    )


def test_the_master_key_and_retired_keys_come_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compose secrets and Kubernetes Secret volumes: ``..._FILE`` names a file holding the value."""
    current, retired = base64.b64encode(MASTER_KEY_BYTES).decode(), base64.b64encode(os.urandom(32)).decode()
    (tmp_path / "master-key").write_text(current + "\n")
    (tmp_path / "retired").write_text(f'{{"k0": "{retired}"}}\n')
    for name in list(os.environ):
        if name.startswith("TSUNAGU_INTAKE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_MASTER_KEY_FILE", str(tmp_path / "master-key"))
    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_RETIRED_KEYS_FILE", str(tmp_path / "retired"))
    for variable, value in PRODUCTION.items():
        monkeypatch.setenv(f"TSUNAGU_INTAKE_{variable.upper()}", value)
    settings = IntakeSettings(data_dir=tmp_path)
    keys = master_keys_from_settings(settings)
    assert keys.current == MASTER_KEY_BYTES
    assert keys.retired == {"k0": base64.b64decode(retired)}
    assert not (tmp_path / "vault-master-key").exists()

    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_MASTER_KEY", current)
    with pytest.raises(
        ValueError, match="TSUNAGU_INTAKE_VAULT_MASTER_KEY and TSUNAGU_INTAKE_VAULT_MASTER_KEY_FILE"
    ):
        IntakeSettings(data_dir=tmp_path)
