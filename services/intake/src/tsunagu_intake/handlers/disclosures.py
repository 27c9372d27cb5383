"""Disclosures: a counsellor records what a referral's recipient may read of the person (legal
basis, purpose, redaction profile, expiry); the recipient's staff redeem it through this API, each
read in the access log; a counsellor may withdraw it. The detail never travels on the bus: the
events carry ids and codes.

Who reads: staff of the partner the referral went to, or staff of the municipality whose window it
went to; anyone else of a partner or a municipality gets the same 403 whether the disclosure exists
or not. The programme's counsellors and supervisors may open it too, to see what the recipient sees.
"""

from __future__ import annotations

from datetime import datetime

from tsunagu_calendar import TOKYO
from tsunagu_contracts.events.intake import (
    DisclosurePurpose,
    DisclosureRecorded,
    DisclosureRedeemed,
    DisclosureWithdrawalReason,
    DisclosureWithdrawn,
    LegalBasis,
)
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import referrals as store
from ..adapters.cases import add_timeline_entry
from ..adapters.persons import find_person
from ..adapters.tables import Case, Disclosure
from ..domain.codes import AgeBand, RiskLevel, TimelineKind
from ..domain.disclosures import NoProfileInForce, readability_refusal, recording_refusal
from ..domain.rules import (
    DISCLOSURE_ALREADY_WITHDRAWN,
    DISCLOSURE_NOT_FOUND,
    OWN_MUNICIPALITY_ONLY,
    OWN_PARTNER_ONLY,
    REFERRAL_NOT_KNOWN,
    REFERRAL_OF_ANOTHER_CASE,
    UNKNOWN_REDACTION_PROFILE,
)
from .case_records import current_flags, get_case
from .commands import RecordDisclosure, WithdrawDisclosure
from .context import IntakeContext
from .persons import load_person
from .referrals import state_of
from .views import DisclosedFields, DisclosureView, RedactionProfilesView, RedeemedDisclosure

PROGRAMME_ROLES = frozenset({"counsellor", "supervisor", "admin"})

SEALED_FIELDS = ("nickname", "name", "phone", "email", "address")


# -- readability and scope -------------------------------------------------------------------------


def _person_erased(uow: UnitOfWork, person_id: str) -> bool:
    person = find_person(uow, person_id)
    return person is None or person.erased_at is not None


def unreadable_because(uow: UnitOfWork, disclosure: Disclosure, now: datetime) -> Rule | None:
    """The rule that makes the disclosure unreadable now, if one does."""
    referral = store.find_referral(uow, disclosure.referral_id)
    assert referral is not None  # a disclosure is recorded only for a referral intake knows
    return readability_refusal(
        person_erased=_person_erased(uow, disclosure.person_id),
        withdrawn=disclosure.withdrawn_at is not None,
        expires_at=disclosure.expires_at,
        referral=state_of(referral),
        now=now,
    )


def is_recipient(actor: Principal, disclosure: Disclosure) -> bool:
    """Whether the actor works for the disclosure's recipient (the referral's)."""
    if (
        actor.has_role("partner_staff")
        and actor.partner is not None
        and disclosure.partner_id == actor.partner
    ):
        return True
    return (
        actor.has_role("municipality_staff")
        and actor.municipality is not None
        and disclosure.resource_id is not None
        and disclosure.municipality_code == actor.municipality
    )


def _for_actor(actor: Principal, disclosure: Disclosure | None) -> Disclosure:
    if PROGRAMME_ROLES & actor.roles:
        if disclosure is None:
            refuse(DISCLOSURE_NOT_FOUND)
        return disclosure
    if disclosure is None or not is_recipient(actor, disclosure):
        refuse(OWN_PARTNER_ONLY if actor.has_role("partner_staff") else OWN_MUNICIPALITY_ONLY)
    return disclosure


def _view(ctx: IntakeContext, uow: UnitOfWork, d: Disclosure, now: datetime) -> DisclosureView:
    rule = unreadable_because(uow, d, now)
    return DisclosureView(
        disclosure_id=d.id,
        referral_id=d.referral_id,
        case_id=d.case_id,
        legal_basis=LegalBasis(d.legal_basis),
        purpose=DisclosurePurpose(d.purpose),
        profile=d.profile,
        profile_version=d.profile_version,
        fields=list(ctx.redaction_profiles.fields(d.profile_version, d.profile)),
        partner_id=d.partner_id,
        resource_id=d.resource_id,
        municipality_code=d.municipality_code,
        recorded_at=d.recorded_at,
        expires_at=d.expires_at,
        withdrawn_at=d.withdrawn_at,
        withdrawal_reason=DisclosureWithdrawalReason(d.withdrawal_reason) if d.withdrawal_reason else None,
        first_redeemed_at=d.first_redeemed_at,
        unreadable_because=rule.name if rule is not None else None,
    )


