"""Lockout of web logins: N failures in a row lock a user number for a while, whether it exists or not."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa
from tsunagu_intake.domain.identity import luhn_digit
from tsunagu_intake.domain.rules import LOGIN_FAILED, LOGIN_LOCKED
from tsunagu_intake.handlers import web
from tsunagu_intake.handlers.commands import Login
from tsunagu_intake.testing import IntakeService, raw_database_text, service_without_broker
from tsunagu_servicekit.errors import Refusal
from tsunagu_servicekit.testing import SettableClock, problem_of

PASSWORD = "correct horse battery"
WRONG = "not the password"
UNKNOWN = "123456789" + str(luhn_digit("123456789"))  # a well-formed number nobody has


async def register(service: IntakeService) -> str:
    r = await service.client.post("/web/registrations", json={"password": PASSWORD, "nickname": "ﾊﾅｺ"})
    assert r.status_code == 201, r.text
    return r.json()["user_number"]


async def login(service: IntakeService, number: str, password: str) -> httpx.Response:
    return await service.client.post("/web/sessions", json={"user_number": number, "password": password})


def answer(r: httpx.Response) -> tuple[int, dict, str | None]:
    return r.status_code, r.json(), r.headers.get("retry-after")


def throttle_rows(service: IntakeService) -> list[sa.Row]:
    with service.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT * FROM intake_login_throttle")).all())


async def test_five_failures_lock_the_number_with_retry_after(
    service: IntakeService, clock: SettableClock
) -> None:
    number = await register(service)
    for _ in range(4):
        assert (await login(service, number, WRONG)).status_code == 401
    fifth = await login(service, number, WRONG)
    assert fifth.status_code == 429
    assert fifth.json() == problem_of(LOGIN_LOCKED)
    assert fifth.headers["retry-after"] == str(15 * 60)
    # Locked: even the right password is refused, and no password is checked.
    right = await login(service, number, PASSWORD)
    assert answer(right) == (429, fifth.json(), "900")
    clock.advance(minutes=10, seconds=0.5)
    assert (await login(service, number, PASSWORD)).headers["retry-after"] == "300"  # rounded up
    clock.advance(minutes=5)
    assert (await login(service, number, PASSWORD)).status_code == 200


async def test_a_successful_login_starts_the_count_again(service: IntakeService) -> None:
    number = await register(service)
    for _ in range(4):
        assert (await login(service, number, WRONG)).status_code == 401
    assert (await login(service, number, PASSWORD)).status_code == 200
    assert throttle_rows(service) == []
    for _ in range(4):
        assert (await login(service, number, WRONG)).status_code == 401
    assert (await login(service, number, WRONG)).status_code == 429


async def test_after_the_lock_expires_the_count_starts_from_one(
    service: IntakeService, clock: SettableClock
) -> None:
    number = await register(service)
    for _ in range(5):
        await login(service, number, WRONG)
    assert (await login(service, number, WRONG)).status_code == 429
    clock.advance(minutes=15)
    for _ in range(4):
        assert (await login(service, number, WRONG)).status_code == 401
    assert (await login(service, number, WRONG)).status_code == 429


async def test_an_unknown_number_gets_exactly_the_same_answers(
    service: IntakeService, clock: SettableClock
) -> None:
    known = await register(service)
    assert known != UNKNOWN
    mistyped = known[:9] + str((int(known[9]) + 1) % 10)  # well-formed, wrong check digit

    async def story(number: str) -> list[tuple[int, dict, str | None]]:
        answers = [answer(await login(service, number, WRONG)) for _ in range(7)]
        clock.advance(minutes=15)
        answers.append(answer(await login(service, number, WRONG)))
        return answers

    start = clock.now
    known_story = await story(known)
    clock.set(start)
    for other in (UNKNOWN, mistyped):
        assert await story(other) == known_story
        clock.set(start)
    assert [s for s, _, _ in known_story] == [401, 401, 401, 401, 429, 429, 429, 401]


async def test_a_number_not_in_the_user_number_format_fails_validation_and_counts_nothing(
    service: IntakeService,
) -> None:
    for typed in ("12345", "1234567890123", "12345678９x"):
        r = await login(service, typed, WRONG)
        assert r.status_code == 422
        assert [e["loc"] for e in r.json()["errors"]] == ["body.user_number"]
    assert throttle_rows(service) == []


async def test_the_table_holds_no_user_number(service: IntakeService) -> None:
    number = await register(service)
    spaced = f"{number[:4]}-{number[4:]}"
    wide = number.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})  # full-width digits
    assert unicodedata.normalize("NFKC", wide) == number
    for typed in (number, spaced, wide):  # one user number however it is typed: one row
        assert (await login(service, typed, WRONG)).status_code == 401
    await login(service, UNKNOWN, WRONG)
    rows = throttle_rows(service)
    assert sorted(r.failures for r in rows) == [1, 3]
    for row in rows:
        assert len(row.subject_digest) == 64
        assert number not in row.subject_digest
        assert UNKNOWN not in row.subject_digest
    with service.engine.connect() as conn:
        table_text = " ".join(
            str(v) for r in conn.execute(sa.text("SELECT * FROM intake_login_throttle")) for v in r
        )
    assert number not in table_text
    assert UNKNOWN not in table_text
    assert UNKNOWN not in raw_database_text(service.engine)


async def test_the_limit_and_the_period_are_settings(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with service_without_broker(
        database_url, tmp_path / "data", clock, login_max_failures=2, login_lockout_minutes=1.5
    ) as svc:
        number = await register(svc)
        assert (await login(svc, number, WRONG)).status_code == 401
        locked = await login(svc, number, WRONG)
        assert answer(locked)[::2] == (429, "90")
        clock.advance(seconds=90)
        assert (await login(svc, number, PASSWORD)).status_code == 200


async def test_parallel_attempts_lose_no_count_and_check_no_more_than_the_limit(
    service: IntakeService,
) -> None:
    attempts = 12
    number = await register(service)
    ctx = service.context

    def attempt(_: int) -> str:
        try:
            web.login(ctx, Login(user_number=number, password=WRONG))
        except Refusal as refusal:
            if refusal.rule == LOGIN_FAILED:
                return "401"
            return "429" if refusal.rule == LOGIN_LOCKED and refusal.headers.get("Retry-After") else "other"
        return "200"

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        outcomes = list(pool.map(attempt, range(attempts)))
    assert outcomes.count("401") == 4  # four wrong passwords were checked and refused…
    assert outcomes.count("429") == attempts - 4  # …then the number was locked (the fifth checked too)
    [row] = throttle_rows(service)
    assert row.failures == attempts
