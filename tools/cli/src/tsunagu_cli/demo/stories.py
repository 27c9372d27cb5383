"""The year's stories, one function per area; each adds its steps to the planner.

Read with :mod:`.plan` (time and people) and :mod:`.actions` (what each step kind sends).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from .plan import CALENDAR, TOKYO, Planner, at_tokyo, iso
from .volumes import FISCAL_YEAR, ROOMS, STAFF, YEAR_ENDS, YEAR_STARTS

SUPPORT_NET = "東京都ひきこもりサポートネット"
APRIL_FIRST = at_tokyo(YEAR_STARTS, 9, 0)
STAFF_TRAINING_DAY = date(2025, 4, 10)
HOME_VISITS_FROM = date(2025, 4, 14)
"""Home visits are scheduled once the staff's home-visit training (10 April) reached scheduling."""


def staff_subject(n: int) -> str:
    return f"demo-counsellor-{n:02d}"


def setup(p: Planner) -> None:
    """1 April, before opening: the Support Net's staff and rooms in scheduling, their availability,
    the year's meetings, the staff's home-visit training session, the subsidy's starting points."""
    t = APRIL_FIRST
    for n in range(1, STAFF + 1):
        p.add(t, "staff_resource", {"label": f"相談員{n:02d}", "subject": staff_subject(n)}, ref=f"staff{n}")
        p.add(t, "availability", {"resource": f"@staff{n}.id", "from": YEAR_STARTS.isoformat()})
    for n in range(1, ROOMS + 1):
        p.add(t, "room_resource", {"label": f"相談室{n}", "capacity": 6}, ref=f"room{n}")
    p.add(t + timedelta(minutes=5), "generate_meetings", {"fiscal_year": FISCAL_YEAR})
    # The staff's home-visit support course (sup-02, in person): it grants the home-visit permission.
    session = p.add(
        t + timedelta(minutes=10),
        "training_session",
        {"course_code": "sup-02", "starts_at": iso(at_tokyo(STAFF_TRAINING_DAY, 13)), "hours": 3, "capacity": 20},
        ref="staff_training",
    )
    for n in range(1, STAFF + 1):
        learner = f"staff_learner{n}"
        p.add(
            t + timedelta(minutes=15),
            "learner",
            {
                "name": p.fake.name(),
                "audience": "supporters",
                "subject": staff_subject(n),
                "organisation_name": SUPPORT_NET,
            },
            ref=learner,
        )
        p.add(
            t + timedelta(minutes=16),
            "enrol_and_book",
            {"learner": f"@{learner}.id", "course_code": "sup-02", "session": f"@{session}.id"},
            ref=f"staff_enrolment{n}",
        )
        p.add(
            at_tokyo(STAFF_TRAINING_DAY, 13, 10),
            "attendance",
            {"session": f"@{session}.id", "enrolment": f"@staff_enrolment{n}.enrolment_id", "present": True},
        )
    # Peer online consultation: once a week, Wednesday evening, the whole year.
    p.add(
        t + timedelta(minutes=20),
        "weekly_sessions",
        {
            "kind": "peer_online",
            "weekday": 2,
            "start": "19:00",
            "first_day": YEAR_STARTS.isoformat(),
            "last_day": YEAR_ENDS.isoformat(),
            "capacity": 6,
        },
    )


