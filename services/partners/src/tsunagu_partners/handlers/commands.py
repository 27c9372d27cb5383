"""Request bodies of the partners service's commands.

Unknown fields are refused; validation errors name the field and the rule, never the value.
Municipality codes are the 62 of the reference data (``TokyoCode``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.events.partners import AgreementEndReason, SupportKind, SupportTarget
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import IsoDate, JsonBool, JsonInt

from ..domain.agreements import AssessmentLevel
from ..domain.offerings import AccessibilityCode

Uuid = Annotated[str, Field(pattern=ID_PATTERN)]
OrganisationName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RegisterPartner(BaseModel):
    """Register an organisation as a candidate partner (recruited, or found some other way)."""

    model_config = ConfigDict(extra="forbid")

    name: OrganisationName = Field(description="The organisation's name, as it is registered")
    municipality_code: TokyoCode | None = Field(
        default=None, description="Where the organisation has its seat"
    )


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


CourseCode = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$", description="Training course code")]


class RecordTraining(BaseModel):
    """The organisation's staff completed the Support Guidelines training (recorded by the office
    until the training service reports completions)."""

    model_config = ConfigDict(extra="forbid")

    completed_on: IsoDate = Field(description="When the training was completed (not after today)")
    staff_count: JsonInt = Field(
        ge=1, le=10_000, description="How many of the organisation's staff completed it"
    )
    course_code: CourseCode


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
