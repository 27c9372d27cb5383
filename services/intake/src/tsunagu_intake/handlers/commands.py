"""What callers ask of the use cases: validated models, also the HTTP request bodies.

Every text field has a documented size limit (:mod:`tsunagu_intake.domain.limits`); unknown fields
are refused. Validation errors name the field and the rule, never the value (ADR 0004).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..domain import limits
from ..domain.codes import (
    AgeBand,
    CaseFlag,
    CaseStatus,
    Channel,
    CloseReason,
    Consulter,
    ErasureBasis,
    EscalationReason,
    HomeVisitStatus,
    RiskLevel,
    Topic,
    Triage,
    Urgency,
)

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        to_lower=True,
    ),
]
TokyoCode = Annotated[str, StringConstraints(pattern=r"^13[0-9]{4}$")]
"""A Tokyo municipality's local government code; also one of the 62 (rule ``unknown_municipality``)."""
AnyMunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
"""Any Japanese local government code (a residence may lie outside Tokyo)."""


Nickname = Annotated[str, StringConstraints(min_length=1, max_length=limits.NICKNAME_MAX)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=limits.NAME_MAX)]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=limits.PHONE_MAX)]
Email = Annotated[str, StringConstraints(min_length=1, max_length=limits.EMAIL_MAX)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=limits.ADDRESS_MAX)]
Note = Annotated[str, StringConstraints(min_length=1, max_length=limits.NOTE_MAX)]
BriefText = Annotated[str, StringConstraints(min_length=1, max_length=limits.BRIEF_FIELD_MAX)]
ReplyText = Annotated[str, StringConstraints(min_length=1, max_length=limits.REPLY_MAX)]
WebText = Annotated[str, StringConstraints(min_length=1, max_length=limits.WEB_BODY_MAX)]
UserNumber = Annotated[str, StringConstraints(min_length=1, max_length=20)]
NewPassword = Annotated[
    str, StringConstraints(min_length=limits.PASSWORD_MIN, max_length=limits.PASSWORD_MAX)
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=limits.PASSWORD_MAX)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonDetails(Command):
    """Personal details of a person (all optional: identity is pseudonymous by design)."""

    nickname: Nickname | None = None
    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    residence_code: AnyMunicipalityCode | None = None
    age_band: AgeBand = AgeBand.UNKNOWN


class RecordConsultation(Command):
    """A consultation recorded by staff, from any channel.

    Give ``person_id`` for a known (returning) person, or ``person`` for a new one. The consultation
    joins ``case_id`` when given (an open case of that person), else the person's open case, else a
    new case is opened.
    """

    channel: Channel
    consulter: Consulter
    received_at: AwareDatetime | None = None
    person_id: Uuid | None = None
    person: PersonDetails | None = None
    case_id: Uuid | None = None
    municipality_code: TokyoCode | None = None
    topics: list[Topic] = Field(default_factory=list, max_length=limits.TOPICS_MAX)
    notes: Note | None = None
    consulter_name: Name | None = None
    consulter_contact: Phone | None = None

    @model_validator(mode="after")
    def _one_person(self) -> RecordConsultation:
        if (self.person_id is None) == (self.person is None):
            raise ValueError("give either person_id or person")
        return self


class PersonLookup(Command):
    """Recognise a returning person by user number, nickname or phone number (any one or more)."""

    user_number: UserNumber | None = None
    nickname: Nickname | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _something(self) -> PersonLookup:
        if not (self.user_number or self.nickname or self.phone):
            raise ValueError("give a user number, nickname or phone number")
        return self


class CaseSearch(Command):
    """Search cases; every criterion given must match."""

    user_number: UserNumber | None = None
    nickname: Nickname | None = None
    municipality_code: TokyoCode | None = None
    status: CaseStatus | None = None
    risk_level: RiskLevel | None = None
    limit: int = Field(default=50, ge=1, le=limits.SEARCH_RESULTS_MAX)


class AddNote(Command):
    note: Note


class FlagSetting(Command):
    flag: CaseFlag
    expires_at: AwareDatetime | None = None


class AssessRisk(Command):
    """Set the risk level, set flags (each with an optional expiry) and clear flags."""

    risk_level: RiskLevel
    set_flags: list[FlagSetting] = Field(default_factory=list, max_length=limits.FLAGS_MAX)
    clear_flags: list[CaseFlag] = Field(default_factory=list, max_length=limits.FLAGS_MAX)


class Brief(Command):
    """The de-identified brief for the expert team: no names, contact details or addresses."""

    summary: BriefText
    background: BriefText | None = None
    question: BriefText | None = None


class Escalate(Command):
    reason_codes: list[EscalationReason] = Field(min_length=1, max_length=len(EscalationReason))
    urgency: Urgency
    brief: Brief


class CloseCase(Command):
    reason: CloseReason
    note: Note | None = None


class Reply(Command):
    body: ReplyText


class EraseRequest(Command):
    basis: ErasureBasis


class Register(Command):
    """Registration for web consultation; the answer is the user number (利用者番号)."""

    password: NewPassword
    nickname: Nickname | None = None
    email: Email | None = None
    residence_code: AnyMunicipalityCode | None = None
    age_band: AgeBand = AgeBand.UNKNOWN


class Login(Command):
    user_number: UserNumber
    password: Password


class WebConsultation(Command):
    """A web (e-mail) consultation, submitted at any hour by a registered person."""

    body: WebText
    consulter: Consulter = Consulter.PERSON
    topics: list[Topic] = Field(default_factory=list, max_length=limits.TOPICS_MAX)
    declared: Triage = Field(
        default=Triage.NONE, description="The form's choice: an emergency, or a request for diagnosis"
    )


class RequestHomeVisit(Command):
    """A municipality's request for home visits (訪問相談) for one person."""

    municipality_code: TokyoCode
    person_id: Uuid | None = None
    person: PersonDetails | None = None
    residence_code: AnyMunicipalityCode
    age_years: int = Field(ge=0, le=130)
    withdrawal_months: int | None = Field(default=None, ge=0, le=1200)
    visits_requested: int = Field(default=1, ge=1, le=12)
    consulter: Consulter = Consulter.OTHER
    topics: list[Topic] = Field(default_factory=list, max_length=limits.TOPICS_MAX)
    notes: Note | None = None

    @model_validator(mode="after")
    def _one_person(self) -> RequestHomeVisit:
        if (self.person_id is None) == (self.person is None):
            raise ValueError("give either person_id or person")
        return self


class UpdateHomeVisitStatus(Command):
    status: HomeVisitStatus
