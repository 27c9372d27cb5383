"""Test support of the scheduling service: settings, tokens, the service under test, intake's events.

Used by the service's tests (and by anyone testing against scheduling in-process), as the kit's
:mod:`tsunagu_servicekit.testing` is. The settable clock and the service-under-test machinery
(``deliver``, ``counts`` over the ``scheduling_`` tables included) come from the kit. Needs the
test dependencies (``httpx``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tsunagu_calendar import TOKYO
from tsunagu_contracts import CloudEvent, EventData, new_event, new_event_id
from tsunagu_contracts.events.intake import (
    AgeBand,
    CaseClosed,
    CaseEscalated,
    CaseOpened,
    Channel,
    CloseReason,
    ErasureBasis,
    EscalationReason,
    EscalationTrigger,
    HomeVisitRequested,
    PersonErased,
    RiskLevel,
    Urgency,
)
from tsunagu_contracts.events.partners import (
    AgreementEnded,
    AgreementEndReason,
    AgreementExpired,
    AgreementResumed,
    AgreementSigned,
    AgreementSuspended,
    SessionParticipationRegistered,
    SessionParticipationWithdrawn,
    SupportKind,
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
from tsunagu_servicekit.testing import (
    ServiceRecipe,
    ServiceUnderTest,
    local_bearer,
    role_headers,
)

from .app import build_runtime
from .handlers.context import SchedulingContext
from .settings import SchedulingSettings
from .timers import REMINDERS

JWT_SECRET = "scheduling-test-secret-" + "s" * 40
SHINJUKU = "131041"
NERIMA = "131202"

# Monday 6 April 2026, 09:00 in Tokyo: FY2026 has just begun; the first case review is on 15 April.
# Where the tests' clock starts.
MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
# Tuesday 7 April 2026, 15:00 in Tokyo: after an escalation on the 6th, before the meeting on the 15th.
TUE_2026_04_07_15_JST = datetime(2026, 4, 7, 6, 0, tzinfo=UTC)


def tokyo(y: int, m: int, d: int, hh: int, mm: int = 0) -> str:
    """An ISO time in Tokyo (what staff type)."""
    return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+09:00"


def new_uuid() -> str:
    return new_event_id()


bearer = local_bearer(JWT_SECRET)
STAFF = role_headers(JWT_SECRET)
COUNSELLOR = STAFF["counsellor"]
SUPERVISOR = STAFF["supervisor"]
EXPERT = STAFF["expert"]
TRAINER = STAFF["trainer"]


class Service(ServiceUnderTest[SchedulingContext]):
    """The scheduling service built by its composition root, with an HTTP client on its app."""

    def scan_reminders(self) -> int:
        """One scan of the reminder timer, as the running service makes it: how many it fired."""
        return self.runtime.timer(REMINDERS).scan_once(self.context)

    # -- API shortcuts -----------------------------------------------------------------------

    async def post(
        self, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] = SUPERVISOR
    ) -> Any:
        response = await self.client.post(path, json=body or {}, headers=headers)
        assert response.status_code in (200, 201), (response.status_code, response.text)
        return response.json()

    async def get(self, path: str, headers: dict[str, str] = SUPERVISOR, **params: Any) -> Any:
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    async def resource(self, kind: str, label: str, **extra: Any) -> str:
        body = await self.post("/resources", {"kind": kind, "label": label, **extra})
        return str(body["id"])

    def known_person(self, person_id: str | None = None, case_id: str | None = None) -> str:
        """A person intake opened a case for (``CaseOpened`` delivered), whom bookings may be for;
        their id."""
        person = person_id or new_uuid()
        assert self.deliver(case_opened(person_id=person, case_id=case_id))
        return person

    async def qualified_staff(
        self, label: str, *, kind: str = "counsellor", completed_on: date = date(2026, 4, 1)
    ) -> str:
        """A member of staff (subject ``staff-<label>``) who completed home-visit support on
        ``completed_on``, valid for three years, as training announces it; the resource's id."""
        subject = f"staff-{label}"
        resource = await self.resource(kind, label, subject=subject)
        assert self.deliver(training_completed(subject, completed_on=completed_on))
        return resource


RECIPE = ServiceRecipe(
    Service,
    SchedulingSettings,
    build_runtime,
    # The reminder scan is slow enough never to run by itself: tests run it.
    defaults={"jwt_secret": JWT_SECRET, "reminder_scan_interval": 3600.0},
)
make_settings, service_without_broker, running_service = RECIPE.parts


