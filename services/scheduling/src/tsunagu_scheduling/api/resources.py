"""Staff, rooms and their availability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ..domain.codes import ResourceKind
from ..handlers import queries, resources
from ..handlers.commands import AddException, CreateResource, SetWeeklyAvailability, UpdateResource, Uuid
from ..handlers.context import SchedulingContext
from .deps import Manager, Reader
from .views import AvailabilityView, ExceptionView, ResourceView, WindowView


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/resources", tags=["resources"])

    @api.post("", status_code=status.HTTP_201_CREATED)
    def create_resource(body: CreateResource, _: Manager) -> ResourceView:
        """Add a counsellor, a peer supporter or a room."""
        return ResourceView.model_validate(resources.create(ctx, body))

    @api.get("")
    def list_resources(_: Reader, kind: Annotated[ResourceKind | None, Query()] = None) -> list[ResourceView]:
        return [ResourceView.model_validate(r) for r in queries.resources(ctx, kind.value if kind else None)]

    @api.get("/{resource_id}")
    def get_resource(resource_id: Uuid, _: Reader) -> ResourceView:
        return ResourceView.model_validate(resources.get(ctx, resource_id))

    @api.patch("/{resource_id}")
    def update_resource(resource_id: Uuid, body: UpdateResource, _: Manager) -> ResourceView:
        """Change a label, retire a resource, or mark staff as qualified for home visits."""
        return ResourceView.model_validate(resources.update(ctx, resource_id, body))

    @api.get("/{resource_id}/availability")
    def get_availability(resource_id: Uuid, _: Reader) -> AvailabilityView:
        weekly, exceptions = resources.weekly_of(ctx, resource_id)
        return AvailabilityView(
            weekly=[WindowView.model_validate(w) for w in weekly],
            exceptions=[ExceptionView.model_validate(e) for e in exceptions],
        )

    @api.put("/{resource_id}/availability")
    def set_availability(resource_id: Uuid, body: SetWeeklyAvailability, _: Manager) -> list[WindowView]:
        """Set the weekly pattern from a date on (earlier patterns end the day before)."""
        return [WindowView.model_validate(w) for w in resources.set_weekly(ctx, resource_id, body)]

    @api.post("/{resource_id}/exceptions", status_code=status.HTTP_201_CREATED)
    def add_exception(resource_id: Uuid, body: AddException, _: Manager) -> ExceptionView:
        """Leave, a blocked hour, or an extra window on one date."""
        return ExceptionView.model_validate(resources.add_exception(ctx, resource_id, body))

    @api.delete("/{resource_id}/exceptions/{exception_id}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_exception(resource_id: Uuid, exception_id: Uuid, _: Manager) -> None:
        resources.remove_exception(ctx, resource_id, exception_id)

    return api
