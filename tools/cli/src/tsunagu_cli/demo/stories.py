"""The year's stories, one function per area; each adds its steps to the planner.

Read with :mod:`.plan` (time and people) and :mod:`.actions` (what each step kind sends).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
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
        {
            "course_code": "sup-02",
            "starts_at": iso(at_tokyo(STAFF_TRAINING_DAY, 13)),
            "hours": 3,
            "capacity": 20,
        },
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
    p.add(
        t + timedelta(minutes=11),
        "training_session",
        {
            "course_code": "org-01",
            "starts_at": iso(at_tokyo(STAFF_TRAINING_DAY, 13)),
            "hours": 3,
            "capacity": 40,
        },
        ref="staff_training_org",
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
    staff_channels.append(
        ("online", lambda: p.office_instant(_business_day(p), start=13), v.online_consultations)
    )
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
                        "topics": p.topics(),
                    }
                    | _person_of(p, ref, at),
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
    p.known_people = known


def _person_of(p: Planner, ref: str, at: datetime) -> dict[str, str]:
    """Someone who consulted before: their person and case, or only the person once the case was
    closed (intake opens a new case)."""
    closed = p.closed.get(ref)
    if closed is not None and closed <= at + timedelta(days=1):
        return {"person_id": f"@{ref}.person_id"}
    return {"person_id": f"@{ref}.person_id", "case_id": f"@{ref}.case_id"}


def _business_day(p: Planner) -> date:
    return p.weighted_day(CALENDAR.is_business_day)


def _consulter(p: Planner) -> str:
    return (
        "family"
        if p.rng.random() < p.volumes.family_share
        else ("person" if p.rng.random() < 0.9 else "other")
    )


def _every(p: Planner, name: str, share: float) -> bool:
    """Whether this is the case that takes its turn: every (1 / share)-th one, so that small runs
    have some too (a coin per case would leave a small year without any)."""
    counts: dict[str, int] = p.__dict__.setdefault("_turns", {})
    counts[name] = counts.get(name, 0) + 1
    return counts[name] % max(1, round(1 / share)) == 1 % max(1, round(1 / share))


def _case_course(p: Planner, ref: str, opened: datetime) -> None:
    """What may follow a first consultation: a risk assessment, an escalation, closing."""
    v = p.volumes
    day = opened.astimezone(TOKYO).date()
    escalated = False
    if _every(p, "risk", v.risk_share):
        at = p.office_instant(p.business_day_after(day, p.rng.randint(1, 8)))
        level = p.rng.choice(("low", "medium", "medium", "high"))
        flags: list[dict[str, Any]] = []
        if level == "high":
            flags.append({"flag": p.rng.choice(("family_crisis", "no_contact", "financial_crisis"))})
        if p.in_year(at):
            p.add(at, "risk", {"case": f"@{ref}.case_id", "risk_level": level, "set_flags": flags})
    if _every(p, "escalation", v.escalation_share):
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
                        p.rng.sample(
                            (
                                "long_term_withdrawal",
                                "family_conflict",
                                "medical_question",
                                "welfare_benefits",
                                "legal_issue",
                            ),
                            2,
                        )
                    ),
                },
                ref=p.new_ref("e"),  # the sweep of reviews takes them in the plan's order
            )
    if not escalated and p.rng.random() < v.close_share:
        at = p.office_instant(p.business_day_after(day, p.rng.randint(20, 120)))
        if p.in_year(at):
            reason = p.rng.choice(("resolved", "resolved", "no_contact", "referred", "moved_away"))
            p.add(at, "close_case", {"case": f"@{ref}.case_id", "reason": reason})
            p.closed[ref] = at


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
        p.add(
            at,
            "web_consultation",
            {"user": user, "body": body, "consulter": _consulter(p), "topics": p.topics()},
            ref=ref,
        )
        first_late = len(users) == 1 and not p.__dict__.get("_late_seen")
        late = first_late or p.rng.random() < 0.12  # the year's first writer waits too long
        reply_day = p.business_day_after(
            at.astimezone(TOKYO).date(), p.rng.randint(4, 5) if late else p.rng.randint(1, 2)
        )
        reply_at = p.office_instant(reply_day)
        # Now and then staff know the reply will take longer (the family is asked first) and
        # extend the deadline the day after, with a reason; the year's second late reply always.
        if late and not first_late and (not p.__dict__.get("_extension_seen") or p.rng.random() < 0.2):
            extend_at = p.office_instant(p.business_day_after(at.astimezone(TOKYO).date(), 1), end=12)
            if p.in_year(extend_at) and extend_at < reply_at:
                p.__dict__["_extension_seen"] = True
                p.add(
                    extend_at,
                    "extend_reply_deadline",
                    {
                        "consultation": f"@{ref}.consultation_id",
                        "business_days": 2,
                        "reason": "ご家族に状況を確かめてから返信するため",
                    },
                )
        if p.in_year(reply_at):
            p.add(
                reply_at,
                "reply",
                {"consultation": f"@{ref}.consultation_id", "body": "ご相談ありがとうございます。"},
            )
        if first_late:
            # The deadline timer announces the reply due soon: the demo waits for it to say so.
            p.__dict__["_late_seen"] = True
            due = CALENDAR.add_business_days(at, 3)
            p.add(due - timedelta(hours=4), "await_event", {"type": "tsunagu.intake.email_reply.due_soon.v1"})


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
    known = p.known_people
    n = -1  # bookings made so far: the first three take the rarer paths
    for _ in range(max(5, v.in_person_consultations)):
        booked_at = p.phone_instant()
        earlier = [ref for first, ref in known if first < booked_at]
        if not earlier:
            continue
        person = p.rng.choice(earlier)
        day = p.business_day_after(booked_at.astimezone(TOKYO).date(), p.rng.randint(5, 15))
        starts = at_tokyo(day, p.rng.choice((10, 11, 13, 14, 15)))
        if not p.in_year(starts):
            continue
        ref = p.new_ref("a")
        n += 1
        staff = n % (STAFF // 2) + 1  # the first half of the staff takes appointments, the other visits
        p.add(
            booked_at,
            "book",
            _person_of(p, person, starts)
            | {
                "staff": f"@staff{staff}.id",
                "room": f"@room{p.rng.randint(1, ROOMS)}.id",
                "starts_at": iso(starts),
                "requested_via": p.rng.choice(("phone", "phone", "email")),
            },
            ref=ref,
        )
        # The first four: a cancellation, a move, a no-show, a visit; then chance.
        fate = {0: 0.0, 1: 0.1, 2: 0.5, 3: 0.5}.get(n, p.rng.random())
        if fate < 0.06:
            p.add(starts - timedelta(days=2), "cancel_appointment", {"appointment": f"@{ref}.id"})
            continue
        if fate < 0.12:
            new_day = p.business_day_after(day, p.rng.randint(2, 6))
            moved = at_tokyo(new_day, p.rng.choice((10, 13, 15)))
            if p.in_year(moved):
                p.add(
                    starts - timedelta(days=1, hours=3),
                    "reschedule_appointment",
                    {"appointment": f"@{ref}.id", "starts_at": iso(moved)},
                )
                starts = moved
        if n == 2 or (n > 3 and p.rng.random() < 0.08):
            p.add(starts + timedelta(minutes=30), "no_show", {"appointment": f"@{ref}.id"})
        else:
            p.add(
                starts + timedelta(minutes=2),
                "attended",
                {"appointment": f"@{ref}.id", "topics": p.topics()} | _person_of(p, person, starts),
            )


def peer_sessions(p: Planner) -> None:
    """The weekly peer online session: people sign up in the days before, the peer supporter
    records each conversation; a full session (six places) puts people on its waitlist."""
    v = p.volumes
    known = p.known_people
    wednesdays = [d for d in p.days() if d.weekday() == 2]
    for _ in range(v.peer_online_consultations):
        day = p.rng.choice(wednesdays[4:])  # once people have found the line
        starts = at_tokyo(day, 19)
        earlier = [ref for first, ref in known if first < starts - timedelta(days=4)]
        if not earlier:
            continue
        person = p.rng.choice(earlier)
        ref = p.new_ref("r")
        p.add(
            p.office_instant(day - timedelta(days=p.rng.randint(1, 3))),
            "session_register",
            {"kind": "peer_online", "on": day.isoformat()} | _person_of(p, person, starts),
            ref=ref,
        )
        p.add(
            starts + timedelta(minutes=p.rng.randrange(5, 80)),
            "peer_consultation",
            {"registration_status": f"@{ref}.status", "topics": p.topics()} | _person_of(p, person, starts),
        )


def seminars(p: Planner) -> None:
    """Family seminars on Saturday afternoons, with registration and a waitlist; some cancel,
    and the first on the waitlist gets the seat; after each, staff record who came."""
    v = p.volumes
    known = p.known_people
    months = [11, 1, 7, 3, 9, 5][: v.family_seminars] if v.family_seminars <= 6 else list(range(1, 13))
    for k, month in enumerate(months * (1 + v.family_seminars // 12)):
        if k >= v.family_seminars:
            break
        year = FISCAL_YEAR if month >= 4 else FISCAL_YEAR + 1
        day = next(
            d
            for d in (date(year, month, 8) + timedelta(days=i) for i in range(14))
            if d.weekday() == 5 and CALENDAR.opening_intervals("phone", d)
        )
        starts = at_tokyo(day, 14)
        ref = p.new_ref("s")
        announce = starts - timedelta(days=40)
        earlier = [r for first, r in known if first < starts - timedelta(days=31)]  # before sign-ups open
        signups = p.rng.sample(earlier, min(len(earlier), v.seminar_sign_ups))
        # Seminars are oversubscribed: in a small year the room is smaller too.
        seats = max(1, min(v.seminar_seats, len(signups) - 3))
        p.add(
            max(announce, APRIL_FIRST + timedelta(minutes=30)),
            "seminar",
            {"starts_at": iso(starts), "capacity": seats},
            ref=ref,
        )
        registrations = []
        for n, person in enumerate(signups):
            at = p.office_instant(
                p.business_day_after((starts - timedelta(days=30)).astimezone(TOKYO).date(), n // 4)
            )
            reg = p.new_ref("sr")
            p.add(at, "seminar_register", {"session": f"@{ref}.id"} | _person_of(p, person, starts), ref=reg)
            registrations.append(reg)
        for reg in p.rng.sample(registrations[:seats], min(len(registrations) // 8 + 1, seats)):
            p.add(
                starts - timedelta(days=p.rng.randint(2, 6), hours=2),
                "seminar_cancel",
                {"session": f"@{ref}.id", "registration": f"@{reg}.id"},
            )
        p.add(starts + timedelta(minutes=125), "seminar_roll", {"session": f"@{ref}.id"})


def consultation_days(p: Planner) -> None:
    """An individual consultation day in February, two seats and no waitlist, open to sign-up on
    the public site: three people register and sign up; the third is refused (the day is full),
    which scheduling says back through the bus."""
    day = next(
        d
        for d in (date(FISCAL_YEAR + 1, 2, 8) + timedelta(days=i) for i in range(14))
        if d.weekday() == 5 and CALENDAR.opening_intervals("phone", d)
    )
    starts = at_tokyo(day, 14)
    ref = p.new_ref("cd")
    p.add(starts - timedelta(days=40), "consultation_day", {"starts_at": iso(starts), "capacity": 2}, ref=ref)
    for n in range(3):
        user = p.new_ref("w")
        at = p.office_instant(p.business_day_after((starts - timedelta(days=30)).astimezone(TOKYO).date(), n))
        p.add(
            at - timedelta(minutes=5),
            "web_register",
            {"nickname": p.fake.first_kana_name(), "email": p.email(), "age_band": "unknown"},
            ref=user,
        )
        p.add(at, "public_signup", {"user": user, "session": f"@{ref}.id"})


def home_visits(p: Planner) -> None:
    """Home visits are requested only through the municipalities; the Support Net schedules them
    with two trained staff (a daily sweep) and records each visit."""
    v = p.volumes
    requested: list[str] = []
    firsts: dict[str, datetime] = {}
    for n in range(max(4, v.home_visit_requests)):
        at = p.office_instant(p.weighted_day(lambda d: CALENDAR.is_business_day(d) and d >= HOME_VISITS_FROM))
        if n == 3:  # the first person's municipality asks again a few weeks later
            at = p.office_instant(p.business_day_after(firsts[requested[0]].astimezone(TOKYO).date(), 15))
        code = p.municipality()
        ref = p.new_ref("h")
        repeat = [r for r in requested if firsts[r] < at - timedelta(days=1)]
        if repeat and (n == 3 or (n > 3 and p.rng.random() < 0.08)):
            requested_again = repeat[0] if n == 3 else p.rng.choice(repeat)
            earlier = requested_again
            # The same person asked again: more visits than the year's cap leaves.
            p.add(
                at,
                "home_visit_request",
                {
                    "municipality_code": f"@{earlier}.municipality_code",
                    "person_id": f"@{earlier}.person_id",
                    "visits": 2,
                    "age_years": 25,
                },
                ref=ref,
            )
            continue
        p.add(
            at,
            "home_visit_request",
            {
                "municipality_code": code,
                "person": p.person(with_contact=True) | {"residence_code": code},
                "age_years": p.rng.randint(16, 58),
                "visits": 3 if n == 0 else p.rng.choice((1, 2, 3, 3, 4, 5)),
                "consulter": p.rng.choice(("family", "family", "other")),
            },
            ref=ref,
        )
        requested.append(ref)
        firsts[ref] = at
    for day in p.days():
        if day >= HOME_VISITS_FROM and CALENDAR.is_business_day(day):
            p.add(
                at_tokyo(day, 9, 30),
                "sweep_home_visits",
                {"staff": [f"@staff{n}.id" for n in range(STAFF // 2 + 1, STAFF + 1)]},
            )


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
    consultation_days,
    home_visits,
    expert_reviews,
)


# -- partners ---------------------------------------------------------------------------------------------
ORG_KINDS = ("NPO法人", "一般社団法人", "社会福祉法人", "特定非営利活動法人")
ORG_WORDS = (
    "ひだまり",
    "つながり",
    "あしたば",
    "みちしるべ",
    "こもれび",
    "ゆるり",
    "はじまり",
    "ひなた",
    "よりどころ",
    "たんぽぽ",
)


def _business_day_before(latest: date, day: date) -> bool:
    return CALENDAR.is_business_day(day) and day < latest


def _org_name(p: Planner) -> str:
    ending = p.rng.choice(("の会", "舎", "ネット", "ハウス", "工房"))
    return f"{p.rng.choice(ORG_KINDS)}{p.rng.choice(ORG_WORDS)}{ending}"


def _org01_day(p: Planner, after: date) -> date:
    """The next monthly guideline training (org-01, in person): the second Thursday of a month."""
    month = date(after.year, after.month, 1)
    while True:
        thursday = next(
            month + timedelta(days=i) for i in range(7) if (month + timedelta(days=i)).weekday() == 3
        ) + timedelta(days=7)
        if thursday > after and CALENDAR.is_business_day(thursday):
            return thursday
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def partners(p: Planner) -> None:
    """Partner organisations: registered, applying with a self-assessment, their staff trained in
    the Support Guidelines (org-01, which partners learns from training's events), the agreement
    signed, their offering published; referrals to them accepted, declined or withdrawn, with
    their outcomes and the disclosures intake records for them. Agreements carried over from the
    last year come up for renewal; one lapses, one is suspended and resumed, one ended."""
    v = p.volumes
    known = p.known_people
    sessions: dict[date, str] = {}

    def org01_session(after: date) -> tuple[str, date]:
        day = _org01_day(p, after)
        if day not in sessions:
            ref = p.new_ref("ts")
            p.add(
                APRIL_FIRST + timedelta(minutes=12),
                "training_session",
                {"course_code": "org-01", "starts_at": iso(at_tokyo(day, 13)), "hours": 3, "capacity": 40},
                ref=ref,
            )
            sessions[day] = ref
        return sessions[day], day

    active: list[Active] = []
    for n in range(max(8, v.candidate_partners)):  # every path of a partner appears at any scale
        carried = n < max(2, v.candidate_partners // 4)  # partners from last year, renewing this one
        # The first two new ones join by the autumn (one is suspended in January, one ends in March).
        latest = date(2025, 9, 30) if n in (3, 4) else date(2026, 2, 1)
        day = YEAR_STARTS if carried else p.weighted_day(partial(_business_day_before, latest))
        t = p.office_instant(day) if not carried else APRIL_FIRST + timedelta(minutes=40 + n)
        ref = p.new_ref("pt")
        p.add(t, "partner_register", {"name": _org_name(p), "municipality_code": p.municipality()}, ref=ref)
        p.add(
            t + timedelta(minutes=20),
            "partner_apply",
            {"partner": f"@{ref}.id", "level": p.rng.choice(("meets", "meets", "partly"))},
        )
        if n == 2 or (n > 4 and p.rng.random() < 0.1):
            p.add(
                p.office_instant(p.business_day_after(day, 10)), "partner_refuse", {"partner": f"@{ref}.id"}
            )
            continue
        subject = f"demo-partner-staff-{n + 1:03d}"
        if carried:  # their staff come to April's session, with the Support Net's
            session, session_day = "staff_training_org", STAFF_TRAINING_DAY
        else:
            session, session_day = org01_session(day)
        learner = p.new_ref("pl")
        p.add(
            t + timedelta(minutes=30),
            "learner",
            {
                "name": p.fake.name(),
                "audience": "implementing_organisations",
                "subject": subject,
                "partner_id": f"@{ref}.id",
            },
            ref=learner,
        )
        enrolment = p.new_ref("pe")
        p.add(
            t + timedelta(minutes=31),
            "enrol_and_book",
            {"learner": f"@{learner}.id", "course_code": "org-01", "session": f"@{session}.id"},
            ref=enrolment,
        )
        p.add(
            at_tokyo(session_day, 13, 20),
            "attendance",
            {"session": f"@{session}.id", "enrolment": f"@{enrolment}.enrolment_id", "present": True},
        )
        sign_day = p.business_day_after(session_day, p.rng.randint(2, 6))
        effective = date(2024, 10, 1) if carried else sign_day
        sign = at_tokyo(sign_day, 11)
        if not p.in_year(sign):
            continue
        p.add(sign, "partner_sign", {"partner": f"@{ref}.id", "effective_on": effective.isoformat()})
        kinds = sorted(
            p.rng.sample(("consultation", "place_to_belong", "social_participation"), p.rng.randint(1, 2))
        )
        p.add(
            sign + timedelta(hours=2),
            "partner_offering",
            {
                "partner": f"@{ref}.id",
                "subject": subject,
                "support_kinds": kinds,
                "municipality_codes": sorted({p.municipality() for _ in range(3)}),
            },
        )
        active.append(Active(ref, sign_day, YEAR_ENDS, subject, kinds))
    # Carried-over agreements end on 30 September: most are renewed, the rest lapse.
    carried_refs = [a for a in active if a.since < date(2025, 4, 20)]
    for k, partner in enumerate(carried_refs):
        if k != len(carried_refs) - 1:
            p.add(p.office_instant(date(2025, 9, 16)), "partner_renew", {"partner": f"@{partner.ref}.id"})
        else:
            partner.until = date(2025, 9, 30)  # not renewed: it lapses
    # One partner active since before December (so it joins February's joint session) is suspended in
    # January and resumed in February; another ends its agreement in March.
    early = [a for a in active if date(2025, 4, 20) <= a.since < date(2025, 12, 1)]
    if len(early) >= 2:
        suspended, ended = early[0].ref, early[1].ref
        early[0].paused = (date(2025, 12, 1), date(2026, 2, 28))  # no referral is sent near the suspension
        early[1].until = date(2026, 3, 15)
        p.add(p.office_instant(date(2026, 1, 13)), "partner_suspend", {"partner": f"@{suspended}.id"})
        p.add(p.office_instant(date(2026, 2, 24)), "partner_resume", {"partner": f"@{suspended}.id"})
        p.add(
            p.office_instant(date(2026, 3, 16)),
            "partner_end",
            {"partner": f"@{ended}.id", "reason": "partner_request"},
        )
    _referrals(p, active, known)
    _joint_sessions(p, active)


@dataclass
class Active:
    """A partner the plan has made active: its ref, from when until when, a trained member of
    staff, what it offers."""

    ref: str
    since: date
    until: date
    subject: str
    kinds: list[str]
    paused: tuple[date, date] | None = None
    """Suspended from the first day to the second (no referrals then)."""

    def may_be_referred(self, day: date) -> bool:
        """A business day well inside its agreement, not while it is suspended."""
        return (
            CALENDAR.is_business_day(day)
            and self.since + timedelta(days=3) < day < self.until - timedelta(days=50)
            and not (self.paused is not None and self.paused[0] <= day <= self.paused[1])
        )


def _referrals(p: Planner, active: list[Active], known: list[tuple[datetime, str]]) -> None:
    v = p.volumes
    if not active or not known:
        return
    n = -1  # referrals planned so far: the first three take the year's rarer paths
    for _ in range(max(8, v.referrals)):
        chosen = p.rng.choice(active)
        partner, subject, kinds = chosen.ref, chosen.subject, chosen.kinds
        if chosen.until - chosen.since < timedelta(days=60):
            continue
        day = p.weighted_day(chosen.may_be_referred)
        at = p.office_instant(day)
        earlier = [r for first, r in known if first < at - timedelta(days=2)]
        if not earlier:
            continue
        person = p.rng.choice([r for r in earlier if r not in p.closed] or earlier)
        ref = p.new_ref("rf")
        n += 1
        p.add(
            at,
            "referral",
            {
                "partner": f"@{partner}.id",
                "case_id": f"@{person}.case_id",
                "person_id": f"@{person}.person_id",
                "support_kind": p.rng.choice(kinds),
                "disclose": n < 3 or p.rng.random() < 0.5,
            },
            ref=ref,
        )
        fate = {0: 0.0, 1: 0.1, 2: 0.5}.get(n, p.rng.random())  # withdrawn, declined, accepted
        answer = p.office_instant(p.business_day_after(day, p.rng.randint(1, 5)))
        staff = {"partner": f"@{partner}.id", "subject": subject, "referral": f"@{ref}.id"}
        if fate < 0.08:
            p.add(answer, "referral_withdraw", {"referral": f"@{ref}.id"})
        elif fate < 0.2:
            p.add(
                answer,
                "referral_decline",
                staff | {"reason": p.rng.choice(("no_capacity", "outside_area", "person_declined"))},
            )
        else:
            p.add(answer, "referral_accept", staff | {"disclosure": f"@?{ref}.disclosure_id"})
            outcome_at = p.office_instant(
                p.business_day_after(answer.astimezone(TOKYO).date(), p.rng.randint(10, 40))
            )
            if p.in_year(outcome_at):
                p.add(
                    outcome_at,
                    "referral_outcome",
                    staff | {"outcome": p.rng.choice(("connected", "connected", "ongoing", "not_connected"))},
                )
            if n == 2 or (n > 2 and p.rng.random() < 0.05):
                p.add(
                    answer + timedelta(hours=1),
                    "disclosure_withdraw",
                    {"disclosure": f"@{ref}.disclosure_id"},
                )


def _joint_sessions(p: Planner, active: list[Active]) -> None:
    """Joint briefing and consultation sessions (合同説明相談会): scheduling puts them on the programme,
    partners register to take part; one withdraws, and a partner whose agreement is suspended is
    removed from the sessions after it."""
    for month, day in ((7, 19), (2, 21)):
        year = FISCAL_YEAR if month >= 4 else FISCAL_YEAR + 1
        starts = at_tokyo(date(year, month, day), 13)
        ref = p.new_ref("js")
        p.add(
            starts - timedelta(days=60), "joint_session", {"starts_at": iso(starts), "capacity": 80}, ref=ref
        )
        taking_part = [
            a for a in active if a.since < (starts - timedelta(days=45)).date() and a.until > starts.date()
        ]
        for k, a in enumerate(taking_part):
            partner, subject = a.ref, a.subject
            at = p.office_instant(p.business_day_after((starts - timedelta(days=45)).date(), k % 10))
            p.add(
                at, "joint_join", {"session": f"@{ref}.id", "partner": f"@{partner}.id", "subject": subject}
            )
        if len(taking_part) >= 3:
            partner, subject = taking_part[-1].ref, taking_part[-1].subject
            p.add(
                p.office_instant(p.business_day_after((starts - timedelta(days=20)).date(), 0)),
                "joint_withdraw",
                {"session": f"@{ref}.id", "partner": f"@{partner}.id", "subject": subject},
            )


def local_network(p: Planner) -> None:
    """Local resources found and listed, meetings with the municipalities' windows, and the
    directory's printed editions each quarter."""
    v = p.volumes
    for _ in range(v.local_resources):
        at = p.office_instant(p.weighted_day(CALENDAR.is_business_day))
        p.add(
            at,
            "resource_listing",
            {
                "kind": p.rng.choice(
                    ("place_to_belong", "family_association", "npo", "clinic", "municipal_window")
                ),
                "name": p.rng.choice(ORG_WORDS)
                + p.rng.choice(("の居場所", "家族会", "相談室", "クリニック")),
                "municipality_code": p.municipality(),
            },
        )
    codes = p.wards + p.others
    for n in range(v.network_meetings):
        at = p.office_instant(p.weighted_day(CALENDAR.is_business_day))
        p.add(
            at,
            "network_meeting",
            {
                "municipality_code": codes[n % len(codes)],
                "held_on": at.astimezone(TOKYO).date().isoformat(),
                "contact": p.fake.name(),
            },
        )
    for month in (6, 9, 12, 3):
        year = FISCAL_YEAR if month >= 4 else FISCAL_YEAR + 1
        p.add(p.office_instant(p.business_day_after(date(year, month, 1), 10)), "directory_edition", {})


# -- the start-up subsidy -------------------------------------------------------------------------------
def subsidy(p: Planner) -> None:
    """Municipalities newly running the national programme apply for the start-up subsidy: review,
    grant decision, an advance for some, a change for some, the results report after the project,
    the amount confirmed, the balance paid (a refund claimed where the advance was more than the
    confirmed amount); one is refused, one withdraws."""
    v = p.volumes
    # At least five, so that every path of a grant appears at any scale.
    codes = p.rng.sample(p.others + p.wards, min(max(5, v.subsidy_municipalities), 62))
    for k, code in enumerate(codes):
        start = APRIL_FIRST + timedelta(hours=1, minutes=k)
        p.add(start, "subsidy_start", {"municipality_code": code})
        applied_day = p.weighted_day(
            lambda d: CALENDAR.is_business_day(d) and date(2025, 4, 14) <= d <= date(2025, 6, 30)
        )
        personnel = p.rng.randrange(2_000_000, 6_000_000, 100_000)
        travel = p.rng.randrange(100_000, 800_000, 50_000)
        ref = p.new_ref("sa")
        p.add(
            p.office_instant(applied_day),
            "subsidy_apply",
            {"municipality_code": code, "personnel": personnel, "travel": travel},
            ref=ref,
        )
        app = f"@{ref}.id"
        reviewed = p.business_day_after(applied_day, p.rng.randint(5, 10))
        refused = k == 1
        p.add(p.office_instant(reviewed), "subsidy_review", {"application": app, "eligible": not refused})
        decided = p.business_day_after(reviewed, p.rng.randint(3, 8))
        if refused:
            p.add(p.office_instant(decided), "subsidy_refuse", {"application": app, "reason": "not_eligible"})
            continue
        p.add(p.office_instant(decided), "subsidy_decide", {"application": app})
        if k == 2:
            p.add(
                p.office_instant(p.business_day_after(decided, 15)),
                "subsidy_withdraw",
                {"application": app, "municipality_code": code},
            )
            continue
        total = personnel + travel
        decided_amount = min(total // 2 // 1000 * 1000, 5_000_000)
        advance = k % 3 == 0
        if advance:
            p.add(
                p.office_instant(date(2025, 7, 15)),
                "subsidy_advance",
                {"application": app, "amount": decided_amount // 2, "paid_on": "2025-07-15"},
            )
        if k % 4 == 3:
            p.add(
                p.office_instant(date(2025, 10, 14)),
                "subsidy_change",
                {
                    "application": app,
                    "municipality_code": code,
                    "personnel": personnel + 400_000,
                    "travel": travel,
                },
            )
            p.add(p.office_instant(date(2025, 10, 21)), "subsidy_change_review", {"application": app})
            p.add(p.office_instant(date(2025, 10, 28)), "subsidy_change_decide", {"application": app})
        completed = date(2025, 12, 26)
        # The results report is due 30 days after completion; some come close to the deadline.
        report_day = p.business_day_after(completed, 18 if k == 0 else p.rng.choice((8, 12, 18)))
        if k == 0:  # its report comes late enough for the reminder (due 30 days after completion)
            due = completed + timedelta(days=30)
            p.add(
                at_tokyo(due - timedelta(days=2), 9),
                "await_event",
                {"type": "tsunagu.subsidy.application.report_due.v1"},
            )
        # One municipality spent far less than planned: its advance is more than the confirmed amount.
        spent = 0.3 if (advance and k == 3) else p.rng.uniform(0.9, 1.0)
        actual = {
            "personnel": int(personnel * spent) // 1000 * 1000,
            "travel": int(travel * spent) // 1000 * 1000,
        }
        p.add(
            p.office_instant(report_day),
            "subsidy_report",
            {
                "application": app,
                "municipality_code": code,
                "actual": actual,
                "completed_on": completed.isoformat(),
            },
        )
        confirmed = p.business_day_after(report_day, p.rng.randint(5, 10))
        p.add(p.office_instant(confirmed), "subsidy_confirm", {"application": app})
        if advance and k == 3:
            p.add(
                p.office_instant(p.business_day_after(confirmed, 3)),
                "subsidy_refund",
                {"application": app, "due_on": p.business_day_after(confirmed, 25).isoformat()},
            )
            continue
        paid = p.business_day_after(confirmed, 17 if k == 0 else p.rng.choice((6, 10, 17)))
        if k == 0:
            # The balance is due 20 business days after the confirmation; five before, the deadline
            # timer reminds. The first municipality pays late enough for it: the demo waits to see it.
            reminded = at_tokyo(p.business_day_after(confirmed, 16), 9)
            p.add(reminded, "await_event", {"type": "tsunagu.subsidy.application.payment_due.v1"})
        if p.in_year(at_tokyo(paid, 10)):
            p.add(p.office_instant(paid), "subsidy_pay", {"application": app, "paid_on": paid.isoformat()})


# -- training --------------------------------------------------------------------------------------------
IN_PERSON_COURSES = ("sup-02", "sup-03", "sup-05", "sup-07")
VIDEO_COURSES = {"agy-01": ("related_agencies", 3600), "sup-06": ("supporters", 2700)}
WC_VIDEOS = (("wc-01", 1800), ("wc-02", 1800), ("wc-03", 1800))


def training(p: Planner) -> None:
    """Training completions: municipal supporters in person (sup-02 grants home visits), related
    agencies and supporters by video, welfare commissioners through their programme (three videos
    and an in-person session). Certificates follow completions; one is revoked as issued in error."""
    v = p.volumes
    in_person = max(1, v.trainees // 2)
    video = max(1, v.trainees // 4)
    commissioners = max(1, v.trainees - in_person - video)
    sessions: dict[tuple[str, int], tuple[str, date]] = {}

    def session_of(course: str, month: int) -> tuple[str, date]:
        key = (course, month)
        if key not in sessions:
            year = FISCAL_YEAR if month >= 4 else FISCAL_YEAR + 1
            day = p.business_day_after(
                date(year, month, 14), IN_PERSON_COURSES.index(course) if course in IN_PERSON_COURSES else 4
            )
            ref = p.new_ref("tsn")
            p.add(
                APRIL_FIRST + timedelta(minutes=12),
                "training_session",
                {"course_code": course, "starts_at": iso(at_tokyo(day, 13)), "hours": 3, "capacity": 30},
                ref=ref,
            )
            sessions[key] = (ref, day)
        return sessions[key]

    certificate_refs: list[tuple[date, str]] = []
    for n in range(in_person):
        course = p.rng.choice(IN_PERSON_COURSES)
        month = p.rng.choice((5, 6, 7, 9, 10, 11, 1, 2))
        session, day = session_of(course, month)
        t = at_tokyo(day, 10) - timedelta(days=p.rng.randint(5, 25))
        code = p.municipality()
        learner = p.new_ref("tl")
        p.add(
            t,
            "learner",
            {
                "name": p.fake.name(),
                "audience": "supporters",
                "subject": f"demo-supporter-{n + 1:04d}",
                "municipality_code": code,
            },
            ref=learner,
        )
        enrolment = p.new_ref("te")
        p.add(
            t + timedelta(minutes=1),
            "enrol_and_book",
            {"learner": f"@{learner}.id", "course_code": course, "session": f"@{session}.id"},
            ref=enrolment,
        )
        present = p.rng.random() < 0.92
        p.add(
            at_tokyo(day, 13, 30),
            "attendance",
            {"session": f"@{session}.id", "enrolment": f"@{enrolment}.enrolment_id", "present": present},
        )
        if present:
            certificate_refs.append((day, enrolment))
    for n in range(video):
        course = p.rng.choice(sorted(VIDEO_COURSES))
        audience, duration = VIDEO_COURSES[course]
        start = p.office_instant(
            p.weighted_day(lambda d: CALENDAR.is_business_day(d) and d < date(2026, 3, 20)), start=9, end=15
        )
        learner = p.new_ref("vl")
        subject = f"demo-viewer-{n + 1:04d}"
        p.add(
            start - timedelta(days=2),
            "learner",
            {"name": p.fake.name(), "audience": audience, "subject": subject},
            ref=learner,
        )
        enrolment = p.new_ref("ve")
        p.add(
            start - timedelta(days=2, minutes=-1),
            "enrol_and_book",
            {"learner": f"@{learner}.id", "course_code": course},
            ref=enrolment,
        )
        _watch(p, enrolment, "video", duration, start, subject=subject)
    wc_session: tuple[str, date] | None = None
    for n in range(commissioners):
        if wc_session is None or n % 30 == 0:
            wc_session = session_of("wc-04", (11, 1, 2)[(n // 30) % 3])
        session, day = wc_session
        start = at_tokyo(day, 10) - timedelta(days=40)
        learner = p.new_ref("wl")
        subject = f"demo-commissioner-{n + 1:04d}"
        p.add(
            start,
            "learner",
            {
                "name": p.fake.name(),
                "audience": "welfare_commissioners",
                "subject": subject,
                "municipality_code": p.municipality(),
            },
            ref=learner,
        )
        enrolment = p.new_ref("we")
        p.add(
            start + timedelta(minutes=1),
            "enrol_programme",
            {
                "learner": f"@{learner}.id",
                "programme_code": "wc-programme",
                "course_codes": [c for c, _ in WC_VIDEOS],
            },
            ref=enrolment,
        )
        t = start + timedelta(days=1, hours=p.rng.randint(0, 8))
        for course, duration in WC_VIDEOS:
            _watch(p, enrolment, "video", duration, t, subject=subject, course=course)
            t += timedelta(days=p.rng.randint(2, 9))
        p.add(
            at_tokyo(day, 9) - timedelta(days=3),
            "book_seat",
            {"session": f"@{session}.id", "enrolment": f"@{enrolment}.wc-04"},
        )
        p.add(
            at_tokyo(day, 13, 40),
            "attendance",
            {"session": f"@{session}.id", "enrolment": f"@{enrolment}.wc-04", "present": True},
        )
    if certificate_refs:  # the first certificate of the year turns out to have been issued in error
        day, enrolment = min(certificate_refs)
        p.add(
            p.office_instant(p.business_day_after(day, 20)),
            "revoke_certificate",
            {"enrolment": f"@{enrolment}.enrolment_id"},
        )


def _watch(
    p: Planner,
    enrolment: str,
    lesson: str,
    duration: int,
    start: datetime,
    *,
    subject: str,
    course: str | None = None,
) -> None:
    """The lesson page's reports of one viewing at normal speed: start, a position every five
    minutes, the end."""
    target = f"@{enrolment}.{course}" if course else f"@{enrolment}.enrolment_id"
    step = 300
    who = {"enrolment": target, "lesson": lesson, "subject": subject}
    p.add(start, "progress", who | {"event": "start", "position": 0})
    position = 0
    t = start
    while position + step < duration:
        position += step
        t += timedelta(seconds=step)
        p.add(t, "progress", who | {"event": "position", "position": position})
    p.add(
        t + timedelta(seconds=duration - position), "progress", who | {"event": "end", "position": duration}
    )


# -- people's rights --------------------------------------------------------------------------------------
def erasures(p: Planner) -> None:
    """A few people ask for their data to be erased (the vault's key destroyed everywhere): people
    the rest of the year does not come back to (planned last, so it knows)."""
    known = p.known_people
    if not known:
        return
    last_use = p.last_use()
    candidates = sorted(known)
    p.rng.shuffle(candidates)
    wanted = max(1, len(known) // 800)
    for first, person in candidates:
        after = max(first, last_use.get(person, first)).astimezone(TOKYO).date()
        at = p.office_instant(p.business_day_after(after, p.rng.randint(10, 40)))
        if p.in_year(at):
            p.add(at, "erase_person", {"person_id": f"@{person}.person_id"})
            wanted -= 1
            if wanted == 0:
                return


def epilogue(p: Planner) -> None:
    """Three years on: the certificates of April 2025's home-visit and guideline training (valid 36
    months) come up for renewal and expire. The clock moves to the notice and to the day after the
    last valid day, and the demo waits for training's timer to announce each (the other timers
    announce what three years bring too: agreements that lapsed, replies never sent)."""
    last_valid = date(2028, 4, 9)
    p.add(
        at_tokyo(date(2028, 3, 27), 10), "await_event", {"type": "tsunagu.training.certificate.expiring.v1"}
    )
    p.add(
        at_tokyo(last_valid + timedelta(days=2), 10),
        "await_event",
        {"type": "tsunagu.training.certificate.expired.v1"},
    )


ALL = (*ALL, partners, local_network, subsidy, training, erasures, epilogue)
