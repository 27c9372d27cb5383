"""Request bodies of the training service's commands. Names, kana, e-mail addresses and
organisation names are personal data: they stay in this service."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.events.training import Audience
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import JSON_INTEGER, EmailAddress, IsoDateTime, JsonBool

from ..domain.video import ReportEvent

Uuid = Annotated[str, Field(pattern=ID_PATTERN)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,47}$", description="A catalogue code")]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2999, description="Fiscal year from April: 2025 is 令和7年度"), JSON_INTEGER
]
Subject = Annotated[
    str, Field(min_length=1, max_length=200, description="The account's subject (token `sub`)")
]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterLearner(_Command):
    """A learner registered by their organisation's coordinator or by a trainer. Municipality staff
    and welfare commissioners belong to a municipality; partner staff to a partner organisation."""

    name: str = Field(min_length=1, max_length=100)
    name_kana: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailAddress | None = None
    organisation_name: str | None = Field(default=None, min_length=1, max_length=200)
    audience: Audience
    municipality_code: TokyoCode | None = None
    partner_id: Uuid | None = None
    subject: Subject | None = Field(
        default=None, description="Their account's opaque subject, where they have one"
    )


class RegisterMe(_Command):
    """The caller registers as a learner; their account's subject and ties come from their token."""

    name: str = Field(min_length=1, max_length=100)
    name_kana: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailAddress | None = None
    organisation_name: str | None = Field(default=None, min_length=1, max_length=200)
    audience: Audience


class Enrol(_Command):
    """Enrol a learner in a course or a programme (one of the two) for a fiscal year (this one when
    omitted)."""

    learner_id: Uuid
    course_code: Code | None = None
    programme_code: Code | None = None
    fiscal_year: FiscalYear | None = None


# -- sessions --


class ScheduleSession(_Command):
    """An in-person session of a course; its fiscal year is the one its day falls in."""

    course_code: Code
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    venue: str = Field(min_length=1, max_length=200, description="Where it is held, for those who come")
    capacity: Annotated[int, Field(ge=1, le=10_000), JSON_INTEGER]
    waitlist: JsonBool = True


class BookSeat(_Command):
    """A seat, or a waitlist place, at a session for an enrolment in its course."""

    enrolment_id: Uuid


class RecordAttendance(_Command):
    """A trainer's record of whether the enrolment's learner came."""

    enrolment_id: Uuid
    present: JsonBool


# -- video --
class ReportProgress(_Command):
    """What the lesson page reports: playback started (``start``), has reached a position
    (``position``) or ended (``end``), under an id the page made for this report, so that sending
    it twice counts once."""

    report_id: Uuid = Field(description="A fresh UUID per report, made by the page; repeat it to retry")
    event: ReportEvent
    position_seconds: Annotated[
        int, Field(ge=0, le=86_400, description="Whole seconds from the video's start"), JSON_INTEGER
    ]
    reported_at: IsoDateTime | None = Field(
        default=None, description="The page's clock; informational only: the server's clock counts"
    )


class AnswerCheck(_Command):
    """The answers to a check: for each question in order, the number (from 0) of the choice made."""

    answers: list[Annotated[int, Field(ge=0, le=7), JSON_INTEGER]] = Field(min_length=1, max_length=50)


# -- certificates --
from tsunagu_contracts.events.training import RevocationReason  # noqa: E402  (one block per area)


class Revoke(_Command):
    """Revoke a certificate: why, as one of the fixed reasons (no free text: it would be a place for
    personal details)."""

    reason: RevocationReason