# -- use cases -----------------------------------------------------------------------------------


def record_disclosure(
    ctx: IntakeContext, actor: Principal, case_id: str, command: RecordDisclosure
) -> DisclosureView:
    """Record a disclosure for a referral of the case, to the referral's recipient; announced
    (DisclosureRecorded). Refused while intake has not learnt of the referral (409
    ``referral_not_known``: retry), once it was declined or withdrawn, and for an erased person."""
    now = ctx.now()
    try:
        version = ctx.redaction_profiles.in_force(now.astimezone(TOKYO).date())
    except NoProfileInForce:
        refuse(UNKNOWN_REDACTION_PROFILE)
    if command.profile not in version.profiles:
        refuse(UNKNOWN_REDACTION_PROFILE)
    with ctx.uow() as uow:
        case = get_case(uow, case_id)
        referral = store.find_referral(uow, command.referral_id)
        if referral is None:
            refuse(REFERRAL_NOT_KNOWN)
        if referral.case_id != case.id:
            refuse(REFERRAL_OF_ANOTHER_CASE)
        rule = recording_refusal(
            state_of(referral), expires_at=command.expires_at, now=now, max_days=ctx.disclosure_max_days
        )
        if rule is not None:
            refuse(rule)
        load_person(ctx, uow, case.person_id)  # refused once the person is erased
        disclosure = Disclosure(
            id=ctx.new_id(),
            referral_id=referral.id,
            case_id=case.id,
            person_id=case.person_id,
            legal_basis=command.legal_basis.value,
            purpose=command.purpose.value,
            profile=command.profile,
            profile_version=version.version,
            partner_id=referral.partner_id,
            resource_id=referral.resource_id,
            municipality_code=referral.municipality_code,
            recorded_at=now,
            recorded_by=actor.subject,
            expires_at=command.expires_at,
        )
        store.add_disclosure(uow, disclosure)
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.DISCLOSURE_RECORDED,
            author=actor.subject,
            at=now,
            codes={
                "disclosure_id": disclosure.id,
                "referral_id": referral.id,
                "legal_basis": disclosure.legal_basis,
                "purpose": disclosure.purpose,
                "profile": disclosure.profile,
                "profile_version": disclosure.profile_version,
                "expires_at": disclosure.expires_at.isoformat(),
            },
        )
        uow.emit(
            DisclosureRecorded(
                disclosure_id=disclosure.id,
                referral_id=referral.id,
                case_id=case.id,
                person_id=case.person_id,
                legal_basis=command.legal_basis,
                purpose=command.purpose,
                profile=disclosure.profile,
                profile_version=disclosure.profile_version,
                partner_id=disclosure.partner_id,
                resource_id=disclosure.resource_id,
                municipality_code=disclosure.municipality_code,
                expires_at=disclosure.expires_at,
                recorded_at=now,
            ),
            subject=disclosure.id,
            time=now,
        )
        view = _view(ctx, uow, disclosure, now)
        uow.commit()
    return view


def disclosures_of_case(ctx: IntakeContext, case_id: str) -> list[DisclosureView]:
    """The case's disclosures (no personal data), the newest first."""
    now = ctx.now()
    with ctx.reading() as uow:
        case = get_case(uow, case_id)
        return [_view(ctx, uow, d, now) for d in store.disclosures_of_case(uow, case.id)]


def disclosures_of_referral(ctx: IntakeContext, actor: Principal, referral_id: str) -> list[DisclosureView]:
    """The referral's disclosures the actor may open: a recipient's staff see those made to them
    (none for a referral that is not theirs), the programme's staff all."""
    now = ctx.now()
    with ctx.reading() as uow:
        found = store.disclosures_of_referral(uow, referral_id)
        if not PROGRAMME_ROLES & actor.roles:
            found = [d for d in found if is_recipient(actor, d)]
        return [_view(ctx, uow, d, now) for d in found]


def disclosure(ctx: IntakeContext, actor: Principal, disclosure_id: str) -> DisclosureView:
    now = ctx.now()
    with ctx.reading() as uow:
        return _view(ctx, uow, _for_actor(actor, store.find_disclosure(uow, disclosure_id)), now)


