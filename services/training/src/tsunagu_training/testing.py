"""Test support of the training service: its settings for tests, the service under test, tokens,
and learners enrolled in a course.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

from typing import Any

import httpx
from tsunagu_servicekit.testing import ServiceRecipe, ServiceUnderTest, auth_headers, role_headers
from tsunagu_servicekit.testing.service import SHINJUKU, local_authenticator

from .adapters import learners
from .app import build_runtime
from .handlers import progress
from .handlers.context import TrainingContext
from .settings import TrainingSettings

JWT_SECRET = "training-test-secret-" + "t" * 40
STAFF = role_headers(JWT_SECRET)
"""The ``Authorization`` header of a local token per role: ``STAFF["trainer"]``."""
TRAINER = STAFF["trainer"]
SUPERVISOR = STAFF["supervisor"]


def staff(
    *roles: str, subject: str, municipality: str | None = None, partner: str | None = None
) -> dict[str, str]:
    """A token for ``roles`` under its own subject and ties."""
    return auth_headers(
        local_authenticator(JWT_SECRET), *roles, subject=subject, municipality=municipality, partner=partner
    )


def coordinator(municipality: str = SHINJUKU, partner: str | None = None) -> dict[str, str]:
    """A coordinator of a municipality's (or a partner's) learners."""
    return staff(
        "training_coordinator",
        subject=f"coordinator-{partner or municipality}",
        municipality=municipality,
        partner=partner,
    )


async def post_ok(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> Any:
    """POST ``body`` and return the answer's JSON, failing loudly on anything but 200 or 201."""
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def enrolled_learner(
    client: httpx.AsyncClient,
    *,
    subject: str,
    audience: str = "supporters",
    course_code: str | None = None,
    programme_code: str | None = None,
    role: str = "municipality_staff",
    municipality: str = SHINJUKU,
    partner: str | None = None,
    name: str = "研修 花子",
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A learner who registered themselves and enrolled: their headers, the learner and the enrolment."""
    headers = staff(role, subject=subject, municipality=municipality, partner=partner)
    learner = await post_ok(client, "/me/learner", {"name": name, "audience": audience}, headers)
    body: dict[str, Any] = {"learner_id": learner["id"]}
    body.update({"course_code": course_code} if course_code else {"programme_code": programme_code})
    enrolment = await post_ok(client, "/enrolments", body, headers)
    return headers, learner, enrolment


def complete_lessons(service: TrainingService, enrolment_id: str, *lessons: str) -> None:
    """Mark lessons done as the video and check handlers do once a rule is met (they are tested on
    their own): for tests that need a completion, not a way to it."""
    ctx = service.context
    with ctx.uow() as uow:
        enrolment = learners.find_enrolment(uow, enrolment_id, lock=True)
        assert enrolment is not None
        learner = learners.find_learner(uow, enrolment.learner_id)
        assert learner is not None
        for lesson in lessons:
            progress.lesson_done(ctx, uow, enrolment, learner, lesson, ctx.now())
        uow.commit()


def attend(service: TrainingService, enrolment_id: str) -> None:
    """Record attendance as the session handlers do (they are tested on their own)."""
    ctx = service.context
    with ctx.uow() as uow:
        enrolment = learners.find_enrolment(uow, enrolment_id, lock=True)
        assert enrolment is not None
        learner = learners.find_learner(uow, enrolment.learner_id)
        assert learner is not None
        progress.attended(ctx, uow, enrolment, learner, ctx.now())
        uow.commit()


class TrainingService(ServiceUnderTest[TrainingContext]):
    """The training service built by its composition root, with an HTTP client on its app."""


RECIPE = ServiceRecipe(TrainingService, TrainingSettings, build_runtime, defaults={"jwt_secret": JWT_SECRET})
make_settings, service_without_broker, running_service = RECIPE.parts


# -- sessions --


async def scheduled_session(
    client: httpx.AsyncClient,
    *,
    course_code: str = "sup-02",
    starts_at: str = "2025-05-20T13:00:00+09:00",
    ends_at: str = "2025-05-20T16:00:00+09:00",
    capacity: int = 10,
    waitlist: bool = True,
) -> Any:
    """A session a trainer scheduled (the clock of the tests starts on 1 May 2025)."""
    body = {
        "course_code": course_code,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue": "東京都庁第一本庁舎 研修室",
        "capacity": capacity,
        "waitlist": waitlist,
    }
    return await post_ok(client, "/sessions", body, TRAINER)
