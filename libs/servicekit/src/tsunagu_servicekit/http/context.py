"""How a service's routes reach its context: one dependency, typed by the service's context class.

The runtime puts the context in ``app.state.context``; a service's ``api/deps.py`` says once::

    Ctx = Annotated[SchedulingContext, Depends(context_dependency(SchedulingContext))]

and every route takes ``ctx: Ctx``. Routers are plain module-level ``APIRouter`` objects listed in
``api/__init__.py`` as ``ROUTERS``; the runtime mounts them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

__all__ = ["context_dependency"]

C = TypeVar("C")


def context_dependency(context_class: type[C]) -> Callable[[Request], C]:
    """A FastAPI dependency giving the app's context, checked to be a ``context_class``."""

    def service_context(request: Request) -> C:
        context = getattr(request.app.state, "context", None)
        if not isinstance(context, context_class):
            raise TypeError(f"the app's context is not a {context_class.__name__}")
        return context

    return service_context