def redeem(ctx: IntakeContext, actor: Principal, disclosure_id: str) -> RedeemedDisclosure:
    """The fields of the disclosure's redaction profile, decrypted from the vault; the read is in
    the access log (with the disclosure's purpose), and the first one is announced
    (DisclosureRedeemed). Refused with 410 and the rule once the disclosure was withdrawn or
    expired, its referral declined or withdrawn, or the person erased."""
    now = ctx.now()
    with ctx.uow() as uow:
        d = _for_actor(actor, store.find_disclosure(uow, disclosure_id))
        rule = unreadable_because(uow, d, now)
        if rule is not None:
            refuse(rule)
        case = get_case(uow, d.case_id)
        fields = _disclosed_fields(ctx, uow, d, case, now)
        log_read(
            uow,
            subject=actor.subject,
            at=now,
            record_type="disclosure",
            record_id=d.id,
            person_id=d.person_id,
            purpose=DisclosurePurpose(d.purpose),
        )
        if store.mark_first_redemption(uow, d.id, now):
            uow.emit(
                DisclosureRedeemed(
                    disclosure_id=d.id, referral_id=d.referral_id, case_id=d.case_id, redeemed_at=now
                ),
                subject=d.id,
                time=now,
            )
        answer = RedeemedDisclosure(
            disclosure_id=d.id,
            referral_id=d.referral_id,
            case_id=d.case_id,
            legal_basis=LegalBasis(d.legal_basis),
            purpose=DisclosurePurpose(d.purpose),
            profile=d.profile,
            profile_version=d.profile_version,
            expires_at=d.expires_at,
            fields=fields,
        )
        uow.commit()
    return answer


def _disclosed_fields(
    ctx: IntakeContext, uow: UnitOfWork, d: Disclosure, case: Case, now: datetime
) -> DisclosedFields:
    """Exactly the profile's fields (as of the disclosure's version) of the person and the case."""
    names = ctx.redaction_profiles.fields(d.profile_version, d.profile)
    person, cipher = load_person(ctx, uow, d.person_id)
    values: dict[str, object] = {}
    for name in names:
        if name in SEALED_FIELDS:
            values[name] = cipher.open(name, person.id, getattr(person, f"{name}_ct"))
        elif name == "age_band":
            values[name] = AgeBand(person.age_band)
        elif name == "residence_code":
            values[name] = person.residence_code
        elif name == "risk_level":
            values[name] = RiskLevel(case.risk_level)
        elif name == "flags":
            values[name] = current_flags(uow, case.id, now)
    return DisclosedFields(**values)  # type: ignore[arg-type]  # names are the profile's, checked at load


def withdraw(
    ctx: IntakeContext, actor: Principal, disclosure_id: str, command: WithdrawDisclosure
) -> DisclosureView:
    """The counsellor withdraws a disclosure (consent withdrawn, no longer needed, recorded in
    error): it can no longer be read; announced (DisclosureWithdrawn)."""
    now = ctx.now()
    with ctx.uow() as uow:
        d = store.find_disclosure(uow, disclosure_id)
        if d is None:
            refuse(DISCLOSURE_NOT_FOUND)
        if d.withdrawn_at is not None:
            refuse(DISCLOSURE_ALREADY_WITHDRAWN)
        d.withdrawn_at = now
        d.withdrawal_reason = command.reason.value
        case = get_case(uow, d.case_id)
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.DISCLOSURE_WITHDRAWN,
            author=actor.subject,
            at=now,
            codes={"disclosure_id": d.id, "reason": command.reason.value},
        )
        uow.emit(
            DisclosureWithdrawn(
                disclosure_id=d.id,
                referral_id=d.referral_id,
                case_id=d.case_id,
                reason=command.reason,
                withdrawn_at=now,
            ),
            subject=d.id,
            time=now,
        )
        view = _view(ctx, uow, d, now)
        uow.commit()
    return view


def profiles_in_force(ctx: IntakeContext) -> RedactionProfilesView:
    try:
        version = ctx.redaction_profiles.in_force(ctx.now().astimezone(TOKYO).date())
    except NoProfileInForce:
        refuse(UNKNOWN_REDACTION_PROFILE)
    return RedactionProfilesView(
        version=version.version,
        effective_from=version.effective_from,
        profiles={name: list(fields) for name, fields in version.profiles.items()},
    )
