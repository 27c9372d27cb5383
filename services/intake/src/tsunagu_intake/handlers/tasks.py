"""Tasks for the counsellor of a case: listing them, accepting or declining what they propose.

The expert team's recommendation of another risk level becomes a task when its conclusion arrives
(:func:`.escalations.propose_risk_review`); accepting sets the case's risk as an assessment does
(on the timeline, announced, an automatic escalation if it calls for one), declining records the
reason code. Either way the task is done and says so on the case's timeline.
"""

from __future__ import annotations

from datetime import datetime

from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import tasks as task_store
from ..adapters.cases import add_timeline_entry, find_case
from ..adapters.tables import Task
from ..domain.codes import RiskLevel, TaskDeclineReason, TaskKind, TaskStatus, TimelineKind
from ..domain.rules import CASE_NOT_FOUND, TASK_NOT_FOUND
from ..domain.tasks import completion_refusal, risk_review_title
from .case_records import changeable_case, current_flags
from .cases import set_risk_level
from .commands import DeclineTask
from .context import IntakeContext
from .persons import load_person
from .views import TaskView

log = get_logger(__name__)


def task_view(task: Task) -> TaskView:
    recommended = RiskLevel(task.recommended_risk_level)
    then = RiskLevel(task.risk_level_then)
    return TaskView(
        task_id=task.id,
        kind=TaskKind(task.kind),
        title=risk_review_title(recommended, then),
        case_id=task.case_id,
        assignee=task.assignee,
        status=TaskStatus(task.status),
        created_at=task.created_at,
        review_id=task.review_id,
        escalation_id=task.escalation_id,
        recommended_risk_level=recommended,
        risk_level_then=then,
        completed_at=task.completed_at,
        completed_by=task.completed_by,
        decline_reason=TaskDeclineReason(task.decline_reason) if task.decline_reason else None,
    )


def my_tasks(ctx: IntakeContext, actor: Principal) -> list[TaskView]:
    """The caller's open tasks, the oldest first."""
    with ctx.reading() as uow:
        rows = task_store.tasks(uow, assignee=actor.subject, status=TaskStatus.OPEN)
        return [task_view(t) for t in rows]


def all_tasks(ctx: IntakeContext, status: TaskStatus | None) -> list[TaskView]:
    """Every counsellor's tasks (of one status, if given), for supervisors; the oldest first."""
    with ctx.reading() as uow:
        return [task_view(t) for t in task_store.tasks(uow, status=status)]


def _completable(uow: UnitOfWork, actor: Principal, task_id: str) -> Task:
    """The task, if the caller may complete it now: else refused."""
    task = task_store.find_task(uow, task_id)
    if task is None:
        refuse(TASK_NOT_FOUND)
    rule = completion_refusal(
        status=TaskStatus(task.status),
        assignee=task.assignee,
        actor=actor.subject,
        supervises=actor.is_admin or "supervisor" in actor.roles,
    )
    if rule is not None:
        refuse(rule)
    return task


def _done(task: Task, status: TaskStatus, by: str, now: datetime) -> None:
    task.status = status.value
    task.completed_at = now
    task.completed_by = by


def accept_task(ctx: IntakeContext, actor: Principal, task_id: str) -> TaskView:
    """Accept the recommended risk level: the case takes it as an assessment would set it (flags
    unchanged). A case already at that level only sees the task done."""
    now = ctx.now()
    with ctx.uow() as uow:
        task = _completable(uow, actor, task_id)
        case = changeable_case(uow, task.case_id)
        person, cipher = load_person(ctx, uow, case.person_id)
        recommended = RiskLevel(task.recommended_risk_level)
        escalation_id = None
        if case.risk_level != recommended.value:
            flags = current_flags(uow, case.id, now)
            escalation_id = set_risk_level(
                ctx,
                uow,
                case,
                person,
                cipher,
                risk=recommended,
                flags_before=flags,
                flags_after=flags,
                by=actor.subject,
                now=now,
                cause={"task_id": task.id, "review_id": task.review_id},
            )
        _done(task, TaskStatus.ACCEPTED, actor.subject, now)
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.TASK_COMPLETED,
            author=actor.subject,
            at=now,
            codes={"task_id": task.id, "outcome": TaskStatus.ACCEPTED.value, "escalation_id": escalation_id},
        )
        case.updated_at = now
        uow.commit()
        view = task_view(task)
    log.info("task accepted", task_id=task_id, case_id=view.case_id)
    return view


def decline_task(ctx: IntakeContext, actor: Principal, task_id: str, command: DeclineTask) -> TaskView:
    """Decline what the task proposes, with a reason code; the case stays as it is."""
    now = ctx.now()
    with ctx.uow() as uow:
        task = _completable(uow, actor, task_id)
        case = find_case(uow, task.case_id)
        if case is None:
            refuse(CASE_NOT_FOUND)
        _done(task, TaskStatus.DECLINED, actor.subject, now)
        task.decline_reason = command.reason.value
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.TASK_COMPLETED,
            author=actor.subject,
            at=now,
            codes={"task_id": task.id, "outcome": TaskStatus.DECLINED.value, "reason": command.reason.value},
        )
        case.updated_at = now
        uow.commit()
        view = task_view(task)
    log.info("task declined", task_id=task_id, case_id=view.case_id)
    return view
