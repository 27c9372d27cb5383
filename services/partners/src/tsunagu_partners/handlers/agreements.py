"""Agreements (協定): an organisation applies with its self-assessment, the office reviews, then
refuses or signs once the organisation's staff hold a valid completion of the guideline training
(from the training service's events: :mod:`.training`); the agreement is renewed, suspended,
resumed or ended. Each step moves the partner's state by the domain's lifecycle, writes and
announces in one transaction, and is refused whole (nothing written) by a named rule.

Events carry ids, codes and dates only: the organisation's name and contacts stay here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from tsunagu_calendar import tokyo_date
from tsunagu_contracts.events.partners import (
    AgreementEnded,
    AgreementRenewed,
    AgreementResumed,
    AgreementSigned,
    AgreementSuspended,
    PartnerApplicationRefused,
    PartnerApplied,
    SupportKind,
)
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import agreements as store
from ..adapters.tables import AgreementRow, ApplicationRow, PartnerRow
from ..domain import rules
from ..domain.agreements import (
    AgreementStatus,
    AgreementTemplate,
    ApplicationStatus,
    KindAssessment,
    PartnerAction,
    agreement_number,
    agreement_term,
    check_self_assessment,
    next_state,
    renewal_due_on,
    signing_fiscal_year,
)
from ..domain.partners import PartnerState
from .commands import ApplyForAgreement, EndAgreement, RenewAgreement, SignAgreement
from .context import PartnersContext
from .training import organisation_trained
from .views import (
    AgreementTemplateView,
    AgreementView,
    ApplicationView,
    KindAssessmentView,
    PartnerAgreementView,
    PartnerView,
)

# -- reading ------------------------------------------------------------------------------------


def list_partners(
    ctx: PartnersContext,
    *,
    state: PartnerState | None,
    municipality_code: str | None,
    limit: int,
    offset: int,
) -> list[PartnerView]:
    """Partners by name, filtered by state and by a municipality they are seated in or serve."""
    with ctx.reading() as uow:
        rows = store.list_partners(
            uow, state=state, municipality_code=municipality_code, limit=limit, offset=offset
        )
        return [PartnerView.model_validate(row) for row in rows]


def partner_with_agreement(ctx: PartnersContext, partner_id: str) -> PartnerAgreementView:
    with ctx.reading() as uow:
        partner = _partner(uow, partner_id, lock=False)
        current = store.current_agreement(uow, partner_id)
        return PartnerAgreementView(
            partner=PartnerView.model_validate(partner),
            current_agreement=None if current is None else AgreementView.model_validate(current),
        )


def agreements_of(ctx: PartnersContext, partner_id: str) -> list[AgreementView]:
    """Every agreement the partner signed, the latest first."""
    with ctx.reading() as uow:
        _partner(uow, partner_id, lock=False)
        return [AgreementView.model_validate(row) for row in store.agreements_of(uow, partner_id)]


def templates(ctx: PartnersContext) -> list[AgreementTemplateView]:
    return [AgreementTemplateView.model_validate(t) for t in ctx.agreements.templates.all]


# -- applying and the review ---------------------------------------------------------------------


def apply(ctx: PartnersContext, partner_id: str, command: ApplyForAgreement) -> ApplicationView:
    """A candidate (or a former partner) applies, with its self-assessment; ``PartnerApplied``."""
    assessment = [KindAssessment(e.kind, e.provides, e.level) for e in command.self_assessment]
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        after = next_state(PartnerState(partner.state), PartnerAction.APPLY)
        provided = check_self_assessment(assessment)
        now = ctx.now()
        application = ApplicationRow(
            id=ctx.new_id(),
            partner_id=partner.id,
            status=ApplicationStatus.SUBMITTED,
            self_assessment=[
                {
                    "kind": a.kind.value,
                    "provides": a.provides,
                    "level": None if a.level is None else a.level.value,
                }
                for a in sorted(assessment, key=lambda a: list(SupportKind).index(a.kind))
            ],
            submitted_at=now,
        )
        store.add(uow, application)
        partner.state = after
        uow.emit(
            PartnerApplied(
                partner_id=partner.id,
                application_id=application.id,
                support_kinds=list(provided),
                applied_at=now,
            ),
            subject=partner.id,
        )
        view = _application_view(uow, application, tokyo_date(now))
        uow.commit()
        return view


def refuse_application(ctx: PartnersContext, partner_id: str) -> ApplicationView:
    """The review refuses the application: the organisation is a candidate again;
    ``PartnerApplicationRefused``."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        after = next_state(PartnerState(partner.state), PartnerAction.REFUSE)
        application = _open_application(uow, partner_id)
        now = ctx.now()
        application.status = ApplicationStatus.REFUSED
        application.decided_at = now
        partner.state = after
        uow.emit(
            PartnerApplicationRefused(partner_id=partner.id, application_id=application.id, refused_at=now),
            subject=partner.id,
        )
        view = _application_view(uow, application, tokyo_date(now))
        uow.commit()
        return view


