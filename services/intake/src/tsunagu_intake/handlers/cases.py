"""Cases: summaries and search (no personal data), the timeline, notes, risk and flags, closing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_contracts.events.intake import CaseClosed, CaseRiskAssessed
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import cases as case_store
from ..adapters.consultations import consultation_count_of_case
from ..adapters.escalations import escalations_of_case, has_pending_escalation
from ..adapters.persons import find_person
from ..adapters.tables import Case, Person
from ..adapters.vault import PersonCipher, PersonKeyMissing
from ..domain.cases import close_refusal
from ..domain.codes import CaseFlag, CaseStatus, EscalationTrigger, Purpose, RiskLevel, TimelineKind
from ..domain.escalation import automatic_escalation
from ..domain.identity import normal_user_number
from ..domain.periods import tokyo_days
from ..domain.rules import DATE_RANGE_REVERSED, FLAG_EXPIRY_IN_PAST
from .case_records import changeable_case, current_flags, get_case
from .commands import AddNote, AssessRisk, CaseSearch, CloseCase
from .context import IntakeContext
from .escalations import brief_facts_of, start_escalation
from .persons import load_person, nickname_digests
from .scope import (
    cases_visible_to_municipality,
    check_case_visible,
    municipality_in_scope,
    municipality_restricted,
)
from .views import (
    CaseClosure,
    CaseSummary,
    EscalationSummary,
    FlagView,
    NoteAdded,
    RiskAssessed,
    TimelineItem,
)


def _summary(uow: UnitOfWork, case: Case, now: datetime, *, detailed: bool) -> CaseSummary:
    """The case's summary; ``detailed`` adds its flags in force and its escalations."""
    person = find_person(uow, case.person_id)
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
        consultations=consultation_count_of_case(uow, case.id),
        flags=_flags_in_force(uow, case.id, now) if detailed else [],
        escalations=_escalations(uow, case.id) if detailed else [],
    )


def _flags_in_force(uow: UnitOfWork, case_id: str, now: datetime) -> list[FlagView]:
    """Each flag in force by the setting that holds it."""
    active = set(current_flags(uow, case_id, now))
    return [
        FlagView(flag=r.flag, set_at=r.set_at, expires_at=r.expires_at)
        for r in case_store.flag_rows(uow, case_id)
        if r.cleared_at is None and r.flag in active and (r.expires_at is None or now < r.expires_at)
    ]


def _escalations(uow: UnitOfWork, case_id: str) -> list[EscalationSummary]:
    return [
        EscalationSummary(
            escalation_id=e.id,
            escalated_at=e.escalated_at,
            trigger=e.trigger,
            urgency=e.urgency,
            reason_codes=list(e.reason_codes),
            status=e.status,
        )
        for e in escalations_of_case(uow, case_id)
    ]


def case_summary(ctx: IntakeContext, actor: Principal, case_id: str) -> CaseSummary:
    """A case without personal data; municipality staff see only the cases their municipality
    referred or a disclosure grants them."""
    now = ctx.now()
    with ctx.reading() as uow:
        case = check_case_visible(uow, actor, case_store.find_case(uow, case_id), now)
        return _summary(uow, case, now, detailed=True)


def search_cases(ctx: IntakeContext, actor: Principal, query: CaseSearch) -> list[CaseSummary]:
    """Cases matching every criterion; municipality staff search only the cases their municipality
    referred or a disclosure grants them (and may not name another municipality)."""
    if query.reversed_range():
        refuse(DATE_RANGE_REVERSED)
    restricted = municipality_restricted(actor)
    municipality = municipality_in_scope(actor, query.municipality_code)
    with ctx.reading() as uow:
        visible: set[str] | None = None
        if restricted:
            visible = cases_visible_to_municipality(uow, municipality, ctx.now()) if municipality else set()
        cases = case_store.search_cases(
            uow,
            user_number=normal_user_number(query.user_number) if query.user_number else None,
            nickname_digests=nickname_digests(ctx.vault, query.nickname) if query.nickname else None,
            municipality_code=query.municipality_code,
            status=query.status,
            risk_level=query.risk_level,
            limit=query.limit,
            only_case_ids=visible,
            opened=tokyo_days(query.opened_from, query.opened_to),
            updated=tokyo_days(query.updated_from, query.updated_to),
            worked_on_by=actor.subject if query.mine else None,
        )
        now = ctx.now()
        return [_summary(uow, c, now, detailed=False) for c in cases]


def timeline(ctx: IntakeContext, actor: Principal, case_id: str, purpose: Purpose) -> list[TimelineItem]:
    """The case's timeline, notes decrypted (unless the person was erased); the read is logged."""
    with ctx.uow() as uow:
        case = get_case(uow, case_id)
        cipher: PersonCipher | None
        try:
            cipher = ctx.vault.cipher(uow.session, case.person_id)
        except PersonKeyMissing:
            cipher = None
        items = [
            TimelineItem(
                entry_id=e.id,
                at=e.at,
                kind=e.kind,
                author=e.author,
                codes=dict(e.codes),
                note=cipher.open("timeline_note", e.id, e.note_ct) if cipher is not None else None,
                note_erased=e.note_ct is not None and cipher is None,
            )
            for e in case_store.timeline_of(uow, case.id)
        ]
        log_read(
            uow,
            subject=actor.subject,
            at=ctx.now(),
            record_type="case_timeline",
            record_id=case.id,
            person_id=case.person_id,
            purpose=purpose,
        )
        uow.commit()
    return items


