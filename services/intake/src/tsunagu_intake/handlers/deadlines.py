"""Staff pause or extend the reply deadline of a web (e-mail) consultation, with a reason (ADR 0018).

The deadline stored when the consultation came is moved from its stored value, never recomputed
from the receipt: a change of the business-day rules since then leaves the days already counted as
they were. Each change is a row (its reason sealed with the person's key: the reason may say
anything about them), an entry on the case's timeline and in the change history (ids, codes and
times only), and, when the deadline moved, ``EmailReplyDeadlineExtended``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from tsunagu_calendar import EMAIL, TOKYO, Pause
from tsunagu_contracts import new_event_id
from tsunagu_contracts.events.intake import EmailReplyDeadlineExtended
from tsunagu_servicekit.audit import record_change
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import consultations as consultation_store
from ..adapters.cases import add_timeline_entry
from ..adapters.tables import Case, Consultation, ReplyDeadlineChangeRow
from ..adapters.vault import PersonCipher
from ..domain.cases import deadline_change_refusal
from ..domain.codes import CaseStatus, Channel, TimelineKind, Triage
from ..domain.codes import ReplyDeadlineChange as ChangeKind
from ..domain.rules import CONSULTATION_NOT_FOUND
from ..domain.sla import pause_refusal
from .case_records import get_case
from .commands import ExtendReplyDeadline, PauseReplyDeadline
from .context import IntakeContext
from .persons import load_person
from .views import ReplyDeadlineChanged, ReplyDeadlineChangeView

CHAIN = "intake.reply_deadlines"
"""The change-history chain of every pause and extension."""

_ACTIONS = {ChangeKind.PAUSE: "paused", ChangeKind.EXTENSION: "extended"}


def pause_reply_deadline(
    ctx: IntakeContext, actor: Principal, consultation_id: str, command: PauseReplyDeadline
) -> ReplyDeadlineChanged:
    """Stop the deadline's count from ``starts_at`` (default now) until ``ends_at``."""
    now = ctx.now()
    starts_at = command.starts_at or now

    def moved(uow: UnitOfWork, consultation: Consultation, due: datetime) -> datetime:
        rule = pause_refusal(
            received_at=consultation.received_at, due_at=due, starts_at=starts_at, ends_at=command.ends_at
        )
        if rule is not None:
            refuse(rule)
        pause = Pause(starts_at, command.ends_at)
        earlier = _recorded_pauses(uow, consultation.id)
        return ctx.calendar.pause_deadline(consultation.received_at, due, pause, EMAIL, earlier=earlier)

    return _change(
        ctx,
        actor,
        consultation_id,
        now=now,
        kind=ChangeKind.PAUSE,
        moved=moved,
        reason=command.reason,
        paused=(starts_at, command.ends_at),
    )


def extend_reply_deadline(
    ctx: IntakeContext, actor: Principal, consultation_id: str, command: ExtendReplyDeadline
) -> ReplyDeadlineChanged:
    """Move the deadline ``business_days`` business days of the e-mail channel later."""
    now = ctx.now()

    def moved(uow: UnitOfWork, consultation: Consultation, due: datetime) -> datetime:
        # Pauses recorded on the deadline still hold for the days added after it.
        pauses = _recorded_pauses(uow, consultation.id)
        return ctx.calendar.extend_deadline(due, command.business_days, EMAIL, pauses=pauses)

    return _change(
        ctx,
        actor,
        consultation_id,
        now=now,
        kind=ChangeKind.EXTENSION,
        moved=moved,
        reason=command.reason,
        business_days=command.business_days,
    )


def _recorded_pauses(uow: UnitOfWork, consultation_id: str) -> list[Pause]:
    return [
        Pause(c.paused_from, c.paused_until)
        for c in consultation_store.deadline_changes_of(uow, consultation_id)
        if c.paused_from is not None and c.paused_until is not None
    ]


