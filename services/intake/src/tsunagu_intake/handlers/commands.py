"""What callers ask of the use cases: validated models, also the HTTP request bodies.

Every text field has a documented size limit (:mod:`tsunagu_intake.domain.limits`); unknown fields
are refused. Validation errors name the field and the rule, never the value (ADR 0004).

Every rule the schema can express is in the schema, so that the OpenAPI document says what is
accepted: the kit's strict wire types (a date-time is an ISO 8601 string, an integer a JSON
integer), Tokyo municipality codes as the list of the reference data, the user number's format as
a pattern, and "exactly one of ``person`` and ``person_id``" as a ``oneOf``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError
from tsunagu_contracts.events.intake import DisclosurePurpose, DisclosureWithdrawalReason, LegalBasis
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import IsoDate, IsoDateTime, JsonBool, JsonInt

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
    RiskLevel,
    TaskDeclineReason,
    Topic,
    Triage,
    Urgency,
)
from ..domain.rules import LEGAL_BASIS_REQUIRED
from ..domain.sla import MAX_EXTENSION_BUSINESS_DAYS

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        to_lower=True,
    ),
]
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
DeadlineReason = Annotated[str, StringConstraints(min_length=1, max_length=limits.DEADLINE_REASON_MAX)]
WebText = Annotated[str, StringConstraints(min_length=1, max_length=limits.WEB_BODY_MAX)]
_SEPARATORS = " \u3000－-"
USER_NUMBER_PATTERN = f"^[{_SEPARATORS}]*(?:[0-9０-９][{_SEPARATORS}]*){{10}}$"
"""Ten digits, half- or full-width, with spaces and hyphens between them forgiven (as typed)."""
UserNumber = Annotated[str, StringConstraints(min_length=10, max_length=20, pattern=USER_NUMBER_PATTERN)]
NewPassword = Annotated[
    str, StringConstraints(min_length=limits.PASSWORD_MIN, max_length=limits.PASSWORD_MAX)
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=limits.PASSWORD_MAX)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _given(field: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of an object in which ``field`` is present and matches ``schema``."""
    return {"required": [field], "properties": {field: schema}}


def _absent_or_null(field: str) -> dict[str, Any]:
    return {"properties": {field: {"type": "null"}}}


_ONE_PERSON: dict[str, Any] = {
    "oneOf": [
        {"allOf": [_given("person_id", {"type": "string"}), _absent_or_null("person")]},
        {"allOf": [_given("person", {"type": "object"}), _absent_or_null("person_id")]},
    ]
}
"""Exactly one of ``person_id`` (a known person) and ``person`` (a new one), as the schema says it."""


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

    model_config = ConfigDict(json_schema_extra=_ONE_PERSON)

    channel: Channel
    consulter: Consulter
    received_at: IsoDateTime | None = None
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

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [_given(field, {"type": "string"}) for field in ("user_number", "nickname", "phone")]
        }
    )

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
    opened_from: IsoDate | None = Field(default=None, description="Opened on or after this day (Tokyo)")
    opened_to: IsoDate | None = Field(default=None, description="Opened on or before this day (Tokyo)")
    updated_from: IsoDate | None = Field(
        default=None, description="Last changed on or after this day (Tokyo)"
    )
    updated_to: IsoDate | None = Field(default=None, description="Changed on or before this day (Tokyo)")
    mine: JsonBool = Field(
        default=False, description="Only cases whose timeline holds an entry by the caller (my cases)"
    )
    limit: JsonInt = Field(default=50, ge=1, le=limits.SEARCH_RESULTS_MAX)

    def reversed_range(self) -> bool:
        """Whether a date range ends before it starts: a refusal (``date_range_reversed``), not a
        validation problem, since the schema cannot say how two fields go together."""
        return any(
            start is not None and end is not None and start > end
            for start, end in ((self.opened_from, self.opened_to), (self.updated_from, self.updated_to))
        )


class AddNote(Command):
    note: Note


class FlagSetting(Command):
    flag: CaseFlag
    expires_at: IsoDateTime | None = None


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


class DeclineTask(Command):
    """Decline what a task proposes, saying why as a code (the reasoning, if any, goes in a note)."""

    reason: TaskDeclineReason


class CloseCase(Command):
    reason: CloseReason
    note: Note | None = None


