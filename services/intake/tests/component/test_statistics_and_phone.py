"""Statistics (実人数 / 延べ件数 by channel, consulter, municipality, month, fiscal year), exact and for
publication (small cells suppressed), and phone hours."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from tsunagu_intake.settings import IntakeSettings
from tsunagu_intake.testing import (
    CHIYODA,
    COUNSELLOR,
    EXPERT,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    bearer,
    municipality_staff,
    service_without_broker,
)
from tsunagu_servicekit.testing import SettableClock

HINOHARA = "133078"  # a village of about 2,000 people
HIDDEN = {"persons": None, "consultations": None, "suppressed": True}


async def consult(service: IntakeService, **body: object) -> dict:
    r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    return r.json()


async def test_unique_persons_and_consultations_by_every_dimension(
    service: IntakeService, clock: SettableClock
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


async def consult_many(service: IntakeService, count: int, **body: object) -> None:
    for n in range(count):
        await consult(
            service, person={"nickname": f"{body['municipality_code']}-{body['channel']}-{n}"}, **body
        )


async def village_and_wards(service: IntakeService, clock: SettableClock) -> None:
    """FY2025: one person of Hinohara (a village) twice, 3 of Nerima by phone, 5 of Shinjuku: 3 by e-mail
    (one of them consulted about by someone else), 2 online."""
    clock.set(datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    first = await consult(
        service,
        channel="phone",
        consulter="family",
        person={"nickname": "hinohara"},
        municipality_code=HINOHARA,
        received_at="2025-04-10T10:00:00+09:00",
    )
    await consult(
        service,
        channel="phone",
        consulter="family",
        person_id=first["person_id"],
        municipality_code=HINOHARA,
        received_at="2025-06-10T10:00:00+09:00",
    )
    may = "2025-05-12T10:00:00+09:00"
    await consult_many(
        service, 3, channel="phone", consulter="family", municipality_code=NERIMA, received_at=may
    )
    for channel in ("email", "online"):
        await consult_many(
            service, 2, channel=channel, consulter="person", municipality_code=SHINJUKU, received_at=may
        )
    await consult(
        service,
        channel="email",
        consulter="other",
        person={"nickname": "shinjuku-other"},
        municipality_code=SHINJUKU,
        received_at=may,
    )


async def test_published_statistics_suppress_small_cells_and_their_complements(
    service: IntakeService, clock: SettableClock
) -> None:
    await village_and_wards(service, clock)
    r = await service.client.get("/statistics/publication?fiscal_year=2025", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    published = r.json()
    assert set(published) == {
        "fiscal_year",
        "label",
        "min_persons",
        "total",
        "by_channel",
        "by_consulter",
        "by_municipality",
        "by_month",
        "contacts",
    }
    assert published["label"] == "令和7年度"
    assert published["min_persons"] == 3
    assert published["total"] == {"persons": 9, "consultations": 10, "suppressed": False}
    municipalities = published["by_municipality"]
    assert municipalities[HINOHARA] == HIDDEN, "one person, consultations too"
    assert municipalities[NERIMA] == HIDDEN, "the smallest shown: else 9 - 5 = 1 gives Hinohara away"
    assert municipalities[SHINJUKU] == {"persons": 5, "consultations": 5, "suppressed": False}
    assert municipalities[CHIYODA] == {"persons": 0, "consultations": 0, "suppressed": False}
    assert len(municipalities) == 62
    assert [key for key, cell in municipalities.items() if cell["suppressed"]] == [NERIMA, HINOHARA]
    channels = published["by_channel"]
    assert channels["phone"] == {"persons": 4, "consultations": 5, "suppressed": False}
    assert channels["online"] == HIDDEN
    assert channels["email"] == HIDDEN, "3 persons, the smallest shown: else 10 - 5 = 5 gives online away"
    assert channels["in_person"] == {"persons": 0, "consultations": 0, "suppressed": False}
    assert published["by_consulter"] == {
        "person": HIDDEN,  # 4 persons and 4 consultations: fewer consultations than family's 5
        "family": {"persons": 4, "consultations": 5, "suppressed": False},
        "other": HIDDEN,
    }
    months = published["by_month"]
    # April and June hold one person each: 10 - 8 = 2 would say so, so May goes with them.
    assert months["2025-04"] == months["2025-05"] == months["2025-06"] == HIDDEN
    assert months["2025-07"] == {"persons": 0, "consultations": 0, "suppressed": False}

    # The programme's own figures are exact, as before.
    exact = (await service.client.get("/statistics?fiscal_year=2025", headers=SUPERVISOR)).json()
    assert exact["by_municipality"][HINOHARA] == {"persons": 1, "consultations": 2}
    assert exact["by_consulter"]["other"] == {"persons": 1, "consultations": 1}
    assert exact["by_channel"]["online"] == {"persons": 2, "consultations": 2}


async def test_who_reads_published_statistics(service: IntakeService, clock: SettableClock) -> None:
    await village_and_wards(service, clock)
    url = "/statistics/publication?fiscal_year=2025"
    for headers in (SUPERVISOR, COUNSELLOR, EXPERT, bearer("trainer", subject="trainer-1"), bearer("admin")):
        r = await service.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["by_municipality"][HINOHARA] == HIDDEN
    assert (await service.client.get("/statistics?fiscal_year=2025", headers=EXPERT)).status_code == 403
    partner = bearer("partner_staff", subject="partner-1", partner="npo-1")
    assert (await service.client.get(url, headers=partner)).status_code == 403
    assert (await service.client.get(url)).status_code == 401

    # A village's own staff: their one cell, and the total it equals, are hidden; the exact view is not.
    village = municipality_staff(HINOHARA)
    own = (await service.client.get(url, headers=village)).json()
    assert own["total"] == HIDDEN
    assert own["by_municipality"] == {HINOHARA: HIDDEN}
    assert own["by_channel"]["email"] == {"persons": 0, "consultations": 0, "suppressed": False}
    exact = (await service.client.get("/statistics?fiscal_year=2025", headers=village)).json()
    assert exact["total"] == {"persons": 1, "consultations": 2}
    ward = (await service.client.get(url, headers=municipality_staff(SHINJUKU))).json()
    assert ward["total"] == {"persons": 5, "consultations": 5, "suppressed": False}
    assert list(ward["by_municipality"]) == [SHINJUKU]
    other = await service.client.get(f"{url}&municipality_code={NERIMA}", headers=village)
    assert other.status_code == 403
    nerima = await service.client.get(f"{url}&municipality_code={NERIMA}", headers=SUPERVISOR)
    assert nerima.json()["total"] == {"persons": 3, "consultations": 3, "suppressed": False}


async def test_the_threshold_is_a_setting(database_url: str, tmp_path: Path, clock: SettableClock) -> None:
    async with service_without_broker(
        database_url, tmp_path / "data", clock, publication_min_persons=2
    ) as service:
        await village_and_wards(service, clock)
        published = (
            await service.client.get("/statistics/publication?fiscal_year=2025", headers=SUPERVISOR)
        ).json()
    assert published["min_persons"] == 2
    assert published["by_municipality"][HINOHARA] == HIDDEN
    assert published["by_channel"]["online"] == {"persons": 2, "consultations": 2, "suppressed": False}
    assert published["by_channel"]["email"] == {"persons": 3, "consultations": 3, "suppressed": False}
    with pytest.raises(ValidationError):
        IntakeSettings(data_dir=tmp_path, publication_min_persons=1)  # would suppress nothing


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
    service: IntakeService,
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


async def test_holiday_and_closure_are_named(service: IntakeService, clock: SettableClock) -> None:
    clock.set(datetime(2025, 5, 6, 2, 0, tzinfo=UTC))
    assert (await service.client.get("/phone/status")).json()["holiday_name"] == "振替休日"
    clock.set(datetime(2025, 12, 30, 2, 0, tzinfo=UTC))
    assert (await service.client.get("/phone/status")).json()["closure_day"] is True


async def test_municipalities_are_listed(service: IntakeService) -> None:
    listed = (await service.client.get("/municipalities")).json()
    assert len(listed) == 62
    assert listed[0] == {
        "code": CHIYODA,
        "name_ja": "千代田区",
        "name_kana": "チヨダク",
        "name_en": "Chiyoda",
        "kind": "special_ward",
    }
