"""The public verification page in a real browser (Debian's Chromium): what a QR code leads to,
read as a person would, checked with axe-core, for a valid, a revoked and an unknown certificate;
screenshots kept as artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from tsunagu_servicekit.testing import artefacts_dir
from tsunagu_servicekit.testing.browser import axe_violations, browser_page
from tsunagu_training.testing import TRAINER, TrainingService, attend, enrolled_learner, post_ok
from tsunagu_typeset import font_dirs

pytestmark = pytest.mark.slow

NAME = "研修 花子"


async def _no_violations(page: Any) -> None:
    violations = await axe_violations(page)
    assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]


async def test_the_verification_page_says_valid_or_revoked_with_initials_only_and_is_accessible(
    service: TrainingService,
) -> None:
    headers, learner, enrolment = await enrolled_learner(
        service.client, subject="staff-b1", course_code="sup-02", name=NAME
    )
    attend(service, enrolment["id"])
    certificate = (
        await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)
    ).json()[0]
    path = f"/public/certificates/{certificate['verification_code']}"
    shots = artefacts_dir("training")

    async with browser_page(service.client, font_dirs=font_dirs()) as page:
        await page.goto(path)
        assert await page.locator("html").get_attribute("lang") == "ja"
        assert (await page.title()).startswith("修了証の確認：有効")
        assert await page.get_by_role("heading", level=1, name="修了証の確認").count() == 1
        assert await page.get_by_role("heading", level=2, name="修了証の内容").count() == 1
        status = await page.get_by_role("status").inner_text()
        assert status.startswith("有効")
        body = await page.locator("body").inner_text()
        for shown in ("訪問支援", "研・花（イニシャル）", "令和7年5月1日", "令和10年4月30日まで"):
            assert shown in body, shown
        assert NAME not in body
        assert "花子" not in body
        await page.screenshot(path=str(shots / "verification-valid.png"), full_page=True)
        await _no_violations(page)

        await post_ok(
            service.client, f"/certificates/{certificate['id']}/revocation", {"reason": "other"}, TRAINER
        )
        await page.reload()
        assert (await page.get_by_role("status").inner_text()).startswith("取り消し済み")
        await page.screenshot(path=str(shots / "verification-revoked.png"), full_page=True)
        await _no_violations(page)

        response = await page.goto("/public/certificates/ZZZZ-ZZZZ-ZZ")
        assert response is not None
        assert response.status == 404
        assert await page.get_by_role("heading", level=2, name="修了証が見つかりません").count() == 1
        assert "ZZZZ" not in await page.locator("body").inner_text()
        await page.screenshot(path=str(shots / "verification-unknown.png"), full_page=True)
        await _no_violations(page)