class Reply(Command):
    """A reply to a web (e-mail) consultation, read by the person after logging in; or, with
    ``sent_outside``, one the office already sent by its own mail and records here (the only way
    to answer someone without a web login, whose e-mail staff recorded)."""

    body: ReplyText
    sent_outside: bool = Field(
        default=False, description="Sent by the office's own mail (or told by phone) and recorded here"
    )


class PauseReplyDeadline(Command):
    """Stop the count of a reply deadline for a time (the programme waits for the person's answer,
    say): business days whose cut-off falls from ``starts_at`` (default: now) until ``ends_at`` do not
    count, and the deadline moves by as many. ``reason`` is kept sealed with the person's data; it is
    shown to staff reading the consultation and goes nowhere else."""

    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime
    reason: DeadlineReason


class ExtendReplyDeadline(Command):
    """Move a reply deadline ``business_days`` business days later; ``reason`` as for a pause."""

    business_days: JsonInt = Field(ge=1, le=MAX_EXTENSION_BUSINESS_DAYS)
    reason: DeadlineReason


class EraseRequest(Command):
    """Erase a person, and with them the records staff confirmed are theirs.

    ``linked_person_ids`` answers ``GET /persons/{id}/linked``: the other records sharing the person's
    nickname or phone, of which staff name those that are the same person (``[]``: none is). It must
    be given when there are any, so no record of the person is left behind unawares."""

    basis: ErasureBasis
    linked_person_ids: list[Uuid] | None = Field(default=None, max_length=200)


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


class ResetPassword(Command):
    """A new password, with the user number and the recovery code issued at registration."""

    user_number: UserNumber
    recovery_code: str = Field(min_length=1, max_length=64, description="As shown: ABCD-EFGH-JKMN-PQRS")
    new_password: NewPassword


class SignUp(Command):
    """A sign-up for a session open to the public (``GET /seminars`` lists them)."""

    session_id: Uuid


class WebConsultation(Command):
    """A web (e-mail) consultation, submitted at any hour by a registered person."""

    body: WebText
    consulter: Consulter = Consulter.PERSON
    topics: list[Topic] = Field(default_factory=list, max_length=limits.TOPICS_MAX)
    declared: Triage = Field(
        default=Triage.NONE, description="The form's choice: an emergency, or a request for diagnosis"
    )


class RequestHomeVisit(Command):
    """A municipality's request for home visits (訪問相談) for one person: give ``person_id`` for a
    person the municipality knows, or ``person`` for a new one."""

    model_config = ConfigDict(json_schema_extra=_ONE_PERSON)

    municipality_code: TokyoCode
    person_id: Uuid | None = None
    person: PersonDetails | None = None
    residence_code: AnyMunicipalityCode
    age_years: JsonInt = Field(ge=0, le=130)
    withdrawal_months: JsonInt | None = Field(default=None, ge=0, le=1200)
    visits_requested: JsonInt = Field(default=1, ge=1, le=12)
    consulter: Consulter = Consulter.OTHER
    topics: list[Topic] = Field(default_factory=list, max_length=limits.TOPICS_MAX)
    notes: Note | None = None

    @model_validator(mode="after")
    def _one_person(self) -> RequestHomeVisit:
        if (self.person_id is None) == (self.person is None):
            raise ValueError("give either person_id or person")
        return self


# -- disclosures -----------------------------------------------------------------------------------

ProfileName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class RecordDisclosure(Command):
    """What a referral's recipient may read of the person: on which legal basis, for what, which
    fields (a redaction profile), until when. The recipient is the referral's."""

    referral_id: Uuid
    legal_basis: LegalBasis = Field(
        description="Without one nothing is disclosed: a body lacking it is refused (legal_basis_required)"
    )
    purpose: DisclosurePurpose
    profile: ProfileName = Field(description="A redaction profile in force (GET /redaction-profiles)")
    expires_at: IsoDateTime = Field(description="Until when the recipient may read it (UTC)")

    @model_validator(mode="before")
    @classmethod
    def _legal_basis_given(cls, data: Any) -> Any:
        # The one refusal that names its rule among the schema's: a disclosure without a basis.
        if isinstance(data, dict) and data.get("legal_basis") is None:
            raise PydanticCustomError(LEGAL_BASIS_REQUIRED, "A disclosure needs a legal basis.")
        return data


class WithdrawDisclosure(Command):
    reason: DisclosureWithdrawalReason
