"""Events of the subsidy service: the municipal start-up subsidy (ひきこもり支援推進体制立ち上げ支援補助事業)
from application (交付申請) to payment (支払) and refund claim (返還).

Every field is an id, a municipality code, a fiscal year, an integer amount of yen, a date or a
time. The people who apply, review and decide are staff; who they are stays in the subsidy
service's change history and never travels on the bus (architecture §3). Amounts are whole yen
as JSON integers: a fraction of a yen cannot be expressed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ..envelope import ID_PATTERN, EventData
from ..registry import event

__all__ = [
    "PaymentKind",
    "RefusalReason",
    "ReviewStage",
    "SubsidyAmountConfirmed",
    "SubsidyApplied",
    "SubsidyApproved",
    "SubsidyChangeRequested",
    "SubsidyChanged",
    "SubsidyPaid",
    "SubsidyPaymentDue",
    "SubsidyRefundClaimed",
    "SubsidyRefused",
    "SubsidyReportDue",
    "SubsidyReportSubmitted",
    "SubsidyReviewed",
    "SubsidyWithdrawn",
]

Id = Annotated[str, Field(pattern=ID_PATTERN)]
MunicipalityCode = Annotated[str, Field(pattern=r"^13[0-9]{4}$", description="全国地方公共団体コード")]
FiscalYear = Annotated[int, Field(ge=2000, le=2999, description="Fiscal year from April: 2025 is 令和7年度")]
Yen = Annotated[int, Field(ge=0, description="Whole yen")]


class PaymentKind(StrEnum):
    """How a payment stands to the confirmed amount: an advance (概算払) before it, the balance
    (精算払) after it."""

    ADVANCE = "advance"
    BALANCE = "balance"


class RefusalReason(StrEnum):
    """Why an application was not granted (不交付)."""

    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"
    BUDGET = "budget"
    OTHER = "other"


class _ApplicationEvent(EventData):
    application_id: Id
    municipality_code: MunicipalityCode
    fiscal_year: FiscalYear


@event("subsidy", "application", "applied", 1)
class SubsidyApplied(_ApplicationEvent):
    """A municipality applied for the start-up subsidy for a fiscal year (交付申請)."""

    planned_total: Yen = Field(description="Planned eligible costs, all categories")
    requested_amount: Yen = Field(description="The subsidy asked for")
    applied_at: AwareDatetime


@event("subsidy", "application", "approved", 1)
class SubsidyApproved(_ApplicationEvent):
    """A grant decision (交付決定): the amount is committed against the fiscal year's budget line."""

    decided_amount: Yen
    decided_on: date = Field(description="Date of the decision, in Tokyo")
    decided_at: AwareDatetime


@event("subsidy", "application", "refused", 1)
class SubsidyRefused(_ApplicationEvent):
    """A decision not to grant (不交付決定); ``reason`` says why, as a code."""

    reason: RefusalReason
    refused_at: AwareDatetime


class ReviewStage(StrEnum):
    """What a review looked at: the application, or a change request."""

    APPLICATION = "application"
    CHANGE = "change"


@event("subsidy", "application", "reviewed", 1)
class SubsidyReviewed(_ApplicationEvent):
    """A reviewer's finding (審査) on the application or on a change request."""

    stage: ReviewStage
    eligible: bool
    reviewed_at: AwareDatetime


@event("subsidy", "application", "change_requested", 1)
class SubsidyChangeRequested(_ApplicationEvent):
    """The municipality asked to change a standing decision (変更申請)."""

    planned_total: Yen
    requested_at: AwareDatetime


@event("subsidy", "application", "changed", 1)
class SubsidyChanged(_ApplicationEvent):
    """A change decision (変更交付決定) after a change request (変更申請): the new decided amount
    replaces the previous one, and the commitment moves by the difference."""

    decided_amount: Yen
    previous_amount: Yen
    changed_at: AwareDatetime


@event("subsidy", "application", "withdrawn", 1)
class SubsidyWithdrawn(_ApplicationEvent):
    """The municipality withdrew its application (取下げ); any commitment is released."""

    released_amount: Yen = Field(description="The decision's commitment, now released (0 before a decision)")
    withdrawn_at: AwareDatetime


@event("subsidy", "application", "report_submitted", 1)
class SubsidyReportSubmitted(_ApplicationEvent):
    """The results report (実績報告) with the actual eligible costs."""

    actual_total: Yen
    submitted_at: AwareDatetime


@event("subsidy", "application", "amount_confirmed", 1)
class SubsidyAmountConfirmed(_ApplicationEvent):
    """The amount confirmation (額の確定): the least of the decided amount, the rate applied to the
    eligible actual costs, and the cap, rounded down to the outline's unit."""

    confirmed_amount: Yen
    decided_amount: Yen
    confirmed_at: AwareDatetime


@event("subsidy", "application", "paid", 1)
class SubsidyPaid(_ApplicationEvent):
    """A payment to the municipality (支払), an advance (概算払) or the balance (精算払)."""

    payment_id: Id
    kind: PaymentKind
    amount: Yen
    paid_total: Yen = Field(description="Everything paid on the application so far, this payment included")
    paid_on: date
    paid_at: AwareDatetime


@event("subsidy", "application", "refund_claimed", 1)
class SubsidyRefundClaimed(_ApplicationEvent):
    """A claim for the refund (返還) of what was paid above the confirmed amount."""

    amount: Yen
    due_on: date
    claimed_at: AwareDatetime


@event("subsidy", "application", "report_due", 1)
class SubsidyReportDue(_ApplicationEvent):
    """A reminder: the results report falls due on ``due_on`` and has not been submitted."""

    due_on: date
    raised_at: AwareDatetime


@event("subsidy", "application", "payment_due", 1)
class SubsidyPaymentDue(_ApplicationEvent):
    """A reminder: the confirmed balance is to be paid by ``due_on`` and is still unpaid."""

    amount: Yen
    due_on: date
    raised_at: AwareDatetime
