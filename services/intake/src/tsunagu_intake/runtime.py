"""Intake's runtime: the kit's, carrying the handlers' context for the API and the tests."""

from __future__ import annotations

import asyncio

from tsunagu_servicekit.runtime import ServiceRuntime

from .handlers.context import IntakeContext
from .handlers.key_rotation import check_master_keys


class IntakeRuntime(ServiceRuntime):
    """The kit's runtime with intake's context attached (built in ``app.build_runtime``)."""

    intake: IntakeContext

    async def start(self) -> None:
        """Refuse to start (:class:`~.adapters.keys.MasterKeyError`, naming the key id) when the
        database holds data keys under a master key the vault was not given, before anything runs."""
        await asyncio.to_thread(check_master_keys, self.engine, self.intake.vault)
        await super().start()
