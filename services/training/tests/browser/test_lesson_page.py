"""The lesson page in a real browser (Debian's Chromium): a real six-second WebM plays at 2×, the
page's script reports start, positions and the end, the service credits what was watched and the
page shows 修了; the service has announced the lesson and the course completed. An accessibility
check, and screenshots kept as artefacts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_servicekit.testing import artefacts_dir
from tsunagu_servicekit.testing.browser import axe_violations, browser_page
from tsunagu_training.testing import TrainingService, enrolled_learner
from tsunagu_typeset import font_dirs

pytestmark = pytest.mark.slow

MEDIA = "https://media.test/training"
"""Where the browser tests' service says the videos are (conftest.py), served by the test itself."""
CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:06.000\n試験用の字幕です。\n".encode()
LESSON_COMPLETED = "tsunagu.training.lesson.completed.v1"
TRAINING_COMPLETED = "tsunagu.training.training.completed.v1"


async def eventually(page: Any, expression: str, timeout: float = 30.0) -> None:
    """Wait until ``expression`` is true in the page. Polled from here: the page's policy forbids
    the eval that ``wait_for_function`` needs."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await page.evaluate(expression):
        assert asyncio.get_running_loop().time() < deadline, expression
        await asyncio.sleep(0.1)


def reported(service: TrainingService, enrolment_id: str) -> list[tuple[str, int]]:
    """The reports the service kept for an enrolment, in the order they arrived."""
    query = sa.text(
        "SELECT event, position_seconds FROM training_progress_report"
        " WHERE enrolment_id = :e ORDER BY received_at"
    )
    with service.engine.connect() as conn:
        return [(row.event, row.position_seconds) for row in conn.execute(query, {"e": enrolment_id})]


async def serve_media(page: Any, clip: bytes) -> list[str]:
    """Answer the media host's requests with the clip and its captions; the paths asked for."""
    asked: list[str] = []

    async def answer(route: Any) -> None:
        url: str = route.request.url
        asked.append(url[len(MEDIA) :])
        cors = {"Access-Control-Allow-Origin": "*"}
        if url == f"{MEDIA}/T1/vid-01/video.webm":
            # Byte ranges, as a media server answers them: without them Chromium cannot seek.
            first, _, last = (
                route.request.headers.get("range", "bytes=0-").removeprefix("bytes=").partition("-")
            )
            start, end = int(first or 0), int(last) if last else len(clip) - 1
            await route.fulfill(
                status=206,
                headers={
                    **cors,
                    "Content-Type": "video/webm",
                    "Accept-Ranges": "bytes",
                    "Content-Range": f"bytes {start}-{end}/{len(clip)}",
                },
                body=clip[start : end + 1],
            )
        elif url == f"{MEDIA}/T1/vid-01/video.ja.vtt":
            await route.fulfill(status=200, headers={**cors, "Content-Type": "text/vtt"}, body=CAPTIONS)
        else:
            await route.fulfill(status=404, headers=cors, body=b"")

    await page.route(f"{MEDIA}/**", answer)
    return asked


