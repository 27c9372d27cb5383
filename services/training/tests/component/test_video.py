"""Video lessons and checks through the composition root: progress reports counted once, implausible
ones refused and recorded nowhere, completion by the lesson's rule, checks scored and passed once,
the lesson page, and every refusal with its rule."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from tsunagu_servicekit.testing import problem_of
from tsunagu_training.domain import rules
from tsunagu_training.testing import TRAINER, TrainingService, coordinator, enrolled_learner, staff

CANARY = "カナリア動画山田"
LESSON_COMPLETED = "tsunagu.training.lesson.completed.v1"
TRAINING_COMPLETED = "tsunagu.training.training.completed.v1"


def progress_path(enrolment_id: str, lesson: str = "video") -> str:
    return f"/enrolments/{enrolment_id}/lessons/{lesson}/progress"


async def report(
    client: httpx.AsyncClient,
    enrolment_id: str,
    headers: dict[str, str],
    event: str,
    position: int,
    *,
    lesson: str = "video",
    report_id: str | None = None,
) -> httpx.Response:
    body = {"report_id": report_id or str(uuid.uuid4()), "event": event, "position_seconds": position}
    return await client.post(progress_path(enrolment_id, lesson), json=body, headers=headers)


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def event_types(service: TrainingService) -> list[str]:
    return [e.type for e in service.outbox_events()]


async def watch(
    service: TrainingService,
    enrolment_id: str,
    headers: dict[str, str],
    until: int,
    *,
    every: int = 60,
    rate: int = 2,
) -> dict[str, Any]:
    """Play from the start at ``rate``×, reporting every ``every`` seconds of wall time, to ``until``."""
    state = await ok(await report(service.client, enrolment_id, headers, "start", 0))
    position = 0
    while position < until:
        service.clock.advance(seconds=every)
        position = min(position + every * rate, until)
        state = await ok(await report(service.client, enrolment_id, headers, "position", position))
    return state


async def test_watching_to_the_share_completes_the_lesson_and_the_course_once(
    service: TrainingService,
) -> None:
    headers, _, enrolment = await enrolled_learner(
        service.client, subject="staff-v1", course_code="sup-06", name=CANARY
    )
    eid = enrolment["id"]
    # sup-06: 2,700 seconds, 90% (2,430 seconds) completes it.
    state = await watch(service, eid, headers, until=2400)
    assert state == {
        "enrolment_id": eid,
        "lesson_code": "video",
        "duration_seconds": 2700,
        "watched_seconds": 2400,
        "watched_share": 88,
        "required_share": 90,
        "done": False,
        "course_status": "enrolled",
    }
    assert LESSON_COMPLETED not in event_types(service)
    service.clock.advance(seconds=15)
    state = await ok(await report(service.client, eid, headers, "position", 2430))
    assert (state["watched_seconds"], state["watched_share"], state["done"], state["course_status"]) == (
        2430,
        90,
        True,
        "completed",
    )
    service.clock.advance(seconds=135)
    state = await ok(await report(service.client, eid, headers, "end", 2700))
    assert (state["watched_seconds"], state["watched_share"], state["done"]) == (2700, 100, True)
    types = event_types(service)
    assert types.count(LESSON_COMPLETED) == 1
    assert types.count(TRAINING_COMPLETED) == 1
    completed = service.outbox_events()[-1].data
    assert (completed.course_code, completed.staff_subject) == ("sup-06", "staff-v1")
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())
    read = (await service.client.get(f"/enrolments/{eid}", headers=TRAINER)).json()
    assert (read["status"], read["lessons_done"]) == ("completed", ["video"])
    # The coordinator of the learner's municipality and trainers read the progress too.
    for who in (coordinator(), TRAINER, headers):
        assert (await service.client.get(progress_path(eid), headers=who)).json() == state


async def test_a_report_sent_twice_counts_once_and_a_reused_id_is_refused(service: TrainingService) -> None:
    headers, _, enrolment = await enrolled_learner(service.client, subject="staff-v2", course_code="sup-06")
    eid = enrolment["id"]
    await ok(await report(service.client, eid, headers, "start", 0))
    service.clock.advance(seconds=30)
    again = str(uuid.uuid4())
    first = await ok(await report(service.client, eid, headers, "position", 60, report_id=again))
    assert first["watched_seconds"] == 60
    before = service.counts()
    # The retry arrives much later: it is the same report, so it changes nothing.
    service.clock.advance(seconds=600)
    assert await ok(await report(service.client, eid, headers, "position", 60, report_id=again)) == first
    assert service.counts() == before
    reused = await report(service.client, eid, headers, "position", 90, report_id=again)
    assert (reused.status_code, reused.json()) == (409, problem_of(rules.REPORT_ID_REUSED))
    assert service.counts() == before


async def test_implausible_progress_is_refused_and_recorded_nowhere(service: TrainingService) -> None:
    headers, _, enrolment = await enrolled_learner(service.client, subject="staff-v3", course_code="sup-06")
    eid = enrolment["id"]
    await ok(await report(service.client, eid, headers, "start", 0))
    before = service.counts()
    # The whole video "watched" in 3 seconds.
    service.clock.advance(seconds=3)
    claimed = await report(service.client, eid, headers, "end", 2700)
    assert (claimed.status_code, claimed.json()) == (422, problem_of(rules.IMPLAUSIBLE_PROGRESS))
    assert service.counts() == before
    # Many quick reports do not add up: the tolerance is spent once.
    assert (await ok(await report(service.client, eid, headers, "position", 11)))["watched_seconds"] == 11
    quick = await report(service.client, eid, headers, "position", 13)
    assert quick.json()["rule"] == "implausible_progress"
    # The page starts again from where the player is: the jump is not credited.
    state = await ok(await report(service.client, eid, headers, "start", 1500))
    service.clock.advance(seconds=10)
    state = await ok(await report(service.client, eid, headers, "position", 1520))
    assert state["watched_seconds"] == 31
    assert LESSON_COMPLETED not in event_types(service)


async def test_a_seek_backwards_starts_a_new_interval_and_each_second_counts_once(
    service: TrainingService,
) -> None:
    headers, _, enrolment = await enrolled_learner(service.client, subject="staff-v4", course_code="sup-06")
    eid = enrolment["id"]
    await ok(await report(service.client, eid, headers, "start", 100))
    service.clock.advance(seconds=50)
    assert (await ok(await report(service.client, eid, headers, "position", 200)))["watched_seconds"] == 100
    service.clock.advance(seconds=5)
    # Back to 150: nothing new; from there to 250 only 200–250 is new.
    assert (await ok(await report(service.client, eid, headers, "position", 150)))["watched_seconds"] == 100
    service.clock.advance(seconds=100)
    assert (await ok(await report(service.client, eid, headers, "position", 250)))["watched_seconds"] == 150


async def test_a_check_is_scored_and_passed_once_and_completes_the_course_with_the_video(
    service: TrainingService,
) -> None:
    headers, _, enrolment = await enrolled_learner(service.client, subject="staff-v5", course_code="sup-01")
    eid = enrolment["id"]
    check = (await service.client.get(f"/enrolments/{eid}/lessons/check/check", headers=headers)).json()
    assert (check["pass_mark"], len(check["questions"]), check["done"]) == (4, 5, False)
    assert check["questions"][0]["text"].startswith("東京都ひきこもりサポートネットの電話相談")
    assert "answer" not in str(check)
    catalogue = service.context.catalogue.in_force(2025)
    assert catalogue is not None
    lesson = catalogue.courses["sup-01"].lesson("check")
    assert lesson is not None
    right = [item.answer for item in lesson.items]
    wrong = [(a + 1) % len(item.choices) for a, item in zip(right, lesson.items, strict=True)]
    answers = f"/enrolments/{eid}/lessons/check/answers"

    failed = await service.client.post(answers, json={"answers": right[:3] + wrong[3:]}, headers=headers)
    assert (failed.status_code, failed.json()["correct"], failed.json()["passed"]) == (200, 3, False)
    assert LESSON_COMPLETED not in event_types(service)
    passed = (
        await service.client.post(answers, json={"answers": right[:4] + wrong[4:]}, headers=headers)
    ).json()
    assert passed == {
        "enrolment_id": eid,
        "lesson_code": "check",
        "questions": 5,
        "pass_mark": 4,
        "correct": 4,
        "passed": True,
        "done": True,
        "course_status": "enrolled",
    }
    assert event_types(service).count(LESSON_COMPLETED) == 1
    before = service.counts()
    # Answered again, even wrongly: the passing result, nothing written.
    again = await service.client.post(answers, json={"answers": wrong}, headers=headers)
    assert again.json() == passed
    assert service.counts() == before
    # The video too: sup-01 (3,600 seconds, 90%) is then complete.
    await watch(service, eid, headers, until=3240)
    types = event_types(service)
    assert (types.count(LESSON_COMPLETED), types.count(TRAINING_COMPLETED)) == (2, 1)
    check = (await service.client.get(f"/enrolments/{eid}/lessons/check/check", headers=headers)).json()
    assert (check["done"], check["course_status"]) == (True, "completed")


async def test_every_refusal_names_its_rule_and_writes_nothing(service: TrainingService) -> None:
    client = service.client
    headers, learner, enrolment = await enrolled_learner(client, subject="staff-v6", course_code="sup-01")
    other, _, _ = await enrolled_learner(client, subject="staff-v7", course_code="sup-01")
    _, _, programme = await enrolled_learner(
        client,
        subject="wc-v1",
        audience="welfare_commissioners",
        programme_code="wc-programme",
        role="learner",
    )
    eid = enrolment["id"]
    body = {"report_id": str(uuid.uuid4()), "event": "start", "position_seconds": 0}
    nowhere = str(uuid.uuid4())
    before = service.counts()
    cases: list[tuple[str, dict[str, Any], dict[str, str], Any]] = [
        (progress_path(eid), body, other, rules.NOT_YOUR_ENROLMENT),
        (progress_path(eid), body, coordinator(), rules.NOT_YOUR_ENROLMENT),
        (progress_path(eid), body, TRAINER, rules.NOT_YOUR_ENROLMENT),
        (progress_path(nowhere), body, headers, rules.ENROLMENT_NOT_FOUND),
        (progress_path(eid, "nope"), body, headers, rules.LESSON_NOT_FOUND),
        (progress_path(eid, "check"), body, headers, rules.NOT_A_VIDEO),
        (progress_path(programme["id"]), body, headers, rules.NOT_YOUR_ENROLMENT),
        (progress_path(eid), {**body, "position_seconds": 3606}, headers, rules.POSITION_OUT_OF_RANGE),
        (f"/enrolments/{eid}/lessons/video/answers", {"answers": [0]}, headers, rules.NOT_A_CHECK),
        (f"/enrolments/{eid}/lessons/check/answers", {"answers": [0, 0]}, headers, rules.ANSWERS_DO_NOT_FIT),
        (
            f"/enrolments/{eid}/lessons/check/answers",
            {"answers": [0, 0, 0, 0, 7]},
            headers,
            rules.ANSWERS_DO_NOT_FIT,
        ),
        (f"/enrolments/{eid}/lessons/check/answers", {"answers": [0] * 5}, other, rules.NOT_YOUR_ENROLMENT),
    ]
    for path, sent, who, rule in cases:
        response = await client.post(path, json=sent, headers=who)
        assert (response.status_code, response.json()) == (rule.status, problem_of(rule)), path
    # A programme's enrolment has courses, not lessons (its own learner asking).
    wc_headers = staff("learner", subject="wc-v1")
    response = await client.post(progress_path(programme["id"]), json=body, headers=wc_headers)
    assert response.json() == problem_of(rules.LESSON_NOT_FOUND)
    reads: list[tuple[str, dict[str, str], Any]] = [
        (progress_path(eid), other, rules.OWN_ORGANISATION_ONLY),
        (progress_path(eid), coordinator("131130"), rules.OWN_ORGANISATION_ONLY),
        (progress_path(eid, "check"), headers, rules.NOT_A_VIDEO),
        (f"/enrolments/{eid}/lessons/video/check", headers, rules.NOT_A_CHECK),
        (f"/enrolments/{nowhere}/lessons/check/check", headers, rules.ENROLMENT_NOT_FOUND),
        (f"/lessons/{nowhere}/video", {}, rules.ENROLMENT_NOT_FOUND),
        (f"/lessons/{eid}/check", {}, rules.NOT_A_VIDEO),
        (f"/lessons/{eid}/nope", {}, rules.LESSON_NOT_FOUND),
    ]
    for path, who, rule in reads:
        response = await client.get(path, headers=who)
        assert (response.status_code, response.json()) == (rule.status, problem_of(rule)), path
    # Larger than the service takes: refused before it is read.
    huge = {**body, "reported_at": "x" * 300_000}
    response = await client.post(progress_path(eid), json=huge, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    answers = await client.post(
        f"/enrolments/{eid}/lessons/check/answers", json={"answers": [0] * 150_000}, headers=headers
    )
    assert answers.status_code == 413
    # Not a JSON integer, and no such event: the body's own validation.
    for bad in (
        {**body, "position_seconds": "5"},
        {**body, "event": "skip"},
        {**body, "position_seconds": True},
    ):
        assert (await client.post(progress_path(eid), json=bad, headers=headers)).status_code == 422
    assert service.counts() == before
    assert learner["id"]


async def test_the_lesson_page_shows_the_lesson_and_nothing_of_the_learner(service: TrainingService) -> None:
    _, _, enrolment = await enrolled_learner(
        service.client, subject="staff-v8", course_code="sup-06", name=CANARY
    )
    response = await service.client.get(f"/lessons/{enrolment['id']}/video")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>活動事例紹介 | 活動事例紹介 | 研修</title>" in page
    assert 'src="/media/training/R7/sup-06/video.webm"' in page
    assert f'data-progress-url="/enrolments/{enrolment["id"]}/lessons/video/progress"' in page
    assert CANARY not in page
    assert "staff-v8" not in page
    policy = response.headers["content-security-policy"]
    assert "script-src 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">' in page
    assert (response.headers["cache-control"], response.headers["referrer-policy"]) == (
        "no-store",
        "no-referrer",
    )
