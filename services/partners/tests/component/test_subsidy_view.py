"""The start-up subsidy in the network view, through the composition root: each of the subsidy
service's events moves an application as its type says; the same event twice, or the same data
under a new message id, changes nothing; an event older than what is on record does not set the
application back, in whatever order the events come; and the municipality's view and the overview
show the years, their status and amounts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_contracts import CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.subsidy import (
    PaymentKind,
    RefusalReason,
    ReviewStage,
    SubsidyAmountConfirmed,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyPaid,
    SubsidyPaymentDue,
    SubsidyRefundClaimed,
    SubsidyRefused,
    SubsidyReportSubmitted,
    SubsidyReviewed,
    SubsidyWithdrawn,
)
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import (
    COUNSELLOR,
    COURSE,
    PartnersService,
    SubsidyCase,
    municipality_staff_of,
    subsidy_course,
)
from tsunagu_servicekit.testing import problem_of

SHINJUKU, CHIYODA, HACHIOJI, MACHIDA = "131041", "131016", "132012", "132098"
APRIL_10 = datetime(2025, 4, 10, 1, 0, tzinfo=UTC)
TABLE = "partners_subsidy_application"


async def years(service: PartnersService, code: str) -> list[dict[str, Any]]:
    response = await service.client.get(f"/municipalities/{code}/network", headers=COUNSELLOR)
    assert response.status_code == 200, response.text
    subsidy: list[dict[str, Any]] = response.json()["subsidy"]
    return subsidy


async def overview(service: PartnersService) -> dict[str, dict[str, Any]]:
    response = await service.client.get("/municipalities/network", headers=COUNSELLOR)
    assert response.status_code == 200, response.text
    return {row["municipality_code"]: row for row in response.json()}


def shown(year: dict[str, Any]) -> tuple[Any, ...]:
    return (year["status"], year["decided_amount"], year["confirmed_amount"], year["paid_total"])


def stored(service: PartnersService) -> list[dict[str, Any]]:
    """The table as it stands, row by row (what a redelivery must leave alone)."""
    with service.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM {TABLE} ORDER BY application_id")).mappings()
        return [dict(row) for row in rows]


def paid(case: SubsidyCase, kind: PaymentKind, amount: int, total: int, at: datetime) -> CloudEvent[Any]:
    return case.event(
        SubsidyPaid,
        payment_id=new_event_id(),
        kind=kind,
        amount=amount,
        paid_total=total,
        paid_on=at.date(),
        paid_at=at,
    )


# -- each event's effect ---------------------------------------------------------------------------


async def test_each_event_of_a_grants_course_moves_the_application(service: PartnersService) -> None:
    case = SubsidyCase(SHINJUKU, 2025)
    assert await years(service, SHINJUKU) == []
    for event, expected in zip(subsidy_course(case, APRIL_10), COURSE, strict=True):
        assert service.deliver(event), event.type
        [year] = await years(service, SHINJUKU)
        assert shown(year) == expected, event.type
    assert year == {
        "fiscal_year": 2025,
        "fiscal_year_label": "令和7年度",
        "status": "closed",
        "decided_amount": 3_000_000,
        "confirmed_amount": 2_900_000,
        "paid_total": 2_900_000,
        "refund_claimed": 0,
    }
    [row] = stored(service)
    assert (row["application_id"], row["municipality_code"], row["fiscal_year"]) == (
        case.application_id,
        SHINJUKU,
        2025,
    )


async def test_a_refusal_and_a_withdrawal_end_an_application(service: PartnersService) -> None:
    refused, withdrawn = SubsidyCase(SHINJUKU, 2025), SubsidyCase(CHIYODA, 2025)
    for case in (refused, withdrawn):
        assert service.deliver(
            case.event(
                SubsidyApplied, planned_total=2_000_000, requested_amount=1_000_000, applied_at=APRIL_10
            )
        )
        assert service.deliver(
            case.event(
                SubsidyReviewed,
                stage=ReviewStage.APPLICATION,
                eligible=case is withdrawn,
                reviewed_at=APRIL_10 + timedelta(days=1),
            )
        )
    assert service.deliver(
        refused.event(
            SubsidyRefused, reason=RefusalReason.NOT_ELIGIBLE, refused_at=APRIL_10 + timedelta(days=2)
        )
    )
    assert service.deliver(
        withdrawn.event(
            SubsidyApproved,
            decided_amount=1_000_000,
            decided_on=date(2025, 4, 12),
            decided_at=APRIL_10 + timedelta(days=2),
        )
    )
    assert shown((await years(service, CHIYODA))[0]) == ("decided", 1_000_000, None, 0)
    assert service.deliver(
        withdrawn.event(
            SubsidyWithdrawn, released_amount=1_000_000, withdrawn_at=APRIL_10 + timedelta(days=3)
        )
    )
    assert shown((await years(service, SHINJUKU))[0]) == ("refused", None, None, 0)
    assert shown((await years(service, CHIYODA))[0]) == ("withdrawn", 1_000_000, None, 0)
    rows = await overview(service)
    assert (rows[SHINJUKU]["subsidy_years_used"], rows[SHINJUKU]["subsidy_status"]) == (0, "refused")
    assert (rows[CHIYODA]["subsidy_years_used"], rows[CHIYODA]["subsidy_status"]) == (0, "withdrawn")


async def test_advances_above_the_confirmed_amount_are_claimed_back_and_close_it(
    service: PartnersService,
) -> None:
    case = SubsidyCase(SHINJUKU, 2025)
    day = [APRIL_10 + timedelta(days=n) for n in range(6)]
    for event in (
        case.event(SubsidyApproved, decided_amount=2_000_000, decided_on=day[0].date(), decided_at=day[0]),
        paid(case, PaymentKind.ADVANCE, 2_000_000, 2_000_000, day[1]),
        case.event(SubsidyReportSubmitted, actual_total=3_000_000, submitted_at=day[2]),
        case.event(
            SubsidyAmountConfirmed, confirmed_amount=1_500_000, decided_amount=2_000_000, confirmed_at=day[3]
        ),
    ):
        assert service.deliver(event)
    [year] = await years(service, SHINJUKU)
    assert (shown(year), year["refund_claimed"]) == (("confirmed", 2_000_000, 1_500_000, 2_000_000), 0)
    assert service.deliver(
        case.event(SubsidyRefundClaimed, amount=500_000, due_on=date(2025, 5, 31), claimed_at=day[4])
    )
    [year] = await years(service, SHINJUKU)
    assert (shown(year), year["refund_claimed"]) == (("closed", 2_000_000, 1_500_000, 2_000_000), 500_000)


async def test_a_confirmation_the_advances_paid_exactly_closes_it_whenever_they_arrive(
    service: PartnersService,
) -> None:
    # The subsidy service closes such an application at its confirmation and pays nothing more.
    case = SubsidyCase(SHINJUKU, 2025)
    day = [APRIL_10 + timedelta(days=n) for n in range(5)]
    first, second = (
        paid(case, PaymentKind.ADVANCE, 500_000, 500_000, day[1]),
        paid(case, PaymentKind.ADVANCE, 500_000, 1_000_000, day[2]),
    )
    assert service.deliver(first)
    assert shown((await years(service, SHINJUKU))[0]) == ("decided", None, None, 500_000)
    assert service.deliver(
        case.event(
            SubsidyAmountConfirmed, confirmed_amount=500_000, decided_amount=1_000_000, confirmed_at=day[4]
        )
    )
    # Confirmed at what the first advance paid: nothing to pay or claim back, as far as partners knows.
    assert shown((await years(service, SHINJUKU))[0]) == ("closed", 1_000_000, 500_000, 500_000)
    assert service.deliver(second)
    # The second advance arrives late: ¥500,000 is now to be claimed back, so it is not closed.
    assert shown((await years(service, SHINJUKU))[0]) == ("confirmed", 1_000_000, 500_000, 1_000_000)


async def test_reminders_are_not_consumed(service: PartnersService) -> None:
    due = SubsidyCase(SHINJUKU, 2025).event(
        SubsidyPaymentDue, amount=1, due_on=date(2025, 6, 1), raised_at=APRIL_10
    )
    with pytest.raises(LookupError):
        service.deliver(due)
    assert service.count(TABLE) == 0


# -- idempotent and order-tolerant -------------------------------------------------------------------


async def test_the_same_event_twice_changes_nothing(service: PartnersService) -> None:
    case = SubsidyCase(SHINJUKU, 2025)
    course = subsidy_course(case, APRIL_10)
    for event in course:
        assert service.deliver(event)
    before, view = stored(service), await years(service, SHINJUKU)
    for event in course:
        # The same message again: the inbox takes it for what it is.
        assert not service.deliver(event)
        # The same data under a new message id (a replay after the de-duplication window): handled,
        # and the record stays as it was.
        assert service.deliver(new_event(event.data, subject=event.subject))
    assert stored(service) == before
    assert await years(service, SHINJUKU) == view
    assert service.count(TABLE) == 1


async def test_an_older_event_does_not_set_the_application_back(service: PartnersService) -> None:
    case = SubsidyCase(SHINJUKU, 2025)
    (
        applied,
        reviewed,
        approved,
        advance,
        requested,
        reviewed_change,
        changed,
        reported,
        confirmed,
        balance,
    ) = subsidy_course(case, APRIL_10)
    # The decision first: the record is opened by it, with no application event yet.
    assert service.deliver(approved)
    assert shown((await years(service, SHINJUKU))[0]) == ("decided", 4_000_000, None, 0)
    # The application and its review, older, arrive after it: still decided.
    assert service.deliver(reviewed)
    assert service.deliver(applied)
    assert shown((await years(service, SHINJUKU))[0]) == ("decided", 4_000_000, None, 0)
    [row] = stored(service)
    assert row["applied_at"] is not None
    # The change decided before the change request arrives: the request is older, it stays decided
    # at the new amount.
    assert service.deliver(changed)
    assert service.deliver(requested)
    assert service.deliver(reviewed_change)
    assert shown((await years(service, SHINJUKU))[0]) == ("decided", 3_000_000, None, 0)
    # The balance before the confirmation and the report: closed, and the older steps leave it so.
    assert service.deliver(balance)
    assert service.deliver(confirmed)
    assert service.deliver(reported)
    assert service.deliver(advance)
    assert shown((await years(service, SHINJUKU))[0]) == COURSE[-1]
    # The decision's amount is the change's and the confirmation's, not the first decision's.
    assert service.deliver(new_event(approved.data))
    assert shown((await years(service, SHINJUKU))[0]) == COURSE[-1]


@pytest.mark.parametrize("seed", range(4))
async def test_any_order_gives_the_same_record(service: PartnersService, seed: int) -> None:
    in_order, shuffled = SubsidyCase(SHINJUKU, 2025), SubsidyCase(CHIYODA, 2025)
    for event in subsidy_course(in_order, APRIL_10):
        assert service.deliver(event)
    events = subsidy_course(shuffled, APRIL_10)
    random.Random(seed).shuffle(events)
    for event in events:
        assert service.deliver(event)
    assert await years(service, CHIYODA) == await years(service, SHINJUKU)
    first, second = sorted(stored(service), key=lambda row: row["municipality_code"])
    differs = {"application_id", "municipality_code"}
    assert {k: v for k, v in first.items() if k not in differs} == {
        k: v for k, v in second.items() if k not in differs
    }


# -- the network view and the overview ---------------------------------------------------------------


async def test_the_network_shows_each_fiscal_year_and_the_overview_counts_years_with_a_decision(
    service: PartnersService,
) -> None:
    # Shinjuku: FY2025 through to closed; in FY2026 a first application refused, a second decided.
    for event in subsidy_course(SubsidyCase(SHINJUKU, 2025), APRIL_10):
        assert service.deliver(event)
    refused, second = SubsidyCase(SHINJUKU, 2026), SubsidyCase(SHINJUKU, 2026)
    spring = datetime(2026, 4, 10, 1, 0, tzinfo=UTC)
    assert service.deliver(
        refused.event(SubsidyApplied, planned_total=1_000_000, requested_amount=500_000, applied_at=spring)
    )
    assert service.deliver(
        refused.event(SubsidyRefused, reason=RefusalReason.INCOMPLETE, refused_at=spring + timedelta(days=1))
    )
    assert service.deliver(
        second.event(
            SubsidyApplied,
            planned_total=1_000_000,
            requested_amount=500_000,
            applied_at=spring + timedelta(days=2),
        )
    )
    assert service.deliver(
        second.event(
            SubsidyApproved,
            decided_amount=500_000,
            decided_on=date(2026, 4, 20),
            decided_at=spring + timedelta(days=10),
        )
    )
    # Hachioji: applied for FY2025 and no further yet.
    assert service.deliver(
        SubsidyCase(HACHIOJI, 2025).event(
            SubsidyApplied, planned_total=1_000_000, requested_amount=500_000, applied_at=APRIL_10
        )
    )

    staff = municipality_staff_of(SHINJUKU)
    response = await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["subsidy"] == [
        {
            "fiscal_year": 2025,
            "fiscal_year_label": "令和7年度",
            "status": "closed",
            "decided_amount": 3_000_000,
            "confirmed_amount": 2_900_000,
            "paid_total": 2_900_000,
            "refund_claimed": 0,
        },
        {
            "fiscal_year": 2026,
            "fiscal_year_label": "令和8年度",
            "status": "decided",
            "decided_amount": 500_000,
            "confirmed_amount": None,
            "paid_total": 0,
            "refund_claimed": 0,
        },
    ]
    # Municipality staff read their own municipality's only.
    other = await service.client.get(f"/municipalities/{HACHIOJI}/network", headers=staff)
    assert (other.status_code, other.json()) == (403, problem_of(rules.OWN_MUNICIPALITY_ONLY))

    rows = await overview(service)
    assert (rows[SHINJUKU]["subsidy_years_used"], rows[SHINJUKU]["subsidy_status"]) == (2, "decided")
    assert (rows[HACHIOJI]["subsidy_years_used"], rows[HACHIOJI]["subsidy_status"]) == (0, "applied")
    assert (rows[MACHIDA]["subsidy_years_used"], rows[MACHIDA]["subsidy_status"]) == (0, None)
    assert await years(service, MACHIDA) == []