def _change(
    ctx: IntakeContext,
    actor: Principal,
    consultation_id: str,
    *,
    now: datetime,
    kind: ChangeKind,
    moved: Callable[[UnitOfWork, Consultation, datetime], datetime],
    reason: str,
    business_days: int | None = None,
    paused: tuple[datetime, datetime] | None = None,
) -> ReplyDeadlineChanged:
    """Check that the deadline may move, move it, and record how and why."""
    with ctx.uow() as uow:
        consultation = consultation_store.find_consultation(uow, consultation_id)
        if consultation is None:
            refuse(CONSULTATION_NOT_FOUND)
        case = get_case(uow, consultation.case_id)
        previous = consultation.reply_due_at
        rule = deadline_change_refusal(
            channel=Channel(consultation.channel),
            case_status=CaseStatus(case.status),
            replied=consultation.replied_at is not None,
            due_at=previous,
            now=now,
        )
        if rule is not None:
            refuse(rule)
        assert previous is not None  # a reply owed has a deadline (deadline_change_refusal)
        _, cipher = load_person(ctx, uow, consultation.person_id)
        due = moved(uow, consultation, previous)
        row = ReplyDeadlineChangeRow(
            # Time-ordered, so that changes made in one instant keep their order (the clock may not move).
            id=new_event_id(),
            consultation_id=consultation.id,
            person_id=consultation.person_id,
            case_id=case.id,
            kind=kind.value,
            changed_at=now,
            changed_by=actor.subject,
            previous_due_at=previous,
            due_at=due,
            business_days=business_days,
            paused_from=paused[0] if paused else None,
            paused_until=paused[1] if paused else None,
        )
        row.reason_ct = cipher.seal("reply_deadline_reason", row.id, reason)
        consultation_store.add_deadline_change(uow, row)
        if due != previous:
            consultation.reply_due_at = due
            # The new deadline is announced due soon in its own time (the old one may have been).
            consultation.due_soon_announced_at = None
        _record(uow, actor, case, consultation, row, now)
        if due != previous:
            uow.emit(
                EmailReplyDeadlineExtended(
                    consultation_id=consultation.id,
                    case_id=case.id,
                    change_id=row.id,
                    kind=kind,
                    changed_at=now,
                    previous_due_at=previous,
                    due_at=due,
                    business_days=business_days,
                    paused_from=row.paused_from,
                    paused_until=row.paused_until,
                    triage=Triage(consultation.triage),
                ),
                subject=consultation.id,
                time=now,
            )
        uow.commit()
    return ReplyDeadlineChanged(
        consultation_id=consultation.id,
        change_id=row.id,
        kind=kind,
        previous_due_at=previous.astimezone(TOKYO),
        reply_due_at=due.astimezone(TOKYO),
    )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _record(
    uow: UnitOfWork,
    actor: Principal,
    case: Case,
    consultation: Consultation,
    row: ReplyDeadlineChangeRow,
    now: datetime,
) -> None:
    """The change on the case's timeline and in the change history: ids, codes and times, no reason."""
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.REPLY_DEADLINE_CHANGED,
        author=actor.subject,
        at=now,
        codes={
            "consultation_id": consultation.id,
            "change_id": row.id,
            "kind": row.kind,
            "due_at": _iso(row.due_at),
        },
    )
    record_change(
        uow,
        chain=CHAIN,
        actor=actor.subject,
        record_type="consultation",
        record_id=consultation.id,
        action=_ACTIONS[ChangeKind(row.kind)],
        data={
            "change_id": row.id,
            "previous_due_at": _iso(row.previous_due_at),
            "due_at": _iso(row.due_at),
            "business_days": row.business_days,
            "paused_from": _iso(row.paused_from),
            "paused_until": _iso(row.paused_until),
        },
        at=now,
    )


def change_views(
    uow: UnitOfWork, consultation_id: str, cipher: PersonCipher | None
) -> list[ReplyDeadlineChangeView]:
    """The consultation's deadline changes, reasons opened with ``cipher`` (``None`` when erased)."""
    return [
        ReplyDeadlineChangeView(
            change_id=c.id,
            kind=ChangeKind(c.kind),
            changed_at=c.changed_at,
            changed_by=c.changed_by,
            previous_due_at=c.previous_due_at,
            due_at=c.due_at,
            business_days=c.business_days,
            paused_from=c.paused_from,
            paused_until=c.paused_until,
            reason=cipher.open("reply_deadline_reason", c.id, c.reason_ct) if cipher is not None else None,
        )
        for c in consultation_store.deadline_changes_of(uow, consultation_id)
    ]
