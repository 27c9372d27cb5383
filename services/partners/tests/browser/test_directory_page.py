"""The public directory page in a real browser (Debian's Chromium): searching by municipality and
by support kind with the keyboard and the form, an accessibility check, and screenshots kept as
artefacts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tsunagu_partners.testing import PartnersService
from tsunagu_servicekit.testing.browser import axe_violations, browser_page

pytestmark = pytest.mark.slow


def _artefacts() -> Path:
    path = Path(os.environ.get("TSUNAGU_TEST_ARTEFACTS", "test-artefacts")) / "partners"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def test_search_by_municipality_and_support_kind_and_no_serious_accessibility_violation(
    service: PartnersService,
) -> None:
    async with browser_page(service.client) as page:
        await page.goto("/public/directory")
        assert (
            await page.title()
            == "ひきこもりに関する相談窓口・支援団体の一覧 | 東京都ひきこもりサポートネット"
        )
        assert await page.get_by_role("link", name="0120-529-528").count() == 1

        # The fields are found by their labels; the search is submitted from the keyboard.
        await page.get_by_label("区市町村").select_option("131041")
        await page.get_by_label("支援の種類").select_option("place_to_belong")
        await page.get_by_role("button", name="検索する").press("Enter")
        await page.wait_for_url("**/public/directory?*")
        assert "municipality_code=131041" in page.url
        assert "support_kind=place_to_belong" in page.url
        assert await page.get_by_label("区市町村").input_value() == "131041"
        assert await page.get_by_role("status").inner_text() != ""
        await page.screenshot(path=str(_artefacts() / "directory-search.png"), full_page=True)

        violations = await axe_violations(page)
        assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]
