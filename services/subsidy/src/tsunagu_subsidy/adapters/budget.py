"""The budget lines: taken under a lock before money is committed, so racing decisions cannot
exceed a line."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from tsunagu_servicekit.db import insert_unless_present
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import BudgetRow

_BUDGET = SQLModel.metadata.tables["subsidy_budget"]


def lock_budget(uow: UnitOfWork, fiscal_year: int, line: int) -> BudgetRow:
    """The fiscal year's budget row, created at ``line`` if absent, locked until the transaction
    ends: ``SELECT … FOR UPDATE`` on PostgreSQL (racing creators meet in ``ON CONFLICT DO
    NOTHING``); on SQLite every writing transaction holds the database's write lock already. The
    line follows the budget data, which the office may revise during the year."""
    insert_unless_present(
        uow.session.connection(),
        _BUDGET,
        {
            "fiscal_year": fiscal_year,
            "line": line,
            "committed": 0,
            "confirmed": 0,
            "paid": 0,
            "refund_claimed": 0,
        },
        key=("fiscal_year",),
    )
    row = uow.session.exec(
        select(BudgetRow)
        .where(BudgetRow.fiscal_year == fiscal_year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.line = line
    return row


def move_budget(
    uow: UnitOfWork,
    fiscal_year: int,
    *,
    committed: int = 0,
    confirmed: int = 0,
    paid: int = 0,
    refund_claimed: int = 0,
) -> None:
    """Move the fiscal year's figures by the given amounts, in the database (no read-modify-write
    from Python, so a move never overwrites another's)."""
    uow.session.execute(
        sa.update(_BUDGET)
        .where(_BUDGET.c.fiscal_year == fiscal_year)
        .values(
            committed=_BUDGET.c.committed + committed,
            confirmed=_BUDGET.c.confirmed + confirmed,
            paid=_BUDGET.c.paid + paid,
            refund_claimed=_BUDGET.c.refund_claimed + refund_claimed,
        )
    )


def budget_rows(uow: UnitOfWork) -> Sequence[BudgetRow]:
    return uow.session.exec(select(BudgetRow).order_by(col(BudgetRow.fiscal_year))).all()


def find_budget(uow: UnitOfWork, fiscal_year: int) -> BudgetRow | None:
    return uow.session.get(BudgetRow, fiscal_year)
