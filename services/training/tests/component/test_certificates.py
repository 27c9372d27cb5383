"""Certificates through the composition root: issued with the completion, refused for an incomplete
one, verified publicly with initials only, revoked, downloaded in bulk, and announced by the timer
ahead of their expiry (on business days) and on it, each once."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_servicekit.testing import problem_of
from tsunagu_training.domain import rules
from tsunagu_training.domain.certificates import notice_on
from tsunagu_training.handlers import certificates
from tsunagu_training.testing import (
    STAFF,
    TRAINER,
    TrainingService,
    attend,
    complete_lessons,
    coordinator,
    enrolled_learner,
    post_ok,
    staff,
)
from tsunagu_training.timers import CERTIFICATES

CANARY = "カナリア証明 太郎"
TOKYO_OFFSET = timedelta(hours=9)


def tokyo(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in Tokyo's wall-clock time, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - TOKYO_OFFSET


def events(service: TrainingService, name: str) -> list[Any]:
    """The data of the outbox's events of one kind (``certificate.issued``)."""
    return [e.data for e in service.outbox_events() if e.type == f"tsunagu.training.{name}.v1"]


async def home_visit_certificate(
    service: TrainingService, subject: str = "staff-c1", name: str = CANARY
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A supporter who attended the home-visit course (valid 36 months, grants ``home_visit``):
    their headers, the learner, the enrolment and the certificate issued with the completion."""
    headers, learner, enrolment = await enrolled_learner(
        service.client, subject=subject, course_code="sup-02", name=name
    )
    attend(service, enrolment["id"])
    listed = await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)
    assert listed.status_code == 200, listed.text
    return headers, learner, enrolment, listed.json()[-1]


async def test_a_completion_issues_its_certificate_announced_with_ids_only(service: TrainingService) -> None:
    headers, learner, enrolment = await enrolled_learner(
        service.client,
        subject="staff-c0",
        audience="implementing_organisations",
        course_code="org-01",
        name=CANARY,
    )
    complete_lessons(service, enrolment["id"], "video", "check")
    types = [e.type.split(".")[2:4] for e in service.outbox_events()]
    assert types[-2:] == [["training", "completed"], ["certificate", "issued"]]
    completed, issued = events(service, "training.completed")[0], events(service, "certificate.issued")[0]
    assert (issued.completion_id, issued.course_code, issued.programme_code) == (
        completed.completion_id,
        "org-01",
        None,
    )
    assert (issued.valid_until, issued.staff_subject, issued.learner_id) == (
        completed.valid_until,
        "staff-c0",
        learner["id"],
    )
    assert issued.issued_on == completed.completed_on
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())

    mine = (await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)).json()
    assert len(mine) == 1
    certificate = mine[0]
    assert (certificate["id"], certificate["status"], certificate["title"]) == (
        issued.certificate_id,
        "valid",
        "ひきこもり等のサポートガイドラインに関する研修",
    )
    assert certificate["verify_url"].endswith(f"/public/certificates/{certificate['verification_code']}")
    assert certificate["verify_url"].startswith("http://127.0.0.1:")
    for who in (headers, coordinator(), TRAINER):
        read = await service.client.get(f"/certificates/{certificate['id']}", headers=who)
        assert read.json() == certificate
    # A second report of the same lesson completes nothing and issues nothing.
    complete_lessons(service, enrolment["id"], "check")
    assert len(events(service, "certificate.issued")) == 1


async def test_a_programme_issues_a_certificate_per_course_and_one_for_the_programme(
    service: TrainingService,
) -> None:
    headers, learner, enrolment = await enrolled_learner(
        service.client,
        subject="wc-c1",
        audience="welfare_commissioners",
        programme_code="wc-programme",
        role="learner",
    )
    courses = {c["code"]: c["id"] for c in enrolment["courses"]}
    for code in ("wc-01", "wc-02", "wc-03"):
        complete_lessons(service, courses[code], "video")
    attend(service, courses["wc-04"])
    issued = events(service, "certificate.issued")
    assert [(i.course_code, i.programme_code) for i in issued] == [
        ("wc-01", None),
        ("wc-02", None),
        ("wc-03", None),
        ("wc-04", None),
        (None, "wc-programme"),
    ]
    mine = (await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)).json()
    assert (mine[-1]["kind"], mine[-1]["title"]) == ("programme", "民生委員・児童委員研修")


async def test_a_certificate_for_an_incomplete_course_is_refused_by_its_rule(
    service: TrainingService,
) -> None:
    _, _, enrolment = await enrolled_learner(service.client, subject="staff-c2", course_code="sup-02")
    before = service.counts()
    refused = await service.client.post(f"/enrolments/{enrolment['id']}/certificate", headers=TRAINER)
    assert refused.status_code == 409
    assert refused.json() == problem_of(rules.CERTIFICATE_FOR_INCOMPLETE)
    assert service.counts() == before
    unknown = await service.client.post(
        "/completions/00000000-0000-4000-8000-00000000c0de/certificate", headers=TRAINER
    )
    assert unknown.json() == problem_of(rules.COMPLETION_NOT_FOUND)
    learner_headers = staff("municipality_staff", subject="staff-c2", municipality="131041")
    forbidden = await service.client.post(
        f"/enrolments/{enrolment['id']}/certificate", headers=learner_headers
    )
    assert forbidden.status_code == 403

    attend(service, enrolment["id"])
    issued = events(service, "certificate.issued")
    # Once completed, the office gets the certificate issued with the completion, unchanged.
    again = await service.client.post(f"/enrolments/{enrolment['id']}/certificate", headers=TRAINER)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == issued[0].certificate_id
    assert len(events(service, "certificate.issued")) == 1


async def test_the_office_issues_a_certificate_missing_from_an_earlier_completion(
    service: TrainingService,
) -> None:
    _, _, _, certificate = await home_visit_certificate(service, subject="staff-c3")
    completion_id = certificate["completion_id"]
    # A completion from before certificates existed: it has none.
    with service.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM training_certificate"))
    issued = await service.client.post(f"/completions/{completion_id}/certificate", headers=TRAINER)
    assert issued.status_code == 201, issued.text
    fresh = issued.json()
    assert fresh["id"] != certificate["id"]
    assert fresh["verification_code"] != certificate["verification_code"]
    assert (fresh["valid_until"], fresh["status"]) == (certificate["valid_until"], "valid")
    assert [e.certificate_id for e in events(service, "certificate.issued")][-1] == fresh["id"]
    supervisor = STAFF["supervisor"]
    again = await service.client.post(f"/completions/{completion_id}/certificate", headers=supervisor)
    assert (again.status_code, again.json()["id"]) == (200, fresh["id"])


async def test_verification_shows_validity_and_initials_and_never_the_name(service: TrainingService) -> None:
    _, _, _, certificate = await home_visit_certificate(service)
    code = certificate["verification_code"]
    public = await service.client.get(f"/public/certificates/{code}.json")
    assert public.status_code == 200, public.text
    assert public.json() == {
        "verification_code": code,
        "title": "訪問支援",
        "kind": "course",
        "issued_on": "2025-05-01",
        "valid_until": "2028-04-30",
        "status": "valid",
        "holder_initials": "カ・太",
    }
    page = await service.client.get(f"/public/certificates/{code.replace('-', '').lower()}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    for shown in ("有効", "訪問支援", "カ・太", "令和7年5月1日", "令和10年4月30日", code):
        assert shown in page.text
    for answer in (public.text, page.text):
        assert CANARY not in answer
        assert "カナリア" not in answer
        assert certificate["learner_id"] not in answer

    for unknown in ("ZZZZ-ZZZZ-ZZ", "ABCD-EFGH-JU", "<b>x<b>"):
        missing = await service.client.get(f"/public/certificates/{unknown}")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert unknown not in missing.text
        as_json = await service.client.get(f"/public/certificates/{unknown}.json")
        assert as_json.json() == problem_of(rules.CERTIFICATE_NOT_FOUND)

    service.clock.set(tokyo(2028, 5, 1, 0, 5))
    expired = (await service.client.get(f"/public/certificates/{code}.json")).json()
    assert expired["status"] == "expired"
    assert "有効期限切れ" in (await service.client.get(f"/public/certificates/{code}")).text


async def test_only_the_holder_their_coordinator_and_the_office_read_a_certificate(
    service: TrainingService,
) -> None:
    _, _, _, certificate = await home_visit_certificate(service)
    for who in (
        staff("municipality_staff", subject="someone-else", municipality="131041"),
        coordinator("131130"),
        staff("learner", subject="wc-other"),
    ):
        for path in (f"/certificates/{certificate['id']}", f"/certificates/{certificate['id']}.pdf"):
            refused = await service.client.get(path, headers=who)
            assert refused.json() == problem_of(rules.OWN_ORGANISATION_ONLY), path
    missing = await service.client.get(
        "/certificates/00000000-0000-4000-8000-00000000c0de.pdf", headers=TRAINER
    )
    assert missing.json() == problem_of(rules.CERTIFICATE_NOT_FOUND)


async def test_revocation_is_immediate_and_withdraws_the_permissions(service: TrainingService) -> None:
    headers, _, enrolment, certificate = await home_visit_certificate(service)
    path = f"/certificates/{certificate['id']}/revocation"
    for who in (headers, coordinator(), STAFF["supervisor"]):
        refused = await service.client.post(path, json={"reason": "misconduct"}, headers=who)
        assert refused.status_code == 403
    bad = await service.client.post(path, json={"reason": CANARY}, headers=TRAINER)
    assert bad.status_code == 422
    assert CANARY not in bad.text

    service.clock.advance(days=3)
    revoked = await post_ok(service.client, path, {"reason": "issued_in_error"}, TRAINER)
    assert (revoked["status"], revoked["reason"]) == ("revoked", "issued_in_error")
    event = events(service, "certificate.revoked")[0]
    assert (event.certificate_id, event.completion_id, event.reason, event.permissions) == (
        certificate["id"],
        certificate["completion_id"],
        "issued_in_error",
        ["home_visit"],
    )
    assert event.revoked_at == service.clock.now
    public = await service.client.get(f"/public/certificates/{certificate['verification_code']}.json")
    assert public.json()["status"] == "revoked"
    page = await service.client.get(f"/public/certificates/{certificate['verification_code']}")
    assert "取り消" in page.text

    before = service.counts()
    again = await service.client.post(path, json={"reason": "other"}, headers=TRAINER)
    assert again.json() == problem_of(rules.ALREADY_REVOKED)
    printed = await service.client.get(f"/certificates/{certificate['id']}.pdf", headers=headers)
    assert printed.json() == problem_of(rules.CERTIFICATE_REVOKED)
    reissued = await service.client.post(f"/enrolments/{enrolment['id']}/certificate", headers=TRAINER)
    assert reissued.json() == problem_of(rules.CERTIFICATE_REVOKED)
    assert service.counts() == before
    assert len(events(service, "certificate.revoked")) == 1


async def test_the_timer_gives_notice_on_a_business_day_and_announces_the_expiry_once_each(
    service: TrainingService,
) -> None:
    _, _, _, certificate = await home_visit_certificate(service)
    assert certificate["valid_until"] == "2028-04-30"
    timer = next(t for t in service.runtime.timers if t.name == CERTIFICATES)
    ctx = service.context
    # Twenty business days before Sunday 30 April 2028 is Friday 31 March (unit-tested by hand).
    assert notice_on(datetime(2028, 4, 30).date(), ctx.certificates.notice_business_days, ctx.calendar) == (
        datetime(2028, 3, 31).date()
    )

    def scan_at(moment: datetime) -> int:
        service.clock.set(moment)
        return timer.scan_once(ctx)

    assert scan_at(tokyo(2028, 3, 30)) == 0  # Thursday, before the notice period
    assert scan_at(tokyo(2028, 4, 1)) == 0  # Saturday: the notice waits for a business day
    assert scan_at(tokyo(2028, 4, 2)) == 0  # Sunday
    assert events(service, "certificate.expiring") == []
    assert scan_at(tokyo(2028, 4, 3, 9, 0)) == 1  # Monday
    notice = events(service, "certificate.expiring")
    assert [(n.certificate_id, str(n.expires_on), n.permissions) for n in notice] == [
        (certificate["id"], "2028-05-01", ["home_visit"])
    ]
    assert notice[0].raised_at == tokyo(2028, 4, 3, 9, 0)
    assert scan_at(tokyo(2028, 4, 3, 11, 0)) == 0  # the same day again
    assert scan_at(tokyo(2028, 4, 28)) == 0  # a later business day in the period

    assert scan_at(tokyo(2028, 4, 30, 23, 59)) == 0  # the last valid day, to its end in Tokyo
    assert events(service, "certificate.expired") == []
    # 00:30 on 1 May in Tokyo is still 30 April in UTC: Tokyo's date decides.
    assert scan_at(tokyo(2028, 5, 1, 0, 30)) == 1
    expired = events(service, "certificate.expired")
    assert [(e.certificate_id, str(e.expired_on), e.permissions) for e in expired] == [
        (certificate["id"], "2028-05-01", ["home_visit"])
    ]
    assert scan_at(tokyo(2028, 5, 1, 12, 0)) == 0
    assert scan_at(tokyo(2028, 5, 8)) == 0
    assert len(events(service, "certificate.expiring")) == 1
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())


async def test_no_reminder_for_who_recertified_and_nothing_for_a_revoked_certificate(
    service: TrainingService,
) -> None:
    headers, learner, _, first = await home_visit_certificate(service, subject="staff-c5")
    _, _, _, other = await home_visit_certificate(service, subject="staff-c6")
    await post_ok(service.client, f"/certificates/{other['id']}/revocation", {"reason": "other"}, TRAINER)
    # The first learner completes the course again in fiscal year 2027.
    service.clock.set(tokyo(2027, 6, 1))
    again = await post_ok(
        service.client, "/enrolments", {"learner_id": learner["id"], "course_code": "sup-02"}, headers
    )
    attend(service, again["id"])
    mine = (await service.client.get(f"/learners/{learner['id']}/certificates", headers=headers)).json()
    assert [c["valid_until"] for c in mine] == ["2028-04-30", "2030-05-31"]

    service.clock.set(tokyo(2028, 4, 3))
    assert certificates.scan(service.context) == 1  # the first one, noted and left unannounced
    service.clock.set(tokyo(2028, 5, 1))
    assert certificates.scan(service.context) == 1  # its expiry is still announced
    assert events(service, "certificate.expiring") == []
    assert [e.certificate_id for e in events(service, "certificate.expired")] == [first["id"]]


def _zip_names(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            assert archive.read(name).startswith(b"%PDF-")
        return archive.namelist()


async def test_a_course_s_certificates_download_as_one_zip(
    service: TrainingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [await home_visit_certificate(service, subject=f"staff-z{i}") for i in range(3)]
    revoked = made[2][3]["id"]
    await post_ok(service.client, f"/certificates/{revoked}/revocation", {"reason": "other"}, TRAINER)
    query = {"course_code": "sup-02", "fiscal_year": 2025}
    response = await service.client.get("/certificates.zip", params=query, headers=TRAINER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="certificates-sup-02-2025.zip"' in response.headers["content-disposition"]
    names = _zip_names(response.content)
    assert names == [f"certificate-sup-02-{m[3]['verification_code']}.pdf" for m in made[:2]]
    assert all(CANARY not in name for name in names)

    # What a session's download calls with its attendees' completions.
    ids = [m[3]["completion_id"] for m in made]
    assert _zip_names(certificates.certificates_zip(service.context, ids[:1])) == names[:1]

    none = await service.client.get(
        "/certificates.zip", params={"course_code": "sup-03", "fiscal_year": 2025}, headers=TRAINER
    )
    assert none.json() == problem_of(rules.NO_CERTIFICATES)
    elsewhere = await service.client.get(
        "/certificates.zip", params={**query, "municipality_code": "131130"}, headers=TRAINER
    )
    assert elsewhere.json() == problem_of(rules.NO_CERTIFICATES)
    learner = await service.client.get("/certificates.zip", params=query, headers=made[0][0])
    assert learner.status_code == 403
    monkeypatch.setattr(certificates, "ZIP_LIMIT", 2)
    too_many = await service.client.get("/certificates.zip", params=query, headers=TRAINER)
    assert too_many.json() == problem_of(rules.TOO_MANY_CERTIFICATES)