# -- intake's events, as intake would publish them ---------------------------------------------


def case_opened(
    *,
    person_id: str | None = None,
    case_id: str | None = None,
    opened_at: datetime = MON_2026_04_06_09_JST,
) -> CloudEvent[Any]:
    return new_event(
        CaseOpened(
            case_id=case_id or new_uuid(),
            person_id=person_id or new_uuid(),
            opened_at=opened_at,
            channel=Channel.PHONE,
            municipality_code=SHINJUKU,
        )
    )


def case_escalated(
    *,
    escalated_at: datetime,
    urgency: str = "routine",
    case_id: str | None = None,
    person_id: str | None = None,
    escalation_id: str | None = None,
) -> CloudEvent[Any]:
    return new_event(
        CaseEscalated(
            escalation_id=escalation_id or new_uuid(),
            case_id=case_id or new_uuid(),
            person_id=person_id or new_uuid(),
            escalated_at=escalated_at,
            trigger=EscalationTrigger.MANUAL,
            urgency=Urgency(urgency),
            reason_codes=[EscalationReason.LONG_TERM_WITHDRAWAL],
            risk_level=RiskLevel.MEDIUM,
            municipality_code=SHINJUKU,
        )
    )


def home_visit_requested(
    *,
    person_id: str | None = None,
    visits: int = 2,
    fiscal_year: int = 2026,
    age_band: str = "20_29",
    requested_at: datetime = MON_2026_04_06_09_JST,
    request_id: str | None = None,
    case_id: str | None = None,
) -> CloudEvent[Any]:
    return new_event(
        HomeVisitRequested(
            request_id=request_id or new_uuid(),
            person_id=person_id or new_uuid(),
            case_id=case_id or new_uuid(),
            municipality_code=SHINJUKU,
            requested_at=requested_at,
            fiscal_year=fiscal_year,
            visits_requested=visits,
            age_band=AgeBand(age_band),
            rules_version="2025-04",
        )
    )


def case_closed(
    case_id: str, *, closed_at: datetime, person_id: str | None = None, reason: str = "resolved"
) -> CloudEvent[Any]:
    return new_event(
        CaseClosed(
            case_id=case_id,
            person_id=person_id or new_uuid(),
            closed_at=closed_at,
            reason=CloseReason(reason),
        )
    )


def person_erased(
    person_id: str, *, erased_at: datetime, case_ids: list[str] | None = None
) -> CloudEvent[Any]:
    return new_event(
        PersonErased(
            person_id=person_id,
            erased_at=erased_at,
            basis=ErasureBasis.PERSON_REQUEST,
            case_ids=case_ids or [],
        )
    )


# -- the partners service's events, as partners would publish them -------------------------------


def agreement_signed(
    partner_id: str, *, signed_at: datetime, effective_on: date | None = None, agreement_id: str | None = None
) -> CloudEvent[Any]:
    """A partner's agreement signed at ``signed_at``, in force from ``effective_on`` (that day by
    default) for a year."""
    start = effective_on or signed_at.astimezone(TOKYO).date()
    return new_event(
        AgreementSigned(
            agreement_id=agreement_id or new_uuid(),
            partner_id=partner_id,
            agreement_number="PA-2026-0001",
            template_version="2026.1",
            effective_on=start,
            ends_on=start.replace(year=start.year + 1) - timedelta(days=1),
            support_kinds=[SupportKind.CONSULTATION],
            signed_at=signed_at,
        )
    )


def agreement_stopped(
    partner_id: str, how: str, *, at: datetime, ends_on: date | None = None
) -> CloudEvent[Any]:
    """``how``: ``suspended``, ``resumed``, ``ended`` or ``expired`` at ``at``."""
    agreement_id = new_uuid()
    data: EventData
    if how == "suspended":
        data = AgreementSuspended(agreement_id=agreement_id, partner_id=partner_id, suspended_at=at)
    elif how == "resumed":
        data = AgreementResumed(agreement_id=agreement_id, partner_id=partner_id, resumed_at=at)
    elif how == "ended":
        data = AgreementEnded(
            agreement_id=agreement_id,
            partner_id=partner_id,
            reason=AgreementEndReason.PARTNER_REQUEST,
            ended_on=at.astimezone(TOKYO).date(),
            ended_at=at,
        )
    elif how == "expired":
        data = AgreementExpired(
            agreement_id=agreement_id,
            partner_id=partner_id,
            ends_on=ends_on or at.astimezone(TOKYO).date() - timedelta(days=1),
            expired_at=at,
        )
    else:
        raise ValueError(how)
    return new_event(data)


