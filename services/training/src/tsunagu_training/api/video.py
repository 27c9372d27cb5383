"""Video lessons and checks over HTTP: the lesson page, the progress it reports, and short checks."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import checks, video
from ..handlers.commands import AnswerCheck, ReportProgress
from ..handlers.views import CheckResultView, CheckView, VideoProgressView
from .deps import Anyone, Ctx, EnrolmentId

router = APIRouter(tags=["lessons"])

LessonCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,47}$", description="Lesson code")]

# Autoescaping on: the template holds catalogue titles, and nothing goes unescaped into the script.
_templates = Jinja2Templates(
    env=Environment(loader=PackageLoader("tsunagu_training.api", "templates"), autoescape=True)
)

_LESSON = "/enrolments/{enrolment_id}/lessons/{lesson_code}"


@router.post(
    _LESSON + "/progress",
    responses=refusals(
        rules.ENROLMENT_NOT_FOUND,
        rules.NOT_YOUR_ENROLMENT,
        rules.LESSON_NOT_FOUND,
        rules.NOT_A_VIDEO,
        rules.POSITION_OUT_OF_RANGE,
        rules.IMPLAUSIBLE_PROGRESS,
        rules.REPORT_ID_REUSED,
    ),
)
def report_progress(
    body: ReportProgress, ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId, lesson_code: LessonCode
) -> VideoProgressView:
    """A progress report from the lesson page, by the learner enrolled. Sent twice (the same report
    id), it counts once; a report claiming more than 2× the time since the previous one (plus a
    tolerance) is refused. The answer is the lesson's state."""
    return video.report_progress(ctx, actor, enrolment_id, lesson_code, body)


@router.get(
    _LESSON + "/progress",
    responses=refusals(
        rules.ENROLMENT_NOT_FOUND,
        rules.LEARNER_NOT_FOUND,
        rules.OWN_ORGANISATION_ONLY,
        rules.LESSON_NOT_FOUND,
        rules.NOT_A_VIDEO,
    ),
)
def progress(
    ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId, lesson_code: LessonCode
) -> VideoProgressView:
    """How far a video lesson has been watched."""
    return video.video_progress(ctx, actor, enrolment_id, lesson_code)


@router.get(
    _LESSON + "/check",
    responses=refusals(
        rules.ENROLMENT_NOT_FOUND,
        rules.LEARNER_NOT_FOUND,
        rules.OWN_ORGANISATION_ONLY,
        rules.LESSON_NOT_FOUND,
        rules.NOT_A_CHECK,
    ),
)
def check(ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId, lesson_code: LessonCode) -> CheckView:
    """A check's questions and their choices (never the answers)."""
    return checks.get_check(ctx, actor, enrolment_id, lesson_code)


@router.post(
    _LESSON + "/answers",
    responses=refusals(
        rules.ENROLMENT_NOT_FOUND,
        rules.NOT_YOUR_ENROLMENT,
        rules.LESSON_NOT_FOUND,
        rules.NOT_A_CHECK,
        rules.ANSWERS_DO_NOT_FIT,
    ),
)
def answer(
    body: AnswerCheck, ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId, lesson_code: LessonCode
) -> CheckResultView:
    """The learner's answers to a check, scored; meeting the pass mark completes the lesson. A check
    passed before answers its passing result again and records nothing."""
    return checks.answer_check(ctx, actor, enrolment_id, lesson_code, body)


@router.get(
    "/lessons/{enrolment_id}/{lesson_code}",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}},
        **refusals(rules.ENROLMENT_NOT_FOUND, rules.LESSON_NOT_FOUND, rules.NOT_A_VIDEO),
    },
)
def lesson_page(
    request: Request, ctx: Ctx, enrolment_id: EnrolmentId, lesson_code: LessonCode
) -> HTMLResponse:
    """The lesson page of a video lesson: the video, and a small script that reports playback with
    the learner's token (given in the page's ``#token=`` fragment or kept in the tab's
    ``sessionStorage``). Served without a login: it shows catalogue data only, nothing of the
    learner."""
    page = video.lesson_page(ctx, enrolment_id, lesson_code)
    nonce = secrets.token_urlsafe(16)
    context: dict[str, Any] = {"page": page, "nonce": nonce}
    response: HTMLResponse = _templates.TemplateResponse(request, "lesson.html", context)
    response.headers.update(
        {
            "Content-Security-Policy": _policy(nonce, page.video_url),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }
    )
    return response


def _policy(nonce: str, video_url: str) -> str:
    """Only the page's own script and style run; the video (and its captions) may come from the
    media server; reports go to this service only; no framing."""
    parts = urlsplit(video_url)
    media = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            f"style-src 'nonce-{nonce}'",
            f"media-src {media}",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
