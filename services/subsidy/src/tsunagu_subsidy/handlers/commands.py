"""Request bodies of the subsidy service's commands.

Amounts are whole yen as JSON integers (``JsonInt``): ``1.5``, ``"1000"`` and negatives are refused
by the schema before any rule runs. Free texts (a review's note, a decision's conditions, an
exception's reason) stay in this service.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.subsidy import RefusalReason
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.wire import JSON_INTEGER, IsoDate, JsonBool

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Yen = Annotated[int, Field(ge=0, le=10**12, description="Whole yen"), JSON_INTEGER]
PositiveYen = Annotated[int, Field(gt=0, le=10**12, description="Whole yen, more than 0"), JSON_INTEGER]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2999, description="Fiscal year from April: 2025 is 令和7年度"), JSON_INTEGER
]
Costs = Annotated[
    dict[Code, Yen],
    Field(
        min_length=1,
        max_length=32,
        description="Eligible costs by cost category of the grant outline, in yen",
        # Keys are cost-category codes: a key of another form is invalid, not merely unconstrained.
        json_schema_extra={"additionalProperties": False},
    ),
]
Documents = Annotated[
    list[Code],
    Field(max_length=32, description="Codes of the documents submitted, as the grant outline names them"),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordImplementation(_Command):
    """The day the municipality started the national regional support programme, and the document
    that shows it: the evidence that it newly implements the programme."""

    started_on: IsoDate
    source_document: str = Field(min_length=1, max_length=200, description="The document's title or number")


class ApplyForSubsidy(_Command):
    """An application (交付申請) for one fiscal year: planned costs by category and the documents
    submitted with it."""

    municipality_code: TokyoCode
    fiscal_year: FiscalYear
    planned: Costs
    requested_amount: Yen | None = Field(
        default=None,
        description="The subsidy asked for; the most the outline allows on the plan when omitted",
    )
    documents: Documents
    completes_on: IsoDate | None = Field(
        default=None, description="The day the project ends, when before the end of the fiscal year"
    )


class ReviewApplication(_Command):
    """A reviewer's finding (審査): eligible or not, with a note for the approver."""

    eligible: JsonBool
    note: Text | None = None


class DecideGrant(_Command):
    """A grant decision (交付決定): the amount (the most the plan allows when omitted) and conditions."""

    amount: Yen | None = None
    conditions: Text | None = None


class RefuseGrant(_Command):
    """A decision not to grant (不交付決定)."""

    reason: RefusalReason


class RequestChange(_Command):
    """A change request (変更申請): the new planned costs and the documents for a change."""

    planned: Costs
    documents: Documents
    completes_on: IsoDate | None = None


class DecideChange(_Command):
    """The approver's answer to a reviewed change request: approved with a new amount (the most the
    new plan allows when omitted), or not, in which case the decision stands as it was."""

    approve: JsonBool
    amount: Yen | None = None


class SubmitReport(_Command):
    """The results report (実績報告): actual eligible costs by category and its documents."""

    actual: Costs
    documents: Documents
    completed_on: IsoDate | None = None


class ConfirmAmount(_Command):
    """The amount confirmation (額の確定); the amount the rules give when omitted."""

    amount: Yen | None = None


class PayAdvance(_Command):
    """An advance payment (概算払) before the amount is confirmed."""

    amount: PositiveYen
    paid_on: IsoDate


class PayBalance(_Command):
    """Payment of the confirmed amount less what was paid in advance (精算払)."""

    paid_on: IsoDate


class ClaimRefund(_Command):
    """A claim for what was paid above the confirmed amount (返還請求), due by ``due_on``."""

    due_on: IsoDate


class RequestYearException(_Command):
    """A request to grant a year beyond the outline's limit, with its reason."""

    fiscal_year: FiscalYear
    reason: Text
