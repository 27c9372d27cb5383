"""Test support of the partners service: its settings for tests, the service under test, tokens.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from tsunagu_calendar import TOKYO
from tsunagu_contracts import CloudEvent, EventData, new_event, new_event_id
from tsunagu_contracts.events.subsidy import (
    PaymentKind,
    ReviewStage,
    SubsidyAmountConfirmed,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyChanged,
    SubsidyChangeRequested,
    SubsidyPaid,
    SubsidyReportSubmitted,
    SubsidyReviewed,
)
from tsunagu_contracts.events.training import (
    Audience,
    CertificateExpired,
    CertificateExpiring,
    CertificateRevoked,
    Permission,
    RevocationReason,
    TrainingCompleted,
)
from tsunagu_servicekit.testing import ServiceRecipe, ServiceUnderTest, local_bearer, role_headers

from .app import build_runtime
from .handlers.context import PartnersContext
from .settings import PartnersSettings
from .timers import AGREEMENTS

JWT_SECRET = "partners-test-secret-" + "s" * 40
STAFF = role_headers(JWT_SECRET)
"""The ``Authorization`` header of a local token per role: ``STAFF["supervisor"]``."""
SUPERVISOR = STAFF["supervisor"]
COUNSELLOR = STAFF["counsellor"]


class PartnersService(ServiceUnderTest[PartnersContext]):
    """The partners service built by its composition root, with an HTTP client on its app."""


RECIPE = ServiceRecipe(PartnersService, PartnersSettings, build_runtime, defaults={"jwt_secret": JWT_SECRET})
make_settings, service_without_broker, running_service = RECIPE.parts


# -- agreements (協定) and what partners offer --------------------------------------------------

bearer = local_bearer(JWT_SECRET)
"""``bearer("partner_staff", partner=...)``: the ``Authorization`` header of a local token."""


def scan_agreements(service: PartnersService) -> int:
    """One scan of the agreement timer, as the running service makes it: how many changes it made."""
    return service.runtime.timer(AGREEMENTS).scan_once(service.context)


SELF_ASSESSMENT: list[dict[str, object]] = [
    {"kind": "consultation", "provides": True, "level": "meets"},
    {"kind": "place_to_belong", "provides": True, "level": "partly"},
    {"kind": "social_participation", "provides": False},
]
"""A self-assessment against the Support Guidelines that passes review."""


STAFF_SUBJECT = "partner-staff-1"
"""The subject of :func:`partner_staff_of`'s token unless another is given; :func:`active_partner`
trains a member of staff of that subject."""


def activation_steps(
    name: str, municipality_code: str, effective_on: str
) -> list[tuple[str, str, dict[str, object], int]]:
    """The office's steps that make an organisation a partner, as ``(method, path, body, status)``:
    register, apply, sign an agreement in force from ``effective_on``. ``{partner}`` in a path
    stands for the id the first step answers. A sync or an async client, in-process or over the
    network, runs the same steps.

    Signing needs the organisation's staff trained in the Support Guidelines, which only the
    training service's events tell partners: between applying and signing, deliver
    :func:`guideline_completed` for the new partner (``service.deliver``, in-process), or publish
    it to the training stream and sign once partners has taken it in (over a broker: signing is
    refused with ``training_not_recorded`` until then)."""
    return [
        ("POST", "/partners", {"name": name, "municipality_code": municipality_code}, 201),
        ("POST", "/partners/{partner}/application", {"self_assessment": SELF_ASSESSMENT}, 201),
        ("POST", "/partners/{partner}/agreements", {"effective_on": effective_on}, 201),
    ]


async def active_partner(
    service: PartnersService,
    *,
    name: str,
    municipality_code: str,
    effective_on: str,
    offering: dict[str, object] | None = None,
    trained: tuple[str, ...] = (STAFF_SUBJECT,),
) -> str:
    """An organisation taken through :func:`activation_steps` to an agreement in force from
    ``effective_on`` (on or before the service's today), its staff of the subjects ``trained``
    having completed the guideline training that day (delivered through the consumer, as training
    would announce it), with ``offering`` published when given; its id."""
    client = service.client
    partner = ""
    register, apply, sign = activation_steps(name, municipality_code, effective_on)
    for method, path, body, status in (register, apply):
        response = await client.request(method, path.format(partner=partner), json=body, headers=SUPERVISOR)
        assert response.status_code == status, response.text
        partner = partner or str(response.json()["id"])
    for subject in trained:
        completed = guideline_completed(partner, subject, completed_on=date.fromisoformat(effective_on))
        assert service.deliver(completed)
    method, path, body, status = sign
    response = await client.request(method, path.format(partner=partner), json=body, headers=SUPERVISOR)
    assert response.status_code == status, response.text
    if offering is not None:
        response = await client.put(f"/partners/{partner}/offering", json=offering, headers=SUPERVISOR)
        assert response.status_code == 200, response.text
    return partner


def partner_staff_of(partner_id: str, subject: str = STAFF_SUBJECT) -> dict[str, str]:
    """The ``Authorization`` header of a member of staff of the partner ``partner_id``."""
    return bearer("partner_staff", subject=subject, partner=partner_id)


def municipality_staff_of(code: str, subject: str = "municipality-staff-1") -> dict[str, str]:
    """The ``Authorization`` header of a municipality's staff member."""
    return bearer("municipality_staff", subject=subject, municipality=code)


# -- the subsidy service's events, as partners receives them ---------------------------------------

D = TypeVar("D", bound=EventData)


@dataclass(frozen=True)
class SubsidyCase:
    """One municipality's application for the start-up subsidy, for tests: its events carry the
    application's id, the municipality's code and the fiscal year."""

    municipality_code: str
    fiscal_year: int
    application_id: str = field(default_factory=new_event_id)

    def event(self, data_class: type[D], **fields: Any) -> CloudEvent[D]:
        """An event of this application (a new message id each time)."""
        ids = {
            "application_id": self.application_id,
            "municipality_code": self.municipality_code,
            "fiscal_year": self.fiscal_year,
        }
        return new_event(data_class(**ids, **fields), subject=self.application_id)


COURSE: list[tuple[str, int | None, int | None, int]] = [
    ("applied", None, None, 0),
    ("reviewed", None, None, 0),
    ("decided", 4_000_000, None, 0),
    ("decided", 4_000_000, None, 1_000_000),
    ("change_requested", 4_000_000, None, 1_000_000),
    ("change_requested", 4_000_000, None, 1_000_000),
    ("decided", 3_000_000, None, 1_000_000),
    ("reported", 3_000_000, None, 1_000_000),
    ("confirmed", 3_000_000, 2_900_000, 1_000_000),
    ("closed", 3_000_000, 2_900_000, 2_900_000),
]
"""After each event of :func:`subsidy_course`: status, decided amount, confirmed amount, paid total."""


def subsidy_course(case: SubsidyCase, start: datetime) -> list[CloudEvent[Any]]:
    """A grant's whole course, one event a day from ``start``: application, review, decision
    (¥4,000,000), an advance (¥1,000,000), a change request, its review, the change decision
    (¥3,000,000), the results report, the confirmation (¥2,900,000) and the balance paid."""

    def day(n: int) -> datetime:
        return start + timedelta(days=n)

    def on(n: int) -> date:
        return (start + timedelta(days=n)).date()

    return [
        case.event(SubsidyApplied, planned_total=8_000_000, requested_amount=4_000_000, applied_at=day(0)),
        case.event(SubsidyReviewed, stage=ReviewStage.APPLICATION, eligible=True, reviewed_at=day(1)),
        case.event(SubsidyApproved, decided_amount=4_000_000, decided_on=on(2), decided_at=day(2)),
        case.event(
            SubsidyPaid,
            payment_id=new_event_id(),
            kind=PaymentKind.ADVANCE,
            amount=1_000_000,
            paid_total=1_000_000,
            paid_on=on(3),
            paid_at=day(3),
        ),
        case.event(SubsidyChangeRequested, planned_total=6_000_000, requested_at=day(4)),
        case.event(SubsidyReviewed, stage=ReviewStage.CHANGE, eligible=True, reviewed_at=day(5)),
        case.event(SubsidyChanged, decided_amount=3_000_000, previous_amount=4_000_000, changed_at=day(6)),
        case.event(SubsidyReportSubmitted, actual_total=5_800_000, submitted_at=day(7)),
        case.event(
            SubsidyAmountConfirmed, confirmed_amount=2_900_000, decided_amount=3_000_000, confirmed_at=day(8)
        ),
        case.event(
            SubsidyPaid,
            payment_id=new_event_id(),
            kind=PaymentKind.BALANCE,
            amount=1_900_000,
            paid_total=2_900_000,
            paid_on=on(9),
            paid_at=day(9),
        ),
    ]


# -- the training service's events, as partners receives them ---------------------------------------


def guideline_completed(
    partner_id: str | None,
    staff_subject: str | None = STAFF_SUBJECT,
    *,
    completed_on: date,
    valid_until: date | None = None,
    valid_years: int | None = 3,
    completion_id: str | None = None,
    learner_id: str | None = None,
    permissions: tuple[Permission, ...] = (Permission.PARTNER_GUIDELINE,),
) -> CloudEvent[TrainingCompleted]:
    """A member of a partner's staff completed the Support Guidelines training on ``completed_on``,
    valid until the day before its anniversary ``valid_years`` later unless ``valid_until`` is
    given (no end when both are None), as training announces it."""
    if valid_until is None and valid_years is not None:
        valid_until = completed_on.replace(year=completed_on.year + valid_years) - timedelta(days=1)
    return new_event(
        TrainingCompleted(
            learner_id=learner_id or new_event_id(),
            staff_subject=staff_subject,
            partner_id=partner_id,
            completion_id=completion_id or new_event_id(),
            audience=Audience.IMPLEMENTING_ORGANISATIONS,
            course_code="org-01",
            fiscal_year=completed_on.year if completed_on.month >= 4 else completed_on.year - 1,
            completed_on=completed_on,
            valid_until=valid_until,
            permissions=list(permissions),
            completed_at=datetime(
                completed_on.year, completed_on.month, completed_on.day, 15, tzinfo=TOKYO
            ).astimezone(UTC),
        )
    )


def _of(completed: CloudEvent[TrainingCompleted]) -> dict[str, Any]:
    data = completed.data
    return {
        "learner_id": data.learner_id,
        "staff_subject": data.staff_subject,
        "partner_id": data.partner_id,
        "certificate_id": new_event_id(),
        "completion_id": data.completion_id,
        "permissions": data.permissions,
    }


def certificate_expiring(completed: CloudEvent[TrainingCompleted], *, expires_on: date) -> CloudEvent[Any]:
    """Training's notice ahead of the expiry of ``completed``'s certificate."""
    raised = datetime(expires_on.year, expires_on.month, 1, tzinfo=TOKYO).astimezone(UTC)
    return new_event(CertificateExpiring(**_of(completed), expires_on=expires_on, raised_at=raised))


def certificate_expired(completed: CloudEvent[TrainingCompleted], *, expired_on: date) -> CloudEvent[Any]:
    """The certificate of ``completed`` expired: ``expired_on`` is the first day without it."""
    raised = datetime(expired_on.year, expired_on.month, expired_on.day, tzinfo=TOKYO).astimezone(UTC)
    return new_event(CertificateExpired(**_of(completed), expired_on=expired_on, raised_at=raised))


def certificate_revoked(completed: CloudEvent[TrainingCompleted], *, revoked_at: datetime) -> CloudEvent[Any]:
    """The certificate of ``completed`` was revoked at ``revoked_at``."""
    return new_event(
        CertificateRevoked(**_of(completed), reason=RevocationReason.ISSUED_IN_ERROR, revoked_at=revoked_at)
    )
