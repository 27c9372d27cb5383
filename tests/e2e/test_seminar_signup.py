"""Seminar sign-up on the public pages, in a real browser, across intake and scheduling on a real
nats-server (SQLite, and PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set): scheduling puts a
family seminar with one seat on the programme; intake lists it; one person takes the seat, a
second (in Debian's Chromium) joins the waitlist; staff cancel the first registration in
scheduling; the second is promoted, sees it on their page, and is told by mail (an SMTP server on
loopback) with nothing of the session or the person in it. axe checks the pages; screenshots kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack import bearer, intake_and_scheduling, wait_until
from tsunagu_servicekit.simclock import write_simulated_instant
from tsunagu_servicekit.testing import artefacts_dir
from tsunagu_servicekit.testing.browser import axe_violations, browser_at
from tsunagu_servicekit.testing.smtp import loopback_smtp
from tsunagu_typeset import font_dirs

pytestmark = pytest.mark.slow

SUPERVISOR = bearer("supervisor", subject="e2e-supervisor")
MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
PASSWORD = "seminar pass phrase"
ADDRESS = "family@example.jp"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form(client: httpx.Client, path: str, data: dict[str, str], *, page: str) -> httpx.Response:
    token = _TOKEN.search(client.get(page).text)
    assert token, page
    return client.post(path, data={**data, "csrf_token": token.group(1)})


async def no_violations(page: Any) -> None:
    violations = await axe_violations(page)
    assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]


async def test_a_waitlisted_sign_up_is_promoted_and_told(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    write_simulated_instant(clock, MON_2026_04_06_09_JST)
    simulated = {"ENVIRONMENT": "local", "SIMULATED_CLOCK_FILE": str(clock)}
    shots = artefacts_dir("e2e")
    with loopback_smtp() as smtp:
        mail = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "MAIL_INTERVAL": "0.3"}
        with intake_and_scheduling(
            nats_url, database_url, tmp_path, scheduling_env=simulated, intake_env={**simulated, **mail}
        ) as two:
            ic, sc = two.ic, two.sc
            created = sc.post(
                "/sessions",
                json={
                    "kind": "family_seminar",
                    "starts_at": "2026-04-18T14:00:00+09:00",
                    "capacity": 1,
                    "waitlist": True,
                },
                headers=SUPERVISOR,
            )
            assert created.status_code == 201, created.text
            session_id = created.json()["id"]
            wait_until(lambda: "家族セミナー" in ic.get("/seminars").text, message="intake lists the seminar")

            # The first person takes the seat, through the pages without a browser.
            with httpx.Client(base_url=two.intake.url) as first:
                registered = form(
                    first,
                    "/register",
                    {"password": PASSWORD, "password_confirm": PASSWORD, "agree": "yes"},
                    page="/register",
                )
                assert registered.status_code == 200
                assert form(first, f"/seminars/{session_id}", {}, page="/seminars").status_code == 303
                wait_until(
                    lambda: "参加が決まりました" in first.get("/my").text, message="the first is seated"
                )

            async with browser_at(two.intake.url, font_dirs=font_dirs()) as page:
                await page.goto("/register")
                await page.get_by_label("メールアドレス").fill(ADDRESS)
                await page.get_by_label("パスワード", exact=True).fill(PASSWORD)
                await page.get_by_label("パスワード（確認）").fill(PASSWORD)
                await page.get_by_label("入力した情報を").check()
                await page.get_by_role("button", name="登録する").click()
                await page.get_by_role("heading", level=1, name="登録が完了しました").wait_for()

                await page.goto("/seminars")
                assert "満席（キャンセル待ちで申し込めます）" in await page.locator("main").inner_text()
                await page.screenshot(path=str(shots / "seminars-full.png"), full_page=True)
                await no_violations(page)
                await page.get_by_role("button", name="キャンセル待ちで申し込む").click()
                await page.wait_for_url("**/my*")

                async def shows(text: str) -> bool:
                    await page.reload()
                    return text in await page.locator("main").inner_text()

                for _ in range(150):  # at most 30 s: scheduling answers through the bus
                    if await shows("キャンセル待ち（お申し込み時点で1番目）"):
                        break
                    await page.wait_for_timeout(200)
                else:
                    raise AssertionError("the sign-up never reached the waitlist")
                await page.screenshot(path=str(shots / "signup-waitlisted.png"), full_page=True)
                await no_violations(page)

                seated = [
                    r
                    for r in sc.get(f"/sessions/{session_id}/registrations", headers=SUPERVISOR).json()
                    if r["status"] == "registered"
                ]
                cancelled = sc.post(
                    f"/sessions/{session_id}/registrations/{seated[0]['id']}/cancel",
                    json={},
                    headers=SUPERVISOR,
                )
                assert cancelled.status_code == 200, cancelled.text

                for _ in range(150):
                    if await shows("参加が決まりました（席番号 1）"):
                        break
                    await page.wait_for_timeout(200)
                else:
                    raise AssertionError("the promotion never reached the person's page")
                await page.screenshot(path=str(shots / "signup-promoted.png"), full_page=True)
                await no_violations(page)

            told = wait_until(lambda: smtp.messages, timeout=30, message="the promotion mailed")
            [message] = told
            assert message["To"] == ADDRESS
            assert message["Subject"] == "【つなぐ】キャンセル待ちのお申し込みに空きが出ました"
            assert session_id not in message.as_string()
