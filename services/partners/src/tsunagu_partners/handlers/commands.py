"""Request bodies of the partners service's commands.

Unknown fields are refused; validation errors name the field and the rule, never the value.
Municipality codes are the 62 of the reference data (``TokyoCode``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.events.partners import (
    AgreementEndReason,
    ReferralDeclineReason,
    ReferralOutcome,
    ResourceKind,
    SupportKind,
    SupportTarget,
)
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import EmailAddress, IsoDate, JsonBool, JsonInt

from ..domain.agreements import AssessmentLevel
from ..domain.directory import PrintItem
from ..domain.network import MeetingTopic, ParticipantKind, SupportBase
from ..domain.offerings import AccessibilityCode
from ..domain.resources import OutreachChannel, OutreachOutcome

Uuid = Annotated[str, Field(pattern=ID_PATTERN)]
OrganisationName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RegisterPartner(BaseModel):
    """Register an organisation as a candidate partner (recruited, or found some other way)."""

    model_config = ConfigDict(extra="forbid")

    name: OrganisationName = Field(description="The organisation's name, as it is registered")
    municipality_code: TokyoCode | None = Field(
        default=None, description="Where the organisation has its seat"
    )


class RecordDistribution(BaseModel):
    """Copies of an edition's leaflet or memo handed out. The recipient is an organisation or a
    place (a ward office, a station rack), not a person."""

    model_config = ConfigDict(extra="forbid")

    item: PrintItem
    municipality_code: TokyoCode | None = Field(
        default=None, description="The leaflet's municipality; none for the all-Tokyo leaflet and the memo"
    )
    recipient: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    copies: JsonInt = Field(ge=1, le=1_000_000)
    distributed_on: IsoDate


# -- local resources, recruitment and the network with the municipalities ----------------------
# Free text must hold a visible character: the schema says so (pattern), so what the document
# allows is what is accepted.


def _text(max_length: int) -> Any:
    return StringConstraints(min_length=1, max_length=max_length, pattern=r"\S")


ResourceName = Annotated[str, _text(200)]
PersonName = Annotated[str, _text(100)]
ShortText = Annotated[str, _text(200)]
InternalNote = Annotated[str, _text(500)]
PublicPhone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9-]{4,19}$")]
PublicEmail = EmailAddress
PublicUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s/]+[^\s]*$")]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Channel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Interval = tuple[TimeOfDay, TimeOfDay]
DayHours = Annotated[list[Interval], Field(default_factory=list, max_length=6)]


class WeeklyHours(BaseModel):
    """Opening intervals per weekday (``["10:00", "17:00"]``, Tokyo wall clock, half-open; ``24:00``
    closes at midnight). A weekday left out is closed."""

    model_config = ConfigDict(extra="forbid")

    mon: DayHours
    tue: DayHours
    wed: DayHours
    thu: DayHours
    fri: DayHours
    sat: DayHours
    sun: DayHours


class HoursRecord(BaseModel):
    """One effective-dated weekly record of a channel, in the calendar library's data form: when the
    hours change, end the record and add a new one, so that the past keeps its true answer."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = Field(description="What the hours are for, e.g. visit or phone")
    effective_from: IsoDate
    effective_to: IsoDate | None = Field(
        default=None, description="Last day (inclusive); none: until changed"
    )
    weekly: WeeklyHours
    observe_closures: JsonBool = Field(
        default=True, description="Closed on national holidays and 29 December to 3 January"
    )

    def as_data(self) -> dict[str, Any]:
        """The record as the calendar library loads it."""
        return {
            "channel": self.channel,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": None if self.effective_to is None else self.effective_to.isoformat(),
            "weekly": {day: [list(pair) for pair in pairs] for day, pairs in self.weekly if pairs},
            "observe_closures": self.observe_closures,
        }


class ContactWindow(BaseModel):
    """The organisation's public contact window (never a person's own details)."""

    model_config = ConfigDict(extra="forbid")

    phone: PublicPhone | None = None
    email: PublicEmail | None = None
    url: PublicUrl | None = None
    address: ShortText | None = None


