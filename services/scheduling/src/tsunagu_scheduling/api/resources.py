"""Staff, rooms and their availability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.codes import ResourceKind
from ..handlers import resources
from ..handlers.commands import AddException, CreateResource, SetWeeklyAvailability, UpdateResource, Uuid
from ..handlers.views import AvailabilityView, ExceptionView, ResourceView, WindowView
from .deps import Ctx, Manager, Reader

router = APIRouter(prefix="/resources", tags=["resources"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_resource(ctx: Ctx, body: CreateResource, _: Manager) -> ResourceView:
    """Add a counsellor, a peer supporter or a room. Staff are listed with their qualifications."""
    return resources.create(ctx, body)


@router.get("")
def list_resources(
    ctx: Ctx, _: Reader, kind: Annotated[ResourceKind | None, Query()] = None
) -> list[ResourceView]:
    return resources.listing(ctx, kind)


@router.get("/{resource_id}", responses=refusals(rules.STAFF_NOT_FOUND))
def get_resource(ctx: Ctx, resource_id: Uuid, _: Reader) -> ResourceView:
    return resources.get(ctx, resource_id)


@router.patch("/{resource_id}", responses=refusals(rules.STAFF_NOT_FOUND))
def update_resource(ctx: Ctx, resource_id: Uuid, body: UpdateResource, _: Manager) -> ResourceView:
    """Change a label or a capacity, retire a resource, or give staff the subject their training is
    known by (home-visit qualification comes from training, not from here)."""
    return resources.update(ctx, resource_id, body)


@router.get("/{resource_id}/availability", responses=refusals(rules.STAFF_NOT_FOUND))
def get_availability(ctx: Ctx, resource_id: Uuid, _: Reader) -> AvailabilityView:
    return resources.availability(ctx, resource_id)


@router.put(
    "/{resource_id}/availability", responses=refusals(rules.END_NOT_AFTER_START, rules.STAFF_NOT_FOUND)
)
def set_availability(
    ctx: Ctx, resource_id: Uuid, body: SetWeeklyAvailability, _: Manager
) -> list[WindowView]:
    """Set the weekly pattern from a date on (earlier patterns end the day before)."""
    return resources.set_weekly(ctx, resource_id, body)


@router.post(
    "/{resource_id}/exceptions",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.TIMES_INCOMPLETE,
        rules.END_NOT_AFTER_START,
        rules.EXTRA_WINDOW_NEEDS_TIMES,
        rules.STAFF_NOT_FOUND,
    ),
)
def add_exception(ctx: Ctx, resource_id: Uuid, body: AddException, _: Manager) -> ExceptionView:
    """Leave, a blocked hour, or an extra window on one date."""
    return resources.add_exception(ctx, resource_id, body)


@router.delete(
    "/{resource_id}/exceptions/{exception_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=refusals(rules.STAFF_NOT_FOUND),
)
def remove_exception(ctx: Ctx, resource_id: Uuid, exception_id: Uuid, _: Manager) -> None:
    resources.remove_exception(ctx, resource_id, exception_id)
