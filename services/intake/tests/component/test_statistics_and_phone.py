"""Statistics (実人数 / 延べ件数 by channel, consulter, municipality, month, fiscal year) and phone hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_support import CHIYODA, COUNSELLOR, NERIMA, SHINJUKU, Service, municipality_staff
from tsunagu_servicekit.testing import SettableClock


async def consult(service: Service, **body: object) -> dict:
    r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    return r.json()


async def test_unique_persons_and_consultations_by_every_dimension(
    service: Service, clock: SettableClock
) -> None:
    clock.set(datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    a = await consult(
        service,
        channel="phone",
        consulter="family",
        person={"nickname": "a"},
        municipality_code=SHINJUKU,
        received_at="2025-04-01T10:00:00+09:00",
    )
    for when in ("2025-04-20T10:00:00+09:00", "2026-03-31T23:59:00+09:00"):
        await consult(
            service,
            channel="email",
            consulter="person",
            person_id=a["person_id"],
            municipality_code=SHINJUKU,
            received_at=when,
        )
    await consult(
        service,
        channel="phone",
        consulter="other",
        person={"nickname": "b"},
        municipality_code=NERIMA,
        received_at="2025-05-01T10:00:00+09:00",
    )
    await consult(  # the next fiscal year
        service,
        channel="phone",
        consulter="person",
        person={"nickname": "c"},
        municipality_code=SHINJUKU,
        received_at="2026-04-01T00:00:00+09:00",
    )
    r = await service.client.get("/statistics?fiscal_year=2025", headers=COUNSELLOR)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["label"] == "令和7年度"
    assert report["total"] == {"persons": 2, "consultations": 4}
    assert report["by_channel"]["phone"] == {"persons": 2, "consultations": 2}
    assert report["by_channel"]["email"] == {"persons": 1, "consultations": 2}
    assert report["by_channel"]["home_visit"] == {"persons": 0, "consultations": 0}
    assert report["by_consulter"] == {
        "person": {"persons": 1, "consultations": 2},
        "family": {"persons": 1, "consultations": 1},
        "other": {"persons": 1, "consultations": 1},
    }
    assert report["by_municipality"][SHINJUKU] == {"persons": 1, "consultations": 3}
    assert report["by_municipality"][NERIMA] == {"persons": 1, "consultations": 1}
    assert len(report["by_municipality"]) == 62
    assert report["by_month"]["2025-04"] == {"persons": 1, "consultations": 2}
    assert report["by_month"]["2026-03"] == {"persons": 1, "consultations": 1}
    nxt = (await service.client.get("/statistics?fiscal_year=2026", headers=COUNSELLOR)).json()
    assert nxt["label"] == "令和8年度"
    assert nxt["total"] == {"persons": 1, "consultations": 1}

    staff = municipality_staff(NERIMA)
    own = (await service.client.get("/statistics?fiscal_year=2025", headers=staff)).json()
    assert own["total"] == {"persons": 1, "consultations": 1}
    assert list(own["by_municipality"]) == [NERIMA]
    other = await service.client.get(
        f"/statistics?fiscal_year=2025&municipality_code={CHIYODA}", headers=staff
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("now", "is_open", "next_opening", "closes_at"),
    [
        (datetime(2025, 5, 1, 1, 0, tzinfo=UTC), True, None, "2025-05-01T17:00:00+09:00"),  # Thu 10:00
        (datetime(2025, 5, 1, 8, 0, tzinfo=UTC), False, "2025-05-02T10:00:00+09:00", None),  # Thu 17:00
        (datetime(2025, 5, 3, 2, 0, tzinfo=UTC), False, "2025-05-07T10:00:00+09:00", None),  # GW Saturday
        (datetime(2025, 4, 5, 2, 0, tzinfo=UTC), True, None, "2025-04-05T17:00:00+09:00"),  # Saturday, open
        (datetime(2025, 3, 29, 2, 0, tzinfo=UTC), False, "2025-03-31T10:00:00+09:00", None),  # Sat, old hours
        (datetime(2025, 12, 29, 2, 0, tzinfo=UTC), False, "2026-01-05T10:00:00+09:00", None),  # closure
    ],
)
async def test_phone_line_status(
    service: Service,
    clock: SettableClock,
    now: datetime,
    is_open: bool,
    next_opening: str | None,
    closes_at: str | None,
) -> None:
    clock.set(now)
    r = await service.client.get("/phone/status")  # public: the website and the phone system ask
    assert r.status_code == 200
    body = r.json()
    assert body["open"] is is_open
    assert body["next_opening"] == next_opening
    assert body["closes_at"] == closes_at


async def test_holiday_and_closure_are_named(service: Service, clock: SettableClock) -> None:
    clock.set(datetime(2025, 5, 6, 2, 0, tzinfo=UTC))
    assert (await service.client.get("/phone/status")).json()["holiday_name"] == "振替休日"
    clock.set(datetime(2025, 12, 30, 2, 0, tzinfo=UTC))
    assert (await service.client.get("/phone/status")).json()["closure_day"] is True


async def test_municipalities_are_listed(service: Service) -> None:
    listed = (await service.client.get("/municipalities")).json()
    assert len(listed) == 62
    assert listed[0] == {
        "code": CHIYODA,
        "name_ja": "千代田区",
        "name_kana": "チヨダク",
        "name_en": "Chiyoda",
        "kind": "special_ward",
    }
