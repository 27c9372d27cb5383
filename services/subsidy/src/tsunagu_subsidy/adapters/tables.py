"""The subsidy service's tables (SQLModel). The schema is made by the Alembic migrations in
``adapters/migrations/versions``; a test checks that they match these definitions.

Amounts are whole yen in BIGINT columns. Who applied, reviewed and decided are staff subjects
(token subjects), kept for segregation of duties; the free texts (review notes, conditions, the
reason of an exception) never leave this service but through its API.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from tsunagu_servicekit.db import UTCDateTime

_OPEN = "status NOT IN ('refused', 'withdrawn')"


def _yen(default: int | None = None, *, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else (... if default is None else default),
        sa_type=sa.BigInteger(),
        nullable=nullable,
    )


def _subject(*, nullable: bool = False) -> Any:
    return Field(default=None if nullable else ..., sa_type=sa.String(200), nullable=nullable)


def _when(*, nullable: bool = False) -> Any:
    return Field(default=None if nullable else ..., sa_type=UTCDateTime(), nullable=nullable)


class ImplementationRow(SQLModel, table=True):
    """The dated fact that a municipality started the national regional support programme
    (ひきこもり地域支援センター等設置運営事業): the evidence that it "newly implements" it."""

    __tablename__ = "subsidy_implementation"

    municipality_code: str = Field(sa_type=sa.String(6), primary_key=True)
    started_on: date
    source_document: str = Field(sa_type=sa.String(200))
    recorded_by: str = _subject()
    recorded_at: datetime = _when()


class ApplicationRow(SQLModel, table=True):
    """One application (交付申請) of a municipality for one fiscal year, and where it stands."""

    __tablename__ = "subsidy_application"
    __table_args__ = (
        sa.Index(
            "ux_subsidy_application_open_year",
            "municipality_code",
            "fiscal_year",
            unique=True,
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        ),
    )

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    municipality_code: str = Field(sa_type=sa.String(6), index=True)
    fiscal_year: int
    status: str = Field(sa_type=sa.String(20), index=True)
    outline_version: str = Field(sa_type=sa.String(32))
    planned: dict[str, int] = Field(sa_type=sa.JSON())
    planned_total: int = _yen()
    requested_amount: int = _yen()
    documents: list[str] = Field(sa_type=sa.JSON())
    completes_on: date | None = None
    applied_by: str = _subject()
    applied_at: datetime = _when()
    reviewed_by: str | None = _subject(nullable=True)
    found_eligible: bool | None = None
    review_note: str | None = Field(default=None, sa_type=sa.Text())
    decided_by: str | None = _subject(nullable=True)
    decided_amount: int | None = _yen(nullable=True)
    decided_on: date | None = None
    conditions: str | None = Field(default=None, sa_type=sa.Text())
    refusal_reason: str | None = Field(default=None, sa_type=sa.String(32))
    change_planned: dict[str, int] | None = Field(default=None, sa_type=sa.JSON())
    change_documents: list[str] | None = Field(default=None, sa_type=sa.JSON())
    change_requested_by: str | None = _subject(nullable=True)
    change_reviewed_by: str | None = _subject(nullable=True)
    change_found_eligible: bool | None = None
    actual: dict[str, int] | None = Field(default=None, sa_type=sa.JSON())
    actual_total: int | None = _yen(nullable=True)
    report_documents: list[str] | None = Field(default=None, sa_type=sa.JSON())
    reported_at: datetime | None = _when(nullable=True)
    confirmed_by: str | None = _subject(nullable=True)
    confirmed_amount: int | None = _yen(nullable=True)
    confirmed_at: datetime | None = _when(nullable=True)
    paid_total: int = _yen(0)
    refund_claimed: int = _yen(0)
    report_due: date | None = None
    report_reminded_at: datetime | None = _when(nullable=True)
    payment_due: date | None = None
    payment_reminded_at: datetime | None = _when(nullable=True)
    updated_at: datetime = _when()


class PaymentRow(SQLModel, table=True):
    """A payment to a municipality on an application: an advance (概算払) or the balance (精算払)."""

    __tablename__ = "subsidy_payment"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    application_id: str = Field(sa_type=sa.String(36), foreign_key="subsidy_application.id", index=True)
    kind: str = Field(sa_type=sa.String(16))
    amount: int = _yen()
    paid_on: date
    recorded_by: str = _subject()
    recorded_at: datetime = _when()


class YearExceptionRow(SQLModel, table=True):
    """An exception to the year limit for one municipality and fiscal year: its reason, who asked
    and who approved (never the same person)."""

    __tablename__ = "subsidy_year_exception"

    municipality_code: str = Field(sa_type=sa.String(6), primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    reason: str = Field(sa_type=sa.Text())
    requested_by: str = _subject()
    requested_at: datetime = _when()
    approved_by: str | None = _subject(nullable=True)
    approved_at: datetime | None = _when(nullable=True)


class BudgetRow(SQLModel, table=True):
    """The subsidy line of one fiscal year and what is committed, confirmed, paid and claimed back
    against it. Decisions take this row under a lock before they commit money."""

    __tablename__ = "subsidy_budget"

    fiscal_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    line: int = _yen()
    committed: int = _yen(0)
    confirmed: int = _yen(0)
    paid: int = _yen(0)
    refund_claimed: int = _yen(0)