def participation_registered(
    partner_id: str, session_id: str, *, starts_at: datetime, registered_at: datetime, participation_id: str
) -> CloudEvent[Any]:
    return new_event(
        SessionParticipationRegistered(
            participation_id=participation_id,
            session_id=session_id,
            partner_id=partner_id,
            starts_at=starts_at,
            registered_at=registered_at,
        )
    )


def participation_withdrawn(
    partner_id: str,
    session_id: str,
    *,
    starts_at: datetime,
    registered_at: datetime,
    withdrawn_at: datetime,
    participation_id: str,
) -> CloudEvent[Any]:
    return new_event(
        SessionParticipationWithdrawn(
            participation_id=participation_id,
            session_id=session_id,
            partner_id=partner_id,
            starts_at=starts_at,
            registered_at=registered_at,
            withdrawn_at=withdrawn_at,
        )
    )


# -- the training service's events, as training would publish them ---------------------------------


def training_completed(
    subject: str | None,
    *,
    completed_on: date,
    valid_until: date | None = None,
    permissions: tuple[Permission, ...] = (Permission.HOME_VISIT,),
    completion_id: str | None = None,
    learner_id: str | None = None,
    valid_years: int | None = 3,
) -> CloudEvent[Any]:
    """A supporter completed home-visit support (course 2) on ``completed_on``: valid until the
    day before its anniversary ``valid_years`` later unless ``valid_until`` is given (no end when
    both are None)."""
    if valid_until is None and valid_years is not None:
        valid_until = completed_on.replace(year=completed_on.year + valid_years) - timedelta(days=1)
    return new_event(
        TrainingCompleted(
            learner_id=learner_id or new_uuid(),
            staff_subject=subject,
            completion_id=completion_id or new_uuid(),
            audience=Audience.SUPPORTERS,
            course_code="sup-02",
            fiscal_year=completed_on.year if completed_on.month >= 4 else completed_on.year - 1,
            completed_on=completed_on,
            valid_until=valid_until,
            permissions=list(permissions),
            completed_at=datetime(
                completed_on.year, completed_on.month, completed_on.day, 16, tzinfo=TOKYO
            ).astimezone(UTC),
        )
    )


def certificate_expiring(completed: CloudEvent[Any], *, expires_on: date) -> CloudEvent[Any]:
    """Training's notice ahead of the expiry of ``completed``'s certificate."""
    data: TrainingCompleted = completed.data
    return new_event(
        CertificateExpiring(
            learner_id=data.learner_id,
            staff_subject=data.staff_subject,
            certificate_id=new_uuid(),
            completion_id=data.completion_id,
            expires_on=expires_on,
            permissions=data.permissions,
            raised_at=datetime(expires_on.year, expires_on.month, 1, tzinfo=TOKYO).astimezone(UTC),
        )
    )


def certificate_expired(completed: CloudEvent[Any], *, expired_on: date) -> CloudEvent[Any]:
    """The certificate of ``completed`` expired: ``expired_on`` is the first day without it."""
    data: TrainingCompleted = completed.data
    return new_event(
        CertificateExpired(
            learner_id=data.learner_id,
            staff_subject=data.staff_subject,
            certificate_id=new_uuid(),
            completion_id=data.completion_id,
            expired_on=expired_on,
            permissions=data.permissions,
            raised_at=datetime(expired_on.year, expired_on.month, expired_on.day, tzinfo=TOKYO).astimezone(
                UTC
            ),
        )
    )


def certificate_revoked(completed: CloudEvent[Any], *, revoked_at: datetime) -> CloudEvent[Any]:
    """The certificate of ``completed`` was revoked at ``revoked_at``."""
    data: TrainingCompleted = completed.data
    return new_event(
        CertificateRevoked(
            learner_id=data.learner_id,
            staff_subject=data.staff_subject,
            certificate_id=new_uuid(),
            completion_id=data.completion_id,
            reason=RevocationReason.ISSUED_IN_ERROR,
            permissions=data.permissions,
            revoked_at=revoked_at,
        )
    )
