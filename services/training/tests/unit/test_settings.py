"""Training's own settings rules (no I/O beyond reading the environment)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tsunagu_training.settings import TrainingSettings


def test_production_needs_the_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(f"TSUNAGU_TRAINING_{name}", raising=False)
    production = {
        "environment": "production",
        "database_url": "postgresql+psycopg://training@db/training",
        "jwt_jwks_url": "https://idp.example/jwks.json",
        "nats_url": "tls://nats:4222",
    }
    with pytest.raises(ValidationError, match="public_base_url: production needs the public address"):
        TrainingSettings(**production)  # type: ignore[arg-type]
    monkeypatch.setenv("TSUNAGU_TRAINING_PUBLIC_BASE_URL", "https://training.example.org")
    assert TrainingSettings(**production).public_base_url == "https://training.example.org"  # type: ignore[arg-type]


def test_elsewhere_the_loopback_default_stands() -> None:
    assert TrainingSettings(environment="local", public_base_url=None).public_base_url is None
