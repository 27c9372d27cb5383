"""Cases: summaries and search (no personal data), the timeline, notes, risk and flags, closing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from tsunagu_contracts.events.intake import CaseClosed, CaseRiskAssessed
from tsunagu_servicekit.http import Principal

from ..adapters.tables import Case, CaseFlagRow, Consultation, Escalation, Person, TimelineEntry
from ..adapters.vault import PersonCipher, PersonKeyMissing
from ..domain.cases import change_refusal, close_refusal
from ..domain.codes import CaseStatus, EscalationTrigger, Purpose, RiskLevel, TimelineKind
from ..domain.escalation import automatic_escalation
from ..domain.identity import normal_user_number
from .access_log import record_read
from .case_records import (
    add_timeline,
    clear_flag,
    current_flags,
    get_case,
    has_pending_escalation,
    set_flag,
)
from .commands import AddNote, AssessRisk, CaseSearch, CloseCase
from .context import IntakeContext
from .errors import OutOfScope, RuleViolation
from .escalations import start_escalation
from .events import EventStager
from .persons import load_person, nickname_digests
from .scope import check_visible, municipality_restricted


@dataclass(frozen=True, slots=True)
class FlagView:
    flag: str
    set_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class EscalationSummary:
    escalation_id: str
    escalated_at: datetime
    trigger: str
    urgency: str
    reason_codes: list[str]
    status: str


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case without personal data."""

    case_id: str
    person_id: str
    status: CaseStatus
    risk_level: RiskLevel
    municipality_code: str | None
    opened_channel: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    person_erased: bool
    consultations: int
    flags: list[FlagView] = field(default_factory=list)
    escalations: list[EscalationSummary] = field(default_factory=list)


def _summary(session: Session, case: Case, now: datetime, *, detailed: bool) -> CaseSummary:
    person = session.get(Person, case.person_id)
    count = session.exec(
        select(func.count()).select_from(Consultation).where(Consultation.case_id == case.id)
    ).one()
    flags: list[FlagView] = []
    escalations: list[EscalationSummary] = []
    if detailed:
        rows = session.exec(
            select(CaseFlagRow).where(CaseFlagRow.case_id == case.id).order_by(col(CaseFlagRow.set_at))
        ).all()
        active = set(current_flags(session, case.id, now))
        flags = [
            FlagView(r.flag, r.set_at, r.expires_at)
            for r in rows
            if r.cleared_at is None and r.flag in active and (r.expires_at is None or now < r.expires_at)
        ]
        escalations = [
            EscalationSummary(e.id, e.escalated_at, e.trigger, e.urgency, list(e.reason_codes), e.status)
            for e in session.exec(
                select(Escalation).where(Escalation.case_id == case.id).order_by(col(Escalation.escalated_at))
            ).all()
        ]
    return CaseSummary(
        case_id=case.id,
        person_id=case.person_id,
        status=CaseStatus(case.status),
        risk_level=RiskLevel(case.risk_level),
        municipality_code=case.municipality_code,
        opened_channel=case.opened_channel,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        closed_at=case.closed_at,
        close_reason=case.close_reason,
        person_erased=person is None or person.erased_at is not None,
        consultations=int(count),
        flags=flags,
        escalations=escalations,
    )


def _visible_case(session: Session, actor: Principal, case_id: str) -> Case:
    case = session.get(Case, case_id)
    check_visible(actor, case.municipality_code if case else None, exists=case is not None)
    assert case is not None
    return case


def case_summary(ctx: IntakeContext, actor: Principal, case_id: str) -> CaseSummary:
    with ctx.uow() as uow:
        case = _visible_case(uow.session, actor, case_id)
        return _summary(uow.session, case, ctx.now(), detailed=True)


def search_cases(ctx: IntakeContext, actor: Principal, query: CaseSearch) -> list[CaseSummary]:
    """Cases matching every criterion; municipality staff search only their own municipality."""
    municipality = query.municipality_code
    if municipality_restricted(actor):
        if municipality is not None and municipality != actor.municipality:
            raise OutOfScope()
        municipality = actor.municipality
    with ctx.uow() as uow:
        session = uow.session
        stmt = select(Case)
        if query.user_number or query.nickname:
            stmt = stmt.join(Person, col(Person.id) == col(Case.person_id))
            if query.user_number:
                stmt = stmt.where(Person.user_number == normal_user_number(query.user_number))
            if query.nickname:
                stmt = stmt.where(
                    col(Person.nickname_digest).in_(nickname_digests(ctx.vault, query.nickname))
                )
        if municipality is not None:
            stmt = stmt.where(Case.municipality_code == municipality)
        if query.status is not None:
            stmt = stmt.where(Case.status == query.status.value)
        if query.risk_level is not None:
            stmt = stmt.where(Case.risk_level == query.risk_level.value)
        cases = session.exec(stmt.order_by(col(Case.updated_at).desc()).limit(query.limit)).all()
        now = ctx.now()
        return [_summary(session, c, now, detailed=False) for c in cases]


@dataclass(frozen=True, slots=True)
class TimelineItem:
    entry_id: str
    at: datetime
    kind: str
    author: str
    codes: dict[str, Any]
    note: str | None
    note_erased: bool


