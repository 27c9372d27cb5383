"""Referrals: a counsellor offers, the recipient (a partner's staff, or a municipality's staff for
its own windows) accepts or declines and reports the outcome, the counsellor may withdraw; intake's
erasure of the person unlinks them. Every step is announced with ids and codes only."""

from __future__ import annotations

from tsunagu_calendar import tokyo_date
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import PersonErased
from tsunagu_contracts.events.partners import (
    ReferralAccepted,
    ReferralDeclined,
    ReferralOffered,
    ReferralOutcome,
    ReferralOutcomeReported,
    ReferralWithdrawn,
    ResourceKind,
)
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import offerings, partners, resources
from ..adapters import referrals as store
from ..adapters.tables import ReferralRow
from ..domain import rules
from ..domain.referrals import (
    RecipientKind,
    ReferralState,
    answer_refusal,
    outcome_refusal,
    withdraw_refusal,
)
from .commands import DeclineReferral, OfferReferral, PartnerRecipient, ReportOutcome
from .context import PartnersContext
from .training import require_trained_staff
from .views import ReferralView

log = get_logger(__name__)

PROGRAMME_ROLES = frozenset({"counsellor", "supervisor", "admin"})
"""Roles that see every referral; partner and municipality staff see their own organisation's."""


def _view(row: ReferralRow) -> ReferralView:
    return ReferralView.model_validate(
        {**row.model_dump(), "person_erased": row.person_erased_at is not None}
    )


# -- who may see and act on a referral -------------------------------------------------------------


def _restricted(actor: Principal) -> bool:
    return not (PROGRAMME_ROLES & actor.roles)


def _scope_refusal(actor: Principal) -> Rule:
    return rules.OWN_PARTNER_ONLY if actor.has_role("partner_staff") else rules.OWN_MUNICIPALITY_ONLY


def _is_recipient(actor: Principal, row: ReferralRow) -> bool:
    """Whether the actor works for the referral's recipient: the partner, or the municipality whose
    window it is."""
    if actor.has_role("partner_staff") and actor.partner is not None and row.partner_id == actor.partner:
        return True
    return (
        actor.has_role("municipality_staff")
        and actor.municipality is not None
        and row.recipient_kind == RecipientKind.MUNICIPAL_WINDOW
        and row.municipality_code == actor.municipality
    )


def _visible(actor: Principal, row: ReferralRow | None) -> ReferralRow:
    """The referral if the actor may see it. Partner and municipality staff get the same 403 for
    another's referral and for one that does not exist, so the answer never tells which; the
    programme's staff get 404 for one that does not exist."""
    if _restricted(actor):
        if row is None or not _is_recipient(actor, row):
            refuse(_scope_refusal(actor))
        return row
    if row is None:
        refuse(rules.REFERRAL_NOT_FOUND)
    return row


def _as_recipient(actor: Principal, row: ReferralRow | None) -> ReferralRow:
    """The referral if the actor answers for its recipient. The programme office (a supervisor)
    may record an answer a recipient gave by phone or letter; partner and municipality staff answer
    only for their own organisation, with the same 403 whether the referral exists or not."""
    return _visible(actor, row)


# -- use cases -----------------------------------------------------------------------------------


def offer_referral(ctx: PartnersContext, actor: Principal, command: OfferReferral) -> ReferralView:
    """Refer a case: to an active partner, or to a municipal window; announced (ReferralOffered)."""
    now = ctx.now()
    recipient = command.recipient
    with ctx.uow() as uow:
        if store.person_erased(uow, command.person_id):
            refuse(rules.REFERRAL_PERSON_ERASED)
        if isinstance(recipient, PartnerRecipient):
            if not partners.is_active(uow, recipient.partner_id):
                refuse(rules.PARTNER_NOT_ACTIVE)
            offering = offerings.find_offering(uow, recipient.partner_id)
            # A partner that has published what it offers is referred only for that; one that has
            # not yet is taken on its agreement.
            if offering is not None and command.support_kind not in offering.support_kinds:
                refuse(rules.SUPPORT_NOT_OFFERED)
            kind, partner_id, resource_id, municipality = (
                RecipientKind.PARTNER,
                recipient.partner_id,
                None,
                None,
            )
        else:
            window = resources.find_resource(uow, recipient.resource_id)
            if (
                window is None
                or window.kind != ResourceKind.MUNICIPAL_WINDOW
                or window.municipality_code != recipient.municipality_code
            ):
                refuse(rules.WINDOW_NOT_FOUND)
            kind, partner_id = RecipientKind.MUNICIPAL_WINDOW, None
            resource_id, municipality = recipient.resource_id, recipient.municipality_code
        row = ReferralRow(
            id=ctx.new_id(),
            case_id=command.case_id,
            person_id=command.person_id,
            recipient_kind=kind,
            partner_id=partner_id,
            resource_id=resource_id,
            municipality_code=municipality,
            support_kind=command.support_kind,
            state=ReferralState.OFFERED,
            offered_at=now,
            offered_by=actor.subject,
            updated_at=now,
        )
        store.add_referral(uow, row)
        uow.emit(
            ReferralOffered(
                referral_id=row.id,
                case_id=command.case_id,
                person_id=command.person_id,
                partner_id=partner_id,
                resource_id=resource_id,
                municipality_code=municipality,
                support_kind=command.support_kind,
                offered_at=now,
            ),
            subject=row.id,
            time=now,
        )
        uow.commit()
        return _view(row)


