"""The vault's master key: from settings, or (locally) generated once into the data directory.

Production must be given the key (``TSUNAGU_INTAKE_VAULT_MASTER_KEY``, from a secret store or KMS):
a key generated per pod would make every replica's data unreadable to the others. Locally the key
is written to ``<data_dir>/vault-master-key`` with mode 0600 (aside, then hard-linked into place,
so processes starting together agree on one key).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import stat
from pathlib import Path

from tsunagu_servicekit.logging import get_logger

from ..settings import IntakeSettings

KEY_FILE_NAME = "vault-master-key"
KEY_BYTES = 32

log = get_logger(__name__)


class MasterKeyError(RuntimeError):
    """The master key is missing or malformed (the message never holds key material)."""


def decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError("The vault master key is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError("The vault master key must be 32 bytes (AES-256).")
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


def master_key_from_settings(settings: IntakeSettings) -> bytes:
    if settings.vault_master_key is not None:
        return decode_key(settings.vault_master_key.get_secret_value())
    if settings.environment == "production":
        raise MasterKeyError("Production needs TSUNAGU_INTAKE_VAULT_MASTER_KEY; none is set.")
    return load_or_create_key_file(settings.data_dir)
