"""The public directory page in a real browser (Debian's Chromium): searching by municipality and
by support kind with the keyboard and the form, an accessibility check, and screenshots kept as
artefacts."""

from __future__ import annotations

import pytest
from tsunagu_partners.testing import SUPERVISOR, PartnersService
from tsunagu_servicekit.testing import artefacts_dir
from tsunagu_servicekit.testing.browser import axe_violations, browser_page
from tsunagu_typeset import font_dirs

pytestmark = pytest.mark.slow


WEEKDAYS = {day: [["10:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


async def listed(service: PartnersService, name: str, kind: str, municipality: str, support: str) -> None:
    body = {
        "kind": kind,
        "name": name,
        "municipality_code": municipality,
        "support_kinds": [support],
        "targets": ["person", "family"],
        "contact": {"phone": "03-0000-0000"},
        "opening_hours": [{"channel": "visit", "effective_from": "2024-04-01", "weekly": WEEKDAYS}],
        "publication_consented": True,
        "publication_consented_on": "2025-04-01",
    }
    response = await service.client.post("/resources", json=body, headers=SUPERVISOR)
    assert response.status_code == 201, response.text


async def test_search_by_municipality_and_support_kind_and_no_serious_accessibility_violation(
    service: PartnersService,
) -> None:
    await listed(service, "居場所しんじゅく", "place_to_belong", "131041", "place_to_belong")
    await listed(service, "新宿区 ひきこもり相談窓口", "municipal_window", "131041", "consultation")
    await listed(service, "居場所みなと", "place_to_belong", "131032", "place_to_belong")
    async with browser_page(service.client, font_dirs=font_dirs()) as page:
        await page.goto("/public/directory")
        assert (
            await page.title()
            == "ひきこもりに関する相談窓口・支援団体の一覧 | 東京都ひきこもりサポートネット"
        )
        assert await page.get_by_role("link", name="0120-529-528").count() == 1

        # The fields are found by their labels; the search is submitted from the keyboard.
        await page.get_by_label("区市町村", exact=True).select_option("131041")
        await page.get_by_label("支援の種類", exact=True).select_option("place_to_belong")
        await page.get_by_role("button", name="検索する").press("Enter")
        await page.wait_for_url("**/public/directory?*")
        assert "municipality_code=131041" in page.url
        assert "support_kind=place_to_belong" in page.url
        assert await page.get_by_label("区市町村", exact=True).input_value() == "131041"
        assert (await page.get_by_role("status").inner_text()).startswith("1件")
        names = await page.locator("ol.results article h3").all_inner_texts()
        assert len(names) == 1
        assert names[0].startswith("居場所しんじゅく")
        # Open on a weekday at 10:00 (the test clock), and said in words, not colour alone.
        assert "受付中" in names[0]
        await page.screenshot(
            path=str(artefacts_dir("partners") / "directory-shinjuku-place-to-belong.png"), full_page=True
        )

        await page.get_by_label("支援の種類", exact=True).select_option("")
        await page.get_by_role("button", name="検索する").press("Enter")
        await page.wait_for_url("**/public/directory?*support_kind=&*")
        assert await page.locator("ol.results article").count() == 2
        await page.screenshot(
            path=str(artefacts_dir("partners") / "directory-shinjuku-all-kinds.png"), full_page=True
        )

        violations = await axe_violations(page)
        assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]