def consultations(p: Planner) -> None:
    """Calls, online and web consultations from persons and families, new and returning; risk,
    escalation to the expert team and closing for some of the cases they open."""
    v = p.volumes
    staff_channels = [("phone", p.phone_instant, v.phone_consultations)]
    staff_channels.append(("online", lambda: p.office_instant(_business_day(p), start=13), v.online_consultations))
    known: list[tuple[datetime, str]] = []  # (first contact, ref) of people recorded by staff
    for channel, when, count in staff_channels:
        for _ in range(count):
            at = when()
            earlier = [ref for first, ref in known if first < at - timedelta(days=1)]
            if earlier and p.rng.random() < v.returning_share:
                ref = p.rng.choice(earlier)
                p.add(
                    at,
                    "consultation",
                    {
                        "channel": channel,
                        "consulter": _consulter(p),
                        "person_id": f"@{ref}.person_id",
                        "case_id": f"@{ref}.case_id",
                        "topics": p.topics(),
                    },
                )
                continue
            ref = p.new_ref("c")
            consulter = _consulter(p)
            args: dict[str, Any] = {
                "channel": channel,
                "consulter": consulter,
                "person": p.person(with_contact=p.rng.random() < 0.3),
                "topics": p.topics(),
            }
            if consulter == "family" and p.rng.random() < 0.5:
                args["consulter_name"] = p.fake.name()
            p.add(at, "consultation", args, ref=ref)
            known.append((at, ref))
            _case_course(p, ref, at)
    p.known_people = known  # type: ignore[attr-defined]  # later stories refer to them


def _business_day(p: Planner) -> date:
    return p.weighted_day(CALENDAR.is_business_day)


def _consulter(p: Planner) -> str:
    return "family" if p.rng.random() < p.volumes.family_share else ("person" if p.rng.random() < 0.9 else "other")


def _case_course(p: Planner, ref: str, opened: datetime) -> None:
    """What may follow a first consultation: a risk assessment, an escalation, closing."""
    v = p.volumes
    day = opened.astimezone(TOKYO).date()
    escalated = False
    if p.rng.random() < v.risk_share:
        at = p.office_instant(p.business_day_after(day, p.rng.randint(1, 8)))
        level = p.rng.choice(("low", "medium", "medium", "high"))
        flags: list[dict[str, Any]] = []
        if level == "high":
            flags.append({"flag": p.rng.choice(("family_crisis", "no_contact", "financial_crisis"))})
        if p.in_year(at):
            p.add(at, "risk", {"case": f"@{ref}.case_id", "risk_level": level, "set_flags": flags})
    if p.rng.random() < v.escalation_share:
        at = p.office_instant(p.business_day_after(day, p.rng.randint(2, 15)))
        if p.in_year(at):
            escalated = True
            p.add(
                at,
                "escalate",
                {
                    "case": f"@{ref}.case_id",
                    "urgency": p.rng.choice(("routine", "routine", "routine", "urgent")),
                    "reason_codes": sorted(
                        p.rng.sample(("long_term_withdrawal", "family_conflict", "medical_question", "welfare_benefits", "legal_issue"), 2)
                    ),
                },
            )
    if not escalated and p.rng.random() < v.close_share:
        at = p.office_instant(p.business_day_after(day, p.rng.randint(20, 120)))
        if p.in_year(at):
            reason = p.rng.choice(("resolved", "resolved", "no_contact", "referred", "moved_away"))
            p.add(at, "close_case", {"case": f"@{ref}.case_id", "reason": reason})


def web_consultations(p: Planner) -> None:
    """Web (e-mail) consultation: people register for a user number, write at any hour, and staff
    reply within three business days in principle (some replies are late: the deadline timer
    announces them due soon and overdue)."""
    v = p.volumes
    users: list[tuple[datetime, str]] = []
    for _ in range(v.email_consultations):
        at = p.email_instant()
        earlier = [ref for first, ref in users if first < at]
        if earlier and p.rng.random() < v.returning_share:
            user = p.rng.choice(earlier)
        else:
            user = p.new_ref("w")
            p.add(
                at - timedelta(minutes=3),
                "web_register",
                {
                    "nickname": p.fake.first_kana_name(),
                    "email": p.email(),
                    "residence_code": p.municipality(),
                    "age_band": p.rng.choice(("15_19", "20_29", "30_39", "40_49", "unknown")),
                },
                ref=user,
            )
            users.append((at - timedelta(minutes=3), user))
        ref = p.new_ref("m")
        body = p.rng.choice(_WEB_BODIES)
        p.add(at, "web_consultation", {"user": user, "body": body, "consulter": _consulter(p), "topics": p.topics()}, ref=ref)
        late = p.rng.random() < 0.12
        reply_day = p.business_day_after(at.astimezone(TOKYO).date(), p.rng.randint(4, 5) if late else p.rng.randint(1, 2))
        reply_at = p.office_instant(reply_day)
        if p.in_year(reply_at):
            p.add(reply_at, "reply", {"consultation": f"@{ref}.consultation_id", "body": "ご相談ありがとうございます。"})


