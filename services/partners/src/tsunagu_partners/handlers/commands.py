"""Request bodies of the partners service's commands.

Unknown fields are refused; validation errors name the field and the rule, never the value.
Municipality codes are the 62 of the reference data (``TokyoCode``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.events.partners import ReferralDeclineReason, ReferralOutcome, SupportKind
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import IsoDate

Uuid = Annotated[str, Field(pattern=ID_PATTERN)]
OrganisationName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RegisterPartner(BaseModel):
    """Register an organisation as a candidate partner (recruited, or found some other way)."""

    model_config = ConfigDict(extra="forbid")

    name: OrganisationName = Field(description="The organisation's name, as it is registered")
    municipality_code: TokyoCode | None = Field(
        default=None, description="Where the organisation has its seat"
    )


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