def list_referrals(
    ctx: PartnersContext, actor: Principal, *, case_id: str | None, state: ReferralState | None
) -> list[ReferralView]:
    """Referrals, newest first: the programme's staff see all, partner and municipality staff the
    ones to their own organisation or windows."""
    with ctx.reading() as uow:
        if _restricted(actor):
            partner_id = actor.partner if actor.has_role("partner_staff") else None
            municipality = actor.municipality if actor.has_role("municipality_staff") else None
            if partner_id is None and municipality is None:
                refuse(_scope_refusal(actor))
            rows = store.referrals(
                uow, partner_id=partner_id, window_municipality=municipality, case_id=case_id, state=state
            )
        else:
            rows = store.referrals(uow, case_id=case_id, state=state)
        return [_view(r) for r in rows]


def get_referral(ctx: PartnersContext, actor: Principal, referral_id: str) -> ReferralView:
    with ctx.reading() as uow:
        return _view(_visible(actor, store.find_referral(uow, referral_id)))


def accept_referral(ctx: PartnersContext, actor: Principal, referral_id: str) -> ReferralView:
    """The recipient accepts an offer; a partner must still be active, and its staff member must
    hold a valid completion of the guideline training (``staff_not_trained``)."""
    now = ctx.now()
    with ctx.uow() as uow:
        row = _as_recipient(actor, store.lock_referral(uow, referral_id))
        require_trained_staff(uow, actor, tokyo_date(now))
        _refuse_if(answer_refusal(ReferralState(row.state), person_erased=row.person_erased_at is not None))
        if row.partner_id is not None and not partners.is_active(uow, row.partner_id):
            refuse(rules.PARTNER_NOT_ACTIVE)
        row.state, row.accepted_at, row.updated_at = ReferralState.ACCEPTED, now, now
        uow.emit(
            ReferralAccepted(referral_id=row.id, case_id=_case_of(row), accepted_at=now),
            subject=row.id,
            time=now,
        )
        uow.commit()
        return _view(row)


def decline_referral(
    ctx: PartnersContext, actor: Principal, referral_id: str, command: DeclineReferral
) -> ReferralView:
    """The recipient declines an offer with a reason code: a disclosure made for it becomes unreadable."""
    now = ctx.now()
    with ctx.uow() as uow:
        row = _as_recipient(actor, store.lock_referral(uow, referral_id))
        _refuse_if(answer_refusal(ReferralState(row.state), person_erased=row.person_erased_at is not None))
        row.state, row.declined_at, row.decline_reason, row.updated_at = (
            ReferralState.DECLINED,
            now,
            command.reason,
            now,
        )
        uow.emit(
            ReferralDeclined(
                referral_id=row.id, case_id=_case_of(row), reason=command.reason, declined_at=now
            ),
            subject=row.id,
            time=now,
        )
        uow.commit()
        return _view(row)


def withdraw_referral(ctx: PartnersContext, actor: Principal, referral_id: str) -> ReferralView:
    """The counsellor withdraws an offer, or an accepted referral without a final outcome: a
    disclosure made for it becomes unreadable."""
    now = ctx.now()
    with ctx.uow() as uow:
        row = _visible(actor, store.lock_referral(uow, referral_id))
        outcome = ReferralOutcome(row.outcome) if row.outcome else None
        _refuse_if(
            withdraw_refusal(
                ReferralState(row.state), outcome, person_erased=row.person_erased_at is not None
            )
        )
        row.state, row.withdrawn_at, row.updated_at = ReferralState.WITHDRAWN, now, now
        uow.emit(
            ReferralWithdrawn(referral_id=row.id, case_id=_case_of(row), withdrawn_at=now),
            subject=row.id,
            time=now,
        )
        uow.commit()
        return _view(row)


def report_outcome(
    ctx: PartnersContext, actor: Principal, referral_id: str, command: ReportOutcome
) -> ReferralView:
    """The recipient reports what came of an accepted referral (``ongoing`` may be followed by a
    final outcome, a final one stands)."""
    now = ctx.now()
    with ctx.uow() as uow:
        row = _as_recipient(actor, store.lock_referral(uow, referral_id))
        _refuse_if(
            outcome_refusal(
                ReferralState(row.state),
                ReferralOutcome(row.outcome) if row.outcome else None,
                outcome_on=command.outcome_on,
                accepted_on=tokyo_date(row.accepted_at) if row.accepted_at is not None else None,
                today=tokyo_date(now),
                person_erased=row.person_erased_at is not None,
            )
        )
        row.outcome, row.outcome_on, row.outcome_reported_at, row.updated_at = (
            command.outcome,
            command.outcome_on,
            now,
            now,
        )
        uow.emit(
            ReferralOutcomeReported(
                referral_id=row.id,
                case_id=_case_of(row),
                outcome=command.outcome,
                outcome_on=command.outcome_on,
                reported_at=now,
            ),
            subject=row.id,
            time=now,
        )
        uow.commit()
        return _view(row)


def on_person_erased(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[PersonErased]) -> None:
    """Consumer of intake's ``PersonErased``: forget the person and their cases on every referral of
    theirs (the referrals and their counts stay), and refuse new referrals for them."""
    data = event.data
    store.record_erasure(uow, data.person_id, data.erased_at)
    forgotten = store.forget_person(uow, data.person_id, data.case_ids, ctx.now())
    log.info("person forgotten on referrals", referrals=forgotten)


def _refuse_if(rule: Rule | None) -> None:
    if rule is not None:
        refuse(rule)


def _case_of(row: ReferralRow) -> str:
    # Every step checks the person is not erased first, and only erasure clears the case.
    assert row.case_id is not None
    return row.case_id
