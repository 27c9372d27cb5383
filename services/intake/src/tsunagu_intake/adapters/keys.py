"""The vault's master key: from settings, or (locally) generated once into the data directory.

Production must be given the key (``TSUNAGU_INTAKE_VAULT_MASTER_KEY``, from a secret store or KMS):
a key generated per pod would make every replica's data unreadable to the others. Locally the key
is written to ``<data_dir>/vault-master-key`` with mode 0600 (aside, then hard-linked into place,
so processes starting together agree on one key).

Rotation: the new key becomes ``VAULT_MASTER_KEY`` under a new ``VAULT_KEY_ID``, and the old one
moves to ``VAULT_RETIRED_KEYS`` (JSON ``{"k1": "<base64>"}``) until ``rewrap-keys`` has moved every
data key to the new one. Errors name key ids, never key material.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tsunagu_servicekit.logging import get_logger

from ..settings import IntakeVaultSettings

KEY_FILE_NAME = "vault-master-key"
KEY_BYTES = 32

log = get_logger(__name__)


class MasterKeyError(RuntimeError):
    """The master key is missing or malformed (the message never holds key material)."""


_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True, slots=True)
class MasterKeys:
    """The current master key and the retired ones still accepted for unwrapping, by key id."""

    key_id: str
    current: bytes = field(repr=False)
    retired: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def retired_ids(self) -> list[str]:
        return sorted(self.retired)


def decode_key(text: str, *, name: str = "The vault master key") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{name} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{name} must be 32 bytes (AES-256).")
    return key


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def load_or_create_key_file(data_dir: Path, name: str = KEY_FILE_NAME) -> bytes:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    if not path.exists():
        tmp = data_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(new_key_text() + "\n")
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("vault.key_file_too_open", mode=oct(mode))
    return decode_key(path.read_text(encoding="ascii"))


def master_keys_from_settings(settings: IntakeVaultSettings) -> MasterKeys:
    """The current key (see :func:`master_key_from_settings`) and the retired keys of the settings."""
    current = master_key_from_settings(settings)
    retired: dict[str, bytes] = {}
    for key_id, secret in sorted(settings.vault_retired_keys.items()):
        if not _KEY_ID_RE.match(key_id):
            raise MasterKeyError(
                "A retired master key id is not 1-32 letters, digits, '_', '.' or '-' "
                "(TSUNAGU_INTAKE_VAULT_RETIRED_KEYS)."
            )
        if key_id == settings.vault_key_id:
            raise MasterKeyError(
                f"Master key id {key_id!r} is both the current key (TSUNAGU_INTAKE_VAULT_KEY_ID) "
                "and a retired one (TSUNAGU_INTAKE_VAULT_RETIRED_KEYS)."
            )
        retired[key_id] = decode_key(secret.get_secret_value(), name=f"Retired master key {key_id!r}")
    return MasterKeys(key_id=settings.vault_key_id, current=current, retired=retired)


def master_key_from_settings(settings: IntakeVaultSettings) -> bytes:
    if settings.vault_master_key is not None:
        return decode_key(settings.vault_master_key.get_secret_value())
    if settings.environment == "production":
        raise MasterKeyError("Production needs TSUNAGU_INTAKE_VAULT_MASTER_KEY; none is set.")
    return load_or_create_key_file(settings.data_dir)
