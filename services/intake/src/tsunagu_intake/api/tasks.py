"""Tasks for counsellors: their own open ones, every one for supervisors, accepting and declining."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.codes import TaskStatus
from ..domain.rules import (
    CASE_CLOSED,
    CASE_NOT_FOUND,
    ERASED,
    TASK_ALREADY_COMPLETED,
    TASK_NOT_FOUND,
    TASK_OF_ANOTHER_COUNSELLOR,
)
from ..handlers import tasks
from ..handlers.commands import DeclineTask
from ..handlers.views import TaskView
from .deps import Counsellor, Ctx, Supervisor, TaskId

router = APIRouter(tags=["tasks"])


@router.get("/tasks")
def my_tasks(ctx: Ctx, actor: Counsellor) -> list[TaskView]:
    """The caller's open tasks, the oldest first (ids and codes only)."""
    return tasks.my_tasks(ctx, actor)


@router.get("/tasks/all")
def all_tasks(
    ctx: Ctx, actor: Supervisor, status: Annotated[TaskStatus | None, Query()] = None
) -> list[TaskView]:
    """Every counsellor's tasks (of one status, if given), the oldest first: the supervisor's view."""
    return tasks.all_tasks(ctx, status)


@router.post(
    f"/tasks/{{task_id:{ID}}}/accept",
    responses=refusals(
        TASK_NOT_FOUND,
        TASK_OF_ANOTHER_COUNSELLOR,
        TASK_ALREADY_COMPLETED,
        CASE_NOT_FOUND,
        CASE_CLOSED,
        ERASED,
    ),
)
def accept_task(task_id: TaskId, ctx: Ctx, actor: Counsellor) -> TaskView:
    """Accept the recommended risk level: the case takes it as an assessment sets it (on the
    timeline, ``case.risk_assessed`` announced, escalated automatically if critical). The task's
    counsellor or a supervisor; a task nobody holds, any counsellor."""
    return tasks.accept_task(ctx, actor, task_id)


@router.post(
    f"/tasks/{{task_id:{ID}}}/decline",
    responses=refusals(TASK_NOT_FOUND, TASK_OF_ANOTHER_COUNSELLOR, TASK_ALREADY_COMPLETED, CASE_NOT_FOUND),
)
def decline_task(task_id: TaskId, command: DeclineTask, ctx: Ctx, actor: Counsellor) -> TaskView:
    """Decline what the task proposes, with a reason code; the case stays as it is."""
    return tasks.decline_task(ctx, actor, task_id, command)