class ListResource(BaseModel):
    """A local resource as it is listed (or listed anew: an update replaces the entry)."""

    model_config = ConfigDict(extra="forbid")

    kind: ResourceKind
    name: ResourceName = Field(description="The organisation's or window's public name")
    municipality_code: TokyoCode
    support_kinds: list[SupportKind] = Field(default_factory=list, max_length=len(SupportKind))
    targets: list[SupportTarget] = Field(min_length=1, max_length=len(SupportTarget))
    contact: ContactWindow = Field(default_factory=ContactWindow)
    opening_hours: list[HoursRecord] = Field(default_factory=list, max_length=20)
    publication_consented: JsonBool = Field(default=False, description="Consent to publication")
    publication_consented_on: IsoDate | None = Field(default=None, description="When it was given")
    partner_id: Uuid | None = Field(default=None, description="The partner organisation it is, if any")


class RecordOutreach(BaseModel):
    """One contact with a resource the programme office hopes to recruit."""

    model_config = ConfigDict(extra="forbid")

    contacted_on: IsoDate
    channel: OutreachChannel
    outcome: OutreachOutcome
    note: InternalNote | None = Field(default=None, description="Internal; never leaves the service")


class NetworkContact(BaseModel):
    """A named contact of the municipality (a member of staff: personal data, kept internal)."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    section: ShortText | None = Field(default=None, description="The section or post")
    phone: PublicPhone | None = None
    email: PublicEmail | None = None


class SetNetworkStatus(BaseModel):
    """A municipality's place in the network, as it stands now."""

    model_config = ConfigDict(extra="forbid")

    council_established: JsonBool = Field(description="Whether its support council (協議会) is set up")
    support_base: SupportBase
    contacts: list[NetworkContact] = Field(default_factory=list, max_length=20)


class Participant(BaseModel):
    """Someone at a meeting: a person by name, or an organisation (internal)."""

    model_config = ConfigDict(extra="forbid")

    kind: ParticipantKind
    name: PersonName


class Topic(BaseModel):
    """What a meeting dealt with: a code and a short text (internal)."""

    model_config = ConfigDict(extra="forbid")

    code: MeetingTopic
    text: ShortText | None = None


class FollowUp(BaseModel):
    """Something agreed at a meeting, with its owner and due date (and done date, once done)."""

    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, _text(300)]
    owner: PersonName
    due_on: IsoDate
    done_on: IsoDate | None = None


class RecordMeeting(BaseModel):
    """An information-exchange meeting between the Support Net and the municipality."""

    model_config = ConfigDict(extra="forbid")

    held_on: IsoDate
    participants: list[Participant] = Field(min_length=1, max_length=50)
    topics: list[Topic] = Field(min_length=1, max_length=20)
    follow_ups: list[FollowUp] = Field(default_factory=list, max_length=30)


class CompleteFollowUp(BaseModel):
    """A follow-up was done."""

    model_config = ConfigDict(extra="forbid")

    done_on: IsoDate


# -- agreements (協定) and what partners offer --------------------------------------------------

TemplateVersion = Annotated[str, Field(pattern=r"^[0-9A-Za-z.\-]{1,32}$")]
OfferedAgeBand = Literal["under_15", "15_19", "20_29", "30_39", "40_49", "50_59", "60_69", "70_plus"]
"""The age bands of intake's consultations (``AgeBand``), less ``unknown``."""


class KindAssessmentBody(BaseModel):
    """One kind of support in the self-assessment."""

    model_config = ConfigDict(extra="forbid")

    kind: SupportKind
    provides: JsonBool = Field(description="Whether the organisation provides this kind of support")
    level: AssessmentLevel | None = Field(
        default=None, description="How far it meets the guidelines in it; given if and only if it is provided"
    )


