"""Intake's runtime: the kit's, carrying the handlers' context for the API and the tests."""

from __future__ import annotations

from tsunagu_servicekit.runtime import ServiceRuntime

from .handlers.context import IntakeContext


class IntakeRuntime(ServiceRuntime):
    """The kit's runtime with intake's context attached (built in ``app.build_runtime``)."""

    intake: IntakeContext
