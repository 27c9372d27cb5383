"""The agreement timer: on each scan, by today's date in Tokyo,

* first agreements signed ahead take effect on their effective date (the partner becomes active;
  ``AgreementSigned`` announced the date already);
* a renewed agreement whose term ran out hands over to its successor, which keeps the state the
  partnership was in (active or suspended; ``AgreementRenewed`` announced it already);
* an agreement whose term ran out with no successor expires: ``AgreementExpired``, the partner is
  expired;
* an agreement in force, not renewed, whose renewal is due is announced once:
  ``AgreementRenewalDue``.

Each change is taken by a conditional update in the transaction that writes its effects and
events, so a second scanner (another replica) finds it taken, and a restart loses nothing.
"""

from __future__ import annotations

from tsunagu_calendar import tokyo_date
from tsunagu_contracts.events.partners import AgreementExpired, AgreementRenewalDue

from ..adapters import agreements as store
from ..adapters.tables import PartnerRow
from ..domain.agreements import TRANSITIONS, AgreementStatus, PartnerAction
from ..domain.partners import PartnerState
from .context import PartnersContext

BATCH = 100
"""Changes of each kind per scan; the timer scans again at once while a scan changed anything."""


def scan(ctx: PartnersContext, *, limit: int = BATCH) -> int:
    """One scan: what it changed, in one transaction."""
    now = ctx.now()
    today = tokyo_date(now)
    handled = 0
    with ctx.uow() as uow:
        for agreement in store.first_agreements_taking_effect(uow, today, limit):
            if store.take_status(
                uow, agreement.id, AgreementStatus.SIGNED, AgreementStatus.ACTIVE, closed_at=None
            ):
                _move_partner(uow.session.get(PartnerRow, agreement.partner_id), PartnerAction.TAKE_EFFECT)
                handled += 1
        for agreement in store.renewed_agreements_run_out(uow, today, limit):
            if store.take_status(uow, agreement.id, agreement.status, AgreementStatus.RENEWED, closed_at=now):
                successor = store.find_agreement(uow, agreement.successor_id or "")
                if successor is not None and successor.status == AgreementStatus.SIGNED:
                    successor.status = agreement.status
                    successor.suspended_at = agreement.suspended_at
                handled += 1
        for agreement in store.agreements_run_out(uow, today, limit):
            if store.take_status(uow, agreement.id, agreement.status, AgreementStatus.EXPIRED, closed_at=now):
                _move_partner(uow.session.get(PartnerRow, agreement.partner_id), PartnerAction.EXPIRE)
                uow.emit(
                    AgreementExpired(
                        agreement_id=agreement.id,
                        partner_id=agreement.partner_id,
                        ends_on=agreement.ends_on,
                        expired_at=now,
                    ),
                    subject=agreement.partner_id,
                )
                handled += 1
        for agreement in store.renewals_due(uow, today, limit):
            if store.take_renewal_announcement(uow, agreement.id, now):
                uow.emit(
                    AgreementRenewalDue(
                        agreement_id=agreement.id,
                        partner_id=agreement.partner_id,
                        ends_on=agreement.ends_on,
                        due_on=agreement.renewal_due_on,
                    ),
                    subject=agreement.partner_id,
                )
                handled += 1
        uow.commit()
    return handled


def _move_partner(partner: PartnerRow | None, action: PartnerAction) -> None:
    """The partner follows its agreement where the lifecycle allows (a partner ended by hand in
    the meantime stays ended)."""
    if partner is None:
        return
    after = TRANSITIONS[action].get(PartnerState(partner.state))
    if after is not None:
        partner.state = after
