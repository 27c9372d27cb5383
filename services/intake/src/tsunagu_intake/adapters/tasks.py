"""Tasks for counsellors in the database."""

from __future__ import annotations

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import TaskStatus
from .tables import Task


def find_task(uow: UnitOfWork, task_id: str) -> Task | None:
    return uow.session.get(Task, task_id)


def add_task(uow: UnitOfWork, task: Task) -> None:
    uow.session.add(task)


def task_of_review(uow: UnitOfWork, review_id: str) -> Task | None:
    """The task an expert-team review gave rise to, if any."""
    return uow.session.exec(select(Task).where(Task.review_id == review_id)).first()


def tasks(uow: UnitOfWork, *, assignee: str | None = None, status: TaskStatus | None = None) -> list[Task]:
    """Tasks (of one holder, of one status, when given), the oldest first."""
    stmt = select(Task)
    if assignee is not None:
        stmt = stmt.where(Task.assignee == assignee)
    if status is not None:
        stmt = stmt.where(Task.status == status.value)
    return list(uow.session.exec(stmt.order_by(col(Task.created_at), col(Task.id))))