def sign(ctx: PartnersContext, partner_id: str, command: SignAgreement) -> AgreementView:
    """Sign an agreement on the application under review, once the organisation's staff hold a
    valid completion of the guideline training today (Tokyo). In force
    from its effective date: the partner is active at once when that date has come, otherwise on
    it (the agreement timer); ``AgreementSigned``."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        now = ctx.now()
        in_force = command.effective_on <= tokyo_date(now)
        after = next_state(
            PartnerState(partner.state), PartnerAction.SIGN if in_force else PartnerAction.SIGN_AHEAD
        )
        application = _open_application(uow, partner_id)
        if organisation_trained(uow, partner_id, tokyo_date(now)) is None:
            refuse(rules.TRAINING_NOT_RECORDED)
        template = ctx.agreements.templates.for_agreement(command.effective_on, command.template_version)
        ends_on = agreement_term(
            command.effective_on,
            months=command.term_months,
            ends_on=command.ends_on,
            default_months=template.default_term_months,
        )
        kinds = [SupportKind(e["kind"]) for e in application.self_assessment if e["provides"]]
        agreement = _new_agreement(
            ctx,
            uow,
            partner_id=partner.id,
            application_id=application.id,
            template=template,
            kinds=kinds,
            effective_on=command.effective_on,
            ends_on=ends_on,
            term_months=_term_months(command.term_months, command.ends_on, template),
            status=AgreementStatus.ACTIVE if in_force else AgreementStatus.SIGNED,
            now=now,
        )
        application.status = ApplicationStatus.APPROVED
        application.decided_at = now
        partner.state = after
        uow.emit(
            AgreementSigned(
                agreement_id=agreement.id,
                partner_id=partner.id,
                agreement_number=agreement.number,
                template_version=agreement.template_version,
                effective_on=agreement.effective_on,
                ends_on=agreement.ends_on,
                support_kinds=kinds,
                signed_at=now,
            ),
            subject=partner.id,
        )
        uow.commit()
        return AgreementView.model_validate(agreement)


def renew(ctx: PartnersContext, partner_id: str, command: RenewAgreement) -> AgreementView:
    """Renew the active agreement: a new agreement from the day after it ends, on the template in
    force then (or the one named), for the term given or the template's default; the partner stays
    active. ``AgreementRenewed`` names both agreements."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        next_state(PartnerState(partner.state), PartnerAction.RENEW)
        current = _in_force(uow, partner_id, rules.PARTNER_NOT_ACTIVE)
        if current.successor_id is not None:
            refuse(rules.AGREEMENT_ALREADY_RENEWED)
        effective_on = current.ends_on + timedelta(days=1)
        template = ctx.agreements.templates.for_agreement(effective_on, command.template_version)
        ends_on = agreement_term(
            effective_on,
            months=command.term_months,
            ends_on=command.ends_on,
            default_months=template.default_term_months,
        )
        now = ctx.now()
        successor = _new_agreement(
            ctx,
            uow,
            partner_id=partner.id,
            application_id=current.application_id,
            template=template,
            kinds=[SupportKind(k) for k in current.support_kinds],
            effective_on=effective_on,
            ends_on=ends_on,
            term_months=_term_months(command.term_months, command.ends_on, template),
            status=AgreementStatus.SIGNED,
            now=now,
            predecessor_id=current.id,
        )
        current.successor_id = successor.id
        uow.emit(
            AgreementRenewed(
                agreement_id=successor.id,
                previous_agreement_id=current.id,
                partner_id=partner.id,
                agreement_number=successor.number,
                template_version=successor.template_version,
                effective_on=successor.effective_on,
                ends_on=successor.ends_on,
                signed_at=now,
            ),
            subject=partner.id,
        )
        uow.commit()
        return AgreementView.model_validate(successor)