_WEB_BODIES = (
    "息子が半年ほど部屋から出てきません。どう接すればよいでしょうか。",
    "仕事を辞めてから外に出るのがつらくなりました。相談できる場所を知りたいです。",
    "家族として何ができるのか分かりません。",
    "昼夜逆転の生活が続いています。少しずつ変えたいです。",
    "同じような経験をした人と話してみたいです。",
)


def in_person(p: Planner) -> None:
    """In-person consultation by prior reservation: booked by phone or e-mail for a day in office
    hours; most come, some reschedule, cancel or do not come. The reminder timer reminds each."""
    v = p.volumes
    known = getattr(p, "known_people", [])
    for _ in range(v.in_person_consultations):
        booked_at = p.phone_instant()
        earlier = [ref for first, ref in known if first < booked_at]
        if not earlier:
            continue
        person = p.rng.choice(earlier)
        day = p.business_day_after(booked_at.astimezone(TOKYO).date(), p.rng.randint(5, 15))
        starts = at_tokyo(day, p.rng.choice((10, 11, 13, 14, 15)))
        if not p.in_year(starts):
            continue
        staff = p.rng.randint(1, STAFF)
        ref = p.new_ref("a")
        p.add(
            booked_at,
            "book",
            {
                "person_id": f"@{person}.person_id",
                "case_id": f"@{person}.case_id",
                "staff": f"@staff{staff}.id",
                "room": f"@room{p.rng.randint(1, ROOMS)}.id",
                "starts_at": iso(starts),
                "requested_via": p.rng.choice(("phone", "phone", "email")),
            },
            ref=ref,
        )
        fate = p.rng.random()
        if fate < 0.06:
            p.add(starts - timedelta(days=2), "cancel_appointment", {"appointment": f"@{ref}.id"})
            continue
        if fate < 0.12:
            new_day = p.business_day_after(day, p.rng.randint(2, 6))
            moved = at_tokyo(new_day, p.rng.choice((10, 13, 15)))
            if not p.in_year(moved):
                continue
            p.add(starts - timedelta(days=1, hours=3), "reschedule_appointment", {"appointment": f"@{ref}.id", "starts_at": iso(moved)})
            starts = moved
        if p.rng.random() < 0.08:
            p.add(starts + timedelta(minutes=30), "no_show", {"appointment": f"@{ref}.id"})
        else:
            p.add(
                starts + timedelta(minutes=2),
                "attended",
                {"appointment": f"@{ref}.id", "person_id": f"@{person}.person_id", "case_id": f"@{person}.case_id", "topics": p.topics()},
            )


def peer_sessions(p: Planner) -> None:
    """The weekly peer online session: people sign up in the days before, the peer supporter
    records each conversation; a full session puts people on its waitlist."""
    v = p.volumes
    known = getattr(p, "known_people", [])
    wednesdays = [d for d in p.days() if d.weekday() == 2]
    per_session = max(1, round(v.peer_online_consultations / len(wednesdays)))
    for day in wednesdays:
        starts = at_tokyo(day, 19)
        earlier = [ref for first, ref in known if first < starts - timedelta(days=3)]
        if not earlier:
            continue
        people = p.rng.sample(earlier, min(len(earlier), per_session + p.rng.choice((0, 0, 1, 4))))
        for person in people:
            ref = p.new_ref("r")
            p.add(
                p.office_instant(day - timedelta(days=p.rng.randint(1, 3))),
                "session_register",
                {"kind": "peer_online", "on": day.isoformat(), "person_id": f"@{person}.person_id", "case_id": f"@{person}.case_id"},
                ref=ref,
            )
            p.add(
                starts + timedelta(minutes=p.rng.randrange(5, 80)),
                "peer_consultation",
                {"registration_status": f"@{ref}.status", "person_id": f"@{person}.person_id", "case_id": f"@{person}.case_id", "topics": p.topics()},
            )