def add_note(ctx: IntakeContext, actor: Principal, case_id: str, command: AddNote) -> NoteAdded:
    """A note on the case's timeline, sealed with the person's key."""
    now = ctx.now()
    with ctx.uow() as uow:
        case = changeable_case(uow, case_id)
        _, cipher = load_person(ctx, uow, case.person_id)
        entry_id = case_store.add_timeline_entry(
            uow, case, kind=TimelineKind.NOTE, author=actor.subject, at=now, note=command.note, cipher=cipher
        )
        case.updated_at = now
        uow.commit()
    return NoteAdded(entry_id=entry_id)


def assess_risk(ctx: IntakeContext, actor: Principal, case_id: str, command: AssessRisk) -> RiskAssessed:
    """Set risk and flags; a high-risk flag newly set or critical risk escalates automatically."""
    now = ctx.now()
    if any(s.expires_at is not None and s.expires_at <= now for s in command.set_flags):
        refuse(FLAG_EXPIRY_IN_PAST)
    with ctx.uow() as uow:
        case = changeable_case(uow, case_id)
        person, cipher = load_person(ctx, uow, case.person_id)  # refused once the person is erased
        before = current_flags(uow, case.id, now)
        after = _apply_flags(ctx, uow, case, command, actor.subject, now)
        escalation_id = set_risk_level(
            ctx,
            uow,
            case,
            person,
            cipher,
            risk=command.risk_level,
            flags_before=before,
            flags_after=after,
            by=actor.subject,
            now=now,
        )
        uow.commit()
    return RiskAssessed(
        case_id=case.id,
        risk_level=command.risk_level,
        flags=[f.value for f in after],
        escalation_id=escalation_id,
    )


def set_risk_level(
    ctx: IntakeContext,
    uow: UnitOfWork,
    case: Case,
    person: Person,
    cipher: PersonCipher,
    *,
    risk: RiskLevel,
    flags_before: list[CaseFlag],
    flags_after: list[CaseFlag],
    by: str,
    now: datetime,
    cause: dict[str, Any] | None = None,
) -> str | None:
    """An assessment of the case: its risk level (and the flags already applied) on the timeline and
    announced (CaseRiskAssessed); a high-risk flag newly set or critical risk escalates automatically,
    with a brief built from the case's codes. The escalation's id, if one started.

    ``cause`` adds codes to the timeline entry (the task an accepted recommendation came from)."""
    previous = RiskLevel(case.risk_level)
    case.risk_level = risk.value
    case.updated_at = now
    _record_assessment(uow, case, previous, flags_after, by, now, cause=cause)
    decision = automatic_escalation(
        previous_risk=previous,
        new_risk=risk,
        flags_before=flags_before,
        flags_after=flags_after,
        pending_escalation=has_pending_escalation(uow, case.id),
    )
    if decision is None:
        return None
    facts = brief_facts_of(uow, case, person, decision, previous_risk=previous, flags=flags_after, now=now)
    return start_escalation(
        ctx,
        uow,
        case=case,
        decision=decision,
        trigger=EscalationTrigger.AUTOMATIC,
        by=by,
        now=now,
        facts=facts,
        cipher=cipher,
    )


def _apply_flags(
    ctx: IntakeContext, uow: UnitOfWork, case: Case, command: AssessRisk, by: str, now: datetime
) -> list[CaseFlag]:
    """Clear, then set, the assessment's flags: the flags in force afterwards."""
    for flag in command.clear_flags:
        case_store.clear_flag(uow, case.id, flag, now=now)
    for setting in command.set_flags:
        case_store.set_flag(
            uow, case.id, setting.flag, row_id=ctx.new_id(), now=now, by=by, expires_at=setting.expires_at
        )
    return current_flags(uow, case.id, now)


def _record_assessment(
    uow: UnitOfWork,
    case: Case,
    previous: RiskLevel,
    flags: list[CaseFlag],
    by: str,
    now: datetime,
    *,
    cause: dict[str, Any] | None = None,
) -> None:
    """The assessment on the timeline, and announced (CaseRiskAssessed)."""
    risk = RiskLevel(case.risk_level)
    case_store.add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.RISK_ASSESSED,
        author=by,
        at=now,
        codes={
            "risk_level": risk.value,
            "previous": previous.value,
            "flags": [f.value for f in flags],
            **(cause or {}),
        },
    )
    uow.emit(
        CaseRiskAssessed(
            case_id=case.id,
            person_id=case.person_id,
            assessed_at=now,
            risk_level=risk,
            previous_risk_level=previous,
            flags=flags,
        ),
        subject=case.id,
        time=now,
    )


def close_case(ctx: IntakeContext, actor: Principal, case_id: str, command: CloseCase) -> CaseClosure:
    """Close the case (with a note, sealed, if given) and announce it (CaseClosed)."""
    now = ctx.now()
    with ctx.uow() as uow:
        case = get_case(uow, case_id)
        rule = close_refusal(CaseStatus(case.status))
        if rule is not None:
            refuse(rule)
        cipher = load_person(ctx, uow, case.person_id)[1] if command.note is not None else None
        case.status = CaseStatus.CLOSED.value
        case.closed_at = now
        case.close_reason = command.reason.value
        case.updated_at = now
        case_store.add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.CLOSED,
            author=actor.subject,
            at=now,
            codes={"reason": command.reason.value},
            note=command.note,
            cipher=cipher,
        )
        uow.emit(
            CaseClosed(case_id=case.id, person_id=case.person_id, closed_at=now, reason=command.reason),
            subject=case.id,
            time=now,
        )
        uow.commit()
    return CaseClosure(closed_at=now)