def suspend(ctx: PartnersContext, partner_id: str) -> AgreementView:
    """Suspend the agreement in force: the partner takes no referrals and joins no sessions until
    it is resumed; ``AgreementSuspended``."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        partner.state = next_state(PartnerState(partner.state), PartnerAction.SUSPEND)
        current = _in_force(uow, partner_id, rules.PARTNER_NOT_ACTIVE)
        now = ctx.now()
        current.status = AgreementStatus.SUSPENDED
        current.suspended_at = now
        uow.emit(
            AgreementSuspended(agreement_id=current.id, partner_id=partner.id, suspended_at=now),
            subject=partner.id,
        )
        uow.commit()
        return AgreementView.model_validate(current)


def resume(ctx: PartnersContext, partner_id: str) -> AgreementView:
    """Resume the suspended agreement: the partner is active again; ``AgreementResumed``."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        partner.state = next_state(PartnerState(partner.state), PartnerAction.RESUME)
        current = _in_force(uow, partner_id, rules.PARTNER_NOT_SUSPENDED)
        now = ctx.now()
        current.status = AgreementStatus.ACTIVE
        current.suspended_at = None
        uow.emit(
            AgreementResumed(agreement_id=current.id, partner_id=partner.id, resumed_at=now),
            subject=partner.id,
        )
        uow.commit()
        return AgreementView.model_validate(current)


def end(ctx: PartnersContext, partner_id: str, command: EndAgreement) -> AgreementView:
    """End the agreement in force today (Tokyo), with its reason; a renewal signed to follow it
    ends with it. ``AgreementEnded`` for each; the partner is ended."""
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        partner.state = next_state(PartnerState(partner.state), PartnerAction.END)
        now = ctx.now()
        today = tokyo_date(now)
        ended = list(store.open_agreements(uow, partner_id))
        for agreement in ended:
            agreement.status = AgreementStatus.ENDED
            agreement.end_reason = command.reason
            agreement.ended_on = today
            agreement.closed_at = now
            uow.emit(
                AgreementEnded(
                    agreement_id=agreement.id,
                    partner_id=partner.id,
                    reason=command.reason,
                    ended_on=today,
                    ended_at=now,
                ),
                subject=partner.id,
            )
        uow.commit()
        return AgreementView.model_validate(ended[0])


# -- parts ----------------------------------------------------------------------------------------


def _partner(uow: UnitOfWork, partner_id: str, *, lock: bool = True) -> PartnerRow:
    row = store.lock_partner(uow, partner_id) if lock else uow.session.get(PartnerRow, partner_id)
    if row is None:
        refuse(rules.PARTNER_NOT_FOUND)
    return row


def _open_application(uow: UnitOfWork, partner_id: str) -> ApplicationRow:
    application = store.open_application(uow, partner_id)
    if application is None:
        refuse(rules.APPLICATION_NOT_OPEN)
    return application


def _in_force(uow: UnitOfWork, partner_id: str, missing: Rule) -> AgreementRow:
    found = [a for a in store.open_agreements(uow, partner_id) if a.status != AgreementStatus.SIGNED]
    if not found:
        refuse(missing)
    return found[0]


def _term_months(months: int | None, ends_on: date | None, template: AgreementTemplate) -> int | None:
    """The term in months when it was given that way (or by the template's default)."""
    if ends_on is not None:
        return None
    return months if months is not None else template.default_term_months


def _new_agreement(
    ctx: PartnersContext,
    uow: UnitOfWork,
    *,
    partner_id: str,
    application_id: str,
    template: AgreementTemplate,
    kinds: Sequence[SupportKind],
    effective_on: date,
    ends_on: date,
    term_months: int | None,
    status: AgreementStatus,
    now: datetime,
    predecessor_id: str | None = None,
) -> AgreementRow:
    fiscal_year = signing_fiscal_year(now)
    sequence = store.next_sequence(uow, fiscal_year)
    row = AgreementRow(
        id=ctx.new_id(),
        partner_id=partner_id,
        application_id=application_id,
        number=agreement_number(fiscal_year, sequence),
        fiscal_year=fiscal_year,
        sequence=sequence,
        template_version=template.version,
        support_kinds=[k.value for k in kinds],
        status=status,
        effective_on=effective_on,
        ends_on=ends_on,
        term_months=term_months,
        renewal_due_on=renewal_due_on(ctx.calendar, ends_on, ctx.agreements.renewal_lead_business_days),
        predecessor_id=predecessor_id,
        signed_at=now,
    )
    store.add(uow, row)
    return row


def _application_view(uow: UnitOfWork, row: ApplicationRow, today: date) -> ApplicationView:
    return ApplicationView(
        id=row.id,
        partner_id=row.partner_id,
        status=ApplicationStatus(row.status),
        self_assessment=[KindAssessmentView.model_validate(e) for e in row.self_assessment],
        submitted_at=row.submitted_at,
        training=organisation_trained(uow, row.partner_id, today),
        decided_at=row.decided_at,
    )