async def test_playing_the_video_reports_progress_and_shows_completion(
    service: TrainingService, clip: bytes
) -> None:
    headers, _, enrolment = await enrolled_learner(
        service.client, subject="staff-browser-1", course_code="vid-01"
    )
    token = headers["Authorization"].removeprefix("Bearer ")
    eid = enrolment["id"]
    async with browser_page(service.client, font_dirs=font_dirs()) as page:
        asked = await serve_media(page, clip)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"/lessons/{eid}/video#token={token}")
        assert await page.title() == "六秒の動画 | 動画研修の試験 | 研修"
        # The token is kept in the tab, out of the address bar.
        assert "#token" not in page.url
        assert await page.evaluate("sessionStorage.getItem('tsunagu.training.token')") == token
        assert await page.get_by_role("status").inner_text() == "受講中"
        await eventually(page, "document.getElementById('lesson-video').readyState >= 1")
        assert await page.evaluate("document.getElementById('lesson-video').duration") == 6
        violations = await axe_violations(page)
        assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]

        await page.evaluate(
            "() => { const v = document.getElementById('lesson-video');"
            " v.muted = true; v.playbackRate = 4; return v.play(); }"
        )
        # Faster than 2× the service would not credit: the page holds the player at 2×.
        await eventually(page, "document.getElementById('lesson-video').playbackRate === 2", timeout=5)
        await eventually(page, "document.getElementById('lesson-status').textContent === '修了'")
        assert await page.locator("#lesson-progress").evaluate("p => p.value") == 100
        assert await page.get_by_text("このコースの修了が記録されました。").is_visible()
        assert await page.locator("#lesson-alert").is_hidden()
        assert await page.evaluate("document.getElementById('lesson-video').ended")
        await page.screenshot(
            path=str(artefacts_dir("training") / "lesson-page-completed.png"), full_page=True
        )
        violations = await axe_violations(page)
        assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]
        await page.evaluate("tsunaguLesson.player.flush()")
    assert "/T1/vid-01/video.webm" in asked
    assert errors == []

    # The server's side: what the page reported, what it credited, what it announced.
    events = [event for event, _ in reported(service, eid)]
    assert events[0] == "start"
    assert "position" in events
    assert events[-1] == "end"
    state = (await service.client.get(f"/enrolments/{eid}/lessons/video/progress", headers=headers)).json()
    assert (state["watched_seconds"], state["done"], state["course_status"]) == (6, True, "completed")
    types = [e.type for e in service.outbox_events()]
    assert (types.count(LESSON_COMPLETED), types.count(TRAINING_COMPLETED)) == (1, 1)
    completed = service.outbox_events()[-1].data
    assert (completed.course_code, completed.staff_subject) == ("vid-01", "staff-browser-1")


async def test_without_a_token_the_page_says_so_and_reports_nothing(
    service: TrainingService, clip: bytes
) -> None:
    _, _, enrolment = await enrolled_learner(service.client, subject="staff-browser-2", course_code="vid-01")
    before = service.counts()
    async with browser_page(service.client, font_dirs=font_dirs()) as page:
        await serve_media(page, clip)
        await page.goto(f"/lessons/{enrolment['id']}/video")
        alert = page.get_by_role("alert")
        assert (
            await alert.inner_text()
            == "ログイン情報がありません。研修ポータルからこのページを開いてください。"
        )
        await page.evaluate(
            "() => { const v = document.getElementById('lesson-video'); v.muted = true; return v.play(); }"
        )
        await eventually(page, "document.getElementById('lesson-video').currentTime > 1")
        violations = await axe_violations(page)
        assert violations == [], [f"{v.rule} ({v.impact}, {v.nodes}): {v.help}" for v in violations]
    assert service.counts() == before


async def test_skipping_ahead_is_not_counted_as_watching(service: TrainingService, clip: bytes) -> None:
    headers, _, enrolment = await enrolled_learner(
        service.client, subject="staff-browser-3", course_code="vid-01"
    )
    token = headers["Authorization"].removeprefix("Bearer ")
    eid = enrolment["id"]
    async with browser_page(service.client, font_dirs=font_dirs()) as page:
        await serve_media(page, clip)
        await page.goto(f"/lessons/{eid}/video#token={token}")
        await page.evaluate(
            "() => { const v = document.getElementById('lesson-video'); v.muted = true; return v.play(); }"
        )
        await eventually(page, "document.getElementById('lesson-video').currentTime > 1.2")
        await page.evaluate("document.getElementById('lesson-video').currentTime = 4.5")
        await eventually(page, "document.getElementById('lesson-video').ended")
        await page.evaluate("tsunaguLesson.player.flush()")
        await eventually(page, "document.getElementById('lesson-share').textContent !== '0％'")
        shown = await page.locator("#lesson-share").inner_text()
        assert await page.get_by_role("status").inner_text() == "受講中"
    state = (await service.client.get(f"/enrolments/{eid}/lessons/video/progress", headers=headers)).json()
    # About a second before the seek and the last second and a half: never the 90% that completes it.
    assert 2 <= state["watched_seconds"] <= 4, state
    assert (state["done"], shown) == (False, f"{state['watched_share']}％")
    events = reported(service, eid)
    # Playback started at 0 and again, after the seek, at 4.
    assert [position for event, position in events if event == "start"] == [0, 4]
    assert events[-1] == ("end", 6)
    assert LESSON_COMPLETED not in [e.type for e in service.outbox_events()]