def seminars(p: Planner) -> None:
    """Family seminars on Saturday afternoons, with registration and a waitlist; some cancel,
    and the first on the waitlist gets the seat."""
    v = p.volumes
    known = getattr(p, "known_people", [])
    months = [5, 7, 9, 11, 1, 3][: v.family_seminars] if v.family_seminars <= 6 else list(range(1, 13))
    for k, month in enumerate(months * (1 + v.family_seminars // 12)):
        if k >= v.family_seminars:
            break
        year = FISCAL_YEAR if month >= 4 else FISCAL_YEAR + 1
        day = next(d for d in (date(year, month, 8) + timedelta(days=i) for i in range(14)) if d.weekday() == 5 and CALENDAR.opening_intervals("phone", d))
        starts = at_tokyo(day, 14)
        ref = p.new_ref("s")
        announce = starts - timedelta(days=40)
        p.add(max(announce, APRIL_FIRST + timedelta(minutes=30)), "seminar", {"starts_at": iso(starts), "capacity": v.seminar_seats}, ref=ref)
        earlier = [r for first, r in known if first < starts - timedelta(days=20)]
        signups = p.rng.sample(earlier, min(len(earlier), v.seminar_sign_ups))
        registrations = []
        for n, person in enumerate(signups):
            at = p.office_instant(p.business_day_after((starts - timedelta(days=30)).astimezone(TOKYO).date(), n // 4))
            reg = p.new_ref("sr")
            p.add(at, "seminar_register", {"session": f"@{ref}.id", "person_id": f"@{person}.person_id", "case_id": f"@{person}.case_id"}, ref=reg)
            registrations.append(reg)
        for reg in p.rng.sample(registrations[: v.seminar_seats], min(len(registrations) // 8 + 1, len(registrations))):
            p.add(starts - timedelta(days=p.rng.randint(2, 6), hours=2), "seminar_cancel", {"session": f"@{ref}.id", "registration": f"@{reg}.id"})


def home_visits(p: Planner) -> None:
    """Home visits are requested only through the municipalities; the Support Net schedules them
    with two trained staff (a daily sweep) and records each visit."""
    v = p.volumes
    requested: list[str] = []
    for _ in range(v.home_visit_requests):
        at = p.office_instant(p.weighted_day(lambda d: CALENDAR.is_business_day(d) and d >= HOME_VISITS_FROM))
        code = p.municipality()
        ref = p.new_ref("h")
        if requested and p.rng.random() < 0.08:
            # The same person asked again: more visits than the year's cap leaves.
            earlier = p.rng.choice(requested)
            p.add(at, "home_visit_request", {"municipality_code": f"@{earlier}.municipality_code", "person_id": f"@{earlier}.person_id", "visits": 5, "age_years": 25}, ref=ref)
            continue
        p.add(
            at,
            "home_visit_request",
            {
                "municipality_code": code,
                "person": p.person(with_contact=True) | {"residence_code": code},
                "age_years": p.rng.randint(16, 58),
                "visits": p.rng.choice((1, 2, 3, 3, 4, 5)),
                "consulter": p.rng.choice(("family", "family", "other")),
            },
            ref=ref,
        )
        requested.append(ref)
    for day in p.days():
        if day >= HOME_VISITS_FROM and CALENDAR.is_business_day(day):
            p.add(at_tokyo(day, 9, 30), "sweep_home_visits", {"staff": [f"@staff{n}.id" for n in range(1, STAFF + 1)]})


def expert_reviews(p: Planner) -> None:
    """The expert team's advice: at the end of each business day, reviews on the agenda of a
    meeting that has been held are concluded (advice from medicine, psychology, law, welfare)."""
    for day in p.days():
        if CALENDAR.is_business_day(day):
            p.add(at_tokyo(day, 18, 0), "sweep_reviews", {})


ALL: tuple[Callable[[Planner], None], ...] = (
    setup,
    consultations,
    web_consultations,
    in_person,
    peer_sessions,
    seminars,
    home_visits,
    expert_reviews,
)