def timeline(ctx: IntakeContext, actor: Principal, case_id: str, purpose: Purpose) -> list[TimelineItem]:
    """The case's timeline, notes decrypted (unless the person was erased); the read is logged."""
    with ctx.uow() as uow:
        session = uow.session
        case = get_case(session, case_id)
        cipher: PersonCipher | None
        try:
            cipher = ctx.vault.cipher(session, case.person_id)
        except PersonKeyMissing:
            cipher = None
        entries = session.exec(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case.id)
            .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
        ).all()
        items = []
        for e in entries:
            erased = e.note_ct is not None and cipher is None
            note = cipher.open("timeline_note", e.id, e.note_ct) if cipher is not None else None
            items.append(TimelineItem(e.id, e.at, e.kind, e.author, dict(e.codes), note, erased))
        record_read(
            session,
            subject=actor.subject,
            at=ctx.now(),
            record_type="case_timeline",
            record_id=case.id,
            person_id=case.person_id,
            purpose=purpose,
        )
        uow.commit()
    return items


def _changeable(case: Case) -> None:
    refusal = change_refusal(CaseStatus(case.status))
    if refusal is not None:
        raise RuleViolation("The case is closed.", rule=refusal)


def add_note(ctx: IntakeContext, actor: Principal, case_id: str, command: AddNote) -> str:
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        case = get_case(session, case_id)
        _changeable(case)
        _, cipher = load_person(ctx, session, case.person_id)
        entry = add_timeline(
            session,
            case,
            kind=TimelineKind.NOTE,
            author=actor.subject,
            at=now,
            note=command.note,
            cipher=cipher,
        )
        case.updated_at = now
        session.add(case)
        uow.commit()
    return entry.id


@dataclass(frozen=True, slots=True)
class RiskAssessed:
    case_id: str
    risk_level: RiskLevel
    flags: list[str]
    escalation_id: str | None


def assess_risk(ctx: IntakeContext, actor: Principal, case_id: str, command: AssessRisk) -> RiskAssessed:
    """Set risk and flags; a high-risk flag or critical risk escalates the case automatically."""
    now = ctx.now()
    for setting in command.set_flags:
        if setting.expires_at is not None and setting.expires_at <= now:
            raise RuleViolation("A flag cannot expire in the past.", rule="flag_expiry_in_past")
    with ctx.uow() as uow:
        session = uow.session
        events = EventStager(uow)
        case = get_case(session, case_id)
        _changeable(case)
        load_person(ctx, session, case.person_id)
        before = current_flags(session, case.id, now)
        previous = RiskLevel(case.risk_level)
        for flag in command.clear_flags:
            clear_flag(session, case.id, flag, now=now)
        for setting in command.set_flags:
            set_flag(session, case.id, setting.flag, now=now, by=actor.subject, expires_at=setting.expires_at)
        session.flush()
        after = current_flags(session, case.id, now)
        case.risk_level = command.risk_level.value
        case.updated_at = now
        session.add(case)
        add_timeline(
            session,
            case,
            kind=TimelineKind.RISK_ASSESSED,
            author=actor.subject,
            at=now,
            codes={
                "risk_level": command.risk_level.value,
                "previous": previous.value,
                "flags": [f.value for f in after],
            },
        )
        events.emit(
            CaseRiskAssessed(
                case_id=case.id,
                person_id=case.person_id,
                assessed_at=now,
                risk_level=command.risk_level,
                previous_risk_level=previous,
                flags=after,
            ),
            subject=case.id,
            time=now,
        )
        decision = automatic_escalation(
            previous_risk=previous,
            new_risk=command.risk_level,
            flags_before=before,
            flags_after=after,
            pending_escalation=has_pending_escalation(session, case.id),
        )
        escalation_id = None
        if decision is not None:
            escalation = start_escalation(
                ctx,
                session,
                events,
                case=case,
                decision=decision,
                trigger=EscalationTrigger.AUTOMATIC,
                by=actor.subject,
                brief=None,
                cipher=None,
                now=now,
            )
            escalation_id = escalation.id
        uow.commit()
    return RiskAssessed(case.id, command.risk_level, [f.value for f in after], escalation_id)


def close_case(ctx: IntakeContext, actor: Principal, case_id: str, command: CloseCase) -> datetime:
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        case = get_case(session, case_id)
        refusal = close_refusal(CaseStatus(case.status))
        if refusal is not None:
            raise RuleViolation("The case is already closed.", rule=refusal)
        cipher: PersonCipher | None = None
        if command.note is not None:
            _, cipher = load_person(ctx, session, case.person_id)
        case.status = CaseStatus.CLOSED.value
        case.closed_at = now
        case.close_reason = command.reason.value
        case.updated_at = now
        session.add(case)
        add_timeline(
            session,
            case,
            kind=TimelineKind.CLOSED,
            author=actor.subject,
            at=now,
            codes={"reason": command.reason.value},
            note=command.note,
            cipher=cipher,
        )
        EventStager(uow).emit(
            CaseClosed(case_id=case.id, person_id=case.person_id, closed_at=now, reason=command.reason),
            subject=case.id,
            time=now,
        )
        uow.commit()
    return now