class ApplyForAgreement(BaseModel):
    """An application to become a partner, with the self-assessment against the Support
    Guidelines: each of the three kinds of support once, at least one provided."""

    model_config = ConfigDict(extra="forbid")

    self_assessment: list[KindAssessmentBody] = Field(min_length=1, max_length=3)


class SignAgreement(BaseModel):
    """Sign an agreement on the application under review. The term is ``term_months`` from the
    effective date, or up to ``ends_on``, or the template's default term when neither is given."""

    model_config = ConfigDict(extra="forbid")

    effective_on: IsoDate
    term_months: JsonInt | None = Field(default=None, ge=1, le=120)
    ends_on: IsoDate | None = Field(default=None, description="Last day of the term (inclusive)")
    template_version: TemplateVersion | None = Field(
        default=None, description="The template signed on; default: the one in force on the effective date"
    )


class RenewAgreement(BaseModel):
    """Renew the agreement in force: the new one starts the day after it ends."""

    model_config = ConfigDict(extra="forbid")

    term_months: JsonInt | None = Field(default=None, ge=1, le=120)
    ends_on: IsoDate | None = Field(default=None, description="Last day of the new term (inclusive)")
    template_version: TemplateVersion | None = None


class EndAgreement(BaseModel):
    """End the partner's agreement before its term runs out, today (Tokyo)."""

    model_config = ConfigDict(extra="forbid")

    reason: AgreementEndReason


LanguageTag = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$", description="BCP 47 tag")]


class PublishOffering(BaseModel):
    """What the partner offers, replacing what it published before. ``capacity`` is given for a
    place to belong, and only then; ``places_available`` may be given with it."""

    model_config = ConfigDict(extra="forbid")

    support_kinds: list[SupportKind] = Field(min_length=1, max_length=3)
    targets: list[SupportTarget] = Field(min_length=1, max_length=2)
    age_bands: list[OfferedAgeBand] = Field(min_length=1, max_length=8)
    municipality_codes: list[TokyoCode] = Field(min_length=1, max_length=62)
    fee_yen: JsonInt = Field(ge=0, le=1_000_000, description="Fee in yen; 0 is free")
    languages: list[LanguageTag] = Field(min_length=1, max_length=20)
    accessibility: list[AccessibilityCode] = Field(default_factory=list, max_length=len(AccessibilityCode))
    capacity: JsonInt | None = Field(default=None, ge=1, le=10_000)
    places_available: JsonInt | None = Field(default=None, ge=0, le=10_000)


class UpdatePlaces(BaseModel):
    """The places available now at the partner's place to belong."""

    model_config = ConfigDict(extra="forbid")

    places_available: JsonInt = Field(ge=0, le=10_000)


# -- referrals -----------------------------------------------------------------------------------


class PartnerRecipient(BaseModel):
    """A partner organisation, which must be active."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["partner"]
    partner_id: Uuid


class WindowRecipient(BaseModel):
    """A municipality's consultation window: the resource of the directory, with its municipality."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["municipal_window"]
    resource_id: Uuid
    municipality_code: TokyoCode


class OfferReferral(BaseModel):
    """Refer a case to a partner or a municipal window. Ids only: intake's pseudonymous case and
    person ids; the detail the recipient needs is disclosed through intake."""

    model_config = ConfigDict(extra="forbid")

    case_id: Uuid
    person_id: Uuid
    recipient: Annotated[PartnerRecipient | WindowRecipient, Field(discriminator="kind")]
    support_kind: SupportKind


class DeclineReferral(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReferralDeclineReason


class ReportOutcome(BaseModel):
    """What came of an accepted referral, as of ``outcome_on`` (a Tokyo date, at the earliest the
    day of the acceptance, at the latest today)."""

    model_config = ConfigDict(extra="forbid")

    outcome: ReferralOutcome
    outcome_on: IsoDate


# -- joint briefing and consultation sessions (合同説明相談会) ------------------------------------


class JoinSession(BaseModel):
    """Register a partner for a joint session."""

    model_config = ConfigDict(extra="forbid")

    partner_id: Uuid = Field(description="The partner organisation that takes part")
